// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPayments
/// @notice Post-paid payment channels. A payer deposits MESH; for each channel (payer, provider, model)
/// it signs vouchers carrying the cumulative amount owed for completed work. The provider redeems its
/// highest voucher: the contract pays the difference to what the channel was already paid, never more
/// than the payer's deposit. A share of every payment is burned and a share goes to the model's royalty
/// receiver. A payer leaves through a withdrawal delay, which gives providers time to redeem.
/// Every redemption also counts what left the payer's deposit as the provider's work in the current
/// epoch (`workOf`, `totalWork`), which Emissions rewards once the epoch's challenge window has passed.
interface IPayments {
    /// @notice EIP-712 `Voucher(address payer,address provider,bytes32 modelId,uint256 cumulativeAmount)`.
    struct Voucher {
        address payer;
        address provider;
        bytes32 modelId;
        uint256 cumulativeAmount;
    }

    /// @notice A voucher with the payer's signature (65-byte ECDSA, or anything an EIP-1271 payer accepts).
    struct SignedVoucher {
        Voucher voucher;
        bytes signature;
    }

    /// @notice An amount of zero was given where a positive amount is needed.
    error ZeroAmount();
    /// @notice The zero address was given where an account is needed.
    error ZeroAddress();
    /// @notice The signature is not the payer's over this voucher on this chain and contract.
    error InvalidSignature(address payer);
    /// @notice The channel was already paid at least this voucher's cumulative amount.
    error NothingToRedeem(address payer, address provider, bytes32 modelId, uint256 cumulativeAmount, uint256 paid);
    /// @notice Every voucher in a batch must name the same provider.
    error ProviderMismatch(address expected, address actual);
    /// @notice A batch needs at least one voucher.
    error EmptyBatch();
    /// @notice The payer's deposit is smaller than the amount asked for.
    error InsufficientBalance(uint256 balance, uint256 amount);
    /// @notice No withdrawal was requested.
    error NoWithdrawalRequested(address payer);
    /// @notice The withdrawal delay has not passed yet.
    error WithdrawalLocked(uint64 unlockAt);
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);

    /// @notice `from` added `amount` to `payer`'s deposit.
    event Deposited(address indexed payer, address indexed from, uint256 amount);
    /// @notice `payer` asked to withdraw `amount` after `unlockAt`. Providers should redeem before then.
    event WithdrawRequested(address indexed payer, uint256 amount, uint64 unlockAt);
    /// @notice `payer` cancelled its pending withdrawal.
    event WithdrawCancelled(address indexed payer);
    /// @notice `payer` withdrew `amount`.
    event Withdrawn(address indexed payer, uint256 amount);
    /// @notice A voucher was redeemed: `amount` left the payer's deposit, of which `burned` was burned,
    /// `royalty` was credited to the model's royalty receiver and the rest went to the provider.
    event Redeemed(
        address indexed payer,
        address indexed provider,
        bytes32 indexed modelId,
        uint256 cumulativeAmount,
        uint256 amount,
        uint256 burned,
        uint256 royalty
    );
    /// @notice The deposit did not cover a voucher: `unpaid` is still owed and can be redeemed after a new deposit.
    event Shortfall(address indexed payer, address indexed provider, bytes32 indexed modelId, uint256 unpaid);
    /// @notice Royalties credited to `receiver` were paid out.
    event RoyaltiesClaimed(address indexed receiver, uint256 amount);
    /// @notice A parameter changed.
    event BurnBpsSet(uint16 burnBps);
    /// @notice A parameter changed.
    event WithdrawDelaySet(uint64 withdrawDelay);

    /// @notice Adds `amount` (pulled from the caller) to the caller's deposit.
    function deposit(uint256 amount) external;

    /// @notice Adds `amount` (pulled from the caller) to `payer`'s deposit.
    function depositFor(address payer, uint256 amount) external;

    /// @notice Approves with an EIP-2612 permit and deposits in one transaction.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Asks to withdraw `amount` once `withdrawDelay` has passed. Replaces any pending request
    /// and restarts the delay. Vouchers stay redeemable against the whole deposit until `withdraw`.
    function requestWithdraw(uint256 amount) external;

    /// @notice Cancels the pending withdrawal.
    function cancelWithdraw() external;

    /// @notice Pays out the pending withdrawal (at most the remaining deposit) after the delay.
    /// @return amount What was paid out.
    function withdraw() external returns (uint256 amount);

    /// @notice Redeems one voucher; anyone may submit it, the provider is paid.
    /// @return amount What left the payer's deposit (less than owed when the deposit ran short).
    function redeem(Voucher calldata voucher, bytes calldata signature) external returns (uint256 amount);

    /// @notice Redeems many channels of one provider. Vouchers already paid are skipped, not reverted,
    /// so a batch survives a voucher redeemed by someone else first.
    /// @return amount The total that left payers' deposits.
    function redeemBatch(SignedVoucher[] calldata vouchers) external returns (uint256 amount);

    /// @notice Pays the royalties credited to `receiver` to `receiver`. Anyone may call.
    function claimRoyalties(address receiver) external returns (uint256 amount);

    /// @notice Only the owner; at most `MAX_BURN_BPS`.
    function setBurnBps(uint16 burnBps) external;

    /// @notice Only the owner; between `MIN_WITHDRAW_DELAY` and `MAX_WITHDRAW_DELAY`.
    function setWithdrawDelay(uint64 withdrawDelay) external;

    /// @notice What left payers' deposits to `provider` in redemptions made during `epoch` (burn and
    /// royalty included): the provider's paid work in that epoch.
    function workOf(uint64 epoch, address provider) external view returns (uint256);

    /// @notice The sum of `workOf(epoch, provider)` over every provider.
    function totalWork(uint64 epoch) external view returns (uint256);

    /// @notice Start of epoch 0 (seconds since the Unix epoch).
    function genesis() external view returns (uint64);
    /// @notice Length of an epoch in seconds.
    function epochLength() external view returns (uint64);
    /// @notice `(block.timestamp - genesis) / epochLength`.
    function currentEpoch() external view returns (uint64);

    /// @notice The payer's deposit.
    function balanceOf(address payer) external view returns (uint256);

    /// @notice The payer's pending withdrawal (zero amount when none).
    function withdrawal(address payer) external view returns (uint256 amount, uint64 unlockAt);

    /// @notice What the channel has been paid so far.
    function paid(address payer, address provider, bytes32 modelId) external view returns (uint256);

    /// @notice Royalties credited to `receiver` and not yet claimed.
    function royaltiesOwed(address receiver) external view returns (uint256);

    /// @notice The EIP-712 digest the payer signs for `voucher`.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    function token() external view returns (address);
    function modelRegistry() external view returns (address);
    function burnBps() external view returns (uint16);
    function withdrawDelay() external view returns (uint64);
}
