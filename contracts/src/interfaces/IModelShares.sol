// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IModelShares
/// @notice Revenue shares of one model (ERC-7641 style): an ERC-20 with a supply fixed at deployment whose
/// holders claim, pro rata, the MESH the token receives. The model's owner names the token as the model's
/// royalty receiver in ModelRegistry, so Payments credits it the royalty of every redemption for the model.
///
/// Income: every MESH the token receives (royalties credited in Payments, pulled by `pull`, and direct
/// transfers) is booked to a per-unit accumulator. A unit is `UNIT` (1e12) of the 18 decimals, a
/// micro-share: an account earns on `balanceOf(account) / UNIT` units (`weightOf`), so every booked wei
/// goes to a whole number of wei per unit and no account ever rounds. What a booking cannot split evenly
/// over the units (less than `totalWeight()` wei) is carried to the next booking: `dust()`.
/// Every transfer books pending income first (it pulls from Payments), then settles both accounts, so
/// income credited before a transfer goes to the sender and shares that move cannot claim it twice.
///
/// Money to the wei: Σ claimable(account) + totalClaimed() + dust() == totalIncome(), and the MESH
/// balance of the token equals Σ claimable + dust once pending income is booked. The views count income
/// credited in Payments but not pulled yet, so they show what `claim` would pay now.
interface IModelShares is IERC20 {
    /// @notice The account has nothing to claim.
    error NothingToClaim(address account);
    /// @notice The zero address was given where an account or contract is needed.
    error ZeroAddress();
    /// @notice The total supply is zero or above `maxSupply`.
    error SupplyOutOfRange(uint256 totalSupply, uint256 maxSupply);

    /// @notice `amount` of new income was booked; each unit has earned `incomePerUnit` wei so far, and
    /// `dust` wei wait for the next booking.
    event IncomeBooked(uint256 amount, uint256 incomePerUnit, uint256 dust);
    /// @notice `amount` of income earned by `account` was paid to it.
    event Claimed(address indexed account, uint256 amount);

    /// @notice Books pending income: claims the royalties Payments credited to this token and books every
    /// MESH that arrived since the last booking. Anyone may call; the next transfer or claim does it too.
    /// @return amount The income booked now (zero when nothing arrived).
    function pull() external returns (uint256 amount);

    /// @notice Books pending income, then pays the caller what its shares have earned.
    /// @return amount What was paid.
    function claim() external returns (uint256 amount);

    /// @notice Books pending income, then pays `account` what its shares have earned. Anyone may call;
    /// the MESH always goes to `account`.
    /// @return amount What was paid.
    function claimFor(address account) external returns (uint256 amount);

    /// @notice What `claim` would pay `account` now (pending income counted).
    function claimable(address account) external view returns (uint256);

    /// @notice Every wei of income received so far (pending income counted).
    function totalIncome() external view returns (uint256);

    /// @notice Every wei paid out by claims so far.
    function totalClaimed() external view returns (uint256);

    /// @notice Income not yet split over the units: less than `totalWeight()` wei (all of it while no
    /// account holds a whole unit), carried into the next booking (pending income counted).
    function dust() external view returns (uint256);

    /// @notice The units `account` earns on: `balanceOf(account) / UNIT`; zero for this contract itself.
    function weightOf(address account) external view returns (uint256);

    /// @notice The sum of `weightOf` over every account.
    function totalWeight() external view returns (uint256);

    /// @notice The wei each unit has earned since deployment (booked income only).
    function incomePerUnit() external view returns (uint256);

    /// @notice The model whose royalties this token shares (ModelRegistry id).
    function modelId() external view returns (bytes32);

    /// @notice The Payments contract whose royalties `pull` claims.
    function payments() external view returns (address);

    /// @notice The MESH token the income is paid in.
    function mesh() external view returns (address);
}
