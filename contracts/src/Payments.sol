// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IPayments} from "./interfaces/IPayments.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {Epochs} from "./libraries/Epochs.sol";

/// @title Payments
/// @notice Deposits, cumulative vouchers and their redemption. See IPayments.
/// @dev Invariants:
/// - token.balanceOf(this) == sum of deposits + sum of royalties owed (nothing else is ever sent here
///   except by mistake, which only makes the left side larger);
/// - for every channel, `_paid[channel]` never exceeds the highest cumulative amount the payer signed
///   for it, and never decreases;
/// - a payment of `amount` splits exactly: burned + royalty + provider share == amount;
/// - for every epoch, totalWork(epoch) == sum over providers of workOf(epoch, provider) == the sum of
///   `amount` over the redemptions made during that epoch; past epochs never change.
contract Payments is IPayments, Ownable2Step, EIP712 {
    using SafeERC20 for IMeshToken;

    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address payer,address provider,bytes32 modelId,uint256 cumulativeAmount)");
    uint16 public constant MAX_BURN_BPS = 5000;
    uint64 public constant MIN_WITHDRAW_DELAY = 1 hours;
    uint64 public constant MAX_WITHDRAW_DELAY = 30 days;
    uint256 private constant BPS = 10_000;

    struct Withdrawal {
        uint192 amount;
        uint64 unlockAt;
    }

    IMeshToken private immutable _token;
    IModelRegistry private immutable _models;
    /// @inheritdoc IPayments
    uint64 public immutable genesis;
    /// @inheritdoc IPayments
    uint64 public immutable epochLength;

    /// @inheritdoc IPayments
    uint16 public burnBps;
    /// @inheritdoc IPayments
    uint64 public withdrawDelay;
    /// @inheritdoc IPayments
    mapping(address receiver => uint256) public royaltiesOwed;

    mapping(address payer => uint256) private _balances;
    mapping(address payer => Withdrawal) private _withdrawals;
    mapping(bytes32 channel => uint256) private _paid;
    /// @inheritdoc IPayments
    mapping(uint64 epoch => mapping(address provider => uint256)) public workOf;
    /// @inheritdoc IPayments
    mapping(uint64 epoch => uint256) public totalWork;

    constructor(
        address owner_,
        IMeshToken token_,
        IModelRegistry models_,
        uint16 burnBps_,
        uint64 withdrawDelay_,
        uint64 genesis_,
        uint64 epochLength_
    ) Ownable(owner_) EIP712("InferMesh Payments", "1") {
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
        _setWithdrawDelay(withdrawDelay_);
    }

    // --------------------------------------------------------------- deposits

    /// @inheritdoc IPayments
    function deposit(uint256 amount) external {
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IPayments
    function depositFor(address payer, uint256 amount) external {
        if (payer == address(0)) revert ZeroAddress();
        _deposit(payer, amount);
    }

    /// @inheritdoc IPayments
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        // A front-runner may have used the permit already; the allowance then exists and the
        // transfer below still succeeds, so a failed permit is not fatal by itself.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IPayments
    function requestWithdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = _balances[msg.sender];
        if (amount > balance) revert InsufficientBalance(balance, amount);
        uint64 unlockAt = uint64(block.timestamp) + withdrawDelay;
        // amount <= balance <= token supply, which fits in uint192 for any real token.
        _withdrawals[msg.sender] = Withdrawal(uint192(amount), unlockAt);
        emit WithdrawRequested(msg.sender, amount, unlockAt);
    }

    /// @inheritdoc IPayments
    function cancelWithdraw() external {
        if (_withdrawals[msg.sender].amount == 0) revert NoWithdrawalRequested(msg.sender);
        delete _withdrawals[msg.sender];
        emit WithdrawCancelled(msg.sender);
    }

    /// @inheritdoc IPayments
    function withdraw() external returns (uint256 amount) {
        Withdrawal memory w = _withdrawals[msg.sender];
        if (w.amount == 0) revert NoWithdrawalRequested(msg.sender);
        if (block.timestamp < w.unlockAt) revert WithdrawalLocked(w.unlockAt);
        uint256 balance = _balances[msg.sender];
        // Redemptions since the request may have spent part of it.
        amount = w.amount < balance ? w.amount : balance;
        delete _withdrawals[msg.sender];
        _balances[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, amount);
        if (amount != 0) _token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------- redemption

    /// @inheritdoc IPayments
    function redeem(Voucher calldata voucher, bytes calldata signature) external returns (uint256 amount) {
        uint256 toProvider;
        uint256 burned;
        (amount, toProvider, burned) = _redeem(voucher, signature, true);
        _creditWork(voucher.provider, amount);
        if (burned != 0) _token.burn(burned);
        if (toProvider != 0) _token.safeTransfer(voucher.provider, toProvider);
    }

    /// @inheritdoc IPayments
    function redeemBatch(SignedVoucher[] calldata vouchers) external returns (uint256 amount) {
        if (vouchers.length == 0) revert EmptyBatch();
        address provider = vouchers[0].voucher.provider;
        uint256 toProvider;
        uint256 burned;
        for (uint256 i; i < vouchers.length; ++i) {
            SignedVoucher calldata signed = vouchers[i];
            if (signed.voucher.provider != provider) revert ProviderMismatch(provider, signed.voucher.provider);
            (uint256 paidNow, uint256 providerShare, uint256 burnShare) =
                _redeem(signed.voucher, signed.signature, false);
            // Sums of amounts each bounded by a deposit: cannot overflow.
            unchecked {
                amount += paidNow;
                toProvider += providerShare;
                burned += burnShare;
            }
        }
        _creditWork(provider, amount);
        if (burned != 0) _token.burn(burned);
        if (toProvider != 0) _token.safeTransfer(provider, toProvider);
    }

    /// @inheritdoc IPayments
    function claimRoyalties(address receiver) external returns (uint256 amount) {
        amount = royaltiesOwed[receiver];
        if (amount == 0) revert ZeroAmount();
        royaltiesOwed[receiver] = 0;
        emit RoyaltiesClaimed(receiver, amount);
        _token.safeTransfer(receiver, amount);
    }

    // ------------------------------------------------------------- parameters

    /// @inheritdoc IPayments
    function setBurnBps(uint16 burnBps_) external onlyOwner {
        _setBurnBps(burnBps_);
    }

    /// @inheritdoc IPayments
    function setWithdrawDelay(uint64 withdrawDelay_) external onlyOwner {
        _setWithdrawDelay(withdrawDelay_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPayments
    function balanceOf(address payer) external view returns (uint256) {
        return _balances[payer];
    }

    /// @inheritdoc IPayments
    function withdrawal(address payer) external view returns (uint256 amount, uint64 unlockAt) {
        Withdrawal memory w = _withdrawals[payer];
        return (w.amount, w.unlockAt);
    }

    /// @inheritdoc IPayments
    function paid(address payer, address provider, bytes32 modelId) external view returns (uint256) {
        return _paid[_channel(payer, provider, modelId)];
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

    function _deposit(address payer, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        _balances[payer] += amount;
        emit Deposited(payer, msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @dev Counts `amount` as `provider`'s work in the current epoch; one write per transaction.
    function _creditWork(address provider, uint256 amount) private {
        if (amount == 0) return;
        uint64 epoch = currentEpoch();
        // Both sums are bounded by the total MESH ever deposited, far below 2^256.
        unchecked {
            workOf[epoch][provider] += amount;
            totalWork[epoch] += amount;
        }
    }

    /// @dev Every payment out of a deposit passes here: checks the voucher, moves the channel's paid
    /// mark and the payer's deposit, credits the royalty, and returns what the caller must still
    /// transfer (provider share) and burn. No external call that can change state happens here.
    function _redeem(Voucher calldata voucher, bytes calldata signature, bool revertIfNothing)
        private
        returns (uint256 amount, uint256 toProvider, uint256 burned)
    {
        if (voucher.provider == address(0)) revert ZeroAddress();
        uint256 owed;
        {
            bytes32 channel = _channel(voucher.payer, voucher.provider, voucher.modelId);
            uint256 alreadyPaid = _paid[channel];
            if (voucher.cumulativeAmount <= alreadyPaid) {
                if (revertIfNothing) {
                    revert NothingToRedeem(
                        voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, alreadyPaid
                    );
                }
                return (0, 0, 0);
            }
            if (!SignatureChecker.isValidSignatureNow(voucher.payer, hashVoucher(voucher), signature)) {
                revert InvalidSignature(voucher.payer);
            }
            uint256 balance = _balances[voucher.payer];
            // cumulativeAmount > alreadyPaid was checked above; amount <= balance by construction.
            unchecked {
                owed = voucher.cumulativeAmount - alreadyPaid;
                amount = owed < balance ? owed : balance;
                _paid[channel] = alreadyPaid + amount;
                _balances[voucher.payer] = balance - amount;
            }
        }
        uint256 royalty;
        (burned, royalty) = _split(voucher.modelId, amount);
        // burnBps + royaltyBps <= 5000 + 3000 < 10000, so the provider share is never negative.
        toProvider = amount - burned - royalty;
        emit Redeemed(
            voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount, amount, burned, royalty
        );
        if (amount < owed) emit Shortfall(voucher.payer, voucher.provider, voucher.modelId, owed - amount);
    }

    /// @dev The burn and royalty shares of `amount`; credits the royalty to the model's receiver.
    function _split(bytes32 modelId, uint256 amount) private returns (uint256 burned, uint256 royalty) {
        burned = amount * burnBps / BPS;
        (address receiver, uint256 royaltyBps) = _models.royaltyInfo(modelId);
        if (royaltyBps == 0) return (burned, 0);
        royalty = amount * royaltyBps / BPS;
        royaltiesOwed[receiver] += royalty;
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
        burnBps = value;
        emit BurnBpsSet(value);
    }

    function _setWithdrawDelay(uint64 value) private {
        if (value < MIN_WITHDRAW_DELAY || value > MAX_WITHDRAW_DELAY) {
            revert ParameterOutOfRange("withdrawDelay", value, MIN_WITHDRAW_DELAY, MAX_WITHDRAW_DELAY);
        }
        withdrawDelay = value;
        emit WithdrawDelaySet(value);
    }
}
