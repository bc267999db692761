// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";

/// @notice Gas of the consensus hot paths, written to snapshots/Disputes.json, snapshots/Uptime.json and
/// snapshots/Emissions.json. As in PaymentsGas, setUp prepares every state a measured call reads, so the
/// measured call, the only call its test makes, finds storage cold as a real transaction would.
/// Setting: 5 validators, 10 providers, committees of 3, the clock in epoch 5. Figures exclude the
/// 21,000 intrinsic gas and calldata, like the Payments snapshots. Budgets carry about 10% headroom.
contract ConsensusGasTest is ConsensusBase {
    uint256 internal constant OPEN_BUDGET = 330_000;
    uint256 internal constant DRAW_BUDGET = 290_000;
    uint256 internal constant VOTE_BUDGET = 15_000;
    uint256 internal constant RESOLVE_BUDGET = 200_000;
    uint256 internal constant RESOLVE_TIMEOUT_BUDGET = 250_000;
    uint256 internal constant SUBMIT_BUDGET = 450_000;
    uint256 internal constant SUBMIT_FIRST_BUDGET = 1_150_000;
    uint256 internal constant FINALIZE_BUDGET = 510_000;
    uint256 internal constant CLAIM_BUDGET = 150_000;
    uint256 internal constant PROVIDERS = 10;
    uint256 internal constant VALIDATORS = 5;

    address[] internal providers;
    address[] internal validators;
    uint16[] internal scores;
    address internal challenger;

    IDisputes.Receipt internal openReceipt;
    bytes internal openSignature;
    uint256 internal toDraw;
    uint256 internal toVote;
    address internal voter;
    uint256 internal toResolve;
    uint256 internal toTimeOut;
    uint64 internal timeOutAt;

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < PROVIDERS; ++i) {
            providers.push(_provider(string(abi.encodePacked("provider", bytes1(uint8(0x30 + i)))), 2000 ether));
            scores.push(uint16(9000 + i));
        }
        for (uint256 i; i < VALIDATORS; ++i) {
            validators.push(
                _validator(string(abi.encodePacked("validator", bytes1(uint8(0x30 + i)))), 1000 ether * (i + 1))
            );
        }
        challenger = _challenger("challenger", 10_000 ether);

        // Epoch 2: three validators report every provider; provider 0 redeems 100 MESH of work.
        _warpToEpoch(2);
        for (uint256 i; i < 3; ++i) {
            vm.prank(validators[i]);
            uptime.submitScores(2, providers, scores);
        }
        _work("payer", providers[0], 100 ether);
        payments.flushBurn(); // MESH has burned before, as on a running network
        // Epoch 3: the same, left unfinalized for the finalize measurement.
        _warpToEpoch(3);
        for (uint256 i; i < 3; ++i) {
            vm.prank(validators[i]);
            uptime.submitScores(3, providers, scores);
        }
        // Epoch 5: validator 0 reported every provider already; epoch 2 is finalized (claims open).
        _warpToEpoch(5);
        vm.prank(validators[0]);
        uptime.submitScores(5, providers, scores);
        uptime.finalize(2, PROVIDERS);

        // Disputes against provider 9, one per stage; provider 1 has none (the measured open).
        toDraw = _open(challenger, providers[9], 1 ether);
        toVote = _open(challenger, providers[9], 2 ether);
        toResolve = _open(challenger, providers[9], 3 ether);
        toTimeOut = _open(challenger, providers[9], 4 ether);
        vm.roll(block.number + DRAW_DELAY + 1);
        disputes.drawCommittee(toVote);
        disputes.drawCommittee(toResolve);
        disputes.drawCommittee(toTimeOut);
        timeOutAt = disputes.getDispute(toTimeOut).votingEnds;
        voter = disputes.committeeOf(toVote)[0];
        _voteAll(toResolve, true);

        openReceipt = _receipt(providers[1], 7 ether);
        openSignature = _signReceipt(keyOf[providers[1]], openReceipt);
    }

    // ============================================================== Disputes

    function test_gas_openDispute() public {
        vm.prank(challenger);
        disputes.openDispute(openReceipt, openSignature, REQUEST, RESPONSE);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "openDispute");
        vm.assertEq(disputes.openDisputesOf(providers[1]), 1);
        vm.assertLt(gasUsed, OPEN_BUDGET);
    }

    function test_gas_drawCommittee_5validators() public {
        disputes.drawCommittee(toDraw);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "drawCommittee_5validators");
        vm.assertEq(disputes.committeeOf(toDraw).length, COMMITTEE);
        vm.assertLt(gasUsed, DRAW_BUDGET);
    }

    function test_gas_vote() public {
        vm.prank(voter);
        disputes.vote(toVote, true);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "vote");
        vm.assertTrue(disputes.hasVoted(toVote, voter));
        vm.assertLt(gasUsed, VOTE_BUDGET);
    }

    function test_gas_resolve_guilty() public {
        disputes.resolve(toResolve);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "resolve_guilty");
        vm.assertTrue(disputes.getDispute(toResolve).guilty);
        vm.assertLt(gasUsed, RESOLVE_BUDGET);
    }

    function test_gas_resolve_timeout3Absent() public {
        vm.warp(timeOutAt); // a cheatcode, not a call: storage stays cold
        disputes.resolve(toTimeOut);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "resolve_timeout3Absent");
        vm.assertFalse(disputes.getDispute(toTimeOut).guilty);
        vm.assertLt(gasUsed, RESOLVE_TIMEOUT_BUDGET);
    }

    // ================================================================ Uptime

    function test_gas_submitScores_10providers() public {
        vm.prank(validators[1]);
        uptime.submitScores(5, providers, scores);
        uint256 gasUsed = vm.snapshotGasLastCall("Uptime", "submitScores_10providers");
        vm.assertEq(uptime.reportsBy(5, validators[1]), PROVIDERS);
        vm.assertLt(gasUsed, SUBMIT_BUDGET);
    }

    function test_gas_submitScores_10providers_firstReportOfTheEpoch() public {
        vm.prank(validators[1]);
        uptime.submitScores(4, providers, scores);
        uint256 gasUsed = vm.snapshotGasLastCall("Uptime", "submitScores_10providers_firstReportOfTheEpoch");
        vm.assertEq(uptime.reportsBy(4, validators[1]), PROVIDERS);
        vm.assertLt(gasUsed, SUBMIT_FIRST_BUDGET);
    }

    function test_gas_finalize_10providers() public {
        uptime.finalize(3, PROVIDERS);
        uint256 gasUsed = vm.snapshotGasLastCall("Uptime", "finalize_10providers");
        vm.assertTrue(uptime.isFinalized(3));
        vm.assertLt(gasUsed, FINALIZE_BUDGET);
    }

    // ============================================================= Emissions

    function test_gas_claim() public {
        emissions.claim(2, providers[0]);
        uint256 gasUsed = vm.snapshotGasLastCall("Emissions", "claim");
        vm.assertTrue(emissions.claimed(2, providers[0]));
        vm.assertGt(emissions.emittedIn(2), 0);
        vm.assertLt(gasUsed, CLAIM_BUDGET);
    }
}
