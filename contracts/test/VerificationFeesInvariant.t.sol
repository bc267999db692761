// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, FuzzSelector} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {Payments} from "../src/Payments.sol";
import {VerificationFees} from "../src/VerificationFees.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";

/// @notice Drives VerificationFees through funds by anyone, real Payments flushes (redemptions book burn,
/// flushBurn shares it), vote credits (the handler holds the Disputes role: lists of any validators, duplicates
/// and empty lists included), claims of random epoch lists, roll-overs, cap and share changes, and the clock.
/// Every action does something valid or returns early (fail_on_revert = true). Ghosts count every MESH in
/// and out.
contract FeesHandler is Test {
    uint256 internal constant BPS = 10_000;
    uint64 internal constant GENESIS = 1_750_000_000;
    uint64 internal constant EPOCH = 1 hours;
    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");

    MeshToken public immutable token;
    Payments public immutable payments;
    VerificationFees public immutable fees;
    address public immutable owner;
    address public immutable provider;

    address[] public validators;
    address public payer;
    uint256 internal _payerKey;

    uint256 public ghostFunded;
    uint256 public ghostShared;
    uint256 public ghostFlushed;
    uint256 public ghostPaymentBurns;
    uint256 public ghostClaimed;
    uint256 public ghostRolledOut;
    uint256 public ghostCredits;
    mapping(uint64 epoch => uint256) public ghostClaimedIn;
    mapping(uint64 epoch => mapping(address validator => uint256)) public ghostPaid;
    uint64 public maxEpoch;

    constructor(MeshToken token_, Payments payments_, VerificationFees fees_, address owner_, address provider_) {
        token = token_;
        payments = payments_;
        fees = fees_;
        owner = owner_;
        provider = provider_;
        for (uint256 i; i < 5; ++i) {
            validators.push(makeAddr(string(abi.encodePacked("validator", bytes1(uint8(0x30 + i))))));
        }
        (payer, _payerKey) = makeAddrAndKey("payer");
    }

    function validatorCount() external view returns (uint256) {
        return validators.length;
    }

    function _track() internal {
        uint64 epoch = fees.currentEpoch();
        if (epoch > maxEpoch) maxEpoch = epoch;
    }

    /// @notice Anyone funds the current pool.
    function fund(uint256 amount) external {
        amount = bound(amount, 1, 1000 ether);
        token.approve(address(fees), amount);
        fees.fund(amount);
        ghostFunded += amount;
        _track();
    }

    /// @notice The payer pays the provider `amount` (booking 5% of burn), and sometimes the burn is flushed.
    function workAndFlush(uint256 amount, bool flushToo) external {
        amount = bound(amount, 1, 10_000 ether);
        token.transfer(payer, amount);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider, amount);
        vm.startPrank(payer);
        token.approve(address(payments), amount);
        payments.depositAndAllocate(amount, allocations);
        vm.stopPrank();
        IPayments.Voucher memory voucher =
            IPayments.Voucher(payer, provider, MODEL, payments.paid(payer, provider, MODEL) + amount);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_payerKey, payments.hashVoucher(voucher));
        payments.redeem(voucher, abi.encodePacked(r, s, v));
        if (flushToo) _flush();
        _track();
    }

    function _flush() internal {
        uint256 booked = payments.pendingBurn();
        if (booked == 0) return;
        uint256 share = booked * payments.verificationShareBps() / BPS;
        uint256 burnedBefore = token.totalBurned();
        uint256 poolBefore = fees.poolOf(fees.currentEpoch());
        payments.flushBurn();
        vm.assertEq(token.totalBurned() - burnedBefore, booked - share, "flush burns the rest");
        vm.assertEq(fees.poolOf(fees.currentEpoch()) - poolBefore, share, "flush funds the share");
        ghostFlushed += booked;
        ghostShared += share;
        ghostPaymentBurns += booked - share;
    }

    /// @notice Flushes whatever is booked.
    function flush() external {
        _flush();
        _track();
    }

    /// @notice As Disputes: credits a list of up to 7 entries drawn from the validators (duplicates and
    /// empty lists included).
    function credit(uint256 seed, uint256 length) external {
        length = bound(length, 0, 7);
        address[] memory voters = new address[](length);
        for (uint256 i; i < length; ++i) {
            voters[i] = validators[uint256(keccak256(abi.encode(seed, i))) % validators.length];
        }
        fees.creditVotes(voters);
        ghostCredits += length;
        _track();
    }

    /// @notice Anyone claims for a validator over up to 4 past epochs (maybe repeated); returns early when
    /// the list would pay nothing.
    function claim(uint256 who, uint256 seed, uint256 length) external {
        uint64 current = fees.currentEpoch();
        if (current == 0) return;
        address validator = validators[who % validators.length];
        length = bound(length, 1, 4);
        uint64[] memory epochs = new uint64[](length);
        uint256 expected;
        for (uint256 i; i < length; ++i) {
            epochs[i] = uint64(uint256(keccak256(abi.encode(seed, i))) % current);
        }
        // What the list should pay: each distinct epoch once, unless claimed already.
        for (uint256 i; i < length; ++i) {
            bool seen;
            for (uint256 j; j < i; ++j) {
                if (epochs[j] == epochs[i]) seen = true;
            }
            if (seen || fees.claimed(validator, epochs[i])) continue;
            expected += fees.votesBy(epochs[i], validator) * fees.feePerVote(epochs[i]);
        }
        if (expected == 0) return;
        uint256 before = token.balanceOf(validator);
        uint256 paid = fees.claim(validator, epochs);
        vm.assertEq(paid, expected, "claim pays votes x feePerVote");
        vm.assertEq(token.balanceOf(validator) - before, paid, "to the validator");
        ghostClaimed += paid;
        for (uint256 i; i < length; ++i) {
            uint64 e = epochs[i];
            uint256 fee = fees.votesBy(e, validator) * fees.feePerVote(e);
            if (ghostPaid[e][validator] == 0 && fee != 0) {
                ghostPaid[e][validator] = fee;
                ghostClaimedIn[e] += fee;
            }
        }
    }

    /// @notice Anyone rolls a past epoch's leftover over; returns early when there is none.
    function rollOver(uint256 pick) external {
        uint64 current = fees.currentEpoch();
        if (current == 0) return;
        uint64 epoch = uint64(pick % current);
        if (fees.rolledOver(epoch)) return;
        uint256 left = fees.poolOf(epoch) - fees.votesOf(epoch) * fees.feePerVote(epoch);
        if (left == 0) return;
        vm.assertEq(fees.rollOver(epoch), left);
        ghostRolledOut += left;
    }

    /// @notice The owner changes the cap or the share.
    function setParams(uint256 cap, uint16 share) external {
        vm.startPrank(owner);
        fees.setMaxFeePerVote(bound(cap, 1, 20 ether));
        payments.setVerificationShare(uint16(bound(share, 0, 5000)));
        vm.stopPrank();
    }

    /// @notice Moves the clock by up to two epochs.
    function warp(uint256 by) external {
        vm.warp(block.timestamp + bound(by, 1, 2 * EPOCH));
        _track();
    }
}

/// @notice VerificationFees' money to the wei under random funds, flushes, credits, claims and roll-overs.
contract VerificationFeesInvariantTest is Test {
    uint64 internal constant GENESIS = 1_750_000_000;
    uint64 internal constant EPOCH = 1 hours;

    MeshToken internal token;
    Payments internal payments;
    VerificationFees internal fees;
    FeesHandler internal handler;

    function setUp() public {
        vm.warp(GENESIS);
        address owner = makeAddr("owner");
        token = new MeshToken(owner, owner, 1e32);
        ModelRegistry models = new ModelRegistry(owner, 2000, 25 hours);
        payments = new Payments(owner, token, models, 500, 1 days, GENESIS, EPOCH);
        fees = new VerificationFees(owner, token, GENESIS, EPOCH, 5 ether);
        handler = new FeesHandler(token, payments, fees, owner, makeAddr("provider"));
        vm.startPrank(owner);
        fees.setDisputes(address(handler));
        payments.setVerificationFees(address(fees));
        payments.setVerificationShare(2000);
        token.transfer(address(handler), 1e31);
        vm.stopPrank();

        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = FeesHandler.fund.selector;
        selectors[1] = FeesHandler.workAndFlush.selector;
        selectors[2] = FeesHandler.flush.selector;
        selectors[3] = FeesHandler.credit.selector;
        selectors[4] = FeesHandler.claim.selector;
        selectors[5] = FeesHandler.rollOver.selector;
        selectors[6] = FeesHandler.setParams.selector;
        selectors[7] = FeesHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetSender(makeAddr("keeper"));
    }

    /// @notice The handler's actions really move money (not only return early): a scripted run funds, flushes,
    /// credits, claims and rolls over, and the books balance.
    function test_handler_reachesEveryAction() public {
        handler.fund(30 ether);
        handler.workAndFlush(1000 ether, true);
        handler.credit(1, 7);
        handler.warp(2 * EPOCH);
        handler.setParams(1 ether, 3000);
        for (uint256 who; who < handler.validatorCount(); ++who) {
            // Seeds 0..9 pick epoch 0 or 1 (nothing in 1): claims epoch 0 once, the others return early.
            for (uint256 seed; seed < 10; ++seed) {
                handler.claim(who, seed, 1);
            }
        }
        vm.assertGt(handler.ghostClaimed(), 0);
        handler.rollOver(0);
        vm.assertGt(handler.ghostRolledOut(), 0);
        handler.workAndFlush(500 ether, false);
        handler.flush();
        vm.assertGt(handler.ghostShared(), 0);
        invariant_balanceEqualsUnclaimedPools();
        invariant_epochsNeverPayMoreThanTheirPool();
        invariant_flushesSplitTheBurnExactly();
    }

    /// @notice MESH held == Σ pools − Σ claimed − Σ rolled out, to the wei; and Σ pools == everything funded
    /// (directly or by flushes) + everything rolled in.
    function invariant_balanceEqualsUnclaimedPools() public view {
        uint256 pools;
        uint64 last = fees.currentEpoch();
        for (uint64 e; e <= last; ++e) {
            pools += fees.poolOf(e);
        }
        vm.assertEq(
            token.balanceOf(address(fees)),
            pools - handler.ghostClaimed() - handler.ghostRolledOut(),
            "balance != pools - claimed - rolled out"
        );
        vm.assertEq(
            pools, handler.ghostFunded() + handler.ghostShared() + handler.ghostRolledOut(), "pools != funded + rolled"
        );
    }

    /// @notice Each ended epoch pays at most votes × feePerVote (per validator exactly its votes × fee, once),
    /// and its claims plus its roll-over never exceed its pool.
    function invariant_epochsNeverPayMoreThanTheirPool() public view {
        uint64 current = fees.currentEpoch();
        uint256 votes;
        for (uint64 e; e <= current; ++e) {
            votes += fees.votesOf(e);
            uint256 fee = fees.feePerVote(e);
            uint256 earned = fees.votesOf(e) * fee;
            vm.assertLe(handler.ghostClaimedIn(e), earned, "claimed > earned");
            vm.assertLe(fee, fees.capOf(e), "fee above the cap");
            uint256 rolled = fees.rolledOver(e) ? fees.poolOf(e) - earned : 0;
            vm.assertLe(handler.ghostClaimedIn(e) + rolled, fees.poolOf(e), "claims + roll-over > pool");
            for (uint256 i; i < handler.validatorCount(); ++i) {
                address v = handler.validators(i);
                uint256 paid = handler.ghostPaid(e, v);
                vm.assertEq(fees.claimed(v, e), paid != 0, "claimed flag");
                if (paid != 0) vm.assertEq(paid, fees.votesBy(e, v) * fee, "paid == votes x fee");
            }
        }
        vm.assertEq(votes, handler.ghostCredits(), "every credit counted once");
    }

    /// @notice Payments' flushes moved exactly the booked burn: burned + shared == flushed; MESH burned is
    /// only what flushes burned; Payments holds no MESH beyond its books (nothing stranded by the share).
    function invariant_flushesSplitTheBurnExactly() public view {
        vm.assertEq(handler.ghostPaymentBurns() + handler.ghostShared(), handler.ghostFlushed(), "split");
        vm.assertEq(token.totalBurned(), handler.ghostPaymentBurns(), "burned");
        vm.assertEq(token.balanceOf(address(payments)), payments.pendingBurn(), "payments holds the booked burn");
        vm.assertEq(token.allowance(address(payments), address(fees)), 0, "no allowance left");
    }
}
