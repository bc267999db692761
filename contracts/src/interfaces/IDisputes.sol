// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisputes
/// @notice Proof-of-Sampling disputes. A challenger (usually a validator whose re-execution disagreed)
/// submits the provider's signed receipt with the request and response bytes and posts a bond; part of
/// the provider's stake is locked. A few blocks later anyone draws a stake-weighted random committee of
/// validators, which re-executes the request (read from the opening transaction's calldata) and votes.
/// Guilty: the provider is slashed, the challenger gets a share of the slash and its bond back, the rest
/// is burned. Not guilty (also when nobody votes): the bond goes to the provider. Members who did not
/// vote lose a small share of their stake.
interface IDisputes {
    /// @notice The provider's EIP-712 receipt (version 2 of the Payments domain), field for field (see
    /// packages/protocol/src/eip712.ts and PROTOCOL.md §5):
    /// `Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,`
    /// `address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,`
    /// `uint256 cumulativeAmount)`.
    /// @param requestHash keccak256 of the canonical JSON of `{"kind": kind, "body": body}`: the endpoint
    /// served ("chat", "completion" or "embeddings") and the request body the gateway sent, so a request
    /// can only be re-executed as the kind of request it was.
    /// @param responseHash keccak256 of the answer's bytes.
    /// @param tokensHash keccak256 of the generated token ids in order, each a big-endian uint32 of 4 bytes
    /// (as `abi.encodePacked(uint32 a, uint32 b, ...)`; not `abi.encodePacked(uint32[])`, which pads each
    /// element to 32 bytes); keccak256("") for no tokens; zero when the backend cannot report ids.
    /// @param modelId sha256 of the model's weights file.
    /// @param payer Who owes the cost (the voucher signer).
    /// @param provider Who served and signed.
    /// @param inputTokens Prompt tokens billed.
    /// @param outputTokens Generated tokens billed.
    /// @param servedAt Unix time in seconds when the provider finished the answer.
    /// @param cost MESH wei this request costs.
    /// @param cumulativeAmount What the channel owes after this request, in MESH wei.
    struct Receipt {
        bytes32 requestHash;
        bytes32 responseHash;
        bytes32 tokensHash;
        bytes32 modelId;
        address payer;
        address provider;
        uint64 inputTokens;
        uint64 outputTokens;
        uint64 servedAt;
        uint256 cost;
        uint256 cumulativeAmount;
    }

    /// @notice Owner-set parameters, set together.
    /// @param challengerBond MESH wei a challenger posts; lost to the provider when the dispute fails.
    /// @param slashBps Share of the provider's stake + unbonding stake slashed when guilty (at most 5,000).
    /// @param challengerRewardBps Share of the slash paid to the challenger (at most 10,000); the rest is burned.
    /// @param committeeSize Validators drawn per dispute (1..21).
    /// @param drawDelay Blocks between opening and the block whose hash seeds the draw (at least 1).
    /// @param votingPeriod Seconds the committee has to vote after the draw.
    /// @param absentSlashBps Share of its stake (and stake in unbonding) a member loses for not voting
    /// (at most 1,000).
    struct Params {
        uint256 challengerBond;
        uint16 slashBps;
        uint16 challengerRewardBps;
        uint8 committeeSize;
        uint8 drawDelay;
        uint64 votingPeriod;
        uint16 absentSlashBps;
    }

    /// @notice Where a dispute is: opened, committee drawn, resolved.
    enum Status {
        None,
        Open,
        Drawn,
        Resolved
    }

    /// @notice A dispute as `getDispute` returns it.
    struct Dispute {
        address provider;
        address challenger;
        bytes32 modelId;
        bytes32 receiptDigest;
        uint256 slashAmount;
        uint256 bond;
        uint64 openedAt;
        uint64 openBlock;
        uint64 drawBlock;
        uint64 openEpoch;
        uint64 votingEnds;
        uint16 guiltyVotes;
        uint16 innocentVotes;
        Status status;
        bool guilty;
    }

    /// @notice The zero address was given where a contract is needed.
    error ZeroAddress();
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);
    /// @notice The request or response bytes do not hash to the receipt's hashes.
    error PayloadMismatch(bytes32 expected, bytes32 actual);
    /// @notice The signature is not the receipt provider's over this receipt (Payments domain).
    error InvalidReceiptSignature(address provider);
    /// @notice The receipt names an account that is not a registered provider.
    error NotAProvider(address account);
    /// @notice A provider cannot dispute its own receipt.
    error SelfDispute(address provider);
    /// @notice This receipt is disputed already.
    error DisputeExists(bytes32 receiptDigest, uint256 id);
    /// @notice Everything the provider has at stake is locked by open disputes (or it has nothing).
    error StakeFullyCommitted(address provider);
    /// @notice No dispute has this id.
    error DisputeNotFound(uint256 id);
    /// @notice The committee can be drawn once `block.number > drawBlock`.
    error TooEarly(uint256 id, uint64 drawBlock);
    /// @notice The committee was drawn already (or the dispute is resolved).
    error AlreadyDrawn(uint256 id);
    /// @notice The caller is not on the dispute's committee.
    error NotAMember(uint256 id, address account);
    /// @notice Voting ended at `votingEnds`.
    error VotingClosed(uint256 id, uint64 votingEnds);
    /// @notice The member voted already.
    error AlreadyVoted(uint256 id, address member);
    /// @notice The dispute is resolved already.
    error AlreadyResolved(uint256 id);
    /// @notice The dispute cannot be resolved before `resolvableAt` (unless every member has voted).
    error NotResolvable(uint256 id, uint64 resolvableAt);

    /// @notice A dispute was opened; `slashAmount` of the provider's stake is locked.
    event DisputeOpened(
        uint256 indexed id,
        address indexed provider,
        address indexed challenger,
        bytes32 modelId,
        bytes32 receiptDigest,
        uint256 slashAmount,
        uint256 bond,
        uint64 drawBlock
    );
    /// @notice The committee was drawn; members vote until `votingEnds`.
    event CommitteeDrawn(uint256 indexed id, address[] members, uint64 votingEnds);
    /// @notice A member voted.
    event Voted(uint256 indexed id, address indexed member, bool guilty);
    /// @notice The dispute was decided. `slashed` left the provider's stake (0 when not guilty), of which
    /// `challengerReward` went to the challenger; `bondForfeited` is the bond paid to the provider (0 when
    /// guilty); `absentees` members did not vote and were slashed `absentSlashBps` of their stake.
    event DisputeResolved(
        uint256 indexed id,
        bool guilty,
        uint256 slashed,
        uint256 challengerReward,
        uint256 bondForfeited,
        uint256 absentees
    );
    /// @notice The parameters changed.
    event ParamsSet(Params params);

    /// @notice Opens a dispute over a signed receipt. `request` is the canonical JSON (RFC 8785) of
    /// `{"kind": kind, "body": body}` (the endpoint served and the OpenAI request body) and `response` the
    /// UTF-8 content, as hashed in the receipt; they stay in this transaction's calldata for the
    /// committee, which re-executes the request as the kind it names. Pulls `challengerBond` from the caller.
    /// @return id The new dispute's id (ids start at 1).
    function openDispute(
        Receipt calldata receipt,
        bytes calldata signature,
        bytes calldata request,
        bytes calldata response
    ) external returns (uint256 id);

    /// @notice Draws the committee once `block.number > drawBlock`. Anyone may call.
    function drawCommittee(uint256 id) external;

    /// @notice Casts the caller's vote. Only a member, before `votingEnds`, once.
    function vote(uint256 id, bool guilty) external;

    /// @notice Settles a dispute: once every member voted, after `votingEnds`, or (committee never drawn)
    /// after `openedAt + 2 * votingPeriod`. Anyone may call.
    function resolve(uint256 id) external;

    /// @notice Only the owner; bounded (see Params).
    function setParams(Params calldata params) external;

    function getDispute(uint256 id) external view returns (Dispute memory);
    function committeeOf(uint256 id) external view returns (address[] memory);
    function hasVoted(uint256 id, address member) external view returns (bool);
    /// @notice Disputes opened so far (the highest id).
    function disputeCount() external view returns (uint256);
    /// @notice Unresolved disputes against `provider`; Emissions holds its claims while any is open.
    function openDisputesOf(address provider) external view returns (uint256);
    /// @notice The dispute id of a receipt digest, 0 when none.
    function disputeOfReceipt(bytes32 receiptDigest) external view returns (uint256);
    /// @notice True when a guilty verdict covers `provider`'s work in `epoch` (the dispute's opening epoch
    /// and the one before): Emissions pays no work reward for it.
    function penalized(address provider, uint64 epoch) external view returns (bool);
    function params() external view returns (Params memory);
    /// @notice The EIP-712 digest of `receipt` under the Payments domain, as the provider signed it.
    function hashReceipt(Receipt calldata receipt) external view returns (bytes32);

    function token() external view returns (address);
    function registry() external view returns (address);
    function payments() external view returns (address);
    function genesis() external view returns (uint64);
    function epochLength() external view returns (uint64);
    function currentEpoch() external view returns (uint64);
}
