// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, FuzzSelector} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {Payments} from "../src/Payments.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {RejectingWallet} from "./PaymentsSignatures.t.sol";

/// @notice Drives Payments with bounded, never-reverting actions of named actors: three payers (with keys;
/// every payer is potentially hostile), two honest providers and a "pocket" provider address that the
/// payers use to pay themselves. Keeps ghost totals and a ghost model of every deposit, allocation and
/// channel, checked against the contract on each action.
///
/// The honest providers follow the protocol's rule and nothing more: before serving `w` for a payer they
/// read `allocationOf(payer, provider)` on chain and serve only when their unpaid work for that payer plus
/// `w` fits in the allocation (less a release that has already unlocked) and their work not yet covered by
/// a voucher plus `w` fits in their credit limit; they redeem their highest vouchers whenever they like, and
/// at the latest before a pending release of that payer unlocks (the only time-keeping they need, modelled in
/// `warp`). The payers may do anything: not sign, withdraw, release, redeem vouchers to themselves or to other
/// providers, submit garbage in batches, delegate their EOA to code that rejects EIP-1271.
/// Channels are indexed c = (payer * 3 + provider) * 2 + model; provider 2 is the pocket.
contract PaymentsHandler is Test {
    uint256 internal constant PAYERS = 3;
    uint256 internal constant PROVIDERS = 3;
    uint256 internal constant HONEST = 2;
    uint256 internal constant MODELS = 2;
    uint256 internal constant CHANNELS = 18;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant ROYALTY_BPS = 1500;
    uint256 internal constant MAX_AMOUNT = 1000 ether;
    /// @notice Each honest provider's credit limit per payer: work it serves before a voucher covers it.
    uint256 public constant CREDIT_LIMIT = 10 ether;

    Payments public immutable payments;
    MeshToken public immutable token;
    address public immutable owner;

    address[3] public payers;
    uint256[3] internal _keys;
    address[3] public providers;
    bytes32[2] public modelIds;
    address public royaltyReceiver;
    address public funder;
    bool[3] public delegated;

    struct StoredVoucher {
        IPayments.Voucher voucher;
        bytes signature;
    }

    /// @dev Every voucher signed per channel, in signing order (rising cumulative amounts).
    mapping(uint256 channel => StoredVoucher[]) internal _vouchers;
    uint256[18] public highestSigned;
    /// @dev Work an honest provider served on the channel (honest channels only).
    uint256[18] public served;
    /// @dev What each channel was paid when the current action began; paid may only grow from it.
    uint256[18] public paidBefore;

    // Ghost model of the contract.
    uint256[18] public ghostChannelPaid;
    uint256[3] public ghostBalance;
    uint256[3] public ghostWithdrawing;
    uint256[3][3] public ghostAllocation;
    uint256[3] public ghostToProvider;

    // Ghost totals.
    uint256 public ghostDeposited;
    uint256 public ghostPaid;
    uint256 public ghostWithdrawn;
    uint256 public ghostRoyaltyCredited;
    uint256 public ghostRoyaltyClaimed;
    uint256 public ghostBurned;
    uint256 public ghostFlushed;
    uint64[] public epochsWithWork;
    mapping(uint64 epoch => uint256[3]) internal _ghostWork;
    mapping(uint64 epoch => uint256[3]) internal _ghostBurn;

    // How often each outcome happened, to see that the runs reach every path.
    mapping(bytes32 outcome => uint256) public count;

    constructor(Payments payments_, MeshToken token_, address owner_, bytes32 royaltyModel, address royaltyReceiver_) {
        payments = payments_;
        token = token_;
        owner = owner_;
        royaltyReceiver = royaltyReceiver_;
        modelIds = [royaltyModel, keccak256("unregistered.gguf")];
        string[3] memory payerNames = ["payer0", "payer1", "payer2"];
        for (uint256 i; i < PAYERS; ++i) {
            (payers[i], _keys[i]) = makeAddrAndKey(payerNames[i]);
            vm.prank(payers[i]);
            token_.approve(address(payments_), type(uint256).max);
        }
        providers = [makeAddr("honestProvider0"), makeAddr("honestProvider1"), makeAddr("pocket")];
        funder = makeAddr("funder");
        vm.prank(funder);
        token_.approve(address(payments_), type(uint256).max);
    }

    modifier checkpoint() {
        for (uint256 c; c < CHANNELS; ++c) {
            paidBefore[c] = _paidOnChain(c);
        }
        _;
    }

    // ============================================================ deposits

    /// @notice A payer (or a funder on its behalf) adds to its deposit.
    function deposit(uint256 payerSeed, uint256 amount, bool viaFunder) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        amount = bound(amount, 1, MAX_AMOUNT);
        address from = viaFunder ? funder : payers[p];
        token.mint(from, amount);
        vm.prank(from);
        if (viaFunder) payments.depositFor(payers[p], amount);
        else payments.deposit(amount);
        ghostDeposited += amount;
        ghostBalance[p] += amount;
    }

    /// @notice A payer allocates part of its deposit to one or two providers.
    function allocate(uint256 payerSeed, uint256 providerSeed, uint256 amount, bool two) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        uint256 balance = ghostBalance[p];
        if (balance < 2) return;
        amount = bound(amount, 2, balance);
        uint256 v = providerSeed % PROVIDERS;
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](two ? 2 : 1);
        allocations[0] = IPayments.Allocation(providers[v], two ? amount / 2 : amount);
        if (two) allocations[1] = IPayments.Allocation(providers[(v + 1) % PROVIDERS], amount - amount / 2);
        vm.prank(payers[p]);
        payments.allocate(allocations);
        ghostBalance[p] -= amount;
        ghostAllocation[p][v] += allocations[0].amount;
        if (two) ghostAllocation[p][(v + 1) % PROVIDERS] += allocations[1].amount;
        ++count["allocate"];
    }

    /// @notice A payer deposits and allocates in one transaction.
    function depositAndAllocate(uint256 payerSeed, uint256 providerSeed, uint256 amount) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        uint256 v = providerSeed % PROVIDERS;
        amount = bound(amount, 1, MAX_AMOUNT);
        token.mint(payers[p], amount);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(providers[v], amount);
        vm.prank(payers[p]);
        payments.depositAndAllocate(amount, allocations);
        ghostDeposited += amount;
        ghostAllocation[p][v] += amount;
    }

    // ================================================= releases, withdrawals

    function requestRelease(uint256 payerSeed, uint256 providerSeed, uint256 amount) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        uint256 v = providerSeed % PROVIDERS;
        uint256 allocation = ghostAllocation[p][v];
        if (allocation == 0) return;
        amount = bound(amount, 1, allocation);
        vm.prank(payers[p]);
        payments.requestRelease(providers[v], amount);
        ++count["requestRelease"];
    }

    function cancelRelease(uint256 payerSeed, uint256 providerSeed) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        uint256 v = providerSeed % PROVIDERS;
        (, uint256 releasing,) = payments.allocationOf(payers[p], providers[v]);
        if (releasing == 0) return;
        vm.prank(payers[p]);
        payments.cancelRelease(providers[v]);
    }

    /// @notice Completes a release whose delay has passed (the first one found from the seeds).
    function release(uint256 payerSeed, uint256 providerSeed) external checkpoint {
        uint256 p;
        uint256 v;
        uint256 releasing;
        uint64 releaseAt;
        bool found;
        for (uint256 i; i < PAYERS * PROVIDERS && !found; ++i) {
            p = (payerSeed % PAYERS + i) % PAYERS;
            v = (providerSeed % PROVIDERS + i / PAYERS) % PROVIDERS;
            (, releasing, releaseAt) = payments.allocationOf(payers[p], providers[v]);
            found = releasing != 0 && block.timestamp >= releaseAt;
        }
        if (!found) return;
        uint256 allocation = ghostAllocation[p][v];
        uint256 expected = releasing < allocation ? releasing : allocation;
        vm.prank(payers[p]);
        vm.assertEq(payments.release(providers[v]), expected, "released");
        ghostAllocation[p][v] = allocation - expected;
        ghostBalance[p] += expected;
        ++count["release"];
    }

    function requestWithdraw(uint256 payerSeed, uint256 amount) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        uint256 available = ghostBalance[p] + ghostWithdrawing[p];
        if (available == 0) return;
        amount = bound(amount, 1, available);
        vm.prank(payers[p]);
        payments.requestWithdraw(amount);
        ghostBalance[p] = available - amount;
        ghostWithdrawing[p] = amount;
    }

    function cancelWithdraw(uint256 payerSeed) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        if (ghostWithdrawing[p] == 0) return;
        vm.prank(payers[p]);
        payments.cancelWithdraw();
        ghostBalance[p] += ghostWithdrawing[p];
        ghostWithdrawing[p] = 0;
    }

    function withdraw(uint256 payerSeed) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        (uint256 pending, uint64 unlockAt) = payments.withdrawal(payers[p]);
        if (pending == 0 || block.timestamp < unlockAt) return;
        vm.prank(payers[p]);
        vm.assertEq(payments.withdraw(), ghostWithdrawing[p], "withdrawn");
        ghostWithdrawn += pending;
        ghostWithdrawing[p] = 0;
        ++count["withdraw"];
    }

    /// @notice A payer runs: asks back every allocation it made and its whole deposit.
    function runAway(uint256 payerSeed) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        for (uint256 v; v < PROVIDERS; ++v) {
            uint256 allocation = ghostAllocation[p][v];
            if (allocation == 0) continue;
            vm.prank(payers[p]);
            payments.requestRelease(providers[v], allocation);
        }
        uint256 available = ghostBalance[p] + ghostWithdrawing[p];
        if (available != 0) {
            vm.prank(payers[p]);
            payments.requestWithdraw(available);
            ghostBalance[p] = 0;
            ghostWithdrawing[p] = available;
        }
        ++count["runAway"];
    }

    /// @notice Time passes (up to two days). An honest provider redeems its vouchers of a payer before
    /// that payer's pending release unlocks: it had the whole delay to do it.
    function warp(uint256 seconds_) external checkpoint {
        _warpTo(block.timestamp + bound(seconds_, 1 minutes, 2 days));
    }

    /// @notice Time jumps to the next moment a pending release or withdrawal unlocks.
    function warpToNextUnlock() external checkpoint {
        uint256 next = type(uint256).max;
        for (uint256 p; p < PAYERS; ++p) {
            for (uint256 v; v < PROVIDERS; ++v) {
                (, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payers[p], providers[v]);
                if (releasing != 0 && releaseAt > block.timestamp && releaseAt < next) next = releaseAt;
            }
            (uint256 withdrawing, uint64 unlockAt) = payments.withdrawal(payers[p]);
            if (withdrawing != 0 && unlockAt > block.timestamp && unlockAt < next) next = unlockAt;
        }
        if (next == type(uint256).max) return;
        _warpTo(next);
        ++count["warpToNextUnlock"];
    }

    function _warpTo(uint256 target) internal {
        for (uint256 p; p < PAYERS; ++p) {
            for (uint256 v; v < HONEST; ++v) {
                (, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payers[p], providers[v]);
                if (releasing != 0 && releaseAt <= target) _settle(v, p);
            }
        }
        vm.warp(target);
    }

    // ======================================================= honest providers

    /// @notice An honest provider serves `work` on a channel of a payer that allocated to it, when its rule
    /// allows (see the contract notice); two times in three the payer then signs the voucher for it.
    function serve(uint256 channelSeed, uint256 work) external checkpoint {
        (uint256 p, uint256 v, uint256 m) = _honestChannel(channelSeed);
        for (uint256 i; i < PAYERS * HONEST && ghostAllocation[p][v] == 0; ++i) {
            p = (p + 1) % PAYERS;
            if (p == 0) v = 1 - v;
        }
        work = bound(work, 1, CREDIT_LIMIT);
        (uint256 allocation, uint256 releasing, uint64 releaseAt) = payments.allocationOf(payers[p], providers[v]);
        uint256 available = allocation;
        if (releasing != 0 && block.timestamp >= releaseAt) {
            available = releasing >= allocation ? 0 : allocation - releasing;
        }
        (uint256 unpaid, uint256 unvouched) = _exposure(p, v);
        if (unpaid + work > available || unvouched + work > CREDIT_LIMIT) {
            ++count["serveRefused"];
            return;
        }
        uint256 c = _c(p, v, m);
        served[c] += work;
        ++count["serve"];
        if ((channelSeed >> 24) % 3 != 0) _signAndStore(c, served[c]);
    }

    /// @notice The payer signs the voucher for everything served on an honest channel (or never does).
    function payerSigns(uint256 channelSeed) external checkpoint {
        (uint256 p, uint256 v, uint256 m) = _honestChannel(channelSeed);
        uint256 c = _c(p, v, m);
        if (served[c] <= highestSigned[c]) return;
        _signAndStore(c, served[c]);
    }

    /// @notice An honest provider redeems its highest voucher of every payer and model in one batch.
    function providerSettles(uint256 providerSeed) external checkpoint {
        uint256 v = providerSeed % HONEST;
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](PAYERS * MODELS);
        uint256 expected;
        for (uint256 p; p < PAYERS; ++p) {
            for (uint256 m; m < MODELS; ++m) {
                uint256 c = _c(p, v, m);
                batch[p * MODELS + m] = _latestOrZero(c);
                expected += _simulate(c, batch[p * MODELS + m].voucher.cumulativeAmount);
            }
        }
        vm.prank(providers[v]);
        vm.assertEq(payments.redeemBatch(batch), expected, "settled");
        ++count["providerSettles"];
    }

    // ========================================================= hostile payers

    /// @notice A payer signs a voucher to its own pocket for any amount.
    function payerSignsPocket(uint256 payerSeed, uint256 modelSeed, uint256 increase) external checkpoint {
        uint256 c = _c(payerSeed % PAYERS, 2, modelSeed % MODELS);
        _signAndStore(c, highestSigned[c] + bound(increase, 1, MAX_AMOUNT));
    }

    /// @notice A payer pays itself: redeems the latest voucher to its pocket.
    function redeemPocket(uint256 payerSeed, uint256 modelSeed) external checkpoint {
        uint256 c = _c(payerSeed % PAYERS, 2, modelSeed % MODELS);
        uint256 n = _vouchers[c].length;
        if (n == 0) return;
        this.redeem(c, n - 1);
    }

    /// @notice Anyone (the payer included) redeems any stored voucher of any channel: the latest, an older
    /// one, or one already paid.
    function redeem(uint256 channelSeed, uint256 indexSeed) public checkpoint {
        uint256 c = channelSeed % CHANNELS;
        uint256 n = _vouchers[c].length;
        if (n == 0) return;
        StoredVoucher memory stored = _vouchers[c][indexSeed % n];
        IPayments.Voucher memory voucher = stored.voucher;
        uint256 alreadyPaid = ghostChannelPaid[c];
        if (voucher.cumulativeAmount <= alreadyPaid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IPayments.NothingToRedeem.selector,
                    voucher.payer,
                    voucher.provider,
                    voucher.modelId,
                    voucher.cumulativeAmount,
                    alreadyPaid
                )
            );
            payments.redeem(voucher, stored.signature);
            ++count["redeemNothing"];
            return;
        }
        if (ghostAllocation[_payerOf(c)][_providerOf(c)] == 0) {
            vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, voucher.payer, voucher.provider));
            payments.redeem(voucher, stored.signature);
            ++count["redeemEmpty"];
            return;
        }
        uint256 expected = _simulate(c, voucher.cumulativeAmount);
        vm.prank(voucher.payer);
        vm.assertEq(payments.redeem(voucher, stored.signature), expected, "redeemed");
        ++count[_providerOf(c) == 2 ? bytes32("redeemPocket") : bytes32("redeemHonest")];
    }

    /// @notice Someone sends an honest provider's batch padded with garbage: vouchers of fresh keys with no
    /// allocation, vouchers signed by the wrong payer, vouchers of another provider. The batch never
    /// reverts and pays the honest channels what they are owed.
    function garbageBatch(uint256 providerSeed, uint256 seed) external checkpoint {
        uint256 v = providerSeed % HONEST;
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](5);
        (address fresh, uint256 freshKey) =
            makeAddrAndKey(string(abi.encodePacked("fresh", bytes1(uint8(0x30 + seed % 8)))));
        IPayments.Voucher memory junk = IPayments.Voucher(fresh, providers[v], modelIds[0], 1 ether + seed % 1e18);
        batch[0] = IPayments.SignedVoucher(junk, _signWith(freshKey, junk));
        uint256 p = seed % PAYERS;
        uint256 q = (p + 1) % PAYERS;
        IPayments.Voucher memory forged = IPayments.Voucher(payers[q], providers[v], modelIds[1], MAX_AMOUNT);
        batch[1] = IPayments.SignedVoucher(forged, _signWith(_keys[p], forged));
        uint256 c = _c(p, v, 0);
        batch[2] = _latestOrZero(c);
        uint256 expected = _simulate(c, batch[2].voucher.cumulativeAmount);
        IPayments.Voucher memory other = IPayments.Voucher(payers[p], providers[1 - v], modelIds[0], MAX_AMOUNT);
        batch[3] = IPayments.SignedVoucher(other, _signWith(_keys[p], other));
        batch[4] = IPayments.SignedVoucher(junk, hex"deadbeef");
        vm.assertEq(payments.redeemBatch(batch), expected, "garbage batch");
        ++count["garbageBatch"];
    }

    /// @notice A payer delegates its EOA (EIP-7702) to code that rejects every EIP-1271 check.
    function delegate(uint256 payerSeed) external checkpoint {
        uint256 p = payerSeed % PAYERS;
        if (delegated[p]) return;
        vm.etch(payers[p], type(RejectingWallet).runtimeCode);
        delegated[p] = true;
        ++count["delegate"];
    }

    // ================================================================ others

    function claimRoyalties() external checkpoint {
        uint256 owed = payments.royaltiesOwed(royaltyReceiver);
        if (owed == 0) return;
        vm.assertEq(payments.claimRoyalties(royaltyReceiver), owed, "claimed");
        ghostRoyaltyClaimed += owed;
    }

    function flushBurn() external checkpoint {
        uint256 pending = payments.pendingBurn();
        if (pending == 0) return;
        vm.assertEq(payments.flushBurn(), pending, "flushed");
        ghostFlushed += pending;
        ++count["flushBurn"];
    }

    function setBurnBps(uint256 burnBps) external checkpoint {
        uint16 value = uint16(bound(burnBps, 0, payments.MAX_BURN_BPS()));
        vm.prank(owner);
        payments.setBurnBps(value);
    }

    // ================================================================ views

    function channelCount() external pure returns (uint256) {
        return CHANNELS;
    }

    function epochCount() external view returns (uint256) {
        return epochsWithWork.length;
    }

    function ghostWorkOf(uint64 epoch, uint256 v) external view returns (uint256) {
        return _ghostWork[epoch][v];
    }

    function ghostBurnOf(uint64 epoch, uint256 v) external view returns (uint256) {
        return _ghostBurn[epoch][v];
    }

    function paidOnChain(uint256 c) external view returns (uint256) {
        return _paidOnChain(c);
    }

    /// @notice What an honest provider could lose on a payer right now: its unvouched work plus what its
    /// vouchers ask beyond the allocation. The protocol's promise: never more than its credit limit.
    function exposureBeyondAllocation(uint256 p, uint256 v) external view returns (uint256 loss) {
        uint256 vouchered;
        uint256 paidSum;
        uint256 servedSum;
        for (uint256 m; m < MODELS; ++m) {
            uint256 c = _c(p, v, m);
            vouchered += highestSigned[c];
            paidSum += _paidOnChain(c);
            servedSum += served[c];
        }
        (uint256 allocation,,) = payments.allocationOf(payers[p], providers[v]);
        uint256 owedByVouchers = vouchered - paidSum;
        uint256 recoverable = owedByVouchers < allocation ? owedByVouchers : allocation;
        loss = servedSum - paidSum - recoverable;
    }

    // ================================================================ helpers

    function _c(uint256 p, uint256 v, uint256 m) internal pure returns (uint256) {
        return (p * PROVIDERS + v) * MODELS + m;
    }

    function _payerOf(uint256 c) internal pure returns (uint256) {
        return c / (PROVIDERS * MODELS);
    }

    function _providerOf(uint256 c) internal pure returns (uint256) {
        return (c / MODELS) % PROVIDERS;
    }

    function _honestChannel(uint256 seed) internal pure returns (uint256 p, uint256 v, uint256 m) {
        p = seed % PAYERS;
        v = (seed >> 8) % HONEST;
        m = (seed >> 16) % MODELS;
    }

    /// @dev An honest provider's unpaid work and unvouched work for payer `p`, over both models.
    function _exposure(uint256 p, uint256 v) internal view returns (uint256 unpaid, uint256 unvouched) {
        for (uint256 m; m < MODELS; ++m) {
            uint256 c = _c(p, v, m);
            unpaid += served[c] - ghostChannelPaid[c];
            unvouched += served[c] - highestSigned[c];
        }
    }

    function _paidOnChain(uint256 c) internal view returns (uint256) {
        return payments.paid(payers[_payerOf(c)], providers[_providerOf(c)], modelIds[c % MODELS]);
    }

    function _voucherOf(uint256 c, uint256 cumulativeAmount) internal view returns (IPayments.Voucher memory) {
        return IPayments.Voucher(payers[_payerOf(c)], providers[_providerOf(c)], modelIds[c % MODELS], cumulativeAmount);
    }

    function _signWith(uint256 key, IPayments.Voucher memory voucher) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, payments.hashVoucher(voucher));
        return abi.encodePacked(r, s, v);
    }

    function _signAndStore(uint256 c, uint256 cumulativeAmount) internal {
        highestSigned[c] = cumulativeAmount;
        IPayments.Voucher memory voucher = _voucherOf(c, cumulativeAmount);
        _vouchers[c].push(StoredVoucher(voucher, _signWith(_keys[_payerOf(c)], voucher)));
    }

    /// @dev The latest voucher of a channel, or a signed zero voucher (which a batch skips).
    function _latestOrZero(uint256 c) internal view returns (IPayments.SignedVoucher memory) {
        uint256 n = _vouchers[c].length;
        if (n == 0) {
            IPayments.Voucher memory zero = _voucherOf(c, 0);
            return IPayments.SignedVoucher(zero, _signWith(_keys[_payerOf(c)], zero));
        }
        StoredVoucher storage stored = _vouchers[c][n - 1];
        return IPayments.SignedVoucher(stored.voucher, stored.signature);
    }

    /// @dev The provider redeems its latest vouchers of payer `p` (both models) in one batch.
    function _settle(uint256 v, uint256 p) internal {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](MODELS);
        uint256 expected;
        for (uint256 m; m < MODELS; ++m) {
            uint256 c = _c(p, v, m);
            batch[m] = _latestOrZero(c);
            expected += _simulate(c, batch[m].voucher.cumulativeAmount);
        }
        vm.prank(providers[v]);
        vm.assertEq(payments.redeemBatch(batch), expected, "settled before release");
        ++count["settleBeforeRelease"];
    }

    /// @dev Applies the protocol's rule to the ghost model: pay min(cumulative - paid, allocation), split it.
    function _simulate(uint256 c, uint256 cumulativeAmount) internal returns (uint256 amount) {
        uint256 alreadyPaid = ghostChannelPaid[c];
        if (cumulativeAmount <= alreadyPaid) return 0;
        uint256 p = _payerOf(c);
        uint256 v = _providerOf(c);
        uint256 owed = cumulativeAmount - alreadyPaid;
        uint256 allocation = ghostAllocation[p][v];
        amount = owed < allocation ? owed : allocation;
        if (amount == 0) return 0;
        if (amount < owed) ++count["shortfall"];
        ghostChannelPaid[c] = alreadyPaid + amount;
        ghostAllocation[p][v] = allocation - amount;
        uint256 burned = (amount * payments.burnBps() + BPS - 1) / BPS;
        uint256 royalty = c % MODELS == 0 ? amount * ROYALTY_BPS / BPS : 0;
        ghostPaid += amount;
        ghostBurned += burned;
        ghostRoyaltyCredited += royalty;
        ghostToProvider[v] += amount - burned - royalty;
        uint64 epoch = payments.currentEpoch();
        uint256 n = epochsWithWork.length;
        if (n == 0 || epochsWithWork[n - 1] != epoch) epochsWithWork.push(epoch);
        _ghostWork[epoch][v] += amount;
        _ghostBurn[epoch][v] += burned;
    }
}

/// @notice Invariants of Payments under hostile payers: money balances to the wei, and an honest provider
/// that follows the allocation rule never loses more than its credit limit. This contract drives every
/// action; PaymentsProviderSafetyInvariantTest drives the few that matter to the provider, so that the
/// fuzzer reaches deep attack sequences (leave, serve on, wait, release) more often.
contract PaymentsInvariantTest is Test {
    uint64 internal constant GENESIS = 1;
    uint64 internal constant EPOCH_LENGTH = 1 hours;
    uint64 internal constant ROYALTY_DELAY = 25 hours;
    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;
    PaymentsHandler internal handler;
    address internal royaltyReceiver;

    function setUp() public {
        address owner = makeAddr("owner");
        address modelOwner = makeAddr("modelOwner");
        royaltyReceiver = makeAddr("royaltyReceiver");
        bytes32 model = keccak256("tinyllama-1.1b-q4.gguf");

        // Supply that never enters Payments, so that the supply invariants cover more than deposits.
        token = new MeshToken(owner, makeAddr("bystander"), 1_000 ether);
        models = new ModelRegistry(owner, 2000, ROYALTY_DELAY);
        payments = new Payments(owner, token, models, 1000, 1 days, GENESIS, EPOCH_LENGTH);
        vm.prank(modelOwner);
        models.register(model, "tinyllama", "ipfs://tinyllama", 1500, royaltyReceiver);
        vm.warp(block.timestamp + ROYALTY_DELAY);

        handler = new PaymentsHandler(payments, token, owner, model, royaltyReceiver);
        vm.prank(owner);
        token.setMinter(address(handler));

        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _selectors()}));
        targetSender(makeAddr("keeper"));
    }

    function _selectors() internal pure virtual returns (bytes4[] memory selectors) {
        selectors = new bytes4[](26);
        selectors[0] = PaymentsHandler.deposit.selector;
        selectors[1] = PaymentsHandler.allocate.selector;
        selectors[2] = PaymentsHandler.depositAndAllocate.selector;
        selectors[3] = PaymentsHandler.requestRelease.selector;
        selectors[4] = PaymentsHandler.cancelRelease.selector;
        selectors[5] = PaymentsHandler.release.selector;
        selectors[6] = PaymentsHandler.requestWithdraw.selector;
        selectors[7] = PaymentsHandler.cancelWithdraw.selector;
        selectors[8] = PaymentsHandler.withdraw.selector;
        selectors[9] = PaymentsHandler.warp.selector;
        selectors[10] = PaymentsHandler.serve.selector;
        selectors[11] = PaymentsHandler.serve.selector; // serving and signing twice as likely
        selectors[12] = PaymentsHandler.payerSigns.selector;
        selectors[13] = PaymentsHandler.payerSigns.selector;
        selectors[14] = PaymentsHandler.providerSettles.selector;
        selectors[15] = PaymentsHandler.payerSignsPocket.selector;
        selectors[16] = PaymentsHandler.redeem.selector;
        selectors[17] = PaymentsHandler.garbageBatch.selector;
        selectors[18] = PaymentsHandler.delegate.selector;
        selectors[19] = PaymentsHandler.claimRoyalties.selector;
        selectors[20] = PaymentsHandler.flushBurn.selector;
        selectors[21] = PaymentsHandler.setBurnBps.selector;
        selectors[22] = PaymentsHandler.runAway.selector;
        selectors[23] = PaymentsHandler.warpToNextUnlock.selector; // leaving, waiting and releasing more often
        selectors[24] = PaymentsHandler.release.selector;
        selectors[25] = PaymentsHandler.runAway.selector;
    }

    function _sumOfAllocations() internal view returns (uint256 sum) {
        for (uint256 p; p < 3; ++p) {
            for (uint256 v; v < 3; ++v) {
                (uint256 amount,,) = payments.allocationOf(handler.payers(p), handler.providers(v));
                sum += amount;
            }
        }
    }

    function _sumOfDepositsAndWithdrawals() internal view returns (uint256 sum) {
        for (uint256 p; p < 3; ++p) {
            (uint256 withdrawing,) = payments.withdrawal(handler.payers(p));
            sum += payments.balanceOf(handler.payers(p)) + withdrawing;
        }
    }

    /// @notice Payments holds exactly what it owes: unallocated deposits + allocations (releases pending
    /// included) + pending withdrawals + unclaimed royalties + the burn not yet flushed.
    function invariant_balanceEqualsWhatPaymentsOwes() public view {
        vm.assertEq(
            token.balanceOf(address(payments)),
            _sumOfDepositsAndWithdrawals() + _sumOfAllocations() + payments.royaltiesOwed(royaltyReceiver)
                + payments.pendingBurn(),
            "MESH held != deposits + allocations + withdrawals + royalties + burn"
        );
    }

    /// @notice The same balance from the flows: in - withdrawn - paid to providers - royalties claimed - burned.
    function invariant_balanceEqualsGhostFlows() public view {
        uint256 toProviders = handler.ghostToProvider(0) + handler.ghostToProvider(1) + handler.ghostToProvider(2);
        vm.assertEq(
            token.balanceOf(address(payments)),
            handler.ghostDeposited() - handler.ghostWithdrawn() - toProviders - handler.ghostRoyaltyClaimed()
                - handler.ghostFlushed(),
            "MESH held != ghost flows"
        );
    }

    /// @notice The property of issue 11: whatever the payers do, an honest provider that checked the
    /// allocation before serving can always recover all it served but at most its credit limit.
    function invariant_honestProviderNeverLosesMoreThanItsCreditLimit() public view {
        for (uint256 p; p < 3; ++p) {
            for (uint256 v; v < 2; ++v) {
                vm.assertLe(handler.exposureBeyondAllocation(p, v), handler.CREDIT_LIMIT(), "unpaid beyond credit");
            }
        }
    }

    /// @notice Deposits, pending withdrawals and every allocation are what the ghost model says: only a
    /// provider's own redemptions and the payer's completed releases ever reduce an allocation.
    function invariant_depositsAndAllocationsMatchGhostModel() public view {
        for (uint256 p; p < 3; ++p) {
            address payer = handler.payers(p);
            vm.assertEq(payments.balanceOf(payer), handler.ghostBalance(p), "deposit");
            (uint256 withdrawing,) = payments.withdrawal(payer);
            vm.assertEq(withdrawing, handler.ghostWithdrawing(p), "withdrawing");
            for (uint256 v; v < 3; ++v) {
                (uint256 amount,,) = payments.allocationOf(payer, handler.providers(v));
                vm.assertEq(amount, handler.ghostAllocation(p, v), "allocation");
            }
        }
    }

    /// @notice Nobody redeems more than was signed, and channels match the ghost model.
    function invariant_paidNeverExceedsHighestSigned() public view {
        for (uint256 c; c < handler.channelCount(); ++c) {
            uint256 paid = handler.paidOnChain(c);
            vm.assertLe(paid, handler.highestSigned(c), "paid > highest signed");
            vm.assertEq(paid, handler.ghostChannelPaid(c), "paid != ghost");
        }
    }

    /// @notice No channel's paid amount went down during the last action.
    function invariant_paidNeverDecreases() public view {
        for (uint256 c; c < handler.channelCount(); ++c) {
            vm.assertGe(handler.paidOnChain(c), handler.paidBefore(c), "paid decreased");
        }
    }

    /// @notice Every payment split exactly: providers, royalties and burn got what the ghost model computed.
    function invariant_splitsAddUp() public view {
        for (uint256 v; v < 3; ++v) {
            vm.assertEq(token.balanceOf(handler.providers(v)), handler.ghostToProvider(v), "provider share");
        }
        vm.assertEq(
            payments.royaltiesOwed(royaltyReceiver) + token.balanceOf(royaltyReceiver),
            handler.ghostRoyaltyCredited(),
            "royalty share"
        );
        uint256 toProviders = handler.ghostToProvider(0) + handler.ghostToProvider(1) + handler.ghostToProvider(2);
        vm.assertEq(handler.ghostBurned() + handler.ghostRoyaltyCredited() + toProviders, handler.ghostPaid(), "split");
    }

    /// @notice The burn booked is burned or pending, to the wei, and each provider's burn record per epoch
    /// is what its redemptions booked; work records sum to each epoch's total.
    function invariant_burnAndWorkRecordsMatch() public view {
        vm.assertEq(payments.pendingBurn() + token.totalBurned(), handler.ghostBurned(), "burned");
        vm.assertEq(token.totalBurned(), handler.ghostFlushed(), "flushed");
        uint256 workSum;
        for (uint256 i; i < handler.epochCount(); ++i) {
            uint64 epoch = handler.epochsWithWork(i);
            uint256 epochWork;
            for (uint256 v; v < 3; ++v) {
                address provider = handler.providers(v);
                vm.assertEq(payments.workOf(epoch, provider), handler.ghostWorkOf(epoch, v), "workOf");
                vm.assertEq(payments.burnedOf(epoch, provider), handler.ghostBurnOf(epoch, v), "burnedOf");
                epochWork += payments.workOf(epoch, provider);
            }
            vm.assertEq(payments.totalWork(epoch), epochWork, "totalWork");
            workSum += epochWork;
        }
        vm.assertEq(workSum, handler.ghostPaid(), "work != paid");
    }

    function invariant_supplyEqualsMintedMinusBurned() public view {
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned(), "supply");
    }

    /// @notice A fixed walk through the attack: a payer whose vouchers an honest provider holds delegates
    /// its EOA, redeems to itself, releases and withdraws; the provider is paid for every voucher.
    function test_handler_honestProviderIsPaidWhateverThePayerDoes() public {
        handler.depositAndAllocate(0, 0, 100 ether); // payer0 -> honest provider 0
        handler.depositAndAllocate(0, 2, 100 ether); // payer0 -> its pocket
        handler.deposit(0, 100 ether, false);
        for (uint256 i; i < 5; ++i) {
            handler.serve(0, 10 ether);
            handler.payerSigns(0);
        }
        handler.serve(0, 10 ether); // the last 10 are never vouchered: the credit limit
        handler.delegate(0);
        handler.payerSignsPocket(0, 0, 100 ether);
        handler.redeem(4, 0); // the pocket channel (payer0, pocket, model0)
        handler.requestRelease(0, 0, 100 ether);
        handler.requestWithdraw(0, 100 ether);
        handler.garbageBatch(0, 0);
        handler.warp(2 days); // the provider redeems before the release unlocks
        handler.release(0, 0);
        handler.withdraw(0);
        vm.assertEq(
            payments.paid(handler.payers(0), handler.providers(0), keccak256("tinyllama-1.1b-q4.gguf")), 50 ether
        );
        vm.assertEq(handler.exposureBeyondAllocation(0, 0), 10 ether);
        vm.assertGt(handler.count("settleBeforeRelease") + handler.count("garbageBatch"), 0);
        invariant_balanceEqualsWhatPaymentsOwes();
        invariant_balanceEqualsGhostFlows();
        invariant_honestProviderNeverLosesMoreThanItsCreditLimit();
        invariant_depositsAndAllocationsMatchGhostModel();
        invariant_splitsAddUp();
        invariant_burnAndWorkRecordsMatch();
    }
}

/// @notice The provider-safety property against the laziest honest provider (it redeems only when a
/// release of its payer is about to unlock, in `warp`) and only the payer actions that can hurt it:
/// allocate, leave (release everything, withdraw), wait, release, pay oneself through the pocket, delegate
/// the EOA. With fewer actions the fuzzer reaches "serve, the payer leaves, serve on, wait, release" in most
/// runs: a handler whose provider forgets to redeem before a release unlocks fails within a few dozen calls.
contract PaymentsProviderSafetyInvariantTest is PaymentsInvariantTest {
    function _selectors() internal pure override returns (bytes4[] memory selectors) {
        selectors = new bytes4[](13);
        selectors[12] = PaymentsHandler.warpToNextUnlock.selector;
        selectors[0] = PaymentsHandler.depositAndAllocate.selector;
        selectors[1] = PaymentsHandler.allocate.selector;
        selectors[2] = PaymentsHandler.serve.selector;
        selectors[3] = PaymentsHandler.serve.selector;
        selectors[4] = PaymentsHandler.runAway.selector;
        selectors[5] = PaymentsHandler.requestRelease.selector;
        selectors[6] = PaymentsHandler.warp.selector;
        selectors[7] = PaymentsHandler.release.selector;
        selectors[8] = PaymentsHandler.withdraw.selector;
        selectors[9] = PaymentsHandler.payerSignsPocket.selector;
        selectors[10] = PaymentsHandler.redeemPocket.selector;
        selectors[11] = PaymentsHandler.delegate.selector;
    }
}
