// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IMeshToken
/// @notice The network token (MESH): ERC-20 with EIP-2612 permit and burn. Providers and validators
/// stake it, payers deposit it, part of every payment is burned, and epoch emissions mint it.
/// The whole supply is minted at deployment to one holder, except what the one minter (the Emissions
/// contract) mints later. The owner names the minter once; after that nobody can change it.
interface IMeshToken is IERC20 {
    /// @notice The caller is not allowed to mint.
    /// @param caller The account that tried to mint.
    error NotMinter(address caller);

    /// @notice The zero address cannot be made a minter.
    error ZeroMinter();

    /// @notice The minter was set already and can never change.
    /// @param minter The minter.
    error MinterAlreadySet(address minter);

    /// @notice The owner named the minter (once and for all).
    /// @param minter The only account that may mint from now on.
    event MinterSet(address indexed minter);

    /// @notice Whether `account` may mint: true only for `minter()`.
    function isMinter(address account) external view returns (bool);

    /// @notice The only account that may mint (zero until set).
    function minter() external view returns (address);

    /// @notice Names the minter. Only the owner, only once.
    function setMinter(address minter) external;

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
