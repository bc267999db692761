// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDisputes} from "./interfaces/IDisputes.sol";
import {IEmissions} from "./interfaces/IEmissions.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IPayments} from "./interfaces/IPayments.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IUptime} from "./interfaces/IUptime.sol";
import {Epochs} from "./libraries/Epochs.sol";

/// @title Emissions
/// @notice Mints each epoch's rewards on claim. See IEmissions.
/// @dev Invariants:
/// - emittedIn(e) <= emissionFor(e) for every epoch e, and totalEmitted == sum of emittedIn(e): each pool
///   is split by shares whose sum is at most the whole (score * stake over the providers >= floor sums to
///   sumActiveWeight, work sums to totalWork, reportWeightBy sums to totalReportWeight), every share rounds
///   down, and the inputs are fixed before the first claim (Uptime finalized, the epoch's reports and work
///   past); `claim` also checks it;
/// - rewards are proportional to stake (availability to score * stake, validation to stake * providers
///   reported), so splitting one account's stake across k accounts never earns more in total: the sum of k
///   rounded-down shares is at most the rounded-down share of their sum, and at least k - 1 wei below it;
/// - an (epoch, account) pair is paid at most once;
/// - a provider's work reward is at most min(workOf * maxWorkRewardBps / 10,000, burnedOf), the burn its
///   redemptions of that epoch actually booked (rounded up), so paying yourself never earns more than it
///   burned; maxWorkRewardBps is also below Payments' burnBps at deployment, so with an unchanged burn rate
///   the reward is strictly below the burn.
/// The schedule is immutable; the owner can only transfer ownership (kept for a later migration).
contract Emissions is IEmissions, Ownable2Step {
    uint256 private constant BPS = 10_000;
    uint64 public constant MAX_CHALLENGE_EPOCHS = 1000;
    uint256 public constant MAX_INITIAL_EMISSION = 1e9 ether;

    IMeshToken private immutable _token;
    IRegistry private immutable _registry;
    IUptime private immutable _uptime;
    IPayments private immutable _payments;
    IDisputes private immutable _disputes;
    /// @inheritdoc IEmissions
    uint64 public immutable genesis;
    /// @inheritdoc IEmissions
    uint64 public immutable epochLength;

    uint256 private immutable _initialEmission;
    uint64 private immutable _halvingEpochs;
    uint16 private immutable _availabilityBps;
    uint16 private immutable _workBps;
    uint16 private immutable _validatorBps;
    uint16 private immutable _maxWorkRewardBps;
    uint64 private immutable _challengeEpochs;

    /// @inheritdoc IEmissions
    mapping(uint64 epoch => uint256) public emittedIn;
    /// @inheritdoc IEmissions
    uint256 public totalEmitted;
    /// @inheritdoc IEmissions
    mapping(uint64 epoch => mapping(address account => bool)) public claimed;

    constructor(
        address owner_,
        IMeshToken token_,
        IRegistry registry_,
        IUptime uptime_,
        IPayments payments_,
        IDisputes disputes_,
        uint64 genesis_,
        uint64 epochLength_,
        Schedule memory schedule_
    ) Ownable(owner_) {
        if (
            address(token_) == address(0) || address(registry_) == address(0) || address(uptime_) == address(0)
                || address(payments_) == address(0) || address(disputes_) == address(0)
        ) revert ZeroAddress();
        if (!Epochs.isValidLength(epochLength_)) {
            revert ParameterOutOfRange("epochLength", epochLength_, Epochs.MIN_EPOCH_LENGTH, Epochs.MAX_EPOCH_LENGTH);
        }
        if (uptime_.genesis() != genesis_ || uptime_.epochLength() != epochLength_) {
            revert EpochClockMismatch(address(uptime_));
        }
        if (payments_.genesis() != genesis_ || payments_.epochLength() != epochLength_) {
            revert EpochClockMismatch(address(payments_));
        }
        if (disputes_.genesis() != genesis_ || disputes_.epochLength() != epochLength_) {
            revert EpochClockMismatch(address(disputes_));
        }
        _checkSchedule(schedule_, payments_.burnBps());
        _token = token_;
        _registry = registry_;
        _uptime = uptime_;
        _payments = payments_;
        _disputes = disputes_;
        genesis = genesis_;
        epochLength = epochLength_;
        _initialEmission = schedule_.initialEmission;
        _halvingEpochs = schedule_.halvingEpochs;
        _availabilityBps = schedule_.availabilityBps;
        _workBps = schedule_.workBps;
        _validatorBps = schedule_.validatorBps;
        _maxWorkRewardBps = schedule_.maxWorkRewardBps;
        _challengeEpochs = schedule_.challengeEpochs;
    }

    /// @inheritdoc IEmissions
    function claim(uint64 epoch, address account) external {
        if (!_uptime.isFinalized(epoch)) revert EpochNotFinalized(epoch);
        uint64 current = currentEpoch();
        // epoch + challengeEpochs: both far below 2^63 for any real epoch; checked arithmetic reverts otherwise.
        if (current <= epoch + _challengeEpochs) revert ChallengeWindowOpen(epoch, current);
        if (_disputes.openDisputesOf(account) != 0) revert DisputesOpen(account);
        if (claimed[epoch][account]) revert AlreadyClaimed(epoch, account);
        (uint256 availability, uint256 work, uint256 validation) = _rewards(epoch, account);
        uint256 amount = availability + work + validation;
        uint256 emitted = emittedIn[epoch] + amount;
        uint256 emission = emissionFor(epoch);
        if (emitted > emission) revert ScheduleExceeded(epoch, emitted, emission);

        claimed[epoch][account] = true;
        if (amount != 0) {
            emittedIn[epoch] = emitted;
            totalEmitted += amount;
        }
        emit Claimed(epoch, account, availability, work, validation);
        if (amount != 0) _token.mint(account, amount);
    }

    /// @inheritdoc IEmissions
    function emissionFor(uint64 epoch) public view returns (uint256) {
        uint256 halvings = epoch / _halvingEpochs;
        return halvings > 255 ? 0 : _initialEmission >> halvings;
    }

    /// @inheritdoc IEmissions
    function claimable(uint64 epoch, address account)
        external
        view
        returns (uint256 availability, uint256 work, uint256 validation)
    {
        if (claimed[epoch][account]) return (0, 0, 0);
        return _rewards(epoch, account);
    }

    /// @inheritdoc IEmissions
    function schedule() external view returns (Schedule memory) {
        return Schedule(
            _initialEmission,
            _halvingEpochs,
            _availabilityBps,
            _workBps,
            _validatorBps,
            _maxWorkRewardBps,
            _challengeEpochs
        );
    }

    /// @inheritdoc IEmissions
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IEmissions
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IEmissions
    function uptime() external view returns (address) {
        return address(_uptime);
    }

    /// @inheritdoc IEmissions
    function payments() external view returns (address) {
        return address(_payments);
    }

    /// @inheritdoc IEmissions
    function disputes() external view returns (address) {
        return address(_disputes);
    }

    /// @inheritdoc IEmissions
    function currentEpoch() public view returns (uint64) {
        return Epochs.current(genesis, epochLength);
    }

    /// @dev The three rewards of `account` for `epoch`, each a share of its pool rounded down:
    /// availability = pool * score * stake / sumActiveWeight (the provider's stake stored at finalization),
    /// validation = pool * reportWeightBy / totalReportWeight, work as in `_workReward`. A provider whose
    /// stake was 0 at finalization earns no availability (it may still earn work).
    function _rewards(uint64 epoch, address account)
        private
        view
        returns (uint256 availability, uint256 work, uint256 validation)
    {
        uint256 emission = emissionFor(epoch);
        if (emission == 0) return (0, 0, 0);
        (uint256 sumActiveScores,,, uint256 sumActiveWeight, uint256 totalReportWeight) = _uptime.epochTotals(epoch);

        (uint16 score, bool reported, uint256 stake) = _uptime.scoreOf(epoch, account);
        if (reported && score >= _uptime.epochFloor(epoch) && sumActiveScores != 0) {
            // score * stake is one of the terms of sumActiveWeight, so it is <= sumActiveWeight (no overflow)
            // and the share is at most the pool; mulDiv keeps pool * weight exact in 512 bits.
            if (sumActiveWeight != 0) {
                availability = Math.mulDiv(emission * _availabilityBps / BPS, uint256(score) * stake, sumActiveWeight);
            }
            if (!_disputes.penalized(account, epoch)) work = _workReward(epoch, account, emission);
        }
        if (totalReportWeight != 0) {
            uint256 reportWeight = _uptime.reportWeightBy(epoch, account);
            if (reportWeight != 0) {
                validation = Math.mulDiv(emission * _validatorBps / BPS, reportWeight, totalReportWeight);
            }
        }
    }

    /// @dev min(pool * workOf / totalWork, workOf * maxWorkRewardBps / 10,000, burnedOf): the cap is the
    /// burn the provider's redemptions actually booked in that epoch, whatever `burnBps` is today.
    function _workReward(uint64 epoch, address provider, uint256 emission) private view returns (uint256) {
        uint256 workOf = _payments.workOf(epoch, provider);
        if (workOf == 0) return 0;
        uint256 share = emission * _workBps / BPS * workOf / _payments.totalWork(epoch);
        uint256 cap = workOf * _maxWorkRewardBps / BPS;
        uint256 burned = _payments.burnedOf(epoch, provider);
        if (burned < cap) cap = burned;
        return share < cap ? share : cap;
    }

    function _checkSchedule(Schedule memory s, uint16 burnBps) private pure {
        if (s.initialEmission > MAX_INITIAL_EMISSION) {
            revert ParameterOutOfRange("initialEmission", s.initialEmission, 0, MAX_INITIAL_EMISSION);
        }
        if (s.halvingEpochs == 0) revert ParameterOutOfRange("halvingEpochs", 0, 1, type(uint64).max);
        uint256 sum = uint256(s.availabilityBps) + s.workBps + s.validatorBps;
        if (sum != BPS) revert ParameterOutOfRange("availabilityBps + workBps + validatorBps", sum, BPS, BPS);
        if (burnBps == 0 || s.maxWorkRewardBps >= burnBps) {
            revert ParameterOutOfRange("maxWorkRewardBps", s.maxWorkRewardBps, 0, burnBps == 0 ? 0 : burnBps - 1);
        }
        if (s.challengeEpochs == 0 || s.challengeEpochs > MAX_CHALLENGE_EPOCHS) {
            revert ParameterOutOfRange("challengeEpochs", s.challengeEpochs, 1, MAX_CHALLENGE_EPOCHS);
        }
    }
}
