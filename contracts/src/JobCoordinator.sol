// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IJobCoordinator, IInferMeshConsumerCallback} from "./interfaces/IJobCoordinator.sol";
import {IDisputes} from "./interfaces/IDisputes.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IPayments} from "./interfaces/IPayments.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {SignatureRule} from "./libraries/SignatureRule.sol";
import {JobCodec} from "./JobCodec.sol";
import {JobProviders} from "./JobProviders.sol";

/// @title JobCoordinator
/// @notice On-chain inference jobs with a callback. See IJobCoordinator. The limits of a request and the
/// receipt rules live in `codec` (JobCodec), the providers' bonds, enrollment and sortition trees in
/// `providers` (JobProviders): both deployed by this contract's constructor, so that its code fits 24 KiB.
/// @dev Invariants:
/// - token.balanceOf(this) == Σ maxPayment of jobs in Requested, Assigned or Delivered
///   + Σ remaining × template maxPayment of subscriptions + Σ bonds in `providers` (MESH sent here by
///   mistake only makes the left side larger). Every escrowed wei leaves once: to the provider through
///   `Payments.payFor` (split into burn, royalty and provider share) with the rest back to the requester
///   (settle), or whole back to the requester (expired, unassignable, guilty); a bond leaves as a miss
///   penalty to the requester of the missed job, or to its provider (`withdrawBond`).
/// - a job's status only moves Requested → Assigned → (back to Requested on decline or miss) → Delivered
///   → Settled | Refunded, or Requested/Assigned → Refunded; Settled and Refunded are final, so a job pays
///   or refunds once.
/// - `providers.openJobsOf(p)` == the number of jobs in Assigned naming p; p's bond leaves only at 0.
/// - a job's draw reads the trees as of `requestBlock - 1`, fixed before the request was mined, with a seed
///   from `blockhash(drawBlock)`, `drawBlock > requestBlock`: no stake or enrollment change made once the
///   seed is known moves the draw. A stale blockhash rearms the draw to a new future block.
/// Limits, accepted: the producer of `drawBlock` may withhold it to re-roll once (as in Disputes); a
/// weight is the Registry stake at the provider's last enroll/sync (anyone may `sync`), so stake withdrawn
/// since then counts until synced; an ineligible candidate only costs the draw a candidate. A job's
/// receipt names this contract as payer, which signs no samples: disputes over jobs are unassigned.
contract JobCoordinator is IJobCoordinator, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IMeshToken;

    /// @dev A subscription as stored: `getSubscription` adds its template from `_templates`.
    struct SubscriptionState {
        address requester;
        uint32 interval;
        uint32 remaining;
        uint64 nextBlock;
        bytes32 inputHash;
        uint256 maxPayment;
    }

    /// @notice Gas a delivery must hold beyond the callback's 64/63: the call's own cost and what follows.
    uint256 public constant CALLBACK_GAS_RESERVE = 20_000;

    IMeshToken private immutable _token;
    IRegistry private immutable _registry;
    IPayments private immutable _payments;
    IDisputes private immutable _disputes;
    IModelRegistry private immutable _models;
    /// @notice The request limits, request bytes and receipt rules.
    JobCodec public immutable codec;
    /// @notice The providers' bonds, enrollments and sortition trees.
    JobProviders public immutable providers;

    Params private _params;
    /// @inheritdoc IJobCoordinator
    uint256 public jobCount;
    /// @notice Subscriptions created so far (the highest id).
    uint256 public subscriptionCount;

    mapping(uint256 jobId => Job) private _jobs;
    /// @dev Providers that declined or missed the job: never drawn for it again.
    mapping(uint256 jobId => address[]) private _excluded;
    mapping(uint256 subscriptionId => SubscriptionState) private _subscriptions;
    /// @dev Each subscription's template, `abi.encode(JobRequest)` (cheaper in code than a struct with bytes).
    mapping(uint256 subscriptionId => bytes) private _templates;

    constructor(address owner_, IRegistry registry_, IPayments payments_, IDisputes disputes_, Params memory params_)
        Ownable(owner_)
    {
        if (address(registry_) == address(0) || address(payments_) == address(0) || address(disputes_) == address(0)) {
            revert ZeroAddress();
        }
        _registry = registry_;
        _payments = payments_;
        _disputes = disputes_;
        _token = IMeshToken(payments_.token());
        _models = IModelRegistry(payments_.modelRegistry());
        codec = new JobCodec();
        providers = new JobProviders(registry_);
        _setParams(params_);
        // Payments pulls what `payFor` pays; MESH does not spend an infinite allowance, so once is enough.
        _token.forceApprove(address(payments_), type(uint256).max);
    }

    // ------------------------------------------------------------ requesters

    /// @inheritdoc IJobCoordinator
    function request(JobRequest calldata job) external returns (uint256 jobId) {
        jobId = _createJob(msg.sender, job, _checkRequest(job), 0);
        _token.safeTransferFrom(msg.sender, address(this), job.maxPayment);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev Anyone may cancel: the escrow (and an assigned provider's miss penalty) always goes to the
    /// requester, so a consumer contract without a cancel of its own is never stuck.
    function cancel(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        Status status = job.status;
        if (status != Status.Requested && status != Status.Assigned) revert WrongStatus(jobId, status);
        uint64 deadline = job.deadline;
        if (block.timestamp <= deadline) revert DeadlineNotPassed(jobId, deadline);
        // Past the deadline, an assigned provider is past respondBy too: it missed.
        uint256 penalty = status == Status.Assigned ? _penalize(jobId, job) : 0;
        _refund(jobId, job, "expired", penalty);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev The first round can be triggered at once; each round escrows the template's maxPayment.
    function subscribe(JobRequest calldata template_, uint32 interval, uint32 count)
        external
        returns (uint256 subscriptionId)
    {
        _checkRequest(template_);
        codec.checkSubscription(interval, count);
        subscriptionId = ++subscriptionCount;
        _subscriptions[subscriptionId] = SubscriptionState(
            msg.sender, interval, count, uint64(block.number), keccak256(template_.input), template_.maxPayment
        );
        _templates[subscriptionId] = abi.encode(template_);
        emit SubscriptionCreated(subscriptionId, msg.sender, interval, count);
        // maxPayment <= JobCodec.MAX_PAYMENT (1e27) and count <= JobCodec.MAX_ROUNDS (10,000): no overflow.
        _token.safeTransferFrom(msg.sender, address(this), template_.maxPayment * count);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev The next round is due `interval` blocks after this trigger (a late trigger never lets rounds
    /// pile up). The round's escrow moves from the subscription to the job: no transfer.
    function trigger(uint256 subscriptionId) external returns (uint256 jobId) {
        SubscriptionState storage s = _subscription(subscriptionId);
        uint32 remaining = s.remaining;
        if (remaining == 0) revert NoRoundsLeft(subscriptionId);
        uint64 nextBlock = s.nextBlock;
        if (block.number < nextBlock) revert NotDue(subscriptionId, nextBlock);
        s.remaining = remaining - 1;
        s.nextBlock = uint64(block.number) + s.interval;
        JobRequest memory template_ = abi.decode(_templates[subscriptionId], (JobRequest));
        // The template passed the checks at subscribe; its hash is recomputed (the request bytes).
        jobId = _createJob(s.requester, template_, codec.checkRequest(template_), subscriptionId);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev Only the subscription's requester; the untriggered rounds' escrow goes back to it. Jobs already
    /// triggered run on.
    function cancelSubscription(uint256 subscriptionId) external nonReentrant {
        SubscriptionState storage s = _subscription(subscriptionId);
        address requester = s.requester;
        if (msg.sender != requester) revert NotRequester(subscriptionId, msg.sender);
        uint256 refund = uint256(s.remaining) * s.maxPayment;
        s.remaining = 0;
        emit SubscriptionCancelled(subscriptionId, refund);
        if (refund != 0) _token.safeTransfer(requester, refund);
    }

    // ----------------------------------------------------------------- anyone

    /// @inheritdoc IJobCoordinator
    /// @dev Draws JobProviders.DRAW_CANDIDATES candidates and assigns the first eligible one; none: the
    /// draw is rearmed to a new block, or, at the last attempt, the job is refunded (JobUnassignable).
    function assign(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        Status status = job.status;
        if (status != Status.Requested) revert WrongStatus(jobId, status);
        uint64 deadline = job.deadline;
        if (block.timestamp > deadline) revert DeadlinePassed(jobId, deadline);
        uint8 attempt = job.attempts;
        if (attempt >= _params.maxAttempts) {
            // Declines and misses used up the draws (or maxAttempts was lowered since).
            _unassignable(jobId, job, attempt);
            return;
        }
        uint64 drawBlock = job.drawBlock;
        if (block.number <= drawBlock) revert DrawNotReady(jobId, drawBlock);
        bytes32 hash = blockhash(drawBlock);
        if (hash == bytes32(0)) {
            // More than 256 blocks ago: never fall back to a block the caller can pick by timing.
            _rearm(jobId, job, true);
            return;
        }
        ++attempt;
        job.attempts = attempt;
        if (!_draw(jobId, job, keccak256(abi.encode(hash, jobId, attempt - 1)))) {
            if (attempt >= _params.maxAttempts) _unassignable(jobId, job, attempt);
            else _rearm(jobId, job, true);
        }
    }

    /// @inheritdoc IJobCoordinator
    /// @dev Refunds the job instead ("expired") when its deadline has come.
    function reassign(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        Status status = job.status;
        if (status != Status.Assigned) revert WrongStatus(jobId, status);
        uint64 respondBy = job.respondBy;
        if (block.timestamp <= respondBy) revert ResponseWindowOpen(jobId, respondBy);
        uint256 penalty = _penalize(jobId, job);
        if (block.timestamp >= job.deadline) {
            _refund(jobId, job, "expired", penalty);
            return;
        }
        job.status = Status.Requested;
        job.provider = address(0);
        _rearm(jobId, job, false);
        if (penalty != 0) _token.safeTransfer(job.requester, penalty);
    }

    /// @inheritdoc IJobCoordinator
    function settle(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        Status status = job.status;
        if (status != Status.Delivered) revert WrongStatus(jobId, status);
        uint64 endsAt = job.servedAt + _disputes.params().disputeWindow;
        // Disputes accepts an opening while block.timestamp <= servedAt + disputeWindow.
        if (block.timestamp <= endsAt) revert DisputeWindowOpen(jobId, endsAt);
        uint256 disputeId = _disputes.disputeOfReceipt(job.receiptDigest);
        if (disputeId != 0) {
            IDisputes.Dispute memory dispute = _disputes.getDispute(disputeId);
            if (dispute.status != IDisputes.Status.Resolved) revert DisputePending(jobId, disputeId);
            if (dispute.outcome == IDisputes.Outcome.Guilty) {
                _refund(jobId, job, "guilty", 0);
                return;
            }
        }
        job.status = Status.Settled;
        address provider = job.provider;
        uint256 cost = job.cost;
        // cost <= maxPayment was checked at delivery.
        uint256 refund = job.maxPayment - cost;
        emit JobSettled(jobId, provider, cost, refund);
        if (cost != 0) _payments.payFor(provider, job.modelId, cost);
        if (refund != 0) _token.safeTransfer(job.requester, refund);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev The weight becomes the provider's Registry stake now, or the provider is unenrolled when it is no
    /// longer an active provider.
    function sync(address provider) external {
        (uint256 weight, bool unenrolled) = providers.sync(provider);
        if (unenrolled) emit Unenrolled(provider);
        else emit WeightSynced(provider, weight);
    }

    // -------------------------------------------------------------- providers

    /// @inheritdoc IJobCoordinator
    /// @dev Replaces the caller's models (a second call re-enrolls) and sets its weight to its Registry stake
    /// now. Needs an active Registry provider with an offer for each model (at most JobProviders.MAX_MODELS)
    /// and a bond, after the top-up pulled from the caller, of at least `jobBond`.
    function enroll(bytes32[] calldata modelIds, uint256 bondTopUp) external nonReentrant {
        (uint256 bond, uint256 weight) = providers.enroll(msg.sender, modelIds, bondTopUp, _params.jobBond);
        emit Enrolled(msg.sender, modelIds, weight);
        if (bondTopUp != 0) {
            emit BondPosted(msg.sender, bondTopUp, bond);
            _token.safeTransferFrom(msg.sender, address(this), bondTopUp);
        }
    }

    /// @inheritdoc IJobCoordinator
    /// @dev Jobs already assigned to the caller stay its to deliver.
    function unenroll() external {
        if (!providers.unenroll(msg.sender)) revert NotEnrollable(msg.sender, bytes32(0));
        emit Unenrolled(msg.sender);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev Unenrolls the caller first when it is enrolled; reverts HasOpenJob while a job is assigned to it.
    function withdrawBond() external nonReentrant {
        (uint256 bond, bool unenrolled) = providers.withdrawBond(msg.sender);
        if (unenrolled) emit Unenrolled(msg.sender);
        emit BondWithdrawn(msg.sender, bond);
        _token.safeTransfer(msg.sender, bond);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev No penalty, until `respondBy` (later it is a miss); the job is drawn again without the caller.
    function decline(uint256 jobId) external nonReentrant {
        Job storage job = _job(jobId);
        Status status = job.status;
        if (status != Status.Assigned) revert WrongStatus(jobId, status);
        if (msg.sender != job.provider) revert NotAssignedProvider(jobId, msg.sender);
        uint64 respondBy = job.respondBy;
        if (block.timestamp > respondBy) revert DeadlinePassed(jobId, respondBy);
        _excluded[jobId].push(msg.sender);
        job.status = Status.Requested;
        job.provider = address(0);
        emit JobDeclined(jobId, msg.sender);
        _rearm(jobId, job, false);
        providers.close(msg.sender);
    }

    /// @inheritdoc IJobCoordinator
    /// @dev The receipt rules are JobCodec.checkReceipt's; the signature is the provider's under
    /// SignatureRule over `Disputes.hashReceipt(receipt)` (the Payments domain). The callback runs last.
    function deliver(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt, bytes calldata signature)
        external
        nonReentrant
    {
        Job storage job = _job(jobId);
        Status status = job.status;
        if (status != Status.Assigned) revert WrongStatus(jobId, status);
        if (msg.sender != job.provider) revert NotAssignedProvider(jobId, msg.sender);
        uint64 respondBy = job.respondBy;
        if (block.timestamp > respondBy) revert DeadlinePassed(jobId, respondBy);
        uint256 cost =
            codec.checkReceipt(_assignment(jobId, job), address(this), output.length, keccak256(output), receipt);
        bytes32 digest = _disputes.hashReceipt(receipt);
        if (!SignatureRule.isValid(msg.sender, digest, signature)) revert BadReceiptSignature(jobId);
        job.status = Status.Delivered;
        job.servedAt = receipt.servedAt;
        job.cost = cost;
        job.receiptDigest = digest;
        emit JobDelivered(jobId, msg.sender, output, digest, receipt, signature);
        providers.close(msg.sender);
        _callback(jobId, job, output, receipt);
    }

    // ------------------------------------------------------------------ owner

    /// @inheritdoc IJobCoordinator
    function setParams(Params calldata params_) external onlyOwner {
        _setParams(params_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IJobCoordinator
    function getJob(uint256 jobId) external view returns (Job memory) {
        return _job(jobId);
    }

    /// @inheritdoc IJobCoordinator
    function getSubscription(uint256 subscriptionId) external view returns (Subscription memory) {
        SubscriptionState storage s = _subscription(subscriptionId);
        return Subscription(
            s.requester,
            s.interval,
            s.remaining,
            s.nextBlock,
            s.inputHash,
            abi.decode(_templates[subscriptionId], (JobRequest))
        );
    }

    /// @inheritdoc IJobCoordinator
    /// @dev `input` is the job's input (from JobRequested); reverts InputMismatch when the bytes built from
    /// it do not hash to the job's requestHash.
    function requestBytes(uint256 jobId, bytes calldata input) external view returns (bytes memory bytes_) {
        Job storage job = _job(jobId);
        bytes_ = codec.buildRequest(job.modelId, input, job.maxTokens, job.temperatureMilli, job.seed);
        bytes32 requestHash = job.requestHash;
        if (keccak256(bytes_) != requestHash) revert InputMismatch(jobId, requestHash);
    }

    /// @notice Providers that declined or missed the job (never drawn for it again).
    function excludedOf(uint256 jobId) external view returns (address[] memory) {
        return _excluded[jobId];
    }

    /// @inheritdoc IJobCoordinator
    function bondOf(address provider) external view returns (uint256) {
        return providers.bondOf(provider);
    }

    /// @inheritdoc IJobCoordinator
    function enrolledModels(address provider) external view returns (bytes32[] memory) {
        return providers.modelsOf(provider);
    }

    /// @inheritdoc IJobCoordinator
    function weightAt(bytes32 modelId, address provider, uint48 blockNumber) external view returns (uint256) {
        return providers.weightAt(modelId, provider, blockNumber);
    }

    /// @inheritdoc IJobCoordinator
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IJobCoordinator
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IJobCoordinator
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IJobCoordinator
    function payments() external view returns (address) {
        return address(_payments);
    }

    /// @inheritdoc IJobCoordinator
    function disputes() external view returns (address) {
        return address(_disputes);
    }

    // --------------------------------------------------------------- internal

    /// @dev The codec's checks and the model's existence; returns the request's hash.
    function _checkRequest(JobRequest calldata job) private view returns (bytes32 requestHash) {
        requestHash = codec.checkRequest(job);
        if (_models.getModel(job.modelId).owner == address(0)) revert UnknownModel(job.modelId);
    }

    /// @dev Records a checked request as job `jobCount + 1` (its escrow is the caller's to bring) and emits
    /// JobRequested. The first draw is seeded by the hash of block `block.number + drawDelay`.
    function _createJob(address requester, JobRequest memory req, bytes32 requestHash, uint256 subscriptionId)
        private
        returns (uint256 jobId)
    {
        jobId = ++jobCount;
        Job storage job = _jobs[jobId];
        uint64 deadline = uint64(block.timestamp) + req.ttl;
        job.requester = requester;
        job.status = Status.Requested;
        job.maxTokens = req.maxTokens;
        job.temperatureMilli = req.temperatureMilli;
        job.callbackGasLimit = req.callbackGasLimit;
        job.seed = req.seed;
        job.requestBlock = uint64(block.number);
        job.drawBlock = uint64(block.number) + _params.drawDelay;
        job.deadline = deadline;
        job.inputLength = uint64(req.input.length);
        job.modelId = req.modelId;
        job.requestHash = requestHash;
        job.maxPayment = req.maxPayment;
        if (subscriptionId != 0) job.subscriptionId = subscriptionId;
        emit JobRequested(
            jobId,
            requester,
            req.modelId,
            req.input,
            req.maxTokens,
            req.temperatureMilli,
            req.seed,
            req.maxPayment,
            req.callbackGasLimit,
            deadline,
            subscriptionId
        );
    }

    /// @dev What JobCodec.checkReceipt checks a delivery against.
    function _assignment(uint256 jobId, Job storage job) private view returns (JobCodec.Assignment memory) {
        return JobCodec.Assignment({
            jobId: jobId,
            requestHash: job.requestHash,
            modelId: job.modelId,
            provider: job.provider,
            maxTokens: job.maxTokens,
            inputLength: job.inputLength,
            pricePerMInput: job.pricePerMInput,
            pricePerMOutput: job.pricePerMOutput,
            maxPayment: job.maxPayment,
            assignedAt: job.assignedAt
        });
    }

    /// @dev Draws the job's candidates (as of the block before the request) and assigns the first eligible
    /// one; false when none is.
    function _draw(uint256 jobId, Job storage job, bytes32 seed) private returns (bool) {
        (address provider, uint128 pricePerMInput, uint128 pricePerMOutput) = providers.pick(
            JobProviders.Terms(job.modelId, job.inputLength, job.maxTokens, job.maxPayment, _params.jobBond),
            uint48(job.requestBlock - 1),
            seed,
            _excluded[jobId],
            jobId
        );
        if (provider == address(0)) return false;
        uint64 respondBy = uint64(block.timestamp) + _params.responseWindow;
        uint64 deadline = job.deadline;
        if (respondBy > deadline) respondBy = deadline;
        job.status = Status.Assigned;
        job.provider = provider;
        job.assignedAt = uint64(block.timestamp);
        job.respondBy = respondBy;
        job.pricePerMInput = pricePerMInput;
        job.pricePerMOutput = pricePerMOutput;
        emit JobAssigned(jobId, provider, job.attempts, respondBy);
        return true;
    }

    /// @dev The next draw reads the hash of block `block.number + drawDelay`.
    function _rearm(uint256 jobId, Job storage job, bool emitEvent) private {
        uint64 drawBlock = uint64(block.number) + _params.drawDelay;
        job.drawBlock = drawBlock;
        if (emitEvent) emit DrawRearmed(jobId, drawBlock);
    }

    function _unassignable(uint256 jobId, Job storage job, uint8 attempts) private {
        emit JobUnassignable(jobId, attempts);
        _refund(jobId, job, "unassignable", 0);
    }

    /// @dev The assigned provider missed `respondBy`: `min(missPenalty, bond)` leaves its bond for the
    /// requester (returned; the caller transfers it), it is unenrolled and excluded from the job's draws.
    function _penalize(uint256 jobId, Job storage job) private returns (uint256 penalty) {
        address provider = job.provider;
        _excluded[jobId].push(provider);
        bool unenrolled;
        (penalty, unenrolled) = providers.penalize(provider, _params.missPenalty);
        emit DeadlineMissed(jobId, provider, penalty);
        if (unenrolled) emit Unenrolled(provider);
    }

    /// @dev Ends the job as Refunded and sends its whole escrow (plus `extra`, a miss penalty) to the requester.
    function _refund(uint256 jobId, Job storage job, bytes32 reason, uint256 extra) private {
        job.status = Status.Refunded;
        address requester = job.requester;
        uint256 amount = job.maxPayment;
        emit JobRefunded(jobId, requester, amount, reason);
        _token.safeTransfer(requester, amount + extra);
    }

    /// @dev Calls the requester back when it has code and asked for callback gas: with exactly
    /// `callbackGasLimit` gas (the delivery reverts InsufficientCallbackGas unless it still holds
    /// `callbackGasLimit * 64 / 63 + CALLBACK_GAS_RESERVE` right before the call, so a provider cannot starve
    /// the callback), no return data copied (a return bomb costs the callee, not the delivery); whatever
    /// happens inside, the delivery stands. Every state change of the delivery is written before it.
    function _callback(uint256 jobId, Job storage job, bytes calldata output, IDisputes.Receipt calldata receipt)
        private
    {
        uint256 gasLimit = job.callbackGasLimit;
        address requester = job.requester;
        if (gasLimit == 0 || requester.code.length == 0) return;
        bytes memory data = abi.encodeCall(IInferMeshConsumerCallback.onInferenceResult, (jobId, output, receipt));
        uint256 needed = gasLimit * 64 / 63 + CALLBACK_GAS_RESERVE;
        uint256 available = gasleft();
        if (available < needed) revert InsufficientCallbackGas(available, needed);
        bool success;
        assembly ("memory-safe") {
            success := call(gasLimit, requester, 0, add(data, 0x20), mload(data), 0, 0)
        }
        emit CallbackResult(jobId, success);
    }

    function _job(uint256 jobId) private view returns (Job storage job) {
        job = _jobs[jobId];
        if (job.status == Status.None) revert UnknownJob(jobId);
    }

    function _subscription(uint256 subscriptionId) private view returns (SubscriptionState storage s) {
        s = _subscriptions[subscriptionId];
        if (s.requester == address(0)) revert UnknownSubscription(subscriptionId);
    }

    function _setParams(Params memory p) private {
        codec.checkParams(p);
        _params = p;
        emit ParamsSet(p);
    }
}
