// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, FuzzSelector} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {ModelShares} from "../src/ModelShares.sol";
import {ModelSharesFactory} from "../src/ModelSharesFactory.sol";
import {Payments} from "../src/Payments.sol";
import {ShareOffering} from "../src/ShareOffering.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {IShareOffering} from "../src/interfaces/IShareOffering.sol";

/// @notice Drives a model's shares and its Dutch-auction offering through random transfers (sub-unit
/// amounts and sends to the token itself included), real redemptions that credit royalties, direct MESH
/// sends, pulls, claims, buys, finalize (success or failure, by how much was raised), deliveries, refunds,
/// royalty forwarding and the clock. Every action does something valid or returns early; ghosts count
/// every wei of income and every MESH and share in and out of the offering.
contract SharesHandler is Test {
    uint256 internal constant SUPPLY = 1_000_000 ether;
    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");

    MeshToken public immutable token;
    Payments public immutable payments;
    ModelShares public immutable shares;
    ShareOffering public immutable offering;
    address public immutable provider;
    address public immutable seller;

    address[] public actors;
    address internal _payer;
    uint256 internal _payerKey;
    uint256 internal _cumulative;

    uint256 public ghostIncome;
    uint256 public ghostCosts;
    uint256 public ghostRefunded;
    uint256 public ghostProceeds;
    uint256 public ghostDelivered;
    uint256 public ghostReturned;
    uint256 public ghostForwarded;
    mapping(address buyer => uint256) public ghostPaid;

    constructor(
        MeshToken token_,
        Payments payments_,
        ModelShares shares_,
        ShareOffering offering_,
        address provider_,
        address seller_,
        address payer_,
        uint256 payerKey_
    ) {
        (token, payments, shares, offering, provider, seller) =
        (token_, payments_, shares_, offering_, provider_, seller_);
        (_payer, _payerKey) = (payer_, payerKey_);
        actors.push(seller_);
        for (uint256 i; i < 3; ++i) {
            actors.push(makeAddr(string(abi.encodePacked("holder", bytes1(uint8(0x30 + i))))));
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// @notice Moves a random part of a holder's shares to another holder, or to the token itself.
    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        address to = toSeed % 7 == 6 ? address(shares) : _actor(toSeed);
        amount = bound(amount, 0, shares.balanceOf(from));
        vm.prank(from);
        shares.transfer(to, amount);
    }

    /// @notice The payer's voucher for `amount` more is redeemed; the royalty (once in force) is income.
    function earn(uint256 amount) external {
        amount = bound(amount, 1, 1e22);
        uint256 before = payments.royaltiesOwed(address(shares));
        _cumulative += amount;
        IPayments.Voucher memory voucher = IPayments.Voucher(_payer, provider, MODEL, _cumulative);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_payerKey, payments.hashVoucher(voucher));
        payments.redeem(voucher, abi.encodePacked(r, s, v));
        ghostIncome += payments.royaltiesOwed(address(shares)) - before;
    }

    /// @notice Anyone sends MESH straight to the token.
    function send(uint256 amount) external {
        amount = bound(amount, 1, 1e15);
        token.transfer(address(shares), amount);
        ghostIncome += amount;
    }

    function pull() external {
        shares.pull();
    }

    function claim(uint256 seed) external {
        address account = _actor(seed);
        uint256 expected = shares.claimable(account);
        if (expected == 0) return;
        uint256 before = token.balanceOf(account);
        vm.prank(account);
        vm.assertEq(shares.claim(), expected);
        vm.assertEq(token.balanceOf(account), before + expected);
    }

    function buy(uint256 seed, uint256 amount) external {
        if (offering.state() != IShareOffering.State.Open) return;
        address buyer = _actor(seed);
        uint256 remaining = offering.terms().sharesOffered - offering.sold();
        amount = bound(amount, 1e12, remaining < 1e12 ? 1e12 : remaining);
        if (amount > remaining) return;
        uint256 price = offering.currentPrice();
        uint256 cost = (amount * price + 1e18 - 1) / 1e18;
        token.transfer(buyer, cost);
        vm.startPrank(buyer);
        token.approve(address(offering), cost);
        vm.assertEq(offering.buy(amount, price), cost);
        vm.stopPrank();
        ghostCosts += cost;
        ghostPaid[buyer] += cost;
    }

    function finalize() external {
        if (offering.state() != IShareOffering.State.Closed) return;
        uint256 forwarded = shares.claimable(address(offering));
        uint256 unsold = offering.terms().sharesOffered - offering.sold();
        offering.finalize();
        ghostForwarded += forwarded;
        if (offering.state() == IShareOffering.State.Succeeded) {
            ghostProceeds += offering.raised();
            ghostReturned += unsold;
        } else {
            ghostReturned += offering.terms().sharesOffered;
        }
    }

    function claimShares(uint256 seed) external {
        address buyer = _actor(seed);
        if (offering.state() != IShareOffering.State.Succeeded || offering.sharesOwed(buyer) == 0) return;
        ghostDelivered += offering.claimShares(buyer);
    }

    function refund(uint256 seed) external {
        address buyer = _actor(seed);
        if (offering.state() != IShareOffering.State.Failed || offering.paidBy(buyer) == 0) return;
        uint256 amount = offering.refund(buyer);
        vm.assertEq(amount, ghostPaid[buyer], "a refund is exactly what the buyer paid");
        ghostRefunded += amount;
    }

    function forwardRoyalties() external {
        ghostForwarded += offering.forwardRoyalties();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 2 days));
    }
}

contract ModelSharesInvariantTest is Test {
    uint256 internal constant SUPPLY = 1_000_000 ether;
    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");

    MeshToken internal token;
    Payments internal payments;
    ModelShares internal shares;
    ShareOffering internal offering;
    ModelSharesFactory internal factory;
    SharesHandler internal handler;
    address internal seller;

    function setUp() public {
        vm.warp(1_750_000_000);
        address owner = makeAddr("owner");
        seller = makeAddr("seller");
        address provider = makeAddr("provider");
        (address payer, uint256 payerKey) = makeAddrAndKey("payer");
        token = new MeshToken(owner, owner, 1e12 ether);
        ModelRegistry models = new ModelRegistry(owner, 2000, 25 hours);
        payments = new Payments(owner, token, models, 500, 1 days, 1_749_000_000, 1 hours);
        factory = new ModelSharesFactory(address(models), address(payments));
        vm.prank(seller);
        models.register(MODEL, "tinyllama", "", 0, address(0));
        // A Dutch auction of 30% from 2 to 1 MESH a share over 10 days, needing 200,000 MESH: some runs
        // reach it, some fail and refund.
        IShareOffering.Terms memory terms = IShareOffering.Terms({
            sharesOffered: 300_000 ether,
            startPrice: 2 ether,
            floorPrice: 1 ether,
            start: uint64(block.timestamp),
            end: uint64(block.timestamp + 10 days),
            minRaise: 200_000 ether,
            minRoyaltyBps: 1000
        });
        vm.startPrank(seller);
        (address s, address o) = factory.create(MODEL, "TinyLlama shares", "TLS", SUPPLY, terms);
        models.setRoyalty(MODEL, 1000, s);
        models.lockRoyalty(MODEL, 1000);
        vm.stopPrank();
        (shares, offering) = (ModelShares(s), ShareOffering(o));

        vm.startPrank(owner);
        token.transfer(payer, 1e11 ether);
        vm.stopPrank();
        vm.startPrank(payer);
        token.approve(address(payments), type(uint256).max);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider, 1e11 ether);
        payments.depositAndAllocate(1e11 ether, allocations);
        vm.stopPrank();

        handler = new SharesHandler(token, payments, shares, offering, provider, seller, payer, payerKey);
        vm.prank(owner);
        token.transfer(address(handler), 1e11 ether);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = SharesHandler.transfer.selector;
        selectors[1] = SharesHandler.earn.selector;
        selectors[2] = SharesHandler.send.selector;
        selectors[3] = SharesHandler.pull.selector;
        selectors[4] = SharesHandler.claim.selector;
        selectors[5] = SharesHandler.buy.selector;
        selectors[6] = SharesHandler.finalize.selector;
        selectors[7] = SharesHandler.claimShares.selector;
        selectors[8] = SharesHandler.refund.selector;
        selectors[9] = SharesHandler.forwardRoyalties.selector;
        selectors[10] = SharesHandler.warp.selector;
        selectors[11] = SharesHandler.buy.selector; // buys twice as often
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    /// @dev Every account that can hold shares.
    function _holders() internal view returns (address[] memory holders) {
        uint256 n = handler.actorCount();
        holders = new address[](n + 3);
        for (uint256 i; i < n; ++i) {
            holders[i] = handler.actors(i);
        }
        (holders[n], holders[n + 1], holders[n + 2]) = (address(offering), address(shares), address(factory));
    }

    /// @notice Σ claimable + Σ claimed + dust == income received, to the wei; the MESH is all there.
    function invariant_incomeConservation() public view {
        address[] memory holders = _holders();
        uint256 claimable;
        for (uint256 i; i < holders.length; ++i) {
            claimable += shares.claimable(holders[i]);
        }
        vm.assertEq(claimable + shares.totalClaimed() + shares.dust(), handler.ghostIncome(), "income conservation");
        vm.assertEq(shares.totalIncome(), handler.ghostIncome());
        vm.assertEq(
            token.balanceOf(address(shares)) + payments.royaltiesOwed(address(shares)),
            claimable + shares.dust(),
            "MESH held and owed covers exactly what is claimable and the dust"
        );
        vm.assertLt(shares.dust(), shares.totalWeight() == 0 ? type(uint256).max : shares.totalWeight());
    }

    /// @notice The supply never changes and the total weight is the sum of the holders' weights.
    function invariant_supplyAndWeights() public view {
        address[] memory holders = _holders();
        uint256 balances;
        uint256 weights;
        for (uint256 i; i < holders.length; ++i) {
            balances += shares.balanceOf(holders[i]);
            weights += shares.weightOf(holders[i]);
        }
        vm.assertEq(shares.totalSupply(), SUPPLY);
        vm.assertEq(balances, SUPPLY);
        vm.assertEq(shares.totalWeight(), weights);
    }

    /// @notice The offering holds exactly what it owes: MESH raised minus refunds and proceeds, shares
    /// offered minus deliveries and returns; it never sells over the cap.
    function invariant_offeringConservation() public view {
        vm.assertEq(offering.raised(), handler.ghostCosts());
        vm.assertEq(
            token.balanceOf(address(offering)),
            handler.ghostCosts() - handler.ghostRefunded() - handler.ghostProceeds(),
            "offering MESH"
        );
        vm.assertEq(
            shares.balanceOf(address(offering)),
            offering.terms().sharesOffered - handler.ghostDelivered() - handler.ghostReturned(),
            "offering shares"
        );
        vm.assertLe(offering.sold(), offering.terms().sharesOffered);
    }
}
