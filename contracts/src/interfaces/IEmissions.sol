// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IEmissions
/// @notice Epoch emissions (burn-and-mint). Each epoch has a fixed budget, `initialEmission` halved every
/// `halvingEpochs` epochs and never a function of the burn, split into three pools: availability
/// (providers by finalized uptime score * stake at finalization), work (providers by paid work, capped)
/// and validation (validators by stake * providers reported, `IUptime.reportWeightBy`). Both stake-weighted
/// pools are sybil-neutral: splitting a stake across several accounts earns at most what one account
/// earns (less up to 1 wei per extra account, from rounding down each share). Claims open once the epoch is finalized in Uptime and its challenge
/// window has passed; the token is minted on claim, so whatever nobody can claim is never minted.
/// A provider's work reward is capped at `maxWorkRewardBps` of its paid work and at the burn its
/// redemptions actually booked in the epoch (`IPayments.burnedOf`), so paying yourself to farm emissions
/// never gains MESH.
interface IEmissions {
    /// @notice The emission schedule, fixed at deployment.
    struct Schedule {
        uint256 initialEmission;
        uint64 halvingEpochs;
        uint16 availabilityBps;
        uint16 workBps;
        uint16 validatorBps;
        uint16 maxWorkRewardBps;
        uint64 challengeEpochs;
    }

    /// @notice The zero address was given where a contract is needed.
    error ZeroAddress();
    /// @notice A schedule or clock value is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);
    /// @notice `contract_` runs on another epoch clock (genesis or epoch length differ).
    error EpochClockMismatch(address contract_);
    /// @notice Uptime has not finalized the epoch yet.
    error EpochNotFinalized(uint64 epoch);
    /// @notice Claims for `epoch` open once `currentEpoch() > epoch + challengeEpochs`.
    error ChallengeWindowOpen(uint64 epoch, uint64 current);
    /// @notice The provider has unresolved disputes; its claims wait for them.
    error DisputesOpen(address provider);
    /// @notice The account claimed this epoch already.
    error AlreadyClaimed(uint64 epoch, address account);
    /// @notice A claim would mint more than the epoch's emission (cannot happen; guards the invariant).
    error ScheduleExceeded(uint64 epoch, uint256 emitted, uint256 emission);

    /// @notice `account`'s rewards for `epoch` were minted to it.
    event Claimed(
        uint64 indexed epoch, address indexed account, uint256 availability, uint256 work, uint256 validation
    );

    /// @notice Mints `account`'s rewards for `epoch` to `account`. Anyone may call.
    function claim(uint64 epoch, address account) external;

    /// @notice The epoch's budget: `initialEmission >> (epoch / halvingEpochs)` (0 past 255 halvings).
    function emissionFor(uint64 epoch) external view returns (uint256);

    /// @notice What `account` can claim for `epoch` now (zeros once claimed). Availability and work go to
    /// providers with a finalized score at or above the epoch's floor: availability =
    /// pool * score * stake / sumActiveWeight (`IUptime.scoreOf`, `IUptime.epochTotals`); work is 0 for an
    /// epoch a guilty dispute penalized; validation = pool * reportWeightBy / totalReportWeight. Each share
    /// rounds down.
    function claimable(uint64 epoch, address account)
        external
        view
        returns (uint256 availability, uint256 work, uint256 validation);

    /// @notice Whether `account` claimed `epoch`.
    function claimed(uint64 epoch, address account) external view returns (bool);
    /// @notice What was minted for `epoch`; never more than `emissionFor(epoch)`.
    function emittedIn(uint64 epoch) external view returns (uint256);
    /// @notice What was minted for all epochs.
    function totalEmitted() external view returns (uint256);
    function schedule() external view returns (Schedule memory);

    function token() external view returns (address);
    function registry() external view returns (address);
    function uptime() external view returns (address);
    function payments() external view returns (address);
    function disputes() external view returns (address);
    function genesis() external view returns (uint64);
    function epochLength() external view returns (uint64);
    function currentEpoch() external view returns (uint64);
}
