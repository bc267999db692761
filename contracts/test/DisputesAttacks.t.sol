// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice The state snapshot cheatcodes (not in the shared minimal Vm interface).
interface VmStateSnapshots {
    /// @notice Saves the whole EVM state.
    function snapshotState() external returns (uint256 snapshotId);
    /// @notice Goes back to a saved state.
    function revertToState(uint256 snapshotId) external returns (bool success);
}

/// @notice The attacks of the contracts audit (F1, F2, F3, F6, F7) replayed against Disputes v2 and the
/// Registry's checkpointed sortition, each named after the attack and showing that it fails; plus the
/// round mechanics (redraw of absent members, void after maxRounds) and a devnet-sized committee.
/// Money is checked to the wei: every MESH that leaves an account is either received by another or burned.
contract DisputesAttacksTest is ConsensusBase {
    VmStateSnapshots internal constant snapshots =
        VmStateSnapshots(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev `count` validators of MODEL with `amount` staked each.
    function _validators(string memory prefix, uint256 count, uint256 amount) internal returns (address[] memory vs) {
        vs = new address[](count);
        for (uint256 i; i < count; ++i) {
            vs[i] = _validator(string(abi.encodePacked(prefix, bytes1(uint8(0x41 + i)))), amount);
        }
    }

    /// @dev Stake plus unbonding stake.
    function _held(address account) internal view returns (uint256) {
        (uint256 staked, uint256 unbonding) = _stakeOf(account);
        return staked + unbonding;
    }

    /// @dev Whether `account` is in `list`.
    function _contains(address[] memory list, address account) internal pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == account) return true;
        }
        return false;
    }

    /// @dev The same members in the same order.
    function _assertSameMembers(address[] memory a, address[] memory b) internal pure {
        vm.assertEq(a.length, b.length, "committee size");
        for (uint256 i; i < a.length; ++i) {
            vm.assertEq(a[i], b[i], "committee member");
        }
    }

    // ==================================================================== F1

    /// @dev F1: once the seed's block is mined, the attacker (2 validators, about 2.4% of the stake) tops
    /// up its stake by any amount, or registers a large new validator, in the draw's block: the committee
    /// is the same every time, because the draw reads the stake checkpointed at the end of the block before
    /// the opening.
    function test_F1_grindingStakeAfterSeedChangesNothing() public {
        address honestProvider = _provider("honestProvider", 100_000 ether);
        _validators("honest", 10, 8000 ether);
        address a1 = _validator("attacker1", 1000 ether);
        _validator("attacker2", 1000 ether);
        address challenger = _challenger("attackerChallenger", BOND);
        uint256 id = _open(challenger, honestProvider, 1 ether);
        vm.roll(disputes.getDispute(id).drawBlock + 1);

        uint256 clean = snapshots.snapshotState();
        disputes.drawCommittee(id);
        address[] memory expected = disputes.committeeOf(id);
        vm.assertEq(expected.length, COMMITTEE);

        uint256[6] memory deltas = [uint256(1), 2, 1000, 2294, 1 ether, 50_000 ether];
        for (uint256 i; i < deltas.length; ++i) {
            snapshots.revertToState(clean);
            _stake(a1, deltas[i]); // in the draw's own block, after the seed is known
            disputes.drawCommittee(id);
            _assertSameMembers(disputes.committeeOf(id), expected);
        }
        // A whale validator registered after the opening is not in the snapshot either.
        snapshots.revertToState(clean);
        _validator("lateWhale", 1_000_000 ether);
        disputes.drawCommittee(id);
        _assertSameMembers(disputes.committeeOf(id), expected);
        // Nor are stake changes between the opening and the draw block.
        snapshots.revertToState(clean);
        vm.roll(disputes.getDispute(id).openBlock);
        _stake(a1, 10_000 ether);
        vm.roll(disputes.getDispute(id).drawBlock + 1);
        disputes.drawCommittee(id);
        _assertSameMembers(disputes.committeeOf(id), expected);
    }

    // ==================================================================== F2

    /// @dev F2: the provider unregisters (all its stake unbonds) before the dispute arrives: the dispute
    /// still opens, the withdrawal after the unbonding period is refused while the dispute runs, and the
    /// guilty verdict slashes the unbonding stake. Money to the wei.
    function test_F2_unregisterDoesNotEscape() public {
        address cheater = _provider("cheater", 10_000 ether);
        _validators("v", 4, 2000 ether);
        address challenger = _challenger("challenger", BOND);
        IDisputes.Receipt memory receipt = _receipt(cheater, 1 ether);
        bytes memory signature = _signReceipt(keyOf[cheater], receipt);
        vm.prank(cheater);
        registry.unregister(); // front-runs the dispute
        (IRegistry.Role role, uint256 staked, uint256 unbonding, uint64 unbondingEnd) = registry.stakeOf(cheater);
        vm.assertTrue(role == IRegistry.Role.None);
        vm.assertEq(staked, 0);
        vm.assertEq(unbonding, 10_000 ether);

        vm.roll(block.number + 1);
        bytes memory sample = _signSample(receipt, challenger, 1);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(receipt, signature, REQUEST, RESPONSE, 1, sample);
        vm.assertEq(disputes.getDispute(id).slashAmount, 1000 ether);
        vm.assertEq(registry.frozenOf(cheater), 1);

        _draw(id);
        _voteAll(id, true);
        vm.warp(unbondingEnd + 1);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsFrozen.selector, cheater, 1));
        vm.prank(cheater);
        registry.withdrawStake();

        uint256 supply = token.totalSupply();
        disputes.resolve(id);
        vm.assertEq(_held(cheater), 9000 ether);
        vm.assertEq(token.balanceOf(challenger), BOND + 500 ether);
        vm.assertEq(token.totalSupply(), supply - 500 ether);
        vm.prank(cheater);
        registry.withdrawStake(); // only what is left
        vm.assertEq(token.balanceOf(cheater), 9000 ether);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    // ==================================================================== F3

    /// @dev F3: a colluder opens ten sham disputes over harmless receipts of the cheater. They no longer
    /// block anything: the real dispute opens (no "fully committed" refusal) and slashes its full amount.
    /// Each sham costs the colluder its bond, shared by the innocent voters (the rounding burned); nothing
    /// goes to the provider.
    function test_F3_shamDisputesCostBondsAndDoNotBlockRealOnes() public {
        address cheater = _provider("cheater", 10_000 ether);
        address[] memory vs = _validators("v", 5, 2000 ether);
        address colluder = _challenger("colluder", 10 * BOND);
        address honest = _challenger("honest", BOND);
        uint256[] memory before = new uint256[](vs.length);
        for (uint256 i; i < vs.length; ++i) {
            before[i] = token.balanceOf(vs[i]);
        }
        uint256 supply = token.totalSupply();

        uint256[] memory shams = new uint256[](10);
        for (uint256 i; i < 10; ++i) {
            shams[i] = _open(colluder, cheater, i + 1);
        }
        uint256 real = _openAssigned(honest, cheater, 100 ether);
        vm.assertEq(disputes.getDispute(real).slashAmount, 1000 ether);
        vm.assertEq(registry.frozenOf(cheater), 11);

        for (uint256 i; i < 10; ++i) {
            _draw(shams[i]);
            _voteAll(shams[i], false);
            disputes.resolve(shams[i]);
            vm.assertTrue(disputes.getDispute(shams[i]).outcome == IDisputes.Outcome.Innocent);
        }
        _draw(real);
        _voteAll(real, true);
        disputes.resolve(real);
        vm.assertTrue(disputes.getDispute(real).outcome == IDisputes.Outcome.Guilty);

        uint256 share = BOND / 3;
        uint256 toVoters;
        for (uint256 i; i < vs.length; ++i) {
            toVoters += token.balanceOf(vs[i]) - before[i];
        }
        vm.assertEq(toVoters, 10 * 3 * share, "the voters got the shams' bonds");
        vm.assertEq(token.balanceOf(colluder), 0, "the colluder lost every bond");
        vm.assertEq(token.balanceOf(cheater), 0, "nothing to the provider");
        vm.assertEq(_held(cheater), 9000 ether, "the real dispute slashed its full amount");
        vm.assertEq(token.balanceOf(honest), BOND + 500 ether);
        vm.assertEq(token.totalSupply(), supply - 10 * (BOND - 3 * share) - 500 ether, "burns to the wei");
        vm.assertEq(registry.frozenOf(cheater), 0);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    // ==================================================================== F6

    /// @dev F6: a copier front-runs the assigned validator's dispute. Copying the sample signature fails
    /// (it names the validator), so the copy is unassigned; the assigned validator claims the challenge
    /// (the copier gets its bond back and nothing else) and earns the reward.
    function test_F6_copiedDisputeEarnsNothing() public {
        address cheater = _provider("cheater", 10_000 ether);
        _validators("v", 4, 2000 ether);
        address assigned = _challenger("assigned", BOND);
        address copier = _challenger("copier", BOND);
        IDisputes.Receipt memory receipt = _receipt(cheater, 1 ether);
        bytes memory signature = _signReceipt(keyOf[cheater], receipt);
        bytes memory sample = _signSample(receipt, assigned, 42);
        vm.roll(block.number + 1);

        // The copier replays the whole calldata: the sample does not name it.
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidSampleSignature.selector, receipt.payer, copier));
        vm.prank(copier);
        disputes.openDispute(receipt, signature, REQUEST, RESPONSE, 42, sample);
        // Without the sample it opens, unassigned.
        vm.prank(copier);
        uint256 id = disputes.openDispute(receipt, signature, REQUEST, RESPONSE, 0, "");
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeExists.selector, disputes.hashReceipt(receipt), id));
        vm.prank(assigned);
        disputes.openDispute(receipt, signature, REQUEST, RESPONSE, 42, sample);
        vm.prank(assigned);
        disputes.claimChallenge(id, 42, sample);
        vm.assertEq(token.balanceOf(copier), BOND);

        _draw(id);
        _voteAll(id, true);
        disputes.resolve(id);
        vm.assertEq(token.balanceOf(copier), BOND, "the copier earned nothing");
        vm.assertEq(token.balanceOf(assigned), BOND + 500 ether, "the assigned validator earned the reward");

        // A copy nobody claims: the copier gets its bond back, the reward share is burned.
        IDisputes.Receipt memory second = _receipt(cheater, 2 ether);
        bytes memory secondSignature = _signReceipt(keyOf[cheater], second);
        vm.roll(block.number + 1);
        vm.prank(copier);
        uint256 copied = disputes.openDispute(second, secondSignature, REQUEST, RESPONSE, 0, "");
        _draw(copied);
        _voteAll(copied, true);
        uint256 supply = token.totalSupply();
        disputes.resolve(copied);
        vm.assertEq(token.balanceOf(copier), BOND, "no reward without the assignment");
        vm.assertEq(token.totalSupply(), supply - 900 ether, "10% of the 9000 left, all burned");
    }

    // ==================================================================== F7

    /// @dev F7: one guilty vote of three, the other two absent: no slash. The round escalates (the
    /// absentees owe their penalty and are dropped); with nobody left to draw the dispute ends void, bond back.
    function test_F7_oneGuiltyVoteDoesNotSlash() public {
        address provider = _provider("provider", 10_000 ether);
        _validators("v", 4, 2000 ether);
        address challenger = _challenger("challenger", BOND);
        uint256 id = _open(challenger, provider, 1 ether);
        _draw(id);
        address[] memory round1 = _castRound(id, 1, 0);
        uint256 supply = token.totalSupply();
        disputes.resolve(id);
        vm.assertEq(_held(provider), 10_000 ether, "one vote does not slash");
        vm.assertEq(disputes.getDispute(id).round, 2);
        vm.assertEq(disputes.pendingPenaltyOf(round1[1]), 20 ether, "absentee owes");
        vm.assertEq(disputes.pendingPenaltyOf(round1[2]), 20 ether, "absentee owes");
        vm.assertEq(token.totalSupply(), supply, "penalties deferred");
        disputes.collectPenalty(round1[1]);
        disputes.collectPenalty(round1[2]);
        vm.assertEq(_held(round1[1]), 2000 ether - 20 ether, "absentee slashed");
        vm.assertEq(_held(round1[2]), 2000 ether - 20 ether, "absentee slashed");
        vm.assertEq(token.totalSupply(), supply - 40 ether);
        // Round 2: the one validator left is drawn and stays absent; round 3 draws nobody.
        _draw(id);
        vm.assertEq(disputes.committeeOfRound(id, 2).length, 1);
        _toRevealEnd(id);
        disputes.resolve(id);
        _draw(id);
        vm.assertEq(disputes.committeeOfRound(id, 3).length, 0);
        _toRevealEnd(id);
        disputes.resolve(id);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Void);
        vm.assertEq(_held(provider), 10_000 ether);
        vm.assertEq(token.balanceOf(challenger), BOND);
        vm.assertEq(registry.frozenOf(provider), 0);
    }

    // ================================================================ rounds

    /// @dev Round 1: guilty, innocent, absent: no majority. Round 2 redraws the absent seat (one seat:
    /// two votes are kept) among validators never drawn; its guilty vote makes 2 of 3: guilty.
    function test_absentMemberIsReplacedByARedrawInRound2() public {
        address provider = _provider("provider", 10_000 ether);
        _validators("v", 7, 2000 ether);
        address challenger = _challenger("challenger", BOND);
        uint256 id = _openAssigned(challenger, provider, 1 ether);
        _draw(id);
        address[] memory round1 = _castRound(id, 1, 1);
        address absent = round1[2];
        vm.expectEmit(address(disputes));
        emit IDisputes.AbsenteePenalized(id, absent, 1, 20 ether);
        disputes.resolve(id);
        vm.assertEq(disputes.getDispute(id).round, 2);

        _draw(id);
        address[] memory round2 = disputes.committeeOfRound(id, 2);
        vm.assertEq(round2.length, 1, "one seat to fill");
        vm.assertFalse(_contains(round1, round2[0]), "never an earlier member");
        vm.assertTrue(round2[0] != challenger && round2[0] != provider);
        vm.assertEq(disputes.committeeOf(id).length, 4);
        uint256 supply = token.totalSupply();
        _castRound(id, 1, 0);
        disputes.resolve(id); // every seat of the full committee revealed (2 + 1)
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertTrue(d.outcome == IDisputes.Outcome.Guilty);
        vm.assertEq(d.guiltyVotes, 2);
        vm.assertEq(d.innocentVotes, 1);
        vm.assertEq(_held(provider), 9000 ether);
        vm.assertEq(_held(absent), 2000 ether, "penalty not collected yet");
        vm.assertEq(token.balanceOf(challenger), BOND + 500 ether);
        vm.assertEq(token.totalSupply(), supply - 500 ether);
        disputes.collectPenalty(absent);
        vm.assertEq(_held(absent), 1980 ether);
        vm.assertEq(token.totalSupply(), supply - 520 ether);
    }

    /// @dev Nobody reveals in any round: after maxRounds the dispute is void: the bond goes back, the
    /// provider is not slashed and is unfrozen, and every absentee loses absentSlashBps (burned) once collected.
    function test_voidAfterMaxRounds() public {
        IDisputes.Params memory p = _params();
        p.maxRounds = 2;
        vm.prank(owner);
        disputes.setParams(p);
        address provider = _provider("provider", 10_000 ether);
        _validators("v", 7, 2000 ether);
        address challenger = _challenger("challenger", BOND);
        uint256 supply = token.totalSupply();
        uint256 id = _open(challenger, provider, 1 ether);
        _draw(id);
        _toRevealEnd(id);
        disputes.resolve(id);
        _draw(id);
        vm.assertEq(disputes.committeeOfRound(id, 2).length, 3, "no seat kept: three new members");
        _toRevealEnd(id);
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, IDisputes.Outcome.Void, 0, 0, 0, 3);
        disputes.resolve(id);
        vm.assertEq(_held(provider), 10_000 ether);
        vm.assertEq(registry.frozenOf(provider), 0);
        vm.assertEq(token.balanceOf(challenger), BOND);
        vm.assertEq(token.totalSupply(), supply, "nothing burned before collection");
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, 6);
        for (uint256 i; i < members.length; ++i) {
            vm.assertEq(registry.frozenOf(members[i]), 1, "frozen until collected");
            disputes.collectPenalty(members[i]);
            vm.assertEq(registry.frozenOf(members[i]), 0);
        }
        vm.assertEq(token.totalSupply(), supply - 6 * 20 ether, "six absentees burned");
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    /// @dev The devnet: 4 validators, one of them the assigned challenger, so exactly the other three sit
    /// on the committee (a full committee of 3), and 2 of 3 decide.
    function test_devnetSized_threeEligibleValidatorsFillTheCommittee() public {
        address provider = _provider("provider", 10_000 ether);
        address[] memory vs = _validators("v", 4, 1000 ether);
        address challenger = vs[3];
        _give(challenger, BOND);
        vm.prank(challenger);
        token.approve(address(disputes), BOND);
        uint256 id = _openAssigned(challenger, provider, 1 ether);
        _draw(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, 3);
        for (uint256 i; i < 3; ++i) {
            vm.assertTrue(_contains(members, vs[i]));
        }
        _castRound(id, 2, 1);
        disputes.resolve(id);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Guilty);
        vm.assertEq(_held(provider), 9000 ether);
    }

    /// @dev With only 3 validators and one of them the challenger, a 1–1 split of the two seats is no
    /// majority of the committee of 3: no acquittal; the dispute ends void after the rounds (bond back).
    function test_twoEligibleValidatorsSplitIsNotAnAcquittal() public {
        address provider = _provider("provider", 10_000 ether);
        address[] memory vs = _validators("v", 3, 1000 ether);
        address challenger = vs[2];
        _give(challenger, BOND);
        vm.prank(challenger);
        token.approve(address(disputes), BOND);
        uint256 id = _openAssigned(challenger, provider, 1 ether);
        _draw(id);
        vm.assertEq(disputes.committeeOf(id).length, 2);
        _castRound(id, 1, 1);
        _toRevealEnd(id);
        disputes.resolve(id);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.None);
        for (uint8 round = 2; round <= MAX_ROUNDS; ++round) {
            _draw(id);
            _toRevealEnd(id);
            disputes.resolve(id);
        }
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Void);
        vm.assertEq(token.balanceOf(challenger), BOND);
        vm.assertEq(_held(provider), 10_000 ether);
    }
}
