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

    // =================================== stake locks (removed once Disputes freezes instead of locking)

    function _lock(uint256 amount) internal {
        vm.prank(slasher);
        registry.lockStake(alice, amount);
    }

    function _unbondAll() internal {
        vm.prank(alice);
        registry.requestUnstake(STAKE);
        vm.warp(block.timestamp + UNBONDING);
    }

    // ============================================================= lockStake

    function test_lockStake_locksAndEmits() public {
        vm.expectEmit(address(registry));
        emit IRegistry.StakeLocked(alice, 300 ether, 300 ether);
        _lock(300 ether);
        vm.expectEmit(address(registry));
        emit IRegistry.StakeLocked(alice, 200 ether, 500 ether);
        _lock(200 ether);
        vm.assertEq(registry.lockedOf(alice), 500 ether);
    }

    function test_lockStake_locksUpToStakePlusUnbonding() public {
        vm.prank(alice);
        registry.requestUnstake(2000 ether);
        _lock(STAKE);
        vm.assertEq(registry.lockedOf(alice), STAKE);
    }

    function test_lockStake_revertsWhenNotSlasher() public {
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, stranger));
        vm.prank(stranger);
        registry.lockStake(alice, 1);
    }

    function test_lockStake_revertsWhenAmountZero() public {
        vm.expectRevert(IRegistry.ZeroAmount.selector);
        _lock(0);
    }

    function test_lockStake_revertsWhenLockExceedsStake() public {
        _lock(4000 ether);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.LockExceedsStake.selector, alice, 1001 ether, 1000 ether));
        _lock(1001 ether);
    }

    // =========================================================== unlockStake

    function test_unlockStake_unlocksAndEmits() public {
        _lock(500 ether);
        vm.expectEmit(address(registry));
        emit IRegistry.StakeUnlocked(alice, 200 ether, 300 ether);
        vm.prank(slasher);
        registry.unlockStake(alice, 200 ether);
        vm.assertEq(registry.lockedOf(alice), 300 ether);
    }

    function test_unlockStake_revertsWhenNotSlasher() public {
        _lock(500 ether);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.NotSlasher.selector, stranger));
        vm.prank(stranger);
        registry.unlockStake(alice, 1);
    }

    function test_unlockStake_revertsWhenAmountZero() public {
        vm.expectRevert(IRegistry.ZeroAmount.selector);
        vm.prank(slasher);
        registry.unlockStake(alice, 0);
    }

    function test_unlockStake_revertsWhenUnlockExceedsLocked() public {
        _lock(500 ether);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.UnlockExceedsLocked.selector, alice, 501 ether, 500 ether));
        vm.prank(slasher);
        registry.unlockStake(alice, 501 ether);
    }

    // ========================================================= withdrawStake

    function test_withdrawStake_keepsLockedStakeBack() public {
        _lock(1500 ether);
        _unbondAll();
        vm.prank(alice);
        registry.withdrawStake();
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(alice);
        vm.assertEq(staked, 0);
        vm.assertEq(unbonding, 1500 ether);
        vm.assertEq(token.balanceOf(alice), STAKE - 1500 ether);
        vm.assertEq(registry.totalStaked(), 1500 ether);
        // Once unlocked, the rest can leave.
        vm.prank(slasher);
        registry.unlockStake(alice, 1500 ether);
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), STAKE);
        vm.assertEq(registry.totalStaked(), 0);
    }

    function test_withdrawStake_paysAllWhenStakeCoversTheLock() public {
        _lock(1000 ether);
        vm.prank(alice);
        registry.requestUnstake(2000 ether); // 3000 stay staked, covering the lock
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(alice);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(alice), 2000 ether);
    }

    function test_withdrawStake_revertsWhenStakeIsLocked() public {
        _lock(STAKE);
        _unbondAll();
        vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsLocked.selector, STAKE));
        vm.prank(alice);
        registry.withdrawStake();
    }

    // ================================================================= slash

    function test_slash_takesLockedStake() public {
        _lock(STAKE);
        vm.prank(slasher);
        registry.unlockStake(alice, 1000 ether);
        vm.prank(slasher);
        registry.slash(alice, 1000 ether, address(0));
        (, uint256 staked,,) = registry.stakeOf(alice);
        vm.assertEq(staked, STAKE - 1000 ether);
        vm.assertEq(registry.lockedOf(alice), STAKE - 1000 ether);
    }

    // ================================================================= fuzz

    /// @dev Whatever is locked and unbonding, a withdrawal leaves stake + unbonding >= locked and pays
    /// out everything above that.
    function testFuzz_withdrawStake_neverTakesLockedStake(uint256 locked, uint256 unstake) public {
        locked = bound(locked, 1, STAKE);
        unstake = bound(unstake, 1, STAKE);
        _lock(locked);
        vm.prank(alice);
        registry.requestUnstake(unstake); // alice has no role: no minimum to keep
        vm.warp(block.timestamp + UNBONDING);
        uint256 staying = STAKE - unstake;
        uint256 mustStay = locked > staying ? locked - staying : 0;
        if (mustStay >= unstake) {
            vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsLocked.selector, locked));
            vm.prank(alice);
            registry.withdrawStake();
            return;
        }
        vm.prank(alice);
        registry.withdrawStake();
        (, uint256 staked, uint256 unbonding,) = registry.stakeOf(alice);
        vm.assertGe(staked + unbonding, locked);
        vm.assertEq(token.balanceOf(alice), unstake - mustStay);
        vm.assertEq(registry.totalStaked(), staked + unbonding);
    }
}
