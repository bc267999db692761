// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisputeWindow
/// @notice What the Registry asks its slasher (Disputes) before it accepts an unbonding period: stake
/// must stay slashable for as long as a dispute over a receipt it backed can still be opened and decided.
interface IDisputeWindow {
    /// @notice The shortest unbonding period, in seconds, that keeps unbonding stake within reach of
    /// every dispute the slasher can still open and resolve (dispute window plus every voting round).
    function minUnbondingPeriod() external view returns (uint64);
}
