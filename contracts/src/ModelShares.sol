// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelShares} from "./interfaces/IModelShares.sol";
import {IPayments} from "./interfaces/IPayments.sol";

/// @title ModelShares
/// @notice Revenue shares of one model: an ERC-20 with a fixed supply whose holders claim the model's
/// royalties pro rata (see IModelShares).
/// @dev Invariants (ghost-checked in ModelSharesInvariant.t.sol):
/// - `totalSupply()` never changes after the constructor (no mint or burn function);
/// - `_pool.totalWeight == Σ weightOf(account)`, kept by `_update`, the only place balances change;
/// - each account has earned `earned(a) = Σ over bookings of weightOf(a) × incomePerUnit increase`, stored as
///   `owed + weightOf(a) × (incomePerUnit − snapshot)`: `_update` settles both sides (owed += …, snapshot =
///   incomePerUnit) before their weights change, so no loop over holders is ever needed;
/// - every booking splits `dust + fresh` into `increase × totalWeight` (added to the accounts) and a
///   remainder below `totalWeight` (the new dust): nothing rounds per account, so
///   Σ claimable + totalClaimed + dust == totalIncome to the wei;
/// - `_books.accounted == Σ claimable + dust` == the MESH balance once pending income is booked.
/// All state of a booking or claim is written before MESH moves; Payments and MESH are trusted contracts
/// of the same deployment (MESH has no transfer hooks), so the external calls cannot re-enter.
contract ModelShares is IModelShares, ERC20 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Balance units per unit of weight: income is split per 1e12 of the 18 decimals (a micro-share).
    uint256 public constant UNIT = 1e12;
    /// @notice The largest total supply: 1e18 whole shares, so weights and per-unit income fit 128 bits.
    uint256 public constant MAX_SUPPLY = 1e36;

    struct Pool {
        uint128 incomePerUnit;
        uint128 totalWeight;
    }

    struct Books {
        /// @dev MESH held for claims and dust: Σ claimable + dust over booked income.
        uint128 accounted;
        uint128 dust;
    }

    struct Account {
        uint128 owed;
        uint128 snapshot;
    }

    /// @inheritdoc IModelShares
    bytes32 public immutable modelId;
    IPayments private immutable _payments;
    IERC20 private immutable _mesh;

    Pool private _pool;
    Books private _books;
    /// @inheritdoc IModelShares
    uint256 public totalClaimed;
    mapping(address account => Account) private _accounts;

    /// @param holder Receives the whole supply (the factory, which hands it to the offering and the owner).
    constructor(
        bytes32 modelId_,
        string memory name_,
        string memory symbol_,
        uint256 totalSupply_,
        IPayments payments_,
        address holder
    ) ERC20(name_, symbol_) {
        if (address(payments_) == address(0) || holder == address(0)) revert ZeroAddress();
        if (totalSupply_ == 0 || totalSupply_ > MAX_SUPPLY) revert SupplyOutOfRange(totalSupply_, MAX_SUPPLY);
        modelId = modelId_;
        _payments = payments_;
        _mesh = IERC20(payments_.token());
        _mint(holder, totalSupply_);
    }

    // ================================================================ income

    /// @inheritdoc IModelShares
    function pull() external returns (uint256 amount) {
        return _book();
    }

    /// @inheritdoc IModelShares
    function claim() external returns (uint256 amount) {
        return _claim(msg.sender);
    }

    /// @inheritdoc IModelShares
    function claimFor(address account) external returns (uint256 amount) {
        return _claim(account);
    }

    function _claim(address account) private returns (uint256 amount) {
        _book();
        uint256 perUnit = _pool.incomePerUnit;
        Account storage acc = _accounts[account];
        amount = acc.owed + _weight(account, balanceOf(account)) * (perUnit - acc.snapshot);
        if (amount == 0) revert NothingToClaim(account);
        (acc.owed, acc.snapshot) = (0, uint128(perUnit));
        totalClaimed += amount;
        // amount <= accounted: it is part of Σ claimable.
        _books.accounted -= uint128(amount);
        emit Claimed(account, amount);
        _mesh.safeTransfer(account, amount);
    }

    /// @dev Claims the royalties Payments holds for this token (when any), then books every MESH that
    /// arrived since the last booking: `increase = (dust + fresh) / totalWeight` per unit, the remainder is
    /// the new dust. Income that arrives while no account holds a whole unit waits in the dust.
    function _book() private returns (uint256 fresh) {
        if (_payments.royaltiesOwed(address(this)) != 0) _payments.claimRoyalties(address(this));
        Books memory books = _books;
        uint256 balance = _mesh.balanceOf(address(this));
        // balance >= accounted: MESH leaves only through claims, which lower `accounted` first.
        fresh = balance - books.accounted;
        Pool memory pool = _pool;
        (uint256 perUnit, uint256 dust_) = _split(pool, books.dust + fresh);
        // Nothing new, and the dust still below a wei per unit: nothing to book. (Dust left when the total
        // weight was larger can cover a wei per unit once the weight dropped: it is booked then, as the
        // views (`claimable`, `dust`) already count it.)
        if (fresh == 0 && perUnit == pool.incomePerUnit) return 0;
        pool.incomePerUnit = perUnit.toUint128();
        _pool = pool;
        _books = Books({accounted: balance.toUint128(), dust: uint128(dust_)});
        emit IncomeBooked(fresh, perUnit, dust_);
    }

    /// @dev Splits `available` over the units of `pool`: the new income per unit and what is left over.
    function _split(Pool memory pool, uint256 available) private pure returns (uint256 perUnit, uint256 dust_) {
        uint256 weight = pool.totalWeight;
        if (weight == 0) return (pool.incomePerUnit, available);
        uint256 increase = available / weight;
        return (pool.incomePerUnit + increase, available - increase * weight);
    }

    /// @dev MESH that `_book` would book now, and the pool and dust it would leave.
    function _simulate() private view returns (uint256 fresh, uint256 perUnit, uint256 dust_) {
        Books memory books = _books;
        fresh = _payments.royaltiesOwed(address(this)) + _mesh.balanceOf(address(this)) - books.accounted;
        (perUnit, dust_) = _split(_pool, books.dust + fresh);
    }

    // ================================================================ transfers

    /// @dev Books pending income (so it goes to the holders before the transfer), settles both accounts
    /// at the current income per unit, moves the balance, then updates the total weight. The mint in the
    /// constructor books nothing: nothing can have arrived yet.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) _book();
        if (from == to) return super._update(from, to, value);
        uint256 perUnit = _pool.incomePerUnit;
        uint256 fromBefore = _settle(from, perUnit);
        uint256 toBefore = _settle(to, perUnit);
        super._update(from, to, value);
        uint256 fromAfter = _weight(from, from == address(0) ? 0 : balanceOf(from));
        uint256 toAfter = _weight(to, to == address(0) ? 0 : balanceOf(to));
        // Σ weights: the new weights of both sides replace their old ones (never negative: the old ones are
        // part of the total).
        _pool.totalWeight = (_pool.totalWeight + fromAfter + toAfter - fromBefore - toBefore).toUint128();
    }

    /// @dev Credits `account` what its current weight earned since its snapshot; returns that weight.
    function _settle(address account, uint256 perUnit) private returns (uint256 weight) {
        if (account == address(0)) return 0;
        weight = _weight(account, balanceOf(account));
        Account storage acc = _accounts[account];
        uint256 snapshot = acc.snapshot;
        if (snapshot == perUnit) return weight;
        // perUnit fits 128 bits (_book casts it); owed <= total income, which fits too.
        acc.owed = (acc.owed + weight * (perUnit - snapshot)).toUint128();
        acc.snapshot = uint128(perUnit);
    }

    /// @dev The units a balance earns on; shares held by this contract earn nothing (no one could claim them).
    function _weight(address account, uint256 balance) private view returns (uint256) {
        return account == address(this) ? 0 : balance / UNIT;
    }

    // ================================================================ views

    /// @inheritdoc IModelShares
    function claimable(address account) external view returns (uint256) {
        (, uint256 perUnit,) = _simulate();
        Account memory acc = _accounts[account];
        return acc.owed + _weight(account, balanceOf(account)) * (perUnit - acc.snapshot);
    }

    /// @inheritdoc IModelShares
    function totalIncome() external view returns (uint256) {
        (uint256 fresh,,) = _simulate();
        return _books.accounted + totalClaimed + fresh;
    }

    /// @inheritdoc IModelShares
    function dust() external view returns (uint256 dust_) {
        (,, dust_) = _simulate();
    }

    /// @inheritdoc IModelShares
    function weightOf(address account) external view returns (uint256) {
        return _weight(account, balanceOf(account));
    }

    /// @inheritdoc IModelShares
    function totalWeight() external view returns (uint256) {
        return _pool.totalWeight;
    }

    /// @inheritdoc IModelShares
    function incomePerUnit() external view returns (uint256) {
        return _pool.incomePerUnit;
    }

    /// @inheritdoc IModelShares
    function payments() external view returns (address) {
        return address(_payments);
    }

    /// @inheritdoc IModelShares
    function mesh() external view returns (address) {
        return address(_mesh);
    }
}
