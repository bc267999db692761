// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./ConsensusBase.sol";
import {VerificationFees} from "../../src/VerificationFees.sol";

/// @notice ConsensusBase with VerificationFees deployed and wired as deployContracts does: the fees
/// contract names Disputes, then Payments and Disputes name the fees contract (each once), and Payments
/// sends `SHARE_BPS` of every flushed burn to it. Helpers run a whole dispute to a verdict.
abstract contract FeesBase is ConsensusBase {
    uint256 internal constant MAX_FEE = 5 ether;
    uint16 internal constant SHARE_BPS = 2000;

    VerificationFees internal fees;

    function setUp() public virtual override {
        super.setUp();
        fees = new VerificationFees(owner, token, GENESIS, EPOCH, MAX_FEE);
        vm.startPrank(owner);
        fees.setDisputes(address(disputes));
        payments.setVerificationFees(address(fees));
        payments.setVerificationShare(SHARE_BPS);
        disputes.setVerificationFees(address(fees));
        vm.stopPrank();
        vm.label(address(fees), "VerificationFees");
    }

    /// @dev `from` gets `amount` MESH and funds the current epoch's pool with it.
    function _fund(address from, uint256 amount) internal {
        _give(from, amount);
        vm.startPrank(from);
        token.approve(address(fees), amount);
        fees.fund(amount);
        vm.stopPrank();
    }

    /// @dev Opens a dispute against `provider`, draws round 1, lets the first `guilty` members vote guilty
    /// and the next `innocent` innocent (the rest stay absent) and resolves it. Returns the round's members.
    function _decide(address challenger, address provider, uint256 nonce, uint256 guilty, uint256 innocent)
        internal
        returns (uint256 id, address[] memory members)
    {
        id = _open(challenger, provider, nonce);
        _draw(id);
        members = _castRound(id, guilty, innocent);
        disputes.resolve(id);
    }

    /// @dev `[epoch]`.
    function _one(uint64 epoch) internal pure returns (uint64[] memory epochs) {
        epochs = new uint64[](1);
        epochs[0] = epoch;
    }
}
