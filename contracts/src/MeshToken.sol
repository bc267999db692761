// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";

/// @title MeshToken
/// @notice The MESH token. The initial supply is minted at deployment to `initialHolder` (a treasury, or
/// the deployer on a devnet, which hands it out by transfer); later minting is limited to the one minter the
/// owner names once (the Emissions contract).
/// @dev Invariants: totalSupply() == totalMinted - totalBurned; once `minter` is non-zero it never changes.
contract MeshToken is IMeshToken, ERC20, ERC20Burnable, ERC20Permit, Ownable2Step {
    /// @inheritdoc IMeshToken
    address public minter;

    /// @inheritdoc IMeshToken
    uint256 public totalMinted;

    /// @inheritdoc IMeshToken
    uint256 public totalBurned;

    /// @param initialHolder Receives `initialSupply` (ignored when the supply is zero).
    constructor(address owner_, address initialHolder, uint256 initialSupply)
        ERC20("InferMesh", "MESH")
        ERC20Permit("InferMesh")
        Ownable(owner_)
    {
        if (initialSupply != 0) _mint(initialHolder, initialSupply);
    }

    /// @inheritdoc IMeshToken
    function setMinter(address minter_) external onlyOwner {
        if (minter_ == address(0)) revert ZeroMinter();
        if (minter != address(0)) revert MinterAlreadySet(minter);
        minter = minter_;
        emit MinterSet(minter_);
    }

    /// @inheritdoc IMeshToken
    function isMinter(address account) external view returns (bool) {
        return account == minter && account != address(0);
    }

    /// @inheritdoc IMeshToken
    function mint(address to, uint256 amount) external {
        // No transaction comes from address(0), so nobody mints before the minter is set.
        if (msg.sender != minter) revert NotMinter(msg.sender);
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
