// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {Disputes} from "../src/Disputes.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IMeshToken} from "../src/interfaces/IMeshToken.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";
import {Epochs} from "../src/libraries/Epochs.sol";

/// @notice A contract provider that accepts exactly one digest (EIP-1271), for receipts signed by a wallet.
contract ProviderWallet {
    bytes32 public accepted;

    function accept(bytes32 digest) external {
        accepted = digest;
    }

    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return digest == accepted ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}

contract DisputesTest is ConsensusBase {
    uint256 internal constant PROVIDER_STAKE = 5000 ether;

    address internal provider;
    address internal challenger;
    address internal v1;
    address internal v2;
    address internal v3;
    address internal v4;

    function setUp() public override {
        super.setUp();
        provider = _provider("provider", PROVIDER_STAKE);
        challenger = _challenger("challenger", 10_000 ether);
        v1 = _validator("v1", 1000 ether);
        v2 = _validator("v2", 2000 ether);
        v3 = _validator("v3", 3000 ether);
        v4 = _validator("v4", 4000 ether);
    }

    function _member(uint256 id, uint256 i) internal view returns (address) {
        return disputes.committeeOf(id)[i];
    }

    // =========================================================== constructor

    function test_constructor_setsParametersAndClock() public view {
        IDisputes.Params memory p = disputes.params();
        vm.assertEq(p.challengerBond, BOND);
        vm.assertEq(p.slashBps, SLASH_BPS);
        vm.assertEq(p.challengerRewardBps, REWARD_BPS);
        vm.assertEq(p.committeeSize, COMMITTEE);
        vm.assertEq(p.drawDelay, DRAW_DELAY);
        vm.assertEq(p.votingPeriod, VOTING);
        vm.assertEq(p.absentSlashBps, ABSENT_BPS);
        vm.assertEq(disputes.genesis(), GENESIS);
        vm.assertEq(disputes.epochLength(), EPOCH);
        vm.assertEq(disputes.token(), address(token));
        vm.assertEq(disputes.registry(), address(registry));
        vm.assertEq(disputes.payments(), address(payments));
        vm.assertEq(disputes.owner(), owner);
        vm.assertEq(disputes.disputeCount(), 0);
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

    // ============================================================== setParams

    function test_setParams_storesAndEmits() public {
        IDisputes.Params memory p = _params();
        p.committeeSize = 5;
        p.challengerBond = 1 ether;
        vm.expectEmit(address(disputes));
        emit IDisputes.ParamsSet(p);
        vm.prank(owner);
        disputes.setParams(p);
        vm.assertEq(disputes.params().committeeSize, 5);
        vm.assertEq(disputes.params().challengerBond, 1 ether);
    }

    function test_setParams_revertsWhenNotOwner() public {
        IDisputes.Params memory p = _params();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        disputes.setParams(p);
    }

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
        p = _params();
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
        p.committeeSize = 0;
        _expectOutOfRange(p, "committeeSize", 0, 1, 21);
        p.committeeSize = 22;
        _expectOutOfRange(p, "committeeSize", 22, 1, 21);
        p = _params();
        p.drawDelay = 0;
        _expectOutOfRange(p, "drawDelay", 0, 1, 255);
        p = _params();
        p.votingPeriod = 59;
        _expectOutOfRange(p, "votingPeriod", 59, 60, 30 days);
        p.votingPeriod = 30 days + 1;
        _expectOutOfRange(p, "votingPeriod", 30 days + 1, 60, 30 days);
        p = _params();
        p.absentSlashBps = 1001;
        _expectOutOfRange(p, "absentSlashBps", 1001, 0, 1000);
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

    // ============================================================ openDispute

    function test_openDispute_locksStakePullsBondAndEmits() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        bytes32 digest = disputes.hashReceipt(r);
        uint256 expectedSlash = PROVIDER_STAKE * SLASH_BPS / BPS;

        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeOpened(
            1, provider, challenger, MODEL, digest, expectedSlash, BOND, uint64(block.number + 1)
        );
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig, REQUEST, RESPONSE);

        vm.assertEq(id, 1);
        vm.assertEq(disputes.disputeCount(), 1);
        vm.assertEq(disputes.openDisputesOf(provider), 1);
        vm.assertEq(disputes.disputeOfReceipt(digest), 1);
        vm.assertEq(registry.lockedOf(provider), expectedSlash);
        vm.assertEq(token.balanceOf(address(disputes)), BOND);
        vm.assertEq(token.balanceOf(challenger), 10_000 ether - BOND);
        IDisputes.Dispute memory d = disputes.getDispute(1);
        vm.assertEq(d.provider, provider);
        vm.assertEq(d.challenger, challenger);
        vm.assertEq(d.modelId, MODEL);
        vm.assertEq(d.receiptDigest, digest);
        vm.assertEq(d.slashAmount, expectedSlash);
        vm.assertEq(d.bond, BOND);
        vm.assertEq(d.openedAt, block.timestamp);
        vm.assertEq(d.openBlock, block.number);
        vm.assertEq(d.drawBlock, block.number + DRAW_DELAY);
        vm.assertEq(d.openEpoch, 0);
        vm.assertEq(d.votingEnds, 0);
        vm.assertTrue(d.status == IDisputes.Status.Open);
        vm.assertFalse(d.guilty);
    }

    function test_openDispute_recordsTheOpeningEpoch() public {
        _warpToEpoch(7);
        uint256 id = _open(challenger, provider, 5 ether);
        vm.assertEq(disputes.getDispute(id).openEpoch, 7);
    }

    function test_openDispute_countsUnbondingStake() public {
        vm.prank(provider);
        registry.unregister(); // the whole stake starts unbonding; the role is gone
        // Without the Provider role the receipt cannot be disputed.
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAProvider.selector, provider));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);

        address p2 = _provider("p2", 2000 ether);
        vm.prank(p2);
        registry.requestUnstake(1000 ether);
        uint256 id = _open(challenger, p2, 1 ether);
        vm.assertEq(disputes.getDispute(id).slashAmount, 200 ether); // 10% of 1000 staked + 1000 unbonding
    }

    function test_openDispute_capsTheSlashAtUnlockedStake() public {
        vm.prank(owner);
        IDisputes.Params memory p = _params();
        p.slashBps = 4000;
        disputes.setParams(p);
        uint256 first = _open(challenger, provider, 1 ether);
        uint256 second = _open(challenger, provider, 2 ether);
        uint256 third = _open(challenger, provider, 3 ether);
        vm.assertEq(disputes.getDispute(first).slashAmount, 2000 ether);
        vm.assertEq(disputes.getDispute(second).slashAmount, 2000 ether);
        vm.assertEq(disputes.getDispute(third).slashAmount, 1000 ether);
        vm.assertEq(registry.lockedOf(provider), PROVIDER_STAKE);
        vm.assertEq(disputes.openDisputesOf(provider), 3);
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
        uint256 id = disputes.openDispute(r, "", REQUEST, RESPONSE);
        vm.assertEq(disputes.getDispute(id).provider, address(wallet));
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
        // The provider's delegation lands in the same block as (here: with) the dispute.
        vm.signAndAttachDelegation(address(rejecting), keyOf[provider]);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig, REQUEST, RESPONSE);
        vm.assertEq(provider.code.length, 23);
        vm.assertEq(disputes.getDispute(id).provider, provider);
    }

    function test_openDispute_revertsWhenRequestMismatch() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.PayloadMismatch.selector, r.requestHash, keccak256("{}")));
        vm.prank(challenger);
        disputes.openDispute(r, sig, "{}", RESPONSE);
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
        disputes.openDispute(r, sig, asCompletion, RESPONSE);
    }

    function test_openDispute_revertsWhenResponseMismatch() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.PayloadMismatch.selector, r.responseHash, keccak256("Hi")));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, "Hi");
    }

    function test_openDispute_revertsWhenNotAProvider() public {
        IDisputes.Receipt memory r = _receipt(v1, 5 ether);
        bytes memory sig = _signReceipt(keyOf[v1], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAProvider.selector, v1));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    function test_openDispute_revertsWhenSelfDispute() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.SelfDispute.selector, provider));
        vm.prank(provider);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    function test_openDispute_revertsWhenDisputeExists() public {
        uint256 id = _open(challenger, provider, 5 ether);
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeExists.selector, disputes.hashReceipt(r), id));
        vm.prank(v1);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    function test_openDispute_revertsWhenInvalidReceiptSignature() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[v1], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidReceiptSignature.selector, provider));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    function test_openDispute_revertsWhenSignedForAnotherChain() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        vm.chainId(1);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.chainId(31_337);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.InvalidReceiptSignature.selector, provider));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    function test_openDispute_revertsWhenStakeFullyCommitted() public {
        IDisputes.Params memory p = _params();
        p.slashBps = 5000;
        vm.prank(owner);
        disputes.setParams(p);
        _open(challenger, provider, 1 ether);
        _open(challenger, provider, 2 ether);
        IDisputes.Receipt memory r = _receipt(provider, 3 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.StakeFullyCommitted.selector, provider));
        vm.prank(challenger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    function test_openDispute_revertsWhenBondNotApproved() public {
        IDisputes.Receipt memory r = _receipt(provider, 5 ether);
        bytes memory sig = _signReceipt(keyOf[provider], r);
        vm.expectRevert();
        vm.prank(stranger);
        disputes.openDispute(r, sig, REQUEST, RESPONSE);
    }

    // ========================================================= drawCommittee

    function test_drawCommittee_drawsDistinctActiveValidatorsAndEmits() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.roll(block.number + 2);
        disputes.drawCommittee(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, COMMITTEE);
        for (uint256 i; i < members.length; ++i) {
            vm.assertTrue(registry.isActiveValidator(members[i]));
            for (uint256 j; j < i; ++j) {
                vm.assertTrue(members[i] != members[j]);
            }
        }
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertTrue(d.status == IDisputes.Status.Drawn);
        vm.assertEq(d.votingEnds, block.timestamp + VOTING);
    }

    function test_drawCommittee_emitsCommitteeDrawn() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.roll(block.number + 2);
        vm.expectEmit(false, false, false, false, address(disputes));
        emit IDisputes.CommitteeDrawn(id, new address[](0), 0);
        disputes.drawCommittee(id);
    }

    function test_drawCommittee_excludesTheChallengerAndInactiveValidators() public {
        // An earlier slash (Disputes is the only slasher) left v4 below the validator minimum: inactive.
        vm.prank(address(disputes));
        registry.slash(v4, 3500 ether, address(0));
        _give(v1, BOND);
        vm.prank(v1);
        token.approve(address(disputes), BOND);
        uint256 id = _open(v1, provider, 5 ether); // v1 challenges
        _draw(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, 2); // only v2 and v3 are eligible
        for (uint256 i; i < members.length; ++i) {
            vm.assertTrue(members[i] == v2 || members[i] == v3);
        }
    }

    function test_drawCommittee_drawsEmptyCommitteeWhenNoValidatorIsEligible() public {
        for (uint256 i; i < 4; ++i) {
            address v = [v1, v2, v3, v4][i];
            vm.prank(v);
            registry.unregister();
        }
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.assertEq(disputes.committeeOf(id).length, 0);
        // Nobody can vote, so it resolves at once: not guilty.
        disputes.resolve(id);
        vm.assertFalse(disputes.getDispute(id).guilty);
    }

    function test_drawCommittee_worksAfterTheBlockhashExpired() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.roll(block.number + 300);
        disputes.drawCommittee(id);
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

    function test_drawCommittee_revertsWhenResolvedWithoutDraw() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.warp(block.timestamp + 2 * VOTING);
        disputes.resolve(id);
        vm.roll(block.number + 2);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyDrawn.selector, id));
        disputes.drawCommittee(id);
    }

    // ================================================================== vote

    function test_vote_countsAndEmits() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m0 = _member(id, 0);
        address m1 = _member(id, 1);
        vm.expectEmit(address(disputes));
        emit IDisputes.Voted(id, m0, true);
        vm.prank(m0);
        disputes.vote(id, true);
        vm.prank(m1);
        disputes.vote(id, false);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertEq(d.guiltyVotes, 1);
        vm.assertEq(d.innocentVotes, 1);
        vm.assertTrue(disputes.hasVoted(id, m0));
        vm.assertFalse(disputes.hasVoted(id, _member(id, 2)));
    }

    function test_vote_revertsWhenNotAMember() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, stranger));
        vm.prank(stranger);
        disputes.vote(id, true);
    }

    function test_vote_revertsWhenNotDrawn() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotAMember.selector, id, v1));
        vm.prank(v1);
        disputes.vote(id, true);
    }

    function test_vote_revertsWhenVotingClosed() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        uint64 ends = disputes.getDispute(id).votingEnds;
        vm.warp(ends);
        address m0 = _member(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.VotingClosed.selector, id, ends));
        vm.prank(m0);
        disputes.vote(id, true);
    }

    function test_vote_revertsWhenAlreadyVoted() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m0 = _member(id, 0);
        vm.prank(m0);
        disputes.vote(id, true);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.AlreadyVoted.selector, id, m0));
        vm.prank(m0);
        disputes.vote(id, false);
    }

    // =============================================================== resolve

    function test_resolve_slashesRewardsChallengerAndBurnsWhenGuilty() public {
        _warpToEpoch(5);
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, true);
        uint256 slash = PROVIDER_STAKE * SLASH_BPS / BPS; // 500
        uint256 reward = slash * REWARD_BPS / BPS; // 250
        uint256 supply = token.totalSupply();
        uint256 challengerBefore = token.balanceOf(challenger);

        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, true, slash, reward, 0, 0);
        disputes.resolve(id);

        (uint256 staked,) = _stakeOf(provider);
        vm.assertEq(staked, PROVIDER_STAKE - slash);
        vm.assertEq(registry.lockedOf(provider), 0);
        vm.assertEq(token.balanceOf(challenger), challengerBefore + reward + BOND);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
        vm.assertEq(token.totalSupply(), supply - (slash - reward));
        vm.assertEq(disputes.openDisputesOf(provider), 0);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertTrue(d.status == IDisputes.Status.Resolved);
        vm.assertTrue(d.guilty);
        vm.assertTrue(disputes.penalized(provider, 5));
        vm.assertTrue(disputes.penalized(provider, 4));
        vm.assertFalse(disputes.penalized(provider, 3));
        vm.assertFalse(disputes.penalized(provider, 6));
    }

    function test_resolve_paysTheBondToTheProviderWhenNotGuilty() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        _voteAll(id, false);
        uint256 providerBefore = token.balanceOf(provider);
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, false, 0, 0, BOND, 0);
        disputes.resolve(id);
        (uint256 staked,) = _stakeOf(provider);
        vm.assertEq(staked, PROVIDER_STAKE);
        vm.assertEq(registry.lockedOf(provider), 0);
        vm.assertEq(token.balanceOf(provider), providerBefore + BOND);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
        vm.assertFalse(disputes.penalized(provider, 0));
    }

    function test_resolve_treatsATieAsNotGuilty() public {
        IDisputes.Params memory p = _params();
        p.committeeSize = 2;
        vm.prank(owner);
        disputes.setParams(p);
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.prank(_member(id, 0));
        disputes.vote(id, true);
        vm.prank(_member(id, 1));
        disputes.vote(id, false);
        disputes.resolve(id);
        vm.assertFalse(disputes.getDispute(id).guilty);
    }

    function test_resolve_slashesAbsentMembersAfterVotingEnds() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m0 = _member(id, 0);
        address m1 = _member(id, 1);
        address m2 = _member(id, 2);
        vm.prank(m0);
        disputes.vote(id, true);
        (uint256 s1,) = _stakeOf(m1);
        (uint256 s2,) = _stakeOf(m2);
        vm.warp(disputes.getDispute(id).votingEnds);
        uint256 supply = token.totalSupply();

        vm.expectEmit(address(disputes));
        // One guilty vote against none: guilty.
        emit IDisputes.DisputeResolved(id, true, 500 ether, 250 ether, 0, 2);
        disputes.resolve(id);

        (uint256 after1,) = _stakeOf(m1);
        (uint256 after2,) = _stakeOf(m2);
        vm.assertEq(after1, s1 - s1 * ABSENT_BPS / BPS);
        vm.assertEq(after2, s2 - s2 * ABSENT_BPS / BPS);
        (uint256 after0,) = _stakeOf(m0);
        vm.assertTrue(after0 > 0);
        vm.assertEq(token.totalSupply(), supply - 250 ether - s1 * ABSENT_BPS / BPS - s2 * ABSENT_BPS / BPS);
    }

    function test_resolve_slashesAnAbsentMemberWhoLeftAfterTheDraw() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m0 = _member(id, 0);
        (uint256 staked,) = _stakeOf(m0);
        vm.prank(m0);
        registry.unregister(); // the whole stake starts unbonding
        vm.warp(disputes.getDispute(id).votingEnds);
        disputes.resolve(id);
        (uint256 stakeAfter, uint256 unbondingAfter) = _stakeOf(m0);
        vm.assertEq(stakeAfter, 0);
        vm.assertEq(unbondingAfter, staked - staked * ABSENT_BPS / BPS);
    }

    function test_resolve_isNotGuiltyWhenNobodyVoted() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.warp(disputes.getDispute(id).votingEnds);
        disputes.resolve(id);
        IDisputes.Dispute memory d = disputes.getDispute(id);
        vm.assertFalse(d.guilty);
        vm.assertEq(token.balanceOf(provider), BOND);
    }

    function test_resolve_settlesAnUndrawnDisputeAfterTwoVotingPeriods() public {
        uint256 id = _open(challenger, provider, 5 ether);
        vm.warp(block.timestamp + 2 * VOTING);
        vm.expectEmit(address(disputes));
        emit IDisputes.DisputeResolved(id, false, 0, 0, BOND, 0);
        disputes.resolve(id);
        vm.assertEq(registry.lockedOf(provider), 0);
    }

    function test_resolve_revertsWhenDisputeNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IDisputes.DisputeNotFound.selector, 3));
        disputes.resolve(3);
    }

    function test_resolve_revertsWhenNotResolvableUndrawn() public {
        uint256 id = _open(challenger, provider, 5 ether);
        uint64 at = uint64(block.timestamp + 2 * VOTING);
        vm.warp(at - 1);
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotResolvable.selector, id, at));
        disputes.resolve(id);
    }

    function test_resolve_revertsWhenNotResolvableVotesMissing() public {
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        vm.prank(_member(id, 0));
        disputes.vote(id, true);
        uint64 ends = disputes.getDispute(id).votingEnds;
        vm.expectRevert(abi.encodeWithSelector(IDisputes.NotResolvable.selector, id, ends));
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
        IDisputes.Params memory p = _params();
        p.committeeSize = 1;
        vm.prank(owner);
        disputes.setParams(p);
        uint256 id = _open(challenger, provider, 5 ether);
        _draw(id);
        address m0 = _member(id, 0);
        vm.prank(m0);
        disputes.vote(id, false);
        disputes.resolve(id);
        uint64 ends = disputes.getDispute(id).votingEnds;
        vm.expectRevert(abi.encodeWithSelector(IDisputes.VotingClosed.selector, id, ends));
        vm.prank(m0);
        disputes.vote(id, true);
    }

    function test_resolve_slashesWhatIsLeftWhenAnEarlierSlashTookStake() public {
        address other = makeAddr("otherChallenger");
        uint256 id = _open(challenger, provider, 5 ether); // locks 500
        _draw(id);
        _voteAll(id, true);
        // Another dispute's slash (Disputes is the only slasher) took most of the stake first.
        vm.prank(address(disputes));
        registry.slash(provider, PROVIDER_STAKE - 100 ether, other); // 100 left
        disputes.resolve(id);
        (uint256 staked, uint256 unbonding) = _stakeOf(provider);
        vm.assertEq(staked + unbonding, 0);
        vm.assertEq(token.balanceOf(address(disputes)), 0);
    }

    // ================================================================= fuzz

    /// @dev The locked slash is slashBps of stake + unbonding, never more than what is not locked yet.
    function testFuzz_openDispute_slashAmount(uint256 stakeAmount, uint256 unbonding, uint16 slashBps, uint8 count)
        public
    {
        stakeAmount = bound(stakeAmount, MIN_STAKE, 1e9 ether);
        unbonding = bound(unbonding, 0, 1e9 ether);
        slashBps = uint16(bound(slashBps, 1, 5000));
        count = uint8(bound(count, 1, 6));
        IDisputes.Params memory p = _params();
        p.slashBps = slashBps;
        vm.prank(owner);
        disputes.setParams(p);
        address prov = _provider("fuzzProvider", stakeAmount + unbonding);
        if (unbonding != 0) {
            vm.prank(prov);
            registry.requestUnstake(unbonding);
        }
        uint256 held = stakeAmount + unbonding;
        uint256 lockedSum;
        for (uint256 i; i < count; ++i) {
            uint256 expected = held * slashBps / BPS;
            if (expected > held - lockedSum) expected = held - lockedSum;
            if (expected == 0) {
                IDisputes.Receipt memory r = _receipt(prov, i + 1);
                bytes memory sig = _signReceipt(keyOf[prov], r);
                vm.expectRevert(abi.encodeWithSelector(IDisputes.StakeFullyCommitted.selector, prov));
                vm.prank(challenger);
                disputes.openDispute(r, sig, REQUEST, RESPONSE);
                break;
            }
            uint256 id = _open(challenger, prov, i + 1);
            vm.assertEq(disputes.getDispute(id).slashAmount, expected);
            lockedSum += expected;
            vm.assertEq(registry.lockedOf(prov), lockedSum);
            vm.assertLe(lockedSum, held);
        }
    }

    /// @dev Guilty: what leaves the provider is exactly the locked slash, split between challenger and burn.
    function testFuzz_resolve_guiltySplitsTheSlashExactly(uint256 stakeAmount, uint16 rewardBps, uint16 slashBps)
        public
    {
        stakeAmount = bound(stakeAmount, MIN_STAKE, 1e9 ether);
        rewardBps = uint16(bound(rewardBps, 0, 10_000));
        slashBps = uint16(bound(slashBps, 1, 5000));
        IDisputes.Params memory p = _params();
        p.challengerRewardBps = rewardBps;
        p.slashBps = slashBps;
        vm.prank(owner);
        disputes.setParams(p);
        address prov = _provider("fuzzProvider", stakeAmount);
        uint256 id = _open(challenger, prov, 1 ether);
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

    /// @dev Every draw is committeeSize distinct eligible validators (or all of them when fewer).
    function testFuzz_drawCommittee_distinctEligibleMembers(uint256 seedBlocks, uint8 size) public {
        seedBlocks = bound(seedBlocks, 2, 250);
        size = uint8(bound(size, 1, 21));
        IDisputes.Params memory p = _params();
        p.committeeSize = size;
        vm.prank(owner);
        disputes.setParams(p);
        _give(v2, BOND);
        vm.prank(v2);
        token.approve(address(disputes), BOND);
        uint256 id = _open(v2, provider, 1 ether);
        vm.roll(block.number + seedBlocks);
        disputes.drawCommittee(id);
        address[] memory members = disputes.committeeOf(id);
        vm.assertEq(members.length, size < 3 ? size : 3);
        for (uint256 i; i < members.length; ++i) {
            vm.assertTrue(members[i] == v1 || members[i] == v3 || members[i] == v4);
            for (uint256 j; j < i; ++j) {
                vm.assertTrue(members[i] != members[j]);
            }
        }
    }
}
