// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, FuzzSelector} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice Drives the Registry through named actors with bounded inputs. Every action either does
/// something valid or returns early, so it never reverts (fail_on_revert = true). The handler mints
/// the MESH the actors stake and is the Registry's slasher. It keeps its own record of each validator's
/// declared models (a bit mask over MODELS), of freezes, and of the sortition weights at the end of every
/// block it leaves, to check the trees against.
contract RegistryHandler is Test {
    uint256 internal constant MAX_STAKE_PER_CALL = 100_000 ether;
    uint256 public constant MODEL_COUNT = 3;
    uint256 internal constant MAX_RECORDS = 24;

    /// @dev The weights and totals read back at the end of a block, once the block is left.
    struct Record {
        uint48 blockNumber;
        uint256[3] totals;
        uint256[3][5] weights;
    }

    MeshToken public immutable token;
    Registry public immutable registry;
    address public immutable treasury;

    address[] public actors;

    // Ghost totals.
    mapping(address actor => uint256) public ghostStaked;
    mapping(address actor => uint256) public ghostSlashed;
    mapping(address actor => uint256) public ghostWithdrawn;
    uint256 public ghostTotalStaked;
    uint256 public ghostTotalSlashed;
    uint256 public ghostTotalWithdrawn;
    uint256 public ghostTotalBurned;
    uint256 public ghostSlashedToTreasury;

    // How often each action did something (not just returned early).
    mapping(bytes32 action => uint256) public calls;

    mapping(address actor => uint256 mask) public ghostModels;
    mapping(address actor => uint256) public ghostFrozen;
    Record[] internal _records;

    constructor(MeshToken token_, Registry registry_, address treasury_) {
        token = token_;
        registry = registry_;
        treasury = treasury_;
        string[5] memory names = ["alice", "bob", "carol", "dave", "erin"];
        for (uint256 i; i < names.length; ++i) {
            address actor = makeAddr(names[i]);
            actors.push(actor);
            vm.prank(actor);
            token_.approve(address(registry_), type(uint256).max);
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function model(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("invariant model", i));
    }

    function recordCount() external view returns (uint256) {
        return _records.length;
    }

    function record(uint256 i) external view returns (Record memory) {
        return _records[i];
    }

    /// @dev What an actor's weight in model `m` must be now: its stake if it is a validator that declared m.
    function expectedWeight(address actor, uint256 m) public view returns (uint256) {
        (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(actor);
        if (role != IRegistry.Role.Validator || (ghostModels[actor] >> m) & 1 == 0) return 0;
        return staked;
    }

    // ---------------------------------------------------------------- actions

    function stake(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        _stake(actor, bound(amount, 1, MAX_STAKE_PER_CALL));
        calls["stake"]++;
    }

    function registerProvider(uint256 actorSeed, uint256 offerCount, uint256 offerSeed) external {
        address actor = _actor(actorSeed);
        (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(actor);
        if (role != IRegistry.Role.None) return;
        uint256 minStake = registry.minStake();
        if (staked < minStake) _stake(actor, minStake - staked);

        offerCount = bound(offerCount, 0, registry.maxOffers());
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](offerCount);
        for (uint256 i; i < offerCount; ++i) {
            offers[i] = IRegistry.Offer({
                modelId: keccak256(abi.encode(offerSeed, i)),
                pricePerMInput: uint128(bound(offerSeed >> 8, 0, 1 ether)),
                pricePerMOutput: uint128(bound(offerSeed >> 72, 0, 3 ether))
            });
        }
        IRegistry.Hardware memory hw =
            IRegistry.Hardware({gpuModel: "RTX 4090", gpuCount: 1, vramMb: 24_576, cpuCores: 16, ramMb: 65_536});
        vm.prank(actor);
        registry.registerProvider("https://provider.mesh.example", "eu-west", hw, offers);
        calls["registerProvider"]++;
    }

    function registerValidator(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(actor);
        if (role == IRegistry.Role.Provider) return;
        if (role == IRegistry.Role.None) {
            uint256 minValidatorStake = registry.minValidatorStake();
            if (staked < minValidatorStake) _stake(actor, minValidatorStake - staked);
        }
        vm.prank(actor);
        registry.registerValidator("https://validator.mesh.example");
        calls["registerValidator"]++;
    }

    function requestUnstake(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(actor);
        uint256 keep = role == IRegistry.Role.Provider
            ? registry.minStake()
            : role == IRegistry.Role.Validator ? registry.minValidatorStake() : 0;
        if (staked <= keep) return;
        amount = bound(amount, 1, staked - keep);
        vm.prank(actor);
        registry.requestUnstake(amount);
        calls["requestUnstake"]++;
    }

    function unregister(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        (IRegistry.Role role,,,) = registry.stakeOf(actor);
        if (role == IRegistry.Role.None) return;
        vm.prank(actor);
        registry.unregister();
        ghostModels[actor] = 0;
        calls["unregister"]++;
    }

    function setValidatorModels(uint256 actorSeed, uint256 mask) external {
        address actor = _actor(actorSeed);
        (IRegistry.Role role,,,) = registry.stakeOf(actor);
        if (role != IRegistry.Role.Validator) return;
        mask = mask % (1 << MODEL_COUNT);
        bytes32[] memory ids = new bytes32[](MODEL_COUNT);
        uint256 count;
        // Listed in a mask-dependent order, so the order of the list does not matter either.
        for (uint256 k; k < MODEL_COUNT; ++k) {
            uint256 m = (k + mask) % MODEL_COUNT;
            if ((mask >> m) & 1 == 1) ids[count++] = model(m);
        }
        assembly ("memory-safe") {
            mstore(ids, count)
        }
        vm.prank(actor);
        registry.setValidatorModels(ids);
        ghostModels[actor] = mask;
        calls["setValidatorModels"]++;
    }

    function freeze(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        registry.freeze(actor);
        ghostFrozen[actor]++;
        calls["freeze"]++;
    }

    function unfreeze(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        if (ghostFrozen[actor] == 0) return;
        registry.unfreeze(actor);
        ghostFrozen[actor]--;
        calls["unfreeze"]++;
    }

    /// @dev Records the weights at the end of this block, then moves on 1 to 20 blocks.
    function roll(uint256 blocks) external {
        if (_records.length < MAX_RECORDS) {
            Record storage r = _records.push();
            r.blockNumber = uint48(block.number);
            for (uint256 m; m < MODEL_COUNT; ++m) {
                r.totals[m] = registry.sortitionTotalAt(model(m), uint48(block.number));
                for (uint256 a; a < actors.length; ++a) {
                    r.weights[a][m] = registry.sortitionWeightAt(model(m), actors[a], uint48(block.number));
                }
            }
        }
        vm.roll(block.number + bound(blocks, 1, 20));
        calls["roll"]++;
    }

    function withdrawStake(uint256 actorSeed, uint256 extraWait) external {
        address actor = _actor(actorSeed);
        (,, uint256 unbonding, uint64 unbondingEnd) = registry.stakeOf(actor);
        if (unbonding == 0 || ghostFrozen[actor] != 0) return;
        if (block.timestamp < unbondingEnd) vm.warp(uint256(unbondingEnd) + bound(extraWait, 0, 1 days));

        uint256 before = token.balanceOf(actor);
        vm.prank(actor);
        registry.withdrawStake();
        assert(token.balanceOf(actor) == before + unbonding);

        ghostWithdrawn[actor] += unbonding;
        ghostTotalWithdrawn += unbonding;
        calls["withdrawStake"]++;
    }

    function slash(uint256 actorSeed, uint256 amount, bool burn) external {
        address actor = _actor(actorSeed);
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(actor);
        uint256 held = staked + unbonding;
        // Sometimes ask for more than the actor holds: the Registry must cap it.
        amount = bound(amount, 0, held + held / 2 + 1);
        address recipient = burn ? address(0) : treasury;

        uint256 slashed = registry.slash(actor, amount, recipient);
        assert(slashed <= amount && slashed <= held);

        ghostSlashed[actor] += slashed;
        ghostTotalSlashed += slashed;
        if (burn) ghostTotalBurned += slashed;
        else ghostSlashedToTreasury += slashed;
        calls["slash"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 10 days));
    }

    // ---------------------------------------------------------------- helpers

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _stake(address actor, uint256 amount) internal {
        token.mint(actor, amount);
        vm.prank(actor);
        registry.stake(amount);
        ghostStaked[actor] += amount;
        ghostTotalStaked += amount;
    }
}

contract RegistryInvariantTest is Test {
    MeshToken internal token;
    Registry internal registry;
    RegistryHandler internal handler;
    address internal owner;
    address internal treasury;

    function setUp() public {
        vm.warp(1_750_000_000);
        vm.roll(1000);
        owner = makeAddr("owner");
        treasury = makeAddr("treasury");
        token = new MeshToken(owner, address(0), 0);
        registry = new Registry(owner, IMeshToken(address(token)), 1000 ether, 2000 ether, 7 days, 8);
        handler = new RegistryHandler(token, registry, treasury);

        vm.startPrank(owner);
        token.setMinter(address(handler));
        registry.setSlasher(address(handler));
        vm.stopPrank();

        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = RegistryHandler.stake.selector;
        selectors[1] = RegistryHandler.registerProvider.selector;
        selectors[2] = RegistryHandler.registerValidator.selector;
        selectors[3] = RegistryHandler.requestUnstake.selector;
        selectors[4] = RegistryHandler.unregister.selector;
        selectors[5] = RegistryHandler.withdrawStake.selector;
        selectors[6] = RegistryHandler.slash.selector;
        selectors[7] = RegistryHandler.slash.selector; // slashing twice as likely
        selectors[8] = RegistryHandler.warp.selector;
        selectors[9] = RegistryHandler.setValidatorModels.selector;
        selectors[10] = RegistryHandler.setValidatorModels.selector;
        selectors[11] = RegistryHandler.freeze.selector;
        selectors[12] = RegistryHandler.unfreeze.selector;
        selectors[13] = RegistryHandler.roll.selector;
        selectors[14] = RegistryHandler.registerValidator.selector; // validators twice as likely
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev The Registry holds exactly what it owes stakers, and totalStaked is the sum of every
    /// account's stake and unbonding stake.
    function invariant_balanceEqualsTotalStakedEqualsSumOfAccounts() public view {
        uint256 sum;
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; ++i) {
            (, uint256 staked, uint256 unbonding,) = registry.stakeOf(handler.actors(i));
            sum += staked + unbonding;
        }
        vm.assertEq(token.balanceOf(address(registry)), registry.totalStaked(), "balance != totalStaked");
        vm.assertEq(registry.totalStaked(), sum, "totalStaked != sum of accounts");
    }

    /// @dev Nothing is created or lost: what is held is what was staked minus slashed minus withdrawn.
    function invariant_heldEqualsStakedMinusSlashedMinusWithdrawn() public view {
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; ++i) {
            address actor = handler.actors(i);
            (, uint256 staked, uint256 unbonding,) = registry.stakeOf(actor);
            vm.assertEq(
                staked + unbonding,
                handler.ghostStaked(actor) - handler.ghostSlashed(actor) - handler.ghostWithdrawn(actor),
                "per-actor conservation"
            );
        }
        vm.assertEq(
            registry.totalStaked(),
            handler.ghostTotalStaked() - handler.ghostTotalSlashed() - handler.ghostTotalWithdrawn(),
            "total conservation"
        );
    }

    /// @dev Slashing never takes more than was staked, in total or from any one actor.
    function invariant_slashedNeverExceedsStaked() public view {
        vm.assertLe(handler.ghostTotalSlashed(), handler.ghostTotalStaked(), "total slashed > staked");
        uint256 n = handler.actorCount();
        for (uint256 i; i < n; ++i) {
            address actor = handler.actors(i);
            vm.assertLe(handler.ghostSlashed(actor), handler.ghostStaked(actor), "actor slashed > staked");
        }
    }

    function invariant_totalSlashedMatchesGhost() public view {
        vm.assertEq(registry.totalSlashed(), handler.ghostTotalSlashed(), "totalSlashed");
        vm.assertEq(token.balanceOf(treasury), handler.ghostSlashedToTreasury(), "treasury");
        vm.assertEq(token.totalBurned(), handler.ghostTotalBurned(), "burned");
    }

    /// @dev The role lists hold exactly the actors with that role, each exactly once.
    function invariant_roleListsMatchRoles() public view {
        uint256 n = handler.actorCount();
        uint256 providers;
        uint256 validators;
        IRegistry.ProviderView[] memory providerList = registry.getProviders(0, type(uint256).max);
        IRegistry.ValidatorView[] memory validatorList = registry.getValidators(0, type(uint256).max);
        for (uint256 i; i < n; ++i) {
            address actor = handler.actors(i);
            (IRegistry.Role role,,,) = registry.stakeOf(actor);
            if (role == IRegistry.Role.Provider) ++providers;
            if (role == IRegistry.Role.Validator) ++validators;
            vm.assertEq(_countProvider(providerList, actor), role == IRegistry.Role.Provider ? 1 : 0, "provider list");
            vm.assertEq(
                _countValidator(validatorList, actor), role == IRegistry.Role.Validator ? 1 : 0, "validator list"
            );
        }
        vm.assertEq(registry.providerCount(), providers, "providerCount");
        vm.assertEq(registry.validatorCount(), validators, "validatorCount");
        vm.assertEq(providerList.length, providers, "getProviders length");
        vm.assertEq(validatorList.length, validators, "getValidators length");
    }

    /// @dev For every model, the tree's total now is the sum of the stake of the validators that declared
    /// it, and each actor's weight is its stake when it is a validator that declared the model, else 0.
    function invariant_sortitionTreesMatchDeclaredStake() public view {
        uint256 n = handler.actorCount();
        uint48 now_ = uint48(block.number);
        for (uint256 m; m < handler.MODEL_COUNT(); ++m) {
            uint256 sum;
            for (uint256 i; i < n; ++i) {
                address actor = handler.actors(i);
                uint256 expected = handler.expectedWeight(actor, m);
                vm.assertEq(registry.sortitionWeightAt(handler.model(m), actor, now_), expected, "weight");
                sum += expected;
            }
            vm.assertEq(registry.sortitionTotalAt(handler.model(m), now_), sum, "tree total");
        }
    }

    /// @dev totalValidatorStake is the stake of every validator, and validatorModels what each declared.
    function invariant_validatorStakeAndModels() public view {
        uint256 n = handler.actorCount();
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            address actor = handler.actors(i);
            (IRegistry.Role role, uint256 staked,,) = registry.stakeOf(actor);
            if (role == IRegistry.Role.Validator) sum += staked;
            bytes32[] memory models = registry.validatorModels(actor);
            uint256 mask;
            for (uint256 k; k < models.length; ++k) {
                for (uint256 m; m < handler.MODEL_COUNT(); ++m) {
                    if (models[k] == handler.model(m)) mask |= 1 << m;
                }
            }
            vm.assertEq(models.length, _popcount(mask), "unknown or repeated model");
            vm.assertEq(mask, handler.ghostModels(actor), "validatorModels");
            vm.assertEq(registry.frozenOf(actor), handler.ghostFrozen(actor), "frozenOf");
        }
        vm.assertEq(registry.totalValidatorStake(), sum, "totalValidatorStake");
    }

    /// @dev What the trees said at the end of a block they left never changes afterwards.
    function invariant_pastWeightsNeverChange() public view {
        uint256 count = handler.recordCount();
        uint256 n = handler.actorCount();
        for (uint256 r; r < count; ++r) {
            RegistryHandler.Record memory rec = handler.record(r);
            for (uint256 m; m < handler.MODEL_COUNT(); ++m) {
                vm.assertEq(registry.sortitionTotalAt(handler.model(m), rec.blockNumber), rec.totals[m], "past total");
                for (uint256 a; a < n; ++a) {
                    vm.assertEq(
                        registry.sortitionWeightAt(handler.model(m), handler.actors(a), rec.blockNumber),
                        rec.weights[a][m],
                        "past weight"
                    );
                }
            }
        }
    }

    /// @dev A draw of everyone at the last block returns each validator with weight there exactly once.
    function invariant_drawOfEveryoneIsEveryEligibleValidatorOnce() public view {
        uint48 snapshot = uint48(block.number - 1);
        uint256 n = handler.actorCount();
        for (uint256 m; m < handler.MODEL_COUNT(); ++m) {
            address[] memory drawn =
                registry.drawValidators(handler.model(m), snapshot, keccak256(abi.encode(m)), n, new address[](0));
            uint256 eligible;
            for (uint256 i; i < n; ++i) {
                address actor = handler.actors(i);
                bool weighs = registry.sortitionWeightAt(handler.model(m), actor, snapshot) != 0;
                if (weighs) ++eligible;
                uint256 seen;
                for (uint256 k; k < drawn.length; ++k) {
                    if (drawn[k] == actor) ++seen;
                }
                vm.assertEq(seen, weighs ? 1 : 0, "drawn once iff weight > 0");
            }
            vm.assertEq(drawn.length, eligible, "draw length");
        }
    }

    function _popcount(uint256 x) private pure returns (uint256 c) {
        for (; x != 0; x >>= 1) {
            c += x & 1;
        }
    }

    function invariant_tokenSupplyEqualsMintedMinusBurned() public view {
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned(), "supply");
    }

    function _countProvider(IRegistry.ProviderView[] memory list, address who) private pure returns (uint256 c) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i].provider == who) ++c;
        }
    }

    function _countValidator(IRegistry.ValidatorView[] memory list, address who) private pure returns (uint256 c) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i].validator == who) ++c;
        }
    }
}
