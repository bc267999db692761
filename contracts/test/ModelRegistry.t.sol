// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";

contract ModelRegistryTest is Test {
    uint16 internal constant CAP = 1000; // 10%
    uint64 internal constant DELAY = 25 hours;

    bytes32 internal constant LLAMA = keccak256("llama-3.1-8b-instruct-q4_k_m.gguf");
    bytes32 internal constant QWEN = keccak256("qwen2.5-7b-instruct-q4_k_m.gguf");
    bytes32 internal constant MISTRAL = keccak256("mistral-7b-instruct-v0.3-q4_k_m.gguf");

    ModelRegistry internal registry;

    address internal owner;
    address internal alice;
    address internal bob;
    address internal aliceReceiver;

    function setUp() public {
        owner = makeAddr("owner");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        aliceReceiver = makeAddr("aliceReceiver");
        registry = new ModelRegistry(owner, CAP, DELAY);
    }

    // ---------------------------------------------------------------- helpers

    function _register(address who, bytes32 id, string memory name, uint16 bps) internal {
        vm.prank(who);
        registry.register(id, name, "ipfs://weights", bps, bps == 0 ? address(0) : aliceReceiver);
    }

    function _registerLlama() internal {
        vm.prank(alice);
        registry.register(LLAMA, "llama-3.1-8b", "hf://meta/llama-3.1-8b", 500, aliceReceiver);
    }

    /// @dev Registers LLAMA at 500 bps and waits until that royalty is in force.
    function _registerLlamaInForce() internal {
        _registerLlama();
        vm.warp(block.timestamp + DELAY);
    }

    function _royaltyBps(bytes32 id) internal view returns (uint256 bps) {
        (, bps) = registry.royaltyInfo(id);
    }

    function _string(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i; i < length; ++i) {
            b[i] = "a";
        }
        return string(b);
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_setsOwnerCapAndDelay() public {
        ModelRegistry fresh = new ModelRegistry(owner, CAP, DELAY);
        vm.assertEq(fresh.owner(), owner);
        vm.assertEq(uint256(fresh.maxRoyaltyBps()), CAP);
        vm.assertEq(uint256(fresh.royaltyIncreaseDelay()), DELAY);
        vm.assertEq(fresh.modelCount(), 0);
    }

    function test_constructor_acceptsDelayBounds() public {
        vm.assertEq(uint256(new ModelRegistry(owner, CAP, 2 hours).royaltyIncreaseDelay()), 2 hours);
        vm.assertEq(uint256(new ModelRegistry(owner, CAP, 60 days).royaltyIncreaseDelay()), 60 days);
    }

    function test_constructor_revertsWhenCapAboveLimit() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MaxRoyaltyTooHigh.selector, 3001, 3000));
        new ModelRegistry(owner, 3001, DELAY);
    }

    function test_constructor_revertsRoyaltyIncreaseDelayOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.RoyaltyIncreaseDelayOutOfRange.selector, 2 hours - 1, 2 hours, 60 days
            )
        );
        new ModelRegistry(owner, CAP, 2 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.RoyaltyIncreaseDelayOutOfRange.selector, 60 days + 1, 2 hours, 60 days
            )
        );
        new ModelRegistry(owner, CAP, 60 days + 1);
    }

    function test_constructor_revertsWhenOwnerIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new ModelRegistry(address(0), CAP, DELAY);
    }

    // --------------------------------------------------------------- register

    function test_register_storesModelAndEmits() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRegistered(LLAMA, alice, "llama-3.1-8b", "hf://meta/llama-3.1-8b", 0, aliceReceiver);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltySet(LLAMA, 0, aliceReceiver);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltyIncreaseScheduled(LLAMA, 500, uint64(block.timestamp + DELAY));
        _registerLlama();

        IModelRegistry.Model memory m = registry.getModel(LLAMA);
        vm.assertEq(m.owner, alice);
        vm.assertEq(uint256(m.royaltyBps), 0); // the royalty asked for is not in force yet
        vm.assertEq(m.royaltyReceiver, aliceReceiver);
        vm.assertEq(m.name, "llama-3.1-8b");
        vm.assertEq(m.uri, "hf://meta/llama-3.1-8b");
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b"), LLAMA);
        vm.assertEq(registry.modelCount(), 1);
        bytes32[] memory ids = registry.getModelIds(0, 10);
        vm.assertEq(ids.length, 1);
        vm.assertEq(ids[0], LLAMA);
    }

    function test_register_acceptsZeroRoyaltyWithoutReceiver() public {
        vm.prank(alice);
        registry.register(QWEN, "qwen", "", 0, address(0));
        IModelRegistry.Model memory m = registry.getModel(QWEN);
        vm.assertEq(m.owner, alice);
        vm.assertEq(uint256(m.royaltyBps), 0);
        vm.assertEq(m.uri, "");
    }

    function test_register_acceptsRoyaltyAtCapAndMaximumLengths() public {
        string memory name = _string(128);
        string memory uri = _string(512);
        vm.prank(alice);
        registry.register(QWEN, name, uri, CAP, aliceReceiver);
        vm.assertEq(registry.modelIdOfName(name), QWEN);
        vm.warp(block.timestamp + DELAY);
        vm.assertEq(uint256(registry.getModel(QWEN).royaltyBps), CAP);
    }

    /// @dev P4: a squatter registers a popular model id with the highest royalty; providers that already
    /// offer the model keep their terms (no royalty) for the whole delay.
    function test_register_schedulesTheFirstRoyaltyAfterTheDelay() public {
        uint256 registeredAt = block.timestamp;
        _registerLlama();
        vm.assertEq(_royaltyBps(LLAMA), 0);
        (uint16 pending, uint64 effectiveAt) = registry.pendingRoyalty(LLAMA);
        vm.assertEq(uint256(pending), 500);
        vm.assertEq(uint256(effectiveAt), registeredAt + DELAY);

        vm.warp(registeredAt + DELAY - 1);
        vm.assertEq(_royaltyBps(LLAMA), 0);
        vm.warp(registeredAt + DELAY);
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(bps, 500);
        vm.assertEq(receiver, aliceReceiver);
        (pending, effectiveAt) = registry.pendingRoyalty(LLAMA);
        vm.assertEq(uint256(pending), 0);
        vm.assertEq(uint256(effectiveAt), 0);
    }

    function test_register_revertsWhenModelIdIsZero() public {
        vm.expectRevert(IModelRegistry.ZeroModelId.selector);
        vm.prank(alice);
        registry.register(bytes32(0), "zero", "", 0, address(0));
    }

    /// Attack: squat the verification-fee channel id with a 30% royalty, so that every per-sample fee a
    /// payer pays a validator (Payments vouchers on that id) skims a royalty to the squatter.
    function test_VerificationChannelSquat_registerRefused() public {
        bytes32 id = keccak256("infermesh/verification");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ReservedModelId.selector, id));
        vm.prank(alice);
        registry.register(id, "verification", "", 3000, aliceReceiver);
        vm.assertEq(registry.modelCount(), 0);
    }

    function test_register_revertsWhenModelAlreadyRegistered() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelAlreadyRegistered.selector, LLAMA));
        vm.prank(bob);
        registry.register(LLAMA, "other-name", "", 0, address(0));
    }

    function test_register_revertsWhenNameEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector, 0, 128));
        vm.prank(alice);
        registry.register(LLAMA, "", "", 0, address(0));
    }

    function test_register_revertsWhenNameTooLong() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector, 129, 128));
        vm.prank(alice);
        registry.register(LLAMA, _string(129), "", 0, address(0));
    }

    function test_register_revertsWhenUriTooLong() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidUri.selector, 513, 512));
        vm.prank(alice);
        registry.register(LLAMA, "llama", _string(513), 0, address(0));
    }

    function test_register_revertsWhenRoyaltyAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, CAP + 1, CAP));
        vm.prank(alice);
        registry.register(LLAMA, "llama", "", CAP + 1, aliceReceiver);
    }

    function test_register_revertsWhenRoyaltyReceiverIsZero() public {
        vm.expectRevert(IModelRegistry.ZeroRoyaltyReceiver.selector);
        vm.prank(alice);
        registry.register(LLAMA, "llama", "", 1, address(0));
    }

    function test_register_revertsWhenNameTaken() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NameTaken.selector, "llama-3.1-8b", LLAMA));
        vm.prank(bob);
        registry.register(QWEN, "llama-3.1-8b", "", 0, address(0));
    }

    // ----------------------------------------------------------------- update

    function test_update_changesUriKeepingNameAndEmits() public {
        _registerLlama();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelUpdated(LLAMA, "llama-3.1-8b", "ipfs://new");
        vm.prank(alice);
        registry.update(LLAMA, "llama-3.1-8b", "ipfs://new");

        IModelRegistry.Model memory m = registry.getModel(LLAMA);
        vm.assertEq(m.name, "llama-3.1-8b");
        vm.assertEq(m.uri, "ipfs://new");
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b"), LLAMA);
    }

    function test_update_renamingFreesOldName() public {
        _registerLlama();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelUpdated(LLAMA, "llama-3.1-8b-instruct", "ipfs://x");
        vm.prank(alice);
        registry.update(LLAMA, "llama-3.1-8b-instruct", "ipfs://x");

        vm.assertEq(registry.getModel(LLAMA).name, "llama-3.1-8b-instruct");
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b-instruct"), LLAMA);
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b"), bytes32(0));

        // The old name is free for someone else.
        vm.prank(bob);
        registry.register(QWEN, "llama-3.1-8b", "", 0, address(0));
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b"), QWEN);
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b-instruct"), LLAMA);
    }

    function test_update_revertsWhenModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, QWEN));
        vm.prank(alice);
        registry.update(QWEN, "qwen", "");
    }

    function test_update_revertsWhenCallerNotModelOwner() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, LLAMA, bob));
        vm.prank(bob);
        registry.update(LLAMA, "hijack", "");
    }

    function test_update_revertsWhenNewNameTaken() public {
        _registerLlama();
        _register(bob, QWEN, "qwen", 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NameTaken.selector, "qwen", QWEN));
        vm.prank(alice);
        registry.update(LLAMA, "qwen", "");
    }

    function test_update_revertsWhenNewNameEmpty() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector, 0, 128));
        vm.prank(alice);
        registry.update(LLAMA, "", "");
    }

    function test_update_revertsWhenNewNameTooLong() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidName.selector, 129, 128));
        vm.prank(alice);
        registry.update(LLAMA, _string(129), "");
    }

    function test_update_revertsWhenUriTooLong() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidUri.selector, 513, 512));
        vm.prank(alice);
        registry.update(LLAMA, "llama-3.1-8b", _string(513));
    }

    // ------------------------------------------------------------- setRoyalty

    function test_setRoyalty_schedulesAnIncreaseAndChangesTheReceiverAtOnce() public {
        _registerLlamaInForce(); // 500 in force
        uint64 effectiveAt = uint64(block.timestamp + DELAY);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltySet(LLAMA, 500, bob);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltyIncreaseScheduled(LLAMA, CAP, effectiveAt);
        vm.prank(alice);
        registry.setRoyalty(LLAMA, CAP, bob);

        IModelRegistry.Model memory m = registry.getModel(LLAMA);
        vm.assertEq(uint256(m.royaltyBps), 500);
        vm.assertEq(m.royaltyReceiver, bob);
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, bob);
        vm.assertEq(bps, 500);
        (uint16 pending, uint64 at) = registry.pendingRoyalty(LLAMA);
        vm.assertEq(uint256(pending), CAP);
        vm.assertEq(uint256(at), effectiveAt);

        vm.warp(effectiveAt - 1);
        vm.assertEq(_royaltyBps(LLAMA), 500);
        vm.warp(effectiveAt);
        vm.assertEq(_royaltyBps(LLAMA), CAP);
        vm.assertEq(uint256(registry.getModel(LLAMA).royaltyBps), CAP);
    }

    function test_setRoyalty_appliesADecreaseAtOnceAndCancelsAScheduledIncrease() public {
        _registerLlamaInForce(); // 500 in force
        vm.prank(alice);
        registry.setRoyalty(LLAMA, CAP, aliceReceiver); // 1000 scheduled

        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltySet(LLAMA, 200, aliceReceiver);
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 200, aliceReceiver);

        vm.assertEq(_royaltyBps(LLAMA), 200);
        (uint16 pending, uint64 at) = registry.pendingRoyalty(LLAMA);
        vm.assertEq(uint256(pending), 0);
        vm.assertEq(uint256(at), 0);
        vm.warp(block.timestamp + 2 * DELAY);
        vm.assertEq(_royaltyBps(LLAMA), 200);
    }

    function test_setRoyalty_keepsTheRateInForceWhenItEqualsIt() public {
        _registerLlamaInForce();
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 500, bob);
        vm.assertEq(_royaltyBps(LLAMA), 500);
        (uint16 pending,) = registry.pendingRoyalty(LLAMA);
        vm.assertEq(uint256(pending), 0);
    }

    function test_setRoyalty_restartsTheDelayWhenAnIncreaseIsReplaced() public {
        _registerLlamaInForce();
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 800, aliceReceiver);
        vm.warp(block.timestamp + DELAY - 10);
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 900, aliceReceiver);
        uint64 effectiveAt = uint64(block.timestamp + DELAY);
        vm.warp(block.timestamp + 10); // the first rise would be in force now
        vm.assertEq(_royaltyBps(LLAMA), 500);
        vm.warp(effectiveAt);
        vm.assertEq(_royaltyBps(LLAMA), 900);
    }

    function test_setRoyalty_startsFromTheMaturedIncrease() public {
        _registerLlamaInForce();
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 800, aliceReceiver);
        vm.warp(block.timestamp + DELAY); // 800 in force
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 600, aliceReceiver); // a decrease from 800: at once
        vm.assertEq(_royaltyBps(LLAMA), 600);
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 700, aliceReceiver); // a rise from 600: waits
        vm.assertEq(_royaltyBps(LLAMA), 600);
    }

    function test_setRoyalty_clearsRoyaltyWithZeroReceiver() public {
        _registerLlamaInForce();
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 0, address(0));
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, address(0));
        vm.assertEq(bps, 0);
    }

    function test_setRoyalty_revertsWhenAboveCap() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, CAP + 1, CAP));
        vm.prank(alice);
        registry.setRoyalty(LLAMA, CAP + 1, aliceReceiver);
    }

    function test_setRoyalty_revertsWhenReceiverIsZero() public {
        _registerLlama();
        vm.expectRevert(IModelRegistry.ZeroRoyaltyReceiver.selector);
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 1, address(0));
    }

    function test_setRoyalty_revertsWhenModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, LLAMA));
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 1, aliceReceiver);
    }

    function test_setRoyalty_revertsWhenCallerNotModelOwner() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, LLAMA, bob));
        vm.prank(bob);
        registry.setRoyalty(LLAMA, CAP, bob);
    }

    // ---------------------------------------------------------- lockRoyalty

    function test_lockRoyalty_fixesTheReceiverAndFloorAndOnlyRaisesIt() public {
        _registerLlamaInForce(); // 500 bps to aliceReceiver, in force
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltyLocked(LLAMA, aliceReceiver, 400);
        vm.prank(alice);
        registry.lockRoyalty(LLAMA, 400);
        (address receiver, uint16 floor) = registry.royaltyLockOf(LLAMA);
        vm.assertEq(receiver, aliceReceiver);
        vm.assertEq(floor, 400);
        bytes memory locked = abi.encodeWithSelector(IModelRegistry.RoyaltyIsLocked.selector, LLAMA, aliceReceiver, 400);
        vm.startPrank(alice);
        vm.expectRevert(locked);
        registry.setRoyalty(LLAMA, 500, bob);
        vm.expectRevert(locked);
        registry.setRoyalty(LLAMA, 399, aliceReceiver);
        vm.expectRevert(locked);
        registry.lockRoyalty(LLAMA, 300);
        registry.setRoyalty(LLAMA, 400, aliceReceiver); // a cut that keeps the floor applies
        registry.lockRoyalty(LLAMA, 400);
        vm.stopPrank();
        (, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(bps, 400);
    }

    function test_lockRoyalty_floorMayBeAScheduledRiseThatCanNoLongerBeCancelled() public {
        _registerLlama();
        vm.startPrank(alice);
        registry.setRoyalty(LLAMA, 800, aliceReceiver); // scheduled; 500 in force
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyFloorAboveRate.selector, 801, 800));
        registry.lockRoyalty(LLAMA, 801);
        registry.lockRoyalty(LLAMA, 800);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyIsLocked.selector, LLAMA, aliceReceiver, 800));
        registry.setRoyalty(LLAMA, 500, aliceReceiver);
        vm.stopPrank();
        vm.warp(block.timestamp + DELAY);
        (, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(bps, 800);
    }

    function test_lockRoyalty_revertsWithoutReceiverOrForOthers() public {
        _register(alice, QWEN, "qwen", 0);
        vm.expectRevert(IModelRegistry.ZeroRoyaltyReceiver.selector);
        vm.prank(alice);
        registry.lockRoyalty(QWEN, 0);
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, LLAMA, bob));
        vm.prank(bob);
        registry.lockRoyalty(LLAMA, 1);
    }

    function test_lockRoyalty_staysWithATransferAndIsLiftedByReassign() public {
        _registerLlama();
        vm.startPrank(alice);
        registry.lockRoyalty(LLAMA, 500);
        registry.transferModel(LLAMA, bob);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyIsLocked.selector, LLAMA, aliceReceiver, 500));
        vm.prank(bob);
        registry.setRoyalty(LLAMA, 500, bob);
        vm.prank(owner);
        registry.reassignModel(LLAMA, bob);
        (address receiver, uint16 floor) = registry.royaltyLockOf(LLAMA);
        vm.assertEq(receiver, address(0));
        vm.assertEq(floor, 0);
        vm.prank(bob);
        registry.setRoyalty(LLAMA, 500, bob);
    }

    // ---------------------------------------------------------- transferModel

    function test_transferModel_movesOwnershipAndEmits() public {
        _registerLlama();
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelTransferred(LLAMA, alice, bob);
        vm.prank(alice);
        registry.transferModel(LLAMA, bob);

        vm.assertEq(registry.getModel(LLAMA).owner, bob);
        // Royalty settings stay with the model until the new owner changes them.
        vm.assertEq(registry.getModel(LLAMA).royaltyReceiver, aliceReceiver);

        vm.prank(bob);
        registry.setRoyalty(LLAMA, 100, bob);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, LLAMA, alice));
        vm.prank(alice);
        registry.update(LLAMA, "llama-3.1-8b", "");
    }

    function test_transferModel_revertsWhenNewOwnerIsZero() public {
        _registerLlama();
        vm.expectRevert(IModelRegistry.ZeroOwner.selector);
        vm.prank(alice);
        registry.transferModel(LLAMA, address(0));
    }

    function test_transferModel_revertsWhenModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, LLAMA));
        vm.prank(alice);
        registry.transferModel(LLAMA, bob);
    }

    function test_transferModel_revertsWhenCallerNotModelOwner() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, LLAMA, bob));
        vm.prank(bob);
        registry.transferModel(LLAMA, bob);
    }

    // ---------------------------------------------------------- reassignModel

    /// @dev P4: the owner (a timelock on a real network) hands a squatted model to its rightful owner; the
    /// squatter's royalty, in force or scheduled, is gone at once.
    function test_reassignModel_movesOwnershipZeroesRoyaltyAndEmits() public {
        _registerLlamaInForce();
        vm.prank(alice);
        registry.setRoyalty(LLAMA, CAP, aliceReceiver); // a rise scheduled on top

        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelTransferred(LLAMA, alice, bob);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltySet(LLAMA, 0, address(0));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelReassigned(LLAMA, alice, bob);
        vm.prank(owner);
        registry.reassignModel(LLAMA, bob);

        IModelRegistry.Model memory m = registry.getModel(LLAMA);
        vm.assertEq(m.owner, bob);
        vm.assertEq(uint256(m.royaltyBps), 0);
        vm.assertEq(m.royaltyReceiver, address(0));
        vm.assertEq(m.name, "llama-3.1-8b");
        (uint16 pending, uint64 at) = registry.pendingRoyalty(LLAMA);
        vm.assertEq(uint256(pending), 0);
        vm.assertEq(uint256(at), 0);
        vm.warp(block.timestamp + 2 * DELAY);
        vm.assertEq(_royaltyBps(LLAMA), 0);

        // The new owner manages the model (and can free the squatted name); the squatter cannot.
        vm.prank(bob);
        registry.update(LLAMA, "llama-3.1-8b-official", "hf://meta/llama-3.1-8b");
        vm.assertEq(registry.modelIdOfName("llama-3.1-8b"), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, LLAMA, alice));
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 100, aliceReceiver);
    }

    function test_reassignModel_revertsWhenCallerNotOwner() public {
        _registerLlama();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        registry.reassignModel(LLAMA, alice);
    }

    function test_reassignModel_revertsWhenModelNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, LLAMA));
        vm.prank(owner);
        registry.reassignModel(LLAMA, bob);
    }

    function test_reassignModel_revertsWhenNewOwnerIsZero() public {
        _registerLlama();
        vm.expectRevert(IModelRegistry.ZeroOwner.selector);
        vm.prank(owner);
        registry.reassignModel(LLAMA, address(0));
    }

    function test_reassignModel_isCallableByNewOwnerAfterTwoStepTransfer() public {
        _registerLlama();
        vm.prank(owner);
        registry.transferOwnership(bob);
        vm.prank(bob);
        registry.acceptOwnership();
        vm.prank(bob);
        registry.reassignModel(LLAMA, bob);
        vm.assertEq(registry.getModel(LLAMA).owner, bob);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        registry.reassignModel(LLAMA, owner);
    }

    // ------------------------------------------------------------ royaltyInfo

    function test_royaltyInfo_returnsReceiverAndRate() public {
        _registerLlamaInForce();
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, aliceReceiver);
        vm.assertEq(bps, 500);
    }

    function test_royaltyInfo_returnsZeroBeforeTheFirstRoyaltyIsInForce() public {
        _registerLlama();
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, address(0));
        vm.assertEq(bps, 0);
    }

    function test_royaltyInfo_returnsZeroForUnknownModel() public view {
        (address receiver, uint256 bps) = registry.royaltyInfo(MISTRAL);
        vm.assertEq(receiver, address(0));
        vm.assertEq(bps, 0);
    }

    function test_royaltyInfo_returnsZeroWhenModelHasNoRoyalty() public {
        _register(bob, QWEN, "qwen", 0);
        (address receiver, uint256 bps) = registry.royaltyInfo(QWEN);
        vm.assertEq(receiver, address(0));
        vm.assertEq(bps, 0);
    }

    // ---------------------------------------------------------- modelIdOfName

    function test_modelIdOfName_returnsZeroForUnknownName() public {
        _registerLlama();
        vm.assertEq(registry.modelIdOfName("nope"), bytes32(0));
        vm.assertEq(registry.modelIdOfName("LLAMA-3.1-8B"), bytes32(0)); // names are case-sensitive
    }

    function test_getModel_returnsEmptyRecordForUnknownModel() public view {
        IModelRegistry.Model memory m = registry.getModel(MISTRAL);
        vm.assertEq(m.owner, address(0));
        vm.assertEq(m.name, "");
    }

    // ------------------------------------------------------------ getModelIds

    function test_getModelIds_pagesInRegistrationOrder() public {
        bytes32[] memory all = new bytes32[](5);
        for (uint256 i; i < 5; ++i) {
            all[i] = keccak256(abi.encode("model", i));
            _register(alice, all[i], string(abi.encodePacked("model-", bytes1(uint8(0x30 + i)))), 0);
        }
        vm.assertEq(registry.modelCount(), 5);

        bytes32[] memory page = registry.getModelIds(0, 2);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[0], all[0]);
        vm.assertEq(page[1], all[1]);

        page = registry.getModelIds(2, 2);
        vm.assertEq(page.length, 2);
        vm.assertEq(page[0], all[2]);
        vm.assertEq(page[1], all[3]);

        page = registry.getModelIds(4, 2); // last page is short
        vm.assertEq(page.length, 1);
        vm.assertEq(page[0], all[4]);

        vm.assertEq(registry.getModelIds(5, 1).length, 0); // offset at end
        vm.assertEq(registry.getModelIds(100, 1).length, 0); // offset past end
        vm.assertEq(registry.getModelIds(0, 0).length, 0); // empty limit
        vm.assertEq(registry.getModelIds(0, type(uint256).max).length, 5); // no overflow
        vm.assertEq(registry.getModelIds(3, type(uint256).max).length, 2);
    }

    function test_getModelIds_returnsEmptyWhenNoModels() public view {
        vm.assertEq(registry.getModelIds(0, 10).length, 0);
    }

    // ------------------------------------------------------------------- fuzz

    function testFuzz_register_storesAnyValidModel(
        bytes32 modelId,
        uint256 nameLength,
        uint256 uriLength,
        uint16 royaltyBps,
        address receiver
    ) public {
        vm.assume(modelId != bytes32(0));
        nameLength = bound(nameLength, 1, 128);
        uriLength = bound(uriLength, 0, 512);
        royaltyBps = uint16(bound(royaltyBps, 0, CAP));
        if (royaltyBps != 0) vm.assume(receiver != address(0));
        string memory name = _string(nameLength);

        vm.prank(bob);
        registry.register(modelId, name, _string(uriLength), royaltyBps, receiver);

        IModelRegistry.Model memory m = registry.getModel(modelId);
        vm.assertEq(m.owner, bob);
        vm.assertEq(uint256(m.royaltyBps), 0);
        vm.assertEq(bytes(m.uri).length, uriLength);
        vm.assertEq(registry.modelIdOfName(name), modelId);
        vm.warp(block.timestamp + DELAY);
        vm.assertEq(uint256(registry.getModel(modelId).royaltyBps), royaltyBps);
        (address r, uint256 bps) = registry.royaltyInfo(modelId);
        vm.assertEq(bps, royaltyBps);
        vm.assertEq(r, royaltyBps == 0 ? address(0) : receiver);
    }

    function testFuzz_register_revertsWhenRoyaltyAboveCap(uint16 royaltyBps) public {
        royaltyBps = uint16(bound(royaltyBps, CAP + 1, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, royaltyBps, CAP));
        vm.prank(alice);
        registry.register(LLAMA, "llama", "", royaltyBps, aliceReceiver);
    }

    /// @notice Whatever the owner of a model does, the rate `royaltyInfo` returns at any time was either
    /// the rate in force before, or lower, or asked for at least `royaltyIncreaseDelay` earlier; and
    /// never above the cap.
    function testFuzz_setRoyalty_neverRaisesTheRateInForceBeforeTheDelay(uint16[6] memory rates, uint32[6] memory waits)
        public
    {
        _registerLlamaInForce();
        uint256 inForce = 500;
        // The latest rise asked for and when it was asked.
        uint256 pendingRate;
        uint256 askedAt;
        for (uint256 i; i < rates.length; ++i) {
            uint16 rate = uint16(bound(rates[i], 0, CAP));
            vm.prank(alice);
            registry.setRoyalty(LLAMA, rate, aliceReceiver);
            if (rate <= inForce) {
                inForce = rate;
                pendingRate = 0;
            } else {
                pendingRate = rate;
                askedAt = block.timestamp;
            }
            vm.assertEq(_royaltyBps(LLAMA), inForce, "rate rose at once");
            vm.warp(block.timestamp + bound(waits[i], 0, 2 * DELAY));
            if (pendingRate != 0 && block.timestamp >= askedAt + DELAY) {
                inForce = pendingRate;
                pendingRate = 0;
            }
            uint256 bps = _royaltyBps(LLAMA);
            vm.assertEq(bps, inForce, "rate in force");
            vm.assertLe(bps, CAP, "above the cap");
        }
    }

    function testFuzz_update_renameMovesNameIndex(uint256 oldLength, uint256 newLength) public {
        oldLength = bound(oldLength, 1, 128);
        newLength = bound(newLength, 1, 128);
        string memory oldName = _string(oldLength);
        string memory newName = _string(newLength);
        _register(alice, LLAMA, oldName, 0);

        vm.prank(alice);
        registry.update(LLAMA, newName, "");

        vm.assertEq(registry.modelIdOfName(newName), LLAMA);
        vm.assertEq(registry.getModel(LLAMA).name, newName);
        if (oldLength != newLength) vm.assertEq(registry.modelIdOfName(oldName), bytes32(0));
    }

    function testFuzz_getModelIds_returnsRequestedSlice(uint256 count, uint256 offset, uint256 limit) public {
        count = bound(count, 0, 12);
        offset = bound(offset, 0, 15);
        limit = bound(limit, 0, 15);
        for (uint256 i; i < count; ++i) {
            _register(alice, keccak256(abi.encode(i)), string(abi.encodePacked("m", bytes1(uint8(0x41 + i)))), 0);
        }

        bytes32[] memory page = registry.getModelIds(offset, limit);
        uint256 expected = offset >= count ? 0 : (count - offset < limit ? count - offset : limit);
        vm.assertEq(page.length, expected);
        for (uint256 i; i < page.length; ++i) {
            vm.assertEq(page[i], keccak256(abi.encode(offset + i)));
        }
    }
}
