// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./utils/ConsensusBase.sol";

/// @notice Cheatcodes these tests need beyond test/utils/Test.sol's minimal Vm.
interface VmStates {
    function snapshotState() external returns (uint256 id);
    function revertToState(uint256 id) external returns (bool ok);
}

/// @notice Logs a labelled figure through forge's console (shown with -vv).
abstract contract GasLog {
    address private constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function _log(string memory label, uint256 value) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok; // the console never fails; nothing to handle
    }
}

/// @notice U1 (audit): `finalize` once ran an O(n^2) sort over every report of a provider, so 360 reports cost
/// 30.15M gas and the epoch could never be finalized. With the stake histogram the cost is O(101) buckets
/// whatever the number of reports. setUp makes the worst case: 1,000 validators report one provider in
/// descending score order (the old sort's worst case): 900 at 10,000, then one in each lower bucket
/// 9,900 .. 0, so every one of the 101 buckets holds weight and the median sits in the last bucket (the
/// scan reads all of them). Each test makes its measured call first, so storage is cold as in a real
/// transaction. Figures include the call into Uptime, not the 21,000 intrinsic gas.
contract UptimeAttacksU1Test is ConsensusBase, GasLog {
    uint256 internal constant REPORTS = 1000;
    uint256 internal constant BUDGET = 1_000_000;
    uint256 internal constant BATCH = 10;

    address internal target;
    address[] internal others;
    address internal late;

    function setUp() public override {
        super.setUp();
        target = _provider("target", 2000 ether);
        for (uint256 i; i < BATCH - 1; ++i) {
            others.push(_provider(string(abi.encodePacked("other", bytes1(uint8(0x30 + i)))), 2000 ether));
        }
        address[] memory one = new address[](1);
        one[0] = target;
        uint16[] memory score = new uint16[](1);
        // The first validator also reports the 9 other providers, so that each has a report already and
        // the batch measured below is the steady state (no provider's first report of the epoch).
        address[] memory batch = new address[](BATCH);
        batch[0] = target;
        for (uint256 i = 1; i < BATCH; ++i) {
            batch[i] = others[i - 1];
        }
        uint16[] memory top = new uint16[](BATCH);
        top[0] = 10_000;
        vm.prank(_validator("u1-0", MIN_VALIDATOR_STAKE));
        uptime.submitScores(0, batch, top);
        for (uint256 i = 1; i < REPORTS; ++i) {
            address v = _validator(string(abi.encodePacked("u1-", _decimal(i))), MIN_VALIDATOR_STAKE);
            // Non-increasing: 900 x 10,000, then 9,900, 9,800, ..., 0.
            score[0] = i < REPORTS - 100 ? 10_000 : uint16(9900 - (i - (REPORTS - 100)) * 100);
            vm.prank(v);
            uptime.submitScores(0, one, score);
        }
        late = _validator("late", MIN_VALIDATOR_STAKE);
    }

    function _decimal(uint256 value) internal pure returns (bytes memory out) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) {
            ++digits;
        }
        out = new bytes(digits);
        for (; value != 0; value /= 10) {
            out[--digits] = bytes1(uint8(48 + value % 10));
        }
    }

    /// @dev finalize(epoch, 1) of the provider with 1,000 reports costs far below 1,000,000 gas (it was
    /// above 30M at 360 reports), and stores the right median.
    function test_U1_finalizeWithAThousandReportsIsBounded() public {
        _warpToEpoch(2);
        uint256 before = gasleft();
        bool done = uptime.finalize(0, 1);
        uint256 used = before - gasleft();
        _log("U1 finalize(epoch, 1), 1,000 reports, 101 buckets in use: gas", used);
        vm.assertLt(used, BUDGET);
        vm.assertFalse(done); // the 9 other providers (one report each) come next
        (uint16 score, bool reported, uint256 stake) = uptime.scoreOf(0, target);
        vm.assertEq(score, 10_000);
        vm.assertTrue(reported);
        vm.assertEq(stake, 2000 ether);
        (, uint256 reports) = uptime.medianScore(0, target);
        vm.assertEq(reports, REPORTS);
        vm.assertTrue(uptime.finalize(0, BATCH));
    }

    /// @dev The median view (what routing's isActive reads) is bounded the same way.
    function test_U1_medianScoreWithAThousandReportsIsBounded() public view {
        uint256 before = gasleft();
        (uint16 score, uint256 reports) = uptime.medianScore(0, target);
        uint256 used = before - gasleft();
        _log("U1 medianScore, 1,000 reports: gas", used);
        vm.assertLt(used, BUDGET);
        vm.assertEq(score, 10_000);
        vm.assertEq(reports, REPORTS);
    }

    /// @dev isActive (read by routing on every request) with 1,000 reports in the previous epoch, a quorum:
    /// O(101) as well.
    function test_U1_isActiveWithAThousandReportsIsBounded() public {
        _warpToEpoch(1);
        uint256 before = gasleft();
        bool active = uptime.isActive(target);
        uint256 used = before - gasleft();
        _log("U1 isActive, 1,000 reports in the previous epoch: gas", used);
        vm.assertLt(used, BUDGET);
        vm.assertTrue(active);
        vm.assertGt(uptime.reportedWeight(0, target) * 2, registry.totalValidatorStake());
    }

    /// @dev A report on a provider that already has 1,000 costs what any report costs (no per-report
    /// array): one provider alone, per provider in a batch of 10 (each provider already reported in the
    /// epoch), and the marginal cost of one more provider in a batch. Each is the validator's first
    /// submission of the epoch (its per-validator counters are new slots).
    function test_U1_submitScoresPerProviderIsBounded() public {
        address[] memory one = new address[](1);
        one[0] = target;
        uint16[] memory score = new uint16[](1);
        score[0] = 5000;
        uint256 before = gasleft();
        vm.prank(late);
        uptime.submitScores(0, one, score);
        uint256 single = before - gasleft();
        _log("U1 submitScores, 1 provider (1,001st report): gas", single);
        vm.assertLt(single, BUDGET);

        address second = _validator("late2", MIN_VALIDATOR_STAKE);
        address[] memory batch = new address[](BATCH);
        uint16[] memory scores = new uint16[](BATCH);
        batch[0] = target;
        for (uint256 i = 1; i < BATCH; ++i) {
            batch[i] = others[i - 1];
            scores[i] = uint16(9000 + i);
        }
        before = gasleft();
        vm.prank(second);
        uptime.submitScores(0, batch, scores);
        uint256 batchGas = before - gasleft();
        _log("U1 submitScores, batch of 10 providers: gas per provider", batchGas / BATCH);
        _log("U1 submitScores, each provider after the first in a batch: gas", (batchGas - single) / (BATCH - 1));
        vm.assertLt(batchGas / BATCH, BUDGET);
        (, uint256 reports) = uptime.medianScore(0, target);
        vm.assertEq(reports, REPORTS + 2);
    }
}

/// @notice U2 (audit): rewards paid per account, so splitting stake into minimum-stake sybils multiplied
/// validator rewards (two 1,000 MESH sybils with 2% of the stake took 2/3 of the pool) and availability.
/// Now validation is paid by stake * providers reported and availability by score * stake.
/// Rounding bound: each reward is floor(pool * w / W); for w = w1 + ... + wk,
/// sum floor(pool * wi / W) <= floor(pool * w / W) <= sum floor(pool * wi / W) + (k - 1),
/// so k sybils together earn at most what one account with their stake earns, and at most k - 1 wei less.
contract UptimeAttacksU2Test is ConsensusBase {
    uint16 internal constant HONEST_SCORE = 9000;
    uint16 internal constant TARGET_SCORE = 9500;

    address internal honestValidator;
    address internal honestProvider;

    /// @dev Rewards of one scenario: the honest accounts' and the total of the accounts under test.
    struct Outcome {
        uint256 honestValidation;
        uint256 honestAvailability;
        uint256 validation;
        uint256 availability;
        uint256 emitted;
    }

    function setUp() public override {
        super.setUp();
        honestValidator = _validator("honestValidator", 3000 ether);
        honestProvider = _provider("honestProvider", 2000 ether);
    }

    /// @dev Registers `validatorStakes` validators and `providerStakes` providers, has every validator
    /// report every provider in epoch 0 (the honest provider at 9,000, the others at 9,500), finalizes,
    /// claims for everyone and returns what each side got.
    function _scenario(string memory tag, uint256[] memory validatorStakes, uint256[] memory providerStakes)
        internal
        returns (Outcome memory out)
    {
        address[] memory validators = new address[](validatorStakes.length + 1);
        address[] memory providers = new address[](providerStakes.length + 1);
        uint16[] memory scores = new uint16[](providers.length);
        validators[0] = honestValidator;
        providers[0] = honestProvider;
        scores[0] = HONEST_SCORE;
        for (uint256 i; i < validatorStakes.length; ++i) {
            validators[i + 1] =
                _validator(string(abi.encodePacked(tag, "-validator", bytes1(uint8(0x30 + i)))), validatorStakes[i]);
        }
        for (uint256 i; i < providerStakes.length; ++i) {
            providers[i + 1] =
                _provider(string(abi.encodePacked(tag, "-provider", bytes1(uint8(0x30 + i)))), providerStakes[i]);
            scores[i + 1] = TARGET_SCORE;
        }
        for (uint256 i; i < validators.length; ++i) {
            vm.prank(validators[i]);
            uptime.submitScores(0, providers, scores);
        }
        _warpToEpoch(2);
        vm.assertTrue(uptime.finalize(0, providers.length));
        for (uint256 i; i < validators.length; ++i) {
            uint256 before = token.balanceOf(validators[i]);
            (uint256 a, uint256 w, uint256 r) = emissions.claimable(0, validators[i]);
            emissions.claim(0, validators[i]);
            vm.assertEq(token.balanceOf(validators[i]) - before, a + w + r);
            vm.assertEq(a + w, 0);
            if (i == 0) out.honestValidation = r;
            else out.validation += r;
        }
        for (uint256 i; i < providers.length; ++i) {
            uint256 before = token.balanceOf(providers[i]);
            (uint256 a, uint256 w, uint256 r) = emissions.claimable(0, providers[i]);
            emissions.claim(0, providers[i]);
            vm.assertEq(token.balanceOf(providers[i]) - before, a + w + r);
            vm.assertEq(w + r, 0);
            if (i == 0) out.honestAvailability = a;
            else out.availability += a;
        }
        out.emitted = emissions.emittedIn(0);
        vm.assertLe(out.emitted, emissions.emissionFor(0));
        vm.assertEq(out.emitted, out.honestValidation + out.validation + out.honestAvailability + out.availability);
    }

    function _one(uint256 a) internal pure returns (uint256[] memory list) {
        list = new uint256[](1);
        list[0] = a;
    }

    function _two(uint256 a, uint256 b) internal pure returns (uint256[] memory list) {
        list = new uint256[](2);
        list[0] = a;
        list[1] = b;
    }

    /// @dev Checks that the split side earned at most the whole and at most `extraAccounts` wei less, and
    /// that the honest accounts earned exactly the same in both worlds.
    function _assertSybilNeutral(Outcome memory whole, Outcome memory split, uint256 extraAccounts) internal pure {
        vm.assertLe(split.validation, whole.validation);
        vm.assertLe(whole.validation - split.validation, extraAccounts);
        vm.assertLe(split.availability, whole.availability);
        vm.assertLe(whole.availability - split.availability, extraAccounts);
        vm.assertEq(split.honestValidation, whole.honestValidation);
        vm.assertEq(split.honestAvailability, whole.honestAvailability);
    }

    /// @dev A 2,000 MESH validator and a 4,000 MESH provider, against the same stakes split into two
    /// accounts each (1,000 + 1,000 and 2,000 + 2,000): the same total validation and availability rewards
    /// to the wei, up to 1 wei of rounding per extra account, and the honest accounts are unaffected.
    function test_U2_sybilSplitEarnsNothingExtra() public {
        VmStates states = VmStates(address(vm));
        uint256 start = states.snapshotState();
        Outcome memory whole = _scenario("whale", _one(2000 ether), _one(4000 ether));
        vm.assertTrue(states.revertToState(start));
        Outcome memory split = _scenario("sybil", _two(1000 ether, 1000 ether), _two(2000 ether, 2000 ether));
        _assertSybilNeutral(whole, split, 1);
        // Validation: the whale holds 2,000 of 5,000 MESH of validator stake: 40% of the pool.
        uint256 validatorPool = EMISSION * VALIDATOR_BPS / BPS;
        vm.assertEq(whole.validation, validatorPool * 2 / 5);
        // Availability: 9,500 * 4,000 of 9,500 * 4,000 + 9,000 * 2,000.
        uint256 availabilityPool = EMISSION * AVAILABILITY_BPS / BPS;
        vm.assertEq(whole.availability, availabilityPool * (9500 * 4000) / (9500 * 4000 + 9000 * 2000));
    }

    /// @dev Any uneven split of a validator's and a provider's stake into two accounts (each at the
    /// minimum or more) earns at most what the whole earns, and at most 1 wei less.
    function testFuzz_U2_unevenSplitEarnsNothingExtra(
        uint256 validatorStake,
        uint256 validatorPart,
        uint256 providerStake,
        uint256 providerPart
    ) public {
        validatorStake = bound(validatorStake, 2 * MIN_VALIDATOR_STAKE, 1e9 ether);
        validatorPart = bound(validatorPart, MIN_VALIDATOR_STAKE, validatorStake - MIN_VALIDATOR_STAKE);
        providerStake = bound(providerStake, 2 * MIN_STAKE, 1e9 ether);
        providerPart = bound(providerPart, MIN_STAKE, providerStake - MIN_STAKE);
        VmStates states = VmStates(address(vm));
        uint256 start = states.snapshotState();
        Outcome memory whole = _scenario("whale", _one(validatorStake), _one(providerStake));
        vm.assertTrue(states.revertToState(start));
        Outcome memory split = _scenario(
            "sybil",
            _two(validatorPart, validatorStake - validatorPart),
            _two(providerPart, providerStake - providerPart)
        );
        _assertSybilNeutral(whole, split, 1);
    }
}

/// @notice U3 (audit): a 1%-stake validator reporting 0 during epoch e made `isActive` false from the first
/// block of e+1 until honest reports landed (gateways stop routing). Now the previous epoch's median only
/// counts once its reports hold strictly more than half of the validator stake (`QUORUM_BPS`).
contract UptimeAttacksU3Test is ConsensusBase {
    address internal provider;
    address internal attacker;
    address[] internal honest;

    function setUp() public override {
        super.setUp();
        provider = _provider("provider", 2000 ether);
        // 99,000 MESH of honest validator stake, 1,000 (1%) held by the attacker.
        for (uint256 i; i < 9; ++i) {
            honest.push(_validator(string(abi.encodePacked("honest", bytes1(uint8(0x30 + i)))), 11_000 ether));
        }
        attacker = _validator("attacker", 1000 ether);
    }

    function _report(address validator, uint64 epoch, uint16 score) internal {
        address[] memory one = new address[](1);
        one[0] = provider;
        uint16[] memory scores = new uint16[](1);
        scores[0] = score;
        vm.prank(validator);
        uptime.submitScores(epoch, one, scores);
    }

    function test_U3_singleEarlyReportDoesNotFlipIsActive() public {
        _report(attacker, 0, 0); // during epoch 0, before any honest report
        _warpToEpoch(1);
        (uint16 median, uint256 reports) = uptime.medianScore(0, provider);
        vm.assertEq(median, 0); // the old rule would mark the provider inactive from here
        vm.assertEq(reports, 1);
        vm.assertTrue(uptime.isActive(provider));

        // Honest validators report late (during epoch 1): the provider stays active throughout.
        for (uint256 i; i < honest.length; ++i) {
            _report(honest[i], 0, 10_000);
            vm.assertTrue(uptime.isActive(provider));
        }
        (median,) = uptime.medianScore(0, provider);
        vm.assertEq(median, 10_000);

        // The same attack in epoch 1 does not flip epoch 2 either.
        _report(attacker, 1, 0);
        _warpToEpoch(2);
        vm.assertTrue(uptime.isActive(provider));
    }

    /// @dev The quorum does not hide a provider that really is down: once more than half the validator
    /// stake reports it below the floor, it is inactive.
    function test_U3_aStakeQuorumStillMarksADownProviderInactive() public {
        _report(attacker, 0, 0);
        _warpToEpoch(1);
        // 1,000 + 4 * 11,000 = 45,000 of 100,000: not yet.
        for (uint256 i; i < 4; ++i) {
            _report(honest[i], 0, 0);
        }
        vm.assertTrue(uptime.isActive(provider));
        _report(honest[4], 0, 0); // 56,000 of 100,000
        vm.assertFalse(uptime.isActive(provider));
    }
}
