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
/// its test makes to the contracts, finds storage cold as a real transaction would. Figures are the gas of
/// the call itself (forge's snapshotGasLastCall), without the 21,000 of a transaction and its calldata.
///
/// Targets (issue 11): `redeem` <= 80,000 including a provider's first redemption of an epoch;
/// `redeemBatch` of 10 <= 30,000 per channel in the same cold case. The network's first redemption of an
/// epoch also archives the previous epoch's total work (one more fresh slot); it is recorded, not targeted.
contract PaymentsGasTest is Test {
    uint256 internal constant REDEEM_BUDGET = 80_000;
    uint256 internal constant BATCH_BUDGET_PER_CHANNEL = 30_000;
    uint256 internal constant CHANNELS = 10;
    uint64 internal constant GENESIS = 1;
    uint64 internal constant EPOCH_LENGTH = 1 hours;
    /// @dev The epochs of setUp: channels are opened in EPOCH_A, the measured calls run in EPOCH_B.
    uint64 internal constant EPOCH_A = 100;
    uint64 internal constant EPOCH_B = 101;

    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");

    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;
    Registry internal registry;

    address internal owner;
    address internal provider;
    address internal epochProvider;
    address internal freshProvider;
    address internal batchProvider;
    address internal warmBatchProvider;
    address internal staker;
    address internal registrant;
    address internal depositor;
    address[] internal allocationProviders;

    IPayments.Voucher internal redeemVoucher;
    bytes internal redeemSig;
    IPayments.Voucher internal epochVoucher;
    bytes internal epochSig;
    IPayments.Voucher internal firstVoucher;
    bytes internal firstSig;
    IPayments.SignedVoucher[] internal batch;
    IPayments.SignedVoucher[] internal warmBatch;

    function setUp() public {
        owner = makeAddr("owner");
        provider = makeAddr("provider");
        epochProvider = makeAddr("epochProvider");
        freshProvider = makeAddr("freshProvider");
        batchProvider = makeAddr("batchProvider");
        warmBatchProvider = makeAddr("warmBatchProvider");
        staker = makeAddr("staker");
        registrant = makeAddr("registrant");
        depositor = makeAddr("depositor");
        address royaltyReceiver = makeAddr("royaltyReceiver");
        for (uint256 i; i < CHANNELS; ++i) {
            allocationProviders.push(makeAddr(string(abi.encodePacked("allocationProvider", bytes1(uint8(0x30 + i))))));
        }

        token = new MeshToken(owner, owner, 1e9 ether);
        models = new ModelRegistry(owner, 2000, 25 hours);
        payments = new Payments(owner, token, models, 1000, 1 days, GENESIS, EPOCH_LENGTH);
        registry = new Registry(owner, token, 1000 ether, 1000 ether, 7 days, 16);
        vm.prank(royaltyReceiver);
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", 1500, royaltyReceiver);

        // Channels open in EPOCH_A (the 15% royalty is in force by then).
        _warpTo(EPOCH_A);
        (address payer, uint256 payerKey) = _payer("payer", 1000 ether);
        address[] memory payerProviders = new address[](3);
        (payerProviders[0], payerProviders[1], payerProviders[2]) = (provider, epochProvider, freshProvider);
        _allocate(payer, payerProviders, 300 ether);
        _redeem(payerKey, IPayments.Voucher(payer, provider, MODEL, 10 ether));
        _redeem(payerKey, IPayments.Voucher(payer, epochProvider, MODEL, 10 ether));
        for (uint256 i; i < CHANNELS; ++i) {
            (address p, uint256 key) =
                _payer(string(abi.encodePacked("batchPayer", bytes1(uint8(0x30 + i)))), 100 ether);
            address[] memory both = new address[](2);
            (both[0], both[1]) = (batchProvider, warmBatchProvider);
            _allocate(p, both, 50 ether);
            _redeem(key, IPayments.Voucher(p, batchProvider, MODEL, 1 ether));
            _redeem(key, IPayments.Voucher(p, warmBatchProvider, MODEL, 1 ether));
            IPayments.Voucher memory v = IPayments.Voucher(p, batchProvider, MODEL, 3 ether);
            batch.push(IPayments.SignedVoucher(v, _sign(key, v)));
            v = IPayments.Voucher(p, warmBatchProvider, MODEL, 3 ether);
            warmBatch.push(IPayments.SignedVoucher(v, _sign(key, v)));
        }

        // EPOCH_B: the network, `provider` and `warmBatchProvider` have redeemed in it already;
        // `epochProvider` and `batchProvider` have not.
        _warpTo(EPOCH_B);
        _redeem(payerKey, IPayments.Voucher(payer, provider, MODEL, 20 ether));
        for (uint256 i; i < CHANNELS; ++i) {
            (address p, uint256 key) = makeAddrAndKey(string(abi.encodePacked("batchPayer", bytes1(uint8(0x30 + i)))));
            _redeem(key, IPayments.Voucher(p, warmBatchProvider, MODEL, 2 ether));
        }
        redeemVoucher = IPayments.Voucher(payer, provider, MODEL, 35 ether);
        redeemSig = _sign(payerKey, redeemVoucher);
        epochVoucher = IPayments.Voucher(payer, epochProvider, MODEL, 25 ether);
        epochSig = _sign(payerKey, epochVoucher);
        // A fresh channel to a provider that holds no MESH and never redeemed.
        firstVoucher = IPayments.Voucher(payer, freshProvider, MODEL, 10 ether);
        firstSig = _sign(payerKey, firstVoucher);

        // deposit: a payer topping up an existing deposit; allocate: ten new allocations.
        vm.prank(owner);
        token.transfer(depositor, 1000 ether);
        vm.prank(depositor);
        token.approve(address(payments), type(uint256).max);
        vm.prank(depositor);
        payments.deposit(100 ether);

        // stake: a first stake. registerProvider: an account that staked the minimum beforehand.
        vm.startPrank(owner);
        token.transfer(staker, 1000 ether);
        token.transfer(registrant, 1000 ether);
        vm.stopPrank();
        vm.prank(staker);
        token.approve(address(registry), type(uint256).max);
        vm.prank(registrant);
        token.approve(address(registry), type(uint256).max);
        vm.prank(registrant);
        registry.stake(1000 ether);
    }

    function _warpTo(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + uint256(epoch) * EPOCH_LENGTH + 60);
    }

    function _payer(string memory name, uint256 amount) internal returns (address payer, uint256 key) {
        (payer, key) = makeAddrAndKey(name);
        vm.prank(owner);
        token.transfer(payer, amount);
        vm.prank(payer);
        token.approve(address(payments), type(uint256).max);
        vm.prank(payer);
        payments.deposit(amount);
    }

    function _allocate(address payer, address[] memory providers, uint256 each) internal {
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](providers.length);
        for (uint256 i; i < providers.length; ++i) {
            allocations[i] = IPayments.Allocation(providers[i], each);
        }
        vm.prank(payer);
        payments.allocate(allocations);
    }

    function _allocations(uint256 each) internal view returns (IPayments.Allocation[] memory allocations) {
        allocations = new IPayments.Allocation[](CHANNELS);
        for (uint256 i; i < CHANNELS; ++i) {
            allocations[i] = IPayments.Allocation(allocationProviders[i], each);
        }
    }

    function _sign(uint256 key, IPayments.Voucher memory voucher) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, payments.hashVoucher(voucher));
        return abi.encodePacked(r, s, v);
    }

    function _redeem(uint256 key, IPayments.Voucher memory voucher) internal {
        payments.redeem(voucher, _sign(key, voucher));
    }

    // ================================================================ Payments

    /// @notice The provider redeemed in this epoch already.
    function test_gas_redeem() public {
        payments.redeem(redeemVoucher, redeemSig);
        uint256 gasUsed = vm.snapshotGasLastCall("Payments", "redeem");
        vm.assertEq(payments.paid(redeemVoucher.payer, provider, MODEL), 35 ether);
        vm.assertLe(gasUsed, REDEEM_BUDGET);
    }

    /// @notice The provider's first redemption of the epoch (its work record for the epoch is new).
    function test_gas_redeem_firstOfEpoch() public {
        payments.redeem(epochVoucher, epochSig);
        uint256 gasUsed = vm.snapshotGasLastCall("Payments", "redeem_firstOfEpoch");
        vm.assertEq(payments.workOf(EPOCH_B, epochProvider), 15 ether);
        vm.assertLe(gasUsed, REDEEM_BUDGET);
    }

    /// @notice The network's first redemption of a new epoch: also archives the last epoch's total work.
    function test_gas_redeem_firstOfEpochInNetwork() public {
        _warpTo(EPOCH_B + 1);
        payments.redeem(epochVoucher, epochSig);
        vm.snapshotGasLastCall("Payments", "redeem_firstOfEpochInNetwork");
        vm.assertEq(payments.totalWork(EPOCH_B + 1), 15 ether);
        vm.assertEq(payments.totalWork(EPOCH_B), 10 ether + CHANNELS * 1 ether);
    }

    /// @notice A new channel to a provider that holds no MESH yet and never redeemed.
    function test_gas_redeem_firstRedemption() public {
        payments.redeem(firstVoucher, firstSig);
        vm.snapshotGasLastCall("Payments", "redeem_firstRedemption");
        vm.assertEq(payments.paid(firstVoucher.payer, freshProvider, MODEL), 10 ether);
    }

    /// @notice Ten payers, one provider, every channel redeemed before; the provider's first
    /// redemption of the epoch.
    function test_gas_redeemBatch_10channels_firstOfEpoch() public {
        payments.redeemBatch(batch);
        uint256 gasUsed = vm.snapshotGasLastCall("Payments", "redeemBatch_10channels_firstOfEpoch");
        vm.assertEq(payments.workOf(EPOCH_B, batchProvider), CHANNELS * 2 ether);
        vm.assertLe(gasUsed / CHANNELS, BATCH_BUDGET_PER_CHANNEL);
    }

    /// @notice The same, for a provider that redeemed in this epoch already.
    function test_gas_redeemBatch_10channels() public {
        payments.redeemBatch(warmBatch);
        uint256 gasUsed = vm.snapshotGasLastCall("Payments", "redeemBatch_10channels");
        vm.assertEq(payments.workOf(EPOCH_B, warmBatchProvider), CHANNELS * 2 ether);
        vm.assertLe(gasUsed / CHANNELS, BATCH_BUDGET_PER_CHANNEL);
    }

    function test_gas_deposit() public {
        vm.prank(depositor);
        payments.deposit(10 ether);
        vm.snapshotGasLastCall("Payments", "deposit");
        vm.assertEq(payments.balanceOf(depositor), 110 ether);
    }

    /// @notice Ten new allocations from an existing deposit in one transaction.
    function test_gas_allocate_10providers() public {
        IPayments.Allocation[] memory allocations = _allocations(5 ether);
        vm.prank(depositor);
        payments.allocate(allocations);
        vm.snapshotGasLastCall("Payments", "allocate_10providers");
        vm.assertEq(payments.balanceOf(depositor), 50 ether);
    }

    /// @notice A deposit and ten new allocations in one transaction.
    function test_gas_depositAndAllocate_10providers() public {
        IPayments.Allocation[] memory allocations = _allocations(10 ether);
        vm.prank(depositor);
        payments.depositAndAllocate(100 ether, allocations);
        vm.snapshotGasLastCall("Payments", "depositAndAllocate_10providers");
        vm.assertEq(payments.balanceOf(depositor), 100 ether);
    }

    function test_gas_flushBurn() public {
        payments.flushBurn();
        vm.snapshotGasLastCall("Payments", "flushBurn");
        vm.assertEq(payments.pendingBurn(), 0);
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
