// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IVerificationFees
/// @notice Pays validators for committee votes out of a share of the burn.
///
/// Funding: Payments sends `verificationShareBps` of every burn it flushes here (`fund`); anyone else may
/// add MESH too. What arrives is booked to the current epoch's pool (`poolOf(epoch)`).
///
/// Credit: when a dispute ends guilty or innocent, Disputes credits one vote point in the current epoch to
/// each committee member who revealed a vote WITH the verdict (`creditVotes`); members who voted against
/// it, did not reveal, or sat on a void dispute earn nothing. Points are flat: committees are drawn by
/// stake (sortition), so a validator's expected points are proportional to its stake, and splitting stake
/// into several accounts (or merging it) earns nothing extra. A validator holding most of the stake earns
/// most of the points, by design.
///
/// Pay: once an epoch has ended, each of its points is worth `feePerVote(epoch) = min(poolOf(epoch) /
/// votesOf(epoch), cap)`, where the cap is `maxFeePerVote` as it was at the epoch's first fund or credit
/// (a later change applies to later epochs only). `claim` pays a validator its points × feePerVote, once
/// per epoch, always to the validator. What the cap and the rounding leave, and a pool nobody earned
/// (zero points), is moved to the current epoch's pool by `rollOver`, once per epoch.
///
/// Money to the wei: MESH balance == Σ poolOf(e) − Σ claimed − Σ rolled out (a roll-over's amount is inside
/// the receiving epoch's pool).
interface IVerificationFees {
    /// @notice An amount of zero was given where a positive amount is needed.
    error ZeroAmount();
    /// @notice The zero address was given where an account is needed.
    error ZeroAddress();
    /// @notice Only the Disputes contract may credit votes.
    error NotDisputes(address caller);
    /// @notice The Disputes contract was set already and can never change.
    error DisputesAlreadySet(address disputes);
    /// @notice The epoch has not ended yet: its pool and votes can still change.
    error EpochNotEnded(uint64 epoch);
    /// @notice The validator has nothing to claim in the epochs given (none earned, or all claimed).
    error NothingToClaim(address validator);
    /// @notice The epoch's leftover was rolled over already.
    error AlreadyRolledOver(uint64 epoch);
    /// @notice The epoch leaves nothing to roll over (its points take the whole pool, or it has no pool).
    error NothingToRollOver(uint64 epoch);
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);

    /// @notice `from` added `amount` to `epoch`'s pool.
    event FeesFunded(uint64 indexed epoch, address indexed from, uint256 amount);
    /// @notice `validator` earned `votes` points in `epoch` (one event per entry Disputes passed, so a
    /// validator listed twice gets two events of 1).
    event VotesCredited(uint64 indexed epoch, address indexed validator, uint32 votes);
    /// @notice `amount` of `epoch`'s pool was paid to `validator`.
    event FeesClaimed(address indexed validator, uint64 indexed epoch, uint256 amount);
    /// @notice What `fromEpoch`'s points did not take moved to `toEpoch`'s pool.
    event FeesRolledOver(uint64 indexed fromEpoch, uint64 indexed toEpoch, uint256 amount);
    /// @notice The Disputes contract that credits votes was set (once).
    event DisputesSet(address indexed disputes);
    /// @notice A parameter changed (applies to epochs first funded or credited after it).
    event MaxFeePerVoteSet(uint256 maxFeePerVote);

    /// @notice Adds `amount` (pulled from the caller with transferFrom) to the current epoch's pool.
    /// Anyone may call; Payments calls it when it flushes the burn.
    function fund(uint256 amount) external;

    /// @notice One vote point in the current epoch per entry of `voters`. Only Disputes, once per dispute
    /// that ends guilty or innocent, with the members who revealed a vote with the verdict. An empty list
    /// does nothing; never reverts for a list Disputes can pass.
    function creditVotes(address[] calldata voters) external;

    /// @notice Pays `validator` its fee for each epoch of `epochs` (its points × `feePerVote(epoch)`), to
    /// `validator` whoever calls. An epoch already claimed, or in which it earned nothing, pays nothing (an
    /// epoch listed twice pays once). Reverts `EpochNotEnded` for an epoch not ended yet, `NothingToClaim`
    /// when the total is zero.
    /// @return amount What was paid.
    function claim(address validator, uint64[] calldata epochs) external returns (uint256 amount);

    /// @notice Moves `poolOf(epoch) - votesOf(epoch) * feePerVote(epoch)` (what the cap and the rounding
    /// leave, or the whole pool when nobody earned a point) to the current epoch's pool. Anyone, once per
    /// epoch, once the epoch has ended. Reverts `NothingToRollOver` when that is zero.
    /// @return amount What moved.
    function rollOver(uint64 epoch) external returns (uint256 amount);

    /// @notice Names the Disputes contract that may credit votes. Only the owner, only once.
    function setDisputes(address disputes) external;

    /// @notice Only the owner; between 1 and `MAX_FEE_PER_VOTE`. Applies to epochs whose first fund or
    /// credit comes after it (each epoch keeps the cap in force then).
    function setMaxFeePerVote(uint256 maxFeePerVote) external;

    /// @notice Everything booked to `epoch`'s pool (funds and roll-overs in); claims and roll-overs out do
    /// not lower it.
    function poolOf(uint64 epoch) external view returns (uint256);

    /// @notice The vote points credited in `epoch`, all validators together.
    function votesOf(uint64 epoch) external view returns (uint256);

    /// @notice The vote points `validator` earned in `epoch`.
    function votesBy(uint64 epoch, address validator) external view returns (uint256);

    /// @notice `min(poolOf(epoch) / votesOf(epoch), cap of the epoch)`; zero without points. Final once the
    /// epoch has ended; for the current epoch, what a point would be worth if it ended now.
    function feePerVote(uint64 epoch) external view returns (uint256);

    /// @notice What `claim(validator, [epoch])` would pay now: zero while the epoch has not ended or once
    /// claimed.
    function claimable(address validator, uint64 epoch) external view returns (uint256);

    /// @notice Whether `validator` was paid for `epoch`.
    function claimed(address validator, uint64 epoch) external view returns (bool);

    /// @notice Whether `epoch`'s leftover was rolled over.
    function rolledOver(uint64 epoch) external view returns (bool);

    /// @notice The cap in force for `epoch`: its snapshot once funded or credited, else `maxFeePerVote`.
    function capOf(uint64 epoch) external view returns (uint256);

    /// @notice Start of epoch 0 (seconds since the Unix epoch); the same clock as Payments and Disputes.
    function genesis() external view returns (uint64);
    /// @notice Length of an epoch in seconds.
    function epochLength() external view returns (uint64);
    /// @notice `(block.timestamp - genesis) / epochLength`.
    function currentEpoch() external view returns (uint64);
    /// @notice The MESH token.
    function token() external view returns (address);
    /// @notice The Disputes contract that credits votes (zero until set).
    function disputes() external view returns (address);
    /// @notice The cap of a vote's fee for epochs first funded or credited from now on.
    function maxFeePerVote() external view returns (uint256);
}
