// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IModelRegistry
/// @notice Models known to the network: id (sha256 of the weights file), a unique name, a URI, an
/// owner and the royalty paid to the owner's receiver on every redeemed payment for the model.
///
/// Royalties are fixed by the terms in force when the work was offered: a royalty decrease applies at
/// once, an increase (including the first royalty of a newly registered model) only
/// `royaltyIncreaseDelay` after it was asked for; the royalty cap is fixed at deployment. Payments keeps its `withdrawDelay` plus a settlement
/// interval below that delay, so a provider that redeems its vouchers before its payers' allocations can
/// be released is always paid at the terms it served under. Model ids are public (the sha256 of a weights
/// file), so anyone can register one first: the contract owner (a timelock on a real network) can hand a
/// squatted model to its rightful owner, which also sets its royalty to zero at once (`reassignModel`).
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
    /// @notice A model's royalty lock (`lockRoyalty`).
    struct RoyaltyLock {
        address receiver;
        uint16 floorBps;
    }

    error ZeroModelId();
    /// @notice The model id is reserved: `keccak256("infermesh/verification")` is the channel of per-sample
    /// verification fees (validators paid by payers through Payments); a royalty on it would skim them.
    error ReservedModelId(bytes32 modelId);
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
    /// @notice The royalty increase delay is outside its allowed range.
    error RoyaltyIncreaseDelayOutOfRange(uint256 delay, uint256 min, uint256 max);
    /// @notice The model's royalty is locked to `receiver` at `floorBps` or more (see `lockRoyalty`).
    error RoyaltyIsLocked(bytes32 modelId, address receiver, uint16 floorBps);
    /// @notice A royalty floor above both the rate in force and the scheduled rise.
    error RoyaltyFloorAboveRate(uint16 floorBps, uint16 rateBps);

    /// @notice A model was registered. `royaltyBps` is the royalty in force now, which is zero: the royalty
    /// asked for follows RoyaltyIncreaseScheduled.
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
    /// @notice The royalty terms in force for a model changed: `royaltyBps` to `royaltyReceiver`.
    event RoyaltySet(bytes32 indexed modelId, uint16 royaltyBps, address royaltyReceiver);
    /// @notice A model's royalty rises to `royaltyBps` at `effectiveAt` (replacing any earlier scheduled rise).
    event RoyaltyIncreaseScheduled(bytes32 indexed modelId, uint16 royaltyBps, uint64 effectiveAt);
    /// @notice The contract owner gave a model to `to` and set its royalty to zero.
    /// @notice The model's royalty receiver is fixed for good and its rate may not go below `floorBps`.
    event RoyaltyLocked(bytes32 indexed modelId, address indexed receiver, uint16 floorBps);

    event ModelReassigned(bytes32 indexed modelId, address indexed from, address indexed to);
    /// @notice A model changed owner.
    event ModelTransferred(bytes32 indexed modelId, address indexed from, address indexed to);

    /// @notice Registers `modelId` with the caller as owner. A royalty above zero is scheduled: it takes
    /// effect `royaltyIncreaseDelay` from now.
    function register(
        bytes32 modelId,
        string calldata name,
        string calldata uri,
        uint16 royaltyBps,
        address royaltyReceiver
    ) external;

    /// @notice Changes name and URI. Only the model's owner.
    function update(bytes32 modelId, string calldata name, string calldata uri) external;

    /// @notice Changes the royalty rate and receiver. Only the model's owner. The receiver changes at once.
    /// A rate at or below the one in force applies at once and cancels a scheduled rise; a higher rate is
    /// scheduled for `royaltyIncreaseDelay` from now (replacing an earlier scheduled rise).
    function setRoyalty(bytes32 modelId, uint16 royaltyBps, address royaltyReceiver) external;

    /// @notice Fixes the model's royalty receiver (the current one) for good and sets the lowest rate a
    /// later `setRoyalty` may set: what a holder of the receiver's revenue shares relies on (a sale of
    /// shares refuses buyers until the royalty is locked to the share token). Only the model's owner; the
    /// floor is at most the rate in force or the scheduled rise, and a second call may only raise it. The
    /// lock stays with the model when it is transferred; only `reassignModel` (governance's remedy for a
    /// squatted model) lifts it.
    function lockRoyalty(bytes32 modelId, uint16 floorBps) external;

    /// @notice The model's royalty lock: (0, 0) when unlocked.
    function royaltyLockOf(bytes32 modelId) external view returns (address receiver, uint16 floorBps);

    /// @notice Gives the model to `newOwner`. Only the model's owner.
    function transferModel(bytes32 modelId, address newOwner) external;

    /// @notice Gives `modelId` to `newOwner` and sets its royalty to zero (receiver cleared, scheduled rise
    /// cancelled, royalty lock lifted) at once. Only the contract owner: the remedy for a squatted model id or name.
    function reassignModel(bytes32 modelId, address newOwner) external;

    /// @notice The model's record (owner zero when unknown); `royaltyBps` is the rate in force now.
    function getModel(bytes32 modelId) external view returns (Model memory);

    /// @notice A scheduled royalty rise of `modelId` (zeros when none is pending).
    function pendingRoyalty(bytes32 modelId) external view returns (uint16 royaltyBps, uint64 effectiveAt);

    /// @notice How long a royalty increase waits before it applies (fixed at deployment).
    function royaltyIncreaseDelay() external view returns (uint64);

    /// @notice The id registered under `name`, or zero.
    function modelIdOfName(string calldata name) external view returns (bytes32);

    /// @notice Where the royalty goes and how much, in force now; (0, 0) for unknown models. Never above
    /// `maxRoyaltyBps`, which every rate is checked against when it is set.
    function royaltyInfo(bytes32 modelId) external view returns (address receiver, uint256 royaltyBps);

    /// @notice How many models are registered.
    function modelCount() external view returns (uint256);

    /// @notice A page of registered model ids, in registration order.
    function getModelIds(uint256 offset, uint256 limit) external view returns (bytes32[] memory);

    /// @notice The royalty cap in basis points (fixed at deployment, at most `MAX_ROYALTY_BPS_LIMIT`).
    function maxRoyaltyBps() external view returns (uint16);
}
