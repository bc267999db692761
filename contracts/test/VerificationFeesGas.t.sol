// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FeesBase} from "./utils/FeesBase.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";

/// @notice Gas of verification fees, written to snapshots/VerificationFees.json: resolve with the credit
/// of the verdict's voters (compare with resolve_guilty / resolve_innocent in snapshots/Disputes.json,
/// measured without a fees contract), creditVotes itself, claims, fund, roll-over and flushBurn with the
/// share. As in ConsensusGas, setUp prepares every state a measured call reads, so the measured call, the
/// only call its test makes, finds storage cold as a real transaction would. Setting: ConsensusGas's
/// (5 validators of MODEL, committees of 3), the deployment's defaults (share 20%, cap 5 MESH). Budgets
/// carry about 10% headroom.
contract VerificationFeesGasTest is FeesBase {
    uint256 internal constant RESOLVE_BUDGET = 285_000;
    uint256 internal constant RESOLVE_INNOCENT_BUDGET = 252_000;
    uint256 internal constant CREDIT_BUDGET = 90_000;
    uint256 internal constant CLAIM_ONE_BUDGET = 49_000;
    uint256 internal constant CLAIM_TEN_BUDGET = 152_000;
    uint256 internal constant FUND_BUDGET = 30_000;
    uint256 internal constant ROLL_OVER_BUDGET = 16_000;
    uint256 internal constant FLUSH_BUDGET = 85_000;
    uint256 internal constant VALIDATORS = 5;

    address[] internal validators;
    address internal challenger;
    address internal funder;
    address internal provider;
    uint256 internal toResolve;
    uint256 internal toAcquit;
    address[] internal voters;
    address internal claimant;
    uint64[] internal oneEpoch;
    uint64[] internal tenEpochs;

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < VALIDATORS; ++i) {
            validators.push(
                _validator(string(abi.encodePacked("validator", bytes1(uint8(0x30 + i)))), 1000 ether * (i + 1))
            );
        }
        provider = _provider("provider", 2000 ether);
        challenger = _challenger("challenger", 10_000 ether);
        funder = makeAddr("funder");
        _give(funder, 10_000 ether);
        vm.prank(funder);
        token.approve(address(fees), type(uint256).max);
        claimant = validators[0];

        // Epochs 1..10: the claimant earns a point in each, every pool funded (the cap leaves a leftover).
        for (uint64 e = 1; e <= 10; ++e) {
            _warpToEpoch(e);
            vm.prank(funder);
            fees.fund(10 ether);
            address[] memory one = new address[](1);
            one[0] = claimant;
            vm.prank(address(disputes));
            fees.creditVotes(one);
            tenEpochs.push(e);
        }
        oneEpoch.push(10);
        // Epoch 12: funded and credited already (the measured calls are not its first), work booked.
        _warpToEpoch(12);
        vm.prank(funder);
        fees.fund(10 ether);
        address[] memory earlier = new address[](1);
        earlier[0] = validators[4];
        vm.prank(address(disputes));
        fees.creditVotes(earlier);
        _work("payer", provider, 100 ether);
        payments.flushBurn(); // MESH has burned and been shared before
        _work("payer", provider, 100 ether);

        toResolve = _openAssigned(challenger, provider, 5 ether);
        toAcquit = _open(challenger, provider, 6 ether);
        vm.roll(block.number + DRAW_DELAY + 1);
        disputes.drawCommittee(toResolve);
        disputes.drawCommittee(toAcquit);
        address[] memory guiltyVoters = disputes.committeeOf(toResolve);
        address[] memory innocentVoters = disputes.committeeOf(toAcquit);
        for (uint256 i; i < COMMITTEE; ++i) {
            _commit(toResolve, guiltyVoters[i], true);
            _commit(toAcquit, innocentVoters[i], false);
        }
        _toReveal(toResolve);
        for (uint256 i; i < COMMITTEE; ++i) {
            _reveal(toResolve, guiltyVoters[i], true);
            _reveal(toAcquit, innocentVoters[i], false);
        }
        voters = [validators[1], validators[2], validators[3]];
        vm.roll(block.number + 1);
    }

    function test_gas_resolve_guilty_credits3() public {
        disputes.resolve(toResolve);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "resolve_guilty_credits3");
        vm.assertTrue(disputes.getDispute(toResolve).outcome == IDisputes.Outcome.Guilty);
        vm.assertEq(fees.votesOf(12), 4);
        vm.assertLt(gasUsed, RESOLVE_BUDGET);
    }

    function test_gas_resolve_innocent_credits3() public {
        disputes.resolve(toAcquit);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "resolve_innocent_credits3");
        vm.assertTrue(disputes.getDispute(toAcquit).outcome == IDisputes.Outcome.Innocent);
        vm.assertEq(fees.votesOf(12), 4);
        vm.assertLt(gasUsed, RESOLVE_INNOCENT_BUDGET);
    }

    function test_gas_creditVotes_3() public {
        vm.prank(address(disputes));
        fees.creditVotes(voters);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "creditVotes_3");
        vm.assertEq(fees.votesOf(12), 4);
        vm.assertLt(gasUsed, CREDIT_BUDGET);
    }

    function test_gas_claim_1epoch() public {
        fees.claim(claimant, oneEpoch);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "claim_1epoch");
        vm.assertTrue(fees.claimed(claimant, 10));
        vm.assertLt(gasUsed, CLAIM_ONE_BUDGET);
    }

    function test_gas_claim_10epochs() public {
        fees.claim(claimant, tenEpochs);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "claim_10epochs");
        vm.assertEq(token.balanceOf(claimant), 10 * MAX_FEE);
        vm.assertLt(gasUsed, CLAIM_TEN_BUDGET);
    }

    function test_gas_fund() public {
        vm.prank(funder);
        fees.fund(1 ether);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "fund");
        // 10 funded + 1 shared by the flush (20% of 5% of 100 MESH) + this 1.
        vm.assertEq(fees.poolOf(12), 12 ether);
        vm.assertLt(gasUsed, FUND_BUDGET);
    }

    function test_gas_rollOver() public {
        fees.rollOver(5);
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "rollOver");
        vm.assertTrue(fees.rolledOver(5));
        vm.assertLt(gasUsed, ROLL_OVER_BUDGET);
    }

    function test_gas_flushBurn_shared() public {
        payments.flushBurn();
        uint256 gasUsed = vm.snapshotGasLastCall("VerificationFees", "flushBurn_shared");
        vm.assertEq(payments.pendingBurn(), 0);
        vm.assertLt(gasUsed, FLUSH_BUDGET);
    }
}
