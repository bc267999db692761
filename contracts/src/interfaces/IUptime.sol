// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IUptime
/// @notice Liveness. Active validators probe providers and submit a score per provider and epoch
/// (0–10,000, where 10,000 is always up). A provider's score for an epoch is the stake-weighted median of
/// the validators' reports, so validators holding less than half the reporting stake cannot move it.
/// Reports are kept as a stake histogram per (epoch, provider) over 101 buckets of 100 points
/// (bucket = score / 100), so the median costs O(101) whatever the number of reports, and has a 1%
/// resolution: it is returned as `bucket * 100` (a report of 8,750 counts as 8,700). Floors should be
/// multiples of 100 so that the comparison with the floor loses nothing.
/// A provider whose median in epoch e is below `floor` is inactive in e+1 (not routed to) once the reports
/// of e hold a stake quorum (`QUORUM_BPS` of the validator stake), and earns no availability or work
/// emissions for e. After an epoch has ended (and the next one, during which late reports are still
/// accepted), anyone finalizes it: the medians and the providers' stakes are stored and summed for
/// Emissions. Rewards weigh by stake, so splitting stake across accounts earns nothing extra:
/// availability by score * stake (the provider's stake at finalization), validation by the reporting
/// validator's stake * the number of providers it reported (`reportWeightBy`).
interface IUptime {
    /// @notice Totals of an epoch, as `epochTotals` returns them.
    struct EpochTotals {
        uint256 sumActiveScores;
        uint256 activeProviders;
        uint256 reports;
        uint256 sumActiveWeight;
        uint256 totalReportWeight;
    }

    /// @notice The zero address was given where a contract is needed.
    error ZeroAddress();
    /// @notice The caller is not an active validator.
    error NotAValidator(address account);
    /// @notice Scores are accepted for the current and the previous epoch only.
    error EpochNotOpen(uint64 epoch, uint64 current);
    /// @notice `providers` and `scores` differ in length.
    error LengthMismatch(uint256 providers, uint256 scores);
    /// @notice A submission needs at least one score.
    error EmptyBatch();
    /// @notice A score is above 10,000.
    error ScoreOutOfRange(address provider, uint16 score);
    /// @notice The account is not registered as a provider.
    error NotAProvider(address account);
    /// @notice This validator already reported on this provider for this epoch.
    error AlreadyReported(uint64 epoch, address validator, address provider);
    /// @notice The epoch can be finalized once `currentEpoch() >= epoch + 2`.
    error EpochNotOver(uint64 epoch, uint64 current);
    /// @notice The epoch is finalized already.
    error AlreadyFinalized(uint64 epoch);
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);

    /// @notice `validator` submitted `count` scores for `epoch`.
    event ScoresSubmitted(uint64 indexed epoch, address indexed validator, uint256 count);
    /// @notice Finalization stored `provider`'s median for `epoch`; `active` is `score >= floor`.
    event EpochScore(uint64 indexed epoch, address indexed provider, uint16 score, bool active);
    /// @notice Every provider reported in `epoch` has its final score.
    event EpochFinalized(uint64 indexed epoch, uint256 providers, uint256 sumActiveScores);
    /// @notice A parameter changed.
    event FloorSet(uint16 floor);

    /// @notice Submits the caller's scores for `epoch` (the current or the previous one), one per
    /// provider. Only an active validator; its weight is its stake at submission. Each report adds the
    /// weight to the provider's histogram bucket `score / 100`; the caller's `reportWeightBy` grows by
    /// weight * providers.length. Reverts `SafeCastOverflowedUintDowncast(128, w)` (OpenZeppelin SafeCast) if
    /// a provider's summed report weight w would pass 2^128 wei (3.4e20 MESH); nothing is stored then.
    function submitScores(uint64 epoch, address[] calldata providers, uint16[] calldata scores) external;

    /// @notice Stores the median and the current stake (`IRegistry.stakeOf(p).staked`) of up to
    /// `maxProviders` more providers reported in `epoch`; anyone may call once `currentEpoch() >= epoch + 2`.
    /// Costs O(101) per provider whatever the number of reports. Call again until it returns true.
    /// @return done True when every provider of the epoch has its final score.
    function finalize(uint64 epoch, uint256 maxProviders) external returns (bool done);

    /// @notice Only the owner; at most 10,000. Epochs finalized afterwards use the new floor; an epoch
    /// keeps the floor its finalization started with (`epochFloor`).
    function setFloor(uint16 floor) external;

    /// @notice The stake-weighted median of the reports so far, at 1% resolution: `b * 100` for the lowest
    /// bucket b (scores b*100 .. b*100+99) such that the weight of reports in buckets <= b is at least half
    /// the total weight. (0, 0) when there is none. O(101).
    function medianScore(uint64 epoch, address provider) external view returns (uint16 score, uint256 reports);

    /// @notice Whether routing and emissions treat `provider` as up now, by the previous epoch's reports
    /// (`currentEpoch() - 1`): true while their weight is at most `QUORUM_BPS` of
    /// `IRegistry.totalValidatorStake()` (not enough evidence, so one early report cannot flip it), else
    /// `median >= floor`. True in epoch 0. O(101).
    function isActive(address provider) external view returns (bool);

    /// @notice Whether every provider of `epoch` has its final score.
    function isFinalized(uint64 epoch) external view returns (bool);

    /// @notice The finalized score of `provider` for `epoch` and its stake read at finalization; `reported`
    /// is false (and the rest 0) when it has none (no reports, or not finalized yet).
    function scoreOf(uint64 epoch, address provider) external view returns (uint16 score, bool reported, uint256 stake);

    /// @notice Totals of `epoch`: the sum of the final scores at or above the floor, how many providers
    /// they are, how many reports the epoch received, the sum of score * stake over those providers (the
    /// availability pool's denominator) and the sum of `reportWeightBy` over validators (the validation
    /// pool's). The first, second and fourth are complete once the epoch is finalized; the other two once
    /// the epoch no longer accepts reports (`currentEpoch() >= epoch + 2`).
    function epochTotals(uint64 epoch)
        external
        view
        returns (
            uint256 sumActiveScores,
            uint256 activeProviders,
            uint256 reports,
            uint256 sumActiveWeight,
            uint256 totalReportWeight
        );

    /// @notice The weight (validator stake) of the reports on `provider` for `epoch` so far.
    function reportedWeight(uint64 epoch, address provider) external view returns (uint256);

    /// @notice The floor `epoch` is (being) finalized with; the current floor before finalization starts.
    function epochFloor(uint64 epoch) external view returns (uint16);

    /// @notice How many provider scores `validator` submitted for `epoch`.
    function reportsBy(uint64 epoch, address validator) external view returns (uint256);

    /// @notice Sum over `validator`'s submissions for `epoch` of its stake at submission * the number of
    /// providers scored: its share of the validation pool is this over `totalReportWeight(epoch)`.
    function reportWeightBy(uint64 epoch, address validator) external view returns (uint256);

    /// @notice Sum of `reportWeightBy` over every validator of `epoch`.
    function totalReportWeight(uint64 epoch) external view returns (uint256);

    /// @notice The providers reported in `epoch`, in order of their first report.
    function providersOf(uint64 epoch) external view returns (address[] memory);

    /// @notice The share of the total validator stake (basis points) the previous epoch's reports on a
    /// provider must exceed before its median can make `isActive` false: 5,000, strictly more than half.
    function QUORUM_BPS() external view returns (uint16);
    /// @notice Lowest median score that keeps a provider active.
    function floor() external view returns (uint16);
    function registry() external view returns (address);
    function genesis() external view returns (uint64);
    function epochLength() external view returns (uint64);
    function currentEpoch() external view returns (uint64);
}
