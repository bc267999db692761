// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SharesBase} from "./utils/SharesBase.sol";
import {ModelShares} from "../src/ModelShares.sol";
import {ShareOffering} from "../src/ShareOffering.sol";
import {IModelShares} from "../src/interfaces/IModelShares.sol";
import {IModelSharesFactory} from "../src/interfaces/IModelSharesFactory.sol";
import {IShareOffering} from "../src/interfaces/IShareOffering.sol";

/// @notice ModelShares, ShareOffering and ModelSharesFactory: unit tests and a fuzz test of the accumulator
/// against a reference that loops over the holders. Royalties come from real redemptions of signed vouchers.
contract ModelSharesTest is SharesBase {
    address internal alice;
    address internal bob;
    address internal carol;

    function setUp() public override {
        super.setUp();
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
    }

    /// @dev Shares with nothing offered: the author holds the whole supply; the royalty is in force.
    function _plain() internal returns (ModelShares shares) {
        IShareOffering.Terms memory none;
        (shares,) = _create(none);
        _activateRoyalty();
    }

    function _sumClaimable(ModelShares shares, address[] memory accounts) internal view returns (uint256 sum) {
        for (uint256 i; i < accounts.length; ++i) {
            sum += shares.claimable(accounts[i]);
        }
    }

    // ================================================================ factory

    function test_create_mintsTheSupplyToTheOfferingAndTheOwner() public {
        (ModelShares shares, ShareOffering offering) = _create(_terms(200_000 ether, 1 ether, 7 days, 0));
        vm.assertEq(shares.totalSupply(), SUPPLY);
        vm.assertEq(shares.balanceOf(address(offering)), 200_000 ether);
        vm.assertEq(shares.balanceOf(author), 800_000 ether);
        vm.assertEq(shares.balanceOf(address(factory)), 0);
        vm.assertEq(factory.sharesOf(MODEL), address(shares));
        vm.assertEq(factory.offeringOf(MODEL), address(offering));
        vm.assertEq(factory.count(), 1);
        vm.assertEq(shares.modelId(), MODEL);
        vm.assertEq(offering.seller(), author);
        vm.assertEq(shares.totalWeight(), SUPPLY / shares.UNIT());
        vm.assertEq(shares.name(), "TinyLlama shares");
        vm.assertEq(shares.symbol(), "TLS");
        vm.assertEq(shares.decimals(), 18);
    }

    function test_create_withoutOfferingGivesEverythingToTheOwner() public {
        ModelShares shares = _plain();
        vm.assertEq(shares.balanceOf(author), SUPPLY);
        vm.assertEq(factory.offeringOf(MODEL), address(0));
    }

    /// @notice Found by the invariant: dust left over while many units earned covers a wei per unit once
    /// the total weight drops (shares moved to the token itself, which earns nothing); `claim` pays what
    /// `claimable` says, and nothing is stranded.
    function test_dustCarriedOverAWeightDropIsClaimedAsTheViewSays() public {
        ModelShares shares = _plain();
        // SUPPLY / 1e12 units earn: 1 wei per unit and 5 wei of dust.
        uint256 units = SUPPLY / 1e12;
        _give(bob, units + 5);
        vm.prank(bob);
        token.transfer(address(shares), units + 5);
        shares.pull();
        vm.assertEq(shares.dust(), 5);
        // The author keeps one unit; the rest goes to the token itself (weight 0): total weight 1.
        vm.prank(author);
        shares.transfer(address(shares), SUPPLY - 1e12);
        vm.assertEq(shares.totalWeight(), 1);
        uint256 shown = shares.claimable(author);
        vm.assertEq(shown, units + 5, "the dust is a wei per unit now");
        vm.prank(author);
        vm.assertEq(shares.claim(), shown);
        vm.assertEq(shares.dust(), 0);
        vm.assertEq(token.balanceOf(address(shares)), 0);
    }

    function test_create_revertsForAnUnknownModel() public {
        IShareOffering.Terms memory none;
        vm.expectRevert(abi.encodeWithSelector(IModelSharesFactory.ModelNotFound.selector, bytes32(uint256(1))));
        factory.create(bytes32(uint256(1)), "x", "X", SUPPLY, none);
    }

    function test_create_revertsWhenOfferExceedsSupply() public {
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IModelSharesFactory.OfferExceedsSupply.selector, SUPPLY + 1, SUPPLY));
        factory.create(MODEL, "x", "X", SUPPLY, _terms(SUPPLY + 1, 1 ether, 1 days, 0));
    }

    function test_create_revertsOnEmptyOrLongNames() public {
        IShareOffering.Terms memory none;
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IModelSharesFactory.InvalidName.selector, 0, 64));
        factory.create(MODEL, "", "X", SUPPLY, none);
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IModelSharesFactory.InvalidName.selector, 17, 16));
        factory.create(MODEL, "x", "SEVENTEEN-LETTERS", SUPPLY, none);
    }

    function test_create_revertsOnZeroSupply() public {
        IShareOffering.Terms memory none;
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IModelShares.SupplyOutOfRange.selector, 0, 1e36));
        factory.create(MODEL, "x", "X", 0, none);
    }

    function test_create_revertsOnInvalidTerms() public {
        IShareOffering.Terms memory terms = _terms(1000 ether, 1 ether, 1 days, 0);
        terms.floorPrice = 2 ether;
        vm.prank(author);
        vm.expectRevert(
            abi.encodeWithSelector(
                IShareOffering.InvalidTerms.selector, "floorPrice must be above zero and at most startPrice"
            )
        );
        factory.create(MODEL, "x", "X", SUPPLY, terms);
        terms = _terms(1000 ether, 1 ether, 1 days, 1001 ether);
        vm.prank(author);
        vm.expectRevert(
            abi.encodeWithSelector(
                IShareOffering.InvalidTerms.selector, "minRaise above what selling every share at startPrice raises"
            )
        );
        factory.create(MODEL, "x", "X", SUPPLY, terms);
        terms = _terms(1000 ether, 1 ether, 0, 0);
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.InvalidTerms.selector, "end must be after start"));
        factory.create(MODEL, "x", "X", SUPPLY, terms);
    }

    // ================================================================ income and claims

    function test_pull_booksTheRoyaltiesOfRedemptions() public {
        ModelShares shares = _plain();
        uint256 royalty = _earn(100 ether);
        vm.assertEq(royalty, 10 ether);
        vm.assertEq(shares.totalIncome(), royalty, "pending royalties count before the pull");
        vm.assertEq(shares.pull(), royalty);
        vm.assertEq(payments.royaltiesOwed(address(shares)), 0);
        vm.assertEq(token.balanceOf(address(shares)), royalty);
        vm.assertEq(shares.totalIncome(), royalty);
        vm.assertEq(shares.incomePerUnit(), royalty / (SUPPLY / 1e12));
        vm.assertEq(shares.pull(), 0, "nothing new");
    }

    function test_claim_paysHoldersProRata() public {
        ModelShares shares = _plain();
        vm.startPrank(author);
        shares.transfer(alice, 250_000 ether);
        shares.transfer(bob, 50_000 ether);
        vm.stopPrank();
        _earn(1000 ether); // 100 MESH of royalty

        vm.prank(alice);
        vm.assertEq(shares.claim(), 25 ether);
        vm.prank(bob);
        vm.assertEq(shares.claim(), 5 ether);
        vm.prank(author);
        vm.assertEq(shares.claim(), 70 ether);
        vm.assertEq(token.balanceOf(alice), 25 ether);
        vm.assertEq(token.balanceOf(bob), 5 ether);
        vm.assertEq(token.balanceOf(author), 70 ether);
        vm.assertEq(shares.totalClaimed(), 100 ether);
        vm.assertEq(shares.dust(), 0);
        vm.assertEq(token.balanceOf(address(shares)), 0);
    }

    function test_claimable_showsWhatClaimPaysBeforeAnyPull() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(alice, 333_333 ether);
        _earn(777 ether);
        uint256 shown = shares.claimable(alice);
        vm.assertGt(shown, 0);
        vm.prank(alice);
        vm.assertEq(shares.claim(), shown);
    }

    function test_transfer_leavesIncomeEarnedBeforeItWithTheSender() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(alice, 500_000 ether);
        _earn(200 ether); // 20 MESH credited in Payments, not pulled
        vm.prank(alice);
        shares.transfer(bob, 500_000 ether);
        vm.assertEq(shares.claimable(alice), 10 ether);
        vm.assertEq(shares.claimable(bob), 0);
        _earn(200 ether);
        vm.assertEq(shares.claimable(alice), 10 ether);
        vm.assertEq(shares.claimable(bob), 10 ether);
        vm.assertEq(shares.claimable(author), 20 ether);
    }

    function test_claimFor_paysTheAccountNotTheCaller() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(alice, 100_000 ether);
        _earn(100 ether);
        vm.prank(bob);
        vm.assertEq(shares.claimFor(alice), 1 ether);
        vm.assertEq(token.balanceOf(alice), 1 ether);
        vm.assertEq(token.balanceOf(bob), 0);
    }

    function test_claim_revertsWhenNothingIsOwed() public {
        ModelShares shares = _plain();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IModelShares.NothingToClaim.selector, alice));
        shares.claim();
        _earn(100 ether);
        vm.prank(author);
        shares.claim();
        vm.prank(author);
        vm.expectRevert(abi.encodeWithSelector(IModelShares.NothingToClaim.selector, author));
        shares.claim();
    }

    function test_pull_booksDirectTransfersAsIncome() public {
        ModelShares shares = _plain();
        _give(carol, 3 ether);
        vm.prank(carol);
        token.transfer(address(shares), 3 ether);
        vm.assertEq(shares.totalIncome(), 3 ether);
        vm.assertEq(shares.claimable(author), 3 ether);
    }

    function test_dust_isCarriedToTheNextBooking() public {
        ModelShares shares = _plain();
        uint256 units = SUPPLY / 1e12; // 1e12 units
        _give(carol, 1 ether);
        vm.startPrank(carol);
        token.transfer(address(shares), units - 1); // less than one wei per unit
        vm.assertEq(shares.pull(), units - 1);
        vm.assertEq(shares.dust(), units - 1);
        vm.assertEq(shares.claimable(author), 0);
        token.transfer(address(shares), 3); // now units + 2: one wei per unit, 2 left
        vm.stopPrank();
        vm.assertEq(shares.claimable(author), units);
        vm.assertEq(shares.dust(), 2);
        vm.assertEq(shares.claimable(author) + shares.totalClaimed() + shares.dust(), shares.totalIncome());
    }

    function test_weightOf_countsWholeMicroShares() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(alice, 1e12 - 1);
        vm.assertEq(shares.weightOf(alice), 0);
        vm.assertEq(shares.weightOf(author), SUPPLY / 1e12 - 1);
        vm.assertEq(shares.totalWeight(), SUPPLY / 1e12 - 1);
        vm.prank(author);
        shares.transfer(alice, 1);
        vm.assertEq(shares.weightOf(alice), 1);
        vm.assertEq(shares.totalWeight(), SUPPLY / 1e12);
    }

    function test_sharesSentToTheTokenItselfEarnNothing() public {
        ModelShares shares = _plain();
        vm.prank(author);
        shares.transfer(address(shares), 500_000 ether);
        vm.assertEq(shares.weightOf(address(shares)), 0);
        _earn(100 ether);
        vm.assertEq(shares.claimable(author), 10 ether, "the rest of the holders earn it all");
        vm.expectRevert(abi.encodeWithSelector(IModelShares.NothingToClaim.selector, address(shares)));
        shares.claimFor(address(shares));
    }

    function test_incomeWhileNobodyHoldsAUnitWaitsInTheDust() public {
        // A supply below one unit: nobody can earn until... nobody ever can; the income stays as dust.
        IShareOffering.Terms memory none;
        vm.prank(author);
        (address s,) = factory.create(MODEL, "x", "X", 1e12 - 1, none);
        ModelShares shares = ModelShares(s);
        _give(carol, 5);
        vm.prank(carol);
        token.transfer(s, 5);
        vm.assertEq(shares.pull(), 5);
        vm.assertEq(shares.dust(), 5);
        vm.assertEq(shares.totalIncome(), 5);
    }

    // ================================================================ offering

    function test_offering_fixedPriceSaleSucceeds() public {
        (ModelShares shares, ShareOffering offering) = _create(_terms(100_000 ether, 2 ether, 7 days, 50_000 ether));
        uint256 costA = _buy(offering, alice, 30_000 ether);
        uint256 costB = _buy(offering, bob, 20_000 ether);
        vm.assertEq(costA, 60_000 ether);
        vm.assertEq(costB, 40_000 ether);
        vm.assertEq(uint256(offering.state()), uint256(IShareOffering.State.Open));
        vm.warp(block.timestamp + 7 days);
        vm.assertEq(uint256(offering.state()), uint256(IShareOffering.State.Closed));
        offering.finalize();
        vm.assertEq(uint256(offering.state()), uint256(IShareOffering.State.Succeeded));
        vm.assertEq(token.balanceOf(author), 100_000 ether, "proceeds to the seller");
        vm.assertEq(shares.balanceOf(author), 950_000 ether, "unsold shares back");
        vm.assertEq(offering.claimShares(alice), 30_000 ether);
        vm.assertEq(offering.claimShares(bob), 20_000 ether);
        vm.assertEq(shares.balanceOf(alice), 30_000 ether);
        vm.assertEq(shares.balanceOf(address(offering)), 0);
        vm.assertEq(token.balanceOf(address(offering)), 0);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.NothingToTake.selector, alice));
        offering.claimShares(alice);
    }

    function test_offering_dutchPriceFallsLinearly() public {
        IShareOffering.Terms memory terms = _terms(100_000 ether, 10 ether, 1000, 0);
        terms.floorPrice = 2 ether;
        (, ShareOffering offering) = _create(terms);
        vm.assertEq(offering.currentPrice(), 10 ether);
        vm.warp(block.timestamp + 250);
        vm.assertEq(offering.currentPrice(), 8 ether);
        vm.warp(block.timestamp + 250);
        vm.assertEq(offering.currentPrice(), 6 ether);
        uint256 cost = _buy(offering, alice, 1 ether);
        vm.assertEq(cost, 6 ether);
        vm.warp(block.timestamp + 499);
        vm.assertEq(offering.currentPrice(), 2 ether + 8 ether / 1000);
        vm.warp(block.timestamp + 1);
        vm.assertEq(offering.currentPrice(), 2 ether);
    }

    function test_offering_buyRoundsTheCostUp() public {
        (, ShareOffering offering) = _create(_terms(100_000 ether, 3, 1 days, 0));
        vm.assertEq(_buy(offering, alice, 1 ether / 2 + 1), 2);
    }

    function test_offering_buyRevertsBeforeStartAboveMaxPriceAndOverTheCap() public {
        IShareOffering.Terms memory terms = _terms(1000 ether, 1 ether, 1 days, 0);
        terms.start += 1 hours;
        terms.end += 1 hours;
        (, ShareOffering offering) = _create(terms);
        _give(alice, 10_000 ether);
        vm.startPrank(alice);
        token.approve(address(offering), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.NotStarted.selector, terms.start));
        offering.buy(1 ether, 1 ether);
        vm.warp(terms.start);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.PriceAboveMax.selector, 1 ether, 1 ether - 1));
        offering.buy(1 ether, 1 ether - 1);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.ExceedsCap.selector, 1001 ether, 1000 ether));
        offering.buy(1001 ether, 1 ether);
        vm.expectRevert(IShareOffering.ZeroAmount.selector);
        offering.buy(0, 1 ether);
        vm.stopPrank();
    }

    function test_offering_soldOutCanBeFinalizedBeforeTheEnd() public {
        (, ShareOffering offering) = _create(_terms(1000 ether, 1 ether, 7 days, 0));
        _buy(offering, alice, 400 ether);
        vm.expectRevert(abi.encodeWithSelector(IShareOffering.SaleRunning.selector, offering.terms().end));
        offering.finalize();
        _buy(offering, bob, 600 ether);
        offering.finalize();
        vm.assertEq(uint256(offering.state()), uint256(IShareOffering.State.Succeeded));
        vm.expectRevert(IShareOffering.AlreadyFinalized.selector);
        offering.finalize();
    }

    function test_offering_forwardsTheEscrowsRoyaltiesToTheSeller() public {
        (ModelShares shares, ShareOffering offering) = _create(_terms(500_000 ether, 1 ether, 30 days, 0));
        _activateRoyalty();
        _buy(offering, alice, 100_000 ether);
        _earn(1000 ether); // 100 MESH of royalty, half to the escrow
        vm.assertEq(offering.forwardRoyalties(), 50 ether);
        vm.assertEq(token.balanceOf(author), 50 ether);
        vm.assertEq(shares.claimable(author), 50 ether);
        vm.assertEq(offering.forwardRoyalties(), 0);
        vm.warp(offering.terms().end);
        _earn(1000 ether);
        offering.finalize(); // forwards the escrow's 50, then pays 100,000 of proceeds
        vm.assertEq(token.balanceOf(author), 100 ether + 100_000 ether);
        offering.claimShares(alice);
        _earn(1000 ether);
        vm.assertEq(shares.claimable(alice), 10 ether);
        vm.assertEq(offering.forwardRoyalties(), 0);
    }

    // ================================================================ fuzz

    address[4] internal fuzzHolders;
    uint256[4] internal refEarned;
    uint256[4] internal refClaimed;
    uint256 internal refDust;
    uint256 internal refIncome;

    /// @dev The reference booking: every holder is credited weight × increase, looping over them.
    function _refBook(ModelShares shares, uint256 fresh) internal {
        shares.pull();
        refIncome += fresh;
        uint256 totalW;
        for (uint256 i; i < 4; ++i) {
            totalW += shares.balanceOf(fuzzHolders[i]) / 1e12;
        }
        uint256 increase = (refDust + fresh) / totalW;
        refDust = refDust + fresh - increase * totalW;
        for (uint256 i; i < 4; ++i) {
            refEarned[i] += (shares.balanceOf(fuzzHolders[i]) / 1e12) * increase;
        }
    }

    function _fuzzStep(ModelShares shares, uint256 seed) internal {
        uint256 action = seed % 4;
        address from = fuzzHolders[(seed >> 8) % 4];
        uint256 to = (seed >> 16) % 4;
        if (action == 0) {
            // Transfer a random part of `from`'s balance (units and sub-unit amounts alike).
            uint256 balance = shares.balanceOf(from);
            uint256 amount = balance == 0 ? 0 : (seed >> 24) % (balance + 1);
            vm.prank(from);
            shares.transfer(fuzzHolders[to], amount);
        } else if (action == 1) {
            _refBook(shares, _earn(bound(seed >> 24, 1, 1e24)));
        } else if (action == 2) {
            uint256 fresh = bound(seed >> 24, 1, 1e13);
            _give(address(this), fresh);
            token.transfer(address(shares), fresh);
            _refBook(shares, fresh);
        } else {
            uint256 before = shares.claimable(fuzzHolders[to]);
            if (before == 0) return;
            vm.prank(fuzzHolders[to]);
            vm.assertEq(shares.claim(), before);
            refClaimed[to] += before;
        }
    }

    /// @dev Random transfers, income (redemptions and direct sends) and claims among four holders, checked
    /// against a reference that credits every holder at each booking by looping over them.
    function testFuzz_accumulatorMatchesAReferenceAcrossTransfersAndIncome(uint256 seed) public {
        ModelShares shares = _plain();
        fuzzHolders = [author, alice, bob, carol];
        for (uint256 step; step < 24; ++step) {
            _fuzzStep(shares, uint256(keccak256(abi.encode(seed, step))));
        }
        uint256 sum;
        address[] memory holders = new address[](4);
        for (uint256 i; i < 4; ++i) {
            holders[i] = fuzzHolders[i];
            uint256 claimable = shares.claimable(holders[i]);
            vm.assertEq(claimable + refClaimed[i], refEarned[i], "holder earned what the reference says");
            sum += claimable + refClaimed[i];
        }
        vm.assertEq(shares.dust(), refDust);
        vm.assertEq(shares.totalIncome(), refIncome);
        vm.assertEq(sum + shares.dust(), refIncome, "claimable + claimed + dust == income to the wei");
        vm.assertEq(token.balanceOf(address(shares)), _sumClaimable(shares, holders) + shares.dust());
    }
}
