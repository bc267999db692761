// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FeesBase} from "./utils/FeesBase.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {VerificationFees} from "../src/VerificationFees.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {IVerificationFees} from "../src/interfaces/IVerificationFees.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice Logs forge prints with -vv (ds-test's event, decoded by forge).
event log_named_uint(string key, uint256 val);

/// @notice Verification fees on the whole deployment (FeesBase: Payments shares 20% of the flushed burn,
/// Disputes credits verdicts): the wiring, and the attacks on the fees, each named after the attack and
/// showing that it fails. Money is checked to the wei.
contract VerificationFeesAttacksTest is FeesBase {
    bytes32 internal constant MODEL_SINGLE = keccak256("sybil/single");
    bytes32 internal constant MODEL_EQUAL = keccak256("sybil/equal-split");
    bytes32 internal constant MODEL_FINE = keccak256("sybil/fine-split");

    /// @dev `count` validators of MODEL with `amount` staked each.
    function _validators(string memory prefix, uint256 count, uint256 amount) internal returns (address[] memory vs) {
        vs = new address[](count);
        for (uint256 i; i < count; ++i) {
            vs[i] = _validator(string(abi.encodePacked(prefix, bytes1(uint8(0x41 + i)))), amount);
        }
    }

    /// @dev A provider, 5 validators and a challenger: enough for a full committee of 3 and two more rounds.
    function _network() internal returns (address provider, address challenger) {
        provider = _provider("provider", 100_000 ether);
        _validators("v", 5, 2000 ether);
        challenger = _challenger("challenger", 100 * BOND);
    }

    function _contains(address[] memory list, address account) internal pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == account) return true;
        }
        return false;
    }

    // ============================================================ wiring

    function test_flushBurn_sharesTheBurnWithTheCurrentPool() public {
        address provider = _provider("provider", 10_000 ether);
        _warpToEpoch(4);
        _work("payer", provider, 1000 ether); // books 50 MESH of burn (5%)
        uint256 booked = payments.pendingBurn();
        vm.assertEq(booked, 50 ether);
        uint256 burnedBefore = token.totalBurned();
        vm.expectEmit(address(payments));
        emit IPayments.BurnFlushed(50 ether);
        vm.expectEmit(address(payments));
        emit IPayments.BurnShared(address(fees), 10 ether);
        vm.expectEmit(address(fees));
        emit IVerificationFees.FeesFunded(4, address(payments), 10 ether);
        vm.assertEq(payments.flushBurn(), 50 ether);
        vm.assertEq(fees.poolOf(4), 10 ether);
        vm.assertEq(token.balanceOf(address(fees)), 10 ether);
        vm.assertEq(token.totalBurned() - burnedBefore, 40 ether, "the rest burns");
        vm.assertEq(token.allowance(address(payments), address(fees)), 0, "no allowance left");
        vm.assertEq(payments.pendingBurn(), 0);
    }

    function test_flushBurn_zeroShareBurnsEverything() public {
        vm.prank(owner);
        payments.setVerificationShare(0);
        address provider = _provider("provider", 10_000 ether);
        _work("payer", provider, 1000 ether);
        uint256 burnedBefore = token.totalBurned();
        payments.flushBurn();
        vm.assertEq(token.totalBurned() - burnedBefore, 50 ether);
        vm.assertEq(token.balanceOf(address(fees)), 0);
    }

    function test_flushBurn_shareRoundsDownAndATinyFlushBurnsAll() public {
        address provider = _provider("provider", 10_000 ether);
        _work("payer", provider, 80); // books 4 wei: 20% is 0.8 wei, rounded down to 0
        uint256 burnedBefore = token.totalBurned();
        payments.flushBurn();
        vm.assertEq(token.totalBurned() - burnedBefore, 4);
        vm.assertEq(fees.poolOf(0), 0);
    }

    /// @dev The rare flush inside a redemption (the booked burn would overflow 104 bits) shares too. Each
    /// epoch's work must fit in 104 bits as well, so three redemptions of 2e31 wei (burning 1e31 each at
    /// 50%) in three epochs: the third books more than 2^104 (2.03e31) and flushes the 2e31 booked before.
    function test_overflowFlushInsideRedeemSharesToo() public {
        vm.prank(owner);
        payments.setBurnBps(5000);
        address provider = _provider("provider", 10_000 ether);
        uint256 big = 2e31;
        _work("payer", provider, big);
        _warpToEpoch(1);
        _work("payer", provider, big);
        vm.assertEq(payments.pendingBurn(), big);
        _warpToEpoch(2);
        uint256 burnedBefore = token.totalBurned();
        _work("payer", provider, big);
        vm.assertEq(payments.pendingBurn(), big / 2, "the third burn stays booked");
        vm.assertEq(fees.poolOf(2), big * SHARE_BPS / BPS);
        vm.assertEq(token.balanceOf(address(fees)), big * SHARE_BPS / BPS);
        vm.assertEq(token.totalBurned() - burnedBefore, big - big * SHARE_BPS / BPS);
    }

    function test_payments_setVerificationFees_onceSameTokenOnlyOwner() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPayments.VerificationFeesAlreadySet.selector, address(fees)));
        payments.setVerificationFees(stranger);
        vm.assertEq(payments.verificationFees(), address(fees));
        vm.assertEq(payments.verificationShareBps(), SHARE_BPS);
        // A fresh deployment: zero, another token, a stranger.
        _deploy();
        vm.prank(owner);
        vm.expectRevert(IPayments.ZeroAddress.selector);
        payments.setVerificationFees(address(0));
        MeshToken other = new MeshToken(owner, owner, 1 ether);
        VerificationFees foreign = new VerificationFees(owner, other, GENESIS, EPOCH, MAX_FEE);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IPayments.TokenMismatch.selector, address(token), address(other)));
        payments.setVerificationFees(address(foreign));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        payments.setVerificationFees(address(fees));
        // Unset: a flush burns everything, as before.
        address provider = _provider("provider", 10_000 ether);
        _work("payer", provider, 1000 ether);
        uint256 burnedBefore = token.totalBurned();
        payments.flushBurn();
        vm.assertEq(token.totalBurned() - burnedBefore, 50 ether);
    }

    function test_payments_setVerificationShare_bounds() public {
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IPayments.ParameterOutOfRange.selector, "verificationShareBps", 5001, 0, 5000)
        );
        payments.setVerificationShare(5001);
        vm.expectEmit(address(payments));
        emit IPayments.VerificationShareBpsSet(5000);
        vm.prank(owner);
        payments.setVerificationShare(5000);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        payments.setVerificationShare(1);
    }

    function test_disputes_setVerificationFees_onceWiredSameToken() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.VerificationFeesAlreadySet.selector, address(fees)));
        disputes.setVerificationFees(stranger);
        _deploy();
        VerificationFees unwired = new VerificationFees(owner, token, GENESIS, EPOCH, MAX_FEE);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputes.VerificationFeesNotWired.selector, address(unwired), address(0))
        );
        disputes.setVerificationFees(address(unwired));
        MeshToken other = new MeshToken(owner, owner, 1 ether);
        VerificationFees foreign = new VerificationFees(owner, other, GENESIS, EPOCH, MAX_FEE);
        vm.prank(owner);
        foreign.setDisputes(address(disputes));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.TokenMismatch.selector, address(token), address(other)));
        disputes.setVerificationFees(address(foreign));
        vm.prank(owner);
        vm.expectRevert(IDisputes.ZeroAddress.selector);
        disputes.setVerificationFees(address(0));
        vm.prank(owner);
        unwired.setDisputes(address(disputes));
        vm.expectEmit(address(disputes));
        emit IDisputes.VerificationFeesSet(address(unwired));
        vm.prank(owner);
        disputes.setVerificationFees(address(unwired));
    }

    function test_resolveGuilty_creditsEveryMemberWhoVotedGuilty() public {
        (address provider, address challenger) = _network();
        _warpToEpoch(2);
        (uint256 id, address[] memory members) = _decide(challenger, provider, 1 ether, 3, 0);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Guilty);
        uint64 epoch = fees.currentEpoch();
        vm.assertEq(fees.votesOf(epoch), 3);
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(fees.votesBy(epoch, members[i]), 1);
        }
        vm.assertEq(fees.votesBy(epoch, challenger), 0);
        vm.assertEq(fees.votesBy(epoch, provider), 0);
    }

    function test_resolveInnocent_creditsTheInnocentVotersAndStillPaysTheBond() public {
        (address provider, address challenger) = _network();
        (uint256 id, address[] memory members) = _decide(challenger, provider, 1 ether, 0, 3);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Innocent);
        uint64 epoch = fees.currentEpoch();
        vm.assertEq(fees.votesOf(epoch), 3);
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(fees.votesBy(epoch, members[i]), 1);
            vm.assertEq(token.balanceOf(members[i]), BOND / 3, "the bond split is unchanged");
        }
    }

    /// @dev A member who revealed in round 1 is kept for round 2 and counts in the verdict: it is credited
    /// with the round-2 member who voted the same way; the round-1 absentee earns nothing.
    function test_resolveAfterEscalation_creditsKeptMembersWithTheVerdict() public {
        (address provider, address challenger) = _network();
        uint256 id = _open(challenger, provider, 1 ether);
        _draw(id);
        address[] memory round1 = _castRound(id, 1, 1); // round1[2] absent
        disputes.resolve(id);
        vm.assertEq(disputes.getDispute(id).round, 2);
        _draw(id);
        address[] memory round2 = _castRound(id, 1, 0);
        vm.assertEq(round2.length, 1);
        disputes.resolve(id);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Guilty);
        uint64 epoch = fees.currentEpoch();
        vm.assertEq(fees.votesOf(epoch), 2);
        vm.assertEq(fees.votesBy(epoch, round1[0]), 1, "kept guilty voter");
        vm.assertEq(fees.votesBy(epoch, round2[0]), 1, "round-2 guilty voter");
        vm.assertEq(fees.votesBy(epoch, round1[1]), 0, "innocent voter, against the verdict");
        vm.assertEq(fees.votesBy(epoch, round1[2]), 0, "absentee");
    }

    // =========================================================== attacks

    /// @dev Sybil split. The same attacker stake (30,000 MESH, 9.09% of the model's stake, next to 30 honest
    /// validators of 10,000) joins three model trees: as one account (MODEL_SINGLE), as 3 accounts of
    /// 10,000 like the honest ones (MODEL_EQUAL) and as 30 accounts of 1,000 (MODEL_FINE). A vote point is
    /// flat, so expected points are the expected seats. Exact expectations (computed below from the
    /// sortition weights, sampling without replacement as drawValidators does): one account gets LESS than
    /// its stake share (a single account holds at most one seat), equal-sized accounts exactly its share,
    /// and accounts smaller than everyone else slightly MORE: at most (1/k)·Σ_j 1/(1 − j·m) times its share,
    /// m the largest other account's share of the stake (here +3.2%; measured +2.6%): the bias of drawing
    /// without replacement, which shrinks as 1/n with the number of validators. Then 3 × 4,000 real draws
    /// (drawValidators, the function Disputes calls) match those expectations within 4 standard deviations.
    function test_FeeSybil_splittingStakeEarnsNoMoreThanItsStakeBeyondTheDrawBias() public {
        bytes32[] memory all = new bytes32[](3);
        all[0] = MODEL_SINGLE;
        all[1] = MODEL_EQUAL;
        all[2] = MODEL_FINE;
        for (uint256 i; i < 30; ++i) {
            _validatorWithModels(_name("honest", i), 10_000 ether, all);
        }
        bytes32[] memory only = new bytes32[](1);
        only[0] = MODEL_SINGLE;
        address[] memory single = new address[](1);
        single[0] = _validatorWithModels("attacker", 30_000 ether, only);
        only[0] = MODEL_EQUAL;
        address[] memory equal = new address[](3);
        for (uint256 i; i < 3; ++i) {
            equal[i] = _validatorWithModels(_name("equal", i), 10_000 ether, only);
        }
        only[0] = MODEL_FINE;
        address[] memory fine = new address[](30);
        for (uint256 i; i < 30; ++i) {
            fine[i] = _validatorWithModels(_name("fine", i), 1000 ether, only);
        }
        vm.roll(block.number + 1);
        uint48 snapshot = uint48(block.number - 1);
        uint256 total = registry.sortitionTotalAt(MODEL_SINGLE, snapshot);
        vm.assertEq(total, 330_000 ether);
        vm.assertEq(registry.sortitionTotalAt(MODEL_FINE, snapshot), total);
        uint256 share = 3 * 1e18 * 30_000 ether / total; // proportional seats per draw, 1e18 = one seat

        uint256 expectSingle = _expectedSeats(_pair(30_000 ether, 1), 1e18, 3);
        uint256 expectEqual = _expectedSeats(_pair(10_000 ether, 3), 1e18, 3);
        uint256 expectFine = _expectedSeats(_pair(1000 ether, 30), 1e18, 3);
        emit log_named_uint("proportional seats per draw (1e18)", share);
        emit log_named_uint("expected seats, one account", expectSingle);
        emit log_named_uint("expected seats, 3 equal accounts", expectEqual);
        emit log_named_uint("expected seats, 30 small accounts", expectFine);
        vm.assertLt(expectSingle, share); // one account: below its share
        vm.assertLe(_diff(expectEqual, share), 1e6, "equal-sized accounts: exactly its share");
        vm.assertGt(expectFine, share); // smaller accounts: the without-replacement bias
        // m = 10,000 / 330,000: bound (1 + 1/(1-m) + 1/(1-2m)) / 3.
        uint256 factor = 1e18 + uint256(1e18) * 33 / 32 + uint256(1e18) * 33 / 31;
        uint256 bound = share * factor / 3e18;
        vm.assertLe(expectFine, bound, "the bias stays under its bound");

        uint256 draws = 4000;
        _checkDraws(MODEL_SINGLE, snapshot, single, draws, expectSingle, "seats in 4000 draws, one account");
        _checkDraws(MODEL_EQUAL, snapshot, equal, draws, expectEqual, "seats in 4000 draws, 3 equal accounts");
        _checkDraws(MODEL_FINE, snapshot, fine, draws, expectFine, "seats in 4000 draws, 30 small accounts");
        // And a point is a seat with the verdict: flat credit, whatever the account's size (below).
    }

    /// @dev A flat point per voter, whatever its stake: the whale's advantage comes only from the draw.
    function test_FeeSybil_aPointIsFlatPerSeat() public {
        address provider = _provider("provider", 100_000 ether);
        address whale = _validator("whale", 50_000 ether);
        _validators("small", 3, 1000 ether);
        address challenger = _challenger("challenger", BOND);
        (, address[] memory members) = _decide(challenger, provider, 1 ether, 3, 0);
        uint64 epoch = fees.currentEpoch();
        vm.assertTrue(_contains(members, whale));
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(fees.votesBy(epoch, members[i]), 1, "one point per seat");
        }
    }

    /// @dev Theft: anyone may send a claim, but the fee goes to the validator; a stranger claiming for
    /// itself gets NothingToClaim.
    function test_FeeTheft_claimPaysOnlyTheValidator() public {
        (address provider, address challenger) = _network();
        _fund(makeAddr("funder"), 9 ether);
        (, address[] memory members) = _decide(challenger, provider, 1 ether, 3, 0);
        uint64 epoch = fees.currentEpoch();
        _warpToEpoch(epoch + 1);
        address thief = makeAddr("thief");
        vm.prank(thief);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToClaim.selector, thief));
        fees.claim(thief, _one(epoch));
        uint256 memberBefore = token.balanceOf(members[0]);
        vm.prank(thief);
        uint256 paid = fees.claim(members[0], _one(epoch));
        vm.assertEq(paid, 3 ether);
        vm.assertEq(token.balanceOf(members[0]) - memberBefore, 3 ether);
        vm.assertEq(token.balanceOf(thief), 0);
        vm.assertEq(token.balanceOf(address(fees)), 6 ether);
    }

    /// @dev Double claim: the second claim of the same epoch, in another call or twice in one list, pays
    /// nothing more.
    function test_FeeDoubleClaim() public {
        (address provider, address challenger) = _network();
        _fund(makeAddr("funder"), 9 ether);
        (, address[] memory members) = _decide(challenger, provider, 1 ether, 3, 0);
        uint64 epoch = fees.currentEpoch();
        _warpToEpoch(epoch + 1);
        uint64[] memory twice = new uint64[](2);
        twice[0] = epoch;
        twice[1] = epoch;
        uint256 before = token.balanceOf(members[0]);
        vm.assertEq(fees.claim(members[0], twice), 3 ether);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToClaim.selector, members[0]));
        fees.claim(members[0], _one(epoch));
        vm.assertEq(token.balanceOf(members[0]) - before, 3 ether);
        fees.claim(members[1], _one(epoch));
        fees.claim(members[2], _one(epoch));
        vm.assertEq(token.balanceOf(address(fees)), 0, "the pool to the wei");
    }

    /// @dev Cap: a pool far above the votes pays at most maxFeePerVote a vote; the rest rolls over to the
    /// current epoch and pays the next epoch's votes.
    function test_FeeCapRollsOver() public {
        (address provider, address challenger) = _network();
        _warpToEpoch(2);
        _fund(makeAddr("funder"), 1000 ether);
        (, address[] memory members) = _decide(challenger, provider, 1 ether, 3, 0);
        vm.assertEq(fees.feePerVote(2), MAX_FEE);
        _warpToEpoch(3);
        vm.assertEq(fees.rollOver(2), 1000 ether - 3 * MAX_FEE);
        vm.assertEq(fees.poolOf(3), 1000 ether - 3 * MAX_FEE);
        (, address[] memory next) = _decide(challenger, provider, 2 ether, 3, 0);
        _warpToEpoch(4);
        uint256 paid;
        for (uint256 i; i < 3; ++i) {
            paid += fees.claim(members[i], _one(2));
            paid += fees.claim(next[i], _one(3));
        }
        vm.assertEq(paid, 6 * MAX_FEE);
        vm.assertEq(token.balanceOf(address(fees)), 1000 ether - 6 * MAX_FEE);
        vm.assertEq(fees.rollOver(3), 1000 ether - 6 * MAX_FEE);
        vm.assertEq(fees.poolOf(4), 1000 ether - 6 * MAX_FEE);
    }

    /// @dev Schelling: a member who votes against the verdict earns nothing (both ways).
    function test_FeeMinorityVoterEarnsNothing() public {
        (address provider, address challenger) = _network();
        (, address[] memory guiltyCase) = _decide(challenger, provider, 1 ether, 2, 1);
        uint64 epoch = fees.currentEpoch();
        vm.assertEq(fees.votesBy(epoch, guiltyCase[0]), 1);
        vm.assertEq(fees.votesBy(epoch, guiltyCase[1]), 1);
        vm.assertEq(fees.votesBy(epoch, guiltyCase[2]), 0, "innocent vote against a guilty verdict");
        vm.assertEq(fees.votesOf(epoch), 2);
        _warpToEpoch(epoch + 1);
        (uint256 id, address[] memory innocentCase) = _decide(challenger, provider, 2 ether, 1, 2);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Innocent);
        vm.assertEq(fees.votesBy(epoch + 1, innocentCase[0]), 0, "guilty vote against an innocent verdict");
        vm.assertEq(fees.votesBy(epoch + 1, innocentCase[1]), 1);
        vm.assertEq(fees.votesBy(epoch + 1, innocentCase[2]), 1);
        vm.assertEq(fees.votesOf(epoch + 1), 2);
    }

    /// @dev Void: two revealed members split 1–1 (3 validators, one the challenger) until maxRounds: no
    /// verdict, no credit to anyone.
    function test_FeeVoidDisputeCreditsNobody() public {
        address provider = _provider("provider", 10_000 ether);
        address[] memory vs = _validators("v", 3, 1000 ether);
        address challenger = vs[2];
        _give(challenger, BOND);
        vm.prank(challenger);
        token.approve(address(disputes), BOND);
        uint256 id = _openAssigned(challenger, provider, 1 ether);
        _draw(id);
        _castRound(id, 1, 1);
        _toRevealEnd(id);
        disputes.resolve(id);
        for (uint8 round = 2; round <= MAX_ROUNDS; ++round) {
            _draw(id);
            _toRevealEnd(id);
            disputes.resolve(id);
        }
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Void);
        vm.assertEq(fees.votesOf(fees.currentEpoch()), 0);
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(fees.votesBy(fees.currentEpoch(), vs[i]), 0);
        }
    }

    // ============================================================ helpers

    /// @dev Draws `draws` committees of 3 for `model` (seeds "sybil", 0..draws-1) and checks the seats `group`
    /// took match `expected` seats per draw (1e18 = one) within 4 standard deviations.
    function _checkDraws(
        bytes32 model,
        uint48 snapshot,
        address[] memory group,
        uint256 draws,
        uint256 expected,
        string memory label
    ) internal {
        uint256 seats;
        address[] memory none = new address[](0);
        for (uint256 d; d < draws; ++d) {
            seats += _countIn(
                registry.drawValidators(model, snapshot, keccak256(abi.encode("sybil", d)), 3, none), group
            );
        }
        emit log_named_uint(label, seats);
        uint256 mean = draws * expected;
        // Seats per draw are in [0, 3]: variance <= E(3 - E).
        uint256 sigma = _sqrt(draws * expected * (3e18 - expected) / 1e36);
        vm.assertLe(_diff(seats * 1e18, mean), 4 * sigma * 1e18, "draws match the expectation");
    }

    function _pair(uint256 attackerWeight, uint256 attackerCount) internal pure returns (uint256[4] memory groups) {
        groups = [uint256(10_000 ether), 30, attackerWeight, attackerCount];
    }

    /// @dev Exact expected seats (1e18 = one) of the attacker group (groups[2] weight, groups[3] accounts)
    /// next to the honest group (groups[0] weight, groups[1] accounts) in `depth` successive stake-weighted
    /// draws without replacement.
    function _expectedSeats(uint256[4] memory groups, uint256 prob, uint256 depth) internal pure returns (uint256 e) {
        if (depth == 0) return 0;
        uint256 total = groups[0] * groups[1] + groups[2] * groups[3];
        if (total == 0) return 0;
        if (groups[1] != 0) {
            uint256 p = prob * groups[0] * groups[1] / total;
            groups[1] -= 1;
            e += _expectedSeats(groups, p, depth - 1);
            groups[1] += 1;
        }
        if (groups[3] != 0) {
            uint256 p = prob * groups[2] * groups[3] / total;
            e += p;
            groups[3] -= 1;
            e += _expectedSeats(groups, p, depth - 1);
            groups[3] += 1;
        }
    }

    /// @dev `prefix` + two letters (AA, AB, ...).
    function _name(string memory prefix, uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked(prefix, bytes1(uint8(0x41 + i / 26)), bytes1(uint8(0x41 + i % 26))));
    }

    function _countIn(address[] memory drawn, address[] memory group) internal pure returns (uint256 count) {
        for (uint256 i; i < drawn.length; ++i) {
            if (_contains(group, drawn[i])) ++count;
        }
    }

    function _diff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _sqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }
}
