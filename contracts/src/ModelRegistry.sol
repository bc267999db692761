// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Model ids, names, owners and royalties. Payments reads `royaltyInfo` on every redemption.
/// @dev Invariants:
/// - every registered model has a non-zero owner and a unique non-empty name;
/// - every stored rate (in force or scheduled) is at most `maxRoyaltyBps`, which is immutable and at most
///   MAX_ROYALTY_BPS_LIMIT, so `royaltyInfo` needs no cap of its own;
/// - the royalty in force for a model only rises at a time fixed at least `royaltyIncreaseDelay` before
///   it: a rise is stored as (pendingBps, pendingAt) and read as in force once `block.timestamp >=
///   pendingAt`; every write that could raise the rate in force goes through `_scheduleOrApply`, which
///   applies decreases at once and schedules increases.
/// A model's royalty terms sit in one storage slot, so `royaltyInfo` reads one slot. The cap is fixed at
/// deployment: an owner who could raise it would raise royalties without the per-model delay.
contract ModelRegistry is IModelRegistry, Ownable2Step {
    /// @notice The highest royalty cap the owner can ever set: 30%.
    uint16 public constant MAX_ROYALTY_BPS_LIMIT = 3000;
    /// @dev The channel model id of per-sample verification fees (@infermesh/protocol's VERIFICATION_MODEL_ID):
    /// never registrable, so it never pays a royalty. Internal: a public getter would shift `royaltyInfo`'s
    /// selector dispatch and add 45 gas to every redemption.
    bytes32 internal constant VERIFICATION_MODEL_ID = keccak256("infermesh/verification");
    uint256 public constant MAX_NAME_LENGTH = 128;
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @notice Bounds of `royaltyIncreaseDelay`: Payments' shortest withdrawal delay (1 hour) plus its
    /// settlement interval (1 hour), and 60 days.
    uint64 public constant MIN_ROYALTY_INCREASE_DELAY = 2 hours;
    uint64 public constant MAX_ROYALTY_INCREASE_DELAY = 60 days;

    struct Record {
        address owner;
        string name;
        string uri;
    }

    /// @dev A model's receiver, rate in force (`bps`) and scheduled rise (`pendingBps` from `pendingAt`;
    /// 0 when none), in one slot.
    struct Terms {
        address receiver;
        uint16 bps;
        uint16 pendingBps;
        uint64 pendingAt;
    }

    /// @inheritdoc IModelRegistry
    uint64 public immutable royaltyIncreaseDelay;
    /// @inheritdoc IModelRegistry
    uint16 public immutable maxRoyaltyBps;

    mapping(bytes32 modelId => Record) private _models;
    mapping(bytes32 modelId => Terms) private _royalties;
    mapping(bytes32 nameHash => bytes32 modelId) private _idByName;
    /// @dev A model's royalty lock: the receiver every later `setRoyalty` must name, and the lowest rate it may set.
    mapping(bytes32 modelId => RoyaltyLock) private _locks;
    bytes32[] private _ids;

    constructor(address owner_, uint16 maxRoyaltyBps_, uint64 royaltyIncreaseDelay_) Ownable(owner_) {
        if (royaltyIncreaseDelay_ < MIN_ROYALTY_INCREASE_DELAY || royaltyIncreaseDelay_ > MAX_ROYALTY_INCREASE_DELAY) {
            revert RoyaltyIncreaseDelayOutOfRange(
                royaltyIncreaseDelay_, MIN_ROYALTY_INCREASE_DELAY, MAX_ROYALTY_INCREASE_DELAY
            );
        }
        royaltyIncreaseDelay = royaltyIncreaseDelay_;
        if (maxRoyaltyBps_ > MAX_ROYALTY_BPS_LIMIT) revert MaxRoyaltyTooHigh(maxRoyaltyBps_, MAX_ROYALTY_BPS_LIMIT);
        maxRoyaltyBps = maxRoyaltyBps_;
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
        if (modelId == VERIFICATION_MODEL_ID) revert ReservedModelId(modelId);
        if (_models[modelId].owner != address(0)) revert ModelAlreadyRegistered(modelId);
        _checkUri(uri);
        _checkRoyalty(royaltyBps, royaltyReceiver);
        _claimName(modelId, name);

        _models[modelId] = Record({owner: msg.sender, name: name, uri: uri});
        _ids.push(modelId);
        Terms storage terms = _royalties[modelId];
        terms.receiver = royaltyReceiver;
        // From 0 (an unknown model pays no royalty) to royaltyBps: a rise, so it waits.
        emit ModelRegistered(modelId, msg.sender, name, uri, 0, royaltyReceiver);
        if (royaltyBps != 0) _scheduleOrApply(terms, royaltyBps, modelId);
    }

    /// @inheritdoc IModelRegistry
    function update(bytes32 modelId, string calldata name, string calldata uri) external onlyModelOwner(modelId) {
        _checkUri(uri);
        Record storage model = _models[modelId];
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
        RoyaltyLock memory lock = _locks[modelId];
        if (lock.receiver != address(0) && (royaltyReceiver != lock.receiver || royaltyBps < lock.floorBps)) {
            revert RoyaltyIsLocked(modelId, lock.receiver, lock.floorBps);
        }
        Terms storage terms = _royalties[modelId];
        terms.receiver = royaltyReceiver;
        _scheduleOrApply(terms, royaltyBps, modelId);
    }

    /// @inheritdoc IModelRegistry
    function lockRoyalty(bytes32 modelId, uint16 floorBps) external onlyModelOwner(modelId) {
        Terms memory terms = _royalties[modelId];
        if (terms.receiver == address(0)) revert ZeroRoyaltyReceiver();
        // The floor may be the rate in force or a scheduled rise: the rise can no longer be cancelled below it.
        uint16 inForce = _inForce(terms);
        (uint16 pendingBps,) = _pending(terms);
        uint16 best = pendingBps > inForce ? pendingBps : inForce;
        if (floorBps > best) revert RoyaltyFloorAboveRate(floorBps, best);
        RoyaltyLock storage lock = _locks[modelId];
        if (lock.receiver != address(0) && floorBps < lock.floorBps) {
            revert RoyaltyIsLocked(modelId, lock.receiver, lock.floorBps);
        }
        (lock.receiver, lock.floorBps) = (terms.receiver, floorBps);
        emit RoyaltyLocked(modelId, terms.receiver, floorBps);
    }

    /// @inheritdoc IModelRegistry
    function royaltyLockOf(bytes32 modelId) external view returns (address receiver, uint16 floorBps) {
        RoyaltyLock memory lock = _locks[modelId];
        return (lock.receiver, lock.floorBps);
    }

    /// @inheritdoc IModelRegistry
    function transferModel(bytes32 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert ZeroOwner();
        _models[modelId].owner = newOwner;
        emit ModelTransferred(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function reassignModel(bytes32 modelId, address newOwner) external onlyOwner {
        Record storage model = _models[modelId];
        address from = model.owner;
        if (from == address(0)) revert ModelNotFound(modelId);
        if (newOwner == address(0)) revert ZeroOwner();
        model.owner = newOwner;
        delete _royalties[modelId];
        delete _locks[modelId];
        emit ModelTransferred(modelId, from, newOwner);
        emit RoyaltySet(modelId, 0, address(0));
        emit ModelReassigned(modelId, from, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function getModel(bytes32 modelId) external view returns (Model memory) {
        Record storage model = _models[modelId];
        Terms storage terms = _royalties[modelId];
        return Model({
            owner: model.owner,
            royaltyBps: _inForce(terms),
            royaltyReceiver: terms.receiver,
            name: model.name,
            uri: model.uri
        });
    }

    /// @inheritdoc IModelRegistry
    function pendingRoyalty(bytes32 modelId) external view returns (uint16 royaltyBps, uint64 effectiveAt) {
        return _pending(_royalties[modelId]);
    }

    /// @inheritdoc IModelRegistry
    function modelIdOfName(string calldata name) external view returns (bytes32) {
        return _idByName[keccak256(bytes(name))];
    }

    /// @inheritdoc IModelRegistry
    function royaltyInfo(bytes32 modelId) external view returns (address receiver, uint256 royaltyBps) {
        Terms memory terms = _royalties[modelId];
        royaltyBps = _inForce(terms);
        if (royaltyBps == 0) return (address(0), 0);
        receiver = terms.receiver;
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

    /// @dev Sets a model's rate: at once when it is not above the rate in force (a scheduled rise is
    /// cancelled), otherwise scheduled `royaltyIncreaseDelay` from now while the rate in force stays.
    function _scheduleOrApply(Terms storage terms, uint16 royaltyBps, bytes32 modelId) private {
        uint16 inForce = _inForce(terms);
        if (royaltyBps <= inForce) {
            (terms.bps, terms.pendingBps, terms.pendingAt) = (royaltyBps, 0, 0);
            emit RoyaltySet(modelId, royaltyBps, terms.receiver);
        } else {
            uint64 effectiveAt = uint64(block.timestamp) + royaltyIncreaseDelay;
            (terms.bps, terms.pendingBps, terms.pendingAt) = (inForce, royaltyBps, effectiveAt);
            emit RoyaltySet(modelId, inForce, terms.receiver);
            emit RoyaltyIncreaseScheduled(modelId, royaltyBps, effectiveAt);
        }
    }

    /// @dev The rate in force now: the scheduled rise once its time has come, else the stored rate.
    function _inForce(Terms memory terms) private view returns (uint16) {
        return terms.pendingAt != 0 && block.timestamp >= terms.pendingAt ? terms.pendingBps : terms.bps;
    }

    /// @dev A rise that has not taken effect yet, or zeros.
    function _pending(Terms memory terms) private view returns (uint16, uint64) {
        if (terms.pendingAt == 0 || block.timestamp >= terms.pendingAt) return (0, 0);
        return (terms.pendingBps, terms.pendingAt);
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
}
