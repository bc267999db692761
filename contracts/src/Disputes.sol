// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IDisputes} from "./interfaces/IDisputes.sol";
import {IDisputeWindow} from "./interfaces/IDisputeWindow.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IVerificationFees} from "./interfaces/IVerificationFees.sol";
import {Epochs} from "./libraries/Epochs.sol";
import {SignatureRule} from "./libraries/SignatureRule.sol";

/// @title Disputes
/// @notice Receipt disputes decided by stake-weighted random committees of validators that declared the
/// receipt's model, with commit–reveal votes and a majority of the full committee. See IDisputes.
/// @dev Invariants:
/// - token.balanceOf(this) == bondsHeld == sum of `bond` over disputes not yet resolved (slashed MESH
///   passes through within `resolve` and leaves in the same call; MESH sent here by mistake only makes
///   the left side larger);
/// - every unresolved dispute holds exactly one Registry freeze of its provider, released once when it
///   resolves;
/// - a provider is slashed only by a Guilty outcome, which needs `guiltyVotes > committeeSize / 2`
///   revealed votes of distinct drawn members; an outcome is set once;
/// - `guiltyVotes + innocentVotes <= committeeSize`: a round draws at most `committeeSize` minus the
///   members who revealed before, and a member reveals once;
/// - `openDisputesOf[p]` is the number of unresolved disputes against p;
/// - `registry.frozenOf(a) == openDisputesOf[a] + pendingFreezesOf(a)` (Disputes is the Registry's only
///   slasher): each unresolved dispute holds one freeze of its provider, and an account with a pending
///   absentee penalty one more, released once by `collectPenalty`;
/// - `pendingPenaltyOf(a) != 0` iff `pendingFreezesOf(a) == 1`; a penalty is recorded once per absence
///   and slashed (burned) at most once, by `collectPenalty`, which zeroes it first.
///
/// Absentee penalties are deferred (recorded at `resolve`, slashed by `collectPenalty`): a Registry slash
/// rewrites the member's sortition checkpoints in every model tree it declared (~250k gas per member at
/// 10,000 validators with one model, ~4M with 16 models), so slashing up to 21 absentees inside `resolve`
/// could cost more than a block and leave the provider frozen forever. Recording one penalty costs a
/// storage write and at most one Registry freeze, whatever the validator count or the member's models.
/// The frozen member cannot withdraw until its penalty is collected (anyone may collect; the member must,
/// to leave), so the penalty always lands; until then its sortition weight keeps the pre-penalty stake,
/// a bias of at most `absentSlashBps` (10%) in its favour.
///
/// Committee randomness (F1): the sortition weights are the Registry's checkpoints at the end of
/// `snapshotBlock = openBlock - 1`, fixed before the opening transaction, and the seed is
/// `keccak256(blockhash(drawBlock), id, round)` with `drawBlock` at least one block after the opening (or
/// the escalation), so no stake change made once the seed is known moves the draw. When `drawBlock`'s hash
/// is out of reach (256 blocks), the draw is rearmed to a new future block rather than seeded by a block
/// the caller picks. Limit, accepted: the producer of `drawBlock` sees the committee its block would draw
/// and may withhold the block to re-roll once (with a centralized L2 sequencer, it picks the committee).
///
/// Gas: a draw is O(seats · log n) Registry reads (no validator list copy); commit and reveal are O(1);
/// resolve is O(committeeSize) (absentees recorded, innocent voters paid, voters with the verdict credited
/// in one VerificationFees call) and does not depend on the number of validators or of their models; `collectPenalty` is one Registry slash and at most one unfreeze.
contract Disputes is IDisputes, IDisputeWindow, Ownable2Step {
    using SafeERC20 for IMeshToken;

    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,uint256 cumulativeAmount)"
    );
    /// @notice The type the payer signs to send a sample to one validator (the assignment, F6).
    bytes32 public constant SAMPLE_TYPEHASH =
        keccak256("Sample(bytes32 receiptDigest,address validator,uint64 issuedAt)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant PAYMENTS_NAME_HASH = keccak256("InferMesh Payments");
    bytes32 private constant PAYMENTS_VERSION_HASH = keccak256("2");
    bytes32 private constant VALIDATION_NAME_HASH = keccak256("InferMesh Validation");
    bytes32 private constant VALIDATION_VERSION_HASH = keccak256("2");

    uint256 private constant BPS = 10_000;
    uint256 public constant MAX_CHALLENGER_BOND = 1e9 ether;
    uint16 public constant MAX_SLASH_BPS = 5000;
    uint8 public constant MIN_COMMITTEE_SIZE = 3;
    uint8 public constant MAX_COMMITTEE_SIZE = 21;
    uint64 public constant MIN_PHASE_PERIOD = 1 minutes;
    uint64 public constant MAX_PHASE_PERIOD = 30 days;
    uint16 public constant MAX_ABSENT_SLASH_BPS = 1000;
    uint64 public constant MIN_DISPUTE_WINDOW = 1 minutes;
    uint64 public constant MAX_DISPUTE_WINDOW = 60 days;
    uint8 public constant MAX_ROUNDS = 4;
    /// @notice How far in the future a receipt's `servedAt` may lie (clock skew between provider and chain).
    uint64 public constant MAX_CLOCK_SKEW = 300;

    IMeshToken private immutable _token;
    IRegistry private immutable _registry;
    address private immutable _payments;
    /// @inheritdoc IDisputes
    uint64 public immutable genesis;
    /// @inheritdoc IDisputes
    uint64 public immutable epochLength;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedPaymentsDomain;
    bytes32 private immutable _cachedValidationDomain;

    Params private _params;
    /// @inheritdoc IDisputes
    uint256 public disputeCount;
    /// @inheritdoc IDisputes
    uint256 public bondsHeld;
    /// @inheritdoc IDisputes
    mapping(address provider => uint256) public openDisputesOf;
    /// @inheritdoc IDisputes
    mapping(bytes32 receiptDigest => uint256) public disputeOfReceipt;
    /// @inheritdoc IDisputes
    mapping(address provider => mapping(uint64 epoch => bool)) public penalized;

    /// @inheritdoc IDisputes
    mapping(address member => uint256) public pendingPenaltyOf;
    /// @inheritdoc IDisputes
    address public verificationFees;

    mapping(uint256 id => Dispute) private _disputes;
    mapping(uint256 id => address[]) private _committees;
    mapping(uint256 id => mapping(address member => Member)) private _members;

    constructor(
        address owner_,
        IMeshToken token_,
        IRegistry registry_,
        address payments_,
        uint64 genesis_,
        uint64 epochLength_,
        Params memory params_
    ) Ownable(owner_) {
        if (address(token_) == address(0) || address(registry_) == address(0) || payments_ == address(0)) {
            revert ZeroAddress();
        }
        if (!Epochs.isValidLength(epochLength_)) {
            revert ParameterOutOfRange("epochLength", epochLength_, Epochs.MIN_EPOCH_LENGTH, Epochs.MAX_EPOCH_LENGTH);
        }
        _token = token_;
        _registry = registry_;
        _payments = payments_;
        genesis = genesis_;
        epochLength = epochLength_;
        _cachedChainId = block.chainid;
        _cachedPaymentsDomain = _domainSeparator(PAYMENTS_NAME_HASH, PAYMENTS_VERSION_HASH, payments_);
        _cachedValidationDomain = _domainSeparator(VALIDATION_NAME_HASH, VALIDATION_VERSION_HASH, address(this));
        _setParams(params_);
    }

    // ----------------------------------------------------------------- open

    /// @inheritdoc IDisputes
    function openDispute(
        Receipt calldata receipt,
        bytes calldata signature,
        bytes calldata request,
        bytes calldata response,
        uint64 sampleIssuedAt,
        bytes calldata sampleSignature
    ) external returns (uint256 id) {
        _checkPayload(receipt.requestHash, request);
        _checkPayload(receipt.responseHash, response);
        (bytes32 digest, uint256 slashAmount) = _checkReceipt(receipt, signature);
        bool assigned;
        if (sampleSignature.length != 0) {
            _checkSample(receipt.payer, digest, sampleIssuedAt, sampleSignature);
            assigned = true;
        }
        id = _record(receipt, digest, slashAmount, assigned);
        if (assigned) emit ChallengerAssignedBySample(id, msg.sender, sampleIssuedAt);
        _registry.freeze(receipt.provider);
        _token.safeTransferFrom(msg.sender, address(this), _params.challengerBond);
    }

    /// @inheritdoc IDisputes
    function claimChallenge(uint256 id, uint64 issuedAt, bytes calldata sampleSignature) external {
        Dispute storage d = _disputes[id];
        Status status = d.status;
        if (status == Status.None) revert DisputeNotFound(id);
        if (status == Status.Resolved) revert AlreadyResolved(id);
        address previous = d.challenger;
        if (d.assigned) revert ChallengerAssigned(id, previous);
        if (msg.sender == d.provider) revert SelfDispute(msg.sender);
        if (_members[id][msg.sender].round != 0) revert MemberCannotChallenge(id, msg.sender);
        _checkSample(d.payer, d.receiptDigest, issuedAt, sampleSignature);
        d.challenger = msg.sender;
        d.assigned = true;
        uint256 bond = d.bond;
        emit ChallengeClaimed(id, previous, msg.sender);
        // The new challenger's bond replaces the previous one: bondsHeld does not change.
        _token.safeTransferFrom(msg.sender, address(this), bond);
        _token.safeTransfer(previous, bond);
    }

    // ---------------------------------------------------------------- draw

    /// @inheritdoc IDisputes
    function drawCommittee(uint256 id) external {
        Dispute storage d = _disputes[id];
        Status status = d.status;
        if (status == Status.None) revert DisputeNotFound(id);
        if (status != Status.Open) revert AlreadyDrawn(id);
        uint64 drawBlock = d.drawBlock;
        if (block.number <= drawBlock) revert TooEarly(id, drawBlock);
        bytes32 hash = blockhash(drawBlock);
        if (hash == bytes32(0)) {
            // More than 256 blocks ago: never fall back to a block the caller can pick by timing.
            drawBlock = uint64(block.number) + _params.drawDelay;
            d.drawBlock = drawBlock;
            emit DrawRearmed(id, drawBlock);
            return;
        }
        uint8 round = d.round;
        address[] storage committee = _committees[id];
        uint256 earlier = committee.length;
        // Members who revealed are kept; at most committeeSize of them (see the contract's invariants).
        uint256 seats;
        unchecked {
            seats = uint256(d.committeeSize) - d.guiltyVotes - d.innocentVotes;
        }
        address[] memory exclude = new address[](earlier + 2);
        exclude[0] = d.provider;
        exclude[1] = d.challenger;
        for (uint256 i; i < earlier; ++i) {
            exclude[i + 2] = committee[i];
        }
        address[] memory members = _registry.drawValidators(
            d.modelId, uint48(d.snapshotBlock), keccak256(abi.encode(hash, id, round)), seats, exclude
        );
        uint64 commitEnds = uint64(block.timestamp) + _params.commitPeriod;
        uint64 revealEnds = commitEnds + _params.revealPeriod;
        d.status = Status.Drawn;
        d.commitEnds = commitEnds;
        d.revealEnds = revealEnds;
        // earlier <= committeeSize * maxRounds <= 84.
        d.roundStart = uint8(earlier);
        mapping(address => Member) storage memberOf_ = _members[id];
        for (uint256 i; i < members.length; ++i) {
            committee.push(members[i]);
            memberOf_[members[i]].round = round;
        }
        emit CommitteeDrawn(id, round, members, commitEnds, revealEnds);
    }

    // ---------------------------------------------------------------- vote

    /// @inheritdoc IDisputes
    function commitVote(uint256 id, bytes32 commitment) external {
        Dispute storage d = _disputes[id];
        Member storage m = _currentMember(d, id);
        uint64 commitEnds = d.commitEnds;
        if (block.timestamp >= commitEnds) revert CommitClosed(id, commitEnds);
        if (commitment == bytes32(0)) revert ZeroCommitment();
        if (m.commitment != bytes32(0)) revert AlreadyCommitted(id, msg.sender);
        m.commitment = commitment;
        emit VoteCommitted(id, msg.sender);
    }

    /// @inheritdoc IDisputes
    function revealVote(uint256 id, bool guilty, bytes32 salt) external {
        Dispute storage d = _disputes[id];
        Member storage m = _currentMember(d, id);
        uint64 commitEnds = d.commitEnds;
        uint64 revealEnds = d.revealEnds;
        if (block.timestamp < commitEnds || block.timestamp >= revealEnds) {
            revert NotRevealPhase(id, commitEnds, revealEnds);
        }
        bytes32 commitment = m.commitment;
        if (commitment == bytes32(0)) revert NotCommitted(id, msg.sender);
        if (m.revealed) revert AlreadyRevealed(id, msg.sender);
        if (commitment != keccak256(abi.encode(id, d.round, msg.sender, guilty, salt))) {
            revert CommitmentMismatch(id, msg.sender);
        }
        m.revealed = true;
        m.guilty = guilty;
        // At most committeeSize (<= 21) reveals per dispute, each member once.
        unchecked {
            if (guilty) ++d.guiltyVotes;
            else ++d.innocentVotes;
        }
        emit VoteRevealed(id, msg.sender, guilty);
    }

    // ------------------------------------------------------------- resolve

    /// @inheritdoc IDisputes
    function resolve(uint256 id) external {
        Dispute storage d = _disputes[id];
        Status status = d.status;
        if (status == Status.None) revert DisputeNotFound(id);
        if (status == Status.Resolved) revert AlreadyResolved(id);
        if (status == Status.Open) revert CommitteeNotDrawn(id);
        uint256 size = d.committeeSize;
        uint256 guiltyVotes = d.guiltyVotes;
        uint256 innocentVotes = d.innocentVotes;
        if (guiltyVotes + innocentVotes < size && block.timestamp < d.revealEnds) {
            revert NotResolvable(id, d.revealEnds);
        }
        uint8 round = d.round;
        uint256 absentees = _penalizeAbsentees(id, d.roundStart, round);

        Outcome outcome;
        if (guiltyVotes > size / 2) {
            outcome = Outcome.Guilty;
        } else if (innocentVotes > size / 2) {
            outcome = Outcome.Innocent;
        } else if (round < d.maxRounds) {
            // No majority of the full committee yet: the absentees are dropped (they stay excluded as
            // earlier members) and a new round draws their seats.
            unchecked {
                ++round;
            }
            uint64 drawBlock = uint64(block.number) + _params.drawDelay;
            d.round = round;
            d.drawBlock = drawBlock;
            d.status = Status.Open;
            emit RoundEscalated(id, round, drawBlock);
            return;
        } else {
            outcome = Outcome.Void;
        }
        _settle(id, d, outcome, absentees);
    }

    // ------------------------------------------------------------ penalties

    /// @inheritdoc IDisputes
    function collectPenalty(address member) external {
        uint256 amount = pendingPenaltyOf[member];
        if (amount == 0) revert NoPenaltyPending(member);
        delete pendingPenaltyOf[member];
        // Burned; takes min(amount, stake + unbonding left), stake first.
        uint256 slashed = _registry.slash(member, amount, address(0));
        // The one freeze the pending penalty held (see _penalizeAbsentees).
        _registry.unfreeze(member);
        emit PenaltyCollected(member, amount, slashed);
    }

    // ---------------------------------------------------------- parameters

    /// @inheritdoc IDisputes
    function setParams(Params calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @inheritdoc IDisputes
    function setVerificationFees(address verificationFees_) external onlyOwner {
        if (verificationFees_ == address(0)) revert ZeroAddress();
        address current = verificationFees;
        if (current != address(0)) revert VerificationFeesAlreadySet(current);
        // Set once and called by every verdict: a contract that refused our credits would block them all.
        address wired = IVerificationFees(verificationFees_).disputes();
        if (wired != address(this)) revert VerificationFeesNotWired(verificationFees_, wired);
        address feesToken = IVerificationFees(verificationFees_).token();
        if (feesToken != address(_token)) revert TokenMismatch(address(_token), feesToken);
        verificationFees = verificationFees_;
        emit VerificationFeesSet(verificationFees_);
    }

    // --------------------------------------------------------------- views

    /// @inheritdoc IDisputeWindow
    function minUnbondingPeriod() public view override(IDisputes, IDisputeWindow) returns (uint64) {
        return _minUnbondingPeriod(_params);
    }

    /// @inheritdoc IDisputes
    function pendingFreezesOf(address member) external view returns (uint256) {
        return pendingPenaltyOf[member] == 0 ? 0 : 1;
    }

    /// @inheritdoc IDisputes
    function voteCommitment(uint256 id, uint8 round, address member, bool guilty, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(id, round, member, guilty, salt));
    }

    /// @inheritdoc IDisputes
    function hashSample(bytes32 receiptDigest, address validator, uint64 issuedAt) public view returns (bytes32) {
        bytes32 domainSeparator = block.chainid == _cachedChainId
            ? _cachedValidationDomain
            : _domainSeparator(VALIDATION_NAME_HASH, VALIDATION_VERSION_HASH, address(this));
        return MessageHashUtils.toTypedDataHash(
            domainSeparator, keccak256(abi.encode(SAMPLE_TYPEHASH, receiptDigest, validator, issuedAt))
        );
    }

    /// @inheritdoc IDisputes
    function getDispute(uint256 id) external view returns (Dispute memory) {
        return _disputes[id];
    }

    /// @inheritdoc IDisputes
    function committeeOf(uint256 id) external view returns (address[] memory) {
        return _committees[id];
    }

    /// @inheritdoc IDisputes
    function committeeOfRound(uint256 id, uint8 round) external view returns (address[] memory members) {
        address[] storage committee = _committees[id];
        mapping(address => Member) storage memberOf_ = _members[id];
        members = new address[](committee.length);
        uint256 count;
        for (uint256 i; i < committee.length; ++i) {
            if (memberOf_[committee[i]].round == round) members[count++] = committee[i];
        }
        // Shrink to `count` in place; count <= committee.length.
        assembly ("memory-safe") {
            mstore(members, count)
        }
    }

    /// @inheritdoc IDisputes
    function memberOf(uint256 id, address member) external view returns (Member memory) {
        return _members[id][member];
    }

    /// @inheritdoc IDisputes
    function hasVoted(uint256 id, address member) external view returns (bool) {
        return _members[id][member].revealed;
    }

    /// @inheritdoc IDisputes
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IDisputes
    function hashReceipt(Receipt calldata receipt) public view returns (bytes32) {
        bytes32 domainSeparator = block.chainid == _cachedChainId
            ? _cachedPaymentsDomain
            : _domainSeparator(PAYMENTS_NAME_HASH, PAYMENTS_VERSION_HASH, _payments);
        // Receipt has only static fields, so abi.encode lays them out as EIP-712's encodeData does.
        return MessageHashUtils.toTypedDataHash(domainSeparator, keccak256(abi.encode(RECEIPT_TYPEHASH, receipt)));
    }

    /// @inheritdoc IDisputes
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IDisputes
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IDisputes
    function payments() external view returns (address) {
        return _payments;
    }

    /// @inheritdoc IDisputes
    function currentEpoch() public view returns (uint64) {
        return Epochs.current(genesis, epochLength);
    }

    // ------------------------------------------------------------ internal

    /// @dev Reverts unless `payload` hashes (keccak256) to `expected`, the receipt's request or response hash.
    function _checkPayload(bytes32 expected, bytes calldata payload) private pure {
        bytes32 actual = keccak256(payload);
        if (actual != expected) revert PayloadMismatch(expected, actual);
    }

    /// @dev Checks who may dispute the receipt, when, and its signature; returns its digest and the slash
    /// amount: (stake + unbonding) * slashBps / 10,000 now. No lock and no "fully committed" refusal (F3):
    /// each dispute slashes from what is left when it resolves.
    function _checkReceipt(Receipt calldata receipt, bytes calldata signature)
        private
        view
        returns (bytes32 digest, uint256 slashAmount)
    {
        address provider = receipt.provider;
        if (msg.sender == provider) revert SelfDispute(provider);
        // F2: any account with stake left, registered or not (unbonding stake is still slashable).
        (, uint256 staked, uint256 unbonding,) = _registry.stakeOf(provider);
        uint256 held = staked + unbonding;
        if (held == 0) revert NothingAtStake(provider);
        uint64 servedAt = receipt.servedAt;
        // First, so that servedAt + disputeWindow below cannot overflow.
        if (servedAt > block.timestamp + MAX_CLOCK_SKEW) revert ServedInFuture(servedAt);
        uint64 closesAt = servedAt + _params.disputeWindow;
        if (closesAt < block.timestamp) revert DisputeWindowClosed(servedAt, closesAt);
        digest = hashReceipt(receipt);
        uint256 existing = disputeOfReceipt[digest];
        if (existing != 0) revert DisputeExists(digest, existing);
        // ECDSA first, EIP-1271 only when it fails: a provider that delegates its EOA (EIP-7702) to code
        // that answers "invalid" cannot disown the receipts its key signed.
        if (!SignatureRule.isValid(provider, digest, signature)) revert InvalidReceiptSignature(provider);
        slashAmount = held * _params.slashBps / BPS;
    }

    /// @dev Stores a new dispute (round 1, waiting for its draw), counts it and its bond, emits DisputeOpened.
    function _record(Receipt calldata receipt, bytes32 digest, uint256 slashAmount, bool assigned)
        private
        returns (uint256 id)
    {
        address provider = receipt.provider;
        Params storage p = _params;
        uint256 bond = p.challengerBond;
        id = ++disputeCount;
        // Block numbers and timestamps fit in 64 bits for any chain that will exist; block.number >= 1.
        uint64 drawBlock = uint64(block.number) + p.drawDelay;
        Dispute storage d = _disputes[id];
        d.provider = provider;
        d.openedAt = uint64(block.timestamp);
        d.round = 1;
        d.committeeSize = p.committeeSize;
        d.maxRounds = p.maxRounds;
        d.challenger = msg.sender;
        d.openBlock = uint64(block.number);
        d.status = Status.Open;
        d.assigned = assigned;
        d.modelId = receipt.modelId;
        d.receiptDigest = digest;
        d.slashAmount = slashAmount;
        d.bond = bond;
        d.snapshotBlock = uint64(block.number - 1);
        d.drawBlock = drawBlock;
        d.openEpoch = currentEpoch();
        d.payer = receipt.payer;
        disputeOfReceipt[digest] = id;
        // Bounded by the number of disputes ever opened, and by the MESH supply.
        unchecked {
            ++openDisputesOf[provider];
            bondsHeld += bond;
        }
        emit DisputeOpened(id, provider, msg.sender, receipt.modelId, digest, slashAmount, bond, drawBlock);
    }

    /// @dev Reverts unless `signature` is `payer`'s sample signature naming the caller (F6).
    function _checkSample(address payer, bytes32 digest, uint64 issuedAt, bytes calldata signature) private view {
        if (!SignatureRule.isValid(payer, hashSample(digest, msg.sender, issuedAt), signature)) {
            revert InvalidSampleSignature(payer, msg.sender);
        }
    }

    /// @dev The caller's Member record in the dispute's current round; reverts NotAMember otherwise.
    function _currentMember(Dispute storage d, uint256 id) private view returns (Member storage m) {
        m = _members[id][msg.sender];
        if (d.status != Status.Drawn || m.round != d.round) revert NotAMember(id, msg.sender);
    }

    /// @dev Records a penalty of `absentSlashBps` of stake + unbonding (now) for each member of `round` who
    /// did not reveal, to be burned by `collectPenalty`, and freezes the member's stake when it had no
    /// penalty pending yet (one freeze per member however many penalties add up); returns how many
    /// absentees there were. Stake in unbonding counts, so leaving after the draw does not escape the
    /// penalty. No Registry slash here: see the contract's notes on deferred penalties.
    function _penalizeAbsentees(uint256 id, uint256 start, uint8 round) private returns (uint256 count) {
        address[] storage committee = _committees[id];
        mapping(address => Member) storage memberOf_ = _members[id];
        uint256 bps = _params.absentSlashBps;
        uint256 length = committee.length;
        for (uint256 i = start; i < length; ++i) {
            address member = committee[i];
            if (memberOf_[member].revealed) continue;
            ++count;
            (, uint256 staked, uint256 unbonding,) = _registry.stakeOf(member);
            uint256 penalty = (staked + unbonding) * bps / BPS;
            emit AbsenteePenalized(id, member, round, penalty);
            if (penalty == 0) continue;
            uint256 pending = pendingPenaltyOf[member];
            // Each penalty is at most 10% of a stake, itself at most the MESH supply: no overflow.
            pendingPenaltyOf[member] = pending + penalty;
            if (pending == 0) _registry.freeze(member);
        }
    }

    /// @dev Final outcome: moves the bond and the slash, unfreezes the provider once.
    function _settle(uint256 id, Dispute storage d, Outcome outcome, uint256 absentees) private {
        address provider = d.provider;
        address challenger = d.challenger;
        uint256 bond = d.bond;
        d.status = Status.Resolved;
        d.outcome = outcome;
        // The dispute was unresolved, so both counts include it.
        unchecked {
            --openDisputesOf[provider];
            bondsHeld -= bond;
        }
        uint256 slashed;
        uint256 reward;
        uint256 toCommittee;
        if (outcome == Outcome.Guilty) {
            uint64 epoch = d.openEpoch;
            penalized[provider][epoch] = true;
            if (epoch != 0) penalized[provider][epoch - 1] = true;
            // Takes min(slashAmount, stake + unbonding left) into this contract.
            slashed = _registry.slash(provider, d.slashAmount, address(this));
            // F6: only the validator the payer named earns the reward; reward <= slashed.
            if (d.assigned) reward = slashed * _params.challengerRewardBps / BPS;
            unchecked {
                if (slashed - reward != 0) _token.burn(slashed - reward);
            }
            _token.safeTransfer(challenger, reward + bond);
            address fees = verificationFees;
            if (fees != address(0)) IVerificationFees(fees).creditVotes(_votersWith(id, true, d.guiltyVotes));
        } else if (outcome == Outcome.Innocent) {
            address[] memory voters = _votersWith(id, false, d.innocentVotes);
            // F3: the failed bond goes to the members who revealed "innocent", never to the provider.
            toCommittee = _payInnocentVoters(voters, bond);
            unchecked {
                if (bond - toCommittee != 0) _token.burn(bond - toCommittee);
            }
            address fees = verificationFees;
            if (fees != address(0)) IVerificationFees(fees).creditVotes(voters);
        } else {
            _token.safeTransfer(challenger, bond);
        }
        _registry.unfreeze(provider);
        emit DisputeResolved(id, outcome, slashed, reward, toCommittee, absentees);
    }

    /// @dev The members of the dispute (any round) who revealed `guilty`: `count` of them (the dispute's
    /// guiltyVotes or innocentVotes), in draw order. A member who revealed in an earlier round is kept in
    /// the later rounds' committee, so these are the final committee's voters with that vote.
    function _votersWith(uint256 id, bool guilty, uint256 count) private view returns (address[] memory voters) {
        voters = new address[](count);
        address[] storage committee = _committees[id];
        mapping(address => Member) storage memberOf_ = _members[id];
        uint256 length = committee.length;
        uint256 found;
        for (uint256 i; i < length && found < count; ++i) {
            address member = committee[i];
            Member storage m = memberOf_[member];
            if (!m.revealed || m.guilty != guilty) continue;
            voters[found++] = member;
        }
    }

    /// @dev Pays `bond / voters.length` to each of `voters` (who revealed "innocent"); returns the total paid.
    function _payInnocentVoters(address[] memory voters, uint256 bond) private returns (uint256 paid) {
        uint256 share = bond / voters.length; // voters > committeeSize / 2 >= 1
        if (share == 0) return 0;
        for (uint256 i; i < voters.length; ++i) {
            paid += share;
            _token.safeTransfer(voters[i], share);
        }
    }

    /// @dev The EIP-712 domain separator of `{name, version, chainId: now, verifyingContract}`.
    function _domainSeparator(bytes32 nameHash, bytes32 versionHash, address verifyingContract)
        private
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, nameHash, versionHash, block.chainid, verifyingContract));
    }

    /// @dev `disputeWindow + maxRounds * (commitPeriod + revealPeriod)` of `p`.
    function _minUnbondingPeriod(Params memory p) private pure returns (uint64) {
        // At most 60 days + 4 * 60 days: no overflow.
        return p.disputeWindow + uint64(p.maxRounds) * (p.commitPeriod + p.revealPeriod);
    }

    /// @dev Checks every field's range and that the Registry's unbonding period covers `p`, then stores
    /// `p` and emits ParamsSet.
    function _setParams(Params memory p) private {
        if (p.challengerBond == 0 || p.challengerBond > MAX_CHALLENGER_BOND) {
            revert ParameterOutOfRange("challengerBond", p.challengerBond, 1, MAX_CHALLENGER_BOND);
        }
        if (p.slashBps == 0 || p.slashBps > MAX_SLASH_BPS) {
            revert ParameterOutOfRange("slashBps", p.slashBps, 1, MAX_SLASH_BPS);
        }
        if (p.challengerRewardBps > BPS) {
            revert ParameterOutOfRange("challengerRewardBps", p.challengerRewardBps, 0, BPS);
        }
        if (p.committeeSize < MIN_COMMITTEE_SIZE || p.committeeSize > MAX_COMMITTEE_SIZE || p.committeeSize % 2 == 0) {
            revert ParameterOutOfRange("committeeSize", p.committeeSize, MIN_COMMITTEE_SIZE, MAX_COMMITTEE_SIZE);
        }
        if (p.drawDelay == 0) revert ParameterOutOfRange("drawDelay", p.drawDelay, 1, type(uint8).max);
        if (p.commitPeriod < MIN_PHASE_PERIOD || p.commitPeriod > MAX_PHASE_PERIOD) {
            revert ParameterOutOfRange("commitPeriod", p.commitPeriod, MIN_PHASE_PERIOD, MAX_PHASE_PERIOD);
        }
        if (p.revealPeriod < MIN_PHASE_PERIOD || p.revealPeriod > MAX_PHASE_PERIOD) {
            revert ParameterOutOfRange("revealPeriod", p.revealPeriod, MIN_PHASE_PERIOD, MAX_PHASE_PERIOD);
        }
        if (p.absentSlashBps > MAX_ABSENT_SLASH_BPS) {
            revert ParameterOutOfRange("absentSlashBps", p.absentSlashBps, 0, MAX_ABSENT_SLASH_BPS);
        }
        if (p.disputeWindow < MIN_DISPUTE_WINDOW || p.disputeWindow > MAX_DISPUTE_WINDOW) {
            revert ParameterOutOfRange("disputeWindow", p.disputeWindow, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW);
        }
        if (p.maxRounds == 0 || p.maxRounds > MAX_ROUNDS) {
            revert ParameterOutOfRange("maxRounds", p.maxRounds, 1, MAX_ROUNDS);
        }
        uint64 needed = _minUnbondingPeriod(p);
        uint64 unbonding = _registry.unbondingPeriod();
        if (unbonding < needed) revert UnbondingPeriodTooShort(unbonding, needed);
        _params = p;
        emit ParamsSet(p);
    }
}
