// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ModelShares} from "./ModelShares.sol";
import {ShareOffering} from "./ShareOffering.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IModelShares} from "./interfaces/IModelShares.sol";
import {IModelSharesFactory} from "./interfaces/IModelSharesFactory.sol";
import {IPayments} from "./interfaces/IPayments.sol";
import {IShareOffering} from "./interfaces/IShareOffering.sol";

/// @title ModelSharesFactory
/// @notice Creates one ModelShares (and its ShareOffering) per model, for the model's owner (see
/// IModelSharesFactory).
/// @dev Invariant: `sharesOf[m]` is written once, by the model's owner at that time, and never changes;
/// the factory holds no shares or MESH after `create` returns.
contract ModelSharesFactory is IModelSharesFactory {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_NAME_LENGTH = 64;
    uint256 public constant MAX_SYMBOL_LENGTH = 16;

    /// @inheritdoc IModelSharesFactory
    address public immutable modelRegistry;
    /// @inheritdoc IModelSharesFactory
    address public immutable payments;

    /// @inheritdoc IModelSharesFactory
    mapping(bytes32 modelId => address) public sharesOf;
    /// @inheritdoc IModelSharesFactory
    mapping(bytes32 modelId => address) public offeringOf;
    /// @inheritdoc IModelSharesFactory
    uint256 public count;

    constructor(address modelRegistry_, address payments_) {
        if (modelRegistry_ == address(0) || payments_ == address(0)) revert ZeroAddress();
        modelRegistry = modelRegistry_;
        payments = payments_;
    }

    /// @inheritdoc IModelSharesFactory
    function create(
        bytes32 modelId,
        string calldata name,
        string calldata symbol,
        uint256 totalSupply,
        IShareOffering.Terms calldata terms
    ) external returns (address shares, address offering) {
        address owner = IModelRegistry(modelRegistry).getModel(modelId).owner;
        if (owner == address(0)) revert ModelNotFound(modelId);
        if (owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
        if (sharesOf[modelId] != address(0)) revert SharesExist(modelId, sharesOf[modelId]);
        _checkName(bytes(name).length, MAX_NAME_LENGTH);
        _checkName(bytes(symbol).length, MAX_SYMBOL_LENGTH);
        if (terms.sharesOffered > totalSupply) revert OfferExceedsSupply(terms.sharesOffered, totalSupply);

        ModelShares token = new ModelShares(modelId, name, symbol, totalSupply, IPayments(payments), address(this));
        shares = address(token);
        if (terms.sharesOffered != 0) {
            offering =
                address(new ShareOffering(IModelShares(shares), IModelRegistry(modelRegistry), msg.sender, terms));
        }
        sharesOf[modelId] = shares;
        offeringOf[modelId] = offering;
        ++count;
        emit SharesCreated(modelId, shares, offering, msg.sender, name, symbol, totalSupply, terms);
        if (offering != address(0)) IERC20(shares).safeTransfer(offering, terms.sharesOffered);
        if (totalSupply > terms.sharesOffered) {
            IERC20(shares).safeTransfer(msg.sender, totalSupply - terms.sharesOffered);
        }
    }

    function _checkName(uint256 length, uint256 maxLength) private pure {
        if (length == 0 || length > maxLength) revert InvalidName(length, maxLength);
    }
}
