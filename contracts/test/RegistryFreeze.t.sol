// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {Registry} from "../src/Registry.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice Freezes: while a slasher (Disputes) holds a freeze on an account, it cannot withdraw; its stake
/// can still be requested for unstaking, its role left, and everything slashed.
contract RegistryFreezeTest is Test {
    uint256 internal constant STAKE = 5000 ether;
    uint64 internal constant UNBONDING = 7 days;

    MeshToken internal token;
    Registry internal registry;
    address internal owner;
    address internal slasher;
    address internal alice;
    address internal stranger;

    function setUp() public {
        vm.warp(1_750_000_000);
        owner = makeAddr("owner");
        slasher = makeAddr("disputes");
        alice = makeAddr("alice");
        stranger = makeAddr("stranger");
        token = new MeshToken(owner, address(0), 0);
        registry = new Registry(owner, token, 1000 ether, 1000 ether, UNBONDING, 8);
        vm.startPrank(owner);
        token.setMinter(owner);
        token.mint(alice, STAKE);
        registry.setSlasher(slasher);
        vm.stopPrank();
        vm.startPrank(alice);
        token.approve(address(registry), STAKE);
        registry.stake(STAKE);
        vm.stopPrank();
    }

    function _freeze() internal {
        vm.prank(slasher);
        registry.freeze(alice);
    }

    function _unfreeze() internal {
        vm.prank(slasher);
        registry.unfreeze(alice);
    }

    // ================================================================ freeze

    function test_freeze_countsAndEmits() public {
        vm.assertEq(registry.frozenOf(alice), 0);
        vm.expectEmit(address(registry));
        emit IRegistry.StakeFrozen(alice, 1);
        _freeze();
        vm.expectEmit(address(registry));
        emit IRegistry.StakeFrozen(alice, 2);
        _freeze();
        vm.assertEq(registry.frozenOf(alice), 2);
        vm.assertEq(registry.frozenOf(stranger), 0);
    }

    function test_freeze_acceptsAnAccountWithNothingStaked() public {
        _freezeOf(stranger);
        vm.assertEq(registry.frozenOf(stranger), 1);
    }

    function test_freeze_revertsWhenNotSlasher() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, stranger));
        vm.prank(stranger);
        registry.freeze(alice);
    }

    function test_freeze_revertsNotSlasherBeforeTheSlasherIsSet() public {
        Registry fresh = new Registry(owner, token, 1000 ether, 1000 ether, UNBONDING, 8);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, owner));
        vm.prank(owner);
        fresh.freeze(alice);
    }

    // ============================================================== unfreeze

    function test_unfreeze_countsDownAndEmits() public {
        _freeze();
        _freeze();
        vm.expectEmit(address(registry));
        emit IRegistry.StakeUnfrozen(alice, 1);
        _unfreeze();
        vm.assertEq(registry.frozenOf(alice), 1);
        vm.expectEmit(address(registry));
        emit IRegistry.StakeUnfrozen(alice, 0);
        _unfreeze();
        vm.assertEq(registry.frozenOf(alice), 0);
    }

    function test_unfreeze_revertsWhenNotFrozen() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotFrozen.selector, alice));
        _unfreeze();
        _freeze();
        _unfreeze();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotFrozen.selector, alice));
        _unfreeze();
    }

    function test_unfreeze_revertsWhenNotSlasher() public {
        _freeze();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, stranger));
        vm.prank(stranger);
        registry.unfreeze(alice);
        vm.assertEq(registry.frozenOf(alice), 1);
    }

    // ================================================== withdrawStake (freeze)

    function test_withdrawStake_revertsStakeIsFrozenWhileAnyFreezeHolds() public {
        _freeze();
        _freeze();
        _unbondAll();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsFrozen.selector, alice, 2));
        vm.prank(alice);
        registry.withdrawStake();
        _unfreeze();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsFrozen.selector, alice, 1));
        vm.prank(alice);
        registry.withdrawStake();
        _unfreeze();
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), STAKE);
        vm.assertEq(token.balanceOf(address(registry)), 0);
        vm.assertEq(registry.totalStaked(), 0);
    }

    function test_withdrawStake_checksUnbondingBeforeTheFreeze() public {
        _freeze();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.UnbondingNotFinished.selector, 0, 0));
        vm.prank(alice);
        registry.withdrawStake();
    }

    function test_freeze_leavesUnstakeUnregisterAndSlashAllowed() public {
        vm.prank(alice);
        registry.registerValidator("https://validator.mesh.example");
        _freeze();
        vm.prank(alice);
        registry.requestUnstake(1000 ether);
        vm.prank(alice);
        registry.unregister();
        (IRegistry.Role role, uint256 staked, uint256 unbonding,) = registry.stakeOf(alice);
        vm.assertEq(uint256(role), uint256(IRegistry.Role.None));
        vm.assertEq(staked, 0);
        vm.assertEq(unbonding, STAKE);
        // Unbonding stake of a frozen account stays slashable, to the wei.
        vm.prank(slasher);
        uint256 slashed = registry.slash(alice, 1500 ether, slasher);
        vm.assertEq(slashed, 1500 ether);
        vm.assertEq(token.balanceOf(slasher), 1500 ether);
        vm.warp(block.timestamp + UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsFrozen.selector, alice, 1));
        vm.prank(alice);
        registry.withdrawStake();
        _unfreeze();
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), STAKE - 1500 ether);
        vm.assertEq(token.balanceOf(address(registry)), 0);
        vm.assertEq(registry.totalStaked(), 0);
    }

    function _freezeOf(address account) internal {
        vm.prank(slasher);
        registry.freeze(account);
    }

    function _unbondAll() internal {
        vm.prank(alice);
        registry.requestUnstake(STAKE);
        vm.warp(block.timestamp + UNBONDING);
    }

    // ================================================================= fuzz

    /// @dev However many freezes and whatever was requested for unstaking, nothing leaves until the last
    /// freeze is lifted; then exactly what was unbonding leaves, to the wei.
    function testFuzz_withdrawStake_onlyOnceEveryFreezeIsLifted(uint256 freezes, uint256 unstake) public {
        freezes = bound(freezes, 1, 20);
        unstake = bound(unstake, 1, STAKE);
        for (uint256 i; i < freezes; ++i) {
            _freeze();
        }
        vm.prank(alice);
        registry.requestUnstake(unstake);
        vm.warp(block.timestamp + UNBONDING);
        for (uint256 i = freezes; i > 0; --i) {
            vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsFrozen.selector, alice, i));
            vm.prank(alice);
            registry.withdrawStake();
            _unfreeze();
        }
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), unstake);
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(alice);
        vm.assertEq(staked, STAKE - unstake);
        vm.assertEq(unbonding, 0);
        vm.assertEq(registry.totalStaked(), STAKE - unstake);
        vm.assertEq(token.balanceOf(address(registry)), STAKE - unstake);
    }
}
