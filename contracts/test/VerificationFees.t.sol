// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {VerificationFees} from "../src/VerificationFees.sol";
import {IVerificationFees} from "../src/interfaces/IVerificationFees.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice VerificationFees on its own: a MESH token and an account playing the Disputes role (the real
/// Disputes wiring is in VerificationFeesAttacks.t.sol). Every test that moves MESH checks the contract's
/// balance against its books to the wei.
contract VerificationFeesTest is Test {
    uint64 internal constant GENESIS = 1_750_000_000;
    uint64 internal constant EPOCH = 1 hours;
    uint256 internal constant MAX_FEE = 5 ether;

    MeshToken internal token;
    VerificationFees internal fees;
    address internal owner;
    address internal disputesRole;
    address internal funder;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal stranger;

    /// @dev Σ claimed and Σ rolled out so far, to check the balance against the pools.
    uint256 internal claimedTotal;
    uint256 internal rolledOutTotal;
    uint64 internal lastEpochBooked;

    function setUp() public {
        vm.warp(GENESIS);
        owner = makeAddr("owner");
        disputesRole = makeAddr("disputes");
        funder = makeAddr("funder");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        stranger = makeAddr("stranger");
        token = new MeshToken(owner, owner, 1e9 ether);
        fees = new VerificationFees(owner, token, GENESIS, EPOCH, MAX_FEE);
        vm.prank(owner);
        fees.setDisputes(disputesRole);
        vm.prank(owner);
        token.transfer(funder, 1e8 ether);
        vm.prank(funder);
        token.approve(address(fees), type(uint256).max);
    }

    // ------------------------------------------------------------- helpers

    function _warpToEpoch(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + uint256(epoch) * EPOCH + 1);
    }

    function _fund(uint256 amount) internal {
        vm.prank(funder);
        fees.fund(amount);
    }

    function _credit(address a) internal {
        address[] memory voters = new address[](1);
        voters[0] = a;
        vm.prank(disputesRole);
        fees.creditVotes(voters);
    }

    function _credit3(address a, address b, address c) internal {
        address[] memory voters = new address[](3);
        voters[0] = a;
        voters[1] = b;
        voters[2] = c;
        vm.prank(disputesRole);
        fees.creditVotes(voters);
    }

    function _one(uint64 epoch) internal pure returns (uint64[] memory epochs) {
        epochs = new uint64[](1);
        epochs[0] = epoch;
    }

    function _claim(address validator, uint64 epoch) internal returns (uint256 amount) {
        amount = fees.claim(validator, _one(epoch));
        claimedTotal += amount;
    }

    /// @dev The balance equals Σ pools of epochs 0..upTo − claimed − rolled out, to the wei.
    function _assertBooks(uint64 upTo) internal view {
        uint256 pools;
        for (uint64 e; e <= upTo; ++e) {
            pools += fees.poolOf(e);
        }
        vm.assertEq(token.balanceOf(address(fees)), pools - claimedTotal - rolledOutTotal, "balance == books");
    }

    // -------------------------------------------------------- constructor

    function test_constructor_setsEverything() public view {
        vm.assertEq(fees.token(), address(token));
        vm.assertEq(fees.genesis(), GENESIS);
        vm.assertEq(fees.epochLength(), EPOCH);
        vm.assertEq(fees.maxFeePerVote(), MAX_FEE);
        vm.assertEq(fees.disputes(), disputesRole);
        vm.assertEq(fees.owner(), owner);
        vm.assertEq(fees.currentEpoch(), 0);
    }

    function test_constructor_refusesZeroToken() public {
        vm.expectRevert(IVerificationFees.ZeroAddress.selector);
        new VerificationFees(owner, MeshToken(address(0)), GENESIS, EPOCH, MAX_FEE);
    }

    function test_constructor_refusesBadEpochLength() public {
        vm.expectRevert(
            abi.encodeWithSelector(IVerificationFees.ParameterOutOfRange.selector, "epochLength", 4, 5, 30 days)
        );
        new VerificationFees(owner, token, GENESIS, 4, MAX_FEE);
    }

    function test_constructor_refusesZeroAndHugeCap() public {
        vm.expectRevert(
            abi.encodeWithSelector(IVerificationFees.ParameterOutOfRange.selector, "maxFeePerVote", 0, 1, 1e6 ether)
        );
        new VerificationFees(owner, token, GENESIS, EPOCH, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVerificationFees.ParameterOutOfRange.selector, "maxFeePerVote", 1e6 ether + 1, 1, 1e6 ether
            )
        );
        new VerificationFees(owner, token, GENESIS, EPOCH, 1e6 ether + 1);
    }

    // ----------------------------------------------------------- setters

    function test_setDisputes_onlyOnceNeverZeroOnlyOwner() public {
        VerificationFees fresh = new VerificationFees(owner, token, GENESIS, EPOCH, MAX_FEE);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        fresh.setDisputes(disputesRole);
        vm.prank(owner);
        vm.expectRevert(IVerificationFees.ZeroAddress.selector);
        fresh.setDisputes(address(0));
        vm.expectEmit(address(fresh));
        emit IVerificationFees.DisputesSet(disputesRole);
        vm.prank(owner);
        fresh.setDisputes(disputesRole);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.DisputesAlreadySet.selector, disputesRole));
        fresh.setDisputes(stranger);
    }

    function test_setMaxFeePerVote_boundsAndOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        fees.setMaxFeePerVote(1 ether);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IVerificationFees.ParameterOutOfRange.selector, "maxFeePerVote", 0, 1, 1e6 ether)
        );
        fees.setMaxFeePerVote(0);
        vm.expectEmit(address(fees));
        emit IVerificationFees.MaxFeePerVoteSet(1 ether);
        vm.prank(owner);
        fees.setMaxFeePerVote(1 ether);
        vm.assertEq(fees.maxFeePerVote(), 1 ether);
    }

    // -------------------------------------------------------------- fund

    function test_fund_booksToTheCurrentEpochAndPulls() public {
        _warpToEpoch(3);
        vm.expectEmit(address(fees));
        emit IVerificationFees.FeesFunded(3, funder, 7 ether);
        _fund(7 ether);
        vm.assertEq(fees.poolOf(3), 7 ether);
        vm.assertEq(fees.poolOf(2), 0);
        vm.assertEq(token.balanceOf(address(fees)), 7 ether);
        _fund(1);
        vm.assertEq(fees.poolOf(3), 7 ether + 1);
        _assertBooks(3);
    }

    function test_fund_refusesZero() public {
        vm.prank(funder);
        vm.expectRevert(IVerificationFees.ZeroAmount.selector);
        fees.fund(0);
    }

    function test_fund_withoutAllowanceReverts() public {
        vm.prank(owner);
        token.transfer(stranger, 1 ether);
        vm.prank(stranger);
        vm.expectRevert();
        fees.fund(1 ether);
    }

    // ------------------------------------------------------------ credit

    function test_creditVotes_onlyDisputes() public {
        address[] memory voters = new address[](1);
        voters[0] = alice;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NotDisputes.selector, stranger));
        fees.creditVotes(voters);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NotDisputes.selector, owner));
        fees.creditVotes(voters);
    }

    function test_creditVotes_unsetDisputesRefusesEveryone() public {
        VerificationFees fresh = new VerificationFees(owner, token, GENESIS, EPOCH, MAX_FEE);
        address[] memory voters = new address[](0);
        vm.prank(disputesRole);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NotDisputes.selector, disputesRole));
        fresh.creditVotes(voters);
    }

    function test_creditVotes_emptyListIsANoOp() public {
        address[] memory voters = new address[](0);
        vm.prank(disputesRole);
        fees.creditVotes(voters);
        vm.assertEq(fees.votesOf(0), 0);
        // The cap is not snapshotted by an empty credit either.
        vm.prank(owner);
        fees.setMaxFeePerVote(1 ether);
        vm.assertEq(fees.capOf(0), 1 ether);
    }

    function test_creditVotes_onePointPerEntryEventsAndDuplicates() public {
        _warpToEpoch(2);
        address[] memory voters = new address[](3);
        voters[0] = alice;
        voters[1] = bob;
        voters[2] = alice;
        vm.expectEmit(address(fees));
        emit IVerificationFees.VotesCredited(2, alice, 1);
        vm.expectEmit(address(fees));
        emit IVerificationFees.VotesCredited(2, bob, 1);
        vm.expectEmit(address(fees));
        emit IVerificationFees.VotesCredited(2, alice, 1);
        vm.prank(disputesRole);
        fees.creditVotes(voters);
        vm.assertEq(fees.votesOf(2), 3);
        vm.assertEq(fees.votesBy(2, alice), 2);
        vm.assertEq(fees.votesBy(2, bob), 1);
        vm.assertEq(fees.votesBy(1, alice), 0);
    }

    // ------------------------------------------------------------- claim

    function test_claim_paysVotesTimesFeePerVote() public {
        _warpToEpoch(1);
        _fund(9 ether);
        _credit3(alice, bob, alice);
        vm.assertEq(fees.feePerVote(1), 3 ether);
        vm.assertEq(fees.claimable(alice, 1), 0, "not ended");
        _warpToEpoch(2);
        vm.assertEq(fees.claimable(alice, 1), 6 ether);
        vm.expectEmit(address(fees));
        emit IVerificationFees.FeesClaimed(alice, 1, 6 ether);
        vm.prank(stranger);
        uint256 paid = fees.claim(alice, _one(1));
        claimedTotal += paid;
        vm.assertEq(paid, 6 ether);
        vm.assertEq(token.balanceOf(alice), 6 ether);
        vm.assertEq(token.balanceOf(stranger), 0);
        vm.assertTrue(fees.claimed(alice, 1));
        vm.assertEq(fees.claimable(alice, 1), 0);
        vm.assertEq(_claim(bob, 1), 3 ether);
        vm.assertEq(token.balanceOf(address(fees)), 0);
        _assertBooks(2);
    }

    function test_claim_refusesAnEpochNotEnded() public {
        _warpToEpoch(4);
        _fund(1 ether);
        _credit(alice);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.EpochNotEnded.selector, uint64(4)));
        fees.claim(alice, _one(4));
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.EpochNotEnded.selector, uint64(9)));
        fees.claim(alice, _one(9));
    }

    function test_claim_nothingToClaim() public {
        _warpToEpoch(1);
        _fund(1 ether);
        _credit(alice);
        _warpToEpoch(2);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToClaim.selector, bob));
        fees.claim(bob, _one(1));
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToClaim.selector, alice));
        fees.claim(alice, new uint64[](0));
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToClaim.selector, alice));
        fees.claim(alice, _one(0)); // no pool, no votes
    }

    function test_claim_votesWithoutPoolPayNothing() public {
        _warpToEpoch(1);
        _credit(alice);
        _warpToEpoch(2);
        vm.assertEq(fees.feePerVote(1), 0);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToClaim.selector, alice));
        fees.claim(alice, _one(1));
        vm.assertFalse(fees.claimed(alice, 1));
    }

    function test_claim_manyEpochsAndDuplicatesPayOnce() public {
        for (uint64 e = 1; e <= 3; ++e) {
            _warpToEpoch(e);
            _fund(uint256(e) * 1 ether);
            _credit(alice);
        }
        _warpToEpoch(4);
        uint64[] memory epochs = new uint64[](4);
        epochs[0] = 1;
        epochs[1] = 2;
        epochs[2] = 1;
        epochs[3] = 3;
        uint256 paid = fees.claim(alice, epochs);
        claimedTotal += paid;
        vm.assertEq(paid, 6 ether);
        vm.assertEq(token.balanceOf(alice), 6 ether);
        _assertBooks(4);
    }

    function test_claim_oneEpochNotEndedRevertsTheWholeCall() public {
        _warpToEpoch(1);
        _fund(1 ether);
        _credit(alice);
        _warpToEpoch(2);
        _credit(alice);
        uint64[] memory epochs = new uint64[](2);
        epochs[0] = 1;
        epochs[1] = 2;
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.EpochNotEnded.selector, uint64(2)));
        fees.claim(alice, epochs);
        vm.assertFalse(fees.claimed(alice, 1));
    }

    // ---------------------------------------------------------- roll over

    function test_rollOver_movesTheCapLeftoverToTheCurrentEpoch() public {
        _warpToEpoch(1);
        _fund(100 ether);
        _credit3(alice, bob, carol); // 33.3 MESH a vote uncapped; the cap is 5
        vm.assertEq(fees.feePerVote(1), MAX_FEE);
        _warpToEpoch(3);
        vm.expectEmit(address(fees));
        emit IVerificationFees.FeesRolledOver(1, 3, 85 ether);
        vm.prank(stranger);
        uint256 moved = fees.rollOver(1);
        rolledOutTotal += moved;
        vm.assertEq(moved, 85 ether);
        vm.assertEq(fees.poolOf(3), 85 ether);
        vm.assertEq(fees.poolOf(1), 100 ether, "the pool's record stays");
        vm.assertTrue(fees.rolledOver(1));
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.AlreadyRolledOver.selector, uint64(1)));
        fees.rollOver(1);
        // Claims still pay the capped fee.
        vm.assertEq(_claim(alice, 1), 5 ether);
        vm.assertEq(_claim(bob, 1), 5 ether);
        vm.assertEq(_claim(carol, 1), 5 ether);
        _assertBooks(3);
    }

    function test_rollOver_unearnedPoolAndRoundingDust() public {
        _warpToEpoch(1);
        _fund(10);
        _credit3(alice, bob, carol); // 3 wei a vote, 1 wei of dust
        _warpToEpoch(2);
        _fund(5 ether); // nobody earns a point in epoch 2
        _warpToEpoch(3);
        vm.assertEq(fees.rollOver(1), 1);
        rolledOutTotal += 1;
        vm.assertEq(fees.rollOver(2), 5 ether);
        rolledOutTotal += 5 ether;
        vm.assertEq(fees.poolOf(3), 5 ether + 1);
        _claim(alice, 1);
        _claim(bob, 1);
        _claim(carol, 1);
        _assertBooks(3);
    }

    function test_rollOver_refusals() public {
        _warpToEpoch(1);
        _fund(3 ether);
        _credit3(alice, bob, carol); // 1 MESH a vote: nothing left over
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.EpochNotEnded.selector, uint64(1)));
        fees.rollOver(1);
        _warpToEpoch(2);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToRollOver.selector, uint64(1)));
        fees.rollOver(1);
        vm.expectRevert(abi.encodeWithSelector(IVerificationFees.NothingToRollOver.selector, uint64(0)));
        fees.rollOver(0);
    }

    // ---------------------------------------------------------------- cap

    function test_cap_epochKeepsTheCapInForceAtItsFirstBooking() public {
        _warpToEpoch(1);
        _fund(100 ether); // epoch 1's cap: 5 MESH
        vm.prank(owner);
        fees.setMaxFeePerVote(1 ether); // applies to epochs booked from now on
        _credit3(alice, bob, carol);
        vm.assertEq(fees.capOf(1), MAX_FEE);
        vm.assertEq(fees.capOf(2), 1 ether, "an untouched epoch shows the current cap");
        _warpToEpoch(2);
        _credit3(alice, bob, carol); // epoch 2's cap: 1 MESH, snapshotted by the credit
        vm.prank(owner);
        fees.setMaxFeePerVote(50 ether);
        _fund(100 ether);
        vm.assertEq(fees.capOf(2), 1 ether);
        _warpToEpoch(3);
        vm.assertEq(fees.feePerVote(1), MAX_FEE);
        vm.assertEq(fees.feePerVote(2), 1 ether);
    }

    // --------------------------------------------------------------- fuzz

    /// @dev Any pool, votes and cap: claims plus the roll-over take the pool exactly, each validator gets
    /// its votes × feePerVote, and the fee never exceeds the cap nor the pool's even split.
    function testFuzz_claimsPlusRollOverTakeThePoolExactly(uint96 pool, uint8 aliceVotes, uint8 bobVotes, uint256 cap)
        public
    {
        cap = bound(cap, 1, 1e6 ether);
        pool = uint96(bound(pool, 0, 1e8 ether)); // what the funder holds
        vm.prank(owner);
        fees.setMaxFeePerVote(cap);
        _warpToEpoch(1);
        if (pool != 0) _fund(pool);
        for (uint256 i; i < aliceVotes; ++i) {
            _credit(alice);
        }
        for (uint256 i; i < bobVotes; ++i) {
            _credit(bob);
        }
        _warpToEpoch(2);
        uint256 votes = uint256(aliceVotes) + bobVotes;
        uint256 fee = fees.feePerVote(1);
        if (votes == 0) {
            vm.assertEq(fee, 0);
        } else {
            vm.assertLe(fee, cap);
            vm.assertLe(fee, uint256(pool) / votes);
            vm.assertTrue(fee == cap || fee == uint256(pool) / votes);
        }
        uint256 out;
        if (aliceVotes != 0 && fee != 0) out += _claim(alice, 1);
        if (bobVotes != 0 && fee != 0) out += _claim(bob, 1);
        vm.assertEq(token.balanceOf(alice), uint256(aliceVotes) * fee);
        vm.assertEq(token.balanceOf(bob), uint256(bobVotes) * fee);
        uint256 left = uint256(pool) - votes * fee;
        if (left != 0) {
            uint256 moved = fees.rollOver(1);
            rolledOutTotal += moved;
            vm.assertEq(moved, left);
        }
        vm.assertEq(out + left, pool, "claims + roll-over == pool");
        vm.assertEq(fees.poolOf(2), left);
        _assertBooks(2);
    }

    /// @dev creditVotes never reverts for a list of any length up to a large committee, any addresses.
    function testFuzz_creditVotesNeverRevertsForACommitteeList(address[] calldata voters) public {
        vm.assume(voters.length <= 64);
        vm.prank(disputesRole);
        fees.creditVotes(voters);
        vm.assertEq(fees.votesOf(0), voters.length);
    }

    /// @dev A claim pays only `validator`, whoever sends it, and the caller's balance never moves.
    function testFuzz_claimPaysOnlyTheValidator(address caller, uint96 pool) public {
        vm.assume(caller != alice && caller != address(fees) && caller != address(0));
        pool = uint96(bound(pool, 1, 1e8 ether));
        _warpToEpoch(1);
        _fund(pool);
        _credit(alice);
        _warpToEpoch(2);
        uint256 before = token.balanceOf(caller);
        vm.prank(caller);
        uint256 paid = fees.claim(alice, _one(1));
        uint256 expected = pool < MAX_FEE ? pool : MAX_FEE;
        vm.assertEq(paid, expected);
        vm.assertEq(token.balanceOf(alice), expected);
        vm.assertEq(token.balanceOf(caller), before);
    }
}
