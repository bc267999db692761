// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PaymentsTestBase} from "./Payments.t.sol";
import {Payments} from "../src/Payments.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {Epochs} from "../src/libraries/Epochs.sol";

/// @notice Work accounting: every redemption counts what left the allocation as the provider's work in the
/// current epoch, and the burn it booked (rounded up) as the provider's burn, which Emissions rewards.
contract PaymentsWorkTest is PaymentsTestBase {
    address internal otherProvider;
    /// @dev The epoch setUp ends in.
    uint64 internal e0;

    function setUp() public override {
        super.setUp();
        otherProvider = makeAddr("otherProvider");
        _reserve(500 ether);
        _depositFor(payer, otherProvider, 100 ether);
        e0 = payments.currentEpoch();
    }

    function _voucher(address provider_, uint256 cumulative) internal view returns (IPayments.Voucher memory v) {
        v = IPayments.Voucher(payer, provider_, MODEL, cumulative);
    }

    function _sig(IPayments.Voucher memory v) internal view returns (bytes memory) {
        (uint8 v_, bytes32 r, bytes32 s) = vm.sign(payerKey, payments.hashVoucher(v));
        return abi.encodePacked(r, s, v_);
    }

    function _warpToEpoch(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + uint256(epoch) * EPOCH_LENGTH);
    }

    function test_constructor_setsTheEpochClock() public view {
        vm.assertEq(payments.genesis(), GENESIS);
        vm.assertEq(payments.epochLength(), EPOCH_LENGTH);
    }

    function test_constructor_revertsWhenEpochLengthOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IPayments.ParameterOutOfRange.selector,
                "epochLength",
                uint256(Epochs.MIN_EPOCH_LENGTH - 1),
                uint256(Epochs.MIN_EPOCH_LENGTH),
                uint256(Epochs.MAX_EPOCH_LENGTH)
            )
        );
        new Payments(owner, token, models, BURN_BPS, DELAY, GENESIS, Epochs.MIN_EPOCH_LENGTH - 1);
    }

    function test_currentEpoch_countsFromGenesis() public {
        vm.warp(GENESIS);
        vm.assertEq(payments.currentEpoch(), 0);
        vm.warp(GENESIS + 3 * EPOCH_LENGTH);
        vm.assertEq(payments.currentEpoch(), 3);
    }

    function test_redeem_creditsWhatLeftTheAllocationToTheCurrentEpoch() public {
        _warpToEpoch(e0 + 2);
        IPayments.Voucher memory v = _voucher(provider, 10 ether);
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.workOf(e0 + 2, provider), 10 ether);
        vm.assertEq(payments.burnedOf(e0 + 2, provider), 1 ether);
        vm.assertEq(payments.totalWork(e0 + 2), 10 ether);
        vm.assertEq(payments.workOf(e0 + 1, provider), 0);
        _warpToEpoch(e0 + 3);
        v = _voucher(provider, 25 ether);
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.workOf(e0 + 2, provider), 10 ether);
        vm.assertEq(payments.workOf(e0 + 3, provider), 15 ether);
        vm.assertEq(payments.burnedOf(e0 + 3, provider), 1.5 ether);
        vm.assertEq(payments.totalWork(e0 + 3), 15 ether);
        // The past epoch's total was archived by the first redemption of the next one.
        vm.assertEq(payments.totalWork(e0 + 2), 10 ether);
    }

    function test_totalWork_isZeroForEpochsWithoutWork() public {
        IPayments.Voucher memory v = _voucher(provider, 10 ether);
        payments.redeem(v, _sig(v));
        _warpToEpoch(e0 + 5);
        v = _voucher(provider, 20 ether);
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.totalWork(e0), 10 ether);
        for (uint64 e = e0 + 1; e < e0 + 5; ++e) {
            vm.assertEq(payments.totalWork(e), 0);
        }
        vm.assertEq(payments.totalWork(e0 + 5), 10 ether);
        vm.assertEq(payments.totalWork(e0 + 6), 0);
    }

    function test_redeem_creditsOnlyWhatTheAllocationCovered() public {
        IPayments.Voucher memory v = _voucher(provider, 800 ether); // the allocation is 500
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.workOf(e0, provider), 500 ether);
        vm.assertEq(payments.burnedOf(e0, provider), 50 ether);
    }

    function test_redeem_recordsTheBurnAtTheRateOfTheRedemption() public {
        IPayments.Voucher memory v = _voucher(provider, 100 ether);
        payments.redeem(v, _sig(v));
        vm.prank(owner);
        payments.setBurnBps(0);
        v = _voucher(provider, 200 ether);
        payments.redeem(v, _sig(v));
        vm.prank(owner);
        payments.setBurnBps(5000);
        vm.assertEq(payments.workOf(e0, provider), 200 ether);
        vm.assertEq(payments.burnedOf(e0, provider), 10 ether); // 10% of the first 100, 0% of the rest
    }

    function test_redeem_roundsEachVouchersBurnUp() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        IPayments.Voucher memory a = _voucher(provider, 11); // burn ceil(1.1) = 2
        IPayments.Voucher memory b = IPayments.Voucher(payer, provider, UNREGISTERED_MODEL, 1); // ceil(0.1) = 1
        batch[0] = IPayments.SignedVoucher(a, _sig(a));
        batch[1] = IPayments.SignedVoucher(b, _sig(b));
        payments.redeemBatch(batch);
        vm.assertEq(payments.burnedOf(e0, provider), 3);
        vm.assertEq(payments.pendingBurn(), 3);
    }

    function test_redeemBatch_creditsTheBatchTotalOnce() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        IPayments.Voucher memory a = _voucher(provider, 3 ether);
        IPayments.Voucher memory b = IPayments.Voucher(payer, provider, UNREGISTERED_MODEL, 4 ether);
        batch[0] = IPayments.SignedVoucher(a, _sig(a));
        batch[1] = IPayments.SignedVoucher(b, _sig(b));
        payments.redeemBatch(batch);
        vm.assertEq(payments.workOf(e0, provider), 7 ether);
        vm.assertEq(payments.burnedOf(e0, provider), 0.7 ether);
        vm.assertEq(payments.totalWork(e0), 7 ether);
    }

    function test_totalWork_sumsProviders() public {
        IPayments.Voucher memory a = _voucher(provider, 3 ether);
        IPayments.Voucher memory b = _voucher(otherProvider, 4 ether);
        payments.redeem(a, _sig(a));
        payments.redeem(b, _sig(b));
        vm.assertEq(payments.totalWork(e0), 7 ether);
        vm.assertEq(payments.workOf(e0, otherProvider), 4 ether);
    }

    function testFuzz_currentEpoch_matchesTheFormula(uint256 timestamp) public {
        timestamp = bound(timestamp, GENESIS, type(uint64).max);
        vm.warp(timestamp);
        vm.assertEq(payments.currentEpoch(), (timestamp - GENESIS) / EPOCH_LENGTH);
    }

    function testFuzz_at_isZeroBeforeGenesis(uint64 genesis, uint256 timestamp, uint64 epochLength) public pure {
        epochLength = uint64(bound(epochLength, Epochs.MIN_EPOCH_LENGTH, Epochs.MAX_EPOCH_LENGTH));
        timestamp = bound(timestamp, 0, genesis);
        vm.assertEq(Epochs.at(genesis, epochLength, timestamp), 0);
    }

    /// @dev Work of an epoch equals what left allocations in it, and the burn record equals the burn
    /// booked, however the redemptions are split and however many epochs pass.
    function testFuzz_redeem_workAndBurnEqualWhatLeftAllocations(uint256[4] memory steps, uint256[4] memory gaps)
        public
    {
        uint256 cumulative;
        uint256 total;
        uint256 burned;
        uint64 epoch = e0;
        for (uint256 i; i < steps.length; ++i) {
            uint64 gap = uint64(bound(gaps[i], 0, 2));
            if (gap != 0) {
                epoch += gap;
                _warpToEpoch(epoch);
                total = 0;
                burned = 0;
            }
            cumulative += bound(steps[i], 1, 100 ether);
            IPayments.Voucher memory v = _voucher(provider, cumulative);
            uint256 paidNow = payments.redeem(v, _sig(v));
            total += paidNow;
            burned += (paidNow * BURN_BPS + BPS - 1) / BPS;
            vm.assertEq(payments.workOf(epoch, provider), total);
            vm.assertEq(payments.totalWork(epoch), total);
            vm.assertEq(payments.burnedOf(epoch, provider), burned);
        }
        vm.assertEq(cumulative, 500 ether - _allocation(payer, provider));
    }
}
