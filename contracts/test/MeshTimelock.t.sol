// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {MeshTimelock} from "../src/MeshTimelock.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {Payments} from "../src/Payments.sol";
import {Registry} from "../src/Registry.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice C1: owners behind a timelock. Every owner action is scheduled in public and applies only after
/// `minDelay`; the minter and the slasher, set before the hand-over, stay fixed even for the timelock.
contract MeshTimelockTest is Test {
    uint256 internal constant MIN_DELAY = 2 days;

    MeshTimelock internal timelock;
    MeshToken internal token;
    ModelRegistry internal models;
    Payments internal payments;
    Registry internal registry;
    address internal deployer;
    address internal multisig;
    address internal emissions;
    address internal disputes;

    function setUp() public {
        vm.warp(1_750_000_000);
        deployer = makeAddr("deployer");
        multisig = makeAddr("multisig");
        emissions = makeAddr("emissions");
        disputes = makeAddr("disputes");
        address[] memory proposers = new address[](1);
        proposers[0] = multisig;
        address[] memory executors = new address[](1);
        executors[0] = address(0); // anyone executes once the delay has passed
        timelock = new MeshTimelock(MIN_DELAY, proposers, executors, address(0));

        vm.startPrank(deployer);
        token = new MeshToken(deployer, deployer, 1e9 ether);
        models = new ModelRegistry(deployer, 2000, 25 hours);
        payments = new Payments(deployer, token, models, 500, 1 days, uint64(block.timestamp), 1 hours);
        registry = new Registry(deployer, token, 1000 ether, 1000 ether, 7 days, 16);
        token.setMinter(emissions);
        registry.setSlasher(disputes);
        token.transferOwnership(address(timelock));
        models.transferOwnership(address(timelock));
        payments.transferOwnership(address(timelock));
        registry.transferOwnership(address(timelock));
        vm.stopPrank();

        // The timelock accepts each ownership through its own delay.
        address[4] memory owned = [address(token), address(models), address(payments), address(registry)];
        for (uint256 i; i < owned.length; ++i) {
            _schedule(owned[i], abi.encodeCall(Ownable2StepLike.acceptOwnership, ()), bytes32(i));
        }
        vm.warp(block.timestamp + MIN_DELAY);
        for (uint256 i; i < owned.length; ++i) {
            timelock.execute(owned[i], 0, abi.encodeCall(Ownable2StepLike.acceptOwnership, ()), bytes32(0), bytes32(i));
        }
    }

    function _schedule(address target, bytes memory data, bytes32 salt) internal {
        vm.prank(multisig);
        timelock.schedule(target, 0, data, bytes32(0), salt, MIN_DELAY);
    }

    function test_constructor_handsEveryOwnerToTheTimelock() public view {
        vm.assertEq(token.owner(), address(timelock));
        vm.assertEq(models.owner(), address(timelock));
        vm.assertEq(payments.owner(), address(timelock));
        vm.assertEq(registry.owner(), address(timelock));
        vm.assertEq(timelock.getMinDelay(), MIN_DELAY);
    }

    function test_setBurnBps_revertsOwnableUnauthorizedAccountForTheFormerOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, deployer));
        vm.prank(deployer);
        payments.setBurnBps(5000);
    }

    function test_setBurnBps_appliesOnlyAfterTheTimelockDelay() public {
        bytes memory data = abi.encodeCall(Payments.setBurnBps, (300));
        _schedule(address(payments), data, "burn");
        bytes32 id = timelock.hashOperation(address(payments), 0, data, bytes32(0), "burn");

        vm.warp(block.timestamp + MIN_DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                id,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        timelock.execute(address(payments), 0, data, bytes32(0), "burn");
        vm.assertEq(payments.burnBps(), 500);

        vm.warp(block.timestamp + 1);
        timelock.execute(address(payments), 0, data, bytes32(0), "burn");
        vm.assertEq(payments.burnBps(), 300);
    }

    function test_schedule_revertsTimelockInsufficientDelay() public {
        vm.expectRevert(
            abi.encodeWithSelector(TimelockController.TimelockInsufficientDelay.selector, MIN_DELAY - 1, MIN_DELAY)
        );
        vm.prank(multisig);
        timelock.schedule(address(payments), 0, abi.encodeCall(Payments.setBurnBps, (0)), bytes32(0), 0, MIN_DELAY - 1);
    }

    function test_schedule_revertsAccessControlUnauthorizedAccountForAStranger() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, timelock.PROPOSER_ROLE()
            )
        );
        vm.prank(stranger);
        timelock.schedule(address(payments), 0, abi.encodeCall(Payments.setBurnBps, (0)), bytes32(0), 0, MIN_DELAY);
    }

    /// @dev Even the timelock cannot make itself (or anyone) minter or slasher once they are set.
    function test_execute_cannotReplaceTheMinterOrTheSlasher() public {
        bytes memory setMinter = abi.encodeCall(MeshToken.setMinter, (address(timelock)));
        bytes memory setSlasher = abi.encodeCall(Registry.setSlasher, (address(timelock)));
        _schedule(address(token), setMinter, "minter");
        _schedule(address(registry), setSlasher, "slasher");
        vm.warp(block.timestamp + MIN_DELAY);

        vm.expectRevert(abi.encodeWithSelector(IMeshToken.MinterAlreadySet.selector, emissions));
        timelock.execute(address(token), 0, setMinter, bytes32(0), "minter");
        vm.expectRevert(abi.encodeWithSelector(IRegistry.SlasherAlreadySet.selector, disputes));
        timelock.execute(address(registry), 0, setSlasher, bytes32(0), "slasher");
        vm.assertEq(token.minter(), emissions);
        vm.assertEq(registry.slasher(), disputes);
    }
}

/// @dev The one function of Ownable2Step the timelock calls to take ownership.
interface Ownable2StepLike {
    function acceptOwnership() external;
}
