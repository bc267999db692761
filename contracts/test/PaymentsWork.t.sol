// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PaymentsTestBase} from "./Payments.t.sol";
import {Payments} from "../src/Payments.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {Epochs} from "../src/libraries/Epochs.sol";

/// @notice Work accounting: every redemption counts what left the deposit as the provider's work in the
/// current epoch, which Emissions rewards.
contract PaymentsWorkTest is PaymentsTestBase {
    address internal otherProvider;

    function setUp() public override {
        super.setUp();
        otherProvider = makeAddr("otherProvider");
        _deposit(payer, 500 ether);
    }

    function _voucher(address provider_, uint256 cumulative) internal view returns (IPayments.Voucher memory v) {
        v = IPayments.Voucher(payer, provider_, MODEL, cumulative);
    }

    function _sig(IPayments.Voucher memory v) internal view returns (bytes memory) {
        (uint8 v_, bytes32 r, bytes32 s) = vm.sign(payerKey, payments.hashVoucher(v));
        return abi.encodePacked(r, s, v_);
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

    function test_redeem_creditsWhatLeftTheDepositToTheCurrentEpoch() public {
        vm.warp(GENESIS + 2 * EPOCH_LENGTH);
        IPayments.Voucher memory v = _voucher(provider, 10 ether);
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.workOf(2, provider), 10 ether);
        vm.assertEq(payments.totalWork(2), 10 ether);
        vm.assertEq(payments.workOf(1, provider), 0);
        vm.warp(GENESIS + 3 * EPOCH_LENGTH);
        v = _voucher(provider, 25 ether);
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.workOf(2, provider), 10 ether);
        vm.assertEq(payments.workOf(3, provider), 15 ether);
        vm.assertEq(payments.totalWork(3), 15 ether);
    }

    function test_redeem_creditsOnlyWhatTheDepositCovered() public {
        IPayments.Voucher memory v = _voucher(provider, 800 ether); // deposit is 500
        payments.redeem(v, _sig(v));
        vm.assertEq(payments.workOf(0, provider), 500 ether);
    }

    function test_redeemBatch_creditsTheBatchTotalOnce() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        IPayments.Voucher memory a = _voucher(provider, 3 ether);
        IPayments.Voucher memory b = IPayments.Voucher(payer, provider, UNREGISTERED_MODEL, 4 ether);
        batch[0] = IPayments.SignedVoucher(a, _sig(a));
        batch[1] = IPayments.SignedVoucher(b, _sig(b));
        payments.redeemBatch(batch);
        vm.assertEq(payments.workOf(0, provider), 7 ether);
        vm.assertEq(payments.totalWork(0), 7 ether);
    }

    function test_totalWork_sumsProviders() public {
        IPayments.Voucher memory a = _voucher(provider, 3 ether);
        IPayments.Voucher memory b = _voucher(otherProvider, 4 ether);
        payments.redeem(a, _sig(a));
        payments.redeem(b, _sig(b));
        vm.assertEq(payments.totalWork(0), 7 ether);
        vm.assertEq(payments.workOf(0, otherProvider), 4 ether);
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

    /// @dev Work of an epoch equals what left deposits in it, however the redemptions are split.
    function testFuzz_redeem_workEqualsWhatLeftDeposits(uint256[4] memory steps) public {
        uint256 cumulative;
        uint256 total;
        for (uint256 i; i < steps.length; ++i) {
            cumulative += bound(steps[i], 1, 100 ether);
            IPayments.Voucher memory v = _voucher(provider, cumulative);
            total += payments.redeem(v, _sig(v));
        }
        vm.assertEq(payments.workOf(0, provider), total);
        vm.assertEq(payments.totalWork(0), total);
        vm.assertEq(total, 500 ether - payments.balanceOf(payer));
    }
}
