// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./Test.sol";
import {MeshToken} from "../../src/MeshToken.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {Payments} from "../../src/Payments.sol";
import {Registry} from "../../src/Registry.sol";
import {Uptime} from "../../src/Uptime.sol";
import {Disputes} from "../../src/Disputes.sol";
import {Emissions} from "../../src/Emissions.sol";
import {IDisputes} from "../../src/interfaces/IDisputes.sol";
import {IEmissions} from "../../src/interfaces/IEmissions.sol";
import {IPayments} from "../../src/interfaces/IPayments.sol";
import {IRegistry} from "../../src/interfaces/IRegistry.sol";

/// @notice The whole consensus deployment as deployContracts makes it (Disputes the Registry's slasher,
/// Emissions the MESH minter, each set once; the initial supply held by the owner, which hands it out),
/// with the deployment's default parameters, and helpers to register providers and validators, sign
/// receipts and vouchers, and move the clock by epochs.
abstract contract ConsensusBase is Test {
    uint256 internal constant BPS = 10_000;
    uint64 internal constant GENESIS = 1_750_000_000;
    uint64 internal constant EPOCH = 1 hours;
    uint256 internal constant MIN_STAKE = 1000 ether;
    uint256 internal constant MIN_VALIDATOR_STAKE = 1000 ether;
    uint16 internal constant BURN_BPS = 500;
    uint16 internal constant FLOOR = 8000;
    uint256 internal constant INITIAL_SUPPLY = 1e32;
    uint64 internal constant ROYALTY_DELAY = 25 hours;

    uint256 internal constant BOND = 100 ether;
    uint16 internal constant SLASH_BPS = 1000;
    uint16 internal constant REWARD_BPS = 5000;
    uint8 internal constant COMMITTEE = 3;
    uint8 internal constant DRAW_DELAY = 1;
    uint64 internal constant VOTING = 1 days;
    uint16 internal constant ABSENT_BPS = 100;

    uint256 internal constant EMISSION = 1000 ether;
    uint64 internal constant HALVING = 8760;
    uint16 internal constant AVAILABILITY_BPS = 4000;
    uint16 internal constant WORK_BPS = 4000;
    uint16 internal constant VALIDATOR_BPS = 2000;
    uint16 internal constant MAX_WORK_BPS = 250;
    uint64 internal constant CHALLENGE_EPOCHS = 1;

    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");
    /// @dev The canonical JSON of {kind, body} that a v2 requestHash covers.
    bytes internal constant REQUEST =
        bytes('{"body":{"messages":[{"content":"Hi","role":"user"}],"model":"tiny"},"kind":"chat"}');
    bytes internal constant RESPONSE = bytes("Hello! How can I help?");
    /// @dev keccak256 of the generated token ids, 4 bytes each ("Hello" in the tiny model's byte vocabulary).
    bytes32 internal constant TOKENS_HASH =
        keccak256(abi.encodePacked(uint32(75), uint32(104), uint32(111), uint32(111), uint32(114)));
    uint64 internal constant SERVED_AT = 1_767_225_600;

    MeshToken internal token;
    ModelRegistry internal models;
    Registry internal registry;
    Payments internal payments;
    Uptime internal uptime;
    Disputes internal disputes;
    Emissions internal emissions;

    address internal owner;
    address internal stranger;

    mapping(address account => uint256) internal keyOf;

    function setUp() public virtual {
        vm.warp(GENESIS);
        vm.roll(1000);
        owner = makeAddr("owner");
        stranger = makeAddr("stranger");
        _deploy();
    }

    function _deploy() internal {
        token = new MeshToken(owner, owner, INITIAL_SUPPLY);
        models = new ModelRegistry(owner, 2000, ROYALTY_DELAY);
        registry = new Registry(owner, token, MIN_STAKE, MIN_VALIDATOR_STAKE, 7 days, 16);
        payments = new Payments(owner, token, models, BURN_BPS, 1 days, GENESIS, EPOCH);
        uptime = new Uptime(owner, registry, GENESIS, EPOCH, FLOOR);
        disputes = new Disputes(owner, token, registry, address(payments), GENESIS, EPOCH, _params());
        emissions = new Emissions(owner, token, registry, uptime, payments, disputes, GENESIS, EPOCH, _schedule());
        vm.startPrank(owner);
        token.setMinter(address(emissions));
        registry.setSlasher(address(disputes));
        vm.stopPrank();
        vm.label(address(token), "MESH");
        vm.label(address(registry), "Registry");
        vm.label(address(payments), "Payments");
        vm.label(address(uptime), "Uptime");
        vm.label(address(disputes), "Disputes");
        vm.label(address(emissions), "Emissions");
    }

    function _params() internal pure returns (IDisputes.Params memory) {
        return IDisputes.Params({
            challengerBond: BOND,
            slashBps: SLASH_BPS,
            challengerRewardBps: REWARD_BPS,
            committeeSize: COMMITTEE,
            drawDelay: DRAW_DELAY,
            votingPeriod: VOTING,
            absentSlashBps: ABSENT_BPS
        });
    }

    function _schedule() internal pure returns (IEmissions.Schedule memory) {
        return IEmissions.Schedule({
            initialEmission: EMISSION,
            halvingEpochs: HALVING,
            availabilityBps: AVAILABILITY_BPS,
            workBps: WORK_BPS,
            validatorBps: VALIDATOR_BPS,
            maxWorkRewardBps: MAX_WORK_BPS,
            challengeEpochs: CHALLENGE_EPOCHS
        });
    }

    // ------------------------------------------------------------- accounts

    /// @dev Hands `amount` of the owner's initial supply to `to` (only Emissions can mint).
    function _give(address to, uint256 amount) internal {
        vm.prank(owner);
        token.transfer(to, amount);
    }

    function _stake(address account, uint256 amount) internal {
        _give(account, amount);
        vm.startPrank(account);
        token.approve(address(registry), amount);
        registry.stake(amount);
        vm.stopPrank();
    }

    function _provider(string memory name, uint256 amount) internal returns (address account) {
        uint256 key;
        (account, key) = makeAddrAndKey(name);
        keyOf[account] = key;
        _stake(account, amount);
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](1);
        offers[0] = IRegistry.Offer(MODEL, 1 ether, 2 ether);
        vm.prank(account);
        registry.registerProvider(
            "https://provider.example", "eu-west", IRegistry.Hardware("RTX 4090", 1, 24_576, 16, 65_536), offers
        );
    }

    function _validator(string memory name, uint256 amount) internal returns (address account) {
        uint256 key;
        (account, key) = makeAddrAndKey(name);
        keyOf[account] = key;
        _stake(account, amount);
        vm.prank(account);
        registry.registerValidator("https://validator.example");
    }

    /// @dev An account holding `amount` MESH that Disputes may pull (a challenger).
    function _challenger(string memory name, uint256 amount) internal returns (address account) {
        account = makeAddr(name);
        _give(account, amount);
        vm.prank(account);
        token.approve(address(disputes), type(uint256).max);
    }

    // -------------------------------------------------------------- receipts

    function _receipt(address provider, uint256 cumulativeAmount) internal returns (IDisputes.Receipt memory) {
        return IDisputes.Receipt({
            requestHash: keccak256(REQUEST),
            responseHash: keccak256(RESPONSE),
            tokensHash: TOKENS_HASH,
            modelId: MODEL,
            payer: makeAddr("payer"),
            provider: provider,
            inputTokens: 12,
            outputTokens: 7,
            servedAt: SERVED_AT,
            cost: 1 ether,
            cumulativeAmount: cumulativeAmount
        });
    }

    function _signReceipt(uint256 key, IDisputes.Receipt memory receipt) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, disputes.hashReceipt(receipt));
        return abi.encodePacked(r, s, v);
    }

    /// @dev Opens a dispute by `challenger` over a receipt of `provider` with `cumulativeAmount`.
    function _open(address challenger, address provider, uint256 cumulativeAmount) internal returns (uint256 id) {
        IDisputes.Receipt memory receipt = _receipt(provider, cumulativeAmount);
        bytes memory signature = _signReceipt(keyOf[provider], receipt);
        vm.prank(challenger);
        id = disputes.openDispute(receipt, signature, REQUEST, RESPONSE);
    }

    function _draw(uint256 id) internal {
        vm.roll(block.number + DRAW_DELAY + 1);
        disputes.drawCommittee(id);
    }

    function _voteAll(uint256 id, bool guilty) internal {
        address[] memory members = disputes.committeeOf(id);
        for (uint256 i; i < members.length; ++i) {
            vm.prank(members[i]);
            disputes.vote(id, guilty);
        }
    }

    // --------------------------------------------------------------- clock

    function _warpToEpoch(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + uint256(epoch) * EPOCH + 1);
    }

    function _stakeOf(address account) internal view returns (uint256 staked, uint256 unbonding) {
        (, staked, unbonding,) = registry.stakeOf(account);
    }

    // -------------------------------------------------------------- payments

    /// @dev A payer deposits and allocates `amount` to `provider`, which redeems a voucher for it now
    /// (credits its work and burn).
    function _work(string memory payerName, address provider, uint256 amount) internal {
        (address payer, uint256 key) = makeAddrAndKey(payerName);
        _give(payer, amount);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider, amount);
        vm.startPrank(payer);
        token.approve(address(payments), amount);
        payments.depositAndAllocate(amount, allocations);
        vm.stopPrank();
        IPayments.Voucher memory voucher =
            IPayments.Voucher(payer, provider, MODEL, payments.paid(payer, provider, MODEL) + amount);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, payments.hashVoucher(voucher));
        payments.redeem(voucher, abi.encodePacked(r, s, v));
    }
}
