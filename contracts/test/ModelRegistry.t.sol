// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";

contract ModelRegistryTest is Test {
    uint16 internal constant CAP = 1000; // 10%

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
        registry = new ModelRegistry(owner, CAP);
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

    function _string(uint256 length) internal pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i; i < length; ++i) {
            b[i] = "a";
        }
        return string(b);
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_setsOwnerAndCap() public {
        vm.expectEmit();
        emit IModelRegistry.MaxRoyaltyBpsSet(CAP);
        ModelRegistry fresh = new ModelRegistry(owner, CAP);
        vm.assertEq(fresh.owner(), owner);
        vm.assertEq(uint256(fresh.maxRoyaltyBps()), CAP);
        vm.assertEq(fresh.modelCount(), 0);
    }

    function test_constructor_revertsWhenCapAboveLimit() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MaxRoyaltyTooHigh.selector, 3001, 3000));
        new ModelRegistry(owner, 3001);
    }

    function test_constructor_revertsWhenOwnerIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new ModelRegistry(address(0), CAP);
    }

    // --------------------------------------------------------------- register

    function test_register_storesModelAndEmits() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRegistered(LLAMA, alice, "llama-3.1-8b", "hf://meta/llama-3.1-8b", 500, aliceReceiver);
        _registerLlama();

        IModelRegistry.Model memory m = registry.getModel(LLAMA);
        vm.assertEq(m.owner, alice);
        vm.assertEq(uint256(m.royaltyBps), 500);
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
        vm.assertEq(uint256(registry.getModel(QWEN).royaltyBps), CAP);
    }

    function test_register_revertsWhenModelIdIsZero() public {
        vm.expectRevert(IModelRegistry.ZeroModelId.selector);
        vm.prank(alice);
        registry.register(bytes32(0), "zero", "", 0, address(0));
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

    function test_setRoyalty_updatesAndEmits() public {
        _registerLlama();
        vm.expectEmit(address(registry));
        emit IModelRegistry.RoyaltySet(LLAMA, CAP, bob);
        vm.prank(alice);
        registry.setRoyalty(LLAMA, CAP, bob);

        IModelRegistry.Model memory m = registry.getModel(LLAMA);
        vm.assertEq(uint256(m.royaltyBps), CAP);
        vm.assertEq(m.royaltyReceiver, bob);
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, bob);
        vm.assertEq(bps, CAP);
    }

    function test_setRoyalty_clearsRoyaltyWithZeroReceiver() public {
        _registerLlama();
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

    // ------------------------------------------------------- setMaxRoyaltyBps

    function test_setMaxRoyaltyBps_setsAndEmits() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.MaxRoyaltyBpsSet(250);
        vm.prank(owner);
        registry.setMaxRoyaltyBps(250);
        vm.assertEq(uint256(registry.maxRoyaltyBps()), 250);
    }

    function test_setMaxRoyaltyBps_acceptsLimitAndZero() public {
        vm.startPrank(owner);
        registry.setMaxRoyaltyBps(registry.MAX_ROYALTY_BPS_LIMIT());
        vm.assertEq(uint256(registry.maxRoyaltyBps()), 3000);
        registry.setMaxRoyaltyBps(0);
        vm.assertEq(uint256(registry.maxRoyaltyBps()), 0);
        vm.stopPrank();
    }

    function test_setMaxRoyaltyBps_revertsWhenAboveLimit() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MaxRoyaltyTooHigh.selector, 3001, 3000));
        vm.prank(owner);
        registry.setMaxRoyaltyBps(3001);
    }

    function test_setMaxRoyaltyBps_revertsWhenCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        registry.setMaxRoyaltyBps(100);
    }

    function test_setMaxRoyaltyBps_isCallableByNewOwnerAfterTwoStepTransfer() public {
        vm.prank(owner);
        registry.transferOwnership(bob);
        vm.assertEq(registry.owner(), owner);
        vm.prank(bob);
        registry.acceptOwnership();

        vm.prank(bob);
        registry.setMaxRoyaltyBps(100);
        vm.assertEq(uint256(registry.maxRoyaltyBps()), 100);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        registry.setMaxRoyaltyBps(200);
    }

    function test_setMaxRoyaltyBps_loweredCapBlocksNewRoyaltiesAboveIt() public {
        _registerLlama(); // 500 bps
        vm.prank(owner);
        registry.setMaxRoyaltyBps(300);

        // The stored rate stays, new settings must respect the new cap.
        vm.assertEq(uint256(registry.getModel(LLAMA).royaltyBps), 500);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, 500, 300));
        vm.prank(alice);
        registry.setRoyalty(LLAMA, 500, aliceReceiver);
    }

    // ------------------------------------------------------------ royaltyInfo

    function test_royaltyInfo_returnsReceiverAndRate() public {
        _registerLlama();
        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, aliceReceiver);
        vm.assertEq(bps, 500);
    }

    function test_royaltyInfo_capsAtLoweredCap() public {
        _registerLlama(); // 500 bps
        _register(bob, QWEN, "qwen", 200);
        vm.prank(owner);
        registry.setMaxRoyaltyBps(300);

        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(receiver, aliceReceiver);
        vm.assertEq(bps, 300);
        // Models under the new cap keep their rate.
        (, bps) = registry.royaltyInfo(QWEN);
        vm.assertEq(bps, 200);

        // Raising the cap again restores the stored rate.
        vm.prank(owner);
        registry.setMaxRoyaltyBps(3000);
        (, bps) = registry.royaltyInfo(LLAMA);
        vm.assertEq(bps, 500);
    }

    function test_royaltyInfo_returnsZeroRateWhenCapLoweredToZero() public {
        _registerLlama();
        vm.prank(owner);
        registry.setMaxRoyaltyBps(0);
        (, uint256 bps) = registry.royaltyInfo(LLAMA);
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
        vm.assertEq(uint256(m.royaltyBps), royaltyBps);
        vm.assertEq(bytes(m.uri).length, uriLength);
        vm.assertEq(registry.modelIdOfName(name), modelId);
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

    function testFuzz_royaltyInfo_neverExceedsCap(uint16 royaltyBps, uint16 newCap) public {
        royaltyBps = uint16(bound(royaltyBps, 1, CAP));
        newCap = uint16(bound(newCap, 0, 3000));
        _register(alice, LLAMA, "llama", royaltyBps);
        vm.prank(owner);
        registry.setMaxRoyaltyBps(newCap);

        (address receiver, uint256 bps) = registry.royaltyInfo(LLAMA);
        vm.assertLe(bps, newCap);
        vm.assertEq(bps, royaltyBps < newCap ? royaltyBps : newCap);
        if (bps != 0) vm.assertEq(receiver, aliceReceiver);
    }

    function testFuzz_setMaxRoyaltyBps_revertsAboveLimit(uint16 cap) public {
        cap = uint16(bound(cap, 3001, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.MaxRoyaltyTooHigh.selector, cap, 3000));
        vm.prank(owner);
        registry.setMaxRoyaltyBps(cap);
    }

    function testFuzz_setMaxRoyaltyBps_revertsWhenCallerNotOwner(address caller) public {
        vm.assume(caller != owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, caller));
        vm.prank(caller);
        registry.setMaxRoyaltyBps(1);
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
