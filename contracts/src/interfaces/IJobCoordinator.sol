// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDisputes} from "./IDisputes.sol";

/// @title IJobCoordinator
/// @notice On-chain inference jobs with a callback: a consumer contract (or an account) requests a job and
/// escrows MESH; a provider drawn by stake-weighted sortition that cannot be ground serves it with the same
/// backend as HTTP requests and delivers the output with its signed receipt; the coordinator calls the
/// consumer back; after the dispute window the escrow pays the provider through `Payments.payFor` (burn
/// and royalty split exactly as a voucher redeem) and refunds the rest.
///
/// The request a job stands for is the canonical JSON (RFC 8785) of
/// `{"body":{"max_tokens":M,"messages":<input>,"model":"<0x-modelId, lowercase hex>","seed":S,"temperature":T},"kind":"chat"}`
/// where `<input>` is the job's `input` bytes verbatim (they must be a canonical JSON array of chat
/// messages; a provider declines a job whose input is not), M, S are decimal integers and T is
/// `temperatureMilli / 1000` written as the shortest decimal (0, 0.7, 1, 1.25). `requestBytes(jobId)`
/// returns exactly those bytes and `requestHash` is their keccak256: the receipt of a delivery must carry
/// it, so a delivered job is disputable like any receipt (`Disputes.openDispute` with `request` =
/// those bytes, `response` = the output). The TypeScript helper `jobRequestBytes` (protocol package) builds the same
/// bytes (a test compares them).
///
/// Sortition: providers enroll per model (an active offer for it in the Registry) and post a job bond;
/// their weight is their Registry stake, written into a per-model `SortitionTree` at enrollment and by
/// `sync`. A job's provider is drawn as of the block before the request, seeded by
/// `blockhash(drawBlock)` (drawBlock = request block + `drawDelay`) with the job id and the attempt; a
/// stale blockhash re-arms the draw. Up to `DRAW_CANDIDATES` (JobProviders) are drawn and the first eligible one (active
/// provider, offer for the model whose worst-case price fits `maxPayment`, not excluded) is assigned.
///
/// Money to the wei: MESH balance == Σ escrow of unsettled jobs + Σ escrow of subscriptions' untriggered
/// rounds + Σ job bonds.
interface IJobCoordinator {
    enum Status {
        None,
        Requested, // waiting for a draw (also after a decline or a missed deadline)
        Assigned, // a provider must deliver before `respondBy`
        Delivered, // output on chain; pays out once the dispute window has passed
        Settled, // provider paid, remainder refunded
        Refunded // cancelled, expired, unassignable or found guilty: escrow back to the requester
    }

    /// @param modelId The model (ModelRegistry id) to run.
    /// @param input Canonical JSON array of chat messages (1 .. MAX_INPUT_BYTES bytes; the limits are JobCodec's).
    /// @param maxTokens Most output tokens (1 .. MAX_OUTPUT_TOKENS).
    /// @param temperatureMilli Temperature × 1000 (0 .. 2000).
    /// @param seed Sampling seed (0 .. 2^53 - 1, so JSON carries it exactly).
    /// @param maxPayment Most MESH wei the job may cost; escrowed at request.
    /// @param callbackGasLimit Gas given to the consumer's callback (0: no callback; at most MAX_CALLBACK_GAS).
    /// @param ttl Seconds from the request (or a subscription round's trigger) to the delivery deadline.
    struct JobRequest {
        bytes32 modelId;
        bytes input;
        uint32 maxTokens;
        uint16 temperatureMilli;
        uint64 seed;
        uint256 maxPayment;
        uint32 callbackGasLimit;
        uint64 ttl;
    }

    /// @notice A job as `getJob` returns it.
    /// @param requester Who escrowed and is called back (when it has code and callbackGasLimit > 0).
    /// @param subscriptionId The subscription that triggered it (0: a one-off job).
    /// @param requestBlock Block of the request; the draw reads stake as of the block before.
    /// @param drawBlock The current draw is seeded by this block's hash (`assign` once block.number > drawBlock).
    /// @param attempts Draws made so far (decline and missed deadlines start another).
    /// @param deadline Unix time after which the job can no longer be delivered (refundable).
    /// @param respondBy Unix time by which the assigned provider must deliver (min(assignedAt + responseWindow, deadline)).
    /// @param servedAt The receipt's servedAt; the job settles after servedAt + the Disputes window.
    /// @param assignedAt Unix time of the current assignment (a receipt's servedAt is not earlier).
    /// @param pricePerMInput The assigned provider's offer at assignment (a later offer change cannot raise it).
    /// @param cost What the delivered receipt costs (≤ maxPayment).
    /// @param receiptDigest Digest of the delivered receipt (`Disputes.hashReceipt`), the dispute key.
    struct Job {
        address requester;
        Status status;
        uint8 attempts;
        uint32 maxTokens;
        uint16 temperatureMilli;
        uint32 callbackGasLimit;
        address provider;
        uint64 seed;
        uint64 requestBlock;
        uint64 drawBlock;
        uint64 deadline;
        uint64 assignedAt;
        uint64 respondBy;
        uint64 servedAt;
        uint64 inputLength;
        bytes32 modelId;
        bytes32 requestHash;
        bytes32 receiptDigest;
        uint256 maxPayment;
        uint128 pricePerMInput;
        uint128 pricePerMOutput;
        uint256 cost;
        uint256 subscriptionId;
    }

    /// @notice A recurring job: a round every `interval` blocks, `remaining` rounds left, each escrowing
    /// the template's maxPayment from the subscription's escrow when triggered.
    struct Subscription {
        address requester;
        uint32 interval;
        uint32 remaining;
        uint64 nextBlock;
        bytes32 inputHash;
        JobRequest template_;
    }

    /// @notice Owner-set parameters.
    /// @param drawDelay Blocks between a request (or a re-draw) and the block whose hash seeds the draw (1..255).
    /// @param responseWindow Seconds an assigned provider has to deliver (1 minute .. 1 day).
    /// @param jobBond MESH wei a provider keeps posted to be drawn.
    /// @param missPenalty MESH wei taken from the bond of a provider that missed `respondBy`, paid to the
    /// requester (≤ jobBond).
    /// @param maxAttempts Draws before a job that found no eligible provider becomes refundable (1..16).
    struct Params {
        uint8 drawDelay;
        uint64 responseWindow;
        uint256 jobBond;
        uint256 missPenalty;
        uint8 maxAttempts;
    }

    error ZeroAmount();
    error ZeroAddress();
    error ParameterOutOfRange(string name, uint256 value, uint256 min, uint256 max);
    error InvalidInput(uint256 length, uint256 maxLength);
    error InvalidMaxTokens(uint256 maxTokens, uint256 maxAllowed);
    error InvalidTemperature(uint256 temperatureMilli);
    error InvalidSeed(uint256 seed);
    error InvalidCallbackGas(uint256 gasLimit, uint256 maxAllowed);
    error InvalidTtl(uint256 ttl);
    error UnknownModel(bytes32 modelId);
    error UnknownJob(uint256 jobId);
    error WrongStatus(uint256 jobId, Status status);
    error DrawNotReady(uint256 jobId, uint64 drawBlock);
    error NotAssignedProvider(uint256 jobId, address caller);
    error ResponseWindowOpen(uint256 jobId, uint64 respondBy);
    error DeadlinePassed(uint256 jobId, uint64 deadline);
    error DeadlineNotPassed(uint256 jobId, uint64 deadline);
    error NotRequester(uint256 jobId, address caller);
    /// @notice The receipt does not bind to this job (field named), or its signature is not the provider's.
    error ReceiptMismatch(uint256 jobId, string field);
    error BadReceiptSignature(uint256 jobId);
    error CostAboveMax(uint256 cost, uint256 maxPayment);
    error OutputTooLarge(uint256 length, uint256 maxLength);
    /// @notice The delivery transaction did not carry enough gas to give the callback what it asked for.
    error InsufficientCallbackGas(uint256 available, uint256 needed);
    error DisputeWindowOpen(uint256 jobId, uint64 endsAt);
    error DisputePending(uint256 jobId, uint256 disputeId);
    error NotEnrollable(address provider, bytes32 modelId);
    error TooManyModels(uint256 count, uint256 maxCount);
    error BondTooLow(uint256 bond, uint256 required);
    error HasOpenJob(address provider, uint256 jobId);
    error UnknownSubscription(uint256 subscriptionId);
    error NotDue(uint256 subscriptionId, uint64 nextBlock);
    error NoRoundsLeft(uint256 subscriptionId);
    /// @notice `requestBytes` was given an input whose request bytes do not hash to the job's requestHash.
    error InputMismatch(uint256 jobId, bytes32 requestHash);

    event JobRequested(
        uint256 indexed jobId,
        address indexed requester,
        bytes32 indexed modelId,
        bytes input,
        uint32 maxTokens,
        uint16 temperatureMilli,
        uint64 seed,
        uint256 maxPayment,
        uint32 callbackGasLimit,
        uint64 deadline,
        uint256 subscriptionId
    );
    event DrawRearmed(uint256 indexed jobId, uint64 drawBlock);
    event JobAssigned(uint256 indexed jobId, address indexed provider, uint8 attempt, uint64 respondBy);
    event JobUnassignable(uint256 indexed jobId, uint8 attempts);
    event JobDeclined(uint256 indexed jobId, address indexed provider);
    event DeadlineMissed(uint256 indexed jobId, address indexed provider, uint256 penalty);
    /// @notice The assigned provider delivered `output` with its signed receipt (`signature`, what
    /// `Disputes.openDispute` needs; the request bytes are `requestBytes(jobId, input)`).
    event JobDelivered(
        uint256 indexed jobId,
        address indexed provider,
        bytes output,
        bytes32 receiptDigest,
        IDisputes.Receipt receipt,
        bytes signature
    );
    event CallbackResult(uint256 indexed jobId, bool success);
    event JobSettled(uint256 indexed jobId, address indexed provider, uint256 cost, uint256 refund);
    event JobRefunded(uint256 indexed jobId, address indexed requester, uint256 amount, bytes32 reason);
    event Enrolled(address indexed provider, bytes32[] modelIds, uint256 weight);
    event Unenrolled(address indexed provider);
    event WeightSynced(address indexed provider, uint256 weight);
    event BondPosted(address indexed provider, uint256 amount, uint256 bond);
    event BondWithdrawn(address indexed provider, uint256 amount);
    event SubscriptionCreated(uint256 indexed subscriptionId, address indexed requester, uint32 interval, uint32 count);
    event SubscriptionCancelled(uint256 indexed subscriptionId, uint256 refund);
    event ParamsSet(Params params);

    // ---- requesters ----
    function request(JobRequest calldata job) external returns (uint256 jobId);
    /// @notice Refund an undelivered job: after its deadline, or once it became unassignable.
    function cancel(uint256 jobId) external;
    function subscribe(JobRequest calldata template_, uint32 interval, uint32 count)
        external
        returns (uint256 subscriptionId);
    /// @notice Anyone: start the subscription's next round once block.number >= nextBlock.
    function trigger(uint256 subscriptionId) external returns (uint256 jobId);
    function cancelSubscription(uint256 subscriptionId) external;

    // ---- anyone ----
    function assign(uint256 jobId) external;
    /// @notice After `respondBy` passed without delivery: penalize the provider, unenroll it and re-draw.
    function reassign(uint256 jobId) external;
    function settle(uint256 jobId) external;
    function sync(address provider) external;

    // ---- providers ----
    function enroll(bytes32[] calldata modelIds, uint256 bondTopUp) external;
    function unenroll() external;
    function withdrawBond() external;
    function decline(uint256 jobId) external;
    function deliver(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt, bytes calldata signature)
        external;

    // ---- owner ----
    function setParams(Params calldata params) external;

    // ---- views ----
    function getJob(uint256 jobId) external view returns (Job memory);
    function getSubscription(uint256 subscriptionId) external view returns (Subscription memory);
    function requestBytes(uint256 jobId, bytes calldata input) external view returns (bytes memory);
    function jobCount() external view returns (uint256);
    function bondOf(address provider) external view returns (uint256);
    function enrolledModels(address provider) external view returns (bytes32[] memory);
    function weightAt(bytes32 modelId, address provider, uint48 blockNumber) external view returns (uint256);
    function params() external view returns (Params memory);
    function token() external view returns (address);
    function registry() external view returns (address);
    function payments() external view returns (address);
    function disputes() external view returns (address);
}

/// @title IInferMeshConsumerCallback
/// @notice What the coordinator calls on a requester with code when its job is delivered.
interface IInferMeshConsumerCallback {
    function onInferenceResult(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt) external;
}
