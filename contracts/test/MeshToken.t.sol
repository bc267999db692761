// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";

contract MeshTokenTest is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    MeshToken internal token;

    address internal owner;
    address internal minter;
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    address internal carol;

    function setUp() public {
        owner = makeAddr("owner");
        minter = makeAddr("minter");
        (alice, aliceKey) = makeAddrAndKey("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");

        token = new MeshToken(owner, address(0), 0);
        vm.prank(owner);
        token.setMinter(minter);
    }

    /// @dev A token whose minter is not set yet.
    function _unset() internal returns (MeshToken fresh) {
        fresh = new MeshToken(owner, address(0), 0);
    }

    // ---------------------------------------------------------------- helpers

    function _mint(address to, uint256 amount) internal {
        vm.prank(minter);
        token.mint(to, amount);
    }

    function _permitDigest(address holder, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, holder, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function _signPermit(uint256 key, address holder, address spender, uint256 value, uint256 nonce, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        return vm.sign(key, _permitDigest(holder, spender, value, nonce, deadline));
    }

    function _assertSupplyAccounting() internal view {
        vm.assertEq(token.totalSupply(), token.totalMinted() - token.totalBurned(), "supply != minted - burned");
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_setsMetadataAndOwner() public view {
        vm.assertEq(token.name(), "InferMesh");
        vm.assertEq(token.symbol(), "MESH");
        vm.assertEq(uint256(token.decimals()), 18);
        vm.assertEq(token.owner(), owner);
        vm.assertEq(token.pendingOwner(), address(0));
        vm.assertEq(token.totalSupply(), 0);
        vm.assertEq(token.totalMinted(), 0);
        vm.assertEq(token.totalBurned(), 0);
        vm.assertFalse(token.isMinter(owner));
        vm.assertEq(token.minter(), minter);
    }

    function test_constructor_mintsInitialSupplyToHolder() public {
        vm.expectEmit();
        emit IERC20.Transfer(address(0), alice, 1e9 ether);
        MeshToken fresh = new MeshToken(owner, alice, 1e9 ether);
        vm.assertEq(fresh.balanceOf(alice), 1e9 ether);
        vm.assertEq(fresh.totalSupply(), 1e9 ether);
        vm.assertEq(fresh.totalMinted(), 1e9 ether);
        vm.assertEq(fresh.minter(), address(0));
        vm.assertFalse(fresh.isMinter(address(0)));
    }

    function test_constructor_revertsWhenOwnerIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new MeshToken(address(0), alice, 1 ether);
    }

    function test_constructor_revertsWhenInitialHolderIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        new MeshToken(owner, address(0), 1 ether);
    }

    function test_DOMAIN_SEPARATOR_matchesEip712Domain() public view {
        bytes32 expected = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("InferMesh"), keccak256("1"), block.chainid, address(token))
        );
        vm.assertEq(token.DOMAIN_SEPARATOR(), expected);
    }

    // -------------------------------------------------------------- setMinter

    function test_setMinter_setsTheMinterAndEmits() public {
        MeshToken fresh = _unset();
        vm.expectEmit(address(fresh));
        emit IMeshToken.MinterSet(alice);
        vm.prank(owner);
        fresh.setMinter(alice);
        vm.assertTrue(fresh.isMinter(alice));
        vm.assertEq(fresh.minter(), alice);
        vm.assertFalse(fresh.isMinter(owner));
    }

    function test_setMinter_revertsMinterAlreadySetWhenSetTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.MinterAlreadySet.selector, minter));
        vm.prank(owner);
        token.setMinter(alice);
        vm.assertEq(token.minter(), minter);
    }

    function test_setMinter_revertsMinterAlreadySetForTheSameMinter() public {
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.MinterAlreadySet.selector, minter));
        vm.prank(owner);
        token.setMinter(minter);
    }

    function test_setMinter_revertsWhenCallerNotOwner() public {
        MeshToken fresh = _unset();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, minter));
        vm.prank(minter);
        fresh.setMinter(alice);
    }

    function test_setMinter_revertsWhenMinterIsZero() public {
        MeshToken fresh = _unset();
        vm.expectRevert(IMeshToken.ZeroMinter.selector);
        vm.prank(owner);
        fresh.setMinter(address(0));
    }

    // ------------------------------------------------------------------- mint

    function test_mint_mintsAndCountsWhenCallerIsMinter() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 100 ether);
        _mint(alice, 100 ether);

        vm.assertEq(token.balanceOf(alice), 100 ether);
        vm.assertEq(token.totalSupply(), 100 ether);
        vm.assertEq(token.totalMinted(), 100 ether);
        vm.assertEq(token.totalBurned(), 0);
    }

    function test_mint_revertsWhenCallerNotMinter() public {
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.NotMinter.selector, owner));
        vm.prank(owner);
        token.mint(alice, 1 ether);
    }

    function test_mint_revertsNotMinterBeforeTheMinterIsSet() public {
        MeshToken fresh = _unset();
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.NotMinter.selector, owner));
        vm.prank(owner);
        fresh.mint(alice, 1 ether);
    }

    function test_mint_revertsNotMinterForTheOwnerAfterOwnershipChanges() public {
        // Even a new owner cannot mint or name another minter.
        vm.prank(owner);
        token.transferOwnership(alice);
        vm.prank(alice);
        token.acceptOwnership();
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.MinterAlreadySet.selector, minter));
        vm.prank(alice);
        token.setMinter(alice);
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.NotMinter.selector, alice));
        vm.prank(alice);
        token.mint(alice, 1 ether);
    }

    function test_mint_revertsWhenRecipientIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        vm.prank(minter);
        token.mint(address(0), 1 ether);
    }

    // ------------------------------------------------------------------- burn

    function test_burn_burnsAndCounts() public {
        _mint(alice, 100 ether);

        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 40 ether);
        vm.prank(alice);
        token.burn(40 ether);

        vm.assertEq(token.balanceOf(alice), 60 ether);
        vm.assertEq(token.totalSupply(), 60 ether);
        vm.assertEq(token.totalMinted(), 100 ether);
        vm.assertEq(token.totalBurned(), 40 ether);
        _assertSupplyAccounting();
    }

    function test_burn_revertsWhenBalanceTooLow() public {
        _mint(alice, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 10 ether, 11 ether)
        );
        vm.prank(alice);
        token.burn(11 ether);
    }

    // --------------------------------------------------------------- burnFrom

    function test_burnFrom_burnsAndSpendsAllowance() public {
        _mint(alice, 100 ether);
        vm.prank(alice);
        token.approve(bob, 50 ether);

        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 30 ether);
        vm.prank(bob);
        token.burnFrom(alice, 30 ether);

        vm.assertEq(token.balanceOf(alice), 70 ether);
        vm.assertEq(token.allowance(alice, bob), 20 ether);
        vm.assertEq(token.totalBurned(), 30 ether);
        _assertSupplyAccounting();
    }

    function test_burnFrom_keepsInfiniteAllowance() public {
        _mint(alice, 100 ether);
        vm.prank(alice);
        token.approve(bob, type(uint256).max);

        vm.prank(bob);
        token.burnFrom(alice, 30 ether);

        vm.assertEq(token.allowance(alice, bob), type(uint256).max);
        vm.assertEq(token.totalBurned(), 30 ether);
    }

    function test_burnFrom_revertsWhenAllowanceTooLow() public {
        _mint(alice, 100 ether);
        vm.prank(alice);
        token.approve(bob, 5 ether);

        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 5 ether, 6 ether));
        vm.prank(bob);
        token.burnFrom(alice, 6 ether);
    }

    function test_burnFrom_revertsWhenBalanceTooLow() public {
        _mint(alice, 5 ether);
        vm.prank(alice);
        token.approve(bob, 100 ether);

        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 5 ether, 6 ether));
        vm.prank(bob);
        token.burnFrom(alice, 6 ether);
    }

    // --------------------------------------------------------------- transfer

    function test_transfer_leavesCountersUnchanged() public {
        _mint(alice, 100 ether);
        vm.prank(alice);
        token.transfer(bob, 25 ether);

        vm.assertEq(token.balanceOf(bob), 25 ether);
        vm.assertEq(token.totalMinted(), 100 ether);
        vm.assertEq(token.totalBurned(), 0);
        _assertSupplyAccounting();
    }

    // ----------------------------------------------------------------- permit

    function test_permit_setsAllowanceWithValidSignature() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 77 ether, 0, deadline);

        vm.expectEmit(address(token));
        emit IERC20.Approval(alice, bob, 77 ether);
        vm.prank(carol); // anyone may submit the signature
        token.permit(alice, bob, 77 ether, deadline, v, r, s);

        vm.assertEq(token.allowance(alice, bob), 77 ether);
        vm.assertEq(token.nonces(alice), 1);
    }

    function test_permit_allowsSpendingThroughBurnFrom() public {
        _mint(alice, 10 ether);
        uint256 deadline = block.timestamp;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 10 ether, 0, deadline);
        token.permit(alice, bob, 10 ether, deadline, v, r, s);

        vm.prank(bob);
        token.burnFrom(alice, 10 ether);
        vm.assertEq(token.balanceOf(alice), 0);
        vm.assertEq(token.allowance(alice, bob), 0);
    }

    function test_permit_revertsWhenDeadlinePassed() public {
        vm.warp(1_000_000);
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
    }

    function test_permit_revertsWhenSignerIsNotOwner() public {
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(malloryKey, alice, bob, 1 ether, 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, mallory, alice));
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
    }

    function test_permit_revertsWhenSignatureReplayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);
        token.permit(alice, bob, 1 ether, deadline, v, r, s);

        // The nonce moved on, so the same signature now recovers to an unrelated address.
        address recovered = ecrecover(_permitDigest(alice, bob, 1 ether, 1, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, alice));
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
    }

    function test_permit_revertsWhenValueDiffersFromSigned() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);

        address recovered = ecrecover(_permitDigest(alice, bob, 2 ether, 0, deadline), v, r, s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, alice));
        token.permit(alice, bob, 2 ether, deadline, v, r, s);
    }

    function test_permit_revertsWhenChainIdChanged() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);

        vm.chainId(block.chainid + 1);
        address recovered = ecrecover(_permitDigest(alice, bob, 1 ether, 0, deadline), v, r, s);
        vm.assertTrue(recovered != alice);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, alice));
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
    }

    // -------------------------------------------------------------- ownership

    function test_transferOwnership_setsPendingOwnerAndEmits() public {
        vm.expectEmit(address(token));
        emit Ownable2Step.OwnershipTransferStarted(owner, alice);
        vm.prank(owner);
        token.transferOwnership(alice);

        vm.assertEq(token.owner(), owner);
        vm.assertEq(token.pendingOwner(), alice);
    }

    function test_transferOwnership_revertsWhenCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        token.transferOwnership(alice);
    }

    function test_acceptOwnership_transfersOwnershipAndEmits() public {
        vm.prank(owner);
        token.transferOwnership(alice);

        vm.expectEmit(address(token));
        emit Ownable.OwnershipTransferred(owner, alice);
        vm.prank(alice);
        token.acceptOwnership();

        vm.assertEq(token.owner(), alice);
        vm.assertEq(token.pendingOwner(), address(0));

        // The old owner no longer holds the owner's powers.
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        token.transferOwnership(carol);
    }

    function test_acceptOwnership_revertsWhenCallerNotPendingOwner() public {
        vm.prank(owner);
        token.transferOwnership(alice);

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob));
        vm.prank(bob);
        token.acceptOwnership();
    }

    function test_acceptOwnership_revertsWhenNothingPending() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        token.acceptOwnership();
    }

    function test_transferOwnership_replacesPendingOwner() public {
        vm.startPrank(owner);
        token.transferOwnership(alice);
        token.transferOwnership(bob);
        vm.stopPrank();

        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        token.acceptOwnership();

        vm.prank(bob);
        token.acceptOwnership();
        vm.assertEq(token.owner(), bob);
    }

    function test_renounceOwnership_clearsOwnerAndPendingOwner() public {
        vm.startPrank(owner);
        token.transferOwnership(alice);
        token.renounceOwnership();
        vm.stopPrank();

        vm.assertEq(token.owner(), address(0));
        vm.assertEq(token.pendingOwner(), address(0));
    }

    // ------------------------------------------------------------------- fuzz

    function testFuzz_mint_increasesSupplyAndMinted(address to, uint256 amount) public {
        vm.assume(to != address(0));
        amount = bound(amount, 0, type(uint128).max);

        _mint(to, amount);

        vm.assertEq(token.balanceOf(to), amount);
        vm.assertEq(token.totalMinted(), amount);
        vm.assertEq(token.totalBurned(), 0);
        _assertSupplyAccounting();
    }

    function testFuzz_mint_revertsWhenCallerNotMinter(address caller) public {
        vm.assume(caller != minter);
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.NotMinter.selector, caller));
        vm.prank(caller);
        token.mint(alice, 1 ether);
    }

    function testFuzz_setMinter_revertsWhenCallerNotOwner(address caller) public {
        vm.assume(caller != owner);
        MeshToken fresh = _unset();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, caller));
        vm.prank(caller);
        fresh.setMinter(caller);
    }

    function testFuzz_setMinter_revertsMinterAlreadySetForAnyAccount(address other) public {
        vm.assume(other != address(0));
        vm.expectRevert(abi.encodeWithSelector(IMeshToken.MinterAlreadySet.selector, minter));
        vm.prank(owner);
        token.setMinter(other);
    }

    function testFuzz_burn_keepsSupplyEqualToMintedMinusBurned(uint256 minted, uint256 burned, uint256 moved) public {
        minted = bound(minted, 1, type(uint128).max);
        moved = bound(moved, 0, minted);
        _mint(alice, minted);
        vm.prank(alice);
        token.transfer(bob, moved);

        burned = bound(burned, 0, minted - moved);
        vm.prank(alice);
        token.burn(burned);

        vm.assertEq(token.balanceOf(alice), minted - moved - burned);
        vm.assertEq(token.totalMinted(), minted);
        vm.assertEq(token.totalBurned(), burned);
        _assertSupplyAccounting();
    }

    function testFuzz_burnFrom_spendsAllowance(uint256 allowance, uint256 amount) public {
        allowance = bound(allowance, 0, type(uint128).max);
        amount = bound(amount, 0, allowance);
        _mint(alice, allowance);
        vm.prank(alice);
        token.approve(bob, allowance);

        vm.prank(bob);
        token.burnFrom(alice, amount);

        vm.assertEq(token.allowance(alice, bob), allowance - amount);
        vm.assertEq(token.balanceOf(alice), allowance - amount);
        vm.assertEq(token.totalBurned(), amount);
        _assertSupplyAccounting();
    }

    function testFuzz_burnFrom_revertsWhenAmountAboveAllowance(uint256 allowance, uint256 amount) public {
        allowance = bound(allowance, 0, type(uint128).max - 1);
        amount = bound(amount, allowance + 1, type(uint128).max);
        _mint(alice, type(uint128).max);
        vm.prank(alice);
        token.approve(bob, allowance);

        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, allowance, amount)
        );
        vm.prank(bob);
        token.burnFrom(alice, amount);
    }

    function testFuzz_permit_setsAllowance(uint256 value, uint256 deadlineDelay, uint256 usedNonces) public {
        deadlineDelay = bound(deadlineDelay, 0, 365 days);
        usedNonces = bound(usedNonces, 0, 3);
        uint256 deadline = block.timestamp + deadlineDelay;

        // Consume some nonces first so the signed nonce is not always zero.
        for (uint256 i; i < usedNonces; ++i) {
            (uint8 v0, bytes32 r0, bytes32 s0) = _signPermit(aliceKey, alice, carol, i, i, deadline);
            token.permit(alice, carol, i, deadline, v0, r0, s0);
        }

        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, value, usedNonces, deadline);
        token.permit(alice, bob, value, deadline, v, r, s);

        vm.assertEq(token.allowance(alice, bob), value);
        vm.assertEq(token.nonces(alice), usedNonces + 1);
    }

    function testFuzz_permit_revertsAfterDeadline(uint256 late) public {
        vm.warp(1_000_000);
        late = bound(late, 1, 1_000_000);
        uint256 deadline = block.timestamp - late;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1 ether, 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 1 ether, deadline, v, r, s);
    }
}
