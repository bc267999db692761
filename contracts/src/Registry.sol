// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRegistry} from "./interfaces/IRegistry.sol";
import {IMeshToken} from "./interfaces/IMeshToken.sol";
import {IDisputeWindow} from "./interfaces/IDisputeWindow.sol";
import {SortitionTree} from "./libraries/SortitionTree.sol";

/// @title Registry
/// @notice Stake, provider and validator registration, offers, unbonding, freezes, slashing, validator
/// models and stake-weighted sortition of validators per model.
/// @dev Invariants:
/// - token.balanceOf(this) >= totalStaked == sum over accounts of (stake + unbonding);
/// - an account's slashed total never exceeds what it staked;
/// - no withdrawal while `frozenOf(account) > 0`; only the slasher changes that count, +1/-1 per call;
/// - `slasher` (the Disputes contract) is set once by the owner and never changes afterwards, and once it
///   is set, `unbondingPeriod >= slasher.minUnbondingPeriod()` when the slasher answers it (at each check);
/// - `_providers` and `_validators` list exactly the accounts whose role is Provider / Validator,
///   and `_stakers[a].index` is a's position in its role's list;
/// - `totalValidatorStake` == sum of `stake` over accounts whose role is Validator;
/// - only a Validator has models; for every model m and every block b, the tree of m at the end of b
///   gives each account weight = its stake then if it was a Validator that had declared m, else 0
///   (unbonding stake never counts; a validator below `minValidatorStake` keeps weight = stake), and
///   a total equal to the sum of those weights. Past blocks never change.
contract Registry is IRegistry, Ownable2Step {
    using SafeERC20 for IMeshToken;
    using SortitionTree for SortitionTree.Tree;

    uint256 public constant MAX_MIN_STAKE = 1e9 ether;
    uint64 public constant MIN_UNBONDING_PERIOD = 1 hours;
    uint64 public constant MAX_UNBONDING_PERIOD = 90 days;
    uint256 public constant MAX_OFFERS_LIMIT = 256;
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    uint256 public constant MAX_REGION_LENGTH = 64;
    uint256 public constant MAX_GPU_MODEL_LENGTH = 64;
    /// @notice The most model ids one validator can declare (bounds the gas of its stake changes).
    uint256 public constant MAX_VALIDATOR_MODELS = 16;

    struct Staker {
        Role role;
        uint32 index;
        uint64 registeredAt;
        uint64 unbondingEnd;
        uint256 stake;
        uint256 unbonding;
    }

    struct ProviderProfile {
        string endpoint;
        string region;
        Hardware hardware;
    }

    IMeshToken private immutable _token;

    /// @inheritdoc IRegistry
    uint256 public minStake;
    /// @inheritdoc IRegistry
    uint256 public minValidatorStake;
    /// @inheritdoc IRegistry
    uint64 public unbondingPeriod;
    /// @inheritdoc IRegistry
    uint256 public maxOffers;
    /// @inheritdoc IRegistry
    uint256 public totalStaked;
    /// @inheritdoc IRegistry
    uint256 public totalSlashed;
    /// @inheritdoc IRegistry
    address public slasher;
    /// @inheritdoc IRegistry
    uint256 public totalValidatorStake;

    mapping(address account => Staker) private _stakers;
    mapping(address account => uint256) private _frozen;
    mapping(address provider => ProviderProfile) private _profiles;
    mapping(address validator => string) private _validatorEndpoints;
    mapping(address provider => Offer[]) private _offers;
    /// @dev Position + 1 of a model's offer in `_offers[provider]`; 0 means no offer.
    mapping(address provider => mapping(bytes32 modelId => uint256)) private _offerSlot;
    address[] private _providers;
    address[] private _validators;
    mapping(address validator => bytes32[]) private _validatorModels;
    mapping(bytes32 modelId => SortitionTree.Tree) private _trees;

    constructor(
        address owner_,
        IMeshToken token_,
        uint256 minStake_,
        uint256 minValidatorStake_,
        uint64 unbondingPeriod_,
        uint256 maxOffers_
    ) Ownable(owner_) {
        if (address(token_) == address(0)) revert ZeroAddress();
        _token = token_;
        _setMinStake(minStake_);
        _setMinValidatorStake(minValidatorStake_);
        _setUnbondingPeriod(unbondingPeriod_);
        _setMaxOffers(maxOffers_);
    }

    // ------------------------------------------------------------------ stake

    /// @inheritdoc IRegistry
    function stake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Staker storage s = _stakers[msg.sender];
        s.stake += amount;
        totalStaked += amount;
        if (s.role == Role.Validator) {
            totalValidatorStake += amount;
            _addWeight(msg.sender, amount);
        }
        emit Staked(msg.sender, amount, s.stake);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRegistry
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Staker storage s = _stakers[msg.sender];
        if (amount > s.stake) revert InsufficientStake(s.stake, amount);
        uint256 remaining = s.stake - amount;
        uint256 required = _minimumFor(s.role);
        if (s.role != Role.None && remaining < required) revert InsufficientStake(remaining, required);
        _startUnbonding(s, msg.sender, amount);
    }

    /// @inheritdoc IRegistry
    function withdrawStake() external {
        Staker storage s = _stakers[msg.sender];
        uint256 unbonding = s.unbonding;
        if (unbonding == 0 || block.timestamp < s.unbondingEnd) {
            revert UnbondingNotFinished(unbonding, s.unbondingEnd);
        }
        uint256 frozen = _frozen[msg.sender];
        if (frozen != 0) revert StakeIsFrozen(msg.sender, frozen);
        s.unbonding = 0;
        s.unbondingEnd = 0;
        totalStaked -= unbonding;
        emit StakeWithdrawn(msg.sender, unbonding);
        _token.safeTransfer(msg.sender, unbonding);
    }

    /// @inheritdoc IRegistry
    function slash(address account, uint256 amount, address recipient) external returns (uint256 slashed) {
        _onlySlasher();
        Staker storage s = _stakers[account];
        uint256 fromStake = amount < s.stake ? amount : s.stake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < s.unbonding ? rest : s.unbonding;
        slashed = fromStake + fromUnbonding;
        if (slashed == 0) return 0;
        s.stake -= fromStake;
        s.unbonding -= fromUnbonding;
        if (fromStake != 0 && s.role == Role.Validator) {
            totalValidatorStake -= fromStake;
            _subWeight(account, fromStake);
        }
        totalStaked -= slashed;
        totalSlashed += slashed;
        emit Slashed(account, msg.sender, recipient, fromStake, fromUnbonding);
        if (recipient == address(0)) _token.burn(slashed);
        else _token.safeTransfer(recipient, slashed);
    }

    /// @inheritdoc IRegistry
    function freeze(address account) external {
        _onlySlasher();
        uint256 count = ++_frozen[account];
        emit StakeFrozen(account, count);
    }

    /// @inheritdoc IRegistry
    function unfreeze(address account) external {
        _onlySlasher();
        uint256 count = _frozen[account];
        if (count == 0) revert NotFrozen(account);
        // count > 0 was checked above.
        unchecked {
            --count;
        }
        _frozen[account] = count;
        emit StakeUnfrozen(account, count);
    }

    // -------------------------------------------------------------- providers

    /// @inheritdoc IRegistry
    function registerProvider(
        string calldata endpoint,
        string calldata region,
        Hardware calldata hardware,
        Offer[] calldata offers
    ) external {
        Staker storage s = _stakers[msg.sender];
        if (s.role != Role.None) revert AlreadyRegistered(msg.sender, s.role);
        if (s.stake < minStake) revert InsufficientStake(s.stake, minStake);
        _checkProfile(endpoint, region, hardware);

        s.role = Role.Provider;
        s.index = uint32(_providers.length);
        s.registeredAt = uint64(block.timestamp);
        _providers.push(msg.sender);
        _profiles[msg.sender] = ProviderProfile(endpoint, region, hardware);
        emit ProviderRegistered(msg.sender, endpoint, region, hardware);
        _setOffers(msg.sender, offers);
    }

    /// @inheritdoc IRegistry
    function updateProvider(string calldata endpoint, string calldata region, Hardware calldata hardware) external {
        _requireRole(msg.sender, Role.Provider);
        _checkProfile(endpoint, region, hardware);
        _profiles[msg.sender] = ProviderProfile(endpoint, region, hardware);
        emit ProviderUpdated(msg.sender, endpoint, region, hardware);
    }

    /// @inheritdoc IRegistry
    function setOffers(Offer[] calldata offers) external {
        _requireRole(msg.sender, Role.Provider);
        _setOffers(msg.sender, offers);
    }

    /// @inheritdoc IRegistry
    function removeOffers(bytes32[] calldata modelIds) external {
        _requireRole(msg.sender, Role.Provider);
        Offer[] storage list = _offers[msg.sender];
        mapping(bytes32 => uint256) storage slots = _offerSlot[msg.sender];
        for (uint256 i; i < modelIds.length; ++i) {
            bytes32 modelId = modelIds[i];
            uint256 slot = slots[modelId];
            if (slot == 0) revert OfferNotFound(msg.sender, modelId);
            Offer memory last = list[list.length - 1];
            if (last.modelId != modelId) {
                list[slot - 1] = last;
                slots[last.modelId] = slot;
            }
            list.pop();
            delete slots[modelId];
            emit OfferRemoved(msg.sender, modelId);
        }
    }

    // ------------------------------------------------------------- validators

    /// @inheritdoc IRegistry
    function registerValidator(string calldata endpoint) external {
        Staker storage s = _stakers[msg.sender];
        if (s.role == Role.Provider) revert AlreadyRegistered(msg.sender, s.role);
        _checkEndpoint(endpoint);
        if (s.role == Role.None) {
            if (s.stake < minValidatorStake) revert InsufficientStake(s.stake, minValidatorStake);
            s.role = Role.Validator;
            s.index = uint32(_validators.length);
            s.registeredAt = uint64(block.timestamp);
            _validators.push(msg.sender);
            // No model declared yet (unregister clears them), so no sortition tree changes.
            totalValidatorStake += s.stake;
        }
        _validatorEndpoints[msg.sender] = endpoint;
        emit ValidatorRegistered(msg.sender, endpoint);
    }

    /// @inheritdoc IRegistry
    function unregister() external {
        Staker storage s = _stakers[msg.sender];
        Role role = s.role;
        if (role == Role.None) revert NotRegistered(msg.sender, Role.None);
        address[] storage list = role == Role.Provider ? _providers : _validators;
        address last = list[list.length - 1];
        list[s.index] = last;
        _stakers[last].index = s.index;
        list.pop();
        s.role = Role.None;
        s.index = 0;
        s.registeredAt = 0;

        if (role == Role.Provider) {
            Offer[] storage offers = _offers[msg.sender];
            for (uint256 i; i < offers.length; ++i) {
                delete _offerSlot[msg.sender][offers[i].modelId];
            }
            delete _offers[msg.sender];
            delete _profiles[msg.sender];
            emit ProviderUnregistered(msg.sender);
        } else {
            delete _validatorEndpoints[msg.sender];
            totalValidatorStake -= s.stake;
            _subWeight(msg.sender, s.stake);
            delete _validatorModels[msg.sender];
            emit ValidatorUnregistered(msg.sender);
        }
        if (s.stake != 0) _startUnbonding(s, msg.sender, s.stake);
    }

    /// @inheritdoc IRegistry
    function setValidatorModels(bytes32[] calldata modelIds) external {
        Staker storage s = _stakers[msg.sender];
        if (s.role != Role.Validator) revert NotRegistered(msg.sender, Role.Validator);
        uint256 count = modelIds.length;
        if (count > MAX_VALIDATOR_MODELS) revert TooManyModels(count, MAX_VALIDATOR_MODELS);
        for (uint256 i; i < count; ++i) {
            bytes32 modelId = modelIds[i];
            if (modelId == bytes32(0)) revert ZeroModelId();
            for (uint256 j; j < i; ++j) {
                if (modelIds[j] == modelId) revert DuplicateModel(modelId);
            }
        }
        uint256 weight = s.stake;
        if (weight != 0) {
            bytes32[] memory old = _validatorModels[msg.sender];
            bytes32[] memory next = modelIds;
            for (uint256 i; i < old.length; ++i) {
                if (!_contains(next, old[i])) _trees[old[i]].sub(msg.sender, weight);
            }
            for (uint256 i; i < count; ++i) {
                if (!_contains(old, next[i])) _trees[next[i]].add(msg.sender, weight);
            }
        }
        _validatorModels[msg.sender] = modelIds;
        emit ValidatorModelsSet(msg.sender, modelIds);
    }

    // ------------------------------------------------------------- sortition

    /// @inheritdoc IRegistry
    function sortitionWeightAt(bytes32 modelId, address validator, uint48 blockNumber) external view returns (uint256) {
        return _trees[modelId].weightAt(validator, blockNumber);
    }

    /// @inheritdoc IRegistry
    function sortitionTotalAt(bytes32 modelId, uint48 blockNumber) external view returns (uint256) {
        return _trees[modelId].totalAt(blockNumber);
    }

    /// @inheritdoc IRegistry
    function drawValidators(
        bytes32 modelId,
        uint48 snapshotBlock,
        bytes32 seed,
        uint256 count,
        address[] calldata exclude
    ) external view returns (address[] memory members) {
        if (snapshotBlock >= block.number) revert SnapshotNotPast(snapshotBlock);
        return _trees[modelId].draw(snapshotBlock, seed, count, exclude);
    }

    // ------------------------------------------------------------- parameters

    /// @inheritdoc IRegistry
    function setSlasher(address slasher_) external onlyOwner {
        if (slasher_ == address(0)) revert ZeroAddress();
        if (slasher != address(0)) revert SlasherAlreadySet(slasher);
        _checkUnbondingPeriod(slasher_, unbondingPeriod);
        slasher = slasher_;
        emit SlasherSet(slasher_);
    }

    /// @inheritdoc IRegistry
    function isSlasher(address account) external view returns (bool) {
        // No caller is address(0), so an unset slasher matches nobody that can call.
        return account == slasher && account != address(0);
    }

    /// @inheritdoc IRegistry
    function setMinStake(uint256 minStake_) external onlyOwner {
        _setMinStake(minStake_);
    }

    /// @inheritdoc IRegistry
    function setMinValidatorStake(uint256 minValidatorStake_) external onlyOwner {
        _setMinValidatorStake(minValidatorStake_);
    }

    /// @inheritdoc IRegistry
    function setUnbondingPeriod(uint64 unbondingPeriod_) external onlyOwner {
        _setUnbondingPeriod(unbondingPeriod_);
    }

    /// @inheritdoc IRegistry
    function setMaxOffers(uint256 maxOffers_) external onlyOwner {
        _setMaxOffers(maxOffers_);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRegistry
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRegistry
    function stakeOf(address account)
        external
        view
        returns (Role role, uint256 staked, uint256 unbonding, uint64 unbondingEnd)
    {
        Staker storage s = _stakers[account];
        return (s.role, s.stake, s.unbonding, s.unbondingEnd);
    }

    /// @inheritdoc IRegistry
    function roleOf(address account) external view returns (Role) {
        return _stakers[account].role;
    }

    /// @inheritdoc IRegistry
    function frozenOf(address account) external view returns (uint256) {
        return _frozen[account];
    }

    /// @inheritdoc IRegistry
    function isActiveProvider(address provider) public view returns (bool) {
        Staker storage s = _stakers[provider];
        return s.role == Role.Provider && s.stake >= minStake;
    }

    /// @inheritdoc IRegistry
    function isActiveValidator(address validator) public view returns (bool) {
        Staker storage s = _stakers[validator];
        return s.role == Role.Validator && s.stake >= minValidatorStake;
    }

    /// @inheritdoc IRegistry
    function providerCount() external view returns (uint256) {
        return _providers.length;
    }

    /// @inheritdoc IRegistry
    function getProvider(address provider) public view returns (ProviderView memory view_) {
        Staker storage s = _stakers[provider];
        ProviderProfile storage p = _profiles[provider];
        view_.provider = provider;
        view_.active = isActiveProvider(provider);
        view_.stake = s.stake;
        view_.unbonding = s.unbonding;
        view_.unbondingEnd = s.unbondingEnd;
        view_.registeredAt = s.registeredAt;
        view_.endpoint = p.endpoint;
        view_.region = p.region;
        view_.hardware = p.hardware;
        view_.offers = _offers[provider];
    }

    /// @inheritdoc IRegistry
    function getProviders(uint256 offset, uint256 limit) external view returns (ProviderView[] memory page) {
        (uint256 start, uint256 end) = _page(_providers.length, offset, limit);
        page = new ProviderView[](end - start);
        for (uint256 i = start; i < end; ++i) {
            page[i - start] = getProvider(_providers[i]);
        }
    }

    /// @inheritdoc IRegistry
    function getOffer(address provider, bytes32 modelId) external view returns (Offer memory offer, bool found) {
        uint256 slot = _offerSlot[provider][modelId];
        if (slot == 0) return (offer, false);
        return (_offers[provider][slot - 1], true);
    }

    /// @inheritdoc IRegistry
    function validatorModels(address validator) external view returns (bytes32[] memory) {
        return _validatorModels[validator];
    }

    /// @inheritdoc IRegistry
    function validatorCount() external view returns (uint256) {
        return _validators.length;
    }

    /// @inheritdoc IRegistry
    function getValidator(address validator) public view returns (ValidatorView memory view_) {
        Staker storage s = _stakers[validator];
        view_.validator = validator;
        view_.active = isActiveValidator(validator);
        view_.stake = s.stake;
        view_.unbonding = s.unbonding;
        view_.unbondingEnd = s.unbondingEnd;
        view_.registeredAt = s.registeredAt;
        view_.endpoint = _validatorEndpoints[validator];
    }

    /// @inheritdoc IRegistry
    function getValidators(uint256 offset, uint256 limit) external view returns (ValidatorView[] memory page) {
        (uint256 start, uint256 end) = _page(_validators.length, offset, limit);
        page = new ValidatorView[](end - start);
        for (uint256 i = start; i < end; ++i) {
            page[i - start] = getValidator(_validators[i]);
        }
    }

    // --------------------------------------------------------------- internal

    /// @dev Moves `amount` of stake into unbonding. A validator's sortition weight drops with it (unbonding
    /// stake is slashable but never drawn).
    function _startUnbonding(Staker storage s, address account, uint256 amount) private {
        if (s.role == Role.Validator) {
            totalValidatorStake -= amount;
            _subWeight(account, amount);
        }
        s.stake -= amount;
        s.unbonding += amount;
        uint64 end = uint64(block.timestamp) + unbondingPeriod;
        s.unbondingEnd = end;
        emit UnstakeRequested(account, amount, s.unbonding, end);
    }

    function _setOffers(address provider, Offer[] calldata offers) private {
        Offer[] storage list = _offers[provider];
        mapping(bytes32 => uint256) storage slots = _offerSlot[provider];
        for (uint256 i; i < offers.length; ++i) {
            Offer calldata offer = offers[i];
            if (offer.modelId == bytes32(0)) revert ZeroModelId();
            uint256 slot = slots[offer.modelId];
            if (slot == 0) {
                if (list.length >= maxOffers) revert TooManyOffers(list.length + 1, maxOffers);
                list.push(offer);
                slots[offer.modelId] = list.length;
            } else {
                list[slot - 1] = offer;
            }
            emit OfferSet(provider, offer.modelId, offer.pricePerMInput, offer.pricePerMOutput);
        }
    }

    /// @dev Adds `amount` to `validator`'s weight in the tree of every model it declared.
    function _addWeight(address validator, uint256 amount) private {
        bytes32[] storage models = _validatorModels[validator];
        uint256 count = models.length;
        for (uint256 i; i < count; ++i) {
            _trees[models[i]].add(validator, amount);
        }
    }

    /// @dev Takes `amount` from `validator`'s weight in the tree of every model it declared.
    function _subWeight(address validator, uint256 amount) private {
        bytes32[] storage models = _validatorModels[validator];
        uint256 count = models.length;
        for (uint256 i; i < count; ++i) {
            _trees[models[i]].sub(validator, amount);
        }
    }

    function _contains(bytes32[] memory list, bytes32 value) private pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == value) return true;
        }
        return false;
    }

    /// @dev Reverts `ParameterOutOfRange("unbondingPeriod", value, min, MAX_UNBONDING_PERIOD)` unless
    /// min <= value <= MAX_UNBONDING_PERIOD, where min is the larger of MIN_UNBONDING_PERIOD and
    /// `slasher_`'s `IDisputeWindow.minUnbondingPeriod()`. The slasher is asked with a plain staticcall, not
    /// a typed call (whose failures try/catch cannot all catch, e.g. an EOA's empty answer): a slasher that
    /// does not implement the function (an EOA, a contract whose call reverts or answers fewer than 32
    /// bytes) sets no bound beyond MIN_UNBONDING_PERIOD, so it can never brick setSlasher or
    /// setUnbondingPeriod.
    function _checkUnbondingPeriod(address slasher_, uint64 value) private view {
        uint256 minPeriod = MIN_UNBONDING_PERIOD;
        if (slasher_ != address(0)) {
            (bool ok, bytes memory data) = slasher_.staticcall(abi.encodeCall(IDisputeWindow.minUnbondingPeriod, ()));
            if (ok && data.length >= 32) {
                uint256 required = abi.decode(data, (uint256));
                if (required > minPeriod) minPeriod = required;
            }
        }
        if (value < minPeriod || value > MAX_UNBONDING_PERIOD) {
            revert ParameterOutOfRange("unbondingPeriod", value, minPeriod, MAX_UNBONDING_PERIOD);
        }
    }

    function _onlySlasher() private view {
        if (msg.sender != slasher) revert NotSlasher(msg.sender);
    }

    function _requireRole(address account, Role role) private view {
        if (_stakers[account].role != role) revert NotRegistered(account, role);
    }

    function _minimumFor(Role role) private view returns (uint256) {
        return role == Role.Provider ? minStake : role == Role.Validator ? minValidatorStake : 0;
    }

    function _checkEndpoint(string calldata endpoint) private pure {
        uint256 length = bytes(endpoint).length;
        if (length == 0) revert EmptyEndpoint();
        if (length > MAX_ENDPOINT_LENGTH) revert FieldTooLong("endpoint", length, MAX_ENDPOINT_LENGTH);
    }

    function _checkProfile(string calldata endpoint, string calldata region, Hardware calldata hardware) private pure {
        _checkEndpoint(endpoint);
        if (bytes(region).length > MAX_REGION_LENGTH) {
            revert FieldTooLong("region", bytes(region).length, MAX_REGION_LENGTH);
        }
        if (bytes(hardware.gpuModel).length > MAX_GPU_MODEL_LENGTH) {
            revert FieldTooLong("gpuModel", bytes(hardware.gpuModel).length, MAX_GPU_MODEL_LENGTH);
        }
    }

    function _page(uint256 total, uint256 offset, uint256 limit) private pure returns (uint256 start, uint256 end) {
        if (offset >= total) return (total, total);
        start = offset;
        end = total - offset < limit ? total : offset + limit;
    }

    function _setMinStake(uint256 value) private {
        if (value == 0 || value > MAX_MIN_STAKE) revert ParameterOutOfRange("minStake", value, 1, MAX_MIN_STAKE);
        minStake = value;
        emit MinStakeSet(value);
    }

    function _setMinValidatorStake(uint256 value) private {
        if (value == 0 || value > MAX_MIN_STAKE) {
            revert ParameterOutOfRange("minValidatorStake", value, 1, MAX_MIN_STAKE);
        }
        minValidatorStake = value;
        emit MinValidatorStakeSet(value);
    }

    function _setUnbondingPeriod(uint64 value) private {
        _checkUnbondingPeriod(slasher, value);
        unbondingPeriod = value;
        emit UnbondingPeriodSet(value);
    }

    function _setMaxOffers(uint256 value) private {
        if (value == 0 || value > MAX_OFFERS_LIMIT) {
            revert ParameterOutOfRange("maxOffers", value, 1, MAX_OFFERS_LIMIT);
        }
        maxOffers = value;
        emit MaxOffersSet(value);
    }
}
