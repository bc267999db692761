// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SharesBase} from "./utils/SharesBase.sol";
import {ModelShares} from "../src/ModelShares.sol";
import {ShareOffering} from "../src/ShareOffering.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {IModelShares} from "../src/interfaces/IModelShares.sol";
import {IModelSharesFactory} from "../src/interfaces/IModelSharesFactory.sol";
import {IShareOffering} from "../src/interfaces/IShareOffering.sol";

/// @notice Attacks on revenue shares and offerings, each test named after the attack. Royalties come from
/// real redemptions of signed vouchers.
contract ModelSharesAttacksTest is SharesBase {
    address internal attacker;
    address internal accomplice;
    address internal alice;
    address internal bob;

    function setUp() public override {
        super.setUp();
        attacker = makeAddr("attacker");
        accomplice = makeAddr("accomplice");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
    }

    function _plain() internal returns (ModelShares shares) {
        IShareOffering.Terms memory none;
        (shares,) = _create(none);
        _activateRoyalty();
    }

    /// @notice Claim, pass the shares on, claim again from the other account: the second claim finds nothing.
    function test_flashTransferCannotDoubleClaim() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(attacker, 400_000 ether);
        _earn(1000 ether); // 100 MESH
        vm.prank(attacker);
        vm.assertEq(shares.claim(), 40 ether);
        vm.prank(attacker);
        shares.transfer(accomplice, 400_000 ether);
        vm.prank(accomplice);
        vm.expectRevert(abi.encodeWithSelector(IModelShares.NothingToClaim.selector, accomplice));
        shares.claim();
        vm.prank(accomplice);
        shares.transfer(attacker, 400_000 ether);
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IModelShares.NothingToClaim.selector, attacker));
        shares.claim();
        vm.prank(author);
        vm.assertEq(shares.claim(), 60 ether);
        vm.assertEq(shares.totalClaimed(), 100 ether);
    }

    /// @notice Royalties credited in Payments but not pulled yet belong to who held the shares then: taking
    /// shares (a flash loan, a purchase) right before the pull captures none of them.
    function test_flashBorrowBeforePullCannotCapturePendingRoyalties() public {
        ModelShares shares = _plain();
        _earn(5000 ether); // 500 MESH credited to the shares in Payments
        vm.assertEq(payments.royaltiesOwed(address(shares)), 500 ether);
        vm.prank(author);
        shares.transfer(attacker, 900_000 ether); // the "loan"
        vm.assertEq(shares.claimable(attacker), 0);
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IModelShares.NothingToClaim.selector, attacker));
        shares.claim();
        vm.prank(attacker);
        shares.transfer(author, 900_000 ether); // repaid
        vm.assertEq(shares.claimable(author), 500 ether);
    }

    /// @notice The supply is fixed: there is no mint, and the factory creates one token per model.
    function test_ownerCannotMintMore() public {
        ModelShares shares = _plain();
        (bool ok,) = address(shares).call(abi.encodeWithSignature("mint(address,uint256)", author, 1 ether));
        vm.assertFalse(ok, "no mint function");
        IShareOffering.Terms memory none;
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IModelSharesFactory.SharesExist.selector, MODEL, address(shares)));
        factory.create(MODEL, "more", "MORE", SUPPLY, none);
        vm.assertEq(shares.totalSupply(), SUPPLY);
    }

    /// @notice Someone else cannot create the shares of a model first (and take its offering's proceeds).
    function test_nonOwnerCannotCreateShares() public {
        vm.prank(attacker);
        vm.expectRevert(abi.encodeWithSelector(IModelSharesFactory.NotModelOwner.selector, MODEL, attacker));
        factory.create(MODEL, "fake", "FAKE", SUPPLY, _terms(SUPPLY, 1 ether, 1 days, 0));
    }

    /// @notice A sale below its minimum raise refunds every buyer exactly what it paid and returns every
    /// share to the seller.
    function test_refundWhenMinNotMet() public {
        IShareOffering.Terms memory terms = _terms(100_000 ether, 10 ether, 1000, 500_000 ether);
        terms.floorPrice = 1 ether;
        (ModelShares shares, ShareOffering offering) = _create(terms);
        uint256 paidA = _buy(offering, alice, 10_000 ether);
        vm.warp(block.timestamp + 500);
        uint256 paidB = _buy(offering, bob, 7_777 ether + 3);
        uint256 aliceBefore = token.balanceOf(alice);
        uint256 bobBefore = token.balanceOf(bob);
        vm.warp(terms.end);
        offering.finalize();
        vm.assertEq(uint256(offering.state()), uint256(IShareOffering.State.Failed));
        vm.assertEq(shares.balanceOf(author), SUPPLY, "every share back to the seller");
        vm.assertEq(token.balanceOf(author), 0, "no proceeds");
        vm.assertEq(offering.refund(alice), paidA);
        vm.assertEq(offering.refund(bob), paidB);
        vm.assertEq(token.balanceOf(alice), aliceBefore + paidA);
        vm.assertEq(token.balanceOf(bob), bobBefore + paidB);
        vm.assertEq(token.balanceOf(address(offering)), 0);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.NothingToTake.selector, alice));
        offering.refund(alice);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.WrongOutcome.selector, IShareOffering.State.Failed));
        offering.claimShares(bob);
    }

    /// @notice Refunds wait for the outcome, and a successful sale refunds nothing.
    function test_refundBeforeFinalizeOrAfterSuccessReverts() public {
        (, ShareOffering offering) = _create(_terms(1000 ether, 1 ether, 1 days, 0));
        _buy(offering, alice, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.WrongOutcome.selector, IShareOffering.State.Open));
        offering.refund(alice);
        vm.warp(block.timestamp + 1 days);
        offering.finalize();
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.WrongOutcome.selector, IShareOffering.State.Succeeded));
        offering.refund(alice);
    }

    function test_buyAfterEndReverts() public {
        (, ShareOffering offering) = _create(_terms(1000 ether, 1 ether, 1 days, 0));
        _give(alice, 10 ether);
        vm.prank(alice);
        token.approve(address(offering), type(uint256).max);
        vm.warp(block.timestamp + 1 days);
        vm.prank(alice);
        vm.expectRevert(IShareOffering.SaleEnded.selector);
        offering.buy(1 ether, 1 ether);
    }

    function test_buyAfterSoldOutFinalizeReverts() public {
        (, ShareOffering offering) = _create(_terms(1000 ether, 1 ether, 1 days, 0));
        _buy(offering, alice, 1000 ether);
        offering.finalize();
        _give(bob, 10 ether);
        vm.startPrank(bob);
        token.approve(address(offering), type(uint256).max);
        vm.expectRevert(IShareOffering.SaleEnded.selector);
        offering.buy(1 ether, 1 ether);
        vm.stopPrank();
    }

    /// @notice The seller cannot move the price mid-auction: buying its own shares does not change what
    /// the next buyer pays (the price is the clock's alone), and it cannot end the sale early.
    function test_priceCannotBePushedBySellerMidAuction() public {
        IShareOffering.Terms memory terms = _terms(100_000 ether, 10 ether, 1000, 0);
        terms.floorPrice = 2 ether;
        (, ShareOffering offering) = _create(terms);
        vm.warp(block.timestamp + 500);
        uint256 price = offering.currentPrice();
        _buy(offering, author, 50_000 ether);
        vm.assertEq(offering.currentPrice(), price);
        uint256 cost = _buy(offering, alice, 1 ether);
        vm.assertEq(cost, price);
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.SaleRunning.selector, terms.end));
        offering.finalize();
    }

    /// @notice The rug pull: the model owner sells shares, then points the royalty elsewhere (during the
    /// sale or after it). The lock the sale required refuses it, and a second lock cannot lower the floor.
    function test_royaltyReceiverSwapAfterLockReverts() public {
        (ModelShares shares, ShareOffering offering) = _create(_terms(100_000 ether, 1 ether, 1 days, 1000 ether));
        _buy(offering, alice, 5000 ether);
        bytes memory locked =
            abi.encodeWithSelector(IModelRegistry.RoyaltyIsLocked.selector, MODEL, address(shares), ROYALTY_BPS);
        vm.startPrank(author);
        vm.expectRevert(locked);
        models.setRoyalty(MODEL, ROYALTY_BPS, attacker);
        vm.expectRevert(locked);
        models.lockRoyalty(MODEL, ROYALTY_BPS - 1);
        vm.stopPrank();
        vm.warp(block.timestamp + 1 days);
        offering.finalize();
        vm.assertEq(uint256(offering.state()), uint256(IShareOffering.State.Succeeded));
        // After the sale too, and after the model changed hands.
        vm.startPrank(author);
        models.transferModel(MODEL, attacker);
        vm.stopPrank();
        vm.prank(attacker);
        vm.expectRevert(locked);
        models.setRoyalty(MODEL, ROYALTY_BPS, attacker);
        (address receiver, uint16 floor) = models.royaltyLockOf(MODEL);
        vm.assertEq(receiver, address(shares));
        vm.assertEq(floor, ROYALTY_BPS);
    }

    /// @notice Cutting the royalty rate below the locked floor reverts; a cut that keeps the floor and a
    /// rise are allowed.
    function test_royaltyRateCutBelowFloorReverts() public {
        (ModelShares shares, ShareOffering offering) = _create(_terms(100_000 ether, 1 ether, 30 days, 1000 ether));
        _activateRoyalty();
        _buy(offering, alice, 5000 ether);
        vm.startPrank(author);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RoyaltyIsLocked.selector, MODEL, address(shares), ROYALTY_BPS)
        );
        models.setRoyalty(MODEL, ROYALTY_BPS - 1, address(shares));
        models.setRoyalty(MODEL, ROYALTY_BPS, address(shares));
        vm.stopPrank();
        vm.assertTrue(offering.royaltyRouted());
    }

    /// @notice A sale whose model royalty is only set (not locked) to the shares refuses buyers: the seller
    /// could point it elsewhere the moment the sale ends.
    function test_buyRefusedUntilRoyaltyLocked() public {
        bytes32 model2 = keccak256("model-unlocked");
        vm.startPrank(author);
        models.register(model2, "model-unlocked", "", ROYALTY_BPS, author);
        (address s2, address o2) = factory.create(model2, "u", "U", SUPPLY, _terms(500_000 ether, 1 ether, 1 days, 0));
        models.setRoyalty(model2, ROYALTY_BPS, s2);
        vm.stopPrank();
        _give(bob, 10 ether);
        vm.startPrank(bob);
        token.approve(o2, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.RoyaltyNotRouted.selector, address(0), 0));
        ShareOffering(o2).buy(1 ether, 1 ether);
        vm.stopPrank();
        vm.prank(author);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RoyaltyFloorAboveRate.selector, ROYALTY_BPS + 1, ROYALTY_BPS)
        );
        models.lockRoyalty(model2, ROYALTY_BPS + 1);
        vm.prank(author);
        models.lockRoyalty(model2, ROYALTY_BPS);
        vm.prank(bob);
        ShareOffering(o2).buy(1 ether, 1 ether);
        vm.assertEq(ShareOffering(o2).sharesOwed(bob), 1 ether);
    }

    /// @notice The escrow's royalties cannot be taken by anyone but the seller (whoever triggers the
    /// forwarding), and once a buyer's shares are delivered their royalties are the buyer's alone.
    function test_escrowRoyaltiesReachOnlyTheSeller() public {
        (ModelShares shares, ShareOffering offering) = _create(_terms(500_000 ether, 1 ether, 1 days, 0));
        _activateRoyalty();
        // The first sale ended while the royalty waited its delay; nothing was sold.
        vm.prank(attacker);
        offering.finalize();
        vm.assertEq(shares.balanceOf(author), SUPPLY);
        // A second model whose sale sells 100,000 shares to alice, with the royalty already in force.
        bytes32 model2 = keccak256("model-2");
        vm.prank(author);
        models.register(model2, "model-2", "", 0, address(0));
        vm.prank(author);
        (address s2, address o2) = factory.create(model2, "m2", "M2", SUPPLY, _terms(500_000 ether, 1 ether, 1 days, 0));
        vm.startPrank(author);
        models.setRoyalty(model2, ROYALTY_BPS, s2);
        models.lockRoyalty(model2, ROYALTY_BPS);
        vm.stopPrank();
        _buy(ShareOffering(o2), alice, 100_000 ether);
        vm.warp(block.timestamp + 1 days);
        ShareOffering(o2).finalize();
        _give(bob, 100 ether);
        vm.prank(bob);
        token.transfer(s2, 100 ether); // income while alice's shares are still in escrow
        uint256 authorBefore = token.balanceOf(author);
        vm.prank(attacker);
        vm.assertEq(ShareOffering(o2).forwardRoyalties(), 10 ether);
        vm.assertEq(token.balanceOf(attacker), 0);
        vm.assertEq(token.balanceOf(author), authorBefore + 10 ether);
        ShareOffering(o2).claimShares(alice);
        _give(bob, 100 ether);
        vm.prank(bob);
        token.transfer(s2, 100 ether);
        vm.assertEq(ModelShares(s2).claimable(alice), 10 ether);
        vm.assertEq(ShareOffering(o2).forwardRoyalties(), 0);
    }

    /// @notice `claimFor` cannot redirect someone's income: it always pays the account.
    function test_claimForCannotRedirectIncome() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(alice, 100_000 ether);
        _earn(1000 ether);
        vm.prank(attacker);
        shares.claimFor(alice);
        vm.assertEq(token.balanceOf(attacker), 0);
        vm.assertEq(token.balanceOf(alice), 10 ether);
    }

    /// @notice Splitting a holding into sub-unit dust accounts earns nothing extra (the split parts earn
    /// nothing), and the conservation identity holds throughout.
    function test_splittingIntoSubUnitAccountsEarnsNothingExtra() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(attacker, 10 * 1e12 - 1); // 9 units
        for (uint256 i; i < 3; ++i) {
            vm.prank(attacker);
            shares.transfer(address(uint160(0xdead0 + i)), 1e12 - 1);
        }
        _earn(1000 ether);
        uint256 attackerTotal = shares.claimable(attacker);
        for (uint256 i; i < 3; ++i) {
            attackerTotal += shares.claimable(address(uint160(0xdead0 + i)));
        }
        vm.assertLe(attackerTotal, 100 ether * (10 * 1e12 - 1) / SUPPLY);
        uint256 all = attackerTotal + shares.claimable(author) + shares.dust();
        vm.assertEq(all, shares.totalIncome());
    }

    /// @notice A reassignment by the registry owner (a squatted model) zeroes the royalty: the shares stop
    /// earning, and an offering still running fails.
    function test_modelReassignedDuringSaleRefundsBuyers() public {
        (, ShareOffering offering) = _create(_terms(100_000 ether, 1 ether, 1 days, 1 ether));
        uint256 paid = _buy(offering, alice, 10 ether);
        vm.prank(owner);
        models.reassignModel(MODEL, bob);
        vm.assertEq(models.getModel(MODEL).royaltyReceiver, address(0));
        vm.warp(block.timestamp + 1 days);
        offering.finalize();
        vm.assertEq(offering.refund(alice), paid);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, MODEL, author));
        vm.prank(author);
        models.setRoyalty(MODEL, ROYALTY_BPS, author);
    }
}
