// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IMeshToken
/// @notice The network token (MESH): ERC-20 with EIP-2612 permit and burn. Providers and validators
/// stake it, payers deposit it, part of every payment is burned, and epoch emissions mint it.
interface IMeshToken is IERC20 {
    /// @notice The caller is not allowed to mint.
    /// @param caller The account that tried to mint.
    error NotMinter(address caller);

    /// @notice The zero address cannot be made a minter.
    error ZeroMinter();

    /// @notice The owner granted or revoked the minter role.
    /// @param minter The account whose role changed.
    /// @param allowed True when the role was granted, false when revoked.
    event MinterSet(address indexed minter, bool allowed);

    /// @notice Whether `account` may mint.
    function isMinter(address account) external view returns (bool);

    /// @notice Grants or revokes the minter role. Only the owner.
    function setMinter(address minter, bool allowed) external;

    /// @notice Mints `amount` to `to`. Only a minter.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` of the caller's tokens.
    function burn(uint256 amount) external;

    /// @notice Burns `amount` of `account`'s tokens, spending the caller's allowance.
    function burnFrom(address account, uint256 amount) external;

    /// @notice Everything ever minted, including the initial supply.
    function totalMinted() external view returns (uint256);

    /// @notice Everything ever burned. `totalSupply() == totalMinted() - totalBurned()` always holds.
    function totalBurned() external view returns (uint256);
}
