// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPayments} from "./interfaces/IPayments.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IVerificationFees} from "./interfaces/IVerificationFees.sol";
import {Epochs} from "./libraries/Epochs.sol";
import {SignatureRule} from "./libraries/SignatureRule.sol";

/// @title Payments
/// @notice Deposits, allocations per provider, cumulative vouchers and their redemption. See IPayments.
/// @dev Invariants:
/// - token.balanceOf(this) == Σ unallocated deposits + Σ allocations (amounts asked back by a pending
///   release included) + Σ pending withdrawals + Σ royalties owed + pendingBurn (anything sent here by
///   mistake only makes the left side larger);
/// - a redemption of (payer, provider, model) only ever takes from `_allocations[payer][provider]`, and
///   only `release` (after the delay) moves an allocation anywhere else: back to the payer's deposit;
/// - for every channel, `_paid[channel]` never exceeds the highest cumulative amount the payer signed
///   for it, and never decreases;
/// - a payment of `amount` splits exactly: burned + royalty + provider share == amount, with
///   burned = ceil(amount * burnBps / 10,000) and royalty = floor(amount * royaltyBps / 10,000);
///   burnBps + royaltyBps <= 5000 + 3000 < 10,000 keeps the provider share non-negative;
/// - for every epoch, totalWork(epoch) == Σ over providers of workOf(epoch, provider) == Σ `amount` over the
///   redemptions made during that epoch, and burnedOf(epoch, provider) == Σ `burned` of that provider's
///   redemptions in it; past epochs never change.
/// - a flush of `amount` booked burn sends exactly `amount * verificationShareBps / 10,000` (rounded down) to
///   `verificationFees` (when set) and burns the rest; nothing else ever leaves as burn.
/// Amounts are stored in 112 bits (5.19e15 MESH per payer, allocation or withdrawal: SafeCast reverts
/// above), an epoch's work and the unflushed burn in 104 bits (2e13 MESH: the burn is flushed first when
/// it would overflow), timestamps in 32 bits (until 2106) and epoch numbers in 32 bits.
contract Payments is IPayments, Ownable2Step, EIP712 {
    using SafeERC20 for IMeshToken;
    using SafeCast for uint256;

    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address payer,address provider,bytes32 modelId,uint256 cumulativeAmount)");
    uint16 public constant MAX_BURN_BPS = 5000;
    /// @dev The highest share of the flushed burn the owner may send to VerificationFees. Not public: one
    /// selector fewer keeps the dispatch of redeem and deposit as cheap as before VerificationFees.
    uint16 private constant MAX_VERIFICATION_SHARE_BPS = 5000;
    uint64 public constant MIN_WITHDRAW_DELAY = 1 hours;
    uint64 public constant MAX_WITHDRAW_DELAY = 30 days;
    /// @notice The longest a provider is expected to take to redeem after a release is requested, beyond
    /// the withdrawal delay. ModelRegistry's `royaltyIncreaseDelay` must cover both, so that a royalty rise
    /// never reaches work done before it was announced.
    uint64 public constant SETTLEMENT_INTERVAL = 1 hours;
    uint256 private constant BPS = 10_000;

    /// @dev A payer's unallocated deposit and its pending withdrawal (already out of `balance`).
    struct Account {
        uint112 balance;
        uint112 withdrawing;
        uint32 unlockAt;
    }

    /// @dev An allocation of a payer to a provider; `releasing` of it is asked back from `releaseAt`.
    struct Reserve {
        uint112 amount;
        uint112 releasing;
        uint32 releaseAt;
    }

    /// @dev One slot (`_totalsSlot`, packed by `_loadTotals`/`_storeTotals`) read and written once per
    /// redemption transaction: the current epoch, its total work, the burn booked and not yet flushed, and
    /// the burn rate.
    struct Totals {
        uint32 epoch;
        uint104 work;
        uint104 pendingBurn;
        uint16 burnBps;
    }

    /// @dev What one `redeem` or `redeemBatch` call carries between vouchers: the burn rate, the royalty
    /// terms of the last model seen, royalties not yet credited to `owedTo`, and the running sums.
    struct Batch {
        uint256 burnBps;
        bool cached;
        bytes32 modelId;
        address receiver;
        uint256 royaltyBps;
        address owedTo;
        uint256 owed;
        uint256 amount;
        uint256 burned;
        uint256 toProvider;
    }

    IMeshToken private immutable _token;
    IModelRegistry private immutable _models;
    /// @inheritdoc IPayments
    uint64 public immutable genesis;
    /// @inheritdoc IPayments
    uint64 public immutable epochLength;

    /// @inheritdoc IPayments
    uint64 public withdrawDelay;
    /// @dev Totals, packed: epoch (bits 0-31), work (32-135), pendingBurn (136-239), burnBps (240-255).
    uint256 private _totalsSlot;
    /// @inheritdoc IPayments
    mapping(address receiver => uint256) public royaltiesOwed;

    mapping(address payer => Account) private _accounts;
    mapping(address payer => mapping(address provider => Reserve)) private _allocations;
    mapping(bytes32 channel => uint256) private _paid;
    /// @dev A provider's work (low 128 bits) and booked burn (high 128 bits) in one epoch, in one slot.
    mapping(uint64 epoch => mapping(address provider => uint256)) private _work;
    /// @dev Total work of epochs before the one in `_totalsSlot` (written when the next epoch's first redemption
    /// comes; epochs without work stay zero).
    mapping(uint64 epoch => uint256) private _pastTotalWork;
    /// @inheritdoc IPayments
    /// @dev In its own slot with `verificationShareBps`, read only when the burn is flushed: redeem's hot
    /// path never loads it.
    address public verificationFees;
    /// @inheritdoc IPayments
    uint16 public verificationShareBps;

    constructor(
        address owner_,
        IMeshToken token_,
        IModelRegistry models_,
        uint16 burnBps_,
        uint64 withdrawDelay_,
        uint64 genesis_,
        uint64 epochLength_
    ) Ownable(owner_) EIP712("InferMesh Payments", "2") {
        if (address(token_) == address(0) || address(models_) == address(0)) {
            revert ZeroAddress();
        }
        if (!Epochs.isValidLength(epochLength_)) {
            revert ParameterOutOfRange("epochLength", epochLength_, Epochs.MIN_EPOCH_LENGTH, Epochs.MAX_EPOCH_LENGTH);
        }
        _token = token_;
        _models = models_;
        genesis = genesis_;
        epochLength = epochLength_;
        _setBurnBps(burnBps_);
        _setWithdrawDelay(models_, withdrawDelay_);
    }

    // --------------------------------------------------------------- deposits

    /// @inheritdoc IPayments
    function deposit(uint256 amount) external {
        _credit(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPayments
    function depositFor(address payer, uint256 amount) external {
        if (payer == address(0)) revert ZeroAddress();
        _credit(payer, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPayments
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        // A front-runner may have used the permit already; the allowance then exists and the
        // transfer below still succeeds, so a failed permit is not fatal by itself.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _credit(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IPayments
    function allocate(Allocation[] calldata allocations) external {
        _allocate(msg.sender, allocations);
    }

    /// @inheritdoc IPayments
    function depositAndAllocate(uint256 amount, Allocation[] calldata allocations) external {
        _credit(msg.sender, amount);
        _allocate(msg.sender, allocations);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    // ------------------------------------------------------ releases, withdrawals

    /// @inheritdoc IPayments
    function requestRelease(address provider, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Reserve storage reserve = _allocations[msg.sender][provider];
        uint256 allocation = reserve.amount;
        if (amount > allocation) revert InsufficientAllocation(allocation, amount);
        uint32 unlockAt = (block.timestamp + withdrawDelay).toUint32();
        // amount <= allocation, which fits in 112 bits.
        reserve.releasing = uint112(amount);
        reserve.releaseAt = unlockAt;
        emit ReleaseRequested(msg.sender, provider, amount, unlockAt);
    }

    /// @inheritdoc IPayments
    function cancelRelease(address provider) external {
        Reserve storage reserve = _allocations[msg.sender][provider];
        if (reserve.releasing == 0) revert NoReleaseRequested(msg.sender, provider);
        reserve.releasing = 0;
        reserve.releaseAt = 0;
        emit ReleaseCancelled(msg.sender, provider);
    }

    /// @inheritdoc IPayments
    function release(address provider) external returns (uint256 amount) {
        Reserve memory reserve = _allocations[msg.sender][provider];
        if (reserve.releasing == 0) revert NoReleaseRequested(msg.sender, provider);
        if (block.timestamp < reserve.releaseAt) revert ReleaseLocked(reserve.releaseAt);
        // Redemptions during the wait may have spent part of what was asked back.
        amount = reserve.releasing < reserve.amount ? reserve.releasing : reserve.amount;
        // amount <= reserve.amount; the deposit grows by at most what the allocation held.
        _allocations[msg.sender][provider] = Reserve(uint112(reserve.amount - amount), 0, 0);
        Account storage account = _accounts[msg.sender];
        account.balance = (uint256(account.balance) + amount).toUint112();
        emit Released(msg.sender, provider, amount);
    }

    /// @inheritdoc IPayments
    function requestWithdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Account storage account = _accounts[msg.sender];
        // A new request replaces the pending one: its amount counts as deposit again.
        uint256 available = uint256(account.balance) + account.withdrawing;
        if (amount > available) revert InsufficientBalance(available, amount);
        uint32 unlockAt = (block.timestamp + withdrawDelay).toUint32();
        // Both parts are at most `available`, itself the sum of two 112-bit values that fit again once split.
        account.balance = (available - amount).toUint112();
        account.withdrawing = amount.toUint112();
        account.unlockAt = unlockAt;
        emit WithdrawRequested(msg.sender, amount, unlockAt);
    }

    /// @inheritdoc IPayments
    function cancelWithdraw() external {
        Account memory account = _accounts[msg.sender];
        if (account.withdrawing == 0) revert NoWithdrawalRequested(msg.sender);
        _accounts[msg.sender] = Account((uint256(account.balance) + account.withdrawing).toUint112(), 0, 0);
        emit WithdrawCancelled(msg.sender);
    }

    /// @inheritdoc IPayments
    function withdraw() external returns (uint256 amount) {
        Account storage account = _accounts[msg.sender];
        amount = account.withdrawing;
        if (amount == 0) revert NoWithdrawalRequested(msg.sender);
        uint32 unlockAt = account.unlockAt;
        if (block.timestamp < unlockAt) revert WithdrawalLocked(unlockAt);
        account.withdrawing = 0;
        account.unlockAt = 0;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------- redemption

    /// @inheritdoc IPayments
    function redeem(Voucher calldata voucher, bytes calldata signature) external returns (uint256 amount) {
        address provider = voucher.provider;
        if (provider == address(0)) revert ZeroAddress();
        Totals memory totals = _loadTotals();
        Batch memory batch;
        batch.burnBps = totals.burnBps;
        amount = _redeem(voucher, signature, batch, true);
        _settle(totals, batch, provider);
    }

    /// @inheritdoc IPayments
    function redeemBatch(SignedVoucher[] calldata vouchers) external returns (uint256 amount) {
        if (vouchers.length == 0) revert EmptyBatch();
        address provider = vouchers[0].voucher.provider;
        if (provider == address(0)) revert ZeroAddress();
        Totals memory totals = _loadTotals();
        Batch memory batch;
        batch.burnBps = totals.burnBps;
        for (uint256 i; i < vouchers.length; ++i) {
            SignedVoucher calldata signed = vouchers[i];
            if (signed.voucher.provider != provider) {
                _skip(signed.voucher, ProviderMismatch.selector);
                continue;
            }
            _redeem(signed.voucher, signed.signature, batch, false);
        }
        amount = batch.amount;
        _settle(totals, batch, provider);
    }

    /// @inheritdoc IPayments
    function payFor(address provider, bytes32 modelId, uint256 amount) external {
        if (provider == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        // amount must fit where a redemption's would (an allocation's 112 bits): the split below relies on it.
        amount.toUint112();
        Totals memory totals = _loadTotals();
        Batch memory batch;
        batch.burnBps = totals.burnBps;
        // cumulativeAmount 0 marks a payment, not a redemption (which always names a cumulative amount > 0).
        _split(msg.sender, provider, modelId, 0, amount, amount, batch);
        _token.safeTransferFrom(msg.sender, address(this), amount);
        _settle(totals, batch, provider);
    }

    /// @inheritdoc IPayments
    function claimRoyalties(address receiver) external returns (uint256 amount) {
        amount = royaltiesOwed[receiver];
        if (amount == 0) revert ZeroAmount();
        royaltiesOwed[receiver] = 0;
        emit RoyaltiesClaimed(receiver, amount);
        _token.safeTransfer(receiver, amount);
    }

    /// @inheritdoc IPayments
    function flushBurn() external returns (uint256 amount) {
        Totals memory totals = _loadTotals();
        amount = totals.pendingBurn;
        if (amount == 0) revert ZeroAmount();
        totals.pendingBurn = 0;
        _storeTotals(totals);
        _flush(amount);
    }

    // ------------------------------------------------------------- parameters

    /// @inheritdoc IPayments
    function setBurnBps(uint16 burnBps_) external onlyOwner {
        _setBurnBps(burnBps_);
    }

    /// @inheritdoc IPayments
    function setWithdrawDelay(uint64 withdrawDelay_) external onlyOwner {
        _setWithdrawDelay(_models, withdrawDelay_);
    }

    /// @inheritdoc IPayments
    function setVerificationFees(address verificationFees_) external onlyOwner {
        if (verificationFees_ == address(0)) revert ZeroAddress();
        address current = verificationFees;
        if (current != address(0)) revert VerificationFeesAlreadySet(current);
        // A contract of another token would make every flush revert, for good (it is set once).
        address feesToken = IVerificationFees(verificationFees_).token();
        if (feesToken != address(_token)) revert TokenMismatch(address(_token), feesToken);
        verificationFees = verificationFees_;
        emit VerificationFeesSet(verificationFees_);
    }

    /// @inheritdoc IPayments
    /// @dev Named without "Bps" on purpose: with this selector, adding VerificationFees' four functions
    /// leaves the dispatch of `redeem` and `redeemBatch` at the same comparisons as before (no gas added).
    function setVerificationShare(uint16 verificationShareBps_) external onlyOwner {
        if (verificationShareBps_ > MAX_VERIFICATION_SHARE_BPS) {
            revert ParameterOutOfRange("verificationShareBps", verificationShareBps_, 0, MAX_VERIFICATION_SHARE_BPS);
        }
        verificationShareBps = verificationShareBps_;
        emit VerificationShareBpsSet(verificationShareBps_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPayments
    function balanceOf(address payer) external view returns (uint256) {
        return _accounts[payer].balance;
    }

    /// @inheritdoc IPayments
    function allocationOf(address payer, address provider)
        external
        view
        returns (uint256 amount, uint256 releasing, uint64 releaseAt)
    {
        Reserve memory reserve = _allocations[payer][provider];
        return (reserve.amount, reserve.releasing, reserve.releaseAt);
    }

    /// @inheritdoc IPayments
    function withdrawal(address payer) external view returns (uint256 amount, uint64 unlockAt) {
        Account memory account = _accounts[payer];
        return (account.withdrawing, account.unlockAt);
    }

    /// @inheritdoc IPayments
    function paid(address payer, address provider, bytes32 modelId) external view returns (uint256) {
        return _paid[_channel(payer, provider, modelId)];
    }

    /// @inheritdoc IPayments
    function workOf(uint64 epoch, address provider) external view returns (uint256) {
        return uint128(_work[epoch][provider]);
    }

    /// @inheritdoc IPayments
    function burnedOf(uint64 epoch, address provider) external view returns (uint256) {
        return _work[epoch][provider] >> 128;
    }

    /// @inheritdoc IPayments
    function totalWork(uint64 epoch) external view returns (uint256) {
        Totals memory totals = _loadTotals();
        if (epoch == totals.epoch) return totals.work;
        return _pastTotalWork[epoch];
    }

    /// @inheritdoc IPayments
    function pendingBurn() external view returns (uint256) {
        return _loadTotals().pendingBurn;
    }

    /// @inheritdoc IPayments
    function burnBps() external view returns (uint16) {
        return _loadTotals().burnBps;
    }

    /// @inheritdoc IPayments
    function hashVoucher(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(VOUCHER_TYPEHASH, voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount)
            )
        );
    }

    /// @inheritdoc IPayments
    function currentEpoch() public view returns (uint64) {
        return Epochs.current(genesis, epochLength);
    }

    /// @inheritdoc IPayments
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IPayments
    function modelRegistry() external view returns (address) {
        return address(_models);
    }

    // --------------------------------------------------------------- internal

    /// @dev Adds `amount` to `payer`'s unallocated deposit; the caller pulls the tokens afterwards.
    function _credit(address payer, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        Account storage account = _accounts[payer];
        account.balance = (uint256(account.balance) + amount).toUint112();
        emit Deposited(payer, msg.sender, amount);
    }

    /// @dev Moves parts of `payer`'s unallocated deposit to its allocations.
    function _allocate(address payer, Allocation[] calldata allocations) private {
        if (allocations.length == 0) revert EmptyBatch();
        Account storage account = _accounts[payer];
        uint256 balance = account.balance;
        for (uint256 i; i < allocations.length; ++i) {
            address provider = allocations[i].provider;
            uint256 amount = allocations[i].amount;
            if (provider == address(0)) revert ZeroAddress();
            if (amount == 0) revert ZeroAmount();
            if (amount > balance) revert InsufficientBalance(balance, amount);
            // amount <= balance was checked above.
            unchecked {
                balance -= amount;
            }
            Reserve storage reserve = _allocations[payer][provider];
            uint256 allocation = uint256(reserve.amount) + amount;
            reserve.amount = allocation.toUint112();
            emit Allocated(payer, provider, amount, allocation);
        }
        // balance only went down from a 112-bit value.
        account.balance = uint112(balance);
    }

    /// @dev Checks one voucher and pays from its allocation: moves the channel's paid mark and the
    /// allocation, books burn and royalty into `batch`, and emits Redeemed (and Shortfall). A voucher that
    /// cannot pay reverts when `strict`, else is skipped with RedeemSkipped. No external call that can
    /// change state happens here (royaltyInfo and EIP-1271 are static calls).
    /// @return amount What left the allocation.
    function _redeem(Voucher calldata voucher, bytes calldata signature, Batch memory batch, bool strict)
        private
        returns (uint256 amount)
    {
        address payer = voucher.payer;
        bytes32 channel = _channel(payer, voucher.provider, voucher.modelId);
        uint256 alreadyPaid = _paid[channel];
        if (voucher.cumulativeAmount <= alreadyPaid) {
            if (strict) {
                revert NothingToRedeem(payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, alreadyPaid);
            }
            _skip(voucher, NothingToRedeem.selector);
            return 0;
        }
        Reserve storage reserve = _allocations[payer][voucher.provider];
        uint256 allocation = reserve.amount;
        if (allocation == 0) {
            if (strict) revert AllocationEmpty(payer, voucher.provider);
            _skip(voucher, AllocationEmpty.selector);
            return 0;
        }
        if (!SignatureRule.isValid(payer, hashVoucher(voucher), signature)) {
            if (strict) revert InvalidSignature(payer);
            _skip(voucher, InvalidSignature.selector);
            return 0;
        }
        uint256 owed;
        // cumulativeAmount > alreadyPaid was checked above; amount <= allocation, and
        // alreadyPaid + amount <= cumulativeAmount, so neither line can wrap.
        unchecked {
            owed = voucher.cumulativeAmount - alreadyPaid;
            amount = owed < allocation ? owed : allocation;
            _paid[channel] = alreadyPaid + amount;
            reserve.amount = uint112(allocation - amount);
        }
        _split(payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, amount, owed, batch);
    }

    /// @dev The burn (rounded up) and royalty (rounded down) shares of `amount`, added to the batch's
    /// sums; royalties for one receiver accumulate in memory and are credited when the receiver changes
    /// or the batch ends. The model's terms are read once per run of payments for the same model. Every
    /// payment is split here, so a redemption and `payFor` split alike: a redemption (cumulativeAmount > 0)
    /// emits Redeemed, and Shortfall when `amount < owed`; `payFor` (cumulativeAmount 0) emits Paid with
    /// `payer` the caller.
    function _split(
        address payer,
        address provider,
        bytes32 modelId,
        uint256 cumulativeAmount,
        uint256 amount,
        uint256 owed,
        Batch memory batch
    ) private {
        // amount < 2^112 (an allocation, or checked by payFor) and burnBps <= 5000: no overflow.
        uint256 burned = (amount * batch.burnBps + (BPS - 1)) / BPS;
        uint256 royalty;
        if (!batch.cached || batch.modelId != modelId) {
            (batch.receiver, batch.royaltyBps) = _models.royaltyInfo(modelId);
            batch.modelId = modelId;
            batch.cached = true;
        }
        if (batch.royaltyBps != 0) {
            royalty = amount * batch.royaltyBps / BPS;
            if (batch.owedTo != batch.receiver) {
                if (batch.owed != 0) royaltiesOwed[batch.owedTo] += batch.owed;
                batch.owedTo = batch.receiver;
                batch.owed = 0;
            }
            batch.owed += royalty;
        }
        batch.amount += amount;
        batch.burned += burned;
        // burned + royalty <= amount: burnBps + royaltyBps <= 8000, and ceil(x) + floor(y) <= x + y + 1.
        batch.toProvider += amount - burned - royalty;
        if (cumulativeAmount == 0) {
            emit Paid(payer, provider, modelId, amount, burned, royalty);
            return;
        }
        emit Redeemed(payer, provider, modelId, cumulativeAmount, amount, burned, royalty);
        if (amount < owed) emit Shortfall(payer, provider, modelId, owed - amount);
    }

    /// @dev Credits the last royalties, books the work and burn of the call to `provider` in the current
    /// epoch (one write to its record, one to the totals), then pays the provider. Nothing is written
    /// when nothing was paid.
    function _settle(Totals memory totals, Batch memory batch, address provider) private {
        if (batch.owed != 0) royaltiesOwed[batch.owedTo] += batch.owed;
        uint256 amount = batch.amount;
        if (amount == 0) return;
        uint256 burned = batch.burned;
        uint64 epoch = currentEpoch();
        if (totals.epoch != epoch) {
            if (totals.work != 0) _pastTotalWork[totals.epoch] = totals.work;
            totals.epoch = uint256(epoch).toUint32();
            totals.work = 0;
        }
        totals.work = (uint256(totals.work) + amount).toUint104();
        uint256 flushNow;
        uint256 pending = uint256(totals.pendingBurn) + burned;
        if (pending > type(uint104).max) {
            // Burn what was booked so far now rather than overflow; burned <= amount fits in 104 bits.
            flushNow = totals.pendingBurn;
            pending = burned;
        }
        totals.pendingBurn = uint104(pending);
        _storeTotals(totals);
        uint256 record = _work[epoch][provider];
        // A record's sums are bounded by its epoch's total work, which passed the 104-bit check above.
        _work[epoch][provider] = ((record >> 128) + burned) << 128 | (uint128(record) + amount);
        if (flushNow != 0) _flush(flushNow);
        if (batch.toProvider != 0) _token.safeTransfer(provider, batch.toProvider);
    }

    /// @dev Sends `verificationShareBps` of `amount` (rounded down) to VerificationFees' current pool when
    /// a fees contract is set and the share is not zero, and burns the rest. `amount` was taken off the
    /// booked burn already. Emits BurnFlushed(amount), and BurnShared for the share.
    function _flush(uint256 amount) private {
        emit BurnFlushed(amount);
        address fees = verificationFees;
        uint256 share;
        if (fees != address(0)) {
            // amount < 2^104 and the share is at most 5000 bps: no overflow.
            share = amount * verificationShareBps / BPS;
            if (share != 0) {
                emit BurnShared(fees, share);
                _token.forceApprove(fees, share);
                IVerificationFees(fees).fund(share);
            }
        }
        // share <= amount / 2.
        unchecked {
            if (amount - share != 0) _token.burn(amount - share);
        }
    }

    function _skip(Voucher calldata voucher, bytes4 reason) private {
        emit RedeemSkipped(voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, reason);
    }

    function _channel(address payer, address provider, bytes32 modelId) private pure returns (bytes32 channel) {
        // keccak256(abi.encode(payer, provider, modelId)) without the memory expansion.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, payer)
            mstore(add(ptr, 0x20), provider)
            mstore(add(ptr, 0x40), modelId)
            channel := keccak256(ptr, 0x60)
        }
    }

    function _setBurnBps(uint16 value) private {
        if (value > MAX_BURN_BPS) revert ParameterOutOfRange("burnBps", value, 0, MAX_BURN_BPS);
        Totals memory totals = _loadTotals();
        totals.burnBps = value;
        _storeTotals(totals);
        emit BurnBpsSet(value);
    }

    function _loadTotals() private view returns (Totals memory totals) {
        uint256 word = _totalsSlot;
        totals.epoch = uint32(word);
        totals.work = uint104(word >> 32);
        totals.pendingBurn = uint104(word >> 136);
        totals.burnBps = uint16(word >> 240);
    }

    function _storeTotals(Totals memory totals) private {
        _totalsSlot = uint256(totals.epoch) | uint256(totals.work) << 32 | uint256(totals.pendingBurn) << 136
            | uint256(totals.burnBps) << 240;
    }

    /// @dev `models` is passed in because the constructor cannot read the `_models` immutable yet.
    function _setWithdrawDelay(IModelRegistry models, uint64 value) private {
        uint256 max = MAX_WITHDRAW_DELAY;
        uint256 royaltyDelay = models.royaltyIncreaseDelay();
        uint256 coupled = royaltyDelay > SETTLEMENT_INTERVAL ? royaltyDelay - SETTLEMENT_INTERVAL : 0;
        if (coupled < max) max = coupled;
        if (value < MIN_WITHDRAW_DELAY || value > max) {
            revert ParameterOutOfRange("withdrawDelay", value, MIN_WITHDRAW_DELAY, max);
        }
        withdrawDelay = value;
        emit WithdrawDelaySet(value);
    }
}
