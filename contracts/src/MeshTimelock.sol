// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title MeshTimelock
/// @notice OpenZeppelin's TimelockController, unchanged, under the name the deployment uses. On a real
/// network every contract's owner is this timelock (each contract's `transferOwnership(timelock)`, then an
/// `acceptOwnership()` scheduled and executed through it), so every owner action (burn rate, withdrawal
/// delay, dispute parameters, royalty cap, model reassignment) is public for `minDelay` before it applies.
/// `minDelay` is a deployment parameter: at least Payments' `withdrawDelay` plus its SETTLEMENT_INTERVAL,
/// so that a raised burn rate, like a raised royalty, never reaches work done before it was announced.
/// A devnet may use a short delay.
contract MeshTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling an operation and executing it.
    /// @param proposers Accounts that may schedule and cancel (a multisig).
    /// @param executors Accounts that may execute; `address(0)` in the list lets anyone execute.
    /// @param admin Optional account that may grant roles at once; `address(0)` leaves the timelock as its
    /// own admin (recommended once set up).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
