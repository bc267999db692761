// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";

/// @notice Payments.payFor: a payment straight from the caller's wallet splits exactly as a voucher
/// redemption of the same amount (burn rounded up, royalty rounded down, work and burn booked to the
/// provider's epoch, the rest to the provider).
contract PaymentsPayForTest is ConsensusBase {
    uint16 internal constant ROYALTY_BPS = 1500;
    address internal receiver;
    address internal viaVoucher;
    address internal viaPayFor;
    address internal payer;

    function setUp() public override {
        super.setUp();
        receiver = makeAddr("receiver");
        vm.prank(makeAddr("author"));
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", ROYALTY_BPS, receiver);
        vm.warp(block.timestamp + ROYALTY_DELAY + 1);
        viaVoucher = makeAddr("viaVoucher");
        viaPayFor = makeAddr("viaPayFor");
        payer = makeAddr("payFor payer");
        _give(payer, 1e9 ether);
        vm.prank(payer);
        token.approve(address(payments), type(uint256).max);
    }

    function testFuzz_payFor_splitsExactlyAsARedeem(uint256 amount) public {
        amount = bound(amount, 1, 1e9 ether);
        _work("voucher payer", viaVoucher, amount);
        uint64 epoch = payments.currentEpoch();
        uint256 burnAfterVoucher = payments.pendingBurn();
        uint256 royaltyAfterVoucher = payments.royaltiesOwed(receiver);
        uint256 payerBefore = token.balanceOf(payer);

        uint256 burned = (amount * BURN_BPS + BPS - 1) / BPS;
        uint256 royalty = amount * ROYALTY_BPS / BPS;
        vm.expectEmit(address(payments));
        emit IPayments.Paid(payer, viaPayFor, MODEL, amount, burned, royalty);
        vm.prank(payer);
        payments.payFor(viaPayFor, MODEL, amount);

        vm.assertEq(token.balanceOf(viaPayFor), token.balanceOf(viaVoucher));
        vm.assertEq(token.balanceOf(viaPayFor), amount - burned - royalty);
        vm.assertEq(payerBefore - token.balanceOf(payer), amount);
        vm.assertEq(payments.pendingBurn() - burnAfterVoucher, burnAfterVoucher);
        vm.assertEq(payments.royaltiesOwed(receiver) - royaltyAfterVoucher, royaltyAfterVoucher);
        vm.assertEq(payments.workOf(epoch, viaPayFor), payments.workOf(epoch, viaVoucher));
        vm.assertEq(payments.burnedOf(epoch, viaPayFor), payments.burnedOf(epoch, viaVoucher));
        vm.assertEq(payments.totalWork(epoch), 2 * amount);
    }

    /// @notice Paying oneself through payFor costs the burn, as a self-paid voucher does.
    function test_payFor_selfDealingCostsTheBurn() public {
        vm.prank(payer);
        payments.payFor(payer, MODEL, 100 ether);
        vm.assertEq(token.balanceOf(payer), 1e9 ether - 100 ether * (uint256(BURN_BPS) + ROYALTY_BPS) / BPS);
        vm.assertEq(payments.workOf(payments.currentEpoch(), payer), 100 ether);
    }

    function test_payFor_refusesZeroAndTooMuch() public {
        vm.expectRevert(IPayments.ZeroAmount.selector);
        vm.prank(payer);
        payments.payFor(viaPayFor, MODEL, 0);
        vm.expectRevert(IPayments.ZeroAddress.selector);
        vm.prank(payer);
        payments.payFor(address(0), MODEL, 1);
        // Beyond 112 bits, where no redemption can reach either.
        vm.expectRevert();
        vm.prank(payer);
        payments.payFor(viaPayFor, MODEL, 2 ** 112);
        // Without an allowance nothing moves.
        vm.expectRevert();
        vm.prank(stranger);
        payments.payFor(viaPayFor, MODEL, 1);
    }
}
