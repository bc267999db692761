// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IUptime} from "./interfaces/IUptime.sol";
import {Epochs} from "./libraries/Epochs.sol";

/// @title Uptime
/// @notice Per-epoch uptime scores from validators and their stake-weighted medians. See IUptime.
/// @dev Invariants:
/// - each (epoch, validator, provider) has at most one report (its bit in `_reportedBits`), and reports
///   are only added while the epoch is open (current or previous), so an epoch's reports are fixed
///   before it can be finalized;
/// - `_providers[e]` lists each provider reported in e once, at position `_providerSlot[e][p] - 1`;
/// - `_totals[e].reports == sum over validators of reportsBy(e, v) == sum over providers of their
///   report counts`;
/// - once `_totals[e].finalized`, `sumActiveScores` is the sum of the stored scores >= `epochFloor(e)`
///   and neither changes again.
contract Uptime is IUptime, Ownable2Step {
    uint16 public constant MAX_SCORE = 10_000;

    /// @dev One validator's score for one provider, weighted by the validator's stake at submission.
    /// A stake is at most the token's total supply, far below 2^240.
    struct Report {
        uint16 score;
        uint240 weight;
    }

    struct EpochState {
        uint64 cursor; // providers of the epoch finalized so far
        uint16 floor; // the floor finalization uses, fixed when it starts
        bool started;
        bool finalized;
        uint256 sumActiveScores;
        uint256 activeProviders;
        uint256 reports;
    }

    struct FinalScore {
        uint16 score;
        bool reported;
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

    mapping(uint64 epoch => mapping(address provider => Report[])) private _reports;
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
            // weight <= token supply < 2^240 (see Report).
            _reports[epoch][provider].push(Report(score, uint240(weight)));
        }
        // At most one report per (validator, provider), so both counts stay below the number of pairs.
        unchecked {
            reportsBy[epoch][msg.sender] += providers.length;
            _totals[epoch].reports += providers.length;
        }
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
        uint256 sum;
        uint256 active;
        for (uint256 i = cursor; i < end; ++i) {
            (uint16 score, bool isUp) = _finalizeProvider(epoch, providers[i], epochFloor_);
            if (isUp) {
                // At most (number of providers) * 10,000 in total.
                unchecked {
                    sum += score;
                    ++active;
                }
            }
        }
        // end <= providers.length, which is far below 2^64.
        state.cursor = uint64(end);
        state.sumActiveScores += sum;
        state.activeProviders += active;
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
        return _median(_reports[epoch][provider]);
    }

    /// @inheritdoc IUptime
    function isActive(address provider) external view returns (bool) {
        uint64 current = currentEpoch();
        if (current == 0) return true;
        (uint16 score, uint256 reports) = _median(_reports[current - 1][provider]);
        return reports == 0 || score >= floor;
    }

    /// @inheritdoc IUptime
    function isFinalized(uint64 epoch) external view returns (bool) {
        return _totals[epoch].finalized;
    }

    /// @inheritdoc IUptime
    function scoreOf(uint64 epoch, address provider) external view returns (uint16 score, bool reported) {
        FinalScore memory f = _final[epoch][provider];
        return (f.score, f.reported);
    }

    /// @inheritdoc IUptime
    function epochTotals(uint64 epoch)
        external
        view
        returns (uint256 sumActiveScores, uint256 activeProviders, uint256 reports)
    {
        EpochState storage state = _totals[epoch];
        return (state.sumActiveScores, state.activeProviders, state.reports);
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

    /// @dev Stake-weighted median: sorts the reports by score (insertion sort; an epoch has one report per
    /// validator, a few dozen at most) and returns the first score at which the cumulative weight reaches
    /// half the total.
    function _median(Report[] storage stored) private view returns (uint16 score, uint256 count) {
        count = stored.length;
        if (count == 0) return (0, 0);
        Report[] memory list = new Report[](count);
        uint256 total;
        for (uint256 i; i < count; ++i) {
            Report memory r = stored[i];
            total += r.weight;
            uint256 j = i;
            while (j > 0 && list[j - 1].score > r.score) {
                list[j] = list[j - 1];
                --j;
            }
            list[j] = r;
        }
        uint256 cumulative;
        for (uint256 i; i < count; ++i) {
            cumulative += list[i].weight;
            // "at least half": 2 * cumulative >= total, without rounding total / 2 down.
            if (2 * cumulative >= total) return (list[i].score, count);
        }
        // Unreachable: the last step has cumulative == total.
        return (list[count - 1].score, count);
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

    /// @dev Stores `provider`'s median for `epoch` and emits EpochScore.
    function _finalizeProvider(uint64 epoch, address provider, uint16 epochFloor_)
        private
        returns (uint16 score, bool isUp)
    {
        (score,) = _median(_reports[epoch][provider]);
        isUp = score >= epochFloor_;
        _final[epoch][provider] = FinalScore(score, true);
        emit EpochScore(epoch, provider, score, isUp);
    }

    function _setFloor(uint16 value) private {
        if (value > MAX_SCORE) revert ParameterOutOfRange("floor", value, 0, MAX_SCORE);
        floor = value;
        emit FloorSet(value);
    }
}
