// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IDisputes} from "./interfaces/IDisputes.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {Epochs} from "./libraries/Epochs.sol";
import {SignatureRule} from "./libraries/SignatureRule.sol";

/// @title Disputes
/// @notice Receipt disputes decided by a stake-weighted random committee of validators. See IDisputes.
/// @dev Invariants:
/// - token.balanceOf(this) == sum of `bond` over disputes not yet resolved (slashed MESH passes through
///   within `resolve` and leaves in the same call; anything sent here by mistake only makes the left side
///   larger);
/// - for every open or drawn dispute, `slashAmount` of the provider's stake is locked in the Registry,
///   and the lock is released exactly once, when the dispute resolves;
/// - a dispute resolves once; each member's vote counts once; `guiltyVotes + innocentVotes` never exceeds
///   the committee's size;
/// - `openDisputesOf[p]` is the number of disputes against p whose status is Open or Drawn.
///
/// Committee randomness: the seed is `keccak256(blockhash(drawBlock), id)`, where `drawBlock` lies
/// `drawDelay` blocks after the opening block, so neither the challenger nor the provider knows it when the
/// dispute is opened. Limits, accepted for now: (1) the producer of `drawBlock` can see the committee its
/// block would draw and withhold the block to re-roll, giving up its block reward (with a centralized L2
/// sequencer that party picks the committee outright); (2) when nobody draws within 256 blocks, blockhash
/// returns zero and the seed falls back to the previous block's hash, which the caller chooses by timing
/// its call; anyone can draw as soon as `block.number > drawBlock`, so an honest party prevents this.
/// A VRF or a commit-reveal beacon would remove both; the seed is computed in one place (`_seed`).
///
/// The draw reads every validator from the Registry, so its gas grows with the validator count (about
/// 10k gas per validator); a few hundred validators fit in a block.
contract Disputes is IDisputes, Ownable2Step {
    using SafeERC20 for IMeshToken;

    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,uint256 cumulativeAmount)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant PAYMENTS_NAME_HASH = keccak256("InferMesh Payments");
    bytes32 private constant PAYMENTS_VERSION_HASH = keccak256("2");

    uint256 private constant BPS = 10_000;
    uint256 public constant MAX_CHALLENGER_BOND = 1e9 ether;
    uint16 public constant MAX_SLASH_BPS = 5000;
    uint8 public constant MAX_COMMITTEE_SIZE = 21;
    uint64 public constant MIN_VOTING_PERIOD = 1 minutes;
    uint64 public constant MAX_VOTING_PERIOD = 30 days;
    uint16 public constant MAX_ABSENT_SLASH_BPS = 1000;

    uint8 private constant MEMBER = 1;
    uint8 private constant VOTED = 2;

    IMeshToken private immutable _token;
    IRegistry private immutable _registry;
    address private immutable _payments;
    /// @inheritdoc IDisputes
    uint64 public immutable genesis;
    /// @inheritdoc IDisputes
    uint64 public immutable epochLength;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    Params private _params;
    /// @inheritdoc IDisputes
    uint256 public disputeCount;
    /// @inheritdoc IDisputes
    mapping(address provider => uint256) public openDisputesOf;
    /// @inheritdoc IDisputes
    mapping(bytes32 receiptDigest => uint256) public disputeOfReceipt;
    /// @inheritdoc IDisputes
    mapping(address provider => mapping(uint64 epoch => bool)) public penalized;

    mapping(uint256 id => Dispute) private _disputes;
    mapping(uint256 id => address[]) private _committees;
    /// @dev 0: not a member, MEMBER: has not voted, VOTED: has voted.
    mapping(uint256 id => mapping(address member => uint8)) private _members;

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
        _cachedDomainSeparator = _paymentsDomainSeparator();
        _setParams(params_);
    }

    // ----------------------------------------------------------------- open

    /// @inheritdoc IDisputes
    function openDispute(
        Receipt calldata receipt,
        bytes calldata signature,
        bytes calldata request,
        bytes calldata response
    ) external returns (uint256 id) {
        _checkPayload(receipt.requestHash, request);
        _checkPayload(receipt.responseHash, response);
        (bytes32 digest, uint256 slashAmount) = _checkReceipt(receipt, signature);
        address provider = receipt.provider;
        uint256 bond = _params.challengerBond;
        id = _record(provider, receipt.modelId, digest, slashAmount, bond);
        _registry.lockStake(provider, slashAmount);
        _token.safeTransferFrom(msg.sender, address(this), bond);
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

        address[] memory members = _sample(_seed(drawBlock, id), d.provider, d.challenger, _params.committeeSize);
        uint64 votingEnds = uint64(block.timestamp) + _params.votingPeriod;
        d.status = Status.Drawn;
        d.votingEnds = votingEnds;
        address[] storage committee = _committees[id];
        mapping(address => uint8) storage memberOf = _members[id];
        for (uint256 i; i < members.length; ++i) {
            committee.push(members[i]);
            memberOf[members[i]] = MEMBER;
        }
        emit CommitteeDrawn(id, members, votingEnds);
    }

    // ---------------------------------------------------------------- vote

    /// @inheritdoc IDisputes
    function vote(uint256 id, bool guilty) external {
        uint8 state = _members[id][msg.sender];
        if (state == 0) revert NotAMember(id, msg.sender);
        Dispute storage d = _disputes[id];
        uint64 votingEnds = d.votingEnds;
        if (block.timestamp >= votingEnds || d.status == Status.Resolved) revert VotingClosed(id, votingEnds);
        if (state == VOTED) revert AlreadyVoted(id, msg.sender);
        _members[id][msg.sender] = VOTED;
        // At most MAX_COMMITTEE_SIZE votes, each member once.
        unchecked {
            if (guilty) ++d.guiltyVotes;
            else ++d.innocentVotes;
        }
        emit Voted(id, msg.sender, guilty);
    }

    // ------------------------------------------------------------- resolve

    /// @inheritdoc IDisputes
    function resolve(uint256 id) external {
        Dispute storage d = _disputes[id];
        Status status = d.status;
        if (status == Status.None) revert DisputeNotFound(id);
        if (status == Status.Resolved) revert AlreadyResolved(id);
        address[] storage committee = _committees[id];
        if (status == Status.Open) {
            uint64 resolvableAt = d.openedAt + 2 * _params.votingPeriod;
            if (block.timestamp < resolvableAt) revert NotResolvable(id, resolvableAt);
        } else if (uint256(d.guiltyVotes) + d.innocentVotes < committee.length && block.timestamp < d.votingEnds) {
            revert NotResolvable(id, d.votingEnds);
        }

        bool guilty = d.guiltyVotes > d.innocentVotes;
        address provider = d.provider;
        uint256 slashAmount = d.slashAmount;
        uint256 slashed;
        uint256 reward;
        if (guilty) {
            // Registry.slash takes exactly min(amount, stake + unbonding); read it now so that the event
            // can come before the external calls.
            (, uint256 staked, uint256 unbonding,) = _registry.stakeOf(provider);
            slashed = slashAmount < staked + unbonding ? slashAmount : staked + unbonding;
            reward = slashed * _params.challengerRewardBps / BPS;
        }
        (address[] memory absent, uint256[] memory penalties) = _absentees(id, committee);

        d.status = Status.Resolved;
        d.guilty = guilty;
        // The dispute was open, so the count is at least one.
        unchecked {
            --openDisputesOf[provider];
        }
        if (guilty) {
            uint64 epoch = d.openEpoch;
            penalized[provider][epoch] = true;
            if (epoch != 0) penalized[provider][epoch - 1] = true;
        }
        uint256 bond = d.bond;
        emit DisputeResolved(id, guilty, slashed, reward, guilty ? 0 : bond, absent.length);

        _registry.unlockStake(provider, slashAmount);
        if (guilty) {
            if (slashed != 0) _registry.slash(provider, slashAmount, address(this));
            // reward <= slashed: challengerRewardBps <= 10,000.
            unchecked {
                if (slashed - reward != 0) _token.burn(slashed - reward);
            }
            if (reward + bond != 0) _token.safeTransfer(d.challenger, reward + bond);
        } else if (bond != 0) {
            _token.safeTransfer(provider, bond);
        }
        for (uint256 i; i < absent.length; ++i) {
            if (penalties[i] != 0) _registry.slash(absent[i], penalties[i], address(0));
        }
    }

    // ---------------------------------------------------------- parameters

    /// @inheritdoc IDisputes
    function setParams(Params calldata params_) external onlyOwner {
        _setParams(params_);
    }

    // --------------------------------------------------------------- views

    /// @inheritdoc IDisputes
    function getDispute(uint256 id) external view returns (Dispute memory) {
        return _disputes[id];
    }

    /// @inheritdoc IDisputes
    function committeeOf(uint256 id) external view returns (address[] memory) {
        return _committees[id];
    }

    /// @inheritdoc IDisputes
    function hasVoted(uint256 id, address member) external view returns (bool) {
        return _members[id][member] == VOTED;
    }

    /// @inheritdoc IDisputes
    function params() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc IDisputes
    function hashReceipt(Receipt calldata receipt) public view returns (bytes32) {
        bytes32 domainSeparator = block.chainid == _cachedChainId ? _cachedDomainSeparator : _paymentsDomainSeparator();
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

    function _checkPayload(bytes32 expected, bytes calldata payload) private pure {
        bytes32 actual = keccak256(payload);
        if (actual != expected) revert PayloadMismatch(expected, actual);
    }

    /// @dev Checks who may dispute the receipt and its signature; returns its digest and what to lock:
    /// min((stake + unbonding) * slashBps / 10,000, stake + unbonding - locked).
    function _checkReceipt(Receipt calldata receipt, bytes calldata signature)
        private
        view
        returns (bytes32 digest, uint256 slashAmount)
    {
        address provider = receipt.provider;
        (IRegistry.Role role, uint256 staked, uint256 unbonding,) = _registry.stakeOf(provider);
        if (role != IRegistry.Role.Provider) revert NotAProvider(provider);
        if (msg.sender == provider) revert SelfDispute(provider);
        digest = hashReceipt(receipt);
        uint256 existing = disputeOfReceipt[digest];
        if (existing != 0) revert DisputeExists(digest, existing);
        // ECDSA first, EIP-1271 only when it fails: a provider that delegates its EOA (EIP-7702) to code
        // that answers "invalid" cannot disown the receipts its key signed.
        if (!SignatureRule.isValid(provider, digest, signature)) {
            revert InvalidReceiptSignature(provider);
        }
        uint256 held = staked + unbonding;
        uint256 locked = _registry.lockedOf(provider);
        uint256 free = held > locked ? held - locked : 0;
        slashAmount = held * _params.slashBps / BPS;
        if (slashAmount > free) slashAmount = free;
        if (slashAmount == 0) revert StakeFullyCommitted(provider);
    }

    /// @dev Stores a new dispute, counts it as open against `provider` and emits DisputeOpened.
    function _record(address provider, bytes32 modelId, bytes32 digest, uint256 slashAmount, uint256 bond)
        private
        returns (uint256 id)
    {
        id = ++disputeCount;
        // Block numbers and timestamps fit in 64 bits for any chain that will exist.
        uint64 drawBlock = uint64(block.number) + _params.drawDelay;
        Dispute storage d = _disputes[id];
        d.provider = provider;
        d.challenger = msg.sender;
        d.modelId = modelId;
        d.receiptDigest = digest;
        d.slashAmount = slashAmount;
        d.bond = bond;
        d.openedAt = uint64(block.timestamp);
        d.openBlock = uint64(block.number);
        d.drawBlock = drawBlock;
        d.openEpoch = currentEpoch();
        d.status = Status.Open;
        disputeOfReceipt[digest] = id;
        // Bounded by the number of disputes ever opened.
        unchecked {
            ++openDisputesOf[provider];
        }
        emit DisputeOpened(id, provider, msg.sender, modelId, digest, slashAmount, bond, drawBlock);
    }

    /// @dev The committee seed; see the contract's NatSpec for what it protects against and what not.
    function _seed(uint64 drawBlock, uint256 id) private view returns (bytes32) {
        bytes32 hash = blockhash(drawBlock);
        if (hash == bytes32(0)) hash = blockhash(block.number - 1);
        return keccak256(abi.encode(hash, id));
    }

    /// @dev Stake-weighted sampling without replacement of up to `size` active validators other than
    /// `provider` and `challenger`: each pick is a validator with probability stake / remaining stake.
    function _sample(bytes32 seed, address provider, address challenger, uint256 size)
        private
        view
        returns (address[] memory members)
    {
        IRegistry.ValidatorView[] memory all = _registry.getValidators(0, _registry.validatorCount());
        address[] memory candidates = new address[](all.length);
        uint256[] memory weights = new uint256[](all.length);
        uint256 count;
        uint256 total;
        for (uint256 i; i < all.length; ++i) {
            IRegistry.ValidatorView memory v = all[i];
            if (!v.active || v.validator == provider || v.validator == challenger) continue;
            candidates[count] = v.validator;
            weights[count] = v.stake;
            total += v.stake;
            ++count;
        }
        uint256 picks = size < count ? size : count;
        members = new address[](picks);
        for (uint256 j; j < picks; ++j) {
            uint256 r = uint256(keccak256(abi.encode(seed, j))) % total;
            uint256 k;
            uint256 cumulative = weights[0];
            while (r >= cumulative) {
                cumulative += weights[++k];
            }
            members[j] = candidates[k];
            // Remove the pick: its weight leaves the total and the last candidate takes its place.
            // total >= weights[k] and count >= 1 here (a pick was made from them).
            unchecked {
                total -= weights[k];
                --count;
            }
            candidates[k] = candidates[count];
            weights[k] = weights[count];
        }
    }

    /// @dev The members of `id`'s committee who did not vote, and what each loses.
    function _absentees(uint256 id, address[] storage committee)
        private
        view
        returns (address[] memory absent, uint256[] memory penalties)
    {
        uint256 length = committee.length;
        absent = new address[](length);
        penalties = new uint256[](length);
        uint256 bps = _params.absentSlashBps;
        uint256 count;
        mapping(address => uint8) storage memberOf = _members[id];
        for (uint256 i; i < length; ++i) {
            address member = committee[i];
            if (memberOf[member] == VOTED) continue;
            // Stake in unbonding counts too, so leaving after the draw does not escape the penalty.
            (, uint256 staked, uint256 unbonding,) = _registry.stakeOf(member);
            absent[count] = member;
            penalties[count] = (staked + unbonding) * bps / BPS;
            ++count;
        }
        // Shrink both arrays to `count` in place; count <= length.
        assembly ("memory-safe") {
            mstore(absent, count)
            mstore(penalties, count)
        }
    }

    function _paymentsDomainSeparator() private view returns (bytes32) {
        return
            keccak256(abi.encode(DOMAIN_TYPEHASH, PAYMENTS_NAME_HASH, PAYMENTS_VERSION_HASH, block.chainid, _payments));
    }

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
        if (p.committeeSize == 0 || p.committeeSize > MAX_COMMITTEE_SIZE) {
            revert ParameterOutOfRange("committeeSize", p.committeeSize, 1, MAX_COMMITTEE_SIZE);
        }
        if (p.drawDelay == 0) revert ParameterOutOfRange("drawDelay", p.drawDelay, 1, type(uint8).max);
        if (p.votingPeriod < MIN_VOTING_PERIOD || p.votingPeriod > MAX_VOTING_PERIOD) {
            revert ParameterOutOfRange("votingPeriod", p.votingPeriod, MIN_VOTING_PERIOD, MAX_VOTING_PERIOD);
        }
        if (p.absentSlashBps > MAX_ABSENT_SLASH_BPS) {
            revert ParameterOutOfRange("absentSlashBps", p.absentSlashBps, 0, MAX_ABSENT_SLASH_BPS);
        }
        _params = p;
        emit ParamsSet(p);
    }
}
