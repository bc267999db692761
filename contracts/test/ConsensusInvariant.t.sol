// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, FuzzSelector} from "./utils/Test.sol";
import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {Payments} from "../src/Payments.sol";
import {Uptime} from "../src/Uptime.sol";
import {Disputes} from "../src/Disputes.sol";
import {Emissions} from "../src/Emissions.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

struct Deployed {
    MeshToken token;
    Registry registry;
    Payments payments;
    Uptime uptime;
    Disputes disputes;
    Emissions emissions;
}

/// @notice Drives disputes, uptime reports, finalization, work and emission claims through named actors
/// with bounded inputs. Every action does something valid or returns early (fail_on_revert = true); an
/// action that has to wait moves the clock or the block number itself. Ghost totals mirror what the
/// contracts must hold.
contract ConsensusHandler is Test {
    uint256 internal constant BPS = 10_000;
    bytes32 internal constant MODEL = keccak256("tinyllama-1.1b-q4.gguf");
    /// @dev The canonical JSON of {kind, body} that a v2 requestHash covers.
    bytes internal constant REQUEST =
        bytes('{"body":{"messages":[{"content":"Hi","role":"user"}],"model":"tiny"},"kind":"chat"}');
    bytes internal constant RESPONSE = bytes("Hello! How can I help?");
    /// @dev keccak256 of the generated token ids, 4 bytes each ("Hello" in the tiny model's byte vocabulary).
    bytes32 internal constant TOKENS_HASH =
        keccak256(abi.encodePacked(uint32(75), uint32(104), uint32(111), uint32(111), uint32(114)));
    uint64 internal constant SERVED_AT = 1_767_225_600;

    MeshToken public immutable token;
    Registry public immutable registry;
    Payments public immutable payments;
    Uptime public immutable uptime;
    Disputes public immutable disputes;
    Emissions public immutable emissions;

    address[] public providers;
    address[] public validators;
    address[] public challengers;
    mapping(address provider => uint256) internal _providerKeys;
    address public payer;
    uint256 internal _payerKey;

    // Ghost state.
    mapping(address account => uint256) public ghostStaked;
    mapping(address account => uint256) public ghostSlashed;
    uint256 public ghostTotalStaked;
    uint256 public ghostTotalSlashed;
    mapping(uint256 id => uint256) public ghostVotes;
    mapping(uint256 id => uint256) public ghostResolutions;
    uint256 public ghostBondsHeld;
    uint64 public maxEpoch;
    mapping(uint64 epoch => mapping(address validator => mapping(address provider => bool))) internal _reported;
    uint256 internal _nonce;

    mapping(bytes32 action => uint256) public calls;

    constructor(
        Deployed memory deployed,
        address[] memory providers_,
        uint256[] memory providerKeys,
        address[] memory validators_,
        address[] memory challengers_
    ) {
        token = deployed.token;
        registry = deployed.registry;
        payments = deployed.payments;
        uptime = deployed.uptime;
        disputes = deployed.disputes;
        emissions = deployed.emissions;
        providers = providers_;
        validators = validators_;
        challengers = challengers_;
        for (uint256 i; i < providers_.length; ++i) {
            _providerKeys[providers_[i]] = providerKeys[i];
            _recordStake(providers_[i]);
        }
        for (uint256 i; i < validators_.length; ++i) {
            _recordStake(validators_[i]);
        }
        (payer, _payerKey) = makeAddrAndKey("payer");
        vm.prank(payer);
        token.approve(address(payments), type(uint256).max);
    }

    function _recordStake(address account) internal {
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(account);
        ghostStaked[account] = staked + unbonding;
        ghostTotalStaked += staked + unbonding;
    }

    function _held(address account) internal view returns (uint256) {
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(account);
        return staked + unbonding;
    }

    function _noteEpoch() internal {
        uint64 epoch = uptime.currentEpoch();
        if (epoch > maxEpoch) maxEpoch = epoch;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function validatorCount() external view returns (uint256) {
        return validators.length;
    }

    function challengerCount() external view returns (uint256) {
        return challengers.length;
    }

    // ================================================================ actions

    function openDispute(uint256 providerSeed, uint256 challengerSeed) external {
        address provider = providers[providerSeed % providers.length];
        address challenger = challengers[challengerSeed % challengers.length];
        uint256 held = _held(provider);
        uint256 locked = registry.lockedOf(provider);
        uint256 free = held > locked ? held - locked : 0;
        uint256 expected = held * disputes.params().slashBps / BPS;
        if (expected > free) expected = free;
        if (expected == 0) return;

        IDisputes.Receipt memory receipt = IDisputes.Receipt({
            requestHash: keccak256(REQUEST),
            responseHash: keccak256(RESPONSE),
            tokensHash: TOKENS_HASH,
            modelId: MODEL,
            payer: payer,
            provider: provider,
            inputTokens: 10,
            outputTokens: 20,
            servedAt: SERVED_AT,
            cost: 1 ether,
            cumulativeAmount: ++_nonce
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_providerKeys[provider], disputes.hashReceipt(receipt));
        vm.prank(challenger);
        uint256 id = disputes.openDispute(receipt, abi.encodePacked(r, s, v), REQUEST, RESPONSE);
        vm.assertEq(disputes.getDispute(id).slashAmount, expected, "slash amount");
        ghostBondsHeld += disputes.getDispute(id).bond;
        calls["openDispute"]++;
    }

    function drawCommittee(uint256 idSeed) external {
        uint256 count = disputes.disputeCount();
        if (count == 0) return;
        uint256 id = idSeed % count + 1;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputes.Status.Open) return;
        if (block.number <= d.drawBlock) vm.roll(d.drawBlock + 1);
        disputes.drawCommittee(id);
        calls["drawCommittee"]++;
    }

    function vote(uint256 idSeed, uint256 memberSeed, bool guilty) external {
        uint256 count = disputes.disputeCount();
        if (count == 0) return;
        uint256 id = idSeed % count + 1;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status == IDisputes.Status.Open) {
            // Draw first so that votes happen often enough to matter.
            if (block.number <= d.drawBlock) vm.roll(d.drawBlock + 1);
            disputes.drawCommittee(id);
            d = disputes.getDispute(id);
        }
        if (d.status != IDisputes.Status.Drawn || block.timestamp >= d.votingEnds) return;
        address[] memory members = disputes.committeeOf(id);
        if (members.length == 0) return;
        address member = members[memberSeed % members.length];
        if (disputes.hasVoted(id, member)) return;
        vm.prank(member);
        disputes.vote(id, guilty);
        ghostVotes[id]++;
        calls["vote"]++;
    }

    function resolve(uint256 idSeed) external {
        uint256 count = disputes.disputeCount();
        if (count == 0) return;
        uint256 id = idSeed % count + 1;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status == IDisputes.Status.Resolved) return;
        if (d.status == IDisputes.Status.Open) {
            uint256 at = d.openedAt + 2 * disputes.params().votingPeriod;
            if (block.timestamp < at) vm.warp(at);
        } else if (d.guiltyVotes + d.innocentVotes < disputes.committeeOf(id).length && block.timestamp < d.votingEnds)
        {
            vm.warp(d.votingEnds);
        }
        address[] memory members = disputes.committeeOf(id);
        uint256[] memory before = new uint256[](members.length + 1);
        before[0] = _held(d.provider);
        for (uint256 i; i < members.length; ++i) {
            before[i + 1] = _held(members[i]);
        }
        disputes.resolve(id);
        _noteSlash(d.provider, before[0]);
        for (uint256 i; i < members.length; ++i) {
            _noteSlash(members[i], before[i + 1]);
        }
        ghostResolutions[id]++;
        ghostBondsHeld -= d.bond;
        _noteEpoch();
        calls["resolve"]++;
    }

    function _noteSlash(address account, uint256 before) internal {
        uint256 now_ = _held(account);
        if (now_ < before) {
            ghostSlashed[account] += before - now_;
            ghostTotalSlashed += before - now_;
        }
    }

    function submitScores(uint256 validatorSeed, uint16 score0, uint16 score1) external {
        address validator = validators[validatorSeed % validators.length];
        if (!registry.isActiveValidator(validator)) return;
        uint64 epoch = uptime.currentEpoch();
        address[] memory list = new address[](providers.length);
        uint16[] memory scores = new uint16[](providers.length);
        uint256 n;
        for (uint256 i; i < providers.length; ++i) {
            if (_reported[epoch][validator][providers[i]]) continue;
            list[n] = providers[i];
            scores[n] = uint16(bound(i == 0 ? score0 : score1, 0, 10_000));
            _reported[epoch][validator][providers[i]] = true;
            ++n;
        }
        if (n == 0) return;
        assembly ("memory-safe") {
            mstore(list, n)
            mstore(scores, n)
        }
        vm.prank(validator);
        uptime.submitScores(epoch, list, scores);
        calls["submitScores"]++;
    }

    function work(uint256 providerSeed, uint256 amount) external {
        address provider = providers[providerSeed % providers.length];
        amount = bound(amount, 1, 1_000_000 ether);
        // The handler holds part of the initial supply (only Emissions can mint).
        token.transfer(payer, amount);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider, amount);
        vm.prank(payer);
        payments.depositAndAllocate(amount, allocations);
        IPayments.Voucher memory voucher =
            IPayments.Voucher(payer, provider, MODEL, payments.paid(payer, provider, MODEL) + amount);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_payerKey, payments.hashVoucher(voucher));
        payments.redeem(voucher, abi.encodePacked(r, s, v));
        calls["work"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 * uptime.epochLength()));
        vm.roll(block.number + 1);
        _noteEpoch();
        calls["warp"]++;
    }

    function finalize(uint256 epochSeed, uint256 maxProviders) external {
        uint64 current = uptime.currentEpoch();
        if (current < 2) return;
        uint64 epoch = uint64(epochSeed % (current - 1));
        if (uptime.isFinalized(epoch)) return;
        uptime.finalize(epoch, bound(maxProviders, 1, 3));
        calls["finalize"]++;
    }

    function claim(uint256 epochSeed, uint256 accountSeed) external {
        uint64 current = emissions.currentEpoch();
        if (current < 2) return;
        uint64 epoch = uint64(epochSeed % (current - 1));
        // Finalize first (in batches of one) so that claims happen often enough to matter.
        while (!uptime.isFinalized(epoch)) {
            uptime.finalize(epoch, 1);
        }
        uint256 n = accountSeed % (providers.length + validators.length);
        address account = n < providers.length ? providers[n] : validators[n - providers.length];
        if (disputes.openDisputesOf(account) != 0 || emissions.claimed(epoch, account)) return;
        emissions.claim(epoch, account);
        calls["claim"]++;
    }
}

/// @notice Invariants of Disputes, Uptime and Emissions together with the Registry and Payments.
contract ConsensusInvariantTest is ConsensusBase {
    ConsensusHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory providers = new address[](2);
        uint256[] memory keys = new uint256[](2);
        providers[0] = _provider("p0", 3000 ether);
        providers[1] = _provider("p1", 8000 ether);
        keys[0] = keyOf[providers[0]];
        keys[1] = keyOf[providers[1]];
        address[] memory validators = new address[](4);
        for (uint256 i; i < 4; ++i) {
            validators[i] = _validator(string(abi.encodePacked("v", bytes1(uint8(0x30 + i)))), 2000 ether * (i + 1));
        }
        address[] memory challengers = new address[](2);
        challengers[0] = _challenger("c0", 1e30);
        challengers[1] = _challenger("c1", 1e30);

        handler = new ConsensusHandler(
            Deployed(token, registry, payments, uptime, disputes, emissions), providers, keys, validators, challengers
        );
        _give(address(handler), 1e31);

        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = ConsensusHandler.openDispute.selector;
        selectors[1] = ConsensusHandler.drawCommittee.selector;
        selectors[2] = ConsensusHandler.vote.selector;
        selectors[3] = ConsensusHandler.resolve.selector;
        selectors[4] = ConsensusHandler.submitScores.selector;
        selectors[5] = ConsensusHandler.work.selector;
        selectors[6] = ConsensusHandler.warp.selector;
        selectors[7] = ConsensusHandler.finalize.selector;
        selectors[8] = ConsensusHandler.claim.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetSender(makeAddr("keeper"));
    }

    /// @notice Disputes holds exactly the bonds of the disputes not yet resolved.
    function invariant_disputesHoldTheOpenBonds() public view {
        uint256 sum;
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputes.Dispute memory d = disputes.getDispute(id);
            if (d.status != IDisputes.Status.Resolved) sum += d.bond;
        }
        vm.assertEq(token.balanceOf(address(disputes)), sum, "MESH held != open bonds");
        vm.assertEq(sum, handler.ghostBondsHeld(), "open bonds != ghost");
    }

    /// @notice Each provider's lock is the sum of its open disputes' slashes, and covered by its stake.
    function invariant_locksMatchOpenDisputes() public view {
        for (uint256 p; p < handler.providerCount(); ++p) {
            address provider = handler.providers(p);
            uint256 sum;
            uint256 open;
            for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
                IDisputes.Dispute memory d = disputes.getDispute(id);
                if (d.provider == provider && d.status != IDisputes.Status.Resolved) {
                    sum += d.slashAmount;
                    ++open;
                }
            }
            vm.assertEq(registry.lockedOf(provider), sum, "locked != open slashes");
            vm.assertEq(disputes.openDisputesOf(provider), open, "open disputes count");
            (uint256 staked, uint256 unbonding) = _stakeOf(provider);
            vm.assertLe(sum, staked + unbonding, "lock above stake");
        }
    }

    /// @notice Slashed never exceeds staked, per account and in total; the Registry agrees with the ghost.
    function invariant_slashedNeverExceedsStaked() public view {
        for (uint256 p; p < handler.providerCount(); ++p) {
            address a = handler.providers(p);
            vm.assertLe(handler.ghostSlashed(a), handler.ghostStaked(a), "provider slashed > staked");
        }
        for (uint256 v; v < handler.validatorCount(); ++v) {
            address a = handler.validators(v);
            vm.assertLe(handler.ghostSlashed(a), handler.ghostStaked(a), "validator slashed > staked");
        }
        vm.assertEq(registry.totalSlashed(), handler.ghostTotalSlashed(), "total slashed != ghost");
        vm.assertLe(registry.totalSlashed(), handler.ghostTotalStaked(), "total slashed > staked");
        vm.assertEq(registry.totalStaked() + registry.totalSlashed(), handler.ghostTotalStaked(), "stake flows");
    }

    /// @notice Emissions never exceed the schedule: per epoch and in total.
    function invariant_emissionsWithinSchedule() public view {
        uint256 sumEmitted;
        uint256 sumSchedule;
        for (uint64 e; e <= handler.maxEpoch(); ++e) {
            uint256 emitted = emissions.emittedIn(e);
            vm.assertLe(emitted, emissions.emissionFor(e), "emittedIn > emissionFor");
            sumEmitted += emitted;
            sumSchedule += emissions.emissionFor(e);
        }
        vm.assertEq(emissions.totalEmitted(), sumEmitted, "totalEmitted != sum of emittedIn");
        vm.assertLe(sumEmitted, sumSchedule, "emitted > schedule");
    }

    /// @notice An uptime report counts once: an epoch's total equals the validators' counts and the
    /// providers' report counts.
    function invariant_reportsCountOnce() public view {
        for (uint64 e; e <= handler.maxEpoch(); ++e) {
            (,, uint256 reports,,) = uptime.epochTotals(e);
            uint256 byValidators;
            for (uint256 v; v < handler.validatorCount(); ++v) {
                byValidators += uptime.reportsBy(e, handler.validators(v));
            }
            uint256 byProviders;
            for (uint256 p; p < handler.providerCount(); ++p) {
                (, uint256 count) = uptime.medianScore(e, handler.providers(p));
                byProviders += count;
            }
            vm.assertEq(reports, byValidators, "reports != sum of reportsBy");
            vm.assertEq(reports, byProviders, "reports != sum of provider reports");
        }
    }

    /// @notice A vote counts once: the tallies equal the members marked as voted and the ghost count.
    function invariant_voteCountsOnce() public view {
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputes.Dispute memory d = disputes.getDispute(id);
            address[] memory members = disputes.committeeOf(id);
            uint256 voted;
            for (uint256 i; i < members.length; ++i) {
                if (disputes.hasVoted(id, members[i])) ++voted;
            }
            uint256 tally = uint256(d.guiltyVotes) + d.innocentVotes;
            vm.assertEq(tally, voted, "tally != members who voted");
            vm.assertEq(tally, handler.ghostVotes(id), "tally != ghost votes");
            vm.assertLe(tally, members.length, "more votes than members");
        }
    }

    /// @notice A dispute resolves once, and is marked resolved exactly when it was.
    function invariant_disputeResolvesOnce() public view {
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            uint256 times = handler.ghostResolutions(id);
            vm.assertLe(times, 1, "resolved twice");
            vm.assertEq(
                disputes.getDispute(id).status == IDisputes.Status.Resolved, times == 1, "status != ghost resolution"
            );
        }
    }

    /// @notice The handler can reach every action (a fixed walk through them), so the invariants above
    /// are checked against states with disputes, votes, slashes, finalized epochs and claims.
    function test_handler_reachesEveryAction() public {
        handler.submitScores(0, 9000, 9500);
        handler.submitScores(1, 9000, 7000);
        handler.work(0, 100 ether);
        handler.openDispute(1, 0);
        handler.openDispute(0, 1);
        handler.drawCommittee(0);
        for (uint256 m; m < 3; ++m) {
            handler.vote(1, m, true);
            handler.vote(0, m, false);
        }
        handler.resolve(0);
        handler.resolve(1);
        handler.warp(2 * EPOCH);
        handler.warp(2 * EPOCH);
        handler.finalize(0, 3);
        handler.claim(0, 0);
        handler.claim(0, 2);
        bytes32[9] memory actions = [
            bytes32("openDispute"),
            "drawCommittee",
            "vote",
            "resolve",
            "submitScores",
            "work",
            "warp",
            "finalize",
            "claim"
        ];
        for (uint256 i; i < actions.length; ++i) {
            vm.assertGt(handler.calls(actions[i]), 0);
        }
        vm.assertGt(registry.totalSlashed(), 0);
        vm.assertGt(emissions.totalEmitted(), 0);
        invariant_disputesHoldTheOpenBonds();
        invariant_locksMatchOpenDisputes();
        invariant_slashedNeverExceedsStaked();
        invariant_emissionsWithinSchedule();
        invariant_voteCountsOnce();
        invariant_disputeResolvesOnce();
        invariant_reportsCountOnce();
    }
}
