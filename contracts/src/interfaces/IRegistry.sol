// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRegistry
/// @notice Stake and discovery. Providers stake MESH and publish their endpoint, region, hardware and
/// per-model prices; validators stake and publish their endpoint. Stake leaves through an unbonding
/// period, and an authorized slasher (the disputes contract) can take stake, including stake in unbonding.
/// A slasher can also freeze an account while a dispute runs: a frozen account cannot withdraw.
/// An account is either a provider or a validator, never both, so each stake backs one role.
/// Validators declare the model ids they can re-execute; per model, a sortition tree with history holds
/// each validator's stake, so that committees are drawn by stake among the validators of a model as of a
/// past block (`drawValidators`), out of reach of any stake change made once the draw's seed is known.
interface IRegistry {
    /// @notice The role an account has registered for.
    enum Role {
        None,
        Provider,
        Validator
    }

    /// @notice What a provider runs on. Sizes in MiB.
    struct Hardware {
        string gpuModel;
        uint16 gpuCount;
        uint32 vramMb;
        uint16 cpuCores;
        uint32 ramMb;
    }

    /// @notice A price offer for one model, in MESH wei per 1,000,000 tokens.
    struct Offer {
        bytes32 modelId;
        uint128 pricePerMInput;
        uint128 pricePerMOutput;
    }

    /// @notice A provider as discovery sees it.
    struct ProviderView {
        address provider;
        bool active;
        uint256 stake;
        uint256 unbonding;
        uint64 unbondingEnd;
        uint64 registeredAt;
        string endpoint;
        string region;
        Hardware hardware;
        Offer[] offers;
    }

    /// @notice A validator as discovery sees it.
    struct ValidatorView {
        address validator;
        bool active;
        uint256 stake;
        uint256 unbonding;
        uint64 unbondingEnd;
        uint64 registeredAt;
        string endpoint;
    }

    /// @notice An amount of zero was given where a positive amount is needed.
    error ZeroAmount();
    /// @notice The zero address was given where an account is needed.
    error ZeroAddress();
    /// @notice The account already has a role.
    error AlreadyRegistered(address account, Role role);
    /// @notice The account does not have the role the call needs.
    error NotRegistered(address account, Role required);
    /// @notice The stake is below what the call needs.
    error InsufficientStake(uint256 stake, uint256 required);
    /// @notice The endpoint is empty.
    error EmptyEndpoint();
    /// @notice A text field is longer than allowed.
    error FieldTooLong(string field, uint256 length, uint256 maxLength);
    /// @notice An offer or a validator's model list names model id zero.
    error ZeroModelId();
    /// @notice The provider would have more offers than allowed.
    error TooManyOffers(uint256 count, uint256 maxOffers);
    /// @notice The provider has no offer for this model.
    error OfferNotFound(address provider, bytes32 modelId);
    /// @notice Nothing is unbonding, or the unbonding period has not ended.
    error UnbondingNotFinished(uint256 amount, uint64 unbondingEnd);
    /// @notice The caller may not slash.
    error NotSlasher(address caller);
    /// @notice The slasher was set already and can never change.
    error SlasherAlreadySet(address slasher);
    /// @notice A parameter is outside its allowed range.
    error ParameterOutOfRange(string parameter, uint256 value, uint256 min, uint256 max);
    /// @notice The account is frozen by `count` open disputes: nothing can be withdrawn until they end.
    /// (Named `StakeIsFrozen`, not `StakeFrozen`, because the event `StakeFrozen` takes that name.)
    error StakeIsFrozen(address account, uint256 count);
    /// @notice The account is not frozen, so there is nothing to unfreeze.
    error NotFrozen(address account);
    /// @notice A validator's model list names `modelId` twice.
    error DuplicateModel(bytes32 modelId);
    /// @notice A validator's model list is longer than `MAX_VALIDATOR_MODELS`.
    error TooManyModels(uint256 count, uint256 max);
    /// @notice A draw must read a block that is over (`snapshotBlock < block.number`), so that its
    /// weights can no longer change.
    error SnapshotNotPast(uint48 snapshotBlock);

    /// @notice Stake was added to `account`.
    event Staked(address indexed account, uint256 amount, uint256 stake);
    /// @notice A provider registered.
    event ProviderRegistered(address indexed provider, string endpoint, string region, Hardware hardware);
    /// @notice A provider changed its endpoint, region or hardware.
    event ProviderUpdated(address indexed provider, string endpoint, string region, Hardware hardware);
    /// @notice A provider left; its offers are gone and its stake is unbonding.
    event ProviderUnregistered(address indexed provider);
    /// @notice A provider created or changed an offer.
    event OfferSet(address indexed provider, bytes32 indexed modelId, uint128 pricePerMInput, uint128 pricePerMOutput);
    /// @notice A provider removed an offer.
    event OfferRemoved(address indexed provider, bytes32 indexed modelId);
    /// @notice A validator registered or changed its endpoint.
    event ValidatorRegistered(address indexed validator, string endpoint);
    /// @notice A validator left; its stake is unbonding and its model list is cleared.
    event ValidatorUnregistered(address indexed validator);
    /// @notice A validator replaced the list of model ids it can re-execute.
    event ValidatorModelsSet(address indexed validator, bytes32[] modelIds);
    /// @notice Stake moved into unbonding; all of the account's unbonding stake unlocks at `unbondingEnd`.
    event UnstakeRequested(address indexed account, uint256 amount, uint256 unbonding, uint64 unbondingEnd);
    /// @notice Unbonded stake was paid out.
    event StakeWithdrawn(address indexed account, uint256 amount);
    /// @notice Stake was slashed: `fromStake + fromUnbonding` went to `recipient` (burned when zero).
    event Slashed(
        address indexed account, address indexed slasher, address recipient, uint256 fromStake, uint256 fromUnbonding
    );
    /// @notice A slasher froze `account` once more; `count` is how many freezes hold it now.
    event StakeFrozen(address indexed account, uint256 count);
    /// @notice A slasher lifted one freeze of `account`; `count` is how many still hold it.
    event StakeUnfrozen(address indexed account, uint256 count);
    /// @notice The owner named the slasher (once and for all).
    event SlasherSet(address indexed slasher);
    /// @notice A parameter changed.
    event MinStakeSet(uint256 minStake);
    /// @notice A parameter changed.
    event MinValidatorStakeSet(uint256 minValidatorStake);
    /// @notice A parameter changed.
    event UnbondingPeriodSet(uint64 unbondingPeriod);
    /// @notice A parameter changed.
    event MaxOffersSet(uint256 maxOffers);

    /// @notice Adds `amount` MESH (pulled from the caller) to the caller's stake. A validator's sortition
    /// weight grows with it in every model it declared (one checkpoint per tree node on the leaf's path).
    function stake(uint256 amount) external;

    /// @notice Registers the caller as a provider. Needs `minStake` staked first.
    function registerProvider(
        string calldata endpoint,
        string calldata region,
        Hardware calldata hardware,
        Offer[] calldata offers
    ) external;

    /// @notice Changes the caller's endpoint, region and hardware.
    function updateProvider(string calldata endpoint, string calldata region, Hardware calldata hardware) external;

    /// @notice Creates or replaces offers, one per model id.
    function setOffers(Offer[] calldata offers) external;

    /// @notice Removes offers by model id.
    function removeOffers(bytes32[] calldata modelIds) external;

    /// @notice Registers the caller as a validator (needs `minValidatorStake` staked), or changes a
    /// registered validator's endpoint. A new validator has declared no model yet, so it has no sortition
    /// weight until `setValidatorModels`; its stake counts in `totalValidatorStake` at once.
    function registerValidator(string calldata endpoint) external;

    /// @notice Replaces the model ids the caller (a validator) can re-execute: from this block on, its
    /// stake is its sortition weight in each of these models and in no other. At most
    /// `MAX_VALIDATOR_MODELS`, no zero id, no duplicate.
    function setValidatorModels(bytes32[] calldata modelIds) external;

    /// @notice Leaves the caller's role; the whole stake starts unbonding. A validator's model list is
    /// cleared (its sortition weight drops to 0 in every model).
    function unregister() external;

    /// @notice Moves `amount` of stake into unbonding. A registered account must keep its role's minimum.
    /// Restarts the unbonding clock for everything unbonding. A validator's sortition weight drops by
    /// `amount` at once (unbonding stake stays slashable but is never drawn).
    function requestUnstake(uint256 amount) external;

    /// @notice Pays out all of the caller's unbonding stake once the unbonding period has ended. Reverts
    /// `UnbondingNotFinished` before that (or when nothing is unbonding), then `StakeIsFrozen` while
    /// `frozenOf(msg.sender) > 0`.
    function withdrawStake() external;

    /// @notice Takes up to `amount` from `account`'s stake, then from its unbonding stake, and sends it
    /// to `recipient`, or burns it when `recipient` is zero. Only a slasher. What is taken from a
    /// validator's stake also leaves its sortition weight in every model it declared.
    /// @return slashed What was actually taken (less than `amount` when the account has less).
    function slash(address account, uint256 amount, address recipient) external returns (uint256 slashed);

    /// @notice Adds one freeze on `account` (a dispute opened against it): while any freeze holds,
    /// `withdrawStake` reverts `StakeIsFrozen`. Stake can still be requested for unstaking and the role
    /// left, since unbonding stake stays slashable. Only a slasher; each freeze is lifted by one `unfreeze`.
    function freeze(address account) external;

    /// @notice Lifts one freeze of `account`. Only a slasher; reverts `NotFrozen` when none holds.
    function unfreeze(address account) external;

    /// @notice Names the slasher (the Disputes contract). Only the owner, only once: after it, no
    /// function can change who slashes. Reverts `ParameterOutOfRange("unbondingPeriod", ...)` when the
    /// current `unbondingPeriod` is below the slasher's `IDisputeWindow.minUnbondingPeriod()` (a slasher
    /// without that function is accepted with no bound).
    function setSlasher(address slasher) external;
    /// @notice Only the owner; bounded.
    function setMinStake(uint256 minStake) external;
    /// @notice Only the owner; bounded.
    function setMinValidatorStake(uint256 minValidatorStake) external;
    /// @notice Only the owner; bounded. Applies to unstake requests made afterwards. Once a slasher is set,
    /// also at least its `IDisputeWindow.minUnbondingPeriod()` (a slasher without that function sets no
    /// lower bound), so unbonding stake stays slashable by every dispute that can still be opened.
    function setUnbondingPeriod(uint64 unbondingPeriod) external;
    /// @notice Only the owner; bounded. Providers above a lowered limit keep their offers.
    function setMaxOffers(uint256 maxOffers) external;

    /// @notice The token staked.
    function token() external view returns (address);
    function minStake() external view returns (uint256);
    function minValidatorStake() external view returns (uint256);
    function unbondingPeriod() external view returns (uint64);
    function maxOffers() external view returns (uint256);
    /// @notice True only for `slasher()`.
    function isSlasher(address account) external view returns (bool);
    /// @notice The only account that may freeze, unfreeze and slash stake (zero until set).
    function slasher() external view returns (address);

    /// @notice The account's role, stake, unbonding stake and when the unbonding stake unlocks.
    function stakeOf(address account)
        external
        view
        returns (Role role, uint256 staked, uint256 unbonding, uint64 unbondingEnd);

    /// @notice The account's role (one storage read; cheaper than stakeOf for role checks).
    function roleOf(address account) external view returns (Role);

    /// @notice How many freezes hold `account` (open disputes against it); it can withdraw only at 0.
    function frozenOf(address account) external view returns (uint256);

    /// @notice Everything held for stakers: the sum of every stake and unbonding stake.
    function totalStaked() external view returns (uint256);
    /// @notice Everything ever slashed.
    function totalSlashed() external view returns (uint256);

    /// @notice True when `provider` is registered and holds at least `minStake`: eligible for traffic.
    function isActiveProvider(address provider) external view returns (bool);
    /// @notice True when `validator` is registered and holds at least `minValidatorStake`.
    function isActiveValidator(address validator) external view returns (bool);

    function providerCount() external view returns (uint256);
    function getProvider(address provider) external view returns (ProviderView memory);
    /// @notice A page of providers in list order (removal swaps the last provider into the gap).
    function getProviders(uint256 offset, uint256 limit) external view returns (ProviderView[] memory);
    /// @notice The provider's offer for `modelId`; `found` is false when there is none.
    function getOffer(address provider, bytes32 modelId) external view returns (Offer memory offer, bool found);

    /// @notice The model ids `validator` declared (empty for an account that is not a validator).
    function validatorModels(address validator) external view returns (bytes32[] memory);

    /// @notice Sum of the stake of every account whose role is Validator, now (below-minimum ones too).
    function totalValidatorStake() external view returns (uint256);

    /// @notice `validator`'s sortition weight in `modelId` as of the end of block `blockNumber`: its stake
    /// then if it was a validator that had declared `modelId`, else 0. A validator below
    /// `minValidatorStake` (after a slash) keeps weight = stake. Unbonding stake never counts.
    function sortitionWeightAt(bytes32 modelId, address validator, uint48 blockNumber) external view returns (uint256);

    /// @notice Sum of every validator's sortition weight in `modelId` as of the end of block `blockNumber`.
    function sortitionTotalAt(bytes32 modelId, uint48 blockNumber) external view returns (uint256);

    /// @notice Draws up to `count` distinct validators of `modelId`, by stake, without replacement, as of
    /// the end of block `snapshotBlock` (which must be over: `snapshotBlock < block.number`, else
    /// `SnapshotNotPast`), never one in `exclude`. Pick j (0-based) takes
    /// `r = uint256(keccak256(abi.encode(seed, j))) % remaining`, where remaining is the total weight at
    /// the snapshot minus the weights of the excluded and already-picked validators, and returns the
    /// validator whose weight interval in leaf order holds r. Returns fewer than `count` validators only
    /// when no eligible weight is left. O(count * log n) checkpoint reads; the same arguments always give
    /// the same result, whatever changed after `snapshotBlock`.
    function drawValidators(
        bytes32 modelId,
        uint48 snapshotBlock,
        bytes32 seed,
        uint256 count,
        address[] calldata exclude
    ) external view returns (address[] memory members);

    function validatorCount() external view returns (uint256);
    function getValidator(address validator) external view returns (ValidatorView memory);
    function getValidators(uint256 offset, uint256 limit) external view returns (ValidatorView[] memory);
}
