// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IModelRegistry
/// @notice Models known to the network: id (sha256 of the weights file), a unique name, a URI, an
/// owner and the royalty paid to the owner's receiver on every redeemed payment for the model.
interface IModelRegistry {
    /// @notice A model's record. `owner == address(0)` means the id is not registered.
    struct Model {
        address owner;
        uint16 royaltyBps;
        address royaltyReceiver;
        string name;
        string uri;
    }

    /// @notice The model id is zero.
    error ZeroModelId();
    /// @notice The model id is already registered.
    error ModelAlreadyRegistered(bytes32 modelId);
    /// @notice No model is registered under this id.
    error ModelNotFound(bytes32 modelId);
    /// @notice The caller does not own the model.
    error NotModelOwner(bytes32 modelId, address caller);
    /// @notice The name is empty or longer than `maxLength` bytes.
    error InvalidName(uint256 length, uint256 maxLength);
    /// @notice The URI is longer than `maxLength` bytes.
    error InvalidUri(uint256 length, uint256 maxLength);
    /// @notice Another model already has this name.
    error NameTaken(string name, bytes32 modelId);
    /// @notice The royalty is above the current cap.
    error RoyaltyTooHigh(uint256 royaltyBps, uint256 maxRoyaltyBps);
    /// @notice A royalty above zero needs a receiver.
    error ZeroRoyaltyReceiver();
    /// @notice The model cannot be transferred to the zero address.
    error ZeroOwner();
    /// @notice The cap is above the absolute limit.
    error MaxRoyaltyTooHigh(uint256 maxRoyaltyBps, uint256 limit);

    /// @notice A model was registered.
    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed owner,
        string name,
        string uri,
        uint16 royaltyBps,
        address royaltyReceiver
    );
    /// @notice A model's name or URI changed.
    event ModelUpdated(bytes32 indexed modelId, string name, string uri);
    /// @notice A model's royalty rate or receiver changed.
    event RoyaltySet(bytes32 indexed modelId, uint16 royaltyBps, address royaltyReceiver);
    /// @notice A model changed owner.
    event ModelTransferred(bytes32 indexed modelId, address indexed from, address indexed to);
    /// @notice The royalty cap changed.
    event MaxRoyaltyBpsSet(uint16 maxRoyaltyBps);

    /// @notice Registers `modelId` with the caller as owner.
    function register(
        bytes32 modelId,
        string calldata name,
        string calldata uri,
        uint16 royaltyBps,
        address royaltyReceiver
    ) external;

    /// @notice Changes name and URI. Only the model's owner.
    function update(bytes32 modelId, string calldata name, string calldata uri) external;

    /// @notice Changes the royalty rate and receiver. Only the model's owner.
    function setRoyalty(bytes32 modelId, uint16 royaltyBps, address royaltyReceiver) external;

    /// @notice Gives the model to `newOwner`. Only the model's owner.
    function transferModel(bytes32 modelId, address newOwner) external;

    /// @notice Sets the royalty cap (at most `MAX_ROYALTY_BPS_LIMIT`). Only the contract owner.
    /// Models above a lowered cap are paid at the cap.
    function setMaxRoyaltyBps(uint16 maxRoyaltyBps) external;

    /// @notice The model's record (owner zero when unknown).
    function getModel(bytes32 modelId) external view returns (Model memory);

    /// @notice The id registered under `name`, or zero.
    function modelIdOfName(string calldata name) external view returns (bytes32);

    /// @notice Where the royalty goes and how much, capped at the current maximum; (0, 0) for unknown models.
    function royaltyInfo(bytes32 modelId) external view returns (address receiver, uint256 royaltyBps);

    /// @notice How many models are registered.
    function modelCount() external view returns (uint256);

    /// @notice A page of registered model ids, in registration order.
    function getModelIds(uint256 offset, uint256 limit) external view returns (bytes32[] memory);

    /// @notice The current royalty cap in basis points.
    function maxRoyaltyBps() external view returns (uint16);
}
