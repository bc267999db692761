// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisputes
/// @notice Proof-of-Sampling disputes (v2). A challenger (usually the validator the payer sent the sample
/// to, whose re-execution disagreed) submits the provider's signed receipt with the request and response
/// bytes within `disputeWindow` of the receipt's `servedAt`, and posts a bond. Any account with stake or
/// unbonding stake left can be disputed; its stake is frozen (no withdrawal) until the dispute resolves,
/// and the slash, `slashBps` of `stake + unbonding` at opening, is taken from what is left at resolution.
///
/// Committees are drawn from the Registry's per-model sortition: validators that declared the receipt's
/// model, weighted by their stake at the end of the block before the opening (`snapshotBlock`), with a
/// seed from the hash of a block `drawDelay` blocks after the opening. Members vote commit–reveal. A
/// verdict needs a majority of the FULL committee (`committeeSize`): members who do not reveal owe
/// `absentSlashBps` of their stake (frozen until `collectPenalty` burns it) and are replaced in a new round (drawn from the same snapshot, never
/// an earlier member); after `maxRounds` rounds without a majority the dispute is void (bond back, no
/// slash).
///
/// Guilty: the provider is slashed; an ASSIGNED challenger (named by the payer's signed sample) gets
/// `challengerRewardBps` of the slash and its bond back, an unassigned one only its bond; the rest is
/// burned. Innocent: the bond is split equally among the members who revealed "innocent", the remainder
/// (rounding) burned; never paid to the provider.
///
/// Verification fees: once a VerificationFees contract is set (`setVerificationFees`, once), a guilty or
/// innocent outcome credits one vote point to each member who revealed a vote with the verdict (in any
/// round: members who revealed are kept in the later rounds' committee), in one `creditVotes` call;
/// members who voted against it, absentees and void disputes earn nothing.
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
    /// @param payer Who owes the cost (the voucher signer); it also signs the samples (see `hashSample`).
    /// @param provider Who served and signed.
    /// @param inputTokens Prompt tokens billed.
    /// @param outputTokens Generated tokens billed.
    /// @param servedAt Unix time in seconds when the provider finished the answer; the dispute window
    /// counts from it.
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

    /// @notice Owner-set parameters, set together. `committeeSize` and `maxRounds` are fixed per dispute
    /// when it opens (as are its bond and slash amount); the others apply to every later step.
    /// @param challengerBond MESH wei a challenger posts (1 wei .. 1e9 MESH). Lost to the innocent voters
    /// (and the burn) when the provider is found innocent; returned when guilty or void.
    /// @param slashBps Share of the provider's stake + unbonding stake (at opening) slashed when guilty (1..5,000).
    /// @param challengerRewardBps Share of the slash paid to an assigned challenger (0..10,000); the rest is burned.
    /// @param committeeSize Seats of a committee (3..21, odd); a verdict needs more than half of them.
    /// @param drawDelay Blocks between the opening (or an escalation) and the block whose hash seeds the
    /// draw (1..255).
    /// @param commitPeriod Seconds members have to commit their vote after the draw (1 minute .. 30 days).
    /// @param revealPeriod Seconds members have to reveal after the commit period (1 minute .. 30 days).
    /// @param absentSlashBps Share of its stake + unbonding stake a member owes (burned by `collectPenalty`) for not
    /// revealing in its round (0..1,000).
    /// @param disputeWindow Seconds after a receipt's `servedAt` during which it can be disputed (1 minute .. 60 days).
    /// @param maxRounds Rounds before a dispute without a majority is void (1..4).
    struct Params {
        uint256 challengerBond;
        uint16 slashBps;
        uint16 challengerRewardBps;
        uint8 committeeSize;
        uint8 drawDelay;
        uint64 commitPeriod;
        uint64 revealPeriod;
        uint16 absentSlashBps;
        uint64 disputeWindow;
        uint8 maxRounds;
    }

    /// @notice Where a dispute is. `Open`: the current round's committee is not drawn yet (also after an
    /// escalation). `Drawn`: the current round's members commit and reveal. `Resolved`: final.
    enum Status {
        None,
        Open,
        Drawn,
        Resolved
    }

    /// @notice How a dispute ended. `Void`: no majority of the full committee after `maxRounds` rounds.
    enum Outcome {
        None,
        Guilty,
        Innocent,
        Void
    }

    /// @notice A dispute as `getDispute` returns it (fields ordered for storage packing).
    /// @param openedAt Timestamp of the opening.
    /// @param round The current round (1-based).
    /// @param committeeSize Seats of this dispute's committee (the parameter when it opened).
    /// @param maxRounds Rounds this dispute may take (the parameter when it opened).
    /// @param guiltyVotes Revealed "guilty" votes, over every round.
    /// @param openBlock Block of the opening.
    /// @param innocentVotes Revealed "innocent" votes, over every round.
    /// @param assigned True when the challenger is the validator named by the payer's sample signature.
    /// @param slashAmount `slashBps` of the provider's stake + unbonding at opening; at most this is
    /// slashed (less when less is left at resolution).
    /// @param snapshotBlock Every draw of this dispute reads validator stake as of the end of this block
    /// (the block before the opening).
    /// @param drawBlock The current round's committee is seeded by this block's hash and can be drawn
    /// once `block.number > drawBlock`.
    /// @param openEpoch The epoch of the opening (a guilty verdict penalizes it and the one before).
    /// @param commitEnds End of the current round's commit phase (0 before the first draw).
    /// @param payer The receipt's payer: the account whose sample signature assigns a challenger.
    /// @param revealEnds End of the current round's reveal phase (0 before the first draw).
    /// @param roundStart Index in `committeeOf(id)` of the current round's first member.
    struct Dispute {
        address provider;
        uint64 openedAt;
        uint8 round;
        uint8 committeeSize;
        uint8 maxRounds;
        uint8 guiltyVotes;
        address challenger;
        uint64 openBlock;
        uint8 innocentVotes;
        Status status;
        Outcome outcome;
        bool assigned;
        bytes32 modelId;
        bytes32 receiptDigest;
        uint256 slashAmount;
        uint256 bond;
        uint64 snapshotBlock;
        uint64 drawBlock;
        uint64 openEpoch;
        uint64 commitEnds;
        address payer;
        uint64 revealEnds;
        uint8 roundStart;
    }

    /// @notice A member's state in a dispute, as `memberOf` returns it.
    /// @param round The round the member was drawn in (0: not a member).
    /// @param commitment The member's vote commitment (zero until committed).
    /// @param revealed True once the member revealed its vote.
    /// @param guilty The revealed vote (false until revealed).
    struct Member {
        bytes32 commitment;
        uint8 round;
        bool revealed;
        bool guilty;
    }

    /// @notice The zero address was given where a contract is needed.
    error ZeroAddress();
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);
    /// @notice The Registry's unbonding period is shorter than these parameters need
    /// (`disputeWindow + maxRounds * (commitPeriod + revealPeriod)`): raise it first.
    error UnbondingPeriodTooShort(uint64 unbondingPeriod, uint64 minUnbondingPeriod);
    /// @notice The request or response bytes do not hash to the receipt's hashes.
    error PayloadMismatch(bytes32 expected, bytes32 actual);
    /// @notice The signature is not the receipt provider's over this receipt (Payments domain).
    error InvalidReceiptSignature(address provider);
    /// @notice The sample signature is not the payer's over `Sample(receiptDigest, caller, issuedAt)`
    /// (validation domain). Send an empty signature to dispute without an assignment.
    error InvalidSampleSignature(address payer, address validator);
    /// @notice The provider has no stake and no unbonding stake left: there is nothing to dispute.
    error NothingAtStake(address provider);
    /// @notice A provider cannot dispute (or challenge) its own receipt.
    error SelfDispute(address provider);
    /// @notice The receipt's dispute window closed at `closesAt` (`servedAt + disputeWindow`).
    error DisputeWindowClosed(uint64 servedAt, uint64 closesAt);
    /// @notice The receipt claims to be served more than 300 s in the future.
    error ServedInFuture(uint64 servedAt);
    /// @notice This receipt is disputed already.
    error DisputeExists(bytes32 receiptDigest, uint256 id);
    /// @notice No dispute has this id.
    error DisputeNotFound(uint256 id);
    /// @notice The current round's committee can be drawn once `block.number > drawBlock`.
    error TooEarly(uint256 id, uint64 drawBlock);
    /// @notice The current round's committee was drawn already (or the dispute is resolved).
    error AlreadyDrawn(uint256 id);
    /// @notice The caller is not a member of the dispute's current round.
    error NotAMember(uint256 id, address account);
    /// @notice The commit phase ended at `commitEnds`.
    error CommitClosed(uint256 id, uint64 commitEnds);
    /// @notice A zero commitment is not a commitment.
    error ZeroCommitment();
    /// @notice The member committed already.
    error AlreadyCommitted(uint256 id, address member);
    /// @notice Votes are revealed in [commitEnds, revealEnds).
    error NotRevealPhase(uint256 id, uint64 commitEnds, uint64 revealEnds);
    /// @notice The member did not commit, so it has nothing to reveal.
    error NotCommitted(uint256 id, address member);
    /// @notice The member revealed already.
    error AlreadyRevealed(uint256 id, address member);
    /// @notice The revealed vote and salt do not hash to the member's commitment (see `voteCommitment`).
    error CommitmentMismatch(uint256 id, address member);
    /// @notice The dispute is resolved already.
    error AlreadyResolved(uint256 id);
    /// @notice The current round has no committee yet: draw it first (`drawCommittee`).
    error CommitteeNotDrawn(uint256 id);
    /// @notice The current round can be resolved at `resolvableAt` (its reveal end), or earlier once every
    /// seat of the full committee has revealed.
    error NotResolvable(uint256 id, uint64 resolvableAt);
    /// @notice The dispute's challenger is assigned already: nobody can take the role.
    error ChallengerAssigned(uint256 id, address challenger);
    /// @notice A member of the dispute's committee cannot become its challenger.
    error MemberCannotChallenge(uint256 id, address account);
    /// @notice `member` has no absentee penalty pending: there is nothing to collect.
    error NoPenaltyPending(address member);
    /// @notice The VerificationFees contract was set already and can never change.
    error VerificationFeesAlreadySet(address verificationFees);
    /// @notice The VerificationFees contract does not name this Disputes contract (its `disputes()`), so
    /// its `creditVotes` would refuse every verdict: call its `setDisputes(this)` first.
    error VerificationFeesNotWired(address verificationFees, address disputes);
    /// @notice The contract given holds another token than this one's MESH.
    error TokenMismatch(address expected, address actual);

    /// @notice A dispute was opened; the provider's stake is frozen until it resolves, and at most
    /// `slashAmount` of it is slashed when guilty.
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
    /// @notice The challenger is the validator named by the payer's sample signature.
    event ChallengerAssignedBySample(uint256 indexed id, address indexed challenger, uint64 issuedAt);
    /// @notice An assigned validator took the challenger role from an unassigned `previous` challenger,
    /// whose bond was refunded.
    event ChallengeClaimed(uint256 indexed id, address indexed previous, address indexed challenger);
    /// @notice `drawBlock`'s hash was out of reach (more than 256 blocks ago): the round draws from the
    /// new `drawBlock` instead (never a caller-chosen seed).
    event DrawRearmed(uint256 indexed id, uint64 drawBlock);
    /// @notice A round's committee was drawn: members commit until `commitEnds` and reveal until `revealEnds`.
    event CommitteeDrawn(uint256 indexed id, uint8 round, address[] members, uint64 commitEnds, uint64 revealEnds);
    /// @notice A member committed its vote.
    event VoteCommitted(uint256 indexed id, address indexed member);
    /// @notice A member revealed its vote.
    event VoteRevealed(uint256 indexed id, address indexed member, bool guilty);
    /// @notice No majority of the full committee yet: the absent members of the previous round were
    /// penalized (see `AbsenteePenalized`) and dropped, and round `round` draws its seats from `drawBlock`'s hash.
    event RoundEscalated(uint256 indexed id, uint8 round, uint64 drawBlock);
    /// @notice A member who did not reveal in its round owes `penalty` (added to `pendingPenaltyOf(member)`,
    /// burned by `collectPenalty`; 0 when it had nothing at stake or `absentSlashBps` is 0).
    event AbsenteePenalized(uint256 indexed id, address indexed member, uint8 round, uint256 penalty);
    /// @notice `member`'s pending absentee penalties (`amount`) were collected: `slashed` (at most `amount`,
    /// less when less stake was left) was burned and its stake unfrozen.
    event PenaltyCollected(address indexed member, uint256 amount, uint256 slashed);
    /// @notice The dispute was decided. `slashed` left the provider's stake (guilty only), of which
    /// `challengerReward` went to the challenger (the rest burned); `bondToCommittee` is what the innocent
    /// voters shared (innocent only); `absentees` members of the final round did not reveal.
    event DisputeResolved(
        uint256 indexed id,
        Outcome outcome,
        uint256 slashed,
        uint256 challengerReward,
        uint256 bondToCommittee,
        uint256 absentees
    );
    /// @notice The parameters changed.
    event ParamsSet(Params params);
    /// @notice The VerificationFees contract that verdicts credit was set (once).
    event VerificationFeesSet(address indexed verificationFees);

    /// @notice Opens a dispute over a signed receipt, within `disputeWindow` of its `servedAt`. `request`
    /// is the canonical JSON (RFC 8785) of `{"kind": kind, "body": body}` and `response` the UTF-8 content,
    /// as hashed in the receipt; they stay in this transaction's calldata for the committee. The provider
    /// may be any account with `stake + unbonding > 0` (registered or not). Pulls `challengerBond` from the
    /// caller and freezes the provider's stake.
    /// @param sampleIssuedAt The `issuedAt` of the payer's sample signature (ignored when it is empty).
    /// @param sampleSignature The payer's signature of `Sample(receiptDigest, msg.sender, sampleIssuedAt)`
    /// in the validation domain (see `hashSample`): the caller is then the assigned challenger and earns
    /// the reward. Empty: anyone may dispute, without reward.
    /// @return id The new dispute's id (ids start at 1).
    function openDispute(
        Receipt calldata receipt,
        bytes calldata signature,
        bytes calldata request,
        bytes calldata response,
        uint64 sampleIssuedAt,
        bytes calldata sampleSignature
    ) external returns (uint256 id);

    /// @notice While the dispute is unresolved and its challenger is not assigned, the validator named by
    /// the payer's sample signature takes the challenger role: it pays the bond and the previous
    /// challenger's bond is refunded.
    function claimChallenge(uint256 id, uint64 issuedAt, bytes calldata sampleSignature) external;

    /// @notice Draws the current round's committee once `block.number > drawBlock` (anyone may call):
    /// `committeeSize` minus the members who revealed in earlier rounds, never the provider, the challenger
    /// or an earlier member. When `drawBlock`'s hash is out of reach it rearms the draw instead.
    function drawCommittee(uint256 id) external;

    /// @notice Commits the caller's vote: `commitment = voteCommitment(id, round, caller, guilty, salt)`.
    /// Only a member of the current round, before `commitEnds`, once.
    function commitVote(uint256 id, bytes32 commitment) external;

    /// @notice Reveals the caller's committed vote, in [commitEnds, revealEnds).
    function revealVote(uint256 id, bool guilty, bytes32 salt) external;

    /// @notice Settles the current round (anyone may call) once every seat of the full committee has
    /// revealed or after `revealEnds`: a verdict with a majority of the full committee, else a new round,
    /// else (after `maxRounds`) void.
    function resolve(uint256 id) external;

    /// @notice Burns `member`'s pending absentee penalties (anyone may call): slashes
    /// `min(pendingPenaltyOf(member), stake + unbonding left)` (stake first), zeroes the pending amount and
    /// lifts the freeze it held. Penalties are deferred because a Registry slash rewrites the member's
    /// sortition checkpoints in every model tree it declared (up to ~4M gas with 16 models), which would
    /// make `resolve` unbounded in the committee's models; recording them keeps `resolve` flat. Until the
    /// penalty is collected the member cannot withdraw (its stake is frozen), so the penalty always lands
    /// and the member itself has to collect it to leave; meanwhile its sortition weight keeps the
    /// pre-penalty stake (a bias of at most `absentSlashBps`). Reverts `NoPenaltyPending` when none.
    function collectPenalty(address member) external;

    /// @notice Only the owner; bounded (see Params), and the Registry's unbonding period must cover
    /// `minUnbondingPeriod()` of the new parameters.
    function setParams(Params calldata params) external;

    /// @notice Names the VerificationFees contract whose `creditVotes` every guilty or innocent verdict
    /// calls. Only the owner, only once; it must hold the same token and name this contract as its
    /// `disputes()` already. Until set, verdicts credit nobody.
    function setVerificationFees(address verificationFees) external;

    /// @notice The VerificationFees contract verdicts credit (zero until set).
    function verificationFees() external view returns (address);

    /// @notice `disputeWindow + maxRounds * (commitPeriod + revealPeriod)`: stake must unbond for at least
    /// this long, so that a receipt's dispute can still be opened, and decided, against stake that is leaving.
    function minUnbondingPeriod() external view returns (uint64);

    /// @notice The commitment a member sends to `commitVote`: keccak256(abi.encode(id, round, member, guilty, salt)).
    function voteCommitment(uint256 id, uint8 round, address member, bool guilty, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice The EIP-712 digest the payer signs to send a sample to `validator`:
    /// `Sample(bytes32 receiptDigest,address validator,uint64 issuedAt)` in the domain
    /// `{name: "InferMesh Validation", version: "2", chainId, verifyingContract: this}`.
    function hashSample(bytes32 receiptDigest, address validator, uint64 issuedAt) external view returns (bytes32);

    function getDispute(uint256 id) external view returns (Dispute memory);
    /// @notice Every member ever drawn for the dispute, in draw order (round by round).
    function committeeOf(uint256 id) external view returns (address[] memory);
    /// @notice The members drawn in round `round` of the dispute.
    function committeeOfRound(uint256 id, uint8 round) external view returns (address[] memory);
    /// @notice `member`'s round, commitment and revealed vote in the dispute.
    function memberOf(uint256 id, address member) external view returns (Member memory);
    /// @notice True once `member` revealed its vote in the dispute.
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
    /// @notice Absentee penalties `member` owes, in MESH wei, not collected yet (see `collectPenalty`); the
    /// sum of `absentSlashBps` of its stake + unbonding at each absence since the last collection.
    function pendingPenaltyOf(address member) external view returns (uint256);
    /// @notice Registry freezes of `member` held for its pending penalty: 1 while `pendingPenaltyOf(member)`
    /// is not zero (one freeze however many penalties add up), else 0.
    function pendingFreezesOf(address member) external view returns (uint256);
    /// @notice MESH wei held for bonds of unresolved disputes (equals this contract's MESH balance, unless
    /// someone sent MESH here by mistake).
    function bondsHeld() external view returns (uint256);
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
