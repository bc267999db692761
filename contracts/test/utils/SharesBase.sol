// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {MeshToken} from "../../src/MeshToken.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {ModelShares} from "../../src/ModelShares.sol";
import {ModelSharesFactory} from "../../src/ModelSharesFactory.sol";
import {Payments} from "../../src/Payments.sol";
import {ShareOffering} from "../../src/ShareOffering.sol";
import {IPayments} from "../../src/interfaces/IPayments.sol";
import {IShareOffering} from "../../src/interfaces/IShareOffering.sol";

/// @notice The real MESH, ModelRegistry and Payments with a ModelSharesFactory, one registered model and a
/// payer whose signed vouchers pay the model's royalty. Royalties reach the shares only through real
/// redemptions (`_earn`).
abstract contract SharesBase is Test {
    uint64 internal constant GENESIS = 1_750_000_000;
    uint64 internal constant EPOCH = 1 hours;
    uint64 internal constant ROYALTY_DELAY = 25 hours;
    uint16 internal constant BURN_BPS = 500;
    uint16 internal constant ROYALTY_BPS = 1000;
    uint256 internal constant SUPPLY = 1_000_000 ether;
    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");

    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;
    ModelSharesFactory internal factory;

    address internal owner;
    address internal author;
    address internal provider;
    address internal payer;
    uint256 internal payerKey;
    /// @dev What the payer has signed for on the channel (payer, provider, MODEL) so far.
    uint256 internal cumulative;
    /// @dev Σ royalty credited by redemptions for MODEL (from the Redeemed figures Payments returns).
    uint256 internal royaltiesEarned;

    function setUp() public virtual {
        vm.warp(GENESIS + 10);
        owner = makeAddr("owner");
        author = makeAddr("author");
        provider = makeAddr("provider");
        (payer, payerKey) = makeAddrAndKey("payer");
        token = new MeshToken(owner, owner, 1e12 ether);
        models = new ModelRegistry(owner, 2000, ROYALTY_DELAY);
        payments = new Payments(owner, token, models, BURN_BPS, 1 days, GENESIS, EPOCH);
        factory = new ModelSharesFactory(address(models), address(payments));
        vm.prank(author);
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", 0, address(0));

        _give(payer, 1e9 ether);
        vm.startPrank(payer);
        token.approve(address(payments), type(uint256).max);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider, 1e9 ether);
        payments.depositAndAllocate(1e9 ether, allocations);
        vm.stopPrank();
    }

    function _give(address to, uint256 amount) internal {
        vm.prank(owner);
        token.transfer(to, amount);
    }

    /// @dev A fixed-price sale of `offered` shares at `price` from now for `length`, needing `minRaise`.
    function _terms(uint256 offered, uint256 price, uint64 length, uint256 minRaise)
        internal
        view
        returns (IShareOffering.Terms memory)
    {
        return IShareOffering.Terms({
            sharesOffered: offered,
            startPrice: price,
            floorPrice: price,
            start: uint64(block.timestamp),
            end: uint64(block.timestamp) + length,
            minRaise: minRaise,
            minRoyaltyBps: ROYALTY_BPS
        });
    }

    /// @dev The author creates the shares with `terms` and routes the model's royalty to them; the royalty
    /// (a rise from zero) is in force after `_activateRoyalty`.
    function _create(IShareOffering.Terms memory terms) internal returns (ModelShares shares, ShareOffering offering) {
        vm.startPrank(author);
        (address s, address o) = factory.create(MODEL, "TinyLlama shares", "TLS", SUPPLY, terms);
        models.setRoyalty(MODEL, ROYALTY_BPS, s);
        models.lockRoyalty(MODEL, ROYALTY_BPS);
        vm.stopPrank();
        shares = ModelShares(s);
        offering = ShareOffering(o);
    }

    function _activateRoyalty() internal {
        vm.warp(block.timestamp + ROYALTY_DELAY);
    }

    /// @dev The payer signs a voucher `amount` above its last one and the provider redeems it: Payments
    /// credits the model's receiver the royalty. Returns the royalty credited.
    function _earn(uint256 amount) internal returns (uint256 royalty) {
        uint256 before = payments.royaltiesOwed(_receiver());
        cumulative += amount;
        IPayments.Voucher memory voucher = IPayments.Voucher(payer, provider, MODEL, cumulative);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, payments.hashVoucher(voucher));
        vm.prank(provider);
        payments.redeem(voucher, abi.encodePacked(r, s, v));
        royalty = payments.royaltiesOwed(_receiver()) - before;
        royaltiesEarned += royalty;
    }

    function _receiver() internal view returns (address) {
        return models.getModel(MODEL).royaltyReceiver;
    }

    function _buy(ShareOffering offering, address buyer, uint256 amount) internal returns (uint256 cost) {
        uint256 price = offering.currentPrice();
        _give(buyer, amount * price / 1e18 + 1);
        vm.startPrank(buyer);
        token.approve(address(offering), type(uint256).max);
        cost = offering.buy(amount, price);
        vm.stopPrank();
    }
}
