// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";

/// @notice Gas of the consensus hot paths, written to snapshots/Disputes.json, snapshots/Uptime.json and
/// snapshots/Emissions.json. As in PaymentsGas, setUp prepares every state a measured call reads, so the
/// measured call, the only call its test makes, finds storage cold as a real transaction would.
/// Setting: 5 validators (all declared MODEL), 10 providers, committees of 3, the clock in epoch 5.
/// Figures exclude the 21,000 intrinsic gas and calldata, like the Payments snapshots. Budgets carry
/// about 10% headroom (gas is deterministic here; the curve at scale is in ConsensusScale.t.sol).
contract ConsensusGasTest is ConsensusBase {
    uint256 internal constant OPEN_BUDGET = 345_000;
    uint256 internal constant CLAIM_CHALLENGE_BUDGET = 56_000;
    uint256 internal constant DRAW_BUDGET = 285_000;
    uint256 internal constant COMMIT_BUDGET = 37_000;
    uint256 internal constant REVEAL_BUDGET = 25_000;
    uint256 internal constant RESOLVE_BUDGET = 205_000;
    uint256 internal constant RESOLVE_INNOCENT_BUDGET = 175_000;
    uint256 internal constant RESOLVE_ESCALATE_BUDGET = 240_000;
    uint256 internal constant SUBMIT_BUDGET = 450_000;
    uint256 internal constant SUBMIT_FIRST_BUDGET = 1_450_000;
    uint256 internal constant FINALIZE_BUDGET = 1_080_000;
    uint256 internal constant CLAIM_BUDGET = 150_000;
    uint256 internal constant PROVIDERS = 10;
    uint256 internal constant VALIDATORS = 5;

    address[] internal providers;
    address[] internal validators;
    uint16[] internal scores;
    address internal challenger;
    address internal assignedValidator;

    IDisputes.Receipt internal openReceipt;
    bytes internal openSignature;
    bytes internal openSample;
    uint256 internal toDraw;
    uint256 internal toClaim;
    bytes internal claimSample;
    uint256 internal toCommit;
    address internal committer;
    bytes32 internal commitment;
    uint256 internal toReveal;
    address internal revealer;
    uint256 internal toResolve;
    uint256 internal toAcquit;
    uint256 internal toEscalate;
    uint64 internal escalateAt;

    /// @dev Every state a measured call reads (see the contract's NatSpec).
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
        assignedValidator = _challenger("assignedValidator", 10_000 ether);

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
        toClaim = _open(challenger, providers[9], 2 ether);
        toCommit = _open(challenger, providers[9], 3 ether);
        toReveal = _open(challenger, providers[9], 4 ether);
        toResolve = _openAssigned(challenger, providers[9], 5 ether);
        toAcquit = _open(challenger, providers[9], 6 ether);
        toEscalate = _open(challenger, providers[9], 7 ether);
        claimSample = _signSample(_receipt(providers[9], 2 ether), assignedValidator, 1);
        vm.roll(block.number + DRAW_DELAY + 1);
        disputes.drawCommittee(toReveal);
        disputes.drawCommittee(toResolve);
        disputes.drawCommittee(toAcquit);
        disputes.drawCommittee(toEscalate);
        escalateAt = disputes.getDispute(toEscalate).revealEnds;
        revealer = disputes.committeeOf(toReveal)[0];
        _commit(toReveal, revealer, true);
        address[] memory guiltyVoters = disputes.committeeOf(toResolve);
        address[] memory innocentVoters = disputes.committeeOf(toAcquit);
        for (uint256 i; i < COMMITTEE; ++i) {
            _commit(toResolve, guiltyVoters[i], true);
            _commit(toAcquit, innocentVoters[i], false);
        }
        _toReveal(toResolve); // the same draw time: every drawn dispute is in its reveal phase now
        for (uint256 i; i < COMMITTEE; ++i) {
            _reveal(toResolve, guiltyVoters[i], true);
            _reveal(toAcquit, innocentVoters[i], false);
        }
        // Drawn now, so its commit phase is open.
        disputes.drawCommittee(toCommit);
        committer = disputes.committeeOf(toCommit)[0];
        commitment = disputes.voteCommitment(toCommit, 1, committer, true, _salt(committer, toCommit, 1));

        vm.roll(block.number + 1);
        openReceipt = _receipt(providers[1], 7 ether);
        openSignature = _signReceipt(keyOf[providers[1]], openReceipt);
        openSample = _signSample(openReceipt, challenger, uint64(block.timestamp));
    }

    // ============================================================== Disputes

    function test_gas_openDispute() public {
        vm.prank(challenger);
        disputes.openDispute(openReceipt, openSignature, REQUEST, RESPONSE, uint64(block.timestamp), openSample);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "openDispute");
        vm.assertEq(disputes.openDisputesOf(providers[1]), 1);
        vm.assertLt(gasUsed, OPEN_BUDGET);
    }

    function test_gas_claimChallenge() public {
        vm.prank(assignedValidator);
        disputes.claimChallenge(toClaim, 1, claimSample);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "claimChallenge");
        vm.assertTrue(disputes.getDispute(toClaim).assigned);
        vm.assertLt(gasUsed, CLAIM_CHALLENGE_BUDGET);
    }

    function test_gas_drawCommittee_5validators() public {
        disputes.drawCommittee(toDraw);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "drawCommittee_5validators");
        vm.assertEq(disputes.committeeOf(toDraw).length, COMMITTEE);
        vm.assertLt(gasUsed, DRAW_BUDGET);
    }

    function test_gas_commitVote() public {
        vm.prank(committer);
        disputes.commitVote(toCommit, commitment);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "commitVote");
        vm.assertEq(disputes.memberOf(toCommit, committer).commitment, commitment);
        vm.assertLt(gasUsed, COMMIT_BUDGET);
    }

    function test_gas_revealVote() public {
        bytes32 salt = _salt(revealer, toReveal, 1);
        vm.prank(revealer);
        disputes.revealVote(toReveal, true, salt);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "revealVote");
        vm.assertTrue(disputes.hasVoted(toReveal, revealer));
        vm.assertLt(gasUsed, REVEAL_BUDGET);
    }

    function test_gas_resolve_guilty() public {
        disputes.resolve(toResolve);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "resolve_guilty");
        vm.assertTrue(disputes.getDispute(toResolve).outcome == IDisputes.Outcome.Guilty);
        vm.assertLt(gasUsed, RESOLVE_BUDGET);
    }

    function test_gas_resolve_innocent() public {
        disputes.resolve(toAcquit);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "resolve_innocent");
        vm.assertTrue(disputes.getDispute(toAcquit).outcome == IDisputes.Outcome.Innocent);
        vm.assertLt(gasUsed, RESOLVE_INNOCENT_BUDGET);
    }

    function test_gas_resolve_escalate3Absent() public {
        vm.warp(escalateAt); // a cheatcode, not a call: storage stays cold
        disputes.resolve(toEscalate);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "resolve_escalate3Absent");
        vm.assertEq(disputes.getDispute(toEscalate).round, 2);
        vm.assertLt(gasUsed, RESOLVE_ESCALATE_BUDGET);
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

/// @notice Gas of collectPenalty (snapshots/Disputes.json), in its own setting so that the pending penalties
/// it needs do not change what ConsensusGasTest measures: 5 validators of MODEL, a committee of 3 that
/// never revealed, resolved (escalated) a block before; the measured call collects one absentee's penalty
/// (a slash of a 1-model validator, burned, and one unfreeze).
contract ConsensusGasPenaltyTest is ConsensusBase {
    uint256 internal constant COLLECT_BUDGET = 195_000;

    address internal absentee;

    /// @dev A dispute whose round 1 nobody revealed, resolved: its three members owe their penalties.
    function setUp() public override {
        super.setUp();
        for (uint256 i; i < 5; ++i) {
            _validator(string(abi.encodePacked("validator", bytes1(uint8(0x30 + i)))), 1000 ether * (i + 1));
        }
        address provider = _provider("provider", 2000 ether);
        uint256 id = _open(_challenger("challenger", 10_000 ether), provider, 1 ether);
        _draw(id);
        _toRevealEnd(id);
        disputes.resolve(id);
        absentee = disputes.committeeOf(id)[0];
        vm.roll(block.number + 1);
    }

    function test_gas_collectPenalty() public {
        disputes.collectPenalty(absentee);
        uint256 gasUsed = vm.snapshotGasLastCall("Disputes", "collectPenalty");
        vm.assertEq(disputes.pendingPenaltyOf(absentee), 0);
        vm.assertEq(registry.frozenOf(absentee), 0);
        vm.assertLt(gasUsed, COLLECT_BUDGET);
    }
}
