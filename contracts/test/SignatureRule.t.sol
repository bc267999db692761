// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {SignatureRule} from "../src/libraries/SignatureRule.sol";
import {
    OwnerWallet,
    RejectingWallet,
    RevertingWallet,
    ShortAnswerWallet,
    GasBurnerWallet
} from "./PaymentsSignatures.t.sol";

/// @notice Exposes the library to the tests.
contract SignatureRuleHarness {
    uint256 public checks;

    function isValid(address signer, bytes32 digest, bytes calldata signature) external view returns (bool) {
        return SignatureRule.isValid(signer, digest, signature);
    }

    /// @dev The same through a state-changing call (a transaction can carry an EIP-7702 authorization).
    function check(address signer, bytes32 digest, bytes calldata signature) external returns (bool) {
        ++checks;
        return SignatureRule.isValid(signer, digest, signature);
    }
}

/// @notice The one signature rule (vouchers and receipts): ECDSA with v 27/28 and low s first, EIP-1271
/// only when ECDSA fails, bounded gas, and never address(0).
contract SignatureRuleTest is Test {
    /// @dev secp256k1 group order.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes32 internal constant DIGEST = keccak256("an EIP-712 digest");

    SignatureRuleHarness internal rule;
    address internal signer;
    uint256 internal signerKey;

    function setUp() public {
        rule = new SignatureRuleHarness();
        (signer, signerKey) = makeAddrAndKey("signer");
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    // ================================================================ ECDSA

    function test_isValid_acceptsTheSignersLowSEcdsaSignature() public view {
        vm.assertTrue(rule.isValid(signer, DIGEST, _sign(signerKey, DIGEST)));
    }

    function test_isValid_rejectsAnotherKeysSignature() public {
        (, uint256 otherKey) = makeAddrAndKey("other");
        vm.assertFalse(rule.isValid(signer, DIGEST, _sign(otherKey, DIGEST)));
    }

    /// @dev Issue 11: the provider accepted v = 0/1; the contract never does.
    function test_isValid_rejectsVZeroOrOne() public view {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, DIGEST);
        vm.assertFalse(rule.isValid(signer, DIGEST, abi.encodePacked(r, s, v - 27)));
        vm.assertTrue(rule.isValid(signer, DIGEST, abi.encodePacked(r, s, v)));
    }

    function test_isValid_rejectsTheHighSTwin() public view {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, DIGEST);
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flipped = v == 27 ? 28 : 27;
        vm.assertEq(ecrecover(DIGEST, flipped, r, highS), signer); // the precompile would accept it
        vm.assertFalse(rule.isValid(signer, DIGEST, abi.encodePacked(r, highS, flipped)));
    }

    function test_isValid_rejectsCompactAndWrongLengths() public view {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, DIGEST);
        vm.assertFalse(rule.isValid(signer, DIGEST, abi.encodePacked(r, bytes32(uint256(s) | uint256(v - 27) << 255))));
        vm.assertFalse(rule.isValid(signer, DIGEST, abi.encodePacked(r, s, v, uint8(0))));
        vm.assertFalse(rule.isValid(signer, DIGEST, ""));
    }

    function test_isValid_neverAcceptsTheZeroSigner() public view {
        vm.assertFalse(rule.isValid(address(0), DIGEST, abi.encodePacked(bytes32(0), bytes32(0), uint8(27))));
        vm.assertFalse(rule.isValid(address(0), DIGEST, abi.encodePacked(keccak256("r"), keccak256("s"), uint8(29))));
        vm.assertFalse(rule.isValid(address(0), DIGEST, ""));
    }

    function testFuzz_isValid_acceptsEveryKeysOwnSignature(uint256 key, bytes32 digest) public view {
        key = bound(key, 1, SECP256K1_N - 1);
        vm.assertTrue(rule.isValid(vm.addr(key), digest, _sign(key, digest)));
    }

    function testFuzz_isValid_rejectsAnyVOtherThan27Or28(uint8 v) public view {
        vm.assume(v != 27 && v != 28);
        (, bytes32 r, bytes32 s) = vm.sign(signerKey, DIGEST);
        vm.assertFalse(rule.isValid(signer, DIGEST, abi.encodePacked(r, s, v)));
    }

    function testFuzz_isValid_rejectsRandomBytesForAnEoa(bytes memory garbage) public view {
        vm.assertFalse(rule.isValid(signer, DIGEST, garbage));
    }

    function testFuzz_isValid_rejectsAnyAlteredByte(uint256 index, uint8 xor) public view {
        bytes memory sig = _sign(signerKey, DIGEST);
        index = bound(index, 0, 64);
        xor = uint8(bound(xor, 1, 255));
        sig[index] = bytes1(uint8(sig[index]) ^ xor);
        vm.assertFalse(rule.isValid(signer, DIGEST, sig));
    }

    // ============================================================= EIP-1271

    function test_isValid_acceptsAContractWalletThroughEip1271() public {
        (address walletOwner, uint256 walletOwnerKey) = makeAddrAndKey("walletOwner");
        OwnerWallet wallet = new OwnerWallet(walletOwner);
        vm.assertTrue(rule.isValid(address(wallet), DIGEST, _sign(walletOwnerKey, DIGEST)));
        vm.assertFalse(rule.isValid(address(wallet), DIGEST, _sign(signerKey, DIGEST)));
    }

    function test_isValid_rejectsWalletsThatRejectRevertOrAnswerShort() public {
        bytes memory sig = _sign(signerKey, DIGEST);
        vm.assertFalse(rule.isValid(address(new RejectingWallet()), DIGEST, sig));
        vm.assertFalse(rule.isValid(address(new RevertingWallet()), DIGEST, sig));
        vm.assertFalse(rule.isValid(address(new ShortAnswerWallet()), DIGEST, sig));
    }

    function test_isValid_boundsTheGasOfAWallet() public {
        GasBurnerWallet burner = new GasBurnerWallet();
        uint256 before = gasleft();
        vm.assertFalse(rule.isValid(address(burner), DIGEST, hex"00"));
        vm.assertLt(before - gasleft(), SignatureRule.ERC1271_GAS + 20_000);
    }

    // ===================================================== delegated EOAs (7702)

    /// @dev The EOA's code answers "invalid" to everything: its key still signs for it.
    function test_isValid_acceptsTheKeyOfAnEoaWhoseCodeRejectsEip1271() public {
        vm.etch(signer, type(RejectingWallet).runtimeCode);
        vm.assertTrue(rule.isValid(signer, DIGEST, _sign(signerKey, DIGEST)));
    }

    /// @dev Only when ECDSA fails does the EOA's code get asked.
    function test_isValid_asksTheCodeOfADelegatedEoaOnlyWhenEcdsaFails() public {
        (address walletOwner, uint256 walletOwnerKey) = makeAddrAndKey("walletOwner");
        vm.etch(signer, address(new OwnerWallet(walletOwner)).code);
        vm.assertTrue(rule.isValid(signer, DIGEST, _sign(signerKey, DIGEST)));
        vm.assertTrue(rule.isValid(signer, DIGEST, _sign(walletOwnerKey, DIGEST)));
        (, uint256 otherKey) = makeAddrAndKey("other");
        vm.assertFalse(rule.isValid(signer, DIGEST, _sign(otherKey, DIGEST)));
    }

    function test_isValid_acceptsTheKeyAfterARealEip7702Delegation() public {
        vm.setEvmVersion("prague");
        RejectingWallet rejecting = new RejectingWallet();
        bytes memory sig = _sign(signerKey, DIGEST);
        vm.signAndAttachDelegation(address(rejecting), signerKey);
        vm.assertTrue(rule.check(signer, DIGEST, sig)); // this transaction carries the delegation
        vm.assertEq(keccak256(signer.code), keccak256(abi.encodePacked(hex"ef0100", address(rejecting))));
        vm.assertTrue(rule.isValid(signer, DIGEST, _sign(signerKey, DIGEST)));
        (, uint256 otherKey) = makeAddrAndKey("other");
        vm.assertFalse(rule.isValid(signer, DIGEST, _sign(otherKey, DIGEST)));
    }
}

