// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./ConsensusBase.sol";
import {JobCoordinator} from "../../src/JobCoordinator.sol";
import {JobProviders} from "../../src/JobProviders.sol";
import {InferMeshConsumer} from "../../src/InferMeshConsumer.sol";
import {IJobCoordinator} from "../../src/interfaces/IJobCoordinator.sol";
import {IDisputes} from "../../src/interfaces/IDisputes.sol";
import {IRegistry} from "../../src/interfaces/IRegistry.sol";

/// @notice ConsensusBase with a JobCoordinator on the same Registry, Payments and Disputes (as
/// deployContracts wires it), MODEL registered in the ModelRegistry with a 10% royalty in force, and
/// helpers to enroll providers, request, assign, deliver (receipts signed by the provider's key) and settle.
abstract contract JobsBase is ConsensusBase {
    uint256 internal constant JOB_BOND = 10 ether;
    uint256 internal constant MISS_PENALTY = 1 ether;
    uint64 internal constant RESPONSE_WINDOW = 10 minutes;
    uint8 internal constant JOB_DRAW_DELAY = 1;
    uint8 internal constant MAX_ATTEMPTS = 4;
    uint16 internal constant ROYALTY_BPS = 1000;
    /// @dev The offer `_provider` makes: 1 MESH per million input tokens, 2 per million output tokens.
    uint256 internal constant PRICE_IN = 1 ether;
    uint256 internal constant PRICE_OUT = 2 ether;
    uint256 internal constant MAX_PAYMENT = 0.01 ether;
    uint64 internal constant TTL = 1 hours;
    bytes internal constant INPUT = bytes('[{"content":"What is 2+2?","role":"user"}]');
    bytes internal constant OUTPUT = bytes("4");

    JobCoordinator internal coordinator;
    JobProviders internal jobProviders;
    address internal author;
    address internal royaltyReceiver;
    address internal requester;

    function setUp() public virtual override {
        super.setUp();
        coordinator = new JobCoordinator(owner, registry, payments, disputes, _jobParams());
        jobProviders = coordinator.providers();
        vm.label(address(coordinator), "JobCoordinator");
        author = makeAddr("author");
        royaltyReceiver = makeAddr("royaltyReceiver");
        vm.prank(author);
        models.register(MODEL, "tinyllama", "ipfs://tinyllama", ROYALTY_BPS, royaltyReceiver);
        // A new model's royalty applies after the increase delay.
        vm.warp(block.timestamp + ROYALTY_DELAY + 1);
        requester = makeAddr("requester");
        _give(requester, 1000 ether);
        vm.prank(requester);
        token.approve(address(coordinator), type(uint256).max);
    }

    function _jobParams() internal pure returns (IJobCoordinator.Params memory) {
        return IJobCoordinator.Params({
            drawDelay: JOB_DRAW_DELAY,
            responseWindow: RESPONSE_WINDOW,
            jobBond: JOB_BOND,
            missPenalty: MISS_PENALTY,
            maxAttempts: MAX_ATTEMPTS
        });
    }

    /// @dev A registered provider (ConsensusBase's offer for MODEL) enrolled for MODEL with JOB_BOND posted.
    function _jobProvider(string memory name, uint256 stake) internal returns (address account) {
        account = _provider(name, stake);
        _enroll(account);
    }

    function _enroll(address account) internal {
        _give(account, JOB_BOND);
        bytes32[] memory modelIds = new bytes32[](1);
        modelIds[0] = MODEL;
        vm.startPrank(account);
        token.approve(address(coordinator), JOB_BOND);
        coordinator.enroll(modelIds, JOB_BOND);
        vm.stopPrank();
    }

    function _jobRequest(uint256 maxPayment, uint32 callbackGas)
        internal
        pure
        returns (IJobCoordinator.JobRequest memory)
    {
        return IJobCoordinator.JobRequest({
            modelId: MODEL,
            input: INPUT,
            maxTokens: 16,
            temperatureMilli: 0,
            seed: 42,
            maxPayment: maxPayment,
            callbackGasLimit: callbackGas,
            ttl: TTL
        });
    }

    /// @dev `from` (which approved the coordinator) requests the default job.
    function _request(address from, uint256 maxPayment, uint32 callbackGas) internal returns (uint256 jobId) {
        vm.prank(from);
        jobId = coordinator.request(_jobRequest(maxPayment, callbackGas));
    }

    /// @dev Rolls past the job's draw block and assigns it; returns the provider (zero when the draw found none).
    function _assign(uint256 jobId) internal returns (address) {
        uint64 drawBlock = coordinator.getJob(jobId).drawBlock;
        if (block.number <= drawBlock) vm.roll(drawBlock + 1);
        coordinator.assign(jobId);
        return coordinator.getJob(jobId).provider;
    }

    /// @dev The receipt the assigned provider signs for `output` with these token counts, served now.
    function _jobReceipt(uint256 jobId, bytes memory output, uint64 inputTokens, uint64 outputTokens)
        internal
        view
        returns (IDisputes.Receipt memory receipt)
    {
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        uint256 micro = uint256(inputTokens) * job.pricePerMInput + uint256(outputTokens) * job.pricePerMOutput;
        uint256 cost = micro == 0 ? 0 : (micro - 1) / 1e6 + 1;
        receipt = IDisputes.Receipt({
            requestHash: job.requestHash,
            responseHash: keccak256(output),
            tokensHash: TOKENS_HASH,
            modelId: job.modelId,
            payer: address(coordinator),
            provider: job.provider,
            inputTokens: inputTokens,
            outputTokens: outputTokens,
            servedAt: uint64(block.timestamp),
            cost: cost,
            cumulativeAmount: cost
        });
    }

    /// @dev The assigned provider delivers `output` with a receipt for 20 input and 1 output tokens.
    function _deliver(uint256 jobId, bytes memory output) internal returns (IDisputes.Receipt memory receipt) {
        receipt = _jobReceipt(jobId, output, 20, 1);
        _deliverReceipt(jobId, output, receipt);
    }

    function _deliverReceipt(uint256 jobId, bytes memory output, IDisputes.Receipt memory receipt) internal {
        bytes memory signature = _signReceipt(keyOf[receipt.provider], receipt);
        vm.prank(receipt.provider);
        coordinator.deliver(jobId, output, receipt, signature);
    }

    /// @dev Moves the clock past the delivered job's dispute window and settles it.
    function _settle(uint256 jobId) internal {
        uint64 servedAt = coordinator.getJob(jobId).servedAt;
        if (block.timestamp <= servedAt + DISPUTE_WINDOW) vm.warp(servedAt + DISPUTE_WINDOW + 1);
        coordinator.settle(jobId);
    }

    function _cost(uint256 inputTokens, uint256 outputTokens) internal pure returns (uint256) {
        uint256 micro = inputTokens * PRICE_IN + outputTokens * PRICE_OUT;
        return micro == 0 ? 0 : (micro - 1) / 1e6 + 1;
    }

    /// @dev burned (rounded up), royalty (rounded down) and provider share of `amount`, as Payments splits it.
    function _split(uint256 amount) internal pure returns (uint256 burned, uint256 royalty, uint256 toProvider) {
        burned = (amount * BURN_BPS + BPS - 1) / BPS;
        royalty = amount * ROYALTY_BPS / BPS;
        toProvider = amount - burned - royalty;
    }
}

/// @notice A consumer whose callback behaves as told: store the output, revert, burn all its gas, return
/// a huge return value, or re-enter the coordinator.
contract TestConsumer is InferMeshConsumer {
    enum Mode {
        Store,
        Revert,
        BurnGas,
        ReturnBomb,
        ReenterSettle,
        ReenterDeliver,
        ReenterCancel
    }

    Mode public mode;
    uint256 public calls;
    uint256 public lastJobId;
    bytes public lastOutput;
    bytes32 public lastResponseHash;
    uint256 public gasAtEntry;
    bool public reentryFailed;

    constructor(IJobCoordinator coordinator_) InferMeshConsumer(coordinator_) {}

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function requestJob(IJobCoordinator.JobRequest calldata job) external returns (uint256) {
        return _requestInference(
            job.modelId,
            job.input,
            job.maxTokens,
            job.temperatureMilli,
            job.seed,
            job.maxPayment,
            job.callbackGasLimit,
            job.ttl
        );
    }

    function _onInferenceResult(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt)
        internal
        override
    {
        gasAtEntry = gasleft();
        Mode m = mode;
        if (m == Mode.Revert) revert("consumer says no");
        if (m == Mode.BurnGas) {
            while (true) {}
        }
        if (m == Mode.ReturnBomb) {
            assembly {
                return(0, 200000)
            }
        }
        if (m == Mode.ReenterSettle || m == Mode.ReenterDeliver || m == Mode.ReenterCancel) {
            bytes memory call_;
            if (m == Mode.ReenterSettle) call_ = abi.encodeCall(IJobCoordinator.settle, (jobId));
            else if (m == Mode.ReenterCancel) call_ = abi.encodeCall(IJobCoordinator.cancel, (jobId));
            else call_ = abi.encodeCall(IJobCoordinator.deliver, (jobId, output, receipt, ""));
            (bool ok,) = address(coordinator).call(call_);
            reentryFailed = !ok;
        }
        calls += 1;
        lastJobId = jobId;
        lastOutput = output;
        lastResponseHash = receipt.responseHash;
    }
}
