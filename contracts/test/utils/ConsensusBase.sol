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
    /// @dev Short phases (the epoch is an hour) so that a whole vote fits in the epoch it starts in.
    uint64 internal constant COMMIT_PERIOD = 10 minutes;
    uint64 internal constant REVEAL_PERIOD = 10 minutes;
    uint16 internal constant ABSENT_BPS = 100;
    uint64 internal constant DISPUTE_WINDOW = 2 hours;
    uint8 internal constant MAX_ROUNDS = 3;
    uint64 internal constant UNBONDING = 7 days;

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

    /// @dev Block 1000 at genesis time, then the whole deployment.
    function setUp() public virtual {
        vm.warp(GENESIS);
        vm.roll(1000);
        owner = makeAddr("owner");
        stranger = makeAddr("stranger");
        _deploy();
    }

    /// @dev Deploys every contract with the defaults below and wires slasher and minter as deployContracts does.
    function _deploy() internal {
        token = new MeshToken(owner, owner, INITIAL_SUPPLY);
        models = new ModelRegistry(owner, 2000, ROYALTY_DELAY);
        registry = new Registry(owner, token, MIN_STAKE, MIN_VALIDATOR_STAKE, UNBONDING, 16);
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

    /// @dev The dispute parameters of these tests (minUnbondingPeriod 3 hours, below the 7-day unbonding).
    function _params() internal pure returns (IDisputes.Params memory) {
        return IDisputes.Params({
            challengerBond: BOND,
            slashBps: SLASH_BPS,
            challengerRewardBps: REWARD_BPS,
            committeeSize: COMMITTEE,
            drawDelay: DRAW_DELAY,
            commitPeriod: COMMIT_PERIOD,
            revealPeriod: REVEAL_PERIOD,
            absentSlashBps: ABSENT_BPS,
            disputeWindow: DISPUTE_WINDOW,
            maxRounds: MAX_ROUNDS
        });
    }

    /// @dev The emission schedule of these tests.
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

    /// @dev Gives `account` `amount` MESH and stakes it.
    function _stake(address account, uint256 amount) internal {
        _give(account, amount);
        vm.startPrank(account);
        token.approve(address(registry), amount);
        registry.stake(amount);
        vm.stopPrank();
    }

    /// @dev A registered provider with `amount` staked and an offer for MODEL; its key signs its receipts.
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

    /// @dev A registered validator with `amount` staked that declared MODEL (drawn for MODEL's disputes).
    function _validator(string memory name, uint256 amount) internal returns (address account) {
        bytes32[] memory modelIds = new bytes32[](1);
        modelIds[0] = MODEL;
        account = _validatorWithModels(name, amount, modelIds);
    }

    /// @dev A registered validator with `amount` staked that declared `modelIds` (none when empty).
    function _validatorWithModels(string memory name, uint256 amount, bytes32[] memory modelIds)
        internal
        returns (address account)
    {
        uint256 key;
        (account, key) = makeAddrAndKey(name);
        keyOf[account] = key;
        _stake(account, amount);
        vm.startPrank(account);
        registry.registerValidator("https://validator.example");
        if (modelIds.length != 0) registry.setValidatorModels(modelIds);
        vm.stopPrank();
    }

    /// @dev An account holding `amount` MESH that Disputes may pull (a challenger).
    function _challenger(string memory name, uint256 amount) internal returns (address account) {
        account = makeAddr(name);
        _give(account, amount);
        vm.prank(account);
        token.approve(address(disputes), type(uint256).max);
    }

    // -------------------------------------------------------------- receipts

    /// @dev The payer every test receipt names (it signs the samples that assign challengers).
    function _payer() internal returns (address account, uint256 key) {
        (account, key) = makeAddrAndKey("payer");
    }

    /// @dev A receipt of `provider` served now (inside the dispute window); `cumulativeAmount` makes it unique.
    function _receipt(address provider, uint256 cumulativeAmount) internal returns (IDisputes.Receipt memory) {
        (address payer,) = _payer();
        return IDisputes.Receipt({
            requestHash: keccak256(REQUEST),
            responseHash: keccak256(RESPONSE),
            tokensHash: TOKENS_HASH,
            modelId: MODEL,
            payer: payer,
            provider: provider,
            inputTokens: 12,
            outputTokens: 7,
            servedAt: uint64(block.timestamp),
            cost: 1 ether,
            cumulativeAmount: cumulativeAmount
        });
    }

    /// @dev `key`'s 65-byte signature of the receipt's EIP-712 digest (Payments domain).
    function _signReceipt(uint256 key, IDisputes.Receipt memory receipt) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, disputes.hashReceipt(receipt));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The payer's sample signature sending `receipt` to `validator` (the assignment, F6).
    function _signSample(IDisputes.Receipt memory receipt, address validator, uint64 issuedAt)
        internal
        returns (bytes memory)
    {
        (, uint256 key) = _payer();
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, disputes.hashSample(disputes.hashReceipt(receipt), validator, issuedAt));
        return abi.encodePacked(r, s, v);
    }

    /// @dev Opens a dispute by `challenger` (not assigned) over a receipt of `provider` with `cumulativeAmount`,
    /// in the next block: the draw's snapshot is the block before the opening, so everything set up so far
    /// (validators registered, models declared) counts in it.
    function _open(address challenger, address provider, uint256 cumulativeAmount) internal returns (uint256 id) {
        vm.roll(block.number + 1);
        IDisputes.Receipt memory receipt = _receipt(provider, cumulativeAmount);
        bytes memory signature = _signReceipt(keyOf[provider], receipt);
        vm.prank(challenger);
        id = disputes.openDispute(receipt, signature, REQUEST, RESPONSE, 0, "");
    }

    /// @dev As `_open`, with `challenger` assigned by the payer's sample signature.
    function _openAssigned(address challenger, address provider, uint256 cumulativeAmount)
        internal
        returns (uint256 id)
    {
        vm.roll(block.number + 1);
        IDisputes.Receipt memory receipt = _receipt(provider, cumulativeAmount);
        bytes memory signature = _signReceipt(keyOf[provider], receipt);
        bytes memory sample = _signSample(receipt, challenger, uint64(block.timestamp));
        vm.prank(challenger);
        id = disputes.openDispute(receipt, signature, REQUEST, RESPONSE, uint64(block.timestamp), sample);
    }

    /// @dev Draws the current round's committee at the first block that may draw it.
    function _draw(uint256 id) internal {
        uint64 drawBlock = disputes.getDispute(id).drawBlock;
        if (block.number <= drawBlock) vm.roll(drawBlock + 1);
        disputes.drawCommittee(id);
    }

    /// @dev The salt a member uses in tests (the real agent derives it from its key, id and round).
    function _salt(address member, uint256 id, uint8 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", member, id, round));
    }

    /// @dev `member` commits `guilty` in the dispute's current round.
    function _commit(uint256 id, address member, bool guilty) internal {
        uint8 round = disputes.getDispute(id).round;
        bytes32 commitment = disputes.voteCommitment(id, round, member, guilty, _salt(member, id, round));
        vm.prank(member);
        disputes.commitVote(id, commitment);
    }

    /// @dev `member` reveals `guilty` (as committed by _commit); the clock must be in the reveal phase.
    function _reveal(uint256 id, address member, bool guilty) internal {
        uint8 round = disputes.getDispute(id).round;
        vm.prank(member);
        disputes.revealVote(id, guilty, _salt(member, id, round));
    }

    /// @dev Moves the clock to the start of the current round's reveal phase.
    function _toReveal(uint256 id) internal {
        uint64 commitEnds = disputes.getDispute(id).commitEnds;
        if (block.timestamp < commitEnds) vm.warp(commitEnds);
    }

    /// @dev Moves the clock to the end of the current round's reveal phase (resolvable whatever was revealed).
    function _toRevealEnd(uint256 id) internal {
        uint64 revealEnds = disputes.getDispute(id).revealEnds;
        if (block.timestamp < revealEnds) vm.warp(revealEnds);
    }

    /// @dev In the current round, the first `guilty` members vote guilty, the next `innocent` vote innocent
    /// (commit and reveal), the others stay absent; the clock ends at the reveal phase's end when anyone is
    /// absent (so that the round can be resolved), else in the reveal phase.
    function _castRound(uint256 id, uint256 guilty, uint256 innocent) internal returns (address[] memory members) {
        members = disputes.committeeOfRound(id, disputes.getDispute(id).round);
        require(guilty + innocent <= members.length, "more votes than members");
        for (uint256 i; i < guilty + innocent; ++i) {
            _commit(id, members[i], i < guilty);
        }
        _toReveal(id);
        for (uint256 i; i < guilty + innocent; ++i) {
            _reveal(id, members[i], i < guilty);
        }
        if (guilty + innocent < members.length) _toRevealEnd(id);
    }

    /// @dev Every member of the current round commits and reveals `guilty` (the clock moves to the reveal phase).
    function _voteAll(uint256 id, bool guilty) internal {
        address[] memory members = disputes.committeeOfRound(id, disputes.getDispute(id).round);
        for (uint256 i; i < members.length; ++i) {
            _commit(id, members[i], guilty);
        }
        _toReveal(id);
        for (uint256 i; i < members.length; ++i) {
            _reveal(id, members[i], guilty);
        }
    }

    // --------------------------------------------------------------- clock

    /// @dev One second into `epoch`.
    function _warpToEpoch(uint64 epoch) internal {
        vm.warp(uint256(GENESIS) + uint256(epoch) * EPOCH + 1);
    }

    /// @dev `account`'s stake and unbonding stake.
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
