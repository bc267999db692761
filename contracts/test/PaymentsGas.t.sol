// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {Payments} from "../src/Payments.sol";
import {Registry} from "../src/Registry.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice Gas of the hot paths, written to snapshots/Payments.json and snapshots/Registry.json.
/// Every state a measured call reads is prepared in setUp, so that the measured call, the only call
/// its test makes to the contracts, finds storage cold as a real transaction would.
contract PaymentsGasTest is Test {
    uint256 internal constant REDEEM_BUDGET = 90_000;
    uint256 internal constant BATCH_BUDGET_PER_CHANNEL = 35_000;
    uint256 internal constant CHANNELS = 10;
    uint64 internal constant GENESIS = 1;
    uint64 internal constant EPOCH_LENGTH = 1 hours;

    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");

    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;
    Registry internal registry;

    address internal owner;
    address internal provider;
    address internal freshProvider;
    address internal batchProvider;
    address internal staker;
    address internal registrant;
    address internal depositor;

    IPayments.Voucher internal redeemVoucher;
    bytes internal redeemSig;
    IPayments.Voucher internal firstVoucher;
    bytes internal firstSig;
    IPayments.SignedVoucher[] internal batch;

    function setUp() public {
        owner = makeAddr("owner");
        provider = makeAddr("provider");
        freshProvider = makeAddr("freshProvider");
        batchProvider = makeAddr("batchProvider");
        staker = makeAddr("staker");
        registrant = makeAddr("registrant");
        depositor = makeAddr("depositor");
        address royaltyReceiver = makeAddr("royaltyReceiver");

        token = new MeshToken(owner);
        vm.prank(owner);
        token.setMinter(owner, true);
        models = new ModelRegistry(owner, 2000);
        payments = new Payments(owner, token, models, 1000, 1 days, GENESIS, EPOCH_LENGTH);
        registry = new Registry(owner, token, 1000 ether, 1000 ether, 7 days, 16);
        vm.prank(royaltyReceiver);
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", 1500, royaltyReceiver);

        // redeem: channel redeemed once before, provider already holds MESH, model with a royalty.
        (address payer, uint256 payerKey) = _payer("payer", 1000 ether);
        _redeem(payerKey, IPayments.Voucher(payer, provider, MODEL, 10 ether));
        redeemVoucher = IPayments.Voucher(payer, provider, MODEL, 25 ether);
        redeemSig = _sign(payerKey, redeemVoucher);

        // redeem_firstRedemption: a fresh channel to a provider that holds no MESH yet.
        firstVoucher = IPayments.Voucher(payer, freshProvider, MODEL, 10 ether);
        firstSig = _sign(payerKey, firstVoucher);

        // redeemBatch_10channels: ten payers, one provider, every channel redeemed once before.
        for (uint256 i; i < CHANNELS; ++i) {
            (address p, uint256 key) =
                _payer(string(abi.encodePacked("batchPayer", bytes1(uint8(0x30 + i)))), 100 ether);
            _redeem(key, IPayments.Voucher(p, batchProvider, MODEL, 1 ether));
            IPayments.Voucher memory v = IPayments.Voucher(p, batchProvider, MODEL, 3 ether);
            batch.push(IPayments.SignedVoucher(v, _sign(key, v)));
        }

        // deposit: a payer topping up an existing deposit.
        _mintTo(depositor, 100 ether);
        vm.prank(depositor);
        token.approve(address(payments), type(uint256).max);
        vm.prank(depositor);
        payments.deposit(10 ether);

        // stake: a first stake. registerProvider: an account that staked the minimum beforehand.
        _mintTo(staker, 1000 ether);
        vm.prank(staker);
        token.approve(address(registry), type(uint256).max);
        _mintTo(registrant, 1000 ether);
        vm.prank(registrant);
        token.approve(address(registry), type(uint256).max);
        vm.prank(registrant);
        registry.stake(1000 ether);
    }

    function _mintTo(address to, uint256 amount) internal {
        vm.prank(owner);
        token.mint(to, amount);
    }

    function _payer(string memory name, uint256 amount) internal returns (address payer, uint256 key) {
        (payer, key) = makeAddrAndKey(name);
        _mintTo(payer, amount);
        vm.prank(payer);
        token.approve(address(payments), type(uint256).max);
        vm.prank(payer);
        payments.deposit(amount);
    }

    function _sign(uint256 key, IPayments.Voucher memory voucher) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, payments.hashVoucher(voucher));
        return abi.encodePacked(r, s, v);
    }

    function _redeem(uint256 key, IPayments.Voucher memory voucher) internal {
        payments.redeem(voucher, _sign(key, voucher));
    }

    // ================================================================ Payments

    function test_gas_redeem() public {
        payments.redeem(redeemVoucher, redeemSig);
        uint256 gasUsed = vm.snapshotGasLastCall("Payments", "redeem");
        vm.assertEq(payments.paid(redeemVoucher.payer, provider, MODEL), 25 ether);
        vm.assertLt(gasUsed, REDEEM_BUDGET);
    }

    function test_gas_redeem_firstRedemption() public {
        payments.redeem(firstVoucher, firstSig);
        vm.snapshotGasLastCall("Payments", "redeem_firstRedemption");
        vm.assertEq(payments.paid(firstVoucher.payer, freshProvider, MODEL), 10 ether);
    }

    function test_gas_redeemBatch_10channels() public {
        payments.redeemBatch(batch);
        uint256 gasUsed = vm.snapshotGasLastCall("Payments", "redeemBatch_10channels");
        vm.assertEq(token.balanceOf(batchProvider), 30 ether * 75 / 100);
        vm.assertLt(gasUsed / CHANNELS, BATCH_BUDGET_PER_CHANNEL);
    }

    function test_gas_deposit() public {
        vm.prank(depositor);
        payments.deposit(10 ether);
        vm.snapshotGasLastCall("Payments", "deposit");
        vm.assertEq(payments.balanceOf(depositor), 20 ether);
    }

    // ================================================================ Registry

    function test_gas_stake() public {
        vm.prank(staker);
        registry.stake(1000 ether);
        vm.snapshotGasLastCall("Registry", "stake");
        (, uint256 staked,,) = registry.stakeOf(staker);
        vm.assertEq(staked, 1000 ether);
    }

    function test_gas_registerProvider() public {
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](2);
        offers[0] = IRegistry.Offer(MODEL, 100e18, 200e18);
        offers[1] = IRegistry.Offer(keccak256("mistral-7b-q4.gguf"), 300e18, 600e18);
        IRegistry.Hardware memory hardware = IRegistry.Hardware("NVIDIA RTX 4090", 1, 24_576, 16, 65_536);

        vm.prank(registrant);
        registry.registerProvider("https://provider.example:8443", "eu-west", hardware, offers);
        vm.snapshotGasLastCall("Registry", "registerProvider");
        vm.assertEq(registry.providerCount(), 1);
    }
}
