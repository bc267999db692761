// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {Disputes} from "../src/Disputes.sol";
import {Registry} from "../src/Registry.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";
import {Epochs} from "../src/libraries/Epochs.sol";

/// @notice A contract provider that accepts exactly one digest (EIP-1271), for receipts signed by a wallet.
contract ProviderWallet {
    bytes32 public accepted;

    /// @notice The one digest the wallet accepts from now on.
    function accept(bytes32 digest) external {
        accepted = digest;
    }

    /// @notice EIP-1271: valid only for the accepted digest.
    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return digest == accepted ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

/// @notice Unit tests of every Disputes function and refusal, on the real Registry and MESH.
contract DisputesTest is ConsensusBase {
    uint256 internal constant PROVIDER_STAKE = 5000 ether;
    uint256 internal constant CHALLENGER_FUNDS = 10_000 ether;

    address internal provider;
    address internal challenger;
    address internal v1;
    address internal v2;
    address internal v3;
    address internal v4;

    /// @dev A provider, an unassigned challenger and four validators of MODEL (1000..4000 MESH).
    function setUp() public override {
        super.setUp();
        provider = _provider("provider", PROVIDER_STAKE);
        challenger = _challenger("challenger", CHALLENGER_FUNDS);
        v1 = _validator("v1", 1000 ether);
        v2 = _validator("v2", 2000 ether);
        v3 = _validator("v3", 3000 ether);
        v4 = _validator("v4", 4000 ether);
        vm.roll(block.number + 1); // the validators are in the snapshot of disputes opened from here
    }

    /// @dev The members of the dispute's current round.
    function _round(uint256 id) internal view returns (address[] memory) {
        return disputes.committeeOfRound(id, disputes.getDispute(id).round);
    }

    /// @dev The owner sets `p`.
    function _setParams(IDisputes.Params memory p) internal {
        vm.prank(owner);
        disputes.setParams(p);
    }

    /// @dev Gives `account` MESH for a bond and lets Disputes pull it.
    function _fund(address account) internal {
        _give(account, BOND);
        vm.prank(account);
        token.approve(address(disputes), BOND);
    }

    // =========================================================== constructor

    function test_constructor_setsParametersAndClock() public view {
        IDisputes.Params memory p = disputes.params();
        vm.assertEq(p.challengerBond, BOND);
        vm.assertEq(p.slashBps, SLASH_BPS);
        vm.assertEq(p.challengerRewardBps, REWARD_BPS);
        vm.assertEq(p.committeeSize, COMMITTEE);
        vm.assertEq(p.drawDelay, DRAW_DELAY);
        vm.assertEq(p.commitPeriod, COMMIT_PERIOD);
        vm.assertEq(p.revealPeriod, REVEAL_PERIOD);
        vm.assertEq(p.absentSlashBps, ABSENT_BPS);
        vm.assertEq(p.disputeWindow, DISPUTE_WINDOW);
        vm.assertEq(p.maxRounds, MAX_ROUNDS);
        vm.assertEq(disputes.genesis(), GENESIS);
        vm.assertEq(disputes.epochLength(), EPOCH);
        vm.assertEq(disputes.token(), address(token));
        vm.assertEq(disputes.registry(), address(registry));
        vm.assertEq(disputes.payments(), address(payments));
        vm.assertEq(disputes.owner(), owner);
        vm.assertEq(disputes.disputeCount(), 0);
        vm.assertEq(disputes.bondsHeld(), 0);
    }

    function test_constructor_emitsParamsSet() public {
        vm.expectEmit();
        emit IDisputes.ParamsSet(_params());
        new Disputes(owner, token, registry, address(payments), GENESIS, EPOCH, _params());
    }

    function test_constructor_revertsWhenAddressZero() public {
        vm.expectRevert(IDisputes.ZeroAddress.selector);
        new Disputes(owner, IMeshToken(address(0)), registry, address(payments), GENESIS, EPOCH, _params());
        vm.expectRevert(IDisputes.ZeroAddress.selector);
        new Disputes(owner, token, IRegistry(address(0)), address(payments), GENESIS, EPOCH, _params());
        vm.expectRevert(IDisputes.ZeroAddress.selector);
        new Disputes(owner, token, registry, address(0), GENESIS, EPOCH, _params());
    }

    function test_constructor_revertsWhenEpochLengthOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputes.ParameterOutOfRange.selector,
                "epochLength",
                uint256(Epochs.MIN_EPOCH_LENGTH - 1),
                uint256(Epochs.MIN_EPOCH_LENGTH),
                uint256(Epochs.MAX_EPOCH_LENGTH)
            )
        );
        new Disputes(owner, token, registry, address(payments), GENESIS, Epochs.MIN_EPOCH_LENGTH - 1, _params());
    }

    /// @dev The constructor checks the Registry's unbonding period too (a Registry with 1 hour).
    function test_constructor_revertsWhenTheUnbondingPeriodIsTooShort() public {
        Registry shortRegistry = new Registry(owner, token, MIN_STAKE, MIN_VALIDATOR_STAKE, 1 hours, 16);
        uint64 needed = DISPUTE_WINDOW + MAX_ROUNDS * (COMMIT_PERIOD + REVEAL_PERIOD);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.UnbondingPeriodTooShort.selector, 1 hours, needed));
        new Disputes(owner, token, shortRegistry, address(payments), GENESIS, EPOCH, _params());
    }

    // ============================================================== setParams

    function test_setParams_storesAndEmits() public {
        IDisputes.Params memory p = _params();
        p.committeeSize = 5;
        p.challengerBond = 1 ether;
        p.maxRounds = 4;
        vm.expectEmit(address(disputes));
        emit IDisputes.ParamsSet(p);
        _setParams(p);
        vm.assertEq(disputes.params().committeeSize, 5);
        vm.assertEq(disputes.params().challengerBond, 1 ether);
        vm.assertEq(disputes.params().maxRounds, 4);
    }

    function test_setParams_revertsWhenNotOwner() public {
        IDisputes.Params memory p = _params();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        disputes.setParams(p);
    }

    /// @dev Expects setParams(p) to revert ParameterOutOfRange(name, value, min, max).
    function _expectOutOfRange(IDisputes.Params memory p, string memory name, uint256 value, uint256 min, uint256 max)
        internal
    {
        vm.expectRevert(abi.encodeWithSelector(IDisputes.ParameterOutOfRange.selector, name, value, min, max));
        vm.prank(owner);
        disputes.setParams(p);
    }

    function test_setParams_revertsWhenParameterOutOfRange() public {
        IDisputes.Params memory p = _params();
        p.challengerBond = 0;
        _expectOutOfRange(p, "challengerBond", 0, 1, 1e9 ether);
        p.challengerBond = 1e9 ether + 1;
        _expectOutOfRange(p, "challengerBond", 1e9 ether + 1, 1, 1e9 ether);
        p = _params();
        p.slashBps = 0;
        _expectOutOfRange(p, "slashBps", 0, 1, 5000);
        p.slashBps = 5001;
        _expectOutOfRange(p, "slashBps", 5001, 1, 5000);
        p = _params();
        p.challengerRewardBps = 10_001;
        _expectOutOfRange(p, "challengerRewardBps", 10_001, 0, 10_000);
        p = _params();
        p.committeeSize = 1;
        _expectOutOfRange(p, "committeeSize", 1, 3, 21);
        p.committeeSize = 4; // even: a full committee could split evenly
        _expectOutOfRange(p, "committeeSize", 4, 3, 21);
        p.committeeSize = 23;
        _expectOutOfRange(p, "committeeSize", 23, 3, 21);
        p = _params();
        p.drawDelay = 0;
        _expectOutOfRange(p, "drawDelay", 0, 1, 255);
        p = _params();
        p.commitPeriod = 59;
        _expectOutOfRange(p, "commitPeriod", 59, 60, 30 days);
        p.commitPeriod = 30 days + 1;
        _expectOutOfRange(p, "commitPeriod", 30 days + 1, 60, 30 days);
        p = _params();
        p.revealPeriod = 59;
        _expectOutOfRange(p, "revealPeriod", 59, 60, 30 days);
        p.revealPeriod = 30 days + 1;
        _expectOutOfRange(p, "revealPeriod", 30 days + 1, 60, 30 days);
        p = _params();
        p.absentSlashBps = 1001;
        _expectOutOfRange(p, "absentSlashBps", 1001, 0, 1000);
        p = _params();
        p.disputeWindow = 59;
        _expectOutOfRange(p, "disputeWindow", 59, 60, 60 days);
        p.disputeWindow = 60 days + 1;
        _expectOutOfRange(p, "disputeWindow", 60 days + 1, 60, 60 days);
        p = _params();
        p.maxRounds = 0;
        _expectOutOfRange(p, "maxRounds", 0, 1, 4);
        p.maxRounds = 5;
        _expectOutOfRange(p, "maxRounds", 5, 1, 4);
    }

    function test_setParams_revertsWhenTheUnbondingPeriodIsTooShort() public {
        IDisputes.Params memory p = _params();
        p.disputeWindow = 7 days; // 7 days + 3 rounds of 20 minutes > the 7-day unbonding period
        vm.expectRevert(
            abi.encodeWithSelector(IDisputes.UnbondingPeriodTooShort.selector, UNBONDING, 7 days + 3 * 20 minutes)
        );
        vm.prank(owner);
        disputes.setParams(p);
        p.disputeWindow = 7 days - 3 * 20 minutes; // exactly the unbonding period: accepted
        _setParams(p);
        vm.assertEq(disputes.minUnbondingPeriod(), UNBONDING);
    }

    function test_minUnbondingPeriod_isTheWindowPlusEveryRound() public {
        vm.assertEq(disputes.minUnbondingPeriod(), DISPUTE_WINDOW + MAX_ROUNDS * (COMMIT_PERIOD + REVEAL_PERIOD));
        IDisputes.Params memory p = _params();
        p.maxRounds = 1;
        p.commitPeriod = 1 hours;
        _setParams(p);
        vm.assertEq(disputes.minUnbondingPeriod(), DISPUTE_WINDOW + 1 hours + REVEAL_PERIOD);
    }

    // ============================================================ hashReceipt

    function test_hashReceipt_matchesEip712UnderThePaymentsDomain() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("InferMesh Payments"),
                keccak256("2"),
                block.chainid,
                address(payments)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Receipt(bytes32 requestHash,bytes32 responseHash,bytes32 tokensHash,bytes32 modelId,address payer,address provider,uint64 inputTokens,uint64 outputTokens,uint64 servedAt,uint256 cost,uint256 cumulativeAmount)"
                ),
                r.requestHash,
                r.responseHash,
                r.tokensHash,
                r.modelId,
                r.payer,
                r.provider,
                r.inputTokens,
                r.outputTokens,
                r.servedAt,
                r.cost,
                r.cumulativeAmount
            )
        );
        vm.assertEq(disputes.hashReceipt(r), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
    }

    function test_hashReceipt_changesWithTokensHashAndServedAt() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes32 original = disputes.hashReceipt(r);
        r.tokensHash = bytes32(0);
        bytes32 unknownTokens = disputes.hashReceipt(r);
        vm.assertTrue(unknownTokens != original);
        r.servedAt += 1;
        vm.assertTrue(disputes.hashReceipt(r) != unknownTokens);
    }

    function test_hashReceipt_followsTheChainId() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes32 before = disputes.hashReceipt(r);
        vm.chainId(1);
        vm.assertTrue(disputes.hashReceipt(r) != before);
    }

    // ============================================================= hashSample

    function test_hashSample_matchesEip712UnderTheValidationDomain() public view {
        bytes32 receiptDigest = keccak256("receipt");
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("InferMesh Validation"),
                keccak256("2"),
                block.chainid,
                address(disputes)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Sample(bytes32 receiptDigest,address validator,uint64 issuedAt)"),
                receiptDigest,
                v1,
                uint64(1234)
            )
        );
        vm.assertEq(
            disputes.hashSample(receiptDigest, v1, 1234), keccak256(abi.encodePacked("\x19\x01", domain, structHash))
        );
    }

    function test_hashSample_followsTheChainIdAndTheValidator() public {
        bytes32 before = disputes.hashSample(bytes32(uint256(1)), v1, 7);
        vm.assertTrue(disputes.hashSample(bytes32(uint256(1)), v2, 7) != before);
        vm.chainId(1);
        vm.assertTrue(disputes.hashSample(bytes32(uint256(1)), v1, 7) != before);
    }

    // ========================================================= voteCommitment

    function test_voteCommitment_isTheHashOfTheEncodedVote() public view {
        bytes32 salt = keccak256("salt");
        vm.assertEq(disputes.voteCommitment(7, 2, v1, true, salt), keccak256(abi.encode(7, uint8(2), v1, true, salt)));
        vm.assertTrue(disputes.voteCommitment(7, 2, v1, true, salt) != disputes.voteCommitment(7, 2, v1, false, salt));
        vm.assertTrue(disputes.voteCommitment(7, 2, v1, true, salt) != disputes.voteCommitment(7, 1, v1, true, salt));
    }

    // ============================================================ openDispute

    function test_openDispute_freezesPullsBondAndEmits() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        bytes32 digest = disputes.hashReceipt(r);
        uint256 expectedSlash = PROVIDER_STAKE * SLASH_BPS / BPS;

        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeOpened(
            1, provider, challenger, MODEL, digest, expectedSlash, BOND, uint64(block.number + DRAW_DELAY)
        );
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");

        vm.assertEq(id, 1);
        vm.assertEq(disputes.disputeCount(), 1);
        vm.assertEq(disputes.openDisputesOf(provider), 1);
        vm.assertEq(disputes.disputeOfReceipt(digest), 1);
        vm.assertEq(registry.frozenOf(provider), 1);
        vm.assertEq(token.balanceOf(address(disputes)), BOND);
        vm.assertEq(disputes.bondsHeld(), BOND);
        vm.assertEq(token.balanceOf(challenger), CHALLENGER_FUNDS - BOND);
        IDisputes.Dispute memory d = disputes.getDispute(1);
        vm.assertEq(d.provider, provider);
        vm.assertEq(d.challenger, challenger);
        vm.assertEq(d.payer, r.payer);
        vm.assertEq(d.modelId, MODEL);
        vm.assertEq(d.receiptDigest, digest);
        vm.assertEq(d.slashAmount, expectedSlash);
        vm.assertEq(d.bond, BOND);
        vm.assertEq(d.openedAt, block.timestamp);
        vm.assertEq(d.openBlock, block.number);
        vm.assertEq(d.snapshotBlock, block.number - 1);
        vm.assertEq(d.drawBlock, block.number + DRAW_DELAY);
        vm.assertEq(d.openEpoch, 0);
        vm.assertEq(d.round, 1);
        vm.assertEq(d.committeeSize, COMMITTEE);
        vm.assertEq(d.maxRounds, MAX_ROUNDS);
        vm.assertEq(d.commitEnds, 0);
        vm.assertEq(d.revealEnds, 0);
        vm.assertTrue(d.status == IDisputes.Status.Open);
        vm.assertTrue(d.outcome == IDisputes.Outcome.None);
        vm.assertFalse(d.assigned);
    }

    function test_openDispute_assignsTheChallengerNamedByThePayersSample() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        bytes memory sample = _signSample(r, challenger, 77);
        vm.expectEmit(address(disputes));
        emit IDisputes.ChallengerAssignedBySample(1, challenger, 77);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig, REQUEST, RESPONSE, 77, sample);
        vm.assertTrue(disputes.getDispute(id).assigned);
    }

    function test_openDispute_recordsTheOpeningEpoch() public {
        _warpToEpoch(7);
        uint256 id = _open(challenger, provider, 5 ether);
        vm.assertEq(disputes.getDispute(id).openEpoch, 7);
    }

    function test_openDispute_countsUnbondingStake() public {
        address p2 = _provider("p2", 2000 ether);
        vm.prank(p2);
        registry.requestUnstake(1000 ether);
        uint256 id = _open(challenger, p2, 1 ether);
        vm.assertEq(disputes.getDispute(id).slashAmount, 200 ether); // 10% of 1000 staked + 1000 unbonding
    }

    /// @dev F2: an account that left its role is disputable while it holds unbonding stake.
    function test_openDispute_acceptsAnUnregisteredAccountWithUnbondingStake() public {
        vm.prank(provider);
        registry.unregister();
        uint256 id = _open(challenger, provider, 5 ether);
        vm.assertEq(disputes.getDispute(id).slashAmount, PROVIDER_STAKE * SLASH_BPS / BPS);
        vm.assertEq(registry.frozenOf(provider), 1);
    }

    /// @dev F3: no refusal however many disputes are open; each computes its slash from the whole stake.
    function test_openDispute_neverRefusesBecauseOfOtherOpenDisputes() public {
        IDisputes.Params memory p = _params();
        p.slashBps = 5000;
        _setParams(p);
        for (uint256 i = 1; i <= 5; ++i) {
            uint256 id = _open(challenger, provider, i);
            vm.assertEq(disputes.getDispute(id).slashAmount, PROVIDER_STAKE / 2);
        }
        vm.assertEq(registry.frozenOf(provider), 5);
        vm.assertEq(disputes.openDisputesOf(provider), 5);
    }

    function test_openDispute_acceptsAnEip1271Provider() public {
        ProviderWallet wallet = new ProviderWallet();
        _stake(address(wallet), 2000 ether);
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](0);
        vm.prank(address(wallet));
        registry.registerProvider("https://w.example", "", IRegistry.Hardware("", 0, 0, 1, 1), offers);
        IDisputes.Receipt memory r = _receipt(address(wallet), 1 ether);
        wallet.accept(disputes.hashReceipt(r));
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, "", REQUEST, RESPONSE, 0, "");
        vm.assertEq(disputes.getDispute(id).provider, address(wallet));
    }

    /// @dev A payer that is a contract wallet assigns the challenger through EIP-1271.
    function test_openDispute_acceptsAnEip1271PayersSample() public {
        ProviderWallet payerWallet = new ProviderWallet();
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        r.payer = address(payerWallet);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        payerWallet.accept(disputes.hashSample(disputes.hashReceipt(r), challenger, 11));
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig, REQUEST, RESPONSE, 11, hex"01");
        vm.assertTrue(disputes.getDispute(id).assigned);
        vm.assertEq(disputes.getDispute(id).payer, address(payerWallet));
    }

    /// @dev F4: a provider whose EOA got code answering every EIP-1271 check with "invalid" (an EIP-7702
    /// delegation) cannot disown the receipts its key signed: ECDSA is checked first.
    function test_openDispute_acceptsAnEcdsaReceiptOfAProviderWhoseCodeRejectsEip1271() public {
        ProviderWallet rejecting = new ProviderWallet(); // accepts nothing
        vm.etch(provider, address(rejecting).code);
        vm.assertGt(provider.code.length, 0);
        uint256 id = _open(challenger, provider, 5 ether);
        vm.assertEq(disputes.getDispute(id).provider, provider);
    }

    /// @dev F4 with a real EIP-7702 delegation (Prague rules), made when the dispute appears.
    function test_openDispute_acceptsAnEcdsaReceiptAfterARealEip7702Delegation() public {
        vm.setEvmVersion("prague");
        ProviderWallet rejecting = new ProviderWallet();
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.signAndAttachDelegation(address(rejecting), keyOf[provider]);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
        vm.assertEq(provider.code.length, 23);
        vm.assertEq(disputes.getDispute(id).provider, provider);
    }

    function test_openDispute_acceptsTheLastSecondOfTheWindow() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.warp(r.servedAt + DISPUTE_WINDOW);
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenTheWindowClosed() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.warp(r.servedAt + DISPUTE_WINDOW + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputes.DisputeWindowClosed.selector, r.servedAt, r.servedAt + DISPUTE_WINDOW)
        );
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenServedInTheFuture() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        r.servedAt = uint64(block.timestamp + 301);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.ServedInFuture.selector, r.servedAt));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
        r.servedAt = type(uint64).max; // a clear error, not an overflow
        sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.ServedInFuture.selector, r.servedAt));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
        r.servedAt = uint64(block.timestamp + 300); // within the allowed clock skew
        sig = _signReceipt(keyOf[provider], r);
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenNothingAtStake() public {
        (address nobody, uint256 key) = makeAddrAndKey("nobody");
        IDisputes.Receipt memory r = _receipt(nobody, 5 ether);
        bytes memory sig = _signReceipt(key, r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NothingAtStake.selector, nobody));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenRequestMismatch() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.PayloadMismatch.selector, r.requestHash, keccak256("{}")));
        vm.prank(challenger);
        disputes.openDispute(r, sig, "{}", RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenTheRequestIsRelabelledAsAnotherKind() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        bytes memory asCompletion =
            bytes('{"body":{"messages":[{"content":"Hi","role":"user"}],"model":"tiny"},"kind":"completion"}');
        vm.expectRevert(
            abi.encodeWithSelector(IDisputes.PayloadMismatch.selector, r.requestHash, keccak256(asCompletion))
        );
        vm.prank(challenger);
        disputes.openDispute(r, sig, asCompletion, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenResponseMismatch() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.PayloadMismatch.selector, r.responseHash, keccak256("Hi")));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, "Hi", 0, "");
    }

    function test_openDispute_revertsWhenSelfDispute() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.SelfDispute.selector, provider));
        vm.prank(provider);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenDisputeExists() public {
        uint256 id = _open(challenger, provider, 5 ether);
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeExists.selector, disputes.hashReceipt(r), id));
        vm.prank(v1);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenInvalidReceiptSignature() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[v1], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidReceiptSignature.selector, provider));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    function test_openDispute_revertsWhenSignedForAnotherChain() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        vm.chainId(1);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.chainId(31_337);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidReceiptSignature.selector, provider));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    /// @dev A sample naming another validator, or signed by someone other than the payer, is refused.
    function test_openDispute_revertsWhenInvalidSampleSignature() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        bytes memory forV1 = _signSample(r, v1, 5);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidSampleSignature.selector, r.payer, challenger));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 5, forV1);
        // Right validator, wrong issuedAt.
        bytes memory forChallenger = _signSample(r, challenger, 5);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidSampleSignature.selector, r.payer, challenger));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 6, forChallenger);
        // Signed by the provider instead of the payer.
        (uint8 v, bytes32 rr, bytes32 s) =
            vm.sign(keyOf[provider], disputes.hashSample(disputes.hashReceipt(r), challenger, 5));
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidSampleSignature.selector, r.payer, challenger));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 5, abi.encodePacked(rr, s, v));
    }

    function test_openDispute_revertsWhenBondNotApproved() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert();
        vm.prank(stranger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE, 0, "");
    }

    // ========================================================= claimChallenge

    function test_claimChallenge_theAssignedValidatorTakesTheRoleAndTheBondsSwap() public {
        uint256 id = _open(challenger, provider, 5 ether);
        address assigned = _challenger("assigned", BOND);
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sample = _signSample(r, assigned, 9);
        vm.expectEmit(address(disputes));
        emit IDisputes.ChallengeClaimed(id, challenger, assigned);
        vm.prank(assigned);
        disputes.claimChallenge(id, 9, sample);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertEq(d.challenger, assigned);
        vm.assertTrue(d.assigned);
        vm.assertEq(token.balanceOf(challenger), CHALLENGER_FUNDS); // bond refunded
        vm.assertEq(token.balanceOf(assigned), 0);
        vm.assertEq(token.balanceOf(address(disputes)), BOND);
        vm.assertEq(disputes.bondsHeld(), BOND);
    }

    function test_claimChallenge_worksAfterTheDraw() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address assigned = _challenger("assigned", BOND);
        bytes memory sample = _signSample(_receipt(provider, 5 ether), assigned, 9);
        vm.prank(assigned);
        disputes.claimChallenge(id, 9, sample);
        vm.assertEq(disputes.getDispute(id).challenger, assigned);
    }

    /// @dev A claim between rounds: the next round's draw excludes the new challenger.
    function test_claimChallenge_betweenRoundsExcludesTheNewChallengerFromTheNextDraw() public {
        address v5 = _validator("v5", 5000 ether);
        address v6 = _validator("v6", 6000 ether);
        uint256 id = _open(challenger, provider, 5 ether);
        IDisputes.Receipt memory receipt = _receipt(provider, 5 ether); // the same receipt (same clock)
        _draw(id);
        _castRound(id, 1, 0);
        disputes.resolve(id); // one vote of three: round 2
        // The assigned validator: the first of the six that round 1 did not draw.
        address[6] memory all = [v1, v2, v3, v4, v5, v6];
        address assigned;
        for (uint256 i; assigned == address(0); ++i) {
            if (disputes.memberOf(id, all[i]).round == 0) assigned = all[i];
        }
        _fund(assigned);
        bytes memory sample = _signSample(receipt, assigned, 3);
        vm.prank(assigned);
        disputes.claimChallenge(id, 3, sample);
        _draw(id);
        address[] memory round2 = disputes.committeeOfRound(id, 2);
        vm.assertGt(round2.length, 0);
        for (uint256 i; i < round2.length; ++i) {
            vm.assertTrue(round2[i] != assigned);
        }
    }

    function test_claimChallenge_revertsWhenDisputeNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeNotFound.selector, 4));
        disputes.claimChallenge(4, 0, "");
    }

    function test_claimChallenge_revertsWhenAlreadyResolved() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, true);
        disputes.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyResolved.selector, id));
        disputes.claimChallenge(id, 0, "");
    }

    function test_claimChallenge_revertsWhenTheChallengerIsAssigned() public {
        uint256 id = _openAssigned(challenger, provider, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.ChallengerAssigned.selector, id, challenger));
        vm.prank(v1);
        disputes.claimChallenge(id, 0, "");
    }

    function test_claimChallenge_revertsWhenTheProviderClaims() public {
        uint256 id = _open(challenger, provider, 5 ether);
        bytes memory sample = _signSample(_receipt(provider, 5 ether), provider, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.SelfDispute.selector, provider));
        vm.prank(provider);
        disputes.claimChallenge(id, 1, sample);
    }

    function test_claimChallenge_revertsWhenAMemberClaims() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address member = disputes.committeeOf(id)[0];
        bytes memory sample = _signSample(_receipt(provider, 5 ether), member, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.MemberCannotChallenge.selector, id, member));
        vm.prank(member);
        disputes.claimChallenge(id, 1, sample);
    }

    function test_claimChallenge_revertsWhenInvalidSampleSignature() public {
        uint256 id = _open(challenger, provider, 5 ether);
        address copier = _challenger("copier", BOND);
        bytes memory forOther = _signSample(_receipt(provider, 5 ether), challenger, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidSampleSignature.selector, makeAddr("payer"), copier));
        vm.prank(copier);
        disputes.claimChallenge(id, 1, forOther);
    }

    // ========================================================= drawCommittee

    function test_drawCommittee_drawsDistinctDeclaredValidatorsAndEmits() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.roll(block.number + DRAW_DELAY + 1);
        vm.expectEmit(true, false, false, false, address(disputes));
        emit IDisputes.CommitteeDrawn(id, 1, new address[](0), 0, 0);
        disputes.drawCommittee(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, COMMITTEE);
        for (uint256 i; i < members.length; ++i) {
            vm.assertTrue(members[i] == v1 || members[i] == v2 || members[i] == v3 || members[i] == v4);
            vm.assertEq(disputes.memberOf(id, members[i]).round, 1);
            for (uint256 j; j < i; ++j) {
                vm.assertTrue(members[i] != members[j]);
            }
        }
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertTrue(d.status == IDisputes.Status.Drawn);
        vm.assertEq(d.commitEnds, block.timestamp + COMMIT_PERIOD);
        vm.assertEq(d.revealEnds, block.timestamp + COMMIT_PERIOD + REVEAL_PERIOD);
        vm.assertEq(d.roundStart, 0);
        vm.assertEq(disputes.committeeOfRound(id, 1).length, COMMITTEE);
        vm.assertEq(disputes.committeeOfRound(id, 2).length, 0);
    }

    function test_drawCommittee_excludesTheChallengerAndValidatorsWithoutTheModel() public {
        // v4 declares another model only; v1 challenges.
        bytes32[] memory other = new bytes32[](1);
        other[0] = keccak256("other-model");
        vm.prank(v4);
        registry.setValidatorModels(other);
        _fund(v1);
        vm.roll(block.number + 1); // the snapshot (the block before the opening) sees v4's change
        uint256 id = _open(v1, provider, 5 ether);
        _draw(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, 2); // only v2 and v3 are eligible
        for (uint256 i; i < members.length; ++i) {
            vm.assertTrue(members[i] == v2 || members[i] == v3);
        }
    }

    function test_drawCommittee_drawsNobodyWhenNoValidatorIsEligible() public {
        for (uint256 i; i < 4; ++i) {
            vm.prank([v1, v2, v3, v4][i]);
            registry.unregister();
        }
        vm.roll(block.number + 1);
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.assertEq(disputes.committeeOf(id).length, 0);
        vm.assertTrue(disputes.getDispute(id).status == IDisputes.Status.Drawn);
    }

    /// @dev The draw block's hash is gone after 256 blocks: the draw is rearmed to a new future block
    /// (the caller cannot pick the seed by timing), then draws from that block.
    function test_drawCommittee_rearmsWhenTheBlockhashExpired() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.roll(block.number + 300);
        uint64 rearmed = uint64(block.number + DRAW_DELAY);
        vm.expectEmit(address(disputes));
        emit IDisputes.DrawRearmed(id, rearmed);
        disputes.drawCommittee(id);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertEq(d.drawBlock, rearmed);
        vm.assertTrue(d.status == IDisputes.Status.Open);
        vm.assertEq(disputes.committeeOf(id).length, 0);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.TooEarly.selector, id, rearmed));
        disputes.drawCommittee(id);
        _draw(id);
        vm.assertEq(disputes.committeeOf(id).length, COMMITTEE);
    }

    function test_drawCommittee_revertsWhenDisputeNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeNotFound.selector, 1));
        disputes.drawCommittee(1);
    }

    function test_drawCommittee_revertsWhenTooEarly() public {
        uint256 id = _open(challenger, provider, 5 ether);
        uint64 drawBlock = uint64(block.number + DRAW_DELAY);
        vm.roll(drawBlock);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.TooEarly.selector, id, drawBlock));
        disputes.drawCommittee(id);
    }

    function test_drawCommittee_revertsWhenAlreadyDrawn() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyDrawn.selector, id));
        disputes.drawCommittee(id);
    }

    function test_drawCommittee_revertsWhenResolved() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, false);
        disputes.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyDrawn.selector, id));
        disputes.drawCommittee(id);
    }

    // ============================================================ commitVote

    function test_commitVote_storesAndEmits() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        bytes32 commitment = disputes.voteCommitment(id, 1, m, true, bytes32("s"));
        vm.expectEmit(address(disputes));
        emit IDisputes.VoteCommitted(id, m);
        vm.prank(m);
        disputes.commitVote(id, commitment);
        vm.assertEq(disputes.memberOf(id, m).commitment, commitment);
        vm.assertFalse(disputes.hasVoted(id, m)); // committed, not revealed
    }

    function test_commitVote_revertsWhenNotAMember() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, v1));
        vm.prank(v1);
        disputes.commitVote(id, bytes32("c")); // not drawn yet
        _draw(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, stranger));
        vm.prank(stranger);
        disputes.commitVote(id, bytes32("c"));
    }

    function test_commitVote_revertsWhenCommitClosed() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        uint64 ends = disputes.getDispute(id).commitEnds;
        vm.warp(ends);
        address m = _round(id)[0];
        vm.expectRevert(abi.encodeWithSelector(IDisputes.CommitClosed.selector, id, ends));
        vm.prank(m);
        disputes.commitVote(id, bytes32("c"));
    }

    function test_commitVote_revertsWhenZeroCommitment() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        vm.expectRevert(IDisputes.ZeroCommitment.selector);
        vm.prank(m);
        disputes.commitVote(id, bytes32(0));
    }

    function test_commitVote_revertsWhenAlreadyCommitted() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        _commit(id, m, true);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyCommitted.selector, id, m));
        vm.prank(m);
        disputes.commitVote(id, bytes32("other"));
    }

    // ============================================================ revealVote

    function test_revealVote_countsAndEmits() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        _commit(id, m[0], true);
        _commit(id, m[1], false);
        _toReveal(id);
        vm.expectEmit(address(disputes));
        emit IDisputes.VoteRevealed(id, m[0], true);
        _reveal(id, m[0], true);
        _reveal(id, m[1], false);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertEq(d.guiltyVotes, 1);
        vm.assertEq(d.innocentVotes, 1);
        vm.assertTrue(disputes.hasVoted(id, m[0]));
        vm.assertTrue(disputes.memberOf(id, m[0]).guilty);
        vm.assertFalse(disputes.memberOf(id, m[1]).guilty);
        vm.assertFalse(disputes.hasVoted(id, m[2]));
    }

    function test_revealVote_revertsOutsideTheRevealPhase() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        _commit(id, m, true);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        bytes32 salt = _salt(m, id, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotRevealPhase.selector, id, d.commitEnds, d.revealEnds));
        vm.prank(m);
        disputes.revealVote(id, true, salt);
        vm.warp(d.revealEnds);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotRevealPhase.selector, id, d.commitEnds, d.revealEnds));
        vm.prank(m);
        disputes.revealVote(id, true, salt);
    }

    function test_revealVote_revertsWhenNotAMember() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _toReveal(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, stranger));
        vm.prank(stranger);
        disputes.revealVote(id, true, bytes32(0));
    }

    function test_revealVote_revertsWhenNotCommitted() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        _toReveal(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotCommitted.selector, id, m));
        vm.prank(m);
        disputes.revealVote(id, true, bytes32(0));
    }

    function test_revealVote_revertsWhenAlreadyRevealed() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        _commit(id, m, true);
        _toReveal(id);
        _reveal(id, m, true);
        bytes32 salt = _salt(m, id, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyRevealed.selector, id, m));
        vm.prank(m);
        disputes.revealVote(id, true, salt);
    }

    function test_revealVote_revertsWhenCommitmentMismatch() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m = _round(id)[0];
        _commit(id, m, true);
        _toReveal(id);
        bytes32 salt = _salt(m, id, 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.CommitmentMismatch.selector, id, m));
        vm.prank(m);
        disputes.revealVote(id, false, salt); // the other vote
        vm.expectRevert(abi.encodeWithSelector(IDisputes.CommitmentMismatch.selector, id, m));
        vm.prank(m);
        disputes.revealVote(id, true, bytes32("wrong salt"));
    }

    // =============================================================== resolve

    function test_resolve_guiltyAssigned_slashesRewardsAndBurnsExactly() public {
        _warpToEpoch(5);
        uint256 id = _openAssigned(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, true);
        uint256 slash = PROVIDER_STAKE * SLASH_BPS / BPS; // 500
        uint256 reward = slash * REWARD_BPS / BPS; // 250
        uint256 supply = token.totalSupply();
        uint256 challengerBefore = token.balanceOf(challenger);

        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, IDisputes.Outcome.Guilty, slash, reward, 0, 0);
        disputes.resolve(id); // every seat revealed: no need to wait for revealEnds

        (uint256 staked,) = _stakeOf(provider);
        vm.assertEq(staked, PROVIDER_STAKE - slash);
        vm.assertEq(registry.frozenOf(provider), 0);
        vm.assertEq(token.balanceOf(challenger), challengerBefore + reward + BOND);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
        vm.assertEq(disputes.bondsHeld(), 0);
        vm.assertEq(token.totalSupply(), supply - (slash - reward));
        vm.assertEq(disputes.openDisputesOf(provider), 0);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertTrue(d.status == IDisputes.Status.Resolved);
        vm.assertTrue(d.outcome == IDisputes.Outcome.Guilty);
        vm.assertTrue(disputes.penalized(provider, 5));
        vm.assertTrue(disputes.penalized(provider, 4));
        vm.assertFalse(disputes.penalized(provider, 3));
        vm.assertFalse(disputes.penalized(provider, 6));
    }

    /// @dev F6: an unassigned challenger gets its bond back and no reward; the whole slash is burned.
    function test_resolve_guiltyUnassigned_burnsTheWholeSlash() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, true);
        uint256 slash = PROVIDER_STAKE * SLASH_BPS / BPS;
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, IDisputes.Outcome.Guilty, slash, 0, 0, 0);
        disputes.resolve(id);
        vm.assertEq(token.balanceOf(challenger), CHALLENGER_FUNDS);
        vm.assertEq(token.totalSupply(), supply - slash);
    }

    /// @dev F3: innocent: the bond is split among the innocent voters, the rounding remainder burned.
    function test_resolve_innocent_splitsTheBondAmongInnocentVoters() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        uint256[] memory before = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            before[i] = token.balanceOf(m[i]);
        }
        _voteAll(id, false);
        uint256 share = BOND / 3;
        uint256 supply = token.totalSupply();
        uint256 providerBefore = token.balanceOf(provider);
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, IDisputes.Outcome.Innocent, 0, 0, 3 * share, 0);
        disputes.resolve(id);
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(token.balanceOf(m[i]), before[i] + share);
        }
        vm.assertEq(token.totalSupply(), supply - (BOND - 3 * share)); // 1 wei burned
        vm.assertEq(token.balanceOf(provider), providerBefore); // never to the provider
        (uint256 staked,) = _stakeOf(provider);
        vm.assertEq(staked, PROVIDER_STAKE);
        vm.assertEq(registry.frozenOf(provider), 0);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
        vm.assertFalse(disputes.penalized(provider, 0));
    }

    /// @dev 2 guilty, 1 innocent: guilty (2 > 3/2); the innocent voter gets nothing, nobody is absent.
    function test_resolve_majorityOfTheFullCommitteeDecides() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        _commit(id, m[0], true);
        _commit(id, m[1], true);
        _commit(id, m[2], false);
        _toReveal(id);
        _reveal(id, m[0], true);
        _reveal(id, m[1], true);
        _reveal(id, m[2], false);
        disputes.resolve(id);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Guilty);
    }

    /// @dev 2 guilty and 1 absent after revealEnds: guilty; the absentee's penalty is recorded and its stake
    /// frozen (not slashed yet); anyone collects it later, which burns it and lifts the freeze.
    function test_resolve_recordsThePenaltyOfTheAbsenteesOfTheFinalRound() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        _commit(id, m[0], true);
        _commit(id, m[1], true);
        _commit(id, m[2], true); // commits but never reveals: absent too
        _toReveal(id);
        _reveal(id, m[0], true);
        _reveal(id, m[1], true);
        _toRevealEnd(id);
        (uint256 s2, uint256 u2) = _stakeOf(m[2]);
        uint256 penalty = (s2 + u2) * ABSENT_BPS / BPS;
        uint256 slash = PROVIDER_STAKE * SLASH_BPS / BPS;
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(disputes));
        emit IDisputes.AbsenteePenalized(id, m[2], 1, penalty);
        disputes.resolve(id);
        (uint256 after2,) = _stakeOf(m[2]);
        vm.assertEq(after2, s2, "not slashed at resolve");
        vm.assertEq(disputes.pendingPenaltyOf(m[2]), penalty);
        vm.assertEq(disputes.pendingFreezesOf(m[2]), 1);
        vm.assertEq(registry.frozenOf(m[2]), 1);
        vm.assertEq(disputes.pendingPenaltyOf(m[0]), 0);
        vm.assertEq(token.totalSupply(), supply - slash);
        vm.assertEq(disputes.getDispute(id).guiltyVotes, 2);
        // Anyone may collect: a stranger does.
        vm.expectEmit(address(disputes));
        emit IDisputes.PenaltyCollected(m[2], penalty, penalty);
        vm.prank(stranger);
        disputes.collectPenalty(m[2]);
        (after2,) = _stakeOf(m[2]);
        vm.assertEq(after2, s2 - penalty);
        vm.assertEq(token.totalSupply(), supply - slash - penalty);
        vm.assertEq(disputes.pendingPenaltyOf(m[2]), 0);
        vm.assertEq(disputes.pendingFreezesOf(m[2]), 0);
        vm.assertEq(registry.frozenOf(m[2]), 0);
    }

    function test_resolve_escalatesWithoutAMajority() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        _commit(id, m[0], true);
        _toReveal(id);
        _reveal(id, m[0], true);
        _toRevealEnd(id);
        uint64 next = uint64(block.number + DRAW_DELAY);
        vm.expectEmit(address(disputes));
        emit IDisputes.RoundEscalated(id, 2, next);
        disputes.resolve(id);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertEq(d.round, 2);
        vm.assertEq(d.drawBlock, next);
        vm.assertTrue(d.status == IDisputes.Status.Open);
        vm.assertTrue(d.outcome == IDisputes.Outcome.None);
        vm.assertEq(registry.frozenOf(provider), 1); // still frozen
        vm.assertEq(disputes.bondsHeld(), BOND);
        // The absentee of round 1 cannot vote any more.
        vm.expectRevert(abi.encodeWithSelector(IDisputes.CommitteeNotDrawn.selector, id));
        disputes.resolve(id);
        _draw(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, m[1]));
        vm.prank(m[1]);
        disputes.commitVote(id, bytes32("c"));
        // Round 2 draws 3 - 1 kept = 2 seats among the one validator left (v1..v4 minus 3 drawn).
        vm.assertEq(disputes.committeeOfRound(id, 2).length, 1);
        vm.assertEq(disputes.getDispute(id).roundStart, 3);
    }

    function test_resolve_isVoidAfterMaxRounds() public {
        IDisputes.Params memory p = _params();
        p.maxRounds = 1;
        _setParams(p);
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _toRevealEnd(id);
        address[] memory m = disputes.committeeOf(id);
        uint256 burned;
        for (uint256 i; i < 3; ++i) {
            (uint256 s,) = _stakeOf(m[i]);
            burned += s * ABSENT_BPS / BPS;
        }
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, IDisputes.Outcome.Void, 0, 0, 0, 3);
        disputes.resolve(id);
        vm.assertEq(token.balanceOf(challenger), CHALLENGER_FUNDS); // bond back
        (uint256 staked,) = _stakeOf(provider);
        vm.assertEq(staked, PROVIDER_STAKE);
        vm.assertEq(registry.frozenOf(provider), 0);
        vm.assertTrue(disputes.getDispute(id).outcome == IDisputes.Outcome.Void);
        vm.assertEq(token.totalSupply(), supply, "nothing burned before collection");
        // Only the three absentees lose stake (burned), once collected.
        for (uint256 i; i < 3; ++i) {
            disputes.collectPenalty(m[i]);
        }
        vm.assertEq(token.totalSupply(), supply - burned);
    }

    /// @dev The penalty is computed at resolve from stake + unbonding, so leaving after the draw escapes nothing.
    function test_resolve_penalizesAnAbsentMemberWhoLeftAfterTheDraw() public {
        IDisputes.Params memory p = _params();
        p.maxRounds = 1;
        _setParams(p);
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m0 = disputes.committeeOf(id)[0];
        (uint256 staked,) = _stakeOf(m0);
        vm.prank(m0);
        registry.unregister(); // the whole stake starts unbonding
        _toRevealEnd(id);
        disputes.resolve(id);
        vm.assertEq(disputes.pendingPenaltyOf(m0), staked * ABSENT_BPS / BPS);
        disputes.collectPenalty(m0);
        (uint256 stakeAfter, uint256 unbondingAfter) = _stakeOf(m0);
        vm.assertEq(stakeAfter, 0);
        vm.assertEq(unbondingAfter, staked - staked * ABSENT_BPS / BPS);
    }

    function test_resolve_slashesWhatIsLeftWhenAnEarlierSlashTookStake() public {
        uint256 id = _openAssigned(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, true);
        // Another dispute's slash (Disputes is the only slasher) took most of the stake first.
        vm.prank(address(disputes));
        registry.slash(provider, PROVIDER_STAKE - 100 ether, makeAddr("elsewhere")); // 100 left
        uint256 before = token.balanceOf(challenger);
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, IDisputes.Outcome.Guilty, 100 ether, 50 ether, 0, 0);
        disputes.resolve(id);
        (uint256 staked, uint256 unbonding) = _stakeOf(provider);
        vm.assertEq(staked + unbonding, 0);
        vm.assertEq(token.balanceOf(challenger), before + 50 ether + BOND);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    /// @dev Three guilty disputes of 50% each: the first two take 2500 each, the third finds nothing left
    /// (slashed 0: the challenger gets its bond back); each dispute opened and resolved, none refused.
    function test_resolve_laterDisputesSlashWhatIsLeft() public {
        IDisputes.Params memory p = _params();
        p.slashBps = 5000;
        _setParams(p);
        uint256[3] memory ids;
        for (uint256 i; i < 3; ++i) {
            ids[i] = _openAssigned(challenger, provider, i + 1);
        }
        uint256 supply = token.totalSupply();
        uint256[3] memory slashed = [uint256(2500 ether), 2500 ether, 0];
        for (uint256 i; i < 3; ++i) {
            _draw(ids[i]);
            _voteAll(ids[i], true);
            vm.expectEmit(address(disputes));
            emit IDisputes.DisputeResolved(ids[i], IDisputes.Outcome.Guilty, slashed[i], slashed[i] / 2, 0, 0);
            disputes.resolve(ids[i]);
        }
        vm.assertEq(token.balanceOf(challenger), CHALLENGER_FUNDS + 2500 ether); // three bonds back, half of 5000
        vm.assertEq(token.totalSupply(), supply - 2500 ether);
        (uint256 staked, uint256 unbonding) = _stakeOf(provider);
        vm.assertEq(staked + unbonding, 0);
        vm.assertEq(registry.frozenOf(provider), 0);
    }

    function test_resolve_revertsWhenDisputeNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeNotFound.selector, 3));
        disputes.resolve(3);
    }

    function test_resolve_revertsWhenCommitteeNotDrawn() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.CommitteeNotDrawn.selector, id));
        disputes.resolve(id);
    }

    function test_resolve_revertsWhenNotResolvable() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        _commit(id, m[0], true);
        _commit(id, m[1], true);
        _toReveal(id);
        _reveal(id, m[0], true);
        _reveal(id, m[1], true); // a majority already, but not every seat revealed and the phase runs
        uint64 ends = disputes.getDispute(id).revealEnds;
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotResolvable.selector, id, ends));
        disputes.resolve(id);
        vm.warp(ends);
        disputes.resolve(id);
    }

    function test_resolve_revertsWhenAlreadyResolved() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, true);
        disputes.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyResolved.selector, id));
        disputes.resolve(id);
    }

    function test_resolve_closesVoting() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _round(id);
        _commit(id, m[0], false);
        _commit(id, m[1], false);
        _toReveal(id);
        _reveal(id, m[0], false);
        _reveal(id, m[1], false);
        _toRevealEnd(id);
        disputes.resolve(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, m[2]));
        vm.prank(m[2]);
        disputes.commitVote(id, bytes32("c"));
    }

    // ================================================================= fuzz

    // ======================================================= collectPenalty

    /// @dev Resolves a one-round dispute in which nobody reveals: every member is an absentee.
    function _absentRound(uint16 absentBps) internal returns (address[] memory members) {
        IDisputes.Params memory p = _params();
        p.maxRounds = 1;
        p.absentSlashBps = absentBps;
        _setParams(p);
        uint256 id = _open(challenger, provider, disputes.disputeCount() + 1);
        _draw(id);
        members = _round(id);
        _toRevealEnd(id);
        disputes.resolve(id);
    }

    /// @dev A member absent in round 1 (the dispute escalates) cannot withdraw its unbonded stake until
    /// its penalty is collected; it collects it itself, then withdraws exactly what is left.
    function test_collectPenalty_anAbsentMemberCannotWithdrawUntilCollected() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address[] memory m = _castRound(id, 1, 1); // the third member stays absent
        disputes.resolve(id);
        vm.assertEq(disputes.getDispute(id).round, 2, "escalated");
        address absent = m[2];
        (uint256 staked,) = _stakeOf(absent);
        uint256 penalty = staked * ABSENT_BPS / BPS;
        vm.assertEq(disputes.pendingPenaltyOf(absent), penalty);
        vm.assertEq(registry.frozenOf(absent), 1);
        vm.prank(absent);
        registry.unregister(); // the whole stake starts unbonding
        vm.warp(block.timestamp + UNBONDING);
        vm.expectRevert(abi.encodeWithSelector(IRegistry.StakeIsFrozen.selector, absent, 1));
        vm.prank(absent);
        registry.withdrawStake();
        uint256 balance = token.balanceOf(absent);
        vm.prank(absent);
        disputes.collectPenalty(absent);
        vm.prank(absent);
        registry.withdrawStake();
        vm.assertEq(token.balanceOf(absent), balance + staked - penalty);
        (uint256 s, uint256 u) = _stakeOf(absent);
        vm.assertEq(s + u, 0);
        // The provider's dispute still holds its own freeze.
        vm.assertEq(registry.frozenOf(provider), 1);
    }

    function test_collectPenalty_revertsWhenCollectedTwice() public {
        address[] memory m = _absentRound(ABSENT_BPS);
        disputes.collectPenalty(m[0]);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NoPenaltyPending.selector, m[0]));
        disputes.collectPenalty(m[0]);
    }

    function test_collectPenalty_revertsWhenNoPenaltyPending() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NoPenaltyPending.selector, v1));
        disputes.collectPenalty(v1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NoPenaltyPending.selector, stranger));
        disputes.collectPenalty(stranger);
    }

    /// @dev Collected after the member unbonded (after resolve): the penalty comes out of unbonding stake.
    function test_collectPenalty_takesFromUnbondingStakeAfterTheMemberLeft() public {
        address[] memory m = _absentRound(ABSENT_BPS);
        (uint256 staked,) = _stakeOf(m[0]);
        vm.prank(m[0]);
        registry.unregister();
        uint256 penalty = staked * ABSENT_BPS / BPS;
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(registry));
        emit IRegistry.Slashed(m[0], address(disputes), address(0), 0, penalty);
        disputes.collectPenalty(m[0]);
        (uint256 s, uint256 u) = _stakeOf(m[0]);
        vm.assertEq(s, 0);
        vm.assertEq(u, staked - penalty);
        vm.assertEq(token.totalSupply(), supply - penalty);
        vm.assertEq(registry.frozenOf(m[0]), 0);
    }

    /// @dev Another slash took most of the member's stake first: collection takes what is left, and the
    /// freeze is lifted all the same.
    function test_collectPenalty_takesWhatIsLeftWhenThePenaltyIsLarger() public {
        address[] memory m = _absentRound(ABSENT_BPS);
        (uint256 staked,) = _stakeOf(m[0]);
        uint256 penalty = staked * ABSENT_BPS / BPS;
        vm.prank(address(disputes)); // Disputes is the only slasher
        registry.slash(m[0], staked - 1 ether, makeAddr("elsewhere")); // 1 MESH left, below the penalty
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(disputes));
        emit IDisputes.PenaltyCollected(m[0], penalty, 1 ether);
        disputes.collectPenalty(m[0]);
        (uint256 s, uint256 u) = _stakeOf(m[0]);
        vm.assertEq(s + u, 0);
        vm.assertEq(token.totalSupply(), supply - 1 ether);
        vm.assertEq(registry.frozenOf(m[0]), 0);
        vm.assertEq(disputes.pendingPenaltyOf(m[0]), 0);
    }

    /// @dev Absent in two disputes before anyone collects: the penalties add up (each computed from the
    /// stake at its resolve), one freeze is held, and one collection burns both and lifts it.
    function test_collectPenalty_collectsPenaltiesThatAddedUpUnderOneFreeze() public {
        address[] memory m1 = _absentRound(ABSENT_BPS);
        address[] memory m2 = _absentRound(ABSENT_BPS); // 3 of the same 4 validators
        address twice;
        for (uint256 i; i < m1.length; ++i) {
            for (uint256 j; j < m2.length; ++j) {
                if (m1[i] == m2[j]) twice = m1[i];
            }
        }
        vm.assertTrue(twice != address(0), "3 of 4 twice: at least 2 in common");
        (uint256 staked,) = _stakeOf(twice);
        uint256 penalty = staked * ABSENT_BPS / BPS;
        vm.assertEq(disputes.pendingPenaltyOf(twice), 2 * penalty);
        vm.assertEq(disputes.pendingFreezesOf(twice), 1);
        vm.assertEq(registry.frozenOf(twice), 1);
        uint256 supply = token.totalSupply();
        vm.prank(stranger);
        disputes.collectPenalty(twice);
        (uint256 s,) = _stakeOf(twice);
        vm.assertEq(s, staked - 2 * penalty);
        vm.assertEq(token.totalSupply(), supply - 2 * penalty);
        vm.assertEq(registry.frozenOf(twice), 0);
    }

    /// @dev absentSlashBps 0: an absentee owes nothing, so nothing is recorded or frozen.
    function test_resolve_recordsNothingWhenAbsentSlashBpsIsZero() public {
        address[] memory m = _absentRound(0);
        for (uint256 i; i < m.length; ++i) {
            vm.assertEq(disputes.pendingPenaltyOf(m[i]), 0);
            vm.assertEq(disputes.pendingFreezesOf(m[i]), 0);
            vm.assertEq(registry.frozenOf(m[i]), 0);
        }
    }

    /// @dev The slash amount is slashBps of stake + unbonding, whatever else is open.
    function testFuzz_openDispute_slashAmount(uint256 stakeAmount, uint256 unbonding, uint16 slashBps, uint8 count)
        public
    {
        stakeAmount = bound(stakeAmount, MIN_STAKE, 1e9 ether);
        unbonding = bound(unbonding, 0, 1e9 ether);
        slashBps = uint16(bound(slashBps, 1, 5000));
        count = uint8(bound(count, 1, 6));
        IDisputes.Params memory p = _params();
        p.slashBps = slashBps;
        _setParams(p);
        address prov = _provider("fuzzProvider", stakeAmount + unbonding);
        if (unbonding != 0) {
            vm.prank(prov);
            registry.requestUnstake(unbonding);
        }
        for (uint256 i; i < count; ++i) {
            uint256 id = _open(challenger, prov, i + 1);
            vm.assertEq(disputes.getDispute(id).slashAmount, (stakeAmount + unbonding) * slashBps / BPS);
        }
        vm.assertEq(registry.frozenOf(prov), count);
    }

    /// @dev Guilty: what leaves the provider is exactly the slash, split between challenger and burn.
    function testFuzz_resolve_guiltySplitsTheSlashExactly(uint256 stakeAmount, uint16 rewardBps, uint16 slashBps)
        public
    {
        stakeAmount = bound(stakeAmount, MIN_STAKE, 1e9 ether);
        rewardBps = uint16(bound(rewardBps, 0, 10_000));
        slashBps = uint16(bound(slashBps, 1, 5000));
        IDisputes.Params memory p = _params();
        p.challengerRewardBps = rewardBps;
        p.slashBps = slashBps;
        _setParams(p);
        address prov = _provider("fuzzProvider", stakeAmount);
        uint256 id = _openAssigned(challenger, prov, 1 ether);
        _draw(id);
        _voteAll(id, true);
        uint256 supply = token.totalSupply();
        uint256 before = token.balanceOf(challenger);
        disputes.resolve(id);
        uint256 slash = stakeAmount * slashBps / BPS;
        uint256 reward = slash * rewardBps / BPS;
        (uint256 staked,) = _stakeOf(prov);
        vm.assertEq(staked, stakeAmount - slash);
        vm.assertEq(token.balanceOf(challenger), before + reward + BOND);
        vm.assertEq(token.totalSupply(), supply - (slash - reward));
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    /// @dev Innocent: the voters' shares plus the burn are exactly the bond.
    function testFuzz_resolve_innocentSplitsTheBondExactly(uint256 bond) public {
        bond = bound(bond, 1, 1e9 ether);
        IDisputes.Params memory p = _params();
        p.challengerBond = bond;
        _setParams(p);
        _give(challenger, bond);
        uint256 id = _open(challenger, provider, 1 ether);
        _draw(id);
        _voteAll(id, false);
        uint256 supply = token.totalSupply();
        disputes.resolve(id);
        uint256 share = bond / 3;
        vm.assertEq(token.totalSupply(), supply - (bond - 3 * share));
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    /// @dev Every draw is committeeSize distinct eligible validators (or all of them when fewer).
    function testFuzz_drawCommittee_distinctEligibleMembers(uint256 seedBlocks, uint8 size) public {
        seedBlocks = bound(seedBlocks, 2, 250);
        size = uint8(bound(size, 1, 10)) * 2 + 1; // 3..21, odd
        IDisputes.Params memory p = _params();
        p.committeeSize = size;
        _setParams(p);
        _fund(v2);
        uint256 id = _open(v2, provider, 1 ether);
        vm.roll(block.number + seedBlocks);
        disputes.drawCommittee(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, 3); // v1, v3, v4
        for (uint256 i; i < members.length; ++i) {
            vm.assertTrue(members[i] == v1 || members[i] == v3 || members[i] == v4);
            for (uint256 j; j < i; ++j) {
                vm.assertTrue(members[i] != members[j]);
            }
        }
    }
}
