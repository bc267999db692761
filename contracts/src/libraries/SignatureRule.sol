// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title SignatureRule
/// @notice The network's one signature rule, on and off chain: a signature is `signer`'s when
/// (1) it is a 65-byte ECDSA signature `r ‖ s ‖ v` with v ∈ {27, 28} and s in the lower half order that
/// recovers to `signer` (OpenZeppelin `ECDSA.tryRecover`), or, only when that fails,
/// (2) `signer` has code and its EIP-1271 `isValidSignature(digest, signature)` answers the magic value
/// within `ERC1271_GAS` gas.
/// @dev ECDSA comes first so that an EOA that delegated its code (EIP-7702) to a contract that answers
/// "invalid" cannot revoke what its key signed: for an EOA the key is authoritative. A pure contract
/// address has no key, so rule (1) can never match for it by accident (finding a key for a given address
/// is as hard as breaking secp256k1). `signer == address(0)` never verifies: ecrecover's failure value is
/// excluded by `tryRecover`, and address(0) has no code.
library SignatureRule {
    /// @notice Gas forwarded to an EIP-1271 `isValidSignature` call. Bounded so that one wallet cannot
    /// burn a whole batch's gas; a Safe with a few owners needs well under this.
    uint256 internal constant ERC1271_GAS = 50_000;

    /// @notice Whether `signature` is `signer`'s signature of `digest` under the rule above.
    function isValid(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        if (signature.length == 65) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            // Read r, s, v straight from calldata (no copy to memory).
            assembly ("memory-safe") {
                r := calldataload(signature.offset)
                s := calldataload(add(signature.offset, 0x20))
                v := byte(0, calldataload(add(signature.offset, 0x40)))
            }
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, v, r, s);
            if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        }
        if (signer.code.length == 0) return false;
        return _isValidErc1271(signer, digest, signature);
    }

    /// @dev A bounded staticcall; only the first 32 bytes of the answer are copied, so a wallet cannot
    /// make the caller pay for a huge return value.
    function _isValidErc1271(address signer, bytes32 digest, bytes calldata signature) private view returns (bool ok) {
        bytes memory data = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        uint256 gasLimit = ERC1271_GAS;
        bytes4 magic = IERC1271.isValidSignature.selector;
        assembly ("memory-safe") {
            let success := staticcall(gasLimit, signer, add(data, 0x20), mload(data), 0x00, 0x20)
            ok := and(and(success, gt(returndatasize(), 0x1f)), eq(mload(0x00), magic))
        }
    }
}
