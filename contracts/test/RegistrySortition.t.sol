// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice forge's `lastCallGas` cheatcode (not in ./utils/Test.sol's Vm): the gas of the last call made.
interface VmGas {
    struct Gas {
        uint64 gasLimit;
        uint64 gasTotalUsed;
        uint64 gasMemoryUsed;
        int64 gasRefunded;
        uint64 gasRemaining;
    }

    function lastCallGas() external view returns (Gas memory gas);
}

/// @notice What the sortition tests share: a Registry, MESH, validators with declared models.
abstract contract SortitionBase is Test {
    uint256 internal constant MIN_STAKE = 1000 ether;
    uint256 internal constant MIN_VALIDATOR_STAKE = 2000 ether;
    uint64 internal constant UNBONDING = 7 days;

    bytes32 internal constant LLAMA = keccak256("llama-3.1-8b-instruct-q4_k_m.gguf");
    bytes32 internal constant QWEN = keccak256("qwen2.5-7b-instruct-q4_k_m.gguf");
    bytes32 internal constant PHI = keccak256("phi-3.5-mini-instruct-q4_k_m.gguf");

    MeshToken internal token;
    Registry internal registry;
    address internal owner;
    address internal slasher;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        vm.roll(100);
        owner = makeAddr("owner");
        slasher = makeAddr("disputes");
        token = new MeshToken(owner, address(0), 0);
        registry = new Registry(owner, IMeshToken(address(token)), MIN_STAKE, MIN_VALIDATOR_STAKE, UNBONDING, 8);
        vm.startPrank(owner);
        token.setMinter(owner);
        registry.setSlasher(slasher);
        vm.stopPrank();
    }

    function _fund(address who, uint256 amount) internal {
        vm.prank(owner);
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(registry), type(uint256).max);
    }

    /// @dev A registered validator holding `amount` staked that declared `models` (none when empty).
    function _validator(string memory name, uint256 amount, bytes32[] memory models) internal returns (address v) {
        v = makeAddr(name);
        _fund(v, amount);
        vm.startPrank(v);
        registry.stake(amount);
        registry.registerValidator("https://validator.mesh.example");
        if (models.length != 0) registry.setValidatorModels(models);
        vm.stopPrank();
    }

    function _name(string memory prefix, uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked(prefix, _decimal(i)));
    }

    function _decimal(uint256 v) internal pure returns (bytes memory out) {
        if (v == 0) return "0";
        uint256 digits;
        for (uint256 t = v; t != 0; t /= 10) {
            ++digits;
        }
        out = new bytes(digits);
        for (; v != 0; v /= 10) {
            out[--digits] = bytes1(uint8(48 + v % 10));
        }
    }

    function _ids(bytes32 a) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](1);
        l[0] = a;
    }

    function _ids(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](2);
        (l[0], l[1]) = (a, b);
    }

    function _ids(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    /// @dev `count` distinct non-zero model ids.
    function _manyIds(uint256 count) internal pure returns (bytes32[] memory l) {
        l = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            l[i] = keccak256(abi.encode("model", i));
        }
    }

    function _none() internal pure returns (address[] memory) {
        return new address[](0);
    }

    function _addrs(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function _addrs(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function _now() internal view returns (uint48) {
        return uint48(block.number);
    }

    function _draw(bytes32 model, uint48 snapshot, bytes32 seed, uint256 count, address[] memory exclude)
        internal
        view
        returns (address[] memory)
    {
        return registry.drawValidators(model, snapshot, seed, count, exclude);
    }

    function _assertSame(address[] memory a, address[] memory b) internal pure {
        vm.assertEq(a.length, b.length, "draw length");
        for (uint256 i; i < a.length; ++i) {
            vm.assertEq(a[i], b[i], "draw member");
        }
    }

    function _has(address[] memory list, address who) internal pure returns (bool) {
        for (uint256 i; i < list.length; ++i) {
            if (list[i] == who) return true;
        }
        return false;
    }

    /// @dev The draw rule written the slow way: a linear scan over the leaves in order (leaf order is the
    /// order in which the validators first got weight in the model), removed ones weighing 0.
    function _referenceDraw(
        address[] memory leaves,
        uint256[] memory weights,
        bytes32 seed,
        uint256 count,
        address[] memory exclude
    ) internal pure returns (address[] memory members) {
        bool[] memory removed = new bool[](leaves.length);
        uint256 remaining;
        for (uint256 i; i < leaves.length; ++i) {
            if (_has(exclude, leaves[i])) removed[i] = true;
            else remaining += weights[i];
        }
        members = new address[](count);
        uint256 picked;
        while (picked < count && remaining != 0) {
            uint256 r = uint256(keccak256(abi.encode(seed, picked))) % remaining;
            for (uint256 i; i < leaves.length; ++i) {
                if (removed[i]) continue;
                if (r < weights[i]) {
                    removed[i] = true;
                    remaining -= weights[i];
                    members[picked++] = leaves[i];
                    break;
                }
                r -= weights[i];
            }
        }
        assembly ("memory-safe") {
            mstore(members, picked)
        }
    }
}

/// @notice Validator models, the per-model sortition trees with history and drawValidators.
contract RegistrySortitionTest is SortitionBase {
    // ====================================================== setValidatorModels

    function test_setValidatorModels_setsListWeightsAndEmits() public {
        address v = _validator("v", 3000 ether, new bytes32[](0));
        vm.assertEq(registry.validatorModels(v).length, 0);
        vm.expectEmit(address(registry));
        emit IRegistry.ValidatorModelsSet(v, _ids(LLAMA, QWEN));
        vm.prank(v);
        registry.setValidatorModels(_ids(LLAMA, QWEN));
        bytes32[] memory models = registry.validatorModels(v);
        vm.assertEq(models.length, 2);
        vm.assertEq(models[0], LLAMA);
        vm.assertEq(models[1], QWEN);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 3000 ether);
        vm.assertEq(registry.sortitionWeightAt(QWEN, v, _now()), 3000 ether);
        vm.assertEq(registry.sortitionWeightAt(PHI, v, _now()), 0);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 3000 ether);
        // Nothing before this block.
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now() - 1), 0);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now() - 1), 0);
    }

    function test_setValidatorModels_replacesTheSet() public {
        address v = _validator("v", 3000 ether, _ids(LLAMA, QWEN));
        address w = _validator("w", 2000 ether, _ids(QWEN));
        vm.roll(block.number + 1);
        vm.prank(v);
        registry.setValidatorModels(_ids(PHI, QWEN));
        bytes32[] memory models = registry.validatorModels(v);
        vm.assertEq(models.length, 2);
        vm.assertEq(models[0], PHI);
        vm.assertEq(models[1], QWEN);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 0);
        vm.assertEq(registry.sortitionWeightAt(QWEN, v, _now()), 3000 ether);
        vm.assertEq(registry.sortitionWeightAt(PHI, v, _now()), 3000 ether);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 0);
        vm.assertEq(registry.sortitionTotalAt(QWEN, _now()), 5000 ether);
        vm.assertEq(registry.sortitionTotalAt(PHI, _now()), 3000 ether);
        vm.assertEq(registry.sortitionWeightAt(QWEN, w, _now()), 2000 ether);
        // The previous block still sees the old set.
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now() - 1), 3000 ether);
        vm.assertEq(registry.sortitionWeightAt(PHI, v, _now() - 1), 0);
    }

    function test_setValidatorModels_emptyListClearsEveryWeight() public {
        address v = _validator("v", 3000 ether, _ids(LLAMA, QWEN, PHI));
        vm.prank(v);
        registry.setValidatorModels(new bytes32[](0));
        vm.assertEq(registry.validatorModels(v).length, 0);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 0);
        vm.assertEq(registry.sortitionTotalAt(QWEN, _now()), 0);
        vm.assertEq(registry.sortitionTotalAt(PHI, _now()), 0);
        vm.assertEq(registry.totalValidatorStake(), 3000 ether);
    }

    function test_setValidatorModels_acceptsTheMaximum() public {
        bytes32[] memory ids = _manyIds(registry.MAX_VALIDATOR_MODELS());
        address v = _validator("v", 2000 ether, ids);
        vm.assertEq(registry.validatorModels(v).length, 16);
        for (uint256 i; i < ids.length; ++i) {
            vm.assertEq(registry.sortitionWeightAt(ids[i], v, _now()), 2000 ether);
        }
    }

    function test_setValidatorModels_revertsWhenTooManyModels() public {
        address v = _validator("v", 2000 ether, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(IRegistry.TooManyModels.selector, 17, 16));
        vm.prank(v);
        registry.setValidatorModels(_manyIds(17));
    }

    function test_setValidatorModels_revertsWhenModelIdIsZero() public {
        address v = _validator("v", 2000 ether, new bytes32[](0));
        vm.expectRevert(IRegistry.ZeroModelId.selector);
        vm.prank(v);
        registry.setValidatorModels(_ids(LLAMA, bytes32(0)));
    }

    function test_setValidatorModels_revertsWhenDuplicate() public {
        address v = _validator("v", 2000 ether, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(IRegistry.DuplicateModel.selector, LLAMA));
        vm.prank(v);
        registry.setValidatorModels(_ids(LLAMA, QWEN, LLAMA));
    }

    function test_setValidatorModels_revertsWhenNotValidator() public {
        address nobody = makeAddr("nobody");
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, nobody, IRegistry.Role.Validator));
        vm.prank(nobody);
        registry.setValidatorModels(_ids(LLAMA));

        address provider = makeAddr("provider");
        _fund(provider, MIN_STAKE);
        IRegistry.Hardware memory hw =
            IRegistry.Hardware({gpuModel: "RTX 4090", gpuCount: 1, vramMb: 24_576, cpuCores: 16, ramMb: 65_536});
        vm.startPrank(provider);
        registry.stake(MIN_STAKE);
        registry.registerProvider("https://provider.mesh.example", "eu-west", hw, new IRegistry.Offer[](0));
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotRegistered.selector, provider, IRegistry.Role.Validator));
        registry.setValidatorModels(_ids(LLAMA));
        vm.stopPrank();
    }

    function test_setValidatorModels_withNothingStakedAddsWeightOnlyOnceStaked() public {
        address v = _validator("v", 2000 ether, new bytes32[](0));
        vm.prank(slasher);
        registry.slash(v, 2000 ether, address(0));
        vm.prank(v);
        registry.setValidatorModels(_ids(LLAMA));
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 0);
        vm.assertEq(_draw(LLAMA, _now() - 1, bytes32(0), 3, _none()).length, 0);
        _fund(v, 500 ether);
        vm.prank(v);
        registry.stake(500 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 500 ether);
        vm.assertEq(registry.totalValidatorStake(), 500 ether);
    }

    // ================================================= weights follow the stake

    function test_stake_addsWeightInEveryDeclaredModel() public {
        address v = _validator("v", 2000 ether, _ids(LLAMA, QWEN));
        _fund(v, 700 ether);
        vm.roll(block.number + 1);
        vm.prank(v);
        registry.stake(700 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 2700 ether);
        vm.assertEq(registry.sortitionWeightAt(QWEN, v, _now()), 2700 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now() - 1), 2000 ether);
        vm.assertEq(registry.totalValidatorStake(), 2700 ether);
    }

    function test_requestUnstake_takesWeightAndUnbondingNeverCounts() public {
        address v = _validator("v", 5000 ether, _ids(LLAMA));
        vm.prank(v);
        registry.requestUnstake(1500 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 3500 ether);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 3500 ether);
        vm.assertEq(registry.totalValidatorStake(), 3500 ether);
    }

    function test_slash_takesWeightForStakeButNotForUnbonding() public {
        address v = _validator("v", 5000 ether, _ids(LLAMA, QWEN));
        vm.prank(v);
        registry.requestUnstake(1000 ether);
        // 1000 from unbonding would not move the weight; here 1200 come from stake first.
        vm.prank(slasher);
        uint256 slashed = registry.slash(v, 1200 ether, slasher);
        vm.assertEq(slashed, 1200 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 2800 ether);
        vm.assertEq(registry.sortitionWeightAt(QWEN, v, _now()), 2800 ether);
        vm.assertEq(registry.totalValidatorStake(), 2800 ether);
        // Everything staked, then 500 of the unbonding stake.
        vm.prank(slasher);
        slashed = registry.slash(v, 3300 ether, address(0));
        vm.assertEq(slashed, 3300 ether);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 0);
        vm.assertEq(registry.totalValidatorStake(), 0);
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(v);
        vm.assertEq(staked, 0);
        vm.assertEq(unbonding, 500 ether);
        vm.assertEq(token.balanceOf(slasher), 1200 ether);
        vm.assertEq(token.balanceOf(address(registry)), 500 ether);
    }

    function test_slash_belowMinimumKeepsWeightEqualToStake() public {
        address v = _validator("v", 2000 ether, _ids(LLAMA));
        vm.prank(slasher);
        registry.slash(v, 1500 ether, address(0));
        vm.assertFalse(registry.isActiveValidator(v));
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 500 ether);
        vm.assertEq(registry.totalValidatorStake(), 500 ether);
        vm.roll(block.number + 1);
        address[] memory drawn = _draw(LLAMA, _now() - 1, bytes32(uint256(1)), 3, _none());
        vm.assertEq(drawn.length, 1);
        vm.assertEq(drawn[0], v);
    }

    function test_unregister_clearsModelsAndEveryWeight() public {
        address v = _validator("v", 3000 ether, _ids(LLAMA, QWEN));
        address w = _validator("w", 2000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        vm.prank(v);
        registry.unregister();
        vm.assertEq(registry.validatorModels(v).length, 0);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 0);
        vm.assertEq(registry.sortitionWeightAt(QWEN, v, _now()), 0);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 2000 ether);
        vm.assertEq(registry.sortitionTotalAt(QWEN, _now()), 0);
        vm.assertEq(registry.totalValidatorStake(), 2000 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, w, _now()), 2000 ether);
        // The previous block still has v's weight.
        vm.assertEq(registry.sortitionWeightAt(QWEN, v, _now() - 1), 3000 ether);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now() - 1), 5000 ether);
    }

    function test_registerValidator_countsStakeButNoWeightUntilModelsDeclared() public {
        address v = _validator("v", 3000 ether, _ids(LLAMA));
        vm.prank(v);
        registry.unregister();
        vm.assertEq(registry.totalValidatorStake(), 0);
        // Back from unbonding to stake, then registered again.
        _fund(v, 2500 ether);
        vm.startPrank(v);
        registry.stake(2500 ether);
        registry.registerValidator("https://validator.mesh.example");
        vm.stopPrank();
        vm.assertEq(registry.totalValidatorStake(), 2500 ether);
        vm.assertEq(registry.validatorModels(v).length, 0);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 0);
        vm.prank(v);
        registry.setValidatorModels(_ids(LLAMA));
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, _now()), 2500 ether);
        // Updating the endpoint changes nothing.
        vm.prank(v);
        registry.registerValidator("https://validator2.mesh.example");
        vm.assertEq(registry.totalValidatorStake(), 2500 ether);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, _now()), 2500 ether);
    }

    function test_providerAndUnregisteredStakeNeverCountForValidators() public {
        address provider = makeAddr("provider");
        address idle = makeAddr("idle");
        _fund(provider, 5000 ether);
        _fund(idle, 5000 ether);
        IRegistry.Hardware memory hw =
            IRegistry.Hardware({gpuModel: "RTX 4090", gpuCount: 1, vramMb: 24_576, cpuCores: 16, ramMb: 65_536});
        vm.startPrank(provider);
        registry.stake(5000 ether);
        registry.registerProvider("https://provider.mesh.example", "eu-west", hw, new IRegistry.Offer[](0));
        vm.stopPrank();
        vm.prank(idle);
        registry.stake(5000 ether);
        vm.prank(slasher);
        registry.slash(provider, 100 ether, address(0));
        vm.assertEq(registry.totalValidatorStake(), 0);
        vm.assertEq(registry.totalStaked(), 9900 ether);
    }

    // ======================================================= weight history

    function test_sortitionWeightAt_keepsHistoryAndTheLastValueOfEachBlock() public {
        uint48 b0 = _now();
        address v = _validator("v", 2000 ether, _ids(LLAMA)); // b0: 2000
        _fund(v, 10_000 ether);
        vm.roll(b0 + 2);
        vm.startPrank(v);
        registry.stake(1000 ether);
        registry.stake(500 ether); // b0 + 2: 3500 (the block's last value)
        vm.roll(b0 + 5);
        registry.requestUnstake(1000 ether); // b0 + 5: 2500
        vm.roll(b0 + 6);
        registry.unregister(); // b0 + 6: 0
        vm.stopPrank();
        vm.roll(b0 + 7);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 - 1), 0);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0), 2000 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 + 1), 2000 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 + 2), 3500 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 + 4), 3500 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 + 5), 2500 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 + 6), 0);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, b0 + 2), 3500 ether);
        vm.assertEq(registry.sortitionTotalAt(LLAMA, b0 + 6), 0);
        // A block not yet mined reads the latest value.
        vm.assertEq(registry.sortitionWeightAt(LLAMA, v, b0 + 1000), 0);
        vm.assertEq(registry.sortitionTotalAt(QWEN, b0 + 2), 0);
    }

    /// @dev Leaves 1..9 joining one block apart: every leaf's own weight and every prefix stays right at
    /// every block, including the nodes created with the sum of older leaves (2, 4, 6, 8).
    function test_sortitionWeightAt_rightForEveryLeafAtEveryBlock() public {
        uint48 b0 = _now();
        address[] memory vs = new address[](9);
        for (uint256 i; i < 9; ++i) {
            vm.roll(b0 + i);
            vs[i] = _validator(_name("v", i), 2000 ether + i * 1 ether, _ids(LLAMA));
        }
        // Then validator 2 leaves and validator 5 tops up.
        vm.roll(b0 + 9);
        vm.prank(vs[2]);
        registry.unregister();
        _fund(vs[5], 1 ether);
        vm.prank(vs[5]);
        registry.stake(1 ether);
        vm.roll(b0 + 10);
        for (uint256 b; b <= 9; ++b) {
            uint256 total;
            for (uint256 i; i < 9; ++i) {
                uint256 expected = i > b ? 0 : 2000 ether + i * 1 ether;
                if (b == 9 && i == 2) expected = 0;
                if (b == 9 && i == 5) expected += 1 ether;
                vm.assertEq(registry.sortitionWeightAt(LLAMA, vs[i], uint48(b0 + b)), expected, "weight");
                total += expected;
            }
            vm.assertEq(registry.sortitionTotalAt(LLAMA, uint48(b0 + b)), total, "total");
        }
    }

    // ========================================================= drawValidators

    function test_drawValidators_revertsWhenSnapshotNotPast() public {
        _validator("v", 2000 ether, _ids(LLAMA));
        vm.expectRevert(abi.encodeWithSelector(IRegistry.SnapshotNotPast.selector, _now()));
        registry.drawValidators(LLAMA, _now(), bytes32(0), 1, _none());
        vm.expectRevert(abi.encodeWithSelector(IRegistry.SnapshotNotPast.selector, _now() + 1));
        registry.drawValidators(LLAMA, _now() + 1, bytes32(0), 1, _none());
        vm.assertEq(registry.drawValidators(LLAMA, _now() - 1, bytes32(0), 1, _none()).length, 0);
    }

    function test_drawValidators_emptyForUnknownModelOrZeroCount() public {
        _validator("v", 2000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        vm.assertEq(_draw(QWEN, _now() - 1, bytes32(0), 3, _none()).length, 0);
        vm.assertEq(_draw(LLAMA, _now() - 1, bytes32(0), 0, _none()).length, 0);
        vm.assertEq(_draw(LLAMA, _now() - 1, bytes32(0), 1, _none()).length, 1);
    }

    function test_drawValidators_returnsEveryEligibleValidatorWhenCountIsLarger() public {
        address a = _validator("a", 2000 ether, _ids(LLAMA));
        address b = _validator("b", 3000 ether, _ids(LLAMA, QWEN));
        address c = _validator("c", 4000 ether, _ids(QWEN));
        address d = _validator("d", 9000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        address[] memory drawn = _draw(LLAMA, _now() - 1, keccak256("seed"), type(uint256).max, _none());
        vm.assertEq(drawn.length, 3);
        vm.assertTrue(_has(drawn, a) && _has(drawn, b) && _has(drawn, d));
        vm.assertFalse(_has(drawn, c)); // c never declared LLAMA
        drawn = _draw(QWEN, _now() - 1, keccak256("seed"), 5, _none());
        vm.assertEq(drawn.length, 2);
        vm.assertTrue(_has(drawn, b) && _has(drawn, c));
    }

    function test_drawValidators_neverDrawsExcluded() public {
        address a = _validator("a", 2000 ether, _ids(LLAMA));
        address b = _validator("b", 3000 ether, _ids(LLAMA));
        address c = _validator("c", 4000 ether, _ids(LLAMA));
        address stranger = makeAddr("stranger");
        vm.roll(block.number + 1);
        address[] memory exclude = new address[](4);
        (exclude[0], exclude[1], exclude[2], exclude[3]) = (a, stranger, c, a); // duplicates and strangers ignored
        for (uint256 s; s < 20; ++s) {
            address[] memory drawn = _draw(LLAMA, _now() - 1, bytes32(s), 3, exclude);
            vm.assertEq(drawn.length, 1);
            vm.assertEq(drawn[0], b);
        }
        exclude[1] = b;
        vm.assertEq(_draw(LLAMA, _now() - 1, bytes32(0), 3, exclude).length, 0);
    }

    function test_drawValidators_skipsValidatorsWithoutWeight() public {
        address a = _validator("a", 2000 ether, _ids(LLAMA));
        address b = _validator("b", 3000 ether, _ids(LLAMA));
        address c = _validator("c", 4000 ether, _ids(LLAMA));
        vm.prank(b);
        registry.unregister();
        vm.prank(slasher);
        registry.slash(c, 4000 ether, address(0));
        vm.roll(block.number + 1);
        for (uint256 s; s < 20; ++s) {
            address[] memory drawn = _draw(LLAMA, _now() - 1, bytes32(s), 3, _none());
            vm.assertEq(drawn.length, 1);
            vm.assertEq(drawn[0], a);
        }
    }

    function test_drawValidators_isDeterministicAndMatchesTheReference() public {
        address[] memory leaves = new address[](13);
        uint256[] memory weights = new uint256[](13);
        for (uint256 i; i < 13; ++i) {
            weights[i] = 2000 ether + (i * 7919 ether) % 13_000 ether;
            leaves[i] = _validator(_name("v", i), weights[i], _ids(LLAMA));
            vm.roll(block.number + 1);
        }
        address[] memory exclude = _addrs(leaves[4], leaves[11]);
        for (uint256 s; s < 25; ++s) {
            bytes32 seed = keccak256(abi.encode("reference", s));
            address[] memory drawn = _draw(LLAMA, _now() - 1, seed, 5, exclude);
            _assertSame(drawn, _referenceDraw(leaves, weights, seed, 5, exclude));
            _assertSame(drawn, _draw(LLAMA, _now() - 1, seed, 5, exclude));
        }
    }

    /// @dev Weights of a few wei (validators slashed down), so that the offsets land on every node
    /// boundary: every draw is the reference rule's.
    function test_drawValidators_matchesTheReferenceAtWeiScale() public {
        uint256[11] memory left = [uint256(1), 2, 3, 1, 5, 2, 4, 1, 1, 3, 2];
        address[] memory leaves = new address[](11);
        uint256[] memory weights = new uint256[](11);
        for (uint256 i; i < 11; ++i) {
            leaves[i] = _validator(_name("v", i), 2000 ether, _ids(LLAMA));
            vm.prank(slasher);
            registry.slash(leaves[i], 2000 ether - left[i], address(0));
            weights[i] = left[i];
        }
        vm.roll(block.number + 1);
        address[] memory exclude = _addrs(leaves[6]);
        for (uint256 s; s < 60; ++s) {
            bytes32 seed = keccak256(abi.encode("wei", s));
            _assertSame(_draw(LLAMA, _now() - 1, seed, 4, _none()), _referenceDraw(leaves, weights, seed, 4, _none()));
            _assertSame(_draw(LLAMA, _now() - 1, seed, 3, exclude), _referenceDraw(leaves, weights, seed, 3, exclude));
        }
    }

    /// @dev F1: after the snapshot block, the attacker tops up its validators (by the few wei that would
    /// have moved the draw under the old rule, and by a lot), adds validators, and honest ones unstake,
    /// leave or are slashed: the draw for the seed stays what it was.
    function test_F1_grindingStakeAfterSeedChangesNothing() public {
        address[] memory honest = new address[](8);
        for (uint256 i; i < 8; ++i) {
            honest[i] = _validator(_name("honest", i), 10_000 ether, _ids(LLAMA));
        }
        address attackerA = _validator("attackerA", 2000 ether, _ids(LLAMA));
        address attackerB = _validator("attackerB", 2000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        uint48 snapshot = _now() - 1; // the dispute opens in this block
        bytes32 seed = keccak256("blockhash(drawBlock)");
        address[] memory before = _draw(LLAMA, snapshot, seed, 3, _none());
        vm.assertEq(before.length, 3);

        // The seed is known; the attacker grinds wei by wei, then adds stake and sybils.
        _fund(attackerA, 1_000_000 ether);
        for (uint256 delta = 1; delta <= 40; ++delta) {
            vm.roll(block.number + 1);
            vm.prank(attackerA);
            registry.stake(delta);
            _assertSame(_draw(LLAMA, snapshot, seed, 3, _none()), before);
        }
        vm.prank(attackerA);
        registry.stake(500_000 ether);
        for (uint256 i; i < 5; ++i) {
            _validator(_name("sybil", i), 50_000 ether, _ids(LLAMA));
        }
        vm.prank(honest[0]);
        registry.requestUnstake(5000 ether);
        vm.prank(honest[1]);
        registry.unregister();
        vm.prank(slasher);
        registry.slash(honest[2], 9000 ether, address(0));
        vm.prank(attackerB);
        registry.setValidatorModels(_ids(QWEN));
        vm.roll(block.number + 1);
        _assertSame(_draw(LLAMA, snapshot, seed, 3, _none()), before);
        // The current draw does see the changes (the attacker now holds most of the stake).
        vm.assertEq(registry.sortitionWeightAt(LLAMA, attackerA, _now() - 1), 2000 ether + 820 + 500_000 ether);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, attackerA, snapshot), 2000 ether);
    }

    function test_drawValidators_validatorThatLeftAfterTheSnapshotIsStillDrawable() public {
        address stayer = _validator("stayer", 2000 ether, _ids(LLAMA));
        address leaver = _validator("leaver", 2000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        uint48 snapshot = _now() - 1;
        vm.prank(leaver);
        registry.unregister();
        vm.roll(block.number + 1);
        bool drawnAtSnapshot;
        for (uint256 s; s < 20; ++s) {
            address[] memory drawn = _draw(LLAMA, snapshot, bytes32(s), 1, _none());
            vm.assertEq(drawn.length, 1);
            if (drawn[0] == leaver) drawnAtSnapshot = true;
            address[] memory now_ = _draw(LLAMA, _now() - 1, bytes32(s), 1, _none());
            vm.assertEq(now_.length, 1);
            vm.assertEq(now_[0], stayer);
        }
        vm.assertTrue(drawnAtSnapshot, "the leaver had half the weight at the snapshot");
        vm.assertEq(_draw(LLAMA, snapshot, bytes32(0), 2, _none()).length, 2);
    }

    function test_drawValidators_validatorThatJoinedAfterTheSnapshotIsNot() public {
        address early = _validator("early", 2000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        uint48 snapshot = _now() - 1;
        address late = _validator("late", 1_000_000 ether, _ids(LLAMA));
        address lateToo = _validator("lateToo", 1_000_000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);
        vm.assertEq(registry.sortitionWeightAt(LLAMA, late, snapshot), 0);
        for (uint256 s; s < 20; ++s) {
            address[] memory drawn = _draw(LLAMA, snapshot, bytes32(s), 3, _none());
            vm.assertEq(drawn.length, 1);
            vm.assertEq(drawn[0], early);
        }
        vm.assertEq(_draw(LLAMA, _now() - 1, bytes32(0), 3, _none()).length, 3);
        vm.assertTrue(_has(_draw(LLAMA, _now() - 1, bytes32(0), 3, _none()), lateToo));
    }

    /// @dev Picks are distinct, never excluded, all with weight > 0 at the snapshot, and exactly the
    /// reference rule's picks, whatever the stakes, exclusions and the changes after the snapshot.
    function testFuzz_drawValidators_distinctEligibleAndAsTheReference(
        uint256 countSeed,
        uint256 stakeSeed,
        uint256 excludeMask,
        uint256 drawCount,
        bytes32 seed
    ) public {
        uint256 n = bound(countSeed, 1, 24);
        drawCount = bound(drawCount, 0, 30);
        address[] memory leaves = new address[](n);
        uint256[] memory weights = new uint256[](n);
        uint256 excluded;
        address[] memory exclude = new address[](n);
        for (uint256 i; i < n; ++i) {
            uint256 amount = bound(uint256(keccak256(abi.encode(stakeSeed, i))), 2000 ether, 2_000_000 ether);
            // Every third one declares another model too, every fifth only the other one.
            bytes32[] memory models = i % 5 == 4 ? _ids(QWEN) : i % 3 == 0 ? _ids(QWEN, LLAMA) : _ids(LLAMA);
            address v = _validator(_name("v", i), amount, models);
            // Half the time, slashed down to a few wei: draws then hit the nodes' boundaries exactly.
            if ((stakeSeed >> (128 + i)) & 1 == 1) {
                uint256 left = 1 + uint256(keccak256(abi.encode(stakeSeed, i, "left"))) % 4;
                vm.prank(slasher);
                registry.slash(v, amount - left, address(0));
                amount = left;
            }
            leaves[i] = v;
            weights[i] = i % 5 == 4 ? 0 : amount;
            if ((excludeMask >> i) & 1 == 1) exclude[excluded++] = v;
            if (i % 4 == 1) vm.roll(block.number + 1);
        }
        assembly ("memory-safe") {
            mstore(exclude, excluded)
        }
        vm.roll(block.number + 1);
        uint48 snapshot = _now() - 1;
        // Changes after the snapshot.
        vm.prank(leaves[0]);
        registry.unregister();
        _validator("late", 5000 ether, _ids(LLAMA));
        vm.roll(block.number + 1);

        address[] memory drawn = _draw(LLAMA, snapshot, seed, drawCount, exclude);
        _assertSame(drawn, _referenceDraw(leaves, weights, seed, drawCount, exclude));
        uint256 eligible;
        for (uint256 i; i < n; ++i) {
            if (weights[i] != 0 && !_has(exclude, leaves[i])) ++eligible;
        }
        vm.assertEq(drawn.length, drawCount < eligible ? drawCount : eligible, "fewer only when none is left");
        for (uint256 i; i < drawn.length; ++i) {
            vm.assertFalse(_has(exclude, drawn[i]), "excluded drawn");
            vm.assertGt(registry.sortitionWeightAt(LLAMA, drawn[i], snapshot), 0);
            for (uint256 j; j < i; ++j) {
                vm.assertTrue(drawn[i] != drawn[j], "drawn twice");
            }
        }
    }

    /// @dev Over 2,000 fixed seeds, single draws land on each validator in proportion to its stake:
    /// each count within 5 standard deviations (+1) of its expectation. Deterministic (fixed seeds).
    function test_drawValidators_frequencyFollowsStake() public {
        uint256[5] memory units = [uint256(1), 2, 3, 4, 10];
        address[] memory vs = new address[](5);
        for (uint256 i; i < 5; ++i) {
            vs[i] = _validator(_name("v", i), units[i] * 2000 ether, _ids(LLAMA));
        }
        vm.roll(block.number + 1);
        uint256 runs = 2000;
        uint256[] memory hits = new uint256[](5);
        for (uint256 s; s < runs; ++s) {
            address[] memory drawn = _draw(LLAMA, _now() - 1, keccak256(abi.encode("frequency", s)), 1, _none());
            for (uint256 i; i < 5; ++i) {
                if (drawn[0] == vs[i]) ++hits[i];
            }
        }
        for (uint256 i; i < 5; ++i) {
            // expected = runs * p, variance = runs * p * (1 - p), p = units / 20.
            uint256 expected = runs * units[i] / 20;
            uint256 sigma = _sqrt(runs * units[i] * (20 - units[i]) / 400);
            uint256 slack = 5 * sigma + 1;
            vm.assertGe(hits[i] + slack, expected, "too rare");
            vm.assertLe(hits[i], expected + slack, "too frequent");
        }
    }

    /// @dev Without replacement: over 2,000 fixed seeds, a draw of 2 among stakes 1:2:3:4 includes
    /// validator i with probability p_i + sum_{j != i} p_j * p_i / (1 - p_j); counts within 5 sigma (+1).
    function test_drawValidators_inclusionFollowsSamplingWithoutReplacement() public {
        uint256[4] memory units = [uint256(1), 2, 3, 4];
        address[] memory vs = new address[](4);
        for (uint256 i; i < 4; ++i) {
            vs[i] = _validator(_name("v", i), units[i] * 2000 ether, _ids(LLAMA));
        }
        vm.roll(block.number + 1);
        uint256 runs = 2000;
        uint256[] memory hits = new uint256[](4);
        for (uint256 s; s < runs; ++s) {
            address[] memory drawn = _draw(LLAMA, _now() - 1, keccak256(abi.encode("pairs", s)), 2, _none());
            vm.assertEq(drawn.length, 2);
            vm.assertTrue(drawn[0] != drawn[1]);
            for (uint256 i; i < 4; ++i) {
                if (drawn[0] == vs[i] || drawn[1] == vs[i]) ++hits[i];
            }
        }
        for (uint256 i; i < 4; ++i) {
            // p in 1e18 units; total units 10.
            uint256 p = 1e18 * units[i] / 10;
            for (uint256 j; j < 4; ++j) {
                if (j != i) p += 1e18 * units[j] * units[i] / (10 * (10 - units[j]));
            }
            uint256 expected = runs * p / 1e18;
            uint256 sigma = _sqrt(runs * p / 1e18 * (1e18 - p) / 1e18);
            uint256 slack = 5 * sigma + 1;
            vm.assertGe(hits[i] + slack, expected, "included too rarely");
            vm.assertLe(hits[i], expected + slack, "included too often");
        }
    }

    function _sqrt(uint256 x) internal pure returns (uint256 y) {
        if (x == 0) return 0;
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }
}

/// @notice Gas of the sortition paths, logged (run with -vv): stake() of a validator with 1 and 16 models,
/// setValidatorModels, drawValidators(3). setUp builds the validators, each in its own block (so every tree
/// node carries a real checkpoint history), and ends in a new block; each test makes one measured call,
/// which finds storage cold as a real transaction would. Figures exclude the 21,000 intrinsic gas and
/// calldata. The only bound asserted is the draw's 1,000,000 gas target.
abstract contract SortitionGasBase is SortitionBase {
    VmGas internal constant vmGas = VmGas(address(uint160(uint256(keccak256("hevm cheat code")))));
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;
    bytes32 internal constant SEED = keccak256("blockhash(drawBlock)");

    address[] internal validators;

    function _log(string memory label, uint256 value) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok; // the console answers nothing; forge prints the line
    }

    function _lastCallGas() internal view returns (uint256) {
        return vmGas.lastCallGas().gasTotalUsed;
    }

    /// @dev `count` validators, stakes 2,000 to 11,999 MESH, each declaring `models`, one block apart.
    function _population(uint256 count, bytes32[] memory models) internal {
        for (uint256 i; i < count; ++i) {
            vm.roll(block.number + 1);
            validators.push(_validator(_name("v", i), 2000 ether + (i * 7919 ether) % 10_000 ether, models));
        }
    }

    function _measureDraw(string memory label, uint48 snapshot, uint256 seats) internal view returns (uint256 gasUsed) {
        // Excluded as Disputes would: the provider and the challenger (here two validators).
        address[] memory exclude = _addrs(validators[3], validators[validators.length / 2]);
        address[] memory drawn = registry.drawValidators(LLAMA, snapshot, SEED, seats, exclude);
        gasUsed = _lastCallGas();
        _log(label, gasUsed);
        vm.assertEq(drawn.length, seats);
    }

    function _measureDraw3(string memory label) internal view {
        uint256 gasUsed = _measureDraw(label, _now() - 1, 3);
        vm.assertLe(gasUsed, 999_999, "drawValidators(3) over the 1M gas target");
    }
}

/// @notice 100 validators declaring 16 models each (LLAMA first), plus one declaring only LLAMA.
contract RegistrySortitionGas100Test is SortitionGasBase {
    address internal single;
    address internal fresh;

    function setUp() public override {
        super.setUp();
        bytes32[] memory sixteen = _manyIds(16);
        sixteen[0] = LLAMA;
        _population(100, sixteen);
        vm.roll(block.number + 1);
        single = _validator("single", 5000 ether, _ids(LLAMA));
        fresh = _validator("fresh", 5000 ether, new bytes32[](0));
        _fund(validators[50], 1 ether);
        _fund(single, 1 ether);
        vm.roll(block.number + 1);
    }

    function test_gas_stake_16models() public {
        vm.prank(validators[50]);
        registry.stake(1 ether);
        _log("stake, 16 models, 101 validators per tree", _lastCallGas());
        vm.assertEq(
            registry.sortitionWeightAt(LLAMA, validators[50], _now()),
            2000 ether + (50 * 7919 ether) % 10_000 ether + 1 ether
        );
    }

    function test_gas_stake_1model() public {
        vm.prank(single);
        registry.stake(1 ether);
        _log("stake, 1 model, 101 validators in its tree", _lastCallGas());
        vm.assertEq(registry.sortitionWeightAt(LLAMA, single, _now()), 5001 ether);
    }

    function test_gas_setValidatorModels_16() public {
        bytes32[] memory sixteen = _manyIds(16);
        sixteen[0] = LLAMA;
        vm.prank(fresh);
        registry.setValidatorModels(sixteen);
        _log("setValidatorModels, 16 new models, 101 validators per tree", _lastCallGas());
        vm.assertEq(registry.sortitionWeightAt(sixteen[15], fresh, _now()), 5000 ether);
    }

    function test_gas_setValidatorModels_1() public {
        vm.prank(fresh);
        registry.setValidatorModels(_ids(LLAMA));
        _log("setValidatorModels, 1 new model, 102 validators in its tree", _lastCallGas());
        vm.assertEq(registry.sortitionWeightAt(LLAMA, fresh, _now()), 5000 ether);
    }

    function test_gas_drawValidators3_100() public view {
        _measureDraw3("drawValidators(3), 101 validators, 2 excluded");
    }

    function test_gas_slash_16models() public {
        vm.prank(slasher);
        registry.slash(validators[50], 1 ether, address(0));
        _log("slash, 16 models, 101 validators per tree", _lastCallGas());
    }
}

/// @notice 1,000 validators declaring LLAMA, one block apart, then 200 stake top-ups in later blocks.
contract RegistrySortitionGas1000Test is SortitionGasBase {
    uint48 internal beforeTopUps;

    function setUp() public override {
        super.setUp();
        _population(1000, _ids(LLAMA));
        vm.roll(block.number + 1);
        beforeTopUps = _now();
        for (uint256 i; i < 200; ++i) {
            address v = validators[(i * 7919) % 1000];
            _fund(v, 1 ether);
            vm.prank(v);
            registry.stake(1 ether);
            vm.roll(block.number + 1);
        }
        _fund(validators[500], 1 ether);
        vm.roll(block.number + 1);
    }

    function test_gas_drawValidators3_1000() public view {
        _measureDraw3("drawValidators(3), 1000 validators, 2 excluded");
    }

    /// @dev A snapshot older than 200 blocks of stake changes: lookups search the checkpoint histories.
    function test_gas_drawValidators3_1000_olderSnapshot() public view {
        _measureDraw("drawValidators(3), 1000 validators, snapshot 200 changes back", beforeTopUps, 3);
    }

    function test_gas_drawValidators21_1000() public view {
        _measureDraw("drawValidators(21), 1000 validators, 2 excluded", _now() - 1, 21);
    }

    function test_gas_stake_1model_1000() public {
        vm.prank(validators[500]);
        registry.stake(1 ether);
        _log("stake, 1 model, 1000 validators in its tree", _lastCallGas());
    }
}
