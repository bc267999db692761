// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Model ids, names, owners and royalties. Payments reads `royaltyInfo` on every redemption.
/// @dev Invariants: every registered model has a non-zero owner and a unique non-empty name;
/// `royaltyInfo` never returns more than `maxRoyaltyBps`, which never exceeds MAX_ROYALTY_BPS_LIMIT.
contract ModelRegistry is IModelRegistry, Ownable2Step {
    /// @notice The highest royalty cap the owner can ever set: 30%.
    uint16 public constant MAX_ROYALTY_BPS_LIMIT = 3000;
    uint256 public constant MAX_NAME_LENGTH = 128;
    uint256 public constant MAX_URI_LENGTH = 512;

    /// @inheritdoc IModelRegistry
    uint16 public maxRoyaltyBps;

    mapping(bytes32 modelId => Model) private _models;
    mapping(bytes32 nameHash => bytes32 modelId) private _idByName;
    bytes32[] private _ids;

    constructor(address owner_, uint16 maxRoyaltyBps_) Ownable(owner_) {
        _setMaxRoyaltyBps(maxRoyaltyBps_);
    }

    modifier onlyModelOwner(bytes32 modelId) {
        address owner_ = _models[modelId].owner;
        if (owner_ == address(0)) revert ModelNotFound(modelId);
        if (owner_ != msg.sender) revert NotModelOwner(modelId, msg.sender);
        _;
    }

    /// @inheritdoc IModelRegistry
    function register(
        bytes32 modelId,
        string calldata name,
        string calldata uri,
        uint16 royaltyBps,
        address royaltyReceiver
    ) external {
        if (modelId == bytes32(0)) revert ZeroModelId();
        if (_models[modelId].owner != address(0)) revert ModelAlreadyRegistered(modelId);
        _checkUri(uri);
        _checkRoyalty(royaltyBps, royaltyReceiver);
        _claimName(modelId, name);

        _models[modelId] =
            Model({owner: msg.sender, royaltyBps: royaltyBps, royaltyReceiver: royaltyReceiver, name: name, uri: uri});
        _ids.push(modelId);
        emit ModelRegistered(modelId, msg.sender, name, uri, royaltyBps, royaltyReceiver);
    }

    /// @inheritdoc IModelRegistry
    function update(bytes32 modelId, string calldata name, string calldata uri) external onlyModelOwner(modelId) {
        _checkUri(uri);
        Model storage model = _models[modelId];
        bytes32 oldHash = keccak256(bytes(model.name));
        if (oldHash != keccak256(bytes(name))) {
            _claimName(modelId, name);
            delete _idByName[oldHash];
            model.name = name;
        }
        model.uri = uri;
        emit ModelUpdated(modelId, name, uri);
    }

    /// @inheritdoc IModelRegistry
    function setRoyalty(bytes32 modelId, uint16 royaltyBps, address royaltyReceiver) external onlyModelOwner(modelId) {
        _checkRoyalty(royaltyBps, royaltyReceiver);
        Model storage model = _models[modelId];
        model.royaltyBps = royaltyBps;
        model.royaltyReceiver = royaltyReceiver;
        emit RoyaltySet(modelId, royaltyBps, royaltyReceiver);
    }

    /// @inheritdoc IModelRegistry
    function transferModel(bytes32 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert ZeroOwner();
        _models[modelId].owner = newOwner;
        emit ModelTransferred(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function setMaxRoyaltyBps(uint16 maxRoyaltyBps_) external onlyOwner {
        _setMaxRoyaltyBps(maxRoyaltyBps_);
    }

    /// @inheritdoc IModelRegistry
    function getModel(bytes32 modelId) external view returns (Model memory) {
        return _models[modelId];
    }

    /// @inheritdoc IModelRegistry
    function modelIdOfName(string calldata name) external view returns (bytes32) {
        return _idByName[keccak256(bytes(name))];
    }

    /// @inheritdoc IModelRegistry
    function royaltyInfo(bytes32 modelId) external view returns (address receiver, uint256 royaltyBps) {
        Model storage model = _models[modelId];
        royaltyBps = model.royaltyBps;
        if (royaltyBps == 0) return (address(0), 0);
        uint16 cap = maxRoyaltyBps;
        if (royaltyBps > cap) royaltyBps = cap;
        receiver = model.royaltyReceiver;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _ids.length;
    }

    /// @inheritdoc IModelRegistry
    function getModelIds(uint256 offset, uint256 limit) external view returns (bytes32[] memory page) {
        uint256 total = _ids.length;
        if (offset >= total) return new bytes32[](0);
        uint256 end = total - offset < limit ? total : offset + limit;
        page = new bytes32[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = _ids[i];
        }
    }

    function _claimName(bytes32 modelId, string calldata name) private {
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_NAME_LENGTH) revert InvalidName(length, MAX_NAME_LENGTH);
        bytes32 nameHash = keccak256(bytes(name));
        bytes32 holder = _idByName[nameHash];
        if (holder != bytes32(0)) revert NameTaken(name, holder);
        _idByName[nameHash] = modelId;
    }

    function _checkUri(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert InvalidUri(bytes(uri).length, MAX_URI_LENGTH);
    }

    function _checkRoyalty(uint16 royaltyBps, address royaltyReceiver) private view {
        if (royaltyBps > maxRoyaltyBps) revert RoyaltyTooHigh(royaltyBps, maxRoyaltyBps);
        if (royaltyBps != 0 && royaltyReceiver == address(0)) revert ZeroRoyaltyReceiver();
    }

    function _setMaxRoyaltyBps(uint16 maxRoyaltyBps_) private {
        if (maxRoyaltyBps_ > MAX_ROYALTY_BPS_LIMIT) revert MaxRoyaltyTooHigh(maxRoyaltyBps_, MAX_ROYALTY_BPS_LIMIT);
        maxRoyaltyBps = maxRoyaltyBps_;
        emit MaxRoyaltyBpsSet(maxRoyaltyBps_);
    }
}
