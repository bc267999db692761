// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JobsBase, TestConsumer} from "./utils/JobsBase.sol";
import {JobCodec} from "../src/JobCodec.sol";
import {QuestionOracle} from "../src/examples/QuestionOracle.sol";
import {InferMeshConsumer} from "../src/InferMeshConsumer.sol";
import {IJobCoordinator} from "../src/interfaces/IJobCoordinator.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice Unit and fuzz tests of JobCoordinator on the real stack (Registry, Payments, Disputes, ModelRegistry).
contract JobCoordinatorTest is JobsBase {
    address internal alice;
    JobCodec internal codec;

    function setUp() public override {
        super.setUp();
        alice = _jobProvider("alice", MIN_STAKE);
        codec = coordinator.codec();
        // A draw reads the block before the request: requests come in a later block than the enrollment.
        vm.roll(block.number + 1);
    }

    // ------------------------------------------------------------- request

    function test_request_escrowsAndRecordsTheJob() public {
        uint256 before = token.balanceOf(requester);
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        vm.assertEq(jobId, 1);
        vm.assertEq(coordinator.jobCount(), 1);
        vm.assertEq(token.balanceOf(requester), before - MAX_PAYMENT);
        vm.assertEq(token.balanceOf(address(coordinator)), MAX_PAYMENT + JOB_BOND);
        vm.assertEq(job.requester, requester);
        vm.assertEq(uint8(job.status), uint8(IJobCoordinator.Status.Requested));
        vm.assertEq(job.requestBlock, block.number);
        vm.assertEq(job.drawBlock, block.number + JOB_DRAW_DELAY);
        vm.assertEq(job.deadline, block.timestamp + TTL);
        vm.assertEq(job.inputLength, INPUT.length);
        vm.assertEq(job.maxPayment, MAX_PAYMENT);
        vm.assertEq(job.requestHash, keccak256(coordinator.requestBytes(jobId, INPUT)));
    }

    function test_requestBytes_isTheCanonicalJsonOfTheChatRequest() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        vm.assertEq(
            string(coordinator.requestBytes(jobId, INPUT)),
            string.concat(
                '{"body":{"max_tokens":16,"messages":[{"content":"What is 2+2?","role":"user"}],"model":"',
                _hex(MODEL),
                '","seed":42,"temperature":0},"kind":"chat"}'
            )
        );
    }

    function test_temperature_isTheShortestDecimal() public view {
        vm.assertEq(string(codec.temperature(0)), "0");
        vm.assertEq(string(codec.temperature(5)), "0.005");
        vm.assertEq(string(codec.temperature(50)), "0.05");
        vm.assertEq(string(codec.temperature(700)), "0.7");
        vm.assertEq(string(codec.temperature(1000)), "1");
        vm.assertEq(string(codec.temperature(1250)), "1.25");
        vm.assertEq(string(codec.temperature(1999)), "1.999");
        vm.assertEq(string(codec.temperature(2000)), "2");
    }

    function test_requestBytes_revertsForAnotherInput() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        bytes32 requestHash = coordinator.getJob(jobId).requestHash;
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.InputMismatch.selector, jobId, requestHash));
        coordinator.requestBytes(jobId, bytes('[{"content":"What is 3+3?","role":"user"}]'));
    }

    function test_request_revertsOnEveryBadField() public {
        IJobCoordinator.JobRequest memory job = _jobRequest(MAX_PAYMENT, 0);
        job.input = "";
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidInput.selector, 0, 16_384));
        job = _jobRequest(MAX_PAYMENT, 0);
        job.input = new bytes(16_385);
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidInput.selector, 16_385, 16_384));
        job = _jobRequest(MAX_PAYMENT, 0);
        job.maxTokens = 0;
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidMaxTokens.selector, 0, 4096));
        job.maxTokens = 4097;
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidMaxTokens.selector, 4097, 4096));
        job = _jobRequest(MAX_PAYMENT, 0);
        job.temperatureMilli = 2001;
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidTemperature.selector, 2001));
        job = _jobRequest(MAX_PAYMENT, 0);
        job.seed = 2 ** 53;
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidSeed.selector, 2 ** 53));
        job = _jobRequest(0, 0);
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.ZeroAmount.selector));
        job = _jobRequest(MAX_PAYMENT, 2_500_001);
        _expectRequestRevert(
            job, abi.encodeWithSelector(IJobCoordinator.InvalidCallbackGas.selector, 2_500_001, 2_500_000)
        );
        job = _jobRequest(MAX_PAYMENT, 0);
        job.ttl = 59;
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidTtl.selector, 59));
        job.ttl = 30 days + 1;
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.InvalidTtl.selector, 30 days + 1));
        job = _jobRequest(MAX_PAYMENT, 0);
        job.modelId = keccak256("unknown");
        _expectRequestRevert(job, abi.encodeWithSelector(IJobCoordinator.UnknownModel.selector, job.modelId));
    }

    function _expectRequestRevert(IJobCoordinator.JobRequest memory job, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(requester);
        coordinator.request(job);
    }

    // -------------------------------------------------------------- assign

    function test_assign_revertsUntilTheDrawBlockIsOver() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        uint64 drawBlock = coordinator.getJob(jobId).drawBlock;
        vm.roll(drawBlock);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.DrawNotReady.selector, jobId, drawBlock));
        coordinator.assign(jobId);
    }

    function test_assign_assignsTheEnrolledProviderWithItsPrices() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        vm.assertEq(_assign(jobId), alice);
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        vm.assertEq(uint8(job.status), uint8(IJobCoordinator.Status.Assigned));
        vm.assertEq(job.attempts, 1);
        vm.assertEq(job.assignedAt, block.timestamp);
        vm.assertEq(job.respondBy, block.timestamp + RESPONSE_WINDOW);
        vm.assertEq(job.pricePerMInput, PRICE_IN);
        vm.assertEq(job.pricePerMOutput, PRICE_OUT);
        vm.assertEq(jobProviders.openJobsOf(alice), 1);
    }

    function test_assign_rearmsAStaleBlockhash() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        vm.roll(block.number + 300);
        coordinator.assign(jobId);
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        vm.assertEq(uint8(job.status), uint8(IJobCoordinator.Status.Requested));
        vm.assertEq(job.drawBlock, block.number + JOB_DRAW_DELAY);
        vm.assertEq(job.attempts, 0);
        vm.assertEq(_assign(jobId), alice);
    }

    function test_assign_skipsAProviderWhoseOfferIsTooDear() public {
        address dear = _provider("dear", 100 * MIN_STAKE);
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](1);
        offers[0] = IRegistry.Offer(MODEL, 1000 ether, 1000 ether);
        vm.prank(dear);
        registry.setOffers(offers);
        _enroll(dear);
        vm.roll(block.number + 1);
        // dear holds 99% of the weight, but its worst case (about 1 MESH) is over the 0.01 MESH maximum.
        for (uint256 i; i < 5; ++i) {
            uint256 jobId = _request(requester, MAX_PAYMENT, 0);
            address assigned = _assign(jobId);
            vm.assertTrue(assigned == alice || assigned == address(0));
            vm.assertTrue(assigned != dear);
        }
    }

    function test_assign_refundsAJobNoProviderCanTakeAfterMaxAttempts() public {
        vm.prank(alice);
        coordinator.unenroll();
        uint256 before = token.balanceOf(requester);
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        for (uint256 i; i < MAX_ATTEMPTS; ++i) {
            vm.assertEq(_assign(jobId), address(0));
        }
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        vm.assertEq(uint8(job.status), uint8(IJobCoordinator.Status.Refunded));
        vm.assertEq(job.attempts, MAX_ATTEMPTS);
        vm.assertEq(token.balanceOf(requester), before);
        vm.expectRevert(
            abi.encodeWithSelector(IJobCoordinator.WrongStatus.selector, jobId, IJobCoordinator.Status.Refunded)
        );
        coordinator.assign(jobId);
    }

    function test_decline_redrawsWithoutTheDeclinerAndWithoutPenalty() public {
        address bob = _jobProvider("bob", MIN_STAKE);
        vm.roll(block.number + 1);
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        address first = _assign(jobId);
        vm.prank(first);
        coordinator.decline(jobId);
        vm.assertEq(coordinator.bondOf(first), JOB_BOND);
        vm.assertEq(jobProviders.openJobsOf(first), 0);
        address second = _assign(jobId);
        vm.assertEq(second, first == alice ? bob : alice);
        vm.assertEq(coordinator.getJob(jobId).attempts, 2);
        vm.assertEq(coordinator.excludedOf(jobId)[0], first);
    }

    function test_decline_onlyByTheAssignedProvider() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotAssignedProvider.selector, jobId, stranger));
        vm.prank(stranger);
        coordinator.decline(jobId);
    }

    // ------------------------------------------------------------- deliver and settle

    function test_deliverAndSettle_payTheProviderThroughPaymentsAndRefundTheRest() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        IDisputes.Receipt memory receipt = _deliver(jobId, OUTPUT);
        uint256 cost = _cost(20, 1);
        vm.assertEq(receipt.cost, cost);
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        vm.assertEq(uint8(job.status), uint8(IJobCoordinator.Status.Delivered));
        vm.assertEq(job.cost, cost);
        vm.assertEq(job.receiptDigest, disputes.hashReceipt(receipt));
        vm.assertEq(jobProviders.openJobsOf(alice), 0);

        uint256 requesterBefore = token.balanceOf(requester);
        uint256 aliceBefore = token.balanceOf(alice);
        uint256 burnBefore = payments.pendingBurn();
        _settle(jobId);
        (uint256 burned, uint256 royalty, uint256 toProvider) = _split(cost);
        vm.assertEq(token.balanceOf(alice) - aliceBefore, toProvider);
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), royalty);
        vm.assertEq(payments.pendingBurn() - burnBefore, burned);
        vm.assertEq(payments.workOf(payments.currentEpoch(), alice), cost);
        vm.assertEq(token.balanceOf(requester) - requesterBefore, MAX_PAYMENT - cost);
        vm.assertEq(token.balanceOf(address(coordinator)), JOB_BOND);
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Settled));
        vm.expectRevert(
            abi.encodeWithSelector(IJobCoordinator.WrongStatus.selector, jobId, IJobCoordinator.Status.Settled)
        );
        coordinator.settle(jobId);
    }

    function test_settle_revertsInsideTheDisputeWindow() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        _deliver(jobId, OUTPUT);
        uint64 endsAt = uint64(block.timestamp) + DISPUTE_WINDOW;
        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.DisputeWindowOpen.selector, jobId, endsAt));
        coordinator.settle(jobId);
    }

    function test_deliver_callsTheConsumerBackWithTheOutput() public {
        TestConsumer consumer = _consumer();
        uint256 jobId = consumer.requestJob(_jobRequest(MAX_PAYMENT, 200_000));
        _assign(jobId);
        IDisputes.Receipt memory receipt = _deliver(jobId, OUTPUT);
        vm.assertEq(consumer.calls(), 1);
        vm.assertEq(consumer.lastJobId(), jobId);
        vm.assertEq(consumer.lastOutput(), OUTPUT);
        vm.assertEq(consumer.lastResponseHash(), receipt.responseHash);
    }

    function test_deliver_rejectsEveryReceiptField() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        IDisputes.Receipt memory good = _jobReceipt(jobId, OUTPUT, 20, 1);
        IDisputes.Receipt memory r = _copy(good);
        r.requestHash = keccak256("other");
        _expectMismatch(jobId, r, "requestHash");
        r = _copy(good);
        r.responseHash = keccak256("other");
        _expectMismatch(jobId, r, "responseHash");
        r = _copy(good);
        r.modelId = keccak256("other");
        _expectMismatch(jobId, r, "modelId");
        r = _copy(good);
        r.payer = requester;
        _expectMismatch(jobId, r, "payer");
        r = _copy(good);
        r.outputTokens = 17;
        r.cost = _cost(20, 17);
        r.cumulativeAmount = r.cost;
        _expectMismatch(jobId, r, "outputTokens");
        r = _copy(good);
        r.inputTokens = uint64(INPUT.length + 1025);
        _expectMismatch(jobId, r, "inputTokens");
        r = _copy(good);
        r.cost += 1;
        r.cumulativeAmount = r.cost;
        _expectMismatch(jobId, r, "cost");
        r = _copy(good);
        r.cumulativeAmount += 1;
        _expectMismatch(jobId, r, "cumulativeAmount");
        r = _copy(good);
        r.servedAt = uint64(block.timestamp + 1);
        _expectMismatch(jobId, r, "servedAt");
        r = _copy(good);
        r.servedAt = coordinator.getJob(jobId).assignedAt - 1;
        _expectMismatch(jobId, r, "servedAt");
        // A receipt signed by someone else.
        bytes memory signature = _signReceipt(0xBEEF, good);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.BadReceiptSignature.selector, jobId));
        vm.prank(alice);
        coordinator.deliver(jobId, OUTPUT, good, signature);
        // Too long an output: 64 bytes per max token.
        bytes memory long = new bytes(16 * 64 + 1);
        r = _jobReceipt(jobId, long, 20, 1);
        signature = _signReceipt(keyOf[alice], r);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.OutputTooLarge.selector, 16 * 64 + 1, 16 * 64));
        vm.prank(alice);
        coordinator.deliver(jobId, long, r, signature);
        // The good one passes.
        _deliverReceipt(jobId, OUTPUT, good);
    }

    function test_deliver_onlyByTheAssignedProviderBeforeRespondBy() public {
        address bob = _provider("bob", MIN_STAKE);
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        IDisputes.Receipt memory r = _jobReceipt(jobId, OUTPUT, 20, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotAssignedProvider.selector, jobId, bob));
        vm.prank(bob);
        coordinator.deliver(jobId, OUTPUT, r, "");
        uint64 respondBy = coordinator.getJob(jobId).respondBy;
        vm.warp(respondBy + 1);
        r = _jobReceipt(jobId, OUTPUT, 20, 1);
        bytes memory signature = _signReceipt(keyOf[alice], r);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.DeadlinePassed.selector, jobId, respondBy));
        vm.prank(alice);
        coordinator.deliver(jobId, OUTPUT, r, signature);
    }

    // ------------------------------------------------------------- cancel

    function test_cancel_refundsAnUnassignedJobAfterItsDeadlineOnly() public {
        vm.prank(alice);
        coordinator.unenroll();
        uint256 before = token.balanceOf(requester);
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        uint64 deadline = coordinator.getJob(jobId).deadline;
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.DeadlineNotPassed.selector, jobId, deadline));
        coordinator.cancel(jobId);
        vm.warp(deadline + 1);
        vm.prank(stranger);
        coordinator.cancel(jobId);
        vm.assertEq(token.balanceOf(requester), before);
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Refunded));
    }

    // ------------------------------------------------------------- providers

    function test_enroll_refusesWhatCannotServe() public {
        bytes32[] memory modelIds = new bytes32[](1);
        modelIds[0] = MODEL;
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotEnrollable.selector, stranger, bytes32(0)));
        vm.prank(stranger);
        coordinator.enroll(modelIds, 0);

        address bob = _provider("bob", MIN_STAKE);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.BondTooLow.selector, 0, JOB_BOND));
        vm.prank(bob);
        coordinator.enroll(modelIds, 0);

        bytes32[] memory other = new bytes32[](1);
        other[0] = keccak256("other");
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotEnrollable.selector, bob, other[0]));
        vm.prank(bob);
        coordinator.enroll(other, 0);

        bytes32[] memory twice = new bytes32[](2);
        (twice[0], twice[1]) = (MODEL, MODEL);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotEnrollable.selector, bob, MODEL));
        vm.prank(bob);
        coordinator.enroll(twice, 0);

        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.TooManyModels.selector, 9, 8));
        vm.prank(bob);
        coordinator.enroll(new bytes32[](9), 0);
    }

    function test_enroll_weighsTheRegistryStakeFromThisBlockOn() public {
        uint48 enrolledAt = uint48(block.number - 1);
        vm.assertEq(coordinator.weightAt(MODEL, alice, enrolledAt), MIN_STAKE);
        vm.assertEq(coordinator.weightAt(MODEL, alice, enrolledAt - 1), 0);
        vm.assertEq(coordinator.enrolledModels(alice)[0], MODEL);
        vm.assertEq(coordinator.bondOf(alice), JOB_BOND);
        vm.roll(block.number + 1);
        _stake(alice, MIN_STAKE);
        coordinator.sync(alice);
        vm.assertEq(coordinator.weightAt(MODEL, alice, uint48(block.number)), 2 * MIN_STAKE);
        vm.assertEq(coordinator.weightAt(MODEL, alice, uint48(block.number - 1)), MIN_STAKE);
        vm.prank(alice);
        coordinator.unenroll();
        vm.assertEq(coordinator.weightAt(MODEL, alice, uint48(block.number)), 0);
        vm.assertEq(coordinator.enrolledModels(alice).length, 0);
    }

    function test_withdrawBond_waitsForOpenJobsThenUnenrollsAndPays() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.HasOpenJob.selector, alice, jobId));
        vm.prank(alice);
        coordinator.withdrawBond();
        _deliver(jobId, OUTPUT);
        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        coordinator.withdrawBond();
        vm.assertEq(token.balanceOf(alice) - before, JOB_BOND);
        vm.assertEq(coordinator.bondOf(alice), 0);
        vm.assertEq(coordinator.enrolledModels(alice).length, 0);
        vm.expectRevert(IJobCoordinator.ZeroAmount.selector);
        vm.prank(alice);
        coordinator.withdrawBond();
    }

    // --------------------------------------------------------- subscriptions

    function test_subscription_triggersEveryIntervalAndRefundsUntriggeredRounds() public {
        uint256 before = token.balanceOf(requester);
        vm.prank(requester);
        uint256 id = coordinator.subscribe(_jobRequest(MAX_PAYMENT, 0), 10, 3);
        vm.assertEq(token.balanceOf(requester), before - 3 * MAX_PAYMENT);
        uint256 first = coordinator.trigger(id);
        vm.assertEq(coordinator.getJob(first).subscriptionId, id);
        vm.assertEq(coordinator.getJob(first).requester, requester);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotDue.selector, id, uint64(block.number + 10)));
        coordinator.trigger(id);
        vm.roll(block.number + 10);
        uint256 second = coordinator.trigger(id);
        vm.assertEq(
            coordinator.getJob(second).requestHash, coordinator.getJob(first).requestHash, "same template, same request"
        );
        IJobCoordinator.Subscription memory s = coordinator.getSubscription(id);
        vm.assertEq(s.remaining, 1);
        vm.assertEq(s.template_.input, INPUT);
        vm.assertEq(s.inputHash, keccak256(INPUT));
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NotRequester.selector, id, stranger));
        vm.prank(stranger);
        coordinator.cancelSubscription(id);
        vm.prank(requester);
        coordinator.cancelSubscription(id);
        vm.assertEq(token.balanceOf(requester), before - 2 * MAX_PAYMENT);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.NoRoundsLeft.selector, id));
        coordinator.trigger(id);
        vm.assertEq(token.balanceOf(address(coordinator)), 2 * MAX_PAYMENT + JOB_BOND);
    }

    // ---------------------------------------------------------------- owner

    function test_setParams_onlyOwnerWithinBounds() public {
        IJobCoordinator.Params memory p = _jobParams();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        coordinator.setParams(p);
        p.missPenalty = JOB_BOND + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobCoordinator.ParameterOutOfRange.selector, "missPenalty", JOB_BOND + 1, 0, JOB_BOND
            )
        );
        vm.prank(owner);
        coordinator.setParams(p);
        p = _jobParams();
        p.maxAttempts = 17;
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ParameterOutOfRange.selector, "maxAttempts", 17, 1, 16));
        vm.prank(owner);
        coordinator.setParams(p);
        p = _jobParams();
        p.responseWindow = 59;
        vm.expectRevert(
            abi.encodeWithSelector(IJobCoordinator.ParameterOutOfRange.selector, "responseWindow", 59, 60, 1 days)
        );
        vm.prank(owner);
        coordinator.setParams(p);
        p = _jobParams();
        p.drawDelay = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ParameterOutOfRange.selector, "drawDelay", 0, 1, 255));
        vm.prank(owner);
        coordinator.setParams(p);
        p = _jobParams();
        p.jobBond = 20 ether;
        vm.prank(owner);
        coordinator.setParams(p);
        vm.assertEq(coordinator.params().jobBond, 20 ether);
    }

    // -------------------------------------------------------- QuestionOracle

    function test_questionOracle_asksWithTheAskersMeshAndStoresTheAnswer() public {
        QuestionOracle oracle = new QuestionOracle(coordinator);
        vm.prank(requester);
        token.approve(address(oracle), MAX_PAYMENT);
        uint256 before = token.balanceOf(requester);
        vm.prank(requester);
        uint256 jobId = oracle.ask(MODEL, "Say \"hi\"\tthen\nstop \\ ok", 16, MAX_PAYMENT);
        vm.assertEq(token.balanceOf(requester), before - MAX_PAYMENT);
        // The question is escaped as JSON.stringify does, inside canonical chat messages.
        bytes memory expectedInput = bytes(
            '[{"content":"Answer the question in one short paragraph.","role":"system"},{"content":"Say \\"hi\\"\\tthen\\nstop \\\\ ok","role":"user"}]'
        );
        vm.assertEq(coordinator.getJob(jobId).requestHash, keccak256(coordinator.requestBytes(jobId, expectedInput)));
        vm.assertEq(coordinator.getJob(jobId).callbackGasLimit, 80_000 + 3_000 * 16);
        _assign(jobId);
        IDisputes.Receipt memory r = _deliver(jobId, bytes("hi"));
        QuestionOracle.Question memory q = oracle.answerOf(jobId);
        vm.assertEq(q.asker, requester);
        vm.assertEq(q.answer, "hi");
        vm.assertEq(q.provider, alice);
        vm.assertEq(q.receiptDigest, disputes.hashReceipt(r));
        vm.assertEq(oracle.questionCount(), 1);
        // The unspent escrow comes back to the oracle's pool.
        _settle(jobId);
        vm.assertEq(token.balanceOf(address(oracle)), MAX_PAYMENT - r.cost);
    }

    function test_questionOracle_paysFromItsPoolAndRefusesBadQuestions() public {
        QuestionOracle oracle = new QuestionOracle(coordinator);
        _give(address(oracle), MAX_PAYMENT);
        vm.prank(stranger);
        uint256 jobId = oracle.ask(MODEL, "Why?", 8, MAX_PAYMENT);
        vm.assertEq(token.balanceOf(address(oracle)), 0);
        vm.assertEq(coordinator.getJob(jobId).requester, address(oracle));
        vm.expectRevert(abi.encodeWithSelector(QuestionOracle.UnsupportedCharacter.selector, 3));
        oracle.ask(MODEL, "bad\x01", 8, MAX_PAYMENT);
        vm.expectRevert(QuestionOracle.EmptyQuestion.selector);
        oracle.ask(MODEL, "", 8, MAX_PAYMENT);
        vm.expectRevert(abi.encodeWithSelector(QuestionOracle.InvalidMaxTokens.selector, 513, 512));
        oracle.ask(MODEL, "Why?", 513, MAX_PAYMENT);
        IDisputes.Receipt memory forged = _jobReceipt(jobId, "forged", 1, 1);
        vm.expectRevert(abi.encodeWithSelector(InferMeshConsumer.NotCoordinator.selector, stranger));
        vm.prank(stranger);
        oracle.onInferenceResult(jobId, "forged", forged);
    }

    // ----------------------------------------------------------------- fuzz

    /// @notice Any token counts within the bounds cost exactly their price, and the escrow splits to the wei.
    function testFuzz_deliverAndSettle_splitsTheEscrowToTheWei(uint64 inputTokens, uint64 outputTokens) public {
        inputTokens = uint64(bound(inputTokens, 0, INPUT.length + 1024));
        outputTokens = uint64(bound(outputTokens, 0, 16));
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        IDisputes.Receipt memory r = _jobReceipt(jobId, OUTPUT, inputTokens, outputTokens);
        _deliverReceipt(jobId, OUTPUT, r);
        uint256 supplyBefore = token.balanceOf(requester) + token.balanceOf(alice) + token.balanceOf(address(payments))
            + token.balanceOf(address(coordinator));
        _settle(jobId);
        uint256 cost = _cost(inputTokens, outputTokens);
        (uint256 burned, uint256 royalty, uint256 toProvider) = _split(cost);
        vm.assertEq(burned + royalty + toProvider, cost);
        vm.assertEq(
            token.balanceOf(requester) + token.balanceOf(alice) + token.balanceOf(address(payments))
                + token.balanceOf(address(coordinator)),
            supplyBefore,
            "nothing left these four accounts (the burn is only booked)"
        );
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), royalty);
        vm.assertEq(token.balanceOf(address(coordinator)), JOB_BOND);
    }

    /// @notice The temperature text reads back as milli / 1000, without a trailing zero.
    function testFuzz_temperature_readsBackExactly(uint16 milli) public view {
        milli = uint16(bound(milli, 0, 2000));
        bytes memory text = codec.temperature(milli);
        uint256 value;
        uint256 decimals;
        bool point;
        for (uint256 i; i < text.length; ++i) {
            if (text[i] == ".") {
                point = true;
                continue;
            }
            value = value * 10 + (uint8(text[i]) - 48);
            if (point) ++decimals;
        }
        vm.assertEq(value * 10 ** (3 - decimals), milli);
        if (point) vm.assertTrue(text[text.length - 1] != "0", "no trailing zero");
    }

    // -------------------------------------------------------------- helpers

    function _consumer() internal returns (TestConsumer consumer) {
        consumer = new TestConsumer(coordinator);
        _give(address(consumer), 10 ether);
    }

    function _copy(IDisputes.Receipt memory r) internal pure returns (IDisputes.Receipt memory c) {
        c = IDisputes.Receipt(
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
        );
    }

    function _expectMismatch(uint256 jobId, IDisputes.Receipt memory r, string memory field) internal {
        bytes memory signature = _signReceipt(keyOf[r.provider], r);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ReceiptMismatch.selector, jobId, field));
        vm.prank(r.provider);
        coordinator.deliver(jobId, OUTPUT, r, signature);
    }

    function _hex(bytes32 value) internal pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory out = new bytes(66);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i; i < 32; ++i) {
            out[2 + 2 * i] = digits[uint8(value[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(value[i]) & 15];
        }
        return string(out);
    }
}
