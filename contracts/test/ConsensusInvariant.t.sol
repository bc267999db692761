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

/// @notice Drives disputes (open, claimChallenge, draw, commit, reveal, resolve, collectPenalty), stake changes, uptime
/// reports, finalization, work and emission claims through named actors with bounded inputs. Every action
/// does something valid or returns early (fail_on_revert = true); an action that has to wait moves the
/// clock or the block number itself. Ghost state mirrors what the contracts must hold, and `resolve`
/// computes every outcome and MESH movement from the handler's own record of the votes, then checks the
/// contracts moved exactly that.
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
    /// @dev MESH burned by disputes (slash shares, bond remainders, collected absentee penalties), computed
    /// from the rules.
    uint256 public ghostDisputeBurns;
    /// @dev Absentee penalties recorded at resolve and not collected yet, per member (from the rules).
    mapping(address member => uint256) public ghostPending;
    /// @dev MESH burned by Payments' flushBurn.
    uint256 public ghostPaymentBurns;
    /// @dev Provider slashes that happened without a Guilty outcome backed by a majority of the full committee.
    uint256 public ghostSlashesWithoutMajority;
    uint256 public ghostGuiltyVerdicts;
    uint64 public maxEpoch;
    mapping(uint64 epoch => mapping(address validator => mapping(address provider => bool))) internal _reported;
    /// @dev The vote each member committed (the handler's own record).
    mapping(uint256 id => mapping(address member => bool)) internal _intended;
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

    /// @dev Adds what `account` holds now to the ghost stake totals.
    function _recordStake(address account) internal {
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(account);
        ghostStaked[account] = staked + unbonding;
        ghostTotalStaked += staked + unbonding;
    }

    /// @dev Stake plus unbonding stake.
    function _held(address account) internal view returns (uint256) {
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(account);
        return staked + unbonding;
    }

    /// @dev Remembers the highest epoch reached (the invariants walk epochs up to it).
    function _noteEpoch() internal {
        uint64 epoch = uptime.currentEpoch();
        if (epoch > maxEpoch) maxEpoch = epoch;
    }

    /// @dev The salt a member commits with (recomputed at reveal, as the real agent does).
    function _salt(uint256 id, uint8 round, address member) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", id, round, member));
    }

    /// @dev A dispute id picked by `seed`, 0 when none exists.
    function _pick(uint256 seed) internal view returns (uint256) {
        uint256 count = disputes.disputeCount();
        return count == 0 ? 0 : seed % count + 1;
    }

    /// @notice How many providers the handler drives.
    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    /// @notice How many validators the handler drives.
    function validatorCount() external view returns (uint256) {
        return validators.length;
    }

    /// @notice How many challengers the handler drives.
    function challengerCount() external view returns (uint256) {
        return challengers.length;
    }

    // ================================================================ actions

    /// @notice A challenger disputes a new receipt of a provider, assigned by the payer's sample or not.
    function openDispute(uint256 providerSeed, uint256 challengerSeed, bool assigned) external {
        address provider = providers[providerSeed % providers.length];
        address challenger = challengers[challengerSeed % challengers.length];
        uint256 held = _held(provider);
        if (held == 0) return;
        (IDisputes.Receipt memory receipt, bytes memory signature, bytes memory sample) =
            _signed(provider, challenger, assigned);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(receipt, signature, REQUEST, RESPONSE, uint64(block.timestamp), sample);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertEq(d.slashAmount, held * disputes.params().slashBps / BPS, "slash amount");
        vm.assertEq(d.assigned, assigned, "assigned");
        ghostBondsHeld += d.bond;
        calls["openDispute"]++;
    }

    /// @dev A new receipt of `provider` served now, its signature, and the payer's sample for `challenger`
    /// (empty when not assigned).
    function _signed(address provider, address challenger, bool assigned)
        internal
        returns (IDisputes.Receipt memory receipt, bytes memory signature, bytes memory sample)
    {
        receipt = IDisputes.Receipt({
            requestHash: keccak256(REQUEST),
            responseHash: keccak256(RESPONSE),
            tokensHash: TOKENS_HASH,
            modelId: MODEL,
            payer: payer,
            provider: provider,
            inputTokens: 10,
            outputTokens: 20,
            servedAt: uint64(block.timestamp),
            cost: 1 ether,
            cumulativeAmount: ++_nonce
        });
        bytes32 digest = disputes.hashReceipt(receipt);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_providerKeys[provider], digest);
        signature = abi.encodePacked(r, s, v);
        if (assigned) {
            (v, r, s) = vm.sign(_payerKey, disputes.hashSample(digest, challenger, uint64(block.timestamp)));
            sample = abi.encodePacked(r, s, v);
        }
    }

    /// @notice An assigned challenger takes an unassigned dispute; the previous bond is refunded.
    function claimChallenge(uint256 idSeed, uint256 challengerSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        address claimer = challengers[challengerSeed % challengers.length];
        if (d.status == IDisputes.Status.Resolved || d.assigned || claimer == d.challenger) return;
        if (disputes.memberOf(id, claimer).round != 0) return;
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_payerKey, disputes.hashSample(d.receiptDigest, claimer, 1));
        uint256 previousBefore = token.balanceOf(d.challenger);
        vm.prank(claimer);
        disputes.claimChallenge(id, 1, abi.encodePacked(r, s, v));
        vm.assertEq(token.balanceOf(d.challenger), previousBefore + d.bond, "previous bond refunded");
        calls["claimChallenge"]++;
    }

    /// @notice Draws (or rearms) the current round of an open dispute; checks seats and exclusions.
    function drawCommittee(uint256 idSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputes.Status.Open) return;
        if (block.number <= d.drawBlock) vm.roll(d.drawBlock + 1);
        disputes.drawCommittee(id);
        d = disputes.getDispute(id);
        if (d.status == IDisputes.Status.Drawn) {
            address[] memory members = disputes.committeeOfRound(id, d.round);
            vm.assertLe(members.length + d.guiltyVotes + d.innocentVotes, d.committeeSize, "seats");
            for (uint256 i; i < members.length; ++i) {
                vm.assertTrue(members[i] != d.provider && members[i] != d.challenger, "party drawn");
            }
        }
        calls["drawCommittee"]++;
    }

    /// @notice A member of the current round commits a vote (remembered by the handler).
    function commitVote(uint256 idSeed, uint256 memberSeed, bool guilty) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputes.Status.Drawn || block.timestamp >= d.commitEnds) return;
        address[] memory members = disputes.committeeOfRound(id, d.round);
        if (members.length == 0) return;
        address member = members[memberSeed % members.length];
        if (disputes.memberOf(id, member).commitment != bytes32(0)) return;
        bytes32 commitment = disputes.voteCommitment(id, d.round, member, guilty, _salt(id, d.round, member));
        vm.prank(member);
        disputes.commitVote(id, commitment);
        _intended[id][member] = guilty;
        calls["commitVote"]++;
    }

    /// @notice A member reveals its committed vote (moving the clock to the reveal phase if needed).
    function revealVote(uint256 idSeed, uint256 memberSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputes.Status.Drawn || block.timestamp >= d.revealEnds) return;
        address[] memory members = disputes.committeeOfRound(id, d.round);
        if (members.length == 0) return;
        address member = members[memberSeed % members.length];
        IDisputes.Member memory m = disputes.memberOf(id, member);
        if (m.commitment == bytes32(0) || m.revealed) return;
        if (block.timestamp < d.commitEnds) vm.warp(d.commitEnds);
        bool guilty = _intended[id][member];
        vm.prank(member);
        disputes.revealVote(id, guilty, _salt(id, d.round, member));
        ghostVotes[id]++;
        calls["revealVote"]++;
    }

    /// @notice A whole round votes: the dispute is drawn first when it waits for its draw, then each member
    /// of the current round commits (`pattern` bit i: guilty) unless it stays absent (two bits of
    /// `pattern >> 8` zero: one in four), and every committed member reveals. Reaches verdicts, escalations
    /// and voids often, which single commits and reveals separated by random warps rarely do.
    function voteRound(uint256 idSeed, uint256 pattern) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status == IDisputes.Status.Open) {
            if (block.number <= d.drawBlock) vm.roll(d.drawBlock + 1);
            disputes.drawCommittee(id);
            d = disputes.getDispute(id);
        }
        if (d.status != IDisputes.Status.Drawn || block.timestamp >= d.commitEnds) return;
        address[] memory members = disputes.committeeOfRound(id, d.round);
        bool[] memory voting = new bool[](members.length);
        for (uint256 i; i < members.length; ++i) {
            if ((pattern >> (8 + 2 * i)) & 3 == 0) continue;
            if (disputes.memberOf(id, members[i]).commitment != bytes32(0)) continue;
            bool guilty = (pattern >> i) & 1 == 1;
            bytes32 commitment =
                disputes.voteCommitment(id, d.round, members[i], guilty, _salt(id, d.round, members[i]));
            vm.prank(members[i]);
            disputes.commitVote(id, commitment);
            _intended[id][members[i]] = guilty;
            voting[i] = true;
        }
        vm.warp(d.commitEnds);
        for (uint256 i; i < members.length; ++i) {
            if (!voting[i]) continue;
            vm.prank(members[i]);
            disputes.revealVote(id, _intended[id][members[i]], _salt(id, d.round, members[i]));
            ghostVotes[id]++;
        }
        calls["voteRound"]++;
    }

    /// @dev What resolve must do, computed from the handler's own record before the call.
    struct Expected {
        IDisputes.Outcome outcome;
        bool escalates;
        uint256 guilty;
        uint256 innocent;
        uint256 slashed;
        uint256 reward;
        uint256 share;
        uint256 burn;
        /// @dev The penalty each member owes from this resolve (absent in the round resolved), by index.
        uint256[] penalties;
    }

    /// @dev Balances and stakes of a committee before resolve.
    struct Before {
        uint256[] held;
        uint256[] balance;
        uint256 providerHeld;
        uint256 challengerBalance;
        uint256 supply;
    }

    /// @notice Resolves the current round and checks the outcome and every MESH movement to the wei.
    function resolve(uint256 idSeed) external {
        uint256 id = _pick(idSeed);
        if (id == 0) return;
        IDisputes.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputes.Status.Drawn) return;
        if (uint256(d.guiltyVotes) + d.innocentVotes < d.committeeSize && block.timestamp < d.revealEnds) {
            vm.warp(d.revealEnds);
        }
        address[] memory members = disputes.committeeOf(id);
        (Expected memory e, Before memory b) = _expect(id, d, members);

        disputes.resolve(id);

        IDisputes.Dispute memory after_ = disputes.getDispute(id);
        vm.assertEq(b.supply - token.totalSupply(), e.burn, "burned to the wei");
        ghostDisputeBurns += e.burn;
        uint256 providerLost = b.providerHeld - _held(d.provider);
        vm.assertEq(providerLost, e.slashed, "provider slash");
        // Only a Guilty outcome of a majority of the full committee slashes the provider.
        if (
            providerLost != 0
                && (after_.outcome != IDisputes.Outcome.Guilty
                    || uint256(after_.guiltyVotes) * 2 <= after_.committeeSize)
        ) ghostSlashesWithoutMajority++;
        _noteSlash(d.provider, b.providerHeld);
        // Absentees are not slashed at resolve: their penalties are recorded and their stake frozen.
        for (uint256 i; i < members.length; ++i) {
            vm.assertEq(_held(members[i]), b.held[i], "no member slashed at resolve");
            ghostPending[members[i]] += e.penalties[i];
            vm.assertEq(disputes.pendingPenaltyOf(members[i]), ghostPending[members[i]], "pending penalty");
        }
        if (e.escalates) {
            vm.assertEq(after_.round, d.round + 1, "escalated");
            vm.assertTrue(after_.status == IDisputes.Status.Open, "open for the next draw");
            calls["escalate"]++;
            return;
        }
        vm.assertTrue(after_.outcome == e.outcome, "outcome");
        uint256 challengerGain = token.balanceOf(d.challenger) - b.challengerBalance;
        if (e.outcome == IDisputes.Outcome.Guilty) {
            ghostGuiltyVerdicts++;
            vm.assertEq(challengerGain, e.reward + d.bond, "challenger paid");
        } else if (e.outcome == IDisputes.Outcome.Void) {
            vm.assertEq(challengerGain, d.bond, "bond back");
        } else {
            for (uint256 i; i < members.length; ++i) {
                IDisputes.Member memory m = disputes.memberOf(id, members[i]);
                uint256 gained = token.balanceOf(members[i]) - b.balance[i];
                vm.assertEq(gained, m.revealed && !m.guilty ? e.share : 0, "innocent share");
            }
        }
        ghostResolutions[id]++;
        ghostBondsHeld -= d.bond;
        _noteEpoch();
        calls["resolve"]++;
    }

    /// @dev The outcome and MESH movements resolve must produce, from the handler's own vote record.
    function _expect(uint256 id, IDisputes.Dispute memory d, address[] memory members)
        internal
        view
        returns (Expected memory e, Before memory b)
    {
        b.held = new uint256[](members.length);
        b.balance = new uint256[](members.length);
        e.penalties = new uint256[](members.length);
        uint256 absentBps = disputes.params().absentSlashBps;
        for (uint256 i; i < members.length; ++i) {
            b.held[i] = _held(members[i]);
            b.balance[i] = token.balanceOf(members[i]);
            IDisputes.Member memory m = disputes.memberOf(id, members[i]);
            if (m.revealed) {
                vm.assertEq(m.guilty, _intended[id][members[i]], "revealed vote != committed vote");
                if (m.guilty) ++e.guilty;
                else ++e.innocent;
            } else if (m.round == d.round) {
                e.penalties[i] = b.held[i] * absentBps / BPS; // absent in the round being resolved: owed, not burned
            }
        }
        vm.assertEq(e.guilty, d.guiltyVotes, "guilty tally");
        vm.assertEq(e.innocent, d.innocentVotes, "innocent tally");
        b.providerHeld = _held(d.provider);
        b.challengerBalance = token.balanceOf(d.challenger);
        b.supply = token.totalSupply();
        if (e.guilty * 2 > d.committeeSize) {
            e.outcome = IDisputes.Outcome.Guilty;
            e.slashed = d.slashAmount < b.providerHeld ? d.slashAmount : b.providerHeld;
            if (d.assigned) e.reward = e.slashed * disputes.params().challengerRewardBps / BPS;
            e.burn += e.slashed - e.reward;
        } else if (e.innocent * 2 > d.committeeSize) {
            e.outcome = IDisputes.Outcome.Innocent;
            e.share = d.bond / e.innocent;
            e.burn += d.bond - e.share * e.innocent;
        } else if (d.round < d.maxRounds) {
            e.escalates = true;
        } else {
            e.outcome = IDisputes.Outcome.Void;
        }
    }

    /// @notice Anyone collects the pending penalty of the first validator from `seed` on that owes one:
    /// min(penalty, stake + unbonding left) is burned, the freeze it held lifted; checked to the wei.
    function collectPenalty(uint256 seed) external {
        address member;
        uint256 n = validators.length;
        for (uint256 i; i < n; ++i) {
            address v = validators[(seed % n + i) % n];
            if (ghostPending[v] != 0) {
                member = v;
                break;
            }
        }
        if (member == address(0)) return;
        uint256 pending = ghostPending[member];
        uint256 held = _held(member);
        uint256 expected = pending < held ? pending : held;
        uint256 frozen = registry.frozenOf(member);
        uint256 supply = token.totalSupply();
        disputes.collectPenalty(member);
        vm.assertEq(supply - token.totalSupply(), expected, "penalty burned to the wei");
        vm.assertEq(held - _held(member), expected, "penalty slashed");
        vm.assertEq(registry.frozenOf(member), frozen - 1, "one freeze lifted");
        vm.assertEq(disputes.pendingPenaltyOf(member), 0, "pending cleared");
        ghostDisputeBurns += expected;
        ghostPending[member] = 0;
        _noteSlash(member, held);
        calls["collectPenalty"]++;
    }

    /// @dev Counts what `account` lost since `before` as slashed.
    function _noteSlash(address account, uint256 before) internal {
        uint256 now_ = _held(account);
        if (now_ < before) {
            ghostSlashed[account] += before - now_;
            ghostTotalSlashed += before - now_;
        }
    }

    /// @dev A validator or provider changes its stake: a top-up, or a move of some stake to unbonding.
    function changeStake(uint256 accountSeed, uint256 amount, bool topUp) external {
        uint256 n = accountSeed % (providers.length + validators.length);
        address account = n < providers.length ? providers[n] : validators[n - providers.length];
        if (topUp) {
            amount = bound(amount, 1, 10_000 ether);
            token.transfer(account, amount);
            vm.startPrank(account);
            token.approve(address(registry), amount);
            registry.stake(amount);
            vm.stopPrank();
            ghostStaked[account] += amount;
            ghostTotalStaked += amount;
        } else {
            (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(account);
            uint256 minimum = role == IRegistry.Role.Provider ? registry.minStake() : registry.minValidatorStake();
            if (staked <= minimum) return;
            amount = bound(amount, 1, staked - minimum);
            vm.prank(account);
            registry.requestUnstake(amount);
        }
        calls["changeStake"]++;
    }

    /// @notice A validator reports scores for the providers it has not reported this epoch.
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

    /// @notice A payer pays a provider through a voucher; the booked burn is flushed and counted.
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
        // Burn what the redemption booked now, so that every burn is counted when it happens.
        ghostPaymentBurns += payments.flushBurn();
        calls["work"]++;
    }

    /// @notice Time passes (up to two epochs) and a block.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 * uptime.epochLength()));
        vm.roll(block.number + 1);
        _noteEpoch();
        calls["warp"]++;
    }

    /// @dev Blocks pass (sometimes more than 256, so that a draw block's hash expires and the draw rearms).
    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 300));
        vm.warp(block.timestamp + 1);
        calls["roll"]++;
    }

    /// @notice Finalizes part of a closed epoch.
    function finalize(uint256 epochSeed, uint256 maxProviders) external {
        uint64 current = uptime.currentEpoch();
        if (current < 2) return;
        uint64 epoch = uint64(epochSeed % (current - 1));
        if (uptime.isFinalized(epoch)) return;
        uptime.finalize(epoch, bound(maxProviders, 1, 3));
        calls["finalize"]++;
    }

    /// @notice Claims an account's emissions of a finalized epoch.
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

    /// @dev Two providers, six validators of MODEL, three funded challengers, and the handler as the target.
    function setUp() public override {
        super.setUp();
        address[] memory providers = new address[](2);
        uint256[] memory keys = new uint256[](2);
        providers[0] = _provider("p0", 3000 ether);
        providers[1] = _provider("p1", 8000 ether);
        keys[0] = keyOf[providers[0]];
        keys[1] = keyOf[providers[1]];
        address[] memory validators = new address[](6);
        for (uint256 i; i < 6; ++i) {
            validators[i] = _validator(string(abi.encodePacked("v", bytes1(uint8(0x30 + i)))), 2000 ether * (i + 1));
        }
        address[] memory challengers = new address[](3);
        challengers[0] = _challenger("c0", 1e30);
        challengers[1] = _challenger("c1", 1e30);
        challengers[2] = _challenger("c2", 1e30);
        vm.roll(block.number + 1); // the validators are in every snapshot from here

        handler = new ConsensusHandler(
            Deployed(token, registry, payments, uptime, disputes, emissions), providers, keys, validators, challengers
        );
        _give(address(handler), 1e31);

        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = ConsensusHandler.openDispute.selector;
        selectors[1] = ConsensusHandler.claimChallenge.selector;
        selectors[2] = ConsensusHandler.drawCommittee.selector;
        selectors[3] = ConsensusHandler.commitVote.selector;
        selectors[4] = ConsensusHandler.revealVote.selector;
        selectors[5] = ConsensusHandler.resolve.selector;
        selectors[6] = ConsensusHandler.changeStake.selector;
        selectors[7] = ConsensusHandler.submitScores.selector;
        selectors[8] = ConsensusHandler.work.selector;
        selectors[9] = ConsensusHandler.warp.selector;
        selectors[10] = ConsensusHandler.roll.selector;
        selectors[11] = ConsensusHandler.finalize.selector;
        selectors[12] = ConsensusHandler.claim.selector;
        selectors[13] = ConsensusHandler.voteRound.selector;
        selectors[14] = ConsensusHandler.collectPenalty.selector;
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
        vm.assertEq(disputes.bondsHeld(), sum, "bondsHeld != open bonds");
        vm.assertEq(sum, handler.ghostBondsHeld(), "open bonds != ghost");
    }

    /// @notice Every account is frozen exactly once per unresolved dispute against it plus once while it
    /// owes an absentee penalty: frozenOf(a) == open disputes against a + pendingFreezesOf(a), and the
    /// pending penalty is the one the rules give (the handler's ghost).
    function invariant_freezesMatchOpenDisputesAndPendingPenalties() public view {
        uint256 providers = handler.providerCount();
        for (uint256 i; i < providers + handler.validatorCount(); ++i) {
            address account = i < providers ? handler.providers(i) : handler.validators(i - providers);
            uint256 open;
            for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
                IDisputes.Dispute memory d = disputes.getDispute(id);
                if (d.provider == account && d.status != IDisputes.Status.Resolved) ++open;
            }
            uint256 pending = handler.ghostPending(account);
            vm.assertEq(disputes.pendingPenaltyOf(account), pending, "pending penalty != ghost");
            vm.assertEq(disputes.pendingFreezesOf(account), pending == 0 ? 0 : 1, "pending freezes");
            vm.assertEq(
                registry.frozenOf(account), open + disputes.pendingFreezesOf(account), "frozen != open + pending"
            );
            vm.assertEq(disputes.openDisputesOf(account), open, "open disputes count");
        }
    }

    /// @notice No provider is slashed without a Guilty outcome backed by a majority of the full committee:
    /// every Guilty dispute has more than committeeSize / 2 revealed guilty votes of distinct drawn members.
    function invariant_noSlashWithoutAMajorityOfTheFullCommittee() public view {
        vm.assertEq(handler.ghostSlashesWithoutMajority(), 0, "slash without a majority");
        uint256 guiltyVerdicts;
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputes.Dispute memory d = disputes.getDispute(id);
            if (d.outcome != IDisputes.Outcome.Guilty) continue;
            ++guiltyVerdicts;
            address[] memory members = disputes.committeeOf(id);
            uint256 guiltyMembers;
            for (uint256 i; i < members.length; ++i) {
                IDisputes.Member memory m = disputes.memberOf(id, members[i]);
                if (m.revealed && m.guilty) ++guiltyMembers;
            }
            vm.assertEq(guiltyMembers, d.guiltyVotes, "guilty votes != guilty members");
            vm.assertTrue(guiltyMembers * 2 > d.committeeSize, "guilty without a majority");
        }
        vm.assertEq(guiltyVerdicts, handler.ghostGuiltyVerdicts(), "guilty verdicts != ghost");
    }

    /// @notice MESH supply changes only by emissions and burns, to the wei: the burns computed from the
    /// rules (disputes) and flushed by Payments are exactly what MeshToken counts.
    function invariant_supplyChangesOnlyByEmissionsAndBurns() public view {
        uint256 burns = handler.ghostDisputeBurns() + handler.ghostPaymentBurns();
        vm.assertEq(token.totalBurned(), burns, "burned != ghost burns");
        vm.assertEq(token.totalMinted(), INITIAL_SUPPLY + emissions.totalEmitted(), "minted != initial + emitted");
        vm.assertEq(token.totalSupply(), INITIAL_SUPPLY + emissions.totalEmitted() - burns, "supply");
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

    /// @notice A vote counts once: the tallies equal the members who revealed and the ghost count, and
    /// never exceed the committee's seats.
    function invariant_voteCountsOnce() public view {
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputes.Dispute memory d = disputes.getDispute(id);
            address[] memory members = disputes.committeeOf(id);
            uint256 revealed;
            for (uint256 i; i < members.length; ++i) {
                if (disputes.hasVoted(id, members[i])) ++revealed;
                for (uint256 j; j < i; ++j) {
                    vm.assertTrue(members[i] != members[j], "member drawn twice");
                }
            }
            uint256 tally = uint256(d.guiltyVotes) + d.innocentVotes;
            vm.assertEq(tally, revealed, "tally != members who revealed");
            vm.assertEq(tally, handler.ghostVotes(id), "tally != ghost votes");
            vm.assertLe(tally, d.committeeSize, "more votes than seats");
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
    /// are checked against states with disputes, claims, votes, escalations, slashes, finalized epochs and
    /// emission claims.
    function test_handler_reachesEveryAction() public {
        handler.submitScores(0, 9000, 9500);
        handler.submitScores(1, 9000, 7000);
        handler.work(0, 100 ether);
        handler.openDispute(1, 0, true); // 1: guilty
        handler.openDispute(0, 1, false); // 2: innocent, claimed by c2
        handler.openDispute(0, 0, false); // 3: one vote, escalates
        handler.claimChallenge(1, 2);
        handler.changeStake(3, 500 ether, true);
        handler.drawCommittee(0);
        handler.drawCommittee(1);
        handler.drawCommittee(2);
        for (uint256 m; m < 3; ++m) {
            handler.commitVote(0, m, true);
            handler.commitVote(1, m, false);
        }
        handler.commitVote(2, 0, true);
        for (uint256 m; m < 3; ++m) {
            handler.revealVote(0, m);
            handler.revealVote(1, m);
        }
        handler.revealVote(2, 0);
        handler.resolve(0);
        handler.resolve(1);
        handler.resolve(2);
        handler.changeStake(4, 100 ether, false);
        handler.collectPenalty(0); // dispute 3's two absentees owe; one collected
        handler.openDispute(1, 2, false); // 4: a whole round votes innocent through voteRound
        handler.voteRound(3, uint256(0xFF) << 8);
        handler.resolve(3);
        handler.roll(300);
        handler.drawCommittee(2); // the draw block's hash expired: rearmed
        handler.drawCommittee(2);
        handler.warp(2 * EPOCH);
        handler.warp(2 * EPOCH);
        handler.finalize(0, 3);
        handler.claim(0, 0);
        handler.claim(0, 2);
        bytes32[16] memory actions = [
            bytes32("openDispute"),
            "claimChallenge",
            "drawCommittee",
            "commitVote",
            "revealVote",
            "resolve",
            "voteRound",
            "escalate",
            "changeStake",
            "submitScores",
            "work",
            "warp",
            "roll",
            "finalize",
            "claim",
            "collectPenalty"
        ];
        for (uint256 i; i < actions.length; ++i) {
            vm.assertTrue(handler.calls(actions[i]) > 0, string(abi.encodePacked(actions[i])));
        }
        vm.assertEq(disputes.committeeOfRound(3, 2).length, 2, "round 2 drew the two open seats");
        vm.assertGt(registry.totalSlashed(), 0);
        vm.assertGt(emissions.totalEmitted(), 0);
        vm.assertEq(handler.ghostGuiltyVerdicts(), 1);
        invariant_disputesHoldTheOpenBonds();
        invariant_freezesMatchOpenDisputesAndPendingPenalties();
        invariant_noSlashWithoutAMajorityOfTheFullCommittee();
        invariant_supplyChangesOnlyByEmissionsAndBurns();
        invariant_slashedNeverExceedsStaked();
        invariant_emissionsWithinSchedule();
        invariant_voteCountsOnce();
        invariant_disputeResolvesOnce();
        invariant_reportsCountOnce();
    }
}
