// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";

/// @title MeshToken
/// @notice The MESH token. Minting is limited to accounts the owner made minters (the emissions
/// contract, and the deployer on a devnet).
/// @dev Invariant: totalSupply() == totalMinted - totalBurned.
contract MeshToken is IMeshToken, ERC20, ERC20Burnable, ERC20Permit, Ownable2Step {
    /// @inheritdoc IMeshToken
    mapping(address account => bool) public isMinter;

    /// @inheritdoc IMeshToken
    uint256 public totalMinted;

    /// @inheritdoc IMeshToken
    uint256 public totalBurned;

    constructor(address owner_) ERC20("InferMesh", "MESH") ERC20Permit("InferMesh") Ownable(owner_) {}

    /// @inheritdoc IMeshToken
    function setMinter(address minter, bool allowed) external onlyOwner {
        if (minter == address(0)) revert ZeroMinter();
        isMinter[minter] = allowed;
        emit MinterSet(minter, allowed);
    }

    /// @inheritdoc IMeshToken
    function mint(address to, uint256 amount) external {
        if (!isMinter[msg.sender]) revert NotMinter(msg.sender);
        _mint(to, amount);
    }

    /// @inheritdoc IMeshToken
    function burn(uint256 amount) public override(ERC20Burnable, IMeshToken) {
        super.burn(amount);
    }

    /// @inheritdoc IMeshToken
    function burnFrom(address account, uint256 amount) public override(ERC20Burnable, IMeshToken) {
        super.burnFrom(account, amount);
    }

    /// @dev Every mint and burn passes here, so the two counters cannot drift from totalSupply.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from == address(0)) totalMinted += value;
        if (to == address(0)) totalBurned += value;
    }
}
