// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Payments} from "../src/Payments.sol";
import {IPayments} from "../src/interfaces/IPayments.sol";
import {PaymentsTestBase} from "./Payments.t.sol";

/// @notice A minimal EIP-1271 contract wallet: a signature is valid when its owner key signed the hash.
contract OwnerWallet is IERC1271 {
    address public immutable walletOwner;

    constructor(address walletOwner_) {
        walletOwner = walletOwner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == walletOwner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}

/// @notice A wallet that answers every signature check with the EIP-1271 failure value.
contract RejectingWallet is IERC1271 {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}

/// @notice A wallet whose signature check reverts.
contract RevertingWallet {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        revert("no");
    }
}

/// @notice A wallet that returns fewer than 32 bytes.
contract ShortAnswerWallet {
    fallback() external {
        assembly {
            mstore(0, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
            return(0, 4)
        }
    }
}

/// @notice A wallet that burns all the gas it is given before answering.
contract GasBurnerWallet {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        uint256 x;
        while (true) {
            x = uint256(keccak256(abi.encode(x)));
        }
        return bytes4(uint32(x));
    }
}

/// @notice A wallet that answers the magic value followed by 64 KB of zeros.
contract LongAnswerWallet {
    fallback() external {
        assembly {
            mstore(0, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
            return(0, 65536)
        }
    }
}

/// @notice Voucher signatures: the EIP-712 digest, domain separation (chain, contract), tampering,
/// replays, stale vouchers, EIP-1271 contract-wallet payers and malformed signatures.
contract PaymentsSignaturesTest is PaymentsTestBase {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address payer,address provider,bytes32 modelId,uint256 cumulativeAmount)");
    /// @dev secp256k1 group order.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    function setUp() public override {
        super.setUp();
        _reserve(500 ether);
    }

    /// @dev The EIP-712 digest of `voucher`, computed from the spec, not from the contract.
    function _digest(IPayments.Voucher memory voucher, uint256 chainId, address verifyingContract)
        internal
        pure
        returns (bytes32)
    {
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("InferMesh Payments"), keccak256("2"), chainId, verifyingContract)
        );
        bytes32 structHash = keccak256(
            abi.encode(VOUCHER_TYPEHASH, voucher.payer, voucher.provider, voucher.modelId, voucher.cumulativeAmount)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _invalidSignature(address who) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IPayments.InvalidSignature.selector, who);
    }

    function _assertNothingPaid() internal view {
        vm.assertEq(payments.paid(payer, provider, MODEL), 0);
        vm.assertEq(_allocation(payer, provider), 500 ether);
        vm.assertEq(token.balanceOf(provider), 0);
    }

    // ================================================================ digest

    function test_hashVoucher_equalsIndependentEip712Digest() public view {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 123 ether);
        vm.assertEq(payments.hashVoucher(voucher), _digest(voucher, block.chainid, address(payments)));
        vm.assertEq(payments.VOUCHER_TYPEHASH(), VOUCHER_TYPEHASH);
    }

    function test_eip712Domain_namesInferMeshPaymentsVersion2() public view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            payments.eip712Domain();
        vm.assertEq(name, "InferMesh Payments");
        vm.assertEq(version, "2");
        vm.assertEq(chainId, block.chainid);
        vm.assertEq(verifyingContract, address(payments));
    }

    function testFuzz_hashVoucher_equalsIndependentEip712Digest(
        address payer_,
        address provider_,
        bytes32 modelId,
        uint256 cumulativeAmount
    ) public view {
        IPayments.Voucher memory voucher = _voucher(payer_, provider_, modelId, cumulativeAmount);
        vm.assertEq(payments.hashVoucher(voucher), _digest(voucher, block.chainid, address(payments)));
    }

    function test_hashVoucher_followsChainIdChange() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 123 ether);
        bytes32 before = payments.hashVoucher(voucher);
        vm.chainId(block.chainid + 1);
        bytes32 afterFork = payments.hashVoucher(voucher);
        vm.assertTrue(before != afterFork);
        vm.assertEq(afterFork, _digest(voucher, block.chainid, address(payments)));
    }

    function test_redeem_acceptsSignatureOverIndependentDigest() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        bytes memory sig = _signDigest(payerKey, _digest(voucher, block.chainid, address(payments)));
        vm.assertEq(payments.redeem(voucher, sig), 100 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    // ===================================================== domain separation

    function test_redeem_revertsInvalidSignatureForOtherChainId() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        bytes memory sig = _signDigest(payerKey, _digest(voucher, block.chainid + 1, address(payments)));

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
        _assertNothingPaid();
    }

    function test_redeem_revertsInvalidSignatureAfterChainFork() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        bytes memory sig = _sign(payerKey, voucher);
        vm.chainId(block.chainid + 1);

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
        _assertNothingPaid();
    }

    function test_redeem_revertsInvalidSignatureForOtherDeployment() public {
        Payments other = new Payments(owner, token, models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        bytes memory sig = _signDigest(payerKey, other.hashVoucher(voucher));
        vm.assertEq(other.hashVoucher(voucher), _digest(voucher, block.chainid, address(other)));

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
        _assertNothingPaid();
    }

    // ============================================================ wrong signer

    function test_redeem_revertsInvalidSignatureByOtherKey() public {
        (, uint256 otherKey) = makeAddrAndKey("notThePayer");
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);

        bytes memory sig = _sign(otherKey, voucher);
        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
        _assertNothingPaid();
    }

    function test_redeem_revertsInvalidSignatureForProviderSignedVoucher() public {
        (address selfPayingProvider, uint256 providerKey) = makeAddrAndKey("greedyProvider");
        _depositFor(payer, selfPayingProvider, 100 ether);
        IPayments.Voucher memory voucher = _voucher(payer, selfPayingProvider, MODEL, 100 ether);

        bytes memory sig = _sign(providerKey, voucher);
        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
    }

    // =============================================================== tampering

    function test_redeem_revertsInvalidSignatureWhenProviderAltered() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        voucher.provider = makeAddr("thief");
        _depositFor(payer, voucher.provider, 100 ether); // the payer allocated to the thief too

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsInvalidSignatureWhenModelIdAltered() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        voucher.modelId = UNREGISTERED_MODEL;

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
        _assertNothingPaid();
    }

    function test_redeem_revertsInvalidSignatureWhenCumulativeAltered() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        voucher.cumulativeAmount = 100 ether + 1;

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, sig);
        _assertNothingPaid();
    }

    function test_redeem_revertsInvalidSignatureWhenPayerAltered() public {
        (address payer2,) = makeAddrAndKey("payer2");
        _fund(payer2, 100 ether);
        _depositFor(payer2, provider, 100 ether);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        voucher.payer = payer2;

        vm.expectRevert(_invalidSignature(payer2));
        payments.redeem(voucher, sig);
        vm.assertEq(_allocation(payer2, provider), 100 ether);
    }

    function testFuzz_redeem_revertsInvalidSignatureWhenAnyFieldAltered(uint256 field, uint256 delta) public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        delta = bound(delta, 1, type(uint160).max);
        field = field % 3;
        if (field == 0) voucher.provider = address(uint160(voucher.provider) ^ uint160(delta));
        else if (field == 1) voucher.modelId = bytes32(uint256(voucher.modelId) ^ delta);
        else voucher.cumulativeAmount += delta;
        vm.assume(voucher.provider != address(0));

        // Another provider holds no allocation of this payer; the other fields reach the signature check.
        if (field == 0) {
            vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, payer, voucher.provider));
        } else {
            vm.expectRevert(_invalidSignature(payer));
        }
        payments.redeem(voucher, sig);
    }

    // ============================================================ stale, replay

    function test_redeem_revertsNothingToRedeemForLowerCumulative() public {
        (IPayments.Voucher memory high, bytes memory highSig) = _signed(100 ether);
        (IPayments.Voucher memory low, bytes memory lowSig) = _signed(60 ether);
        payments.redeem(high, highSig);

        vm.expectRevert(_nothingToRedeem(low, 100 ether));
        payments.redeem(low, lowSig);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(_allocation(payer, provider), 400 ether);
    }

    function test_redeemBatch_paysNothingForLowerCumulative() public {
        (IPayments.Voucher memory high, bytes memory highSig) = _signed(100 ether);
        payments.redeem(high, highSig);
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](1);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 60 ether));

        vm.assertEq(payments.redeemBatch(batch), 0);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(_allocation(payer, provider), 400 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeem_revertsNothingToRedeemWhenReplayed() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);

        vm.expectRevert(_nothingToRedeem(voucher, 100 ether));
        vm.prank(provider);
        payments.redeem(voucher, sig);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeemBatch_paysNothingWhenReplayed() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 100 ether));
        batch[1] = batch[0]; // the same voucher twice in one batch
        vm.assertEq(payments.redeemBatch(batch), 100 ether);

        vm.assertEq(payments.redeemBatch(batch), 0);
        vm.assertEq(payments.paid(payer, provider, MODEL), 100 ether);
        vm.assertEq(_allocation(payer, provider), 400 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeem_paysOnlyOnceAcrossDeployments() public {
        // The same payer and provider on a second deployment: a voucher signed for the first pays there only.
        Payments other = new Payments(owner, token, models, BURN_BPS, DELAY, GENESIS, EPOCH_LENGTH);
        IPayments.Allocation[] memory allocations = new IPayments.Allocation[](1);
        allocations[0] = IPayments.Allocation(provider, 100 ether);
        vm.prank(payer);
        token.approve(address(other), type(uint256).max);
        vm.prank(payer);
        other.depositAndAllocate(100 ether, allocations);
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        payments.redeem(voucher, sig);

        vm.expectRevert(_invalidSignature(payer));
        other.redeem(voucher, sig);
        (uint256 left,,) = other.allocationOf(payer, provider);
        vm.assertEq(left, 100 ether);
    }

    // ========================================================= EIP-1271 wallets

    function _wallet() internal returns (OwnerWallet wallet, uint256 walletOwnerKey) {
        address walletOwner;
        (walletOwner, walletOwnerKey) = makeAddrAndKey("walletOwner");
        wallet = new OwnerWallet(walletOwner);
        _fundWallet(address(wallet));
    }

    /// @dev A stranger deposits 200 MESH for `wallet`, which allocates it to `provider`.
    function _fundWallet(address wallet) internal {
        _fund(stranger, 200 ether);
        vm.prank(stranger);
        payments.depositFor(wallet, 200 ether);
        _allocate(wallet, provider, 200 ether);
    }

    function test_redeem_paysFromContractWalletPayer() public {
        (OwnerWallet wallet, uint256 walletOwnerKey) = _wallet();
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);

        _expectRedeemed(voucher, 100 ether, 10 ether, 15 ether);
        vm.assertEq(payments.redeem(voucher, _sign(walletOwnerKey, voucher)), 100 ether);

        vm.assertEq(_allocation(address(wallet), provider), 100 ether);
        vm.assertEq(payments.paid(address(wallet), provider, MODEL), 100 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeem_revertsInvalidSignatureWhenWalletRejects() public {
        RejectingWallet wallet = new RejectingWallet();
        _fundWallet(address(wallet));
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);

        bytes memory sig = _sign(payerKey, voucher);
        vm.expectRevert(_invalidSignature(address(wallet)));
        payments.redeem(voucher, sig);
        vm.assertEq(_allocation(address(wallet), provider), 200 ether);
    }

    function test_redeem_revertsInvalidSignatureWhenWalletOwnerDidNotSign() public {
        (OwnerWallet wallet,) = _wallet();
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);

        bytes memory sig = _sign(payerKey, voucher);
        vm.expectRevert(_invalidSignature(address(wallet)));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsInvalidSignatureWhenWalletReverts() public {
        RevertingWallet wallet = new RevertingWallet();
        _fundWallet(address(wallet));
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);

        bytes memory sig = _sign(payerKey, voucher);
        vm.expectRevert(_invalidSignature(address(wallet)));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsInvalidSignatureWhenWalletAnswersShort() public {
        ShortAnswerWallet wallet = new ShortAnswerWallet();
        _fundWallet(address(wallet));
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);

        bytes memory sig = _sign(payerKey, voucher);
        vm.expectRevert(_invalidSignature(address(wallet)));
        payments.redeem(voucher, sig);
    }

    function test_redeem_revertsInvalidSignatureWhenEoaKeySignsForWallet() public {
        // The wallet's owner key signs a voucher naming the wallet; submitted for the owner's EOA it is refused.
        (OwnerWallet wallet, uint256 walletOwnerKey) = _wallet();
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);
        bytes memory sig = _sign(walletOwnerKey, voucher);
        voucher.payer = wallet.walletOwner();
        _fund(voucher.payer, 100 ether);
        _depositFor(voucher.payer, provider, 100 ether);

        vm.expectRevert(_invalidSignature(wallet.walletOwner()));
        payments.redeem(voucher, sig);
    }

    function test_redeemBatch_paysEoaAndContractWalletPayers() public {
        (OwnerWallet wallet, uint256 walletOwnerKey) = _wallet();
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 40 ether));
        batch[1] = _signedVoucher(walletOwnerKey, _voucher(address(wallet), provider, MODEL, 60 ether));

        vm.assertEq(payments.redeemBatch(batch), 100 ether);
        vm.assertEq(_allocation(payer, provider), 460 ether);
        vm.assertEq(_allocation(address(wallet), provider), 140 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    // ============================================ delegated EOAs (EIP-7702) and wallet griefing

    /// @dev P2: the payer's EOA gets code that answers every EIP-1271 check with "invalid" (what an
    /// EIP-7702 delegation to such a contract does); its ECDSA vouchers still pay.
    function test_redeem_paysAnEcdsaVoucherOfAPayerWhoseCodeRejectsEip1271() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        vm.etch(payer, type(RejectingWallet).runtimeCode);
        vm.assertGt(payer.code.length, 0);

        vm.assertEq(payments.redeem(voucher, sig), 100 ether);
        vm.assertEq(token.balanceOf(provider), 75 ether);
    }

    function test_redeem_paysAnEcdsaVoucherOfAPayerWithTheEip7702DelegationDesignator() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        // 0xef0100 ‖ address: the code an EIP-7702 delegation leaves at the EOA.
        vm.etch(payer, abi.encodePacked(hex"ef0100", address(new RejectingWallet())));
        vm.assertEq(payer.code.length, 23);
        vm.assertEq(payments.redeem(voucher, sig), 100 ether);
    }

    /// @dev A real EIP-7702 delegation (type-4 authorization signed with the payer's key, Prague rules).
    function test_redeem_paysAnEcdsaVoucherAfterARealEip7702DelegationToARejectingWallet() public {
        vm.setEvmVersion("prague");
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);
        RejectingWallet rejecting = new RejectingWallet();
        vm.signAndAttachDelegation(address(rejecting), payerKey);
        // The delegation is carried by this call; afterwards the payer's EOA delegates to `rejecting`.
        vm.assertEq(payments.redeem(voucher, sig), 100 ether);
        vm.assertEq(payer.code.length, 23);
        vm.assertEq(keccak256(payer.code), keccak256(abi.encodePacked(hex"ef0100", address(rejecting))));
        (IPayments.Voucher memory next, bytes memory nextSig) = _signed(150 ether);
        vm.assertEq(payments.redeem(next, nextSig), 50 ether);
        vm.assertEq(token.balanceOf(provider), 112.5 ether);
    }

    /// @dev ECDSA first, EIP-1271 when it fails: a delegated EOA whose wallet code accepts signatures by
    /// another key still pays for those (the account chose that code), as a contract wallet would.
    function test_redeem_fallsBackToEip1271WhenEcdsaFailsForADelegatedPayer() public {
        (address walletOwner, uint256 walletOwnerKey) = makeAddrAndKey("walletOwner");
        vm.etch(payer, address(new OwnerWallet(walletOwner)).code);
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        vm.assertEq(payments.redeem(voucher, _sign(walletOwnerKey, voucher)), 100 ether);
    }

    /// @dev P2: a batch with a delegated payer's vouchers pays them all; nothing reverts.
    function test_redeemBatch_paysEveryVoucherOfAPayerWhoseCodeRejectsEip1271() public {
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 40 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, UNREGISTERED_MODEL, 60 ether));
        vm.etch(payer, type(RejectingWallet).runtimeCode);
        vm.assertEq(payments.redeemBatch(batch), 100 ether);
    }

    /// @dev P2: a wallet that burns its gas costs the batch at most ERC1271_GAS and is skipped.
    function test_redeemBatch_skipsAWalletThatBurnsItsGasAndPaysTheRest() public {
        GasBurnerWallet burner = new GasBurnerWallet();
        _fundWallet(address(burner));
        IPayments.SignedVoucher[] memory batch = new IPayments.SignedVoucher[](2);
        batch[0] = _signedVoucher(payerKey, _voucher(address(burner), provider, MODEL, 40 ether));
        batch[1] = _signedVoucher(payerKey, _voucher(payer, provider, MODEL, 40 ether));

        _expectSkipped(batch[0].voucher, IPayments.InvalidSignature.selector);
        uint256 gasBefore = gasleft();
        vm.assertEq(payments.redeemBatch{gas: 400_000}(batch), 40 ether);
        vm.assertLt(gasBefore - gasleft(), 250_000);
        vm.assertEq(_allocation(address(burner), provider), 200 ether);
    }

    /// @dev Only the first 32 bytes of a wallet's answer are read (and copied): a long answer that starts
    /// with the magic word is accepted, as OpenZeppelin's SignatureChecker would.
    function test_redeem_readsOnlyTheFirstWordOfALongWalletAnswer() public {
        LongAnswerWallet wallet = new LongAnswerWallet();
        _fundWallet(address(wallet));
        IPayments.Voucher memory voucher = _voucher(address(wallet), provider, MODEL, 100 ether);
        vm.assertEq(payments.redeem(voucher, hex"01"), 100 ether);
    }

    // ===================================================== malformed signatures

    function test_redeem_revertsInvalidSignatureForMalleableHighS() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, payments.hashVoucher(voucher));
        // (r, n - s, v ^ 1) recovers the same address; ECDSA accepts only the low-s form.
        bytes memory flipped = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.assertEq(
            ecrecover(payments.hashVoucher(voucher), v == 27 ? 28 : 27, r, bytes32(SECP256K1_N - uint256(s))), payer
        );

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, flipped);
        _assertNothingPaid();

        // The canonical form still pays.
        vm.assertEq(payments.redeem(voucher, abi.encodePacked(r, s, v)), 100 ether);
    }

    function test_redeem_revertsInvalidSignatureForCompactEip2098Signature() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, payments.hashVoucher(voucher));
        bytes32 vs = bytes32(uint256(s) | (uint256(v - 27) << 255));

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, abi.encodePacked(r, vs));
    }

    function test_redeem_revertsInvalidSignatureForWrongLength() public {
        (IPayments.Voucher memory voucher, bytes memory sig) = _signed(100 ether);

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, "");

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, abi.encodePacked(sig, uint8(0))); // 66 bytes

        bytes memory short = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            short[i] = sig[i];
        }
        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, short);
        _assertNothingPaid();
    }

    function test_redeem_revertsInvalidSignatureForGarbage() public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, abi.encodePacked(bytes32(0), bytes32(0), uint8(27)));

        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, abi.encodePacked(keccak256("r"), keccak256("s"), uint8(29)));
        _assertNothingPaid();
    }

    function test_redeem_revertsAllocationEmptyForZeroPayer() public {
        // Nobody can deposit or allocate for address(0); SignatureRule also never verifies it
        // (SignatureRule.t.sol), so ecrecover's failure value cannot pay.
        IPayments.Voucher memory voucher = _voucher(address(0), provider, MODEL, 100 ether);

        vm.expectRevert(abi.encodeWithSelector(IPayments.AllocationEmpty.selector, address(0), provider));
        payments.redeem(voucher, abi.encodePacked(bytes32(0), bytes32(0), uint8(27)));
    }

    function testFuzz_redeem_revertsInvalidSignatureForRandomBytes(bytes memory garbage) public {
        IPayments.Voucher memory voucher = _voucher(payer, provider, MODEL, 100 ether);
        vm.expectRevert(_invalidSignature(payer));
        payments.redeem(voucher, garbage);
    }
}
