// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IUptime
/// @notice Liveness. Active validators probe providers and submit a score per provider and epoch
/// (0–10,000, where 10,000 is always up). A provider's score for an epoch is the stake-weighted median of
/// the validators' reports, so validators holding less than half the reporting stake cannot move it.
/// A provider whose median in epoch e is below `floor` is inactive in e+1 (not routed to) and earns no
/// availability or work emissions for e. After an epoch has ended (and the next one, during which late
/// reports are still accepted), anyone finalizes it: the medians are stored and summed for Emissions.
interface IUptime {
    /// @notice Totals of a finalized epoch (reports counts every (validator, provider) report).
    struct EpochTotals {
        uint256 sumActiveScores;
        uint256 activeProviders;
        uint256 reports;
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
    /// provider. Only an active validator; its weight is its stake at submission.
    function submitScores(uint64 epoch, address[] calldata providers, uint16[] calldata scores) external;

    /// @notice Stores the median of up to `maxProviders` more providers reported in `epoch`; anyone may
    /// call once `currentEpoch() >= epoch + 2`. Call again until it returns true.
    /// @return done True when every provider of the epoch has its final score.
    function finalize(uint64 epoch, uint256 maxProviders) external returns (bool done);

    /// @notice Only the owner; at most 10,000. Epochs finalized afterwards use the new floor; an epoch
    /// keeps the floor its finalization started with (`epochFloor`).
    function setFloor(uint16 floor) external;

    /// @notice The stake-weighted median of the reports so far: the smallest reported score s such that
    /// the weight of reports <= s is at least half the total weight. (0, 0) when there is none.
    function medianScore(uint64 epoch, address provider) external view returns (uint16 score, uint256 reports);

    /// @notice Whether routing and emissions treat `provider` as up now: by the previous epoch's reports
    /// (`currentEpoch() - 1`); true when there are none (no evidence), else `median >= floor`.
    function isActive(address provider) external view returns (bool);

    /// @notice Whether every provider of `epoch` has its final score.
    function isFinalized(uint64 epoch) external view returns (bool);

    /// @notice The finalized score of `provider` for `epoch`; `reported` is false when it has none (no
    /// reports, or not finalized yet).
    function scoreOf(uint64 epoch, address provider) external view returns (uint16 score, bool reported);

    /// @notice Sum of the final scores at or above the floor, how many providers they are, and how many
    /// reports the epoch received. The first two are complete once the epoch is finalized.
    function epochTotals(uint64 epoch)
        external
        view
        returns (uint256 sumActiveScores, uint256 activeProviders, uint256 reports);

    /// @notice The floor `epoch` is (being) finalized with; the current floor before finalization starts.
    function epochFloor(uint64 epoch) external view returns (uint16);

    /// @notice How many provider scores `validator` submitted for `epoch`.
    function reportsBy(uint64 epoch, address validator) external view returns (uint256);

    /// @notice The providers reported in `epoch`, in order of their first report.
    function providersOf(uint64 epoch) external view returns (address[] memory);

    /// @notice Lowest median score that keeps a provider active.
    function floor() external view returns (uint16);
    function registry() external view returns (address);
    function genesis() external view returns (uint64);
    function epochLength() external view returns (uint64);
    function currentEpoch() external view returns (uint64);
}
