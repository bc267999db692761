// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {Uptime} from "../src/Uptime.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";
import {IUptime} from "../src/interfaces/IUptime.sol";
import {Epochs} from "../src/libraries/Epochs.sol";

contract UptimeTest is ConsensusBase {
    address internal p1;
    address internal p2;
    address internal p3;
    address internal v1;
    address internal v2;
    address internal v3;

    function setUp() public override {
        super.setUp();
        p1 = _provider("p1", 2000 ether);
        p2 = _provider("p2", 2000 ether);
        p3 = _provider("p3", 2000 ether);
        v1 = _validator("v1", 1000 ether);
        v2 = _validator("v2", 2000 ether);
        v3 = _validator("v3", 4000 ether);
    }

    function _one(address provider) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = provider;
    }

    function _score(uint16 score) internal pure returns (uint16[] memory list) {
        list = new uint16[](1);
        list[0] = score;
    }

    function _submit(address validator, uint64 epoch, address provider, uint16 score) internal {
        vm.prank(validator);
        uptime.submitScores(epoch, _one(provider), _score(score));
    }

    // =========================================================== constructor

    function test_constructor_setsClockFloorAndRegistry() public view {
        vm.assertEq(uptime.genesis(), GENESIS);
        vm.assertEq(uptime.epochLength(), EPOCH);
        vm.assertEq(uptime.floor(), FLOOR);
        vm.assertEq(uptime.registry(), address(registry));
        vm.assertEq(uptime.owner(), owner);
        vm.assertEq(uptime.currentEpoch(), 0);
    }

    function test_constructor_emitsFloorSet() public {
        vm.expectEmit();
        emit IUptime.FloorSet(7000);
        new Uptime(owner, registry, GENESIS, EPOCH, 7000);
    }

    function test_constructor_revertsWhenRegistryZero() public {
        vm.expectRevert(IUptime.ZeroAddress.selector);
        new Uptime(owner, IRegistry(address(0)), GENESIS, EPOCH, FLOOR);
    }

    function test_constructor_revertsWhenEpochLengthOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IUptime.ParameterOutOfRange.selector,
                "epochLength",
                uint256(30 days + 1),
                uint256(Epochs.MIN_EPOCH_LENGTH),
                uint256(Epochs.MAX_EPOCH_LENGTH)
            )
        );
        new Uptime(owner, registry, GENESIS, 30 days + 1, FLOOR);
    }

    function test_constructor_revertsWhenFloorOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(IUptime.ParameterOutOfRange.selector, "floor", uint256(10_001), 0, uint256(10_000))
        );
        new Uptime(owner, registry, GENESIS, EPOCH, 10_001);
    }

    // ========================================================== currentEpoch

    function test_currentEpoch_countsWholeEpochsSinceGenesis() public {
        vm.warp(GENESIS + EPOCH - 1);
        vm.assertEq(uptime.currentEpoch(), 0);
        vm.warp(GENESIS + EPOCH);
        vm.assertEq(uptime.currentEpoch(), 1);
        vm.warp(GENESIS + 10 * EPOCH + 5);
        vm.assertEq(uptime.currentEpoch(), 10);
    }

    // ========================================================== submitScores

    function test_submitScores_storesReportsAndEmits() public {
        address[] memory providers = new address[](2);
        providers[0] = p1;
        providers[1] = p2;
        uint16[] memory scores = new uint16[](2);
        scores[0] = 9000;
        scores[1] = 10_000;
        vm.expectEmit(address(uptime));
        emit IUptime.ScoresSubmitted(0, v1, 2);
        vm.prank(v1);
        uptime.submitScores(0, providers, scores);
        vm.assertEq(uptime.reportsBy(0, v1), 2);
        (,, uint256 reports,, uint256 reportWeight) = uptime.epochTotals(0);
        vm.assertEq(reports, 2);
        vm.assertEq(reportWeight, 2 * 1000 ether);
        vm.assertEq(uptime.reportWeightBy(0, v1), 2 * 1000 ether);
        vm.assertEq(uptime.totalReportWeight(0), 2 * 1000 ether);
        vm.assertEq(uptime.reportedWeight(0, p1), 1000 ether);
        (uint16 score, uint256 count) = uptime.medianScore(0, p1);
        vm.assertEq(score, 9000);
        vm.assertEq(count, 1);
        address[] memory listed = uptime.providersOf(0);
        vm.assertEq(listed.length, 2);
        vm.assertEq(listed[0], p1);
        vm.assertEq(listed[1], p2);
    }

    function test_submitScores_addsStakeTimesProvidersToTheReportWeight() public {
        address[] memory providers = new address[](2);
        providers[0] = p1;
        providers[1] = p2;
        vm.prank(v2);
        uptime.submitScores(0, providers, new uint16[](2)); // 2000 MESH * 2
        _submit(v2, 0, p3, 9000); // + 2000 MESH * 1
        _submit(v1, 0, p3, 9000); // 1000 MESH * 1
        vm.assertEq(uptime.reportWeightBy(0, v2), 6000 ether);
        vm.assertEq(uptime.reportWeightBy(0, v1), 1000 ether);
        vm.assertEq(uptime.totalReportWeight(0), 7000 ether);
        vm.assertEq(uptime.reportsBy(0, v2), 3);
        vm.assertEq(uptime.reportedWeight(0, p3), 3000 ether);
        (,, uint256 reports,, uint256 reportWeight) = uptime.epochTotals(0);
        vm.assertEq(reports, 4);
        vm.assertEq(reportWeight, 7000 ether);
        // The weight is the stake at submission: a later top-up does not change what was recorded.
        _stake(v1, 5000 ether);
        vm.assertEq(uptime.reportWeightBy(0, v1), 1000 ether);
        vm.assertEq(uptime.reportedWeight(0, p3), 3000 ether);
    }

    function test_submitScores_acceptsThePreviousEpoch() public {
        _warpToEpoch(4);
        _submit(v1, 3, p1, 5000);
        _submit(v1, 4, p1, 6000);
        vm.assertEq(uptime.reportsBy(3, v1), 1);
        vm.assertEq(uptime.reportsBy(4, v1), 1);
    }

    function test_submitScores_revertsWhenEpochNotOpenFuture() public {
        vm.expectRevert(abi.encodeWithSelector(IUptime.EpochNotOpen.selector, 1, 0));
        vm.prank(v1);
        uptime.submitScores(1, _one(p1), _score(1));
    }

    function test_submitScores_revertsWhenEpochNotOpenPast() public {
        _warpToEpoch(4);
        vm.expectRevert(abi.encodeWithSelector(IUptime.EpochNotOpen.selector, 2, 4));
        vm.prank(v1);
        uptime.submitScores(2, _one(p1), _score(1));
    }

    function test_submitScores_revertsWhenLengthMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(IUptime.LengthMismatch.selector, 1, 0));
        vm.prank(v1);
        uptime.submitScores(0, _one(p1), new uint16[](0));
    }

    function test_submitScores_revertsWhenEmptyBatch() public {
        vm.expectRevert(IUptime.EmptyBatch.selector);
        vm.prank(v1);
        uptime.submitScores(0, new address[](0), new uint16[](0));
    }

    function test_submitScores_revertsWhenScoreOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(IUptime.ScoreOutOfRange.selector, p1, 10_001));
        vm.prank(v1);
        uptime.submitScores(0, _one(p1), _score(10_001));
    }

    function test_submitScores_revertsWhenNotAProvider() public {
        vm.expectRevert(abi.encodeWithSelector(IUptime.NotAProvider.selector, v2));
        vm.prank(v1);
        uptime.submitScores(0, _one(v2), _score(1));
    }

    function test_submitScores_revertsWhenAlreadyReported() public {
        _submit(v1, 0, p1, 9000);
        vm.expectRevert(abi.encodeWithSelector(IUptime.AlreadyReported.selector, 0, v1, p1));
        vm.prank(v1);
        uptime.submitScores(0, _one(p1), _score(1));
    }

    function test_submitScores_revertsWhenAlreadyReportedInTheSameBatch() public {
        address[] memory providers = new address[](2);
        providers[0] = p1;
        providers[1] = p1;
        vm.expectRevert(abi.encodeWithSelector(IUptime.AlreadyReported.selector, 0, v1, p1));
        vm.prank(v1);
        uptime.submitScores(0, providers, new uint16[](2));
    }

    function test_submitScores_revertsWhenNotAValidator() public {
        vm.expectRevert(abi.encodeWithSelector(IUptime.NotAValidator.selector, p1));
        vm.prank(p1);
        uptime.submitScores(0, _one(p2), _score(1));
        vm.prank(v1);
        registry.unregister();
        vm.expectRevert(abi.encodeWithSelector(IUptime.NotAValidator.selector, v1));
        vm.prank(v1);
        uptime.submitScores(0, _one(p2), _score(1));
    }

    /// @dev A token with a supply beyond 2^128 wei, its own Registry and Uptime: reports whose summed
    /// weight on a provider passes 128 bits are refused with SafeCast's error (nothing is stored), and a
    /// provider stake beyond 232 bits is stored capped, so finalization never reverts on it.
    function test_submitScores_revertsWhenTheReportedWeightPasses128Bits() public {
        (MeshToken big, Registry bigRegistry, Uptime bigUptime) = _bigDeployment();
        address whale = _bigStaker(big, bigRegistry, "whale", 2 ** 129, false);
        address provider = _bigStaker(big, bigRegistry, "bigProvider", 2 ** 240, true);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, 2 ** 129));
        vm.prank(whale);
        bigUptime.submitScores(0, _one(provider), _score(9000));
        // Below the bound the report counts; the provider's 2^240 stake is stored as 2^232 - 1.
        address small = _bigStaker(big, bigRegistry, "smallWhale", 2 ** 127, false);
        vm.prank(small);
        bigUptime.submitScores(0, _one(provider), _score(9000));
        _warpToEpoch(2);
        vm.assertTrue(bigUptime.finalize(0, 1));
        (uint16 score, bool reported, uint256 stake) = bigUptime.scoreOf(0, provider);
        vm.assertEq(score, 9000);
        vm.assertTrue(reported);
        vm.assertEq(stake, type(uint232).max);
        (,,, uint256 weight,) = bigUptime.epochTotals(0);
        vm.assertEq(weight, 9000 * uint256(type(uint232).max));
    }

    function _bigDeployment() internal returns (MeshToken big, Registry bigRegistry, Uptime bigUptime) {
        big = new MeshToken(owner, owner, 2 ** 250);
        bigRegistry = new Registry(owner, big, MIN_STAKE, MIN_VALIDATOR_STAKE, 7 days, 16);
        bigUptime = new Uptime(owner, bigRegistry, GENESIS, EPOCH, FLOOR);
    }

    function _bigStaker(MeshToken big, Registry bigRegistry, string memory name, uint256 amount, bool asProvider)
        internal
        returns (address account)
    {
        account = makeAddr(name);
        vm.prank(owner);
        big.transfer(account, amount);
        vm.startPrank(account);
        big.approve(address(bigRegistry), amount);
        bigRegistry.stake(amount);
        if (asProvider) {
            IRegistry.Offer[] memory offers = new IRegistry.Offer[](1);
            offers[0] = IRegistry.Offer(MODEL, 1 ether, 2 ether);
            bigRegistry.registerProvider(
                "https://provider.example", "eu-west", IRegistry.Hardware("RTX 4090", 1, 24_576, 16, 65_536), offers
            );
        } else {
            bigRegistry.registerValidator("https://validator.example");
        }
        vm.stopPrank();
    }

    // =========================================================== medianScore

    function test_medianScore_isZeroWithoutReports() public view {
        (uint16 score, uint256 count) = uptime.medianScore(0, p1);
        vm.assertEq(score, 0);
        vm.assertEq(count, 0);
    }

    function test_medianScore_followsStakeNotHeadcount() public {
        // v1 (1000) and v2 (2000) say 2000; v3 (4000) says 9000: v3 holds more than half the weight.
        _submit(v1, 0, p1, 2000);
        _submit(v2, 0, p1, 2000);
        _submit(v3, 0, p1, 9000);
        (uint16 score, uint256 count) = uptime.medianScore(0, p1);
        vm.assertEq(score, 9000);
        vm.assertEq(count, 3);
    }

    function test_medianScore_takesTheLowerScoreAtExactlyHalf() public {
        address v4 = _validator("v4", 1000 ether); // v1 + v2 = 3000 = half of 6000 with v4 + ... no: use v3 alone
        _submit(v3, 0, p1, 9000); // 4000
        _submit(v1, 0, p1, 1000); // 1000
        _submit(v4, 0, p1, 1000); // 1000
        _submit(v2, 0, p1, 5000); // 2000  -> weights <= 1000: 2000 of 8000 (25%), <= 5000: 4000 (50%)
        (uint16 score,) = uptime.medianScore(0, p1);
        vm.assertEq(score, 5000);
    }

    function test_medianScore_hasOnePercentResolution() public {
        // 8,799 and 8,750 fall in bucket 87: the median is 8,700; 10,000 is bucket 100.
        _submit(v3, 0, p1, 8799);
        _submit(v3, 0, p2, 10_000);
        _submit(v1, 0, p1, 8750);
        (uint16 score, uint256 count) = uptime.medianScore(0, p1);
        vm.assertEq(score, 8700);
        vm.assertEq(count, 2);
        (score,) = uptime.medianScore(0, p2);
        vm.assertEq(score, 10_000);
        vm.assertEq(uptime.BUCKETS(), 101);
        vm.assertEq(uptime.BUCKET_WIDTH(), 100);
    }

    function test_medianScore_readsEveryBucketInUse() public {
        // Weights 1000 at 0, 2000 at 5,000, 4000 at 10,000 (total 7000): half is reached at 10,000 only.
        _submit(v1, 0, p1, 0);
        _submit(v2, 0, p1, 5000);
        _submit(v3, 0, p1, 10_000);
        (uint16 score,) = uptime.medianScore(0, p1);
        vm.assertEq(score, 10_000);
        vm.assertEq(uptime.reportedWeight(0, p1), 7000 ether);
    }

    // ============================================================== isActive

    function test_isActive_isTrueInEpochZeroAndWithoutReports() public {
        vm.assertTrue(uptime.isActive(p1));
        _warpToEpoch(1);
        vm.assertTrue(uptime.isActive(p1));
    }

    function test_isActive_followsThePreviousEpochMedian() public {
        _submit(v3, 0, p1, FLOOR - 1);
        _submit(v3, 0, p2, FLOOR);
        vm.assertTrue(uptime.isActive(p1)); // epoch 0 has no previous epoch
        _warpToEpoch(1);
        vm.assertFalse(uptime.isActive(p1));
        vm.assertTrue(uptime.isActive(p2));
        _warpToEpoch(2); // epoch 1 has no reports
        vm.assertTrue(uptime.isActive(p1));
    }

    function test_isActive_staysTrueBelowTheStakeQuorum() public {
        // v1 + v2 hold 3000 of 7000 MESH of validator stake: not more than half.
        _submit(v1, 0, p1, 0);
        _submit(v2, 0, p1, 0);
        _warpToEpoch(1);
        vm.assertEq(uptime.reportedWeight(0, p1), 3000 ether);
        (uint16 median,) = uptime.medianScore(0, p1);
        vm.assertEq(median, 0);
        vm.assertTrue(uptime.isActive(p1));
        // v3's late report (accepted during epoch 1) brings the weight to 7000: the median now counts.
        _submit(v3, 0, p1, 0);
        vm.assertFalse(uptime.isActive(p1));
    }

    function test_isActive_needsStrictlyMoreThanHalfTheValidatorStake() public {
        _validator("v4", 1000 ether); // 8000 MESH of validator stake in all
        _submit(v3, 0, p1, 0); // 4000: exactly half
        _warpToEpoch(1);
        vm.assertTrue(uptime.isActive(p1));
        _submit(v1, 0, p1, 0); // 5000 of 8000
        vm.assertFalse(uptime.isActive(p1));
    }

    function test_isActive_measuresTheQuorumAgainstTheValidatorStakeNow() public {
        _submit(v3, 0, p1, 0); // 4000 of 7000: a quorum
        _warpToEpoch(1);
        vm.assertFalse(uptime.isActive(p1));
        // More validator stake arrives (7000 -> 9000): 4000 is no longer more than half.
        _validator("v4", 2000 ether);
        vm.assertEq(registry.totalValidatorStake(), 9000 ether);
        vm.assertTrue(uptime.isActive(p1));
    }

    function test_isActive_withAQuorumAboveTheFloorStaysTrue() public {
        _submit(v3, 0, p1, FLOOR);
        _submit(v1, 0, p1, 0);
        _warpToEpoch(1);
        vm.assertTrue(uptime.isActive(p1));
        vm.assertEq(uptime.QUORUM_BPS(), 5000);
    }

    // ============================================================== finalize

    function test_finalize_storesMediansTotalsAndEmits() public {
        _submit(v1, 0, p1, 9000);
        _submit(v2, 0, p1, 9500);
        _submit(v3, 0, p2, 3000);
        _warpToEpoch(2);
        vm.expectEmit(address(uptime));
        emit IUptime.EpochScore(0, p1, 9500, true);
        vm.expectEmit(address(uptime));
        emit IUptime.EpochScore(0, p2, 3000, false);
        vm.expectEmit(address(uptime));
        emit IUptime.EpochFinalized(0, 2, 9500);
        bool done = uptime.finalize(0, 10);
        vm.assertTrue(done);
        vm.assertTrue(uptime.isFinalized(0));
        (uint16 s1, bool r1, uint256 stake1) = uptime.scoreOf(0, p1);
        vm.assertEq(s1, 9500);
        vm.assertTrue(r1);
        vm.assertEq(stake1, 2000 ether);
        (uint16 s2, bool r2, uint256 stake2) = uptime.scoreOf(0, p2);
        vm.assertEq(s2, 3000);
        vm.assertTrue(r2);
        vm.assertEq(stake2, 2000 ether); // stored for an inactive provider too
        (uint16 s3, bool r3, uint256 stake3) = uptime.scoreOf(0, p3);
        vm.assertEq(s3, 0);
        vm.assertFalse(r3);
        vm.assertEq(stake3, 0);
        (uint256 sum, uint256 active, uint256 reports, uint256 weight, uint256 reportWeight) = uptime.epochTotals(0);
        vm.assertEq(sum, 9500);
        vm.assertEq(active, 1);
        vm.assertEq(reports, 3);
        vm.assertEq(weight, 9500 * 2000 ether); // p2 is below the floor: not counted
        vm.assertEq(reportWeight, 1000 ether + 2000 ether + 4000 ether);
        vm.assertEq(uptime.epochFloor(0), FLOOR);
    }

    function test_finalize_worksInBatches() public {
        _submit(v1, 0, p1, 9000);
        _submit(v1, 0, p2, 8000);
        _submit(v1, 0, p3, 10_000);
        _warpToEpoch(2);
        vm.assertFalse(uptime.finalize(0, 2));
        vm.assertFalse(uptime.isFinalized(0));
        vm.assertTrue(uptime.finalize(0, 2));
        (uint256 sum, uint256 active,, uint256 weight,) = uptime.epochTotals(0);
        vm.assertEq(sum, 27_000);
        vm.assertEq(active, 3);
        vm.assertEq(weight, 27_000 * 2000 ether);
    }

    function test_finalize_finalizesAnEmptyEpoch() public {
        _warpToEpoch(5);
        vm.expectEmit(address(uptime));
        emit IUptime.EpochFinalized(3, 0, 0);
        vm.assertTrue(uptime.finalize(3, 0));
    }

    function test_finalize_keepsTheFloorItStartedWith() public {
        _submit(v1, 0, p1, 8500);
        _submit(v1, 0, p2, 8500);
        _warpToEpoch(2);
        uptime.finalize(0, 1);
        vm.prank(owner);
        uptime.setFloor(9000);
        uptime.finalize(0, 1);
        (uint256 sum, uint256 active,, uint256 weight,) = uptime.epochTotals(0);
        vm.assertEq(sum, 17_000);
        vm.assertEq(active, 2);
        vm.assertEq(weight, 17_000 * 2000 ether);
        vm.assertEq(uptime.epochFloor(0), FLOOR);
        vm.assertEq(uptime.epochFloor(1), 9000);
    }

    function test_finalize_revertsWhenEpochNotOver() public {
        _warpToEpoch(1);
        vm.expectRevert(abi.encodeWithSelector(IUptime.EpochNotOver.selector, 0, 1));
        uptime.finalize(0, 10);
        _warpToEpoch(3);
        vm.expectRevert(abi.encodeWithSelector(IUptime.EpochNotOver.selector, 2, 3));
        uptime.finalize(2, 10);
    }

    function test_finalize_revertsWhenAlreadyFinalized() public {
        _warpToEpoch(2);
        uptime.finalize(0, 10);
        vm.expectRevert(abi.encodeWithSelector(IUptime.AlreadyFinalized.selector, 0));
        uptime.finalize(0, 10);
    }

    // ============================================================== setFloor

    function test_setFloor_storesAndEmits() public {
        vm.expectEmit(address(uptime));
        emit IUptime.FloorSet(5000);
        vm.prank(owner);
        uptime.setFloor(5000);
        vm.assertEq(uptime.floor(), 5000);
    }

    function test_setFloor_revertsWhenOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(IUptime.ParameterOutOfRange.selector, "floor", uint256(10_001), 0, uint256(10_000))
        );
        vm.prank(owner);
        uptime.setFloor(10_001);
    }

    function test_setFloor_revertsWhenNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        uptime.setFloor(1);
    }

    // ================================================================= fuzz

    /// @dev Reference: sorts (bucketed score, weight) pairs by insertion sort and returns the first bucketed
    /// score at which the cumulative weight reaches half the total.
    function _referenceMedian(uint16[] memory scores, uint256[] memory weights) internal pure returns (uint16) {
        uint256 n = scores.length;
        uint16[] memory s = new uint16[](n);
        uint256[] memory w = new uint256[](n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint16 bucketed = scores[i] / 100 * 100;
            uint256 j = i;
            while (j > 0 && s[j - 1] > bucketed) {
                s[j] = s[j - 1];
                w[j] = w[j - 1];
                --j;
            }
            s[j] = bucketed;
            w[j] = weights[i];
            total += weights[i];
        }
        uint256 cumulative;
        for (uint256 i; i < n; ++i) {
            cumulative += w[i];
            if (2 * cumulative >= total) return s[i];
        }
        revert("unreachable");
    }

    /// @dev The histogram median equals a reference weighted median computed by sorting the reports (both at
    /// 1% resolution), for any scores and stakes and any submission order.
    function testFuzz_medianScore_matchesAReferenceSort(uint16[12] memory raw, uint96[12] memory stakes, uint8 n)
        public
    {
        n = uint8(bound(n, 1, 12));
        uint16[] memory scores = new uint16[](n);
        uint256[] memory weights = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            scores[i] = uint16(bound(raw[i], 0, 10_000));
            weights[i] = bound(stakes[i], MIN_VALIDATOR_STAKE, 1e9 ether);
            address v = _validator(string(abi.encodePacked("fv", bytes1(uint8(0x41 + i)))), weights[i]);
            _submit(v, 0, p1, scores[i]);
        }
        (uint16 median, uint256 count) = uptime.medianScore(0, p1);
        vm.assertEq(count, n);
        vm.assertEq(median, _referenceMedian(scores, weights));
        vm.assertEq(median % 100, 0);
        // The finalized score is the same median.
        _warpToEpoch(2);
        uptime.finalize(0, 10);
        (uint16 finalScore, bool reported,) = uptime.scoreOf(0, p1);
        vm.assertEq(finalScore, median);
        vm.assertTrue(reported);
    }

    /// @dev The weighted median's bucket holds a report; reports in buckets at or below it carry at least
    /// half the weight, and reports in lower buckets carry less than half (it is the lowest such bucket).
    function testFuzz_medianScore_isTheWeightedMedian(uint16[6] memory scores, uint96[6] memory stakes, uint8 n)
        public
    {
        n = uint8(bound(n, 1, 6));
        uint256 total;
        uint256[] memory weight = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            scores[i] = uint16(bound(scores[i], 0, 10_000));
            weight[i] = bound(stakes[i], MIN_VALIDATOR_STAKE, 1e9 ether);
            total += weight[i];
            address v = _validator(string(abi.encodePacked("fv", bytes1(uint8(0x30 + i)))), weight[i]);
            _submit(v, 0, p1, scores[i]);
        }
        (uint16 median, uint256 count) = uptime.medianScore(0, p1);
        vm.assertEq(count, n);
        uint256 atOrBelow;
        uint256 below;
        bool reported;
        for (uint256 i; i < n; ++i) {
            uint16 bucketed = scores[i] / 100 * 100;
            if (bucketed <= median) atOrBelow += weight[i];
            if (bucketed < median) below += weight[i];
            if (bucketed == median) reported = true;
        }
        vm.assertTrue(reported);
        vm.assertGe(2 * atOrBelow, total);
        vm.assertLt(2 * below, total);
    }

    /// @dev A coalition holding less than half the reporting stake cannot move the median outside the
    /// range of the honest reports.
    function testFuzz_medianScore_minorityCannotMoveIt(uint16 honest, uint16 liar, uint96 liarStake) public {
        honest = uint16(bound(honest, 0, 10_000));
        liar = uint16(bound(liar, 0, 10_000));
        // Honest: v1 + v2 + v3 = 7000 MESH. The liar holds less than that.
        uint256 stakeOfLiar = bound(liarStake, MIN_VALIDATOR_STAKE, 6999 ether);
        address bad = _validator("liar", stakeOfLiar);
        _submit(v1, 0, p1, honest);
        _submit(v2, 0, p1, honest);
        _submit(v3, 0, p1, honest);
        _submit(bad, 0, p1, liar);
        (uint16 median,) = uptime.medianScore(0, p1);
        vm.assertEq(median, honest / 100 * 100);
    }
}
