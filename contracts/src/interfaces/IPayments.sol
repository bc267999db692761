// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPayments
/// @notice Post-paid payment channels with deposits reserved per provider.
///
/// A payer deposits MESH, then allocates parts of its deposit to the providers it uses. Only a provider
/// can draw on the allocation made to it: for each channel (payer, provider, model) the payer signs
/// vouchers carrying the cumulative amount owed for completed work, and a redemption pays the difference to
/// what the channel was already paid, never more than the allocation of (payer, provider). Unallocated
/// deposit cannot be redeemed by anyone. Taking an allocation back (`requestRelease`, then `release`) and
/// taking deposit out (`requestWithdraw`, then `withdraw`) both wait `withdrawDelay`; during a release's
/// wait the provider can still redeem against the whole allocation. So a provider that reads
/// `allocationOf(payer, provider)` before serving, serves only what the allocation covers (its unpaid work
/// beyond the last voucher bounded by its own credit limit), and redeems before a pending release unlocks,
/// is paid for every voucher whatever the payer does.
///
/// A share of every payment is burned (`burnBps`, rounded up; booked at once and burned by `flushBurn`) and
/// a share goes to the model's royalty receiver (ModelRegistry, whose royalty increases are timelocked past
/// `withdrawDelay` plus a settlement interval). Every redemption also counts what it paid as the provider's
/// work in the current epoch, and the burn it booked as the provider's burn (`workOf`, `burnedOf`,
/// `totalWork`), which Emissions rewards once the epoch's challenge window has passed.
///
/// Signatures follow SignatureRule: ECDSA (v 27/28, low s) first, EIP-1271 only when ECDSA fails.
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

    /// @notice An amount of deposit to move to the allocation of `provider`.
    struct Allocation {
        address provider;
        uint256 amount;
    }

    /// @notice An amount of zero was given where a positive amount is needed.
    error ZeroAmount();
    /// @notice The zero address was given where an account is needed.
    error ZeroAddress();
    /// @notice The signature is not the payer's over this voucher on this chain and contract.
    error InvalidSignature(address payer);
    /// @notice The channel was already paid at least this voucher's cumulative amount.
    error NothingToRedeem(address payer, address provider, bytes32 modelId, uint256 cumulativeAmount, uint256 paid);
    /// @notice Nothing is allocated by `payer` to `provider`, so the voucher cannot pay anything now.
    error AllocationEmpty(address payer, address provider);
    /// @notice Every voucher in a batch must name the batch's provider (the first voucher's).
    error ProviderMismatch(address expected, address actual);
    /// @notice A batch needs at least one entry.
    error EmptyBatch();
    /// @notice The payer's unallocated deposit is smaller than the amount asked for (for `requestWithdraw`,
    /// `balance` also counts the pending withdrawal the request replaces).
    error InsufficientBalance(uint256 balance, uint256 amount);
    /// @notice The allocation is smaller than the amount asked for.
    error InsufficientAllocation(uint256 allocation, uint256 amount);
    /// @notice No withdrawal was requested.
    error NoWithdrawalRequested(address payer);
    /// @notice The withdrawal delay has not passed yet.
    error WithdrawalLocked(uint64 unlockAt);
    /// @notice No release of `payer`'s allocation to `provider` was requested.
    error NoReleaseRequested(address payer, address provider);
    /// @notice The release delay has not passed yet.
    error ReleaseLocked(uint64 unlockAt);
    /// @notice The VerificationFees contract was set already and can never change.
    error VerificationFeesAlreadySet(address verificationFees);
    /// @notice The contract given holds another token than this one's MESH.
    error TokenMismatch(address expected, address actual);
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);

    /// @notice `from` added `amount` to `payer`'s unallocated deposit.
    event Deposited(address indexed payer, address indexed from, uint256 amount);
    /// @notice `payer` moved `amount` of its deposit to its allocation to `provider`, which is now `allocation`.
    event Allocated(address indexed payer, address indexed provider, uint256 amount, uint256 allocation);
    /// @notice `payer` asked to take `amount` of its allocation to `provider` back after `unlockAt`.
    /// The provider should redeem before then; it can until the release is completed.
    event ReleaseRequested(address indexed payer, address indexed provider, uint256 amount, uint64 unlockAt);
    /// @notice `payer` cancelled its pending release from `provider`.
    event ReleaseCancelled(address indexed payer, address indexed provider);
    /// @notice `amount` went from `payer`'s allocation to `provider` back to its unallocated deposit.
    event Released(address indexed payer, address indexed provider, uint256 amount);
    /// @notice `payer` moved `amount` of its unallocated deposit aside to withdraw it after `unlockAt`.
    event WithdrawRequested(address indexed payer, uint256 amount, uint64 unlockAt);
    /// @notice `payer` cancelled its pending withdrawal; the amount is back in its unallocated deposit.
    event WithdrawCancelled(address indexed payer);
    /// @notice `payer` withdrew `amount`.
    event Withdrawn(address indexed payer, uint256 amount);
    /// @notice A voucher was redeemed: `amount` left the payer's allocation to the provider, of which
    /// `burned` was booked for burning, `royalty` was credited to the model's royalty receiver and the rest
    /// went to the provider.
    event Redeemed(
        address indexed payer,
        address indexed provider,
        bytes32 indexed modelId,
        uint256 cumulativeAmount,
        uint256 amount,
        uint256 burned,
        uint256 royalty
    );
    /// @notice The allocation did not cover a voucher: `unpaid` is still owed and can be redeemed after
    /// the payer allocates more.
    event Shortfall(address indexed payer, address indexed provider, bytes32 indexed modelId, uint256 unpaid);
    /// @notice `redeemBatch` skipped a voucher it could not pay. `reason` is the selector of the error
    /// `redeem` would have reverted with: InvalidSignature, NothingToRedeem, AllocationEmpty or
    /// ProviderMismatch.
    event RedeemSkipped(
        address indexed payer,
        address indexed provider,
        bytes32 indexed modelId,
        uint256 cumulativeAmount,
        bytes4 reason
    );
    /// @notice `payer` paid `amount` to `provider` for work on `modelId` straight from its wallet
    /// (`payFor`): split as a redemption, `burned` booked for burning and `royalty` credited to the model's
    /// royalty receiver, the rest sent to the provider.
    event Paid(
        address indexed payer,
        address indexed provider,
        bytes32 indexed modelId,
        uint256 amount,
        uint256 burned,
        uint256 royalty
    );
    /// @notice Royalties credited to `receiver` were paid out.
    event RoyaltiesClaimed(address indexed receiver, uint256 amount);
    /// @notice `amount` of burn booked by redemptions was flushed: burned, except the share sent to
    /// VerificationFees in the same transaction (BurnShared).
    event BurnFlushed(uint256 amount);
    /// @notice `amount` of a flush went to `verificationFees`' current epoch pool instead of being burned.
    event BurnShared(address indexed verificationFees, uint256 amount);
    /// @notice The VerificationFees contract that receives a share of the flushed burn was set (once).
    event VerificationFeesSet(address indexed verificationFees);
    /// @notice A parameter changed.
    event VerificationShareBpsSet(uint16 verificationShareBps);
    /// @notice A parameter changed.
    event BurnBpsSet(uint16 burnBps);
    /// @notice A parameter changed.
    event WithdrawDelaySet(uint64 withdrawDelay);

    /// @notice Adds `amount` (pulled from the caller) to the caller's unallocated deposit.
    function deposit(uint256 amount) external;

    /// @notice Adds `amount` (pulled from the caller) to `payer`'s unallocated deposit.
    function depositFor(address payer, uint256 amount) external;

    /// @notice Approves with an EIP-2612 permit and deposits in one transaction.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Moves parts of the caller's unallocated deposit to its allocations to many providers.
    function allocate(Allocation[] calldata allocations) external;

    /// @notice Deposits `amount` (pulled from the caller), then allocates as `allocate` does; the
    /// allocations may use older unallocated deposit too.
    function depositAndAllocate(uint256 amount, Allocation[] calldata allocations) external;

    /// @notice Asks to take `amount` of the caller's allocation to `provider` back once `withdrawDelay`
    /// has passed. Replaces any pending release from that provider and restarts the delay. The provider
    /// can redeem against the whole allocation until `release`.
    function requestRelease(address provider, uint256 amount) external;

    /// @notice Cancels the caller's pending release from `provider`.
    function cancelRelease(address provider) external;

    /// @notice After the delay, moves the pending release (at most what redemptions left of the
    /// allocation) back to the caller's unallocated deposit.
    /// @return amount What moved.
    function release(address provider) external returns (uint256 amount);

    /// @notice Moves `amount` of the caller's unallocated deposit aside, to be withdrawn once
    /// `withdrawDelay` has passed. Replaces any pending withdrawal (its amount returns to the deposit first)
    /// and restarts the delay.
    function requestWithdraw(uint256 amount) external;

    /// @notice Cancels the pending withdrawal; its amount returns to the unallocated deposit.
    function cancelWithdraw() external;

    /// @notice Pays out the pending withdrawal after the delay.
    /// @return amount What was paid out.
    function withdraw() external returns (uint256 amount);

    /// @notice Redeems one voucher against the payer's allocation to the voucher's provider; anyone may
    /// submit it, the provider is paid. Reverts when it cannot pay anything (InvalidSignature,
    /// NothingToRedeem, AllocationEmpty).
    /// @return amount What left the allocation (less than owed when the allocation ran short).
    function redeem(Voucher calldata voucher, bytes calldata signature) external returns (uint256 amount);

    /// @notice Redeems many channels of one provider (the first voucher's). A voucher that cannot pay
    /// (bad signature, nothing to redeem, empty allocation, other provider) is skipped with RedeemSkipped;
    /// the batch never reverts for it.
    /// @return amount The total that left payers' allocations.
    function redeemBatch(SignedVoucher[] calldata vouchers) external returns (uint256 amount);

    /// @notice Pays `amount` (pulled from the caller) to `provider` for work on `modelId`, split exactly as
    /// a redemption of `amount` is: the burn (rounded up) booked, the royalty credited to the model's
    /// receiver, work and burn booked to the provider in the current epoch, the rest sent to the provider.
    /// Anyone may call (JobCoordinator pays its jobs with it); paying oneself costs the burn, as a
    /// self-paid voucher does.
    function payFor(address provider, bytes32 modelId, uint256 amount) external;

    /// @notice Pays the royalties credited to `receiver` to `receiver`. Anyone may call.
    function claimRoyalties(address receiver) external returns (uint256 amount);

    /// @notice Flushes the burn booked by redemptions so far: `verificationShareBps` of it (rounded down)
    /// goes to VerificationFees' current epoch pool (`fund`) when a fees contract is set, the rest is
    /// burned. Anyone may call.
    /// @return amount What was flushed (burned and shared together).
    function flushBurn() external returns (uint256 amount);

    /// @notice Names the VerificationFees contract that receives `verificationShareBps` of every flushed
    /// burn. Only the owner, only once; it must hold the same token.
    function setVerificationFees(address verificationFees) external;

    /// @notice Sets `verificationShareBps`. Only the owner; at most 5000 (half the burn). Applies to flushes after it
    /// (a share of what is booked then, whenever it was booked). Zero burns everything.
    function setVerificationShare(uint16 verificationShareBps) external;

    /// @notice Only the owner; at most `MAX_BURN_BPS`. Applies to redemptions made after it.
    function setBurnBps(uint16 burnBps) external;

    /// @notice Only the owner; between `MIN_WITHDRAW_DELAY` and the smaller of `MAX_WITHDRAW_DELAY` and
    /// ModelRegistry's `royaltyIncreaseDelay` minus `SETTLEMENT_INTERVAL`. Applies to requests made after it.
    function setWithdrawDelay(uint64 withdrawDelay) external;

    /// @notice What left allocations to `provider` in redemptions made during `epoch` (burn and
    /// royalty included): the provider's paid work in that epoch.
    function workOf(uint64 epoch, address provider) external view returns (uint256);

    /// @notice The burn booked by `provider`'s redemptions made during `epoch` (each rounded up).
    function burnedOf(uint64 epoch, address provider) external view returns (uint256);

    /// @notice The sum of `workOf(epoch, provider)` over every provider.
    function totalWork(uint64 epoch) external view returns (uint256);

    /// @notice Start of epoch 0 (seconds since the Unix epoch).
    function genesis() external view returns (uint64);
    /// @notice Length of an epoch in seconds.
    function epochLength() external view returns (uint64);
    /// @notice `(block.timestamp - genesis) / epochLength`.
    function currentEpoch() external view returns (uint64);

    /// @notice The payer's unallocated deposit (pending withdrawal and allocations not included).
    function balanceOf(address payer) external view returns (uint256);

    /// @notice The payer's allocation to `provider`; `releasing` of it is asked back from `releaseAt`
    /// (zero when no release is pending). The provider can draw on all of `amount` until the release.
    function allocationOf(address payer, address provider)
        external
        view
        returns (uint256 amount, uint256 releasing, uint64 releaseAt);

    /// @notice The payer's pending withdrawal (zero amount when none), already out of `balanceOf`.
    function withdrawal(address payer) external view returns (uint256 amount, uint64 unlockAt);

    /// @notice What the channel has been paid so far.
    function paid(address payer, address provider, bytes32 modelId) external view returns (uint256);

    /// @notice Royalties credited to `receiver` and not yet claimed.
    function royaltiesOwed(address receiver) external view returns (uint256);

    /// @notice Burn booked by redemptions and not yet flushed.
    function pendingBurn() external view returns (uint256);

    /// @notice The EIP-712 digest the payer signs for `voucher`.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    function token() external view returns (address);
    function modelRegistry() external view returns (address);
    function burnBps() external view returns (uint16);
    function withdrawDelay() external view returns (uint64);
    /// @notice The VerificationFees contract funded by flushes (zero until set: everything burns).
    function verificationFees() external view returns (address);
    /// @notice The share of a flushed burn sent to VerificationFees, in basis points.
    function verificationShareBps() external view returns (uint16);
}
