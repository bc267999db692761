// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {Emissions} from "../src/Emissions.sol";
import {Payments} from "../src/Payments.sol";
import {Uptime} from "../src/Uptime.sol";
import {Disputes} from "../src/Disputes.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IEmissions} from "../src/interfaces/IEmissions.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";
import {IUptime} from "../src/interfaces/IUptime.sol";
import {Epochs} from "../src/libraries/Epochs.sol";

contract EmissionsTest is ConsensusBase {
    uint256 internal constant AVAILABILITY_POOL = EMISSION * AVAILABILITY_BPS / BPS; // 400
    uint256 internal constant WORK_POOL = EMISSION * WORK_BPS / BPS; // 400
    uint256 internal constant VALIDATOR_POOL = EMISSION * VALIDATOR_BPS / BPS; // 200

    address internal p1;
    address internal p2;
    address internal p3;
    address internal v1;
    address internal v2;

    function setUp() public override {
        super.setUp();
        p1 = _provider("p1", 2000 ether);
        p2 = _provider("p2", 2000 ether);
        p3 = _provider("p3", 2000 ether);
        v1 = _validator("v1", 1000 ether);
        v2 = _validator("v2", 2000 ether);
    }

    /// @dev Epoch 0: p1 median 10,000, p3 8,000 (active), p2 7,000 (below the floor). v1 reports p1 and
    /// p2, v2 reports p1 and p3: four reports. Then the clock moves to epoch 2 and epoch 0 is finalized.
    function _scoreEpochZero() internal {
        address[] memory providers = new address[](2);
        uint16[] memory scores = new uint16[](2);
        providers[0] = p1;
        providers[1] = p2;
        scores[0] = 9000;
        scores[1] = 7000;
        vm.prank(v1);
        uptime.submitScores(0, providers, scores);
        providers[1] = p3;
        scores[0] = 10_000;
        scores[1] = 8000;
        vm.prank(v2);
        uptime.submitScores(0, providers, scores);
    }

    function _finalizeEpochZero() internal {
        _warpToEpoch(2);
        uptime.finalize(0, 10);
    }

    // =========================================================== constructor

    function test_constructor_setsScheduleAndContracts() public view {
        IEmissions.Schedule memory s = emissions.schedule();
        vm.assertEq(s.initialEmission, EMISSION);
        vm.assertEq(s.halvingEpochs, HALVING);
        vm.assertEq(s.availabilityBps, AVAILABILITY_BPS);
        vm.assertEq(s.workBps, WORK_BPS);
        vm.assertEq(s.validatorBps, VALIDATOR_BPS);
        vm.assertEq(s.maxWorkRewardBps, MAX_WORK_BPS);
        vm.assertEq(s.challengeEpochs, CHALLENGE_EPOCHS);
        vm.assertEq(emissions.token(), address(token));
        vm.assertEq(emissions.registry(), address(registry));
        vm.assertEq(emissions.uptime(), address(uptime));
        vm.assertEq(emissions.payments(), address(payments));
        vm.assertEq(emissions.disputes(), address(disputes));
        vm.assertEq(emissions.genesis(), GENESIS);
        vm.assertEq(emissions.epochLength(), EPOCH);
        vm.assertEq(emissions.currentEpoch(), 0);
        vm.assertEq(emissions.totalEmitted(), 0);
    }

    function _new(IEmissions.Schedule memory s) internal returns (Emissions) {
        return new Emissions(owner, token, registry, uptime, payments, disputes, GENESIS, EPOCH, s);
    }

    function test_constructor_revertsWhenAddressZero() public {
        IEmissions.Schedule memory s = _schedule();
        vm.expectRevert(IEmissions.ZeroAddress.selector);
        new Emissions(owner, IMeshToken(address(0)), registry, uptime, payments, disputes, GENESIS, EPOCH, s);
        vm.expectRevert(IEmissions.ZeroAddress.selector);
        new Emissions(owner, token, IRegistry(address(0)), uptime, payments, disputes, GENESIS, EPOCH, s);
        vm.expectRevert(IEmissions.ZeroAddress.selector);
        new Emissions(owner, token, registry, IUptime(address(0)), payments, disputes, GENESIS, EPOCH, s);
        vm.expectRevert(IEmissions.ZeroAddress.selector);
        new Emissions(owner, token, registry, uptime, IPayments(address(0)), disputes, GENESIS, EPOCH, s);
        vm.expectRevert(IEmissions.ZeroAddress.selector);
        new Emissions(owner, token, registry, uptime, payments, IDisputes(address(0)), GENESIS, EPOCH, s);
    }

    function test_constructor_revertsWhenEpochLengthOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IEmissions.ParameterOutOfRange.selector,
                "epochLength",
                uint256(0),
                uint256(Epochs.MIN_EPOCH_LENGTH),
                uint256(Epochs.MAX_EPOCH_LENGTH)
            )
        );
        new Emissions(owner, token, registry, uptime, payments, disputes, GENESIS, 0, _schedule());
    }

    function test_constructor_revertsWhenEpochClockMismatch() public {
        Uptime otherUptime = new Uptime(owner, registry, GENESIS + 1, EPOCH, FLOOR);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EpochClockMismatch.selector, address(otherUptime)));
        new Emissions(owner, token, registry, otherUptime, payments, disputes, GENESIS, EPOCH, _schedule());

        Payments otherPayments = new Payments(owner, token, models, BURN_BPS, 1 days, GENESIS, 2 * EPOCH);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EpochClockMismatch.selector, address(otherPayments)));
        new Emissions(owner, token, registry, uptime, otherPayments, disputes, GENESIS, EPOCH, _schedule());

        Disputes otherDisputes = new Disputes(owner, token, registry, address(payments), 0, EPOCH, _params());
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EpochClockMismatch.selector, address(otherDisputes)));
        new Emissions(owner, token, registry, uptime, payments, otherDisputes, GENESIS, EPOCH, _schedule());
    }

    function _expectScheduleOutOfRange(
        IEmissions.Schedule memory s,
        string memory name,
        uint256 value,
        uint256 min,
        uint256 max
    ) internal {
        vm.expectRevert(abi.encodeWithSelector(IEmissions.ParameterOutOfRange.selector, name, value, min, max));
        _new(s);
    }

    function test_constructor_revertsWhenScheduleOutOfRange() public {
        IEmissions.Schedule memory s = _schedule();
        s.initialEmission = 1e9 ether + 1;
        _expectScheduleOutOfRange(s, "initialEmission", 1e9 ether + 1, 0, 1e9 ether);
        s = _schedule();
        s.halvingEpochs = 0;
        _expectScheduleOutOfRange(s, "halvingEpochs", 0, 1, type(uint64).max);
        s = _schedule();
        s.validatorBps = 2001;
        _expectScheduleOutOfRange(s, "availabilityBps + workBps + validatorBps", 10_001, 10_000, 10_000);
        s = _schedule();
        s.challengeEpochs = 0;
        _expectScheduleOutOfRange(s, "challengeEpochs", 0, 1, 1000);
        s.challengeEpochs = 1001;
        _expectScheduleOutOfRange(s, "challengeEpochs", 1001, 1, 1000);
    }

    function test_constructor_revertsWhenWorkRewardNotBelowTheBurn() public {
        IEmissions.Schedule memory s = _schedule();
        s.maxWorkRewardBps = BURN_BPS;
        _expectScheduleOutOfRange(s, "maxWorkRewardBps", BURN_BPS, 0, BURN_BPS - 1);
        Payments noBurn = new Payments(owner, token, models, 0, 1 days, GENESIS, EPOCH);
        s.maxWorkRewardBps = 0;
        vm.expectRevert(abi.encodeWithSelector(IEmissions.ParameterOutOfRange.selector, "maxWorkRewardBps", 0, 0, 0));
        new Emissions(owner, token, registry, uptime, noBurn, disputes, GENESIS, EPOCH, s);
    }

    // =========================================================== emissionFor

    function test_emissionFor_halvesEveryHalvingEpochs() public view {
        vm.assertEq(emissions.emissionFor(0), EMISSION);
        vm.assertEq(emissions.emissionFor(HALVING - 1), EMISSION);
        vm.assertEq(emissions.emissionFor(HALVING), EMISSION / 2);
        vm.assertEq(emissions.emissionFor(3 * HALVING + 5), EMISSION / 8);
    }

    function test_emissionFor_isZeroPast255Halvings() public {
        IEmissions.Schedule memory s = _schedule();
        s.halvingEpochs = 1;
        Emissions fast = _new(s);
        vm.assertEq(fast.emissionFor(255), EMISSION >> 255);
        vm.assertEq(fast.emissionFor(256), 0);
        vm.assertEq(fast.emissionFor(type(uint64).max), 0);
    }

    // ============================================================= claimable

    function test_claimable_splitsAvailabilityByScoreAboveTheFloor() public {
        _scoreEpochZero();
        _finalizeEpochZero();
        (uint256 a1, uint256 w1, uint256 r1) = emissions.claimable(0, p1);
        (uint256 a3,,) = emissions.claimable(0, p3);
        (uint256 a2, uint256 w2,) = emissions.claimable(0, p2);
        vm.assertEq(a1, AVAILABILITY_POOL * 10_000 / 18_000);
        vm.assertEq(a3, AVAILABILITY_POOL * 8000 / 18_000);
        vm.assertEq(a2, 0);
        vm.assertEq(w1, 0);
        vm.assertEq(w2, 0);
        vm.assertEq(r1, 0);
    }

    function test_claimable_splitsValidationByStakeTimesReports() public {
        _scoreEpochZero();
        _finalizeEpochZero();
        (uint256 a, uint256 w, uint256 r1) = emissions.claimable(0, v1);
        (,, uint256 r2) = emissions.claimable(0, v2);
        vm.assertEq(a, 0);
        vm.assertEq(w, 0);
        // v1: 1000 MESH * 2 providers, v2: 2000 MESH * 2 providers, of 6000 MESH-reports.
        vm.assertEq(uptime.reportWeightBy(0, v1), 2000 ether);
        vm.assertEq(uptime.reportWeightBy(0, v2), 4000 ether);
        vm.assertEq(uptime.totalReportWeight(0), 6000 ether);
        vm.assertEq(r1, VALIDATOR_POOL * 2000 / 6000);
        vm.assertEq(r2, VALIDATOR_POOL * 4000 / 6000);
    }

    function test_claimable_countsEveryProviderAValidatorReported() public {
        // v1 (1000 MESH) reports 3 providers, v2 (2000 MESH) 1: weights 3000 and 2000 MESH-reports.
        address[] memory three = new address[](3);
        three[0] = p1;
        three[1] = p2;
        three[2] = p3;
        vm.prank(v1);
        uptime.submitScores(0, three, new uint16[](3));
        address[] memory one = new address[](1);
        one[0] = p1;
        vm.prank(v2);
        uptime.submitScores(0, one, new uint16[](1));
        _finalizeEpochZero();
        (,, uint256 r1) = emissions.claimable(0, v1);
        (,, uint256 r2) = emissions.claimable(0, v2);
        vm.assertEq(r1, VALIDATOR_POOL * 3000 / 5000);
        vm.assertEq(r2, VALIDATOR_POOL * 2000 / 5000);
    }

    function test_claimable_splitsAvailabilityByScoreTimesStake() public {
        // p1 stakes 6000 more (8000 in all): score * stake 10,000 * 8000 vs p3's 8000 * 2000.
        _stake(p1, 6000 ether);
        _scoreEpochZero();
        _finalizeEpochZero();
        (uint16 score, bool reported, uint256 stake) = uptime.scoreOf(0, p1);
        vm.assertEq(score, 10_000);
        vm.assertTrue(reported);
        vm.assertEq(stake, 8000 ether);
        (,,, uint256 sumActiveWeight,) = uptime.epochTotals(0);
        vm.assertEq(sumActiveWeight, 10_000 * 8000 ether + 8000 * 2000 ether);
        (uint256 a1,,) = emissions.claimable(0, p1);
        (uint256 a3,,) = emissions.claimable(0, p3);
        vm.assertEq(a1, AVAILABILITY_POOL * 80_000 / 96_000);
        vm.assertEq(a3, AVAILABILITY_POOL * 16_000 / 96_000);
        vm.assertLe(a1 + a3, AVAILABILITY_POOL);
    }

    function test_claimable_usesTheStakeAtFinalization() public {
        _scoreEpochZero();
        // p3 leaves and unbonds everything before finalization: stored stake 0, so no availability.
        vm.prank(p3);
        registry.unregister(); // moves the whole stake to unbonding
        _finalizeEpochZero();
        (uint16 score, bool reported, uint256 stake) = uptime.scoreOf(0, p3);
        vm.assertEq(score, 8000);
        vm.assertTrue(reported);
        vm.assertEq(stake, 0);
        // Staking after finalization changes nothing.
        _stake(p3, 5000 ether);
        (,, stake) = uptime.scoreOf(0, p3);
        vm.assertEq(stake, 0);
        (uint256 a3,,) = emissions.claimable(0, p3);
        (uint256 a1,,) = emissions.claimable(0, p1);
        vm.assertEq(a3, 0);
        vm.assertEq(a1, AVAILABILITY_POOL);
    }

    function test_claimable_capsWorkBelowWhatThePaymentBurned() public {
        _scoreEpochZero();
        _work("payer1", p1, 100 ether);
        _finalizeEpochZero();
        (, uint256 work,) = emissions.claimable(0, p1);
        // The pool share (all 400) is far above the cap: 2.5% of 100 MESH, while 5% was burned.
        vm.assertEq(work, 2.5 ether);
    }

    function test_claimable_sharesTheWorkPoolWhenTheCapDoesNotBind() public {
        _scoreEpochZero();
        _work("payer1", p1, 100_000 ether);
        _work("payer2", p3, 300_000 ether);
        _work("payer3", p2, 100_000 ether); // below the floor: its work counts in the total but earns nothing
        _finalizeEpochZero();
        (, uint256 w1,) = emissions.claimable(0, p1);
        (, uint256 w3,) = emissions.claimable(0, p3);
        (, uint256 w2,) = emissions.claimable(0, p2);
        vm.assertEq(w1, WORK_POOL * 100_000 / 500_000);
        vm.assertEq(w3, WORK_POOL * 300_000 / 500_000);
        vm.assertEq(w2, 0);
    }

    function test_claimable_paysNoWorkForAPenalizedEpoch() public {
        _scoreEpochZero();
        _work("payer1", p1, 100 ether);
        address challenger = _challenger("challenger", 1000 ether);
        _validator("v3", 1000 ether);
        _validator("v4", 1000 ether);
        _warpToEpoch(1);
        uint256 id = _open(challenger, p1, 1 ether); // opened in epoch 1: penalizes epochs 1 and 0
        _draw(id);
        _voteAll(id, true);
        disputes.resolve(id);
        _finalizeEpochZero();
        (uint256 a, uint256 w,) = emissions.claimable(0, p1);
        vm.assertEq(w, 0);
        // Availability still paid, weighted by the stake left after the 10% slash (1800 MESH).
        (,, uint256 stake) = uptime.scoreOf(0, p1);
        vm.assertEq(stake, 1800 ether);
        vm.assertEq(a, AVAILABILITY_POOL * (10_000 * 1800) / (10_000 * 1800 + 8000 * 2000));
    }

    function test_claimable_isZeroBeforeFinalizationAndAfterTheClaim() public {
        _scoreEpochZero();
        (uint256 a, uint256 w, uint256 r) = emissions.claimable(0, p1);
        vm.assertEq(a + w + r, 0);
        _finalizeEpochZero();
        emissions.claim(0, p1);
        (a, w, r) = emissions.claimable(0, p1);
        vm.assertEq(a + w + r, 0);
    }

    // ================================================================= claim

    function test_claim_mintsRecordsAndEmits() public {
        _scoreEpochZero();
        _work("payer1", p1, 100 ether);
        _finalizeEpochZero();
        uint256 availability = AVAILABILITY_POOL * 10_000 / 18_000;
        uint256 before = token.balanceOf(p1);
        vm.expectEmit(address(emissions));
        emit IEmissions.Claimed(0, p1, availability, 2.5 ether, 0);
        vm.prank(stranger); // anyone may claim for an account; the account is paid
        emissions.claim(0, p1);
        vm.assertEq(token.balanceOf(p1), before + availability + 2.5 ether);
        vm.assertEq(emissions.emittedIn(0), availability + 2.5 ether);
        vm.assertEq(emissions.totalEmitted(), availability + 2.5 ether);
        vm.assertTrue(emissions.claimed(0, p1));
    }

    function test_claim_paysEveryoneWithinTheEpochEmission() public {
        _scoreEpochZero();
        _work("payer1", p1, 100_000 ether);
        _work("payer2", p3, 300_000 ether);
        _finalizeEpochZero();
        address[5] memory accounts = [p1, p2, p3, v1, v2];
        for (uint256 i; i < accounts.length; ++i) {
            emissions.claim(0, accounts[i]);
        }
        vm.assertLe(emissions.emittedIn(0), emissions.emissionFor(0));
        // Everything is distributed except rounding dust and p2's share of the work total (none here).
        vm.assertGe(emissions.emittedIn(0), EMISSION - 10);
    }

    function test_claim_recordsAZeroClaim() public {
        _scoreEpochZero();
        _finalizeEpochZero();
        vm.expectEmit(address(emissions));
        emit IEmissions.Claimed(0, p2, 0, 0, 0);
        emissions.claim(0, p2);
        vm.assertTrue(emissions.claimed(0, p2));
        vm.assertEq(emissions.emittedIn(0), 0);
    }

    function test_claim_revertsWhenEpochNotFinalized() public {
        _scoreEpochZero();
        _warpToEpoch(2);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.EpochNotFinalized.selector, 0));
        emissions.claim(0, p1);
    }

    function test_claim_revertsWhenChallengeWindowOpen() public {
        IEmissions.Schedule memory s = _schedule();
        s.challengeEpochs = 3;
        Emissions slow = _new(s);
        _scoreEpochZero();
        _finalizeEpochZero();
        vm.expectRevert(abi.encodeWithSelector(IEmissions.ChallengeWindowOpen.selector, 0, 2));
        slow.claim(0, p1);
        _warpToEpoch(3);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.ChallengeWindowOpen.selector, 0, 3));
        slow.claim(0, p1);
    }

    function test_claim_revertsWhenDisputesOpen() public {
        _scoreEpochZero();
        address challenger = _challenger("challenger", 1000 ether);
        _open(challenger, p1, 1 ether);
        _finalizeEpochZero();
        vm.expectRevert(abi.encodeWithSelector(IEmissions.DisputesOpen.selector, p1));
        emissions.claim(0, p1);
        emissions.claim(0, p3); // others are not held
    }

    function test_claim_revertsWhenAlreadyClaimed() public {
        _scoreEpochZero();
        _finalizeEpochZero();
        emissions.claim(0, p1);
        vm.expectRevert(abi.encodeWithSelector(IEmissions.AlreadyClaimed.selector, 0, p1));
        emissions.claim(0, p1);
    }

    function test_claim_revertsNotMinterForASecondEmissionsContract() public {
        // The token's one minter is fixed: another Emissions deployment cannot mint.
        Emissions second = _new(_schedule());
        _scoreEpochZero();
        _finalizeEpochZero();
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.NotMinter.selector, address(second)));
        second.claim(0, p1);
    }

    /// @dev E1: work redeemed while the burn rate was 1%, claimed after it went back up to 50%: the
    /// work reward is capped by the burn actually booked (1%), not by today's burnBps.
    function test_claim_capsTheWorkRewardAtTheBurnActuallyPaid() public {
        vm.prank(owner);
        payments.setBurnBps(100);
        _scoreEpochZero();
        _work("lowBurnPayer", p1, 100 ether);
        vm.prank(owner);
        payments.setBurnBps(5000);
        _finalizeEpochZero();
        vm.assertEq(payments.burnedOf(0, p1), 1 ether);
        (, uint256 work,) = emissions.claimable(0, p1);
        // Without the record the cap would be min(2.5%, 50%) of 100 = 2.5 MESH.
        vm.assertEq(work, 1 ether);
    }

    /// @dev E1: a payment of a few wei burns at least one wei (rounded up), so dust work earns nothing more
    /// than it burned.
    function test_claim_capsDustWorkAtItsRoundedUpBurn() public {
        _scoreEpochZero();
        _work("dustPayer", p1, 19);
        _finalizeEpochZero();
        vm.assertEq(payments.burnedOf(0, p1), 1); // ceil(19 * 5%) = 1
        (, uint256 work,) = emissions.claimable(0, p1);
        vm.assertEq(work, 0); // 19 * 2.5% rounds down to 0
    }

    // ================================================================= fuzz

    function testFuzz_emissionFor_followsTheSchedule(uint64 epoch) public view {
        uint256 halvings = epoch / HALVING;
        vm.assertEq(emissions.emissionFor(epoch), halvings > 255 ? 0 : EMISSION >> halvings);
        if (epoch < type(uint64).max) vm.assertLe(emissions.emissionFor(epoch + 1), emissions.emissionFor(epoch));
    }

    /// @dev Paying yourself `amount` burns burnBps of it (rounded up); the work reward it can earn is at
    /// most maxWorkRewardBps of it, strictly less, so self-dealing always loses MESH.
    function testFuzz_claim_selfDealingNeverPays(uint256 amount, uint256 otherWork) public {
        amount = bound(amount, 1 ether, 1e9 ether);
        otherWork = bound(otherWork, 0, 1e9 ether);
        _scoreEpochZero();
        _work("selfPayer", p1, amount); // p1's own payer account (the model has no royalty here)
        if (otherWork != 0) _work("otherPayer", p3, otherWork);
        uint256 burned = (amount * BURN_BPS + BPS - 1) / BPS;
        vm.assertEq(payments.burnedOf(0, p1), burned);
        _finalizeEpochZero();
        (, uint256 work,) = emissions.claimable(0, p1);
        vm.assertLt(work, burned);
        vm.assertLe(work, amount * MAX_WORK_BPS / BPS);
    }

    /// @dev Whatever the burn rate does between the work and the claim, the work reward never exceeds the
    /// burn that work booked.
    function testFuzz_claim_workRewardNeverExceedsTheBurnBooked(uint256 amount, uint16 burnAtWork, uint16 burnAtClaim)
        public
    {
        amount = bound(amount, 1, 1e9 ether);
        burnAtWork = uint16(bound(burnAtWork, 0, 5000));
        burnAtClaim = uint16(bound(burnAtClaim, 0, 5000));
        vm.prank(owner);
        payments.setBurnBps(burnAtWork);
        _scoreEpochZero();
        _work("payer", p1, amount);
        vm.prank(owner);
        payments.setBurnBps(burnAtClaim);
        _finalizeEpochZero();
        (, uint256 work,) = emissions.claimable(0, p1);
        vm.assertLe(work, payments.burnedOf(0, p1));
        vm.assertEq(payments.burnedOf(0, p1), (amount * burnAtWork + BPS - 1) / BPS);
    }

    /// @dev Whatever the providers' and validators' stakes, scores and which providers each validator
    /// reports, the stake-weighted pools pay at most their size: availability shares sum to at most the
    /// availability pool, validation shares to at most the validator pool and at least the pool minus one
    /// wei per validator (every share rounds down), and everything minted stays within the emission.
    function testFuzz_claim_stakeWeightedPoolsStayWithinTheEmission(
        uint256[3] memory providerTopUps,
        uint16[3] memory scores,
        uint256[2] memory validatorTopUps,
        uint8 reportMask
    ) public {
        address[3] memory providers = [p1, p2, p3];
        address[2] memory validators = [v1, v2];
        for (uint256 i; i < 3; ++i) {
            uint256 topUp = bound(providerTopUps[i], 0, 1e9 ether);
            if (topUp != 0) _stake(providers[i], topUp);
            scores[i] = uint16(bound(scores[i], 0, 10_000));
        }
        for (uint256 v; v < 2; ++v) {
            uint256 topUp = bound(validatorTopUps[v], 0, 1e9 ether);
            if (topUp != 0) _stake(validators[v], topUp);
        }
        // Bit (3 * v + i) of reportMask: validator v reports provider i; each validator reports at least one.
        for (uint256 v; v < 2; ++v) {
            uint256 bits = (reportMask >> (3 * v)) & 7;
            if (bits == 0) bits = 1;
            uint256 n;
            for (uint256 i; i < 3; ++i) {
                if (bits & (1 << i) != 0) ++n;
            }
            address[] memory list = new address[](n);
            uint16[] memory listScores = new uint16[](n);
            n = 0;
            for (uint256 i; i < 3; ++i) {
                if (bits & (1 << i) != 0) {
                    list[n] = providers[i];
                    listScores[n++] = scores[i];
                }
            }
            vm.prank(validators[v]);
            uptime.submitScores(0, list, listScores);
        }
        _finalizeEpochZero();
        uint256 availability;
        uint256 validation;
        for (uint256 i; i < 3; ++i) {
            (uint256 a, uint256 w, uint256 r) = emissions.claimable(0, providers[i]);
            vm.assertEq(w + r, 0);
            availability += a;
            emissions.claim(0, providers[i]);
        }
        for (uint256 v; v < 2; ++v) {
            (uint256 a, uint256 w, uint256 r) = emissions.claimable(0, validators[v]);
            vm.assertEq(a + w, 0);
            validation += r;
            emissions.claim(0, validators[v]);
        }
        vm.assertLe(availability, AVAILABILITY_POOL);
        vm.assertLe(validation, VALIDATOR_POOL);
        vm.assertGe(validation + 2, VALIDATOR_POOL);
        (uint256 sumActiveScores,,, uint256 sumActiveWeight,) = uptime.epochTotals(0);
        // Some provider at or above the floor (with stake): the availability pool is paid out up to dust.
        if (sumActiveScores != 0 && sumActiveWeight != 0) vm.assertGe(availability + 3, AVAILABILITY_POOL);
        else vm.assertEq(availability, 0);
        vm.assertEq(emissions.emittedIn(0), availability + validation);
        vm.assertLe(emissions.emittedIn(0), emissions.emissionFor(0));
        vm.assertEq(emissions.totalEmitted(), emissions.emittedIn(0));
    }

    /// @dev Whatever the scores and work, all claims of an epoch together stay within its emission.
    function testFuzz_claim_neverExceedsTheEmission(uint16[3] memory scores, uint256[3] memory works) public {
        address[3] memory providers = [p1, p2, p3];
        for (uint256 i; i < 3; ++i) {
            scores[i] = uint16(bound(scores[i], 0, 10_000));
            works[i] = bound(works[i], 0, 1e8 ether);
            address[] memory one = new address[](1);
            uint16[] memory score = new uint16[](1);
            one[0] = providers[i];
            score[0] = scores[i];
            vm.prank(v1);
            uptime.submitScores(0, one, score);
            if (works[i] != 0) {
                _work(string(abi.encodePacked("payer", bytes1(uint8(0x30 + i)))), providers[i], works[i]);
            }
        }
        _finalizeEpochZero();
        uint256 sum;
        for (uint256 i; i < 3; ++i) {
            (uint256 a, uint256 w, uint256 r) = emissions.claimable(0, providers[i]);
            sum += a + w + r;
            emissions.claim(0, providers[i]);
        }
        emissions.claim(0, v1);
        vm.assertEq(emissions.emittedIn(0), sum + VALIDATOR_POOL);
        vm.assertLe(emissions.emittedIn(0), emissions.emissionFor(0));
        vm.assertEq(emissions.totalEmitted(), emissions.emittedIn(0));
    }
}

/// @notice Drives uptime reports, stake changes (top-ups and unbonding of providers and validators between
/// reports and finalization), finalization and emission claims with bounded inputs; every action does
/// something valid or returns early (fail_on_revert). Ghosts add up what each pool paid per epoch.
contract EmissionsPoolsHandler is Test {
    uint256 internal constant BPS = 10_000;

    MeshToken public immutable token;
    Registry public immutable registry;
    Uptime public immutable uptime;
    Emissions public immutable emissions;
    address public immutable funder;

    address[] public providers;
    address[] public validators;
    uint64 public maxEpoch;
    mapping(uint64 epoch => uint256) public ghostAvailability;
    mapping(uint64 epoch => uint256) public ghostValidation;
    mapping(uint64 epoch => mapping(address validator => mapping(address provider => bool))) internal _reported;
    mapping(bytes32 action => uint256) public calls;

    constructor(
        MeshToken token_,
        Registry registry_,
        Uptime uptime_,
        Emissions emissions_,
        address funder_,
        address[] memory providers_,
        address[] memory validators_
    ) {
        token = token_;
        registry = registry_;
        uptime = uptime_;
        emissions = emissions_;
        funder = funder_;
        providers = providers_;
        validators = validators_;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function validatorCount() external view returns (uint256) {
        return validators.length;
    }

    /// @dev A validator reports the providers of `mask` it has not reported yet in the current epoch.
    function submit(uint256 validatorSeed, uint256 mask, uint256 scoreSeed) external {
        uint64 epoch = uptime.currentEpoch();
        address validator = validators[validatorSeed % validators.length];
        if (!registry.isActiveValidator(validator)) return;
        uint256 n;
        for (uint256 i; i < providers.length; ++i) {
            if ((mask >> i) & 1 == 1 && !_reported[epoch][validator][providers[i]]) ++n;
        }
        if (n == 0) return;
        address[] memory list = new address[](n);
        uint16[] memory scores = new uint16[](n);
        n = 0;
        for (uint256 i; i < providers.length; ++i) {
            if ((mask >> i) & 1 == 1 && !_reported[epoch][validator][providers[i]]) {
                list[n] = providers[i];
                // Mostly above the floor, sometimes far below it.
                scores[n++] = uint16(uint256(keccak256(abi.encode(scoreSeed, i))) % 10_001);
                _reported[epoch][validator][providers[i]] = true;
            }
        }
        vm.prank(validator);
        uptime.submitScores(epoch, list, scores);
        if (epoch > maxEpoch) maxEpoch = epoch;
        calls["submit"]++;
    }

    /// @dev A provider (even seed) or validator (odd) stakes more.
    function topUp(uint256 seed, uint256 amount) external {
        address account = _account(seed);
        amount = bound(amount, 1, 100_000 ether);
        vm.prank(funder);
        token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(registry), amount);
        registry.stake(amount);
        vm.stopPrank();
        calls["topUp"]++;
    }

    /// @dev A provider or validator unbonds part of what it holds above its role's minimum.
    function unstake(uint256 seed, uint256 amount) external {
        address account = _account(seed);
        (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(account);
        uint256 minimum = role == IRegistry.Role.Provider ? registry.minStake() : registry.minValidatorStake();
        if (staked <= minimum) return;
        amount = bound(amount, 1, staked - minimum);
        vm.prank(account);
        registry.requestUnstake(amount);
        calls["unstake"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 * uptime.epochLength()));
        calls["warp"]++;
    }

    function finalize(uint256 epochSeed, uint256 maxProviders) external {
        uint64 current = uptime.currentEpoch();
        if (current < 2) return;
        uint64 epoch = uint64(epochSeed % (current - 1));
        if (uptime.isFinalized(epoch)) return;
        uptime.finalize(epoch, bound(maxProviders, 1, 3));
        if (epoch > maxEpoch) maxEpoch = epoch;
        calls["finalize"]++;
    }

    /// @dev Claims for a provider or validator once the epoch is finalized and its window has passed.
    function claim(uint256 epochSeed, uint256 seed) external {
        uint64 current = emissions.currentEpoch();
        uint64 window = emissions.schedule().challengeEpochs;
        if (current <= window) return;
        uint64 epoch = uint64(epochSeed % (current - window));
        address account = _account(seed);
        if (!uptime.isFinalized(epoch) || emissions.claimed(epoch, account)) return;
        (uint256 a, uint256 w, uint256 r) = emissions.claimable(epoch, account);
        uint256 before = token.balanceOf(account);
        emissions.claim(epoch, account);
        vm.assertEq(token.balanceOf(account) - before, a + w + r, "claim paid what claimable said");
        ghostAvailability[epoch] += a;
        ghostValidation[epoch] += r;
        if (epoch > maxEpoch) maxEpoch = epoch;
        calls["claim"]++;
    }

    function _account(uint256 seed) internal view returns (address) {
        return seed % 2 == 0 ? providers[(seed / 2) % providers.length] : validators[(seed / 2) % validators.length];
    }
}

/// @notice The stake-weighted pools never pay more than their share of the schedule, whatever stakes do
/// between reports and finalization, and Uptime's weight totals are the sums Emissions divides by.
contract EmissionsPoolsInvariantTest is ConsensusBase {
    EmissionsPoolsHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory providers = new address[](4);
        address[] memory validators = new address[](3);
        for (uint256 i; i < providers.length; ++i) {
            providers[i] = _provider(string(abi.encodePacked("ip", bytes1(uint8(0x30 + i)))), 1000 ether * (i + 1));
        }
        for (uint256 i; i < validators.length; ++i) {
            validators[i] = _validator(string(abi.encodePacked("iv", bytes1(uint8(0x30 + i)))), 1000 ether * (i + 1));
        }
        address funder = makeAddr("funder");
        _give(funder, 1e12 ether);
        handler = new EmissionsPoolsHandler(token, registry, uptime, emissions, funder, providers, validators);
        targetContract(address(handler));
    }

    /// @notice Per epoch: availability claims <= the availability pool, validation claims <= the validator
    /// pool, everything minted <= the emission.
    function invariant_poolsWithinTheirShareOfTheSchedule() public view {
        for (uint64 e; e <= handler.maxEpoch(); ++e) {
            uint256 emission = emissions.emissionFor(e);
            vm.assertLe(handler.ghostAvailability(e), emission * AVAILABILITY_BPS / BPS, "availability > pool");
            vm.assertLe(handler.ghostValidation(e), emission * VALIDATOR_BPS / BPS, "validation > pool");
            vm.assertLe(emissions.emittedIn(e), emission, "emittedIn > emissionFor");
        }
    }

    /// @notice totalReportWeight is the sum of reportWeightBy; once finalized, sumActiveWeight is the sum of
    /// score * stake over the providers at or above the epoch's floor (what availability shares divide).
    function invariant_weightTotalsAreTheSums() public view {
        for (uint64 e; e <= handler.maxEpoch(); ++e) {
            uint256 byValidators;
            for (uint256 v; v < handler.validatorCount(); ++v) {
                byValidators += uptime.reportWeightBy(e, handler.validators(v));
            }
            (,,, uint256 sumActiveWeight, uint256 totalReportWeight) = uptime.epochTotals(e);
            vm.assertEq(totalReportWeight, byValidators, "totalReportWeight != sum of reportWeightBy");
            if (!uptime.isFinalized(e)) continue;
            uint256 byProviders;
            for (uint256 p; p < handler.providerCount(); ++p) {
                (uint16 score, bool reported, uint256 stake) = uptime.scoreOf(e, handler.providers(p));
                if (reported && score >= uptime.epochFloor(e)) byProviders += uint256(score) * stake;
            }
            vm.assertEq(sumActiveWeight, byProviders, "sumActiveWeight != sum of score * stake");
        }
    }

    /// @dev The handler reaches every action (the invariants above are not vacuous).
    function test_handler_reachesEveryAction() public {
        handler.submit(0, 15, 1);
        handler.submit(1, 15, 2);
        handler.topUp(0, 500 ether);
        handler.topUp(1, 500 ether);
        handler.unstake(0, 100 ether);
        handler.warp(2 * EPOCH);
        handler.warp(2 * EPOCH);
        handler.finalize(0, 3);
        handler.finalize(0, 3);
        vm.assertTrue(uptime.isFinalized(0));
        for (uint256 seed; seed < 8; ++seed) {
            handler.claim(0, seed);
        }
        vm.assertGt(handler.calls("claim"), 0);
        vm.assertGt(handler.ghostValidation(0), 0);
        invariant_poolsWithinTheirShareOfTheSchedule();
        invariant_weightTotalsAreTheSums();
    }
}
