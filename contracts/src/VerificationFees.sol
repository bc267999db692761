// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IVerificationFees} from "./interfaces/IVerificationFees.sol";
import {Epochs} from "./libraries/Epochs.sol";

/// @title VerificationFees
/// @notice Per-epoch pools, funded by a share of the burn, paid per committee vote with the verdict. See
/// IVerificationFees.
/// @dev Invariants:
/// - token.balanceOf(this) == Σ_e pool(e) − Σ claimed fees − Σ rolled-out amounts (MESH sent here by
///   mistake, not through `fund`, only makes the left side larger);
/// - only the current epoch's pool, votes and cap change by `fund`, `creditVotes` and `rollOver` (into it);
///   an ended epoch's pool and votes never change, so its `feePerVote` is final;
/// - for an ended epoch, Σ over validators of fees claimed <= votes × feePerVote <= pool, and a roll-over
///   takes pool − votes × feePerVote, once: claims plus roll-over never exceed the pool;
/// - a (validator, epoch) is paid at most once, to the validator;
/// - an epoch's cap is set at its first fund, credit or roll-over in and never changes afterwards
///   (`maxFeePerVote` >= 1, so a stored cap of 0 means "not set yet").
/// Pools are stored in 128 bits (SafeCast reverts above; far beyond the MESH supply), vote points in 32
/// bits per epoch (4.29e9 points: each one costs a committee member's reveal, so no epoch gets near it)
/// and the cap in 88 bits (MAX_FEE_PER_VOTE = 1e6 MESH < 2^88).
contract VerificationFees is IVerificationFees, Ownable2Step {
    using SafeERC20 for IMeshToken;
    using SafeCast for uint256;

    /// @notice The highest `maxFeePerVote` the owner may set.
    uint256 public constant MAX_FEE_PER_VOTE = 1e6 ether;

    /// @dev One epoch's books, in one slot: what was booked to its pool, its vote points, the cap in force
    /// (0 until the first fund or credit) and whether its leftover was rolled over.
    struct EpochBook {
        uint128 pool;
        uint32 votes;
        uint88 cap;
        bool rolledOver;
    }

    /// @dev A validator's points in an epoch and whether they were paid, in one slot.
    struct Share {
        uint32 votes;
        bool claimed;
    }

    IMeshToken private immutable _token;
    /// @inheritdoc IVerificationFees
    uint64 public immutable genesis;
    /// @inheritdoc IVerificationFees
    uint64 public immutable epochLength;

    /// @inheritdoc IVerificationFees
    address public disputes;
    /// @inheritdoc IVerificationFees
    uint256 public maxFeePerVote;

    mapping(uint64 epoch => EpochBook) private _books;
    mapping(uint64 epoch => mapping(address validator => Share)) private _shares;

    constructor(address owner_, IMeshToken token_, uint64 genesis_, uint64 epochLength_, uint256 maxFeePerVote_)
        Ownable(owner_)
    {
        if (address(token_) == address(0)) revert ZeroAddress();
        if (!Epochs.isValidLength(epochLength_)) {
            revert ParameterOutOfRange("epochLength", epochLength_, Epochs.MIN_EPOCH_LENGTH, Epochs.MAX_EPOCH_LENGTH);
        }
        _token = token_;
        genesis = genesis_;
        epochLength = epochLength_;
        _setMaxFeePerVote(maxFeePerVote_);
    }

    // ------------------------------------------------------------------ pool

    /// @inheritdoc IVerificationFees
    function fund(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint64 epoch = currentEpoch();
        _book(epoch, amount);
        emit FeesFunded(epoch, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IVerificationFees
    function creditVotes(address[] calldata voters) external {
        // No caller is address(0), so an unset Disputes matches nobody.
        if (msg.sender != disputes) revert NotDisputes(msg.sender);
        uint256 count = voters.length;
        if (count == 0) return;
        uint64 epoch = currentEpoch();
        EpochBook memory book = _books[epoch];
        if (book.cap == 0) book.cap = uint88(maxFeePerVote);
        // At most 21 entries per call (a committee); 2^32 points per epoch are out of any gas budget.
        book.votes = (uint256(book.votes) + count).toUint32();
        _books[epoch] = book;
        mapping(address => Share) storage shares = _shares[epoch];
        for (uint256 i; i < count; ++i) {
            address voter = voters[i];
            // A validator's points are at most the epoch's, which passed the 32-bit check above.
            unchecked {
                ++shares[voter].votes;
            }
            emit VotesCredited(epoch, voter, 1);
        }
    }

    /// @inheritdoc IVerificationFees
    function claim(address validator, uint64[] calldata epochs) external returns (uint256 amount) {
        uint64 current = currentEpoch();
        for (uint256 i; i < epochs.length; ++i) {
            uint64 epoch = epochs[i];
            if (epoch >= current) revert EpochNotEnded(epoch);
            Share storage share = _shares[epoch][validator];
            uint256 votes = share.votes;
            if (votes == 0 || share.claimed) continue;
            uint256 fee = votes * _feePerVote(_books[epoch]);
            if (fee == 0) continue;
            share.claimed = true;
            // Each fee is at most its epoch's pool (128 bits); epochs.length such sums cannot overflow.
            amount += fee;
            emit FeesClaimed(validator, epoch, fee);
        }
        if (amount == 0) revert NothingToClaim(validator);
        _token.safeTransfer(validator, amount);
    }

    /// @inheritdoc IVerificationFees
    function rollOver(uint64 epoch) external returns (uint256 amount) {
        uint64 current = currentEpoch();
        if (epoch >= current) revert EpochNotEnded(epoch);
        EpochBook storage book = _books[epoch];
        if (book.rolledOver) revert AlreadyRolledOver(epoch);
        EpochBook memory read = book;
        // votes × feePerVote <= votes × (pool / votes) <= pool.
        amount = read.pool - uint256(read.votes) * _feePerVote(read);
        if (amount == 0) revert NothingToRollOver(epoch);
        book.rolledOver = true;
        _book(current, amount);
        emit FeesRolledOver(epoch, current, amount);
    }

    // ------------------------------------------------------------ parameters

    /// @inheritdoc IVerificationFees
    function setDisputes(address disputes_) external onlyOwner {
        if (disputes_ == address(0)) revert ZeroAddress();
        if (disputes != address(0)) revert DisputesAlreadySet(disputes);
        disputes = disputes_;
        emit DisputesSet(disputes_);
    }

    /// @inheritdoc IVerificationFees
    function setMaxFeePerVote(uint256 maxFeePerVote_) external onlyOwner {
        _setMaxFeePerVote(maxFeePerVote_);
    }

    // ----------------------------------------------------------------- views

    /// @inheritdoc IVerificationFees
    function poolOf(uint64 epoch) external view returns (uint256) {
        return _books[epoch].pool;
    }

    /// @inheritdoc IVerificationFees
    function votesOf(uint64 epoch) external view returns (uint256) {
        return _books[epoch].votes;
    }

    /// @inheritdoc IVerificationFees
    function votesBy(uint64 epoch, address validator) external view returns (uint256) {
        return _shares[epoch][validator].votes;
    }

    /// @inheritdoc IVerificationFees
    function feePerVote(uint64 epoch) external view returns (uint256) {
        return _feePerVote(_books[epoch]);
    }

    /// @inheritdoc IVerificationFees
    function claimable(address validator, uint64 epoch) external view returns (uint256) {
        if (epoch >= currentEpoch()) return 0;
        Share memory share = _shares[epoch][validator];
        if (share.claimed) return 0;
        return uint256(share.votes) * _feePerVote(_books[epoch]);
    }

    /// @inheritdoc IVerificationFees
    function claimed(address validator, uint64 epoch) external view returns (bool) {
        return _shares[epoch][validator].claimed;
    }

    /// @inheritdoc IVerificationFees
    function rolledOver(uint64 epoch) external view returns (bool) {
        return _books[epoch].rolledOver;
    }

    /// @inheritdoc IVerificationFees
    function capOf(uint64 epoch) external view returns (uint256) {
        return _capOf(_books[epoch]);
    }

    /// @inheritdoc IVerificationFees
    function currentEpoch() public view returns (uint64) {
        return Epochs.current(genesis, epochLength);
    }

    /// @inheritdoc IVerificationFees
    function token() external view returns (address) {
        return address(_token);
    }

    // -------------------------------------------------------------- internal

    /// @dev Adds `amount` to `epoch`'s pool, setting the epoch's cap first if this is its first booking.
    function _book(uint64 epoch, uint256 amount) private {
        EpochBook memory book = _books[epoch];
        if (book.cap == 0) book.cap = uint88(maxFeePerVote);
        book.pool = (uint256(book.pool) + amount).toUint128();
        _books[epoch] = book;
    }

    /// @dev `min(pool / votes, cap)`, zero without votes.
    function _feePerVote(EpochBook memory book) private view returns (uint256) {
        uint256 votes = book.votes;
        if (votes == 0) return 0;
        uint256 fee = book.pool / votes;
        uint256 cap = _capOf(book);
        return fee < cap ? fee : cap;
    }

    /// @dev The epoch's cap, or the current `maxFeePerVote` while the epoch has none yet.
    function _capOf(EpochBook memory book) private view returns (uint256) {
        return book.cap != 0 ? book.cap : maxFeePerVote;
    }

    function _setMaxFeePerVote(uint256 value) private {
        if (value == 0 || value > MAX_FEE_PER_VOTE) {
            revert ParameterOutOfRange("maxFeePerVote", value, 1, MAX_FEE_PER_VOTE);
        }
        maxFeePerVote = value;
        emit MaxFeePerVoteSet(value);
    }
}
