// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IUptime} from "./interfaces/IUptime.sol";
import {Epochs} from "./libraries/Epochs.sol";

/// @title Uptime
/// @notice Per-epoch uptime scores from validators and their stake-weighted medians. See IUptime.
/// @dev Invariants:
/// - each (epoch, validator, provider) has at most one report (its bit in `_reportedBits`), and reports
///   are only added while the epoch is open (current or previous), so an epoch's reports, histograms and
///   report weights are fixed before it can be finalized;
/// - `_providers[e]` lists each provider reported in e once, at position `_providerSlot[e][p] - 1`;
/// - for each (e, p): `_tallies[e][p].weight == sum of _histograms[e][p][b]` over the 101 buckets, bit b
///   of `_tallies[e][p].buckets` is set iff bucket b received a report, and `.reports` counts them;
/// - `_totals[e].reports == sum over validators of reportsBy(e, v) == sum over providers of their
///   report counts`, and `totalReportWeight(e) == sum over validators of reportWeightBy(e, v)`;
/// - once `_totals[e].finalized`, `sumActiveScores` and `sumActiveWeight` are the sums of the stored
///   `score` and `score * stake` over the providers whose score >= `epochFloor(e)`, and none of them
///   changes again.
contract Uptime is IUptime, Ownable2Step {
    uint16 public constant MAX_SCORE = 10_000;
    /// @notice Width of a histogram bucket in score points: the median's resolution (1%).
    uint16 public constant BUCKET_WIDTH = 100;
    /// @notice Number of histogram buckets: scores 0..10,000 map to buckets 0..100.
    uint256 public constant BUCKETS = MAX_SCORE / BUCKET_WIDTH + 1;
    /// @inheritdoc IUptime
    uint16 public constant QUORUM_BPS = 5000;
    uint256 private constant BPS = 10_000;

    struct EpochState {
        uint64 cursor; // providers of the epoch finalized so far
        uint16 floor; // the floor finalization uses, fixed when it starts
        bool started;
        bool finalized;
        uint256 sumActiveScores;
        uint256 activeProviders;
        uint256 reports;
        uint256 sumActiveWeight;
    }

    /// @dev Summary of one provider's histogram in one epoch, one slot. `buckets` has bit b set once bucket
    /// b received a report (101 bits), so the median only reads the buckets in use. `reports` is at most the
    /// number of validators (< 2^24: 16.7M validators would stake 16.7 billion MESH at the minimum);
    /// `weight` the sum of their stakes at submission, below 2^128 wei (3.4e20 MESH, SafeCast checks it;
    /// the Registry's checkpoints already bound stakes to 208 bits).
    struct Tally {
        uint128 weight;
        uint24 reports;
        uint104 buckets;
    }

    /// @dev One slot. `stake` is the provider's stake at finalization, capped at 2^232 - 1 wei (6.9e51 MESH,
    /// far above any supply) so that no stake can block finalization; the cap is what the sums use too.
    struct FinalScore {
        uint16 score;
        bool reported;
        uint232 stake;
    }

    /// @dev What one `finalize` call adds to the epoch's totals.
    struct Sums {
        uint256 scores;
        uint256 active;
        uint256 weight;
    }

    IRegistry private immutable _registry;
    /// @inheritdoc IUptime
    uint64 public immutable genesis;
    /// @inheritdoc IUptime
    uint64 public immutable epochLength;

    /// @inheritdoc IUptime
    uint16 public floor;
    /// @inheritdoc IUptime
    mapping(uint64 epoch => mapping(address validator => uint256)) public reportsBy;
    /// @inheritdoc IUptime
    mapping(uint64 epoch => mapping(address validator => uint256)) public reportWeightBy;
    /// @inheritdoc IUptime
    mapping(uint64 epoch => uint256) public totalReportWeight;

    /// @dev Weight (validator stake at submission) per score bucket (score / 100); each at most the tally's
    /// weight, so 128 bits, two buckets per storage slot (51 slots).
    mapping(uint64 epoch => mapping(address provider => uint128[BUCKETS])) private _histograms;
    mapping(uint64 epoch => mapping(address provider => Tally)) private _tallies;
    mapping(uint64 epoch => address[]) private _providers;
    /// @dev Position + 1 of a provider in `_providers[epoch]`; 0 until its first report of the epoch.
    mapping(uint64 epoch => mapping(address provider => uint256)) private _providerSlot;
    /// @dev Which providers a validator reported in an epoch: bit (position % 256) of word (position / 256),
    /// positions as in `_providers[epoch]`. One storage word covers 256 providers, so a batch pays for one
    /// new slot instead of one per report.
    mapping(uint64 epoch => mapping(address validator => mapping(uint256 word => uint256))) private _reportedBits;
    mapping(uint64 epoch => EpochState) private _totals;
    mapping(uint64 epoch => mapping(address provider => FinalScore)) private _final;

    constructor(address owner_, IRegistry registry_, uint64 genesis_, uint64 epochLength_, uint16 floor_)
        Ownable(owner_)
    {
        if (address(registry_) == address(0)) revert ZeroAddress();
        if (!Epochs.isValidLength(epochLength_)) {
            revert ParameterOutOfRange("epochLength", epochLength_, Epochs.MIN_EPOCH_LENGTH, Epochs.MAX_EPOCH_LENGTH);
        }
        _registry = registry_;
        genesis = genesis_;
        epochLength = epochLength_;
        _setFloor(floor_);
    }

    // ---------------------------------------------------------------- reports

    /// @inheritdoc IUptime
    function submitScores(uint64 epoch, address[] calldata providers, uint16[] calldata scores) external {
        uint64 current = currentEpoch();
        // epoch + 1 cannot overflow for any epoch a chain reaches; checked arithmetic would revert anyway.
        if (epoch > current || epoch + 1 < current) revert EpochNotOpen(epoch, current);
        if (providers.length != scores.length) revert LengthMismatch(providers.length, scores.length);
        if (providers.length == 0) revert EmptyBatch();
        if (!_registry.isActiveValidator(msg.sender)) revert NotAValidator(msg.sender);
        (, uint256 weight,,) = _registry.stakeOf(msg.sender);

        mapping(uint256 => uint256) storage reported = _reportedBits[epoch][msg.sender];
        for (uint256 i; i < providers.length; ++i) {
            address provider = providers[i];
            uint16 score = scores[i];
            if (score > MAX_SCORE) revert ScoreOutOfRange(provider, score);
            if (_registry.roleOf(provider) != IRegistry.Role.Provider) revert NotAProvider(provider);
            uint256 position = _positionOf(epoch, provider);
            uint256 mask = 1 << (position & 0xff);
            uint256 bits = reported[position >> 8];
            if (bits & mask != 0) revert AlreadyReported(epoch, msg.sender, provider);
            reported[position >> 8] = bits | mask;
            _addToHistogram(epoch, provider, score, weight);
        }
        // At most one report per (validator, provider), so both counts stay below the number of pairs.
        unchecked {
            reportsBy[epoch][msg.sender] += providers.length;
            _totals[epoch].reports += providers.length;
        }
        // Checked: stake * providers is below supply * pairs, far below 2^256 for any real token.
        uint256 reportWeight = weight * providers.length;
        reportWeightBy[epoch][msg.sender] += reportWeight;
        totalReportWeight[epoch] += reportWeight;
        emit ScoresSubmitted(epoch, msg.sender, providers.length);
    }

    // ----------------------------------------------------------- finalization

    /// @inheritdoc IUptime
    function finalize(uint64 epoch, uint256 maxProviders) external returns (bool done) {
        uint64 current = currentEpoch();
        if (current < 2 || epoch > current - 2) revert EpochNotOver(epoch, current);
        EpochState storage state = _totals[epoch];
        if (state.finalized) revert AlreadyFinalized(epoch);
        if (!state.started) {
            state.started = true;
            state.floor = floor;
        }
        uint16 epochFloor_ = state.floor;
        address[] storage providers = _providers[epoch];
        uint256 cursor = state.cursor;
        uint256 end = providers.length - cursor < maxProviders ? providers.length : cursor + maxProviders;
        Sums memory sums;
        for (uint256 i = cursor; i < end; ++i) {
            _finalizeProvider(epoch, providers[i], epochFloor_, sums);
        }
        // end <= providers.length, which is far below 2^64.
        state.cursor = uint64(end);
        state.sumActiveScores += sums.scores;
        state.activeProviders += sums.active;
        state.sumActiveWeight += sums.weight;
        done = end == providers.length;
        if (done) {
            state.finalized = true;
            emit EpochFinalized(epoch, providers.length, state.sumActiveScores);
        }
    }

    // ------------------------------------------------------------- parameters

    /// @inheritdoc IUptime
    function setFloor(uint16 floor_) external onlyOwner {
        _setFloor(floor_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IUptime
    function medianScore(uint64 epoch, address provider) external view returns (uint16 score, uint256 reports) {
        Tally memory tally = _tallies[epoch][provider];
        if (tally.reports == 0) return (0, 0);
        return (_median(_histograms[epoch][provider], tally), tally.reports);
    }

    /// @inheritdoc IUptime
    function isActive(address provider) external view returns (bool) {
        uint64 current = currentEpoch();
        if (current == 0) return true;
        Tally memory tally = _tallies[current - 1][provider];
        // Below the quorum (including no report at all) the reports are not enough evidence: stay active.
        // weight * BPS and stake * QUORUM_BPS are far below 2^256 (stakes are below the token supply).
        if (tally.weight * BPS <= _registry.totalValidatorStake() * QUORUM_BPS) return true;
        return _median(_histograms[current - 1][provider], tally) >= floor;
    }

    /// @inheritdoc IUptime
    function isFinalized(uint64 epoch) external view returns (bool) {
        return _totals[epoch].finalized;
    }

    /// @inheritdoc IUptime
    function scoreOf(uint64 epoch, address provider)
        external
        view
        returns (uint16 score, bool reported, uint256 stake)
    {
        FinalScore memory f = _final[epoch][provider];
        return (f.score, f.reported, f.stake);
    }

    /// @inheritdoc IUptime
    function epochTotals(uint64 epoch)
        external
        view
        returns (
            uint256 sumActiveScores,
            uint256 activeProviders,
            uint256 reports,
            uint256 sumActiveWeight,
            uint256 totalReportWeight_
        )
    {
        EpochState storage state = _totals[epoch];
        return
            (
                state.sumActiveScores,
                state.activeProviders,
                state.reports,
                state.sumActiveWeight,
                totalReportWeight[epoch]
            );
    }

    /// @inheritdoc IUptime
    function reportedWeight(uint64 epoch, address provider) external view returns (uint256) {
        return _tallies[epoch][provider].weight;
    }

    /// @inheritdoc IUptime
    function epochFloor(uint64 epoch) external view returns (uint16) {
        EpochState storage state = _totals[epoch];
        return state.started ? state.floor : floor;
    }

    /// @inheritdoc IUptime
    function providersOf(uint64 epoch) external view returns (address[] memory) {
        return _providers[epoch];
    }

    /// @inheritdoc IUptime
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IUptime
    function currentEpoch() public view returns (uint64) {
        return Epochs.current(genesis, epochLength);
    }

    // --------------------------------------------------------------- internal

    /// @dev Stake-weighted median over the histogram, at 1% resolution: `b * 100` for the first bucket b
    /// (in score order) at which the cumulative weight reaches half the total. Visits only the buckets whose
    /// bit is set in `tally.buckets` (lowest first, jumping over empty ones), so at most 101 storage reads
    /// whatever the number of reports. The caller checks `tally.reports != 0` (then a bit is set).
    function _median(uint128[BUCKETS] storage histogram, Tally memory tally) private view returns (uint16) {
        uint256 used = tally.buckets;
        uint256 total = tally.weight;
        uint256 cumulative;
        uint256 bucket;
        while (used != 0) {
            uint256 lowest;
            // used != 0 here, so 0 - used is its two's complement and the AND isolates its lowest bit.
            unchecked {
                lowest = used & (0 - used);
            }
            bucket = Math.log2(lowest);
            cumulative += histogram[bucket];
            // "at least half": 2 * cumulative >= total, without rounding total / 2 down.
            if (2 * cumulative >= total) break;
            used ^= lowest;
        }
        // The loop breaks at the latest on the last used bucket (cumulative == total there); bucket <= 100.
        return uint16(bucket * BUCKET_WIDTH);
    }

    /// @dev Adds one report of `score` with `weight` to `provider`'s histogram and tally for `epoch`.
    function _addToHistogram(uint64 epoch, address provider, uint16 score, uint256 weight) private {
        uint256 bucket = score / BUCKET_WIDTH;
        Tally memory tally = _tallies[epoch][provider];
        tally.weight = SafeCast.toUint128(tally.weight + weight);
        ++tally.reports; // checked: below 2^24 (see Tally)
        // bucket <= 100 fits the 104-bit mask.
        tally.buckets |= uint104(1 << bucket);
        _tallies[epoch][provider] = tally;
        // A bucket holds part of tally.weight, which fits 128 bits (checked above), so this cannot overflow.
        unchecked {
            _histograms[epoch][provider][bucket] += uint128(weight);
        }
    }

    /// @dev `provider`'s position in the epoch's provider list, appending it on its first report.
    function _positionOf(uint64 epoch, address provider) private returns (uint256) {
        uint256 slot = _providerSlot[epoch][provider];
        if (slot != 0) return slot - 1;
        address[] storage list = _providers[epoch];
        list.push(provider);
        _providerSlot[epoch][provider] = list.length;
        return list.length - 1;
    }

    /// @dev Stores `provider`'s median and current stake for `epoch`, adds them to `sums` when the score is
    /// at or above the floor, and emits EpochScore.
    function _finalizeProvider(uint64 epoch, address provider, uint16 epochFloor_, Sums memory sums) private {
        // Every listed provider has at least one report.
        uint16 score = _median(_histograms[epoch][provider], _tallies[epoch][provider]);
        (, uint256 stake,,) = _registry.stakeOf(provider);
        if (stake > type(uint232).max) stake = type(uint232).max;
        bool isUp = score >= epochFloor_;
        _final[epoch][provider] = FinalScore(score, true, uint232(stake));
        if (isUp) {
            // At most (number of providers) * 10,000 in total.
            unchecked {
                sums.scores += score;
                ++sums.active;
            }
            // score * stake < 2^14 * 2^232: a sum of them overflows only past 2^10 providers at the cap
            // (checked arithmetic; no real supply comes close).
            sums.weight += uint256(score) * stake;
        }
        emit EpochScore(epoch, provider, score, isUp);
    }

    function _setFloor(uint16 value) private {
        if (value > MAX_SCORE) revert ParameterOutOfRange("floor", value, 0, MAX_SCORE);
        floor = value;
        emit FloorSet(value);
    }
}
