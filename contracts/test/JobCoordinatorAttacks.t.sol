// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JobsBase, TestConsumer} from "./utils/JobsBase.sol";
import {IJobCoordinator} from "../src/interfaces/IJobCoordinator.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {IRegistry} from "../src/interfaces/IRegistry.sol";

/// @notice Attacks on JobCoordinator, each named after the attack, on the real stack (the dispute test
/// runs the real Disputes flow: validators drawn by stake, commit-reveal, resolve).
contract JobCoordinatorAttacksTest is JobsBase {
    address internal alice;
    address internal bob;

    function setUp() public override {
        super.setUp();
        alice = _jobProvider("alice", MIN_STAKE);
        bob = _jobProvider("bob", MIN_STAKE);
        vm.roll(block.number + 1);
    }

    /// @notice Stake and enrollments changed once the request is known (even in the draw's own block,
    /// after the seed is public) do not move the draw: it reads the trees as of the block before the request.
    function test_grindingStakeAfterRequestChangesNothing() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        IJobCoordinator.Job memory job = coordinator.getJob(jobId);
        vm.roll(job.drawBlock + 1);
        bytes32 seed = keccak256(abi.encode(blockhash(job.drawBlock), jobId, uint256(0)));
        address[] memory before = jobProviders.draw(MODEL, uint48(job.requestBlock - 1), seed, 4, new address[](0));
        // The loser grinds: a 100x stake synced, and a fresh whale enrolled, in the draw's block.
        address loser = before[0] == alice ? bob : alice;
        _stake(loser, 100 * MIN_STAKE);
        coordinator.sync(loser);
        address whale = _jobProvider("whale", 1000 * MIN_STAKE);
        vm.assertEq(coordinator.weightAt(MODEL, loser, uint48(block.number)), 101 * MIN_STAKE);
        vm.assertEq(coordinator.weightAt(MODEL, whale, uint48(block.number)), 1000 * MIN_STAKE);
        address[] memory afterGrind = jobProviders.draw(MODEL, uint48(job.requestBlock - 1), seed, 4, new address[](0));
        vm.assertEq(afterGrind.length, 2, "the whale is not in the snapshot");
        vm.assertEq(afterGrind[0], before[0]);
        coordinator.assign(jobId);
        vm.assertEq(coordinator.getJob(jobId).provider, before[0]);
    }

    /// @notice A provider that sends the delivery with too little gas for the callback is refused whole;
    /// with enough, the callback gets what it asked for.
    function test_providerCannotStarveCallbackGas() public {
        TestConsumer consumer = _consumer();
        uint32 callbackGas = 500_000;
        uint256 jobId = consumer.requestJob(_jobRequest(MAX_PAYMENT, callbackGas));
        _assign(jobId);
        IDisputes.Receipt memory r = _jobReceipt(jobId, OUTPUT, 20, 1);
        bytes memory call_ =
            abi.encodeCall(IJobCoordinator.deliver, (jobId, OUTPUT, r, _signReceipt(keyOf[r.provider], r)));
        vm.prank(r.provider);
        (bool ok, bytes memory ret) = address(coordinator).call{gas: 400_000}(call_);
        vm.assertFalse(ok);
        vm.assertEq(bytes4(ret), IJobCoordinator.InsufficientCallbackGas.selector);
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Assigned));
        vm.prank(r.provider);
        (ok,) = address(coordinator).call{gas: 1_000_000}(call_);
        vm.assertTrue(ok);
        vm.assertEq(consumer.calls(), 1);
        // What the callback saw on entry: its limit less the dispatch and the onlyCoordinator check.
        vm.assertGt(consumer.gasAtEntry(), callbackGas - 5000);
        vm.assertLe(consumer.gasAtEntry(), callbackGas);
    }

    /// @notice A consumer that reverts in its callback cannot refuse the delivery or the pay.
    function test_revertingCallbackStillPays() public {
        TestConsumer consumer = _consumer();
        consumer.setMode(TestConsumer.Mode.Revert);
        _deliveredAndPaidDespite(consumer, 200_000, false);
    }

    /// @notice A callback that burns all its gas cannot block the delivery either.
    function test_gasBurningCallbackStillPays() public {
        TestConsumer consumer = _consumer();
        consumer.setMode(TestConsumer.Mode.BurnGas);
        _deliveredAndPaidDespite(consumer, 1_000_000, false);
    }

    /// @notice A callback that returns 200 kB costs the delivery nothing: no return data is copied.
    function test_returnBombCallbackCannotBlockDelivery() public {
        TestConsumer consumer = _consumer();
        consumer.setMode(TestConsumer.Mode.ReturnBomb);
        // The callee's RETURN succeeds; what matters is that the coordinator never copies it.
        uint256 used = _deliveredAndPaidDespite(consumer, 300_000, true);
        // The callback's 300k plus the delivery's own work (~150k), never the cost of copying 200 kB.
        vm.assertLt(used, 500_000);
    }

    function test_deliverTwiceReverts() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        _assign(jobId);
        IDisputes.Receipt memory r = _deliver(jobId, OUTPUT);
        bytes memory signature = _signReceipt(keyOf[r.provider], r);
        vm.expectRevert(
            abi.encodeWithSelector(IJobCoordinator.WrongStatus.selector, jobId, IJobCoordinator.Status.Delivered)
        );
        vm.prank(r.provider);
        coordinator.deliver(jobId, OUTPUT, r, signature);
        vm.assertEq(jobProviders.openJobsOf(r.provider), 0);
    }

    /// @notice A receipt signed for another job (or for an HTTP request of another payer) cannot deliver this one.
    function test_receiptForOtherJobRejected() public {
        IJobCoordinator.JobRequest memory other = _jobRequest(MAX_PAYMENT, 0);
        other.input = bytes('[{"content":"What is 3+3?","role":"user"}]');
        vm.prank(alice);
        coordinator.unenroll();
        uint256 first = _request(requester, MAX_PAYMENT, 0);
        vm.prank(requester);
        uint256 second = coordinator.request(other);
        vm.assertEq(_assign(first), bob);
        vm.assertEq(_assign(second), bob);
        IDisputes.Receipt memory forFirst = _jobReceipt(first, OUTPUT, 20, 1);
        bytes memory signature = _signReceipt(keyOf[bob], forFirst);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ReceiptMismatch.selector, second, "requestHash"));
        vm.prank(bob);
        coordinator.deliver(second, OUTPUT, forFirst, signature);
        // An HTTP receipt (another payer) with the right hashes is not a job's receipt either.
        IDisputes.Receipt memory http = _jobReceipt(second, OUTPUT, 20, 1);
        http.payer = makeAddr("payer");
        signature = _signReceipt(keyOf[bob], http);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ReceiptMismatch.selector, second, "payer"));
        vm.prank(bob);
        coordinator.deliver(second, OUTPUT, http, signature);
    }

    /// @notice Token counts above the job's bounds are refused, the most a legal receipt can cost is the
    /// worst case checked at the draw (never above maxPayment), and an offer raised after the assignment
    /// does not raise the job's price.
    function test_inflatedTokenCountCostCapped() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        address provider = _assign(jobId);
        uint64 inputBound = uint64(INPUT.length + 1024);
        IDisputes.Receipt memory r = _jobReceipt(jobId, OUTPUT, inputBound + 1, 1);
        _expectMismatch(jobId, r, "inputTokens");
        r = _jobReceipt(jobId, OUTPUT, 20, 17);
        _expectMismatch(jobId, r, "outputTokens");
        // The provider raises its prices 1000x after the assignment: a receipt at the new prices is refused.
        IRegistry.Offer[] memory offers = new IRegistry.Offer[](1);
        offers[0] = IRegistry.Offer(MODEL, uint128(PRICE_IN * 1000), uint128(PRICE_OUT * 1000));
        vm.prank(provider);
        registry.setOffers(offers);
        r = _jobReceipt(jobId, OUTPUT, inputBound, 16);
        r.cost = (uint256(inputBound) * PRICE_IN * 1000 + 16 * PRICE_OUT * 1000 - 1) / 1e6 + 1;
        r.cumulativeAmount = r.cost;
        _expectMismatch(jobId, r, "cost");
        // The largest legal receipt costs the worst case at the assignment's prices, within maxPayment.
        r = _jobReceipt(jobId, OUTPUT, inputBound, 16);
        uint256 worst = jobProviders.worstCasePrice(INPUT.length, 16, PRICE_IN, PRICE_OUT);
        vm.assertEq(r.cost, worst);
        vm.assertLe(worst, MAX_PAYMENT);
        _deliverReceipt(jobId, OUTPUT, r);
        uint256 before = token.balanceOf(requester);
        _settle(jobId);
        vm.assertEq(token.balanceOf(requester) - before, MAX_PAYMENT - worst);
    }

    /// @notice A provider delivers a wrong answer; a challenger disputes the job's receipt with the request
    /// bytes from `requestBytes`, validators re-execute and vote guilty: the provider is slashed and the
    /// whole escrow goes back to the requester, none to the provider.
    function test_cheatingDeliveryGuiltyRefundsRequester() public {
        _validator("v1", 1000 ether);
        _validator("v2", 1000 ether);
        _validator("v3", 1000 ether);
        address challenger = _challenger("challenger", BOND);
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        address cheat = _assign(jobId);
        bytes memory wrong = bytes("5");
        IDisputes.Receipt memory r = _jobReceipt(jobId, wrong, 20, 1);
        bytes memory signature = _signReceipt(keyOf[cheat], r);
        vm.prank(cheat);
        coordinator.deliver(jobId, wrong, r, signature);

        vm.roll(block.number + 1);
        bytes memory request = coordinator.requestBytes(jobId, INPUT);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, signature, request, wrong, 0, "");
        vm.assertEq(disputes.disputeOfReceipt(coordinator.getJob(jobId).receiptDigest), id);
        // The window passes while the dispute is undecided: nobody can settle.
        vm.warp(r.servedAt + DISPUTE_WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.DisputePending.selector, jobId, id));
        coordinator.settle(jobId);

        _draw(id);
        _voteAll(id, true);
        (uint256 stakeBefore,) = _stakeOf(cheat);
        disputes.resolve(id);
        vm.assertEq(uint8(disputes.getDispute(id).outcome), uint8(IDisputes.Outcome.Guilty));
        (uint256 stakeAfter,) = _stakeOf(cheat);
        vm.assertEq(stakeBefore - stakeAfter, stakeBefore * SLASH_BPS / BPS);
        vm.assertEq(token.balanceOf(challenger), BOND, "unassigned challenger: bond back, no reward");

        uint256 requesterBefore = token.balanceOf(requester);
        uint256 cheatBefore = token.balanceOf(cheat);
        coordinator.settle(jobId);
        vm.assertEq(token.balanceOf(requester) - requesterBefore, MAX_PAYMENT);
        vm.assertEq(token.balanceOf(cheat), cheatBefore);
        vm.assertEq(payments.workOf(payments.currentEpoch(), cheat), 0);
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Refunded));
        vm.assertEq(token.balanceOf(address(coordinator)), 2 * JOB_BOND);
    }

    /// @notice A provider that sits on its assignment loses missPenalty of its bond to the requester, is
    /// unenrolled, and the job goes to another provider.
    function test_missedDeadlineReassignsAndPenalizes() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        address lazy = _assign(jobId);
        address other = lazy == alice ? bob : alice;
        uint64 respondBy = coordinator.getJob(jobId).respondBy;
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ResponseWindowOpen.selector, jobId, respondBy));
        coordinator.reassign(jobId);
        vm.warp(respondBy + 1);
        // Declining now would dodge the penalty: refused.
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.DeadlinePassed.selector, jobId, respondBy));
        vm.prank(lazy);
        coordinator.decline(jobId);
        uint256 requesterBefore = token.balanceOf(requester);
        vm.prank(stranger);
        coordinator.reassign(jobId);
        vm.assertEq(token.balanceOf(requester) - requesterBefore, MISS_PENALTY);
        vm.assertEq(coordinator.bondOf(lazy), JOB_BOND - MISS_PENALTY);
        vm.assertEq(coordinator.enrolledModels(lazy).length, 0);
        vm.assertEq(jobProviders.openJobsOf(lazy), 0);
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Requested));
        vm.assertEq(_assign(jobId), other);
        _deliver(jobId, OUTPUT);
        _settle(jobId);
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Settled));
        vm.assertEq(token.balanceOf(address(coordinator)), 2 * JOB_BOND - MISS_PENALTY);
    }

    /// @notice A callback that re-enters settle, deliver or cancel gets nothing: the guard refuses, the job
    /// settles once, later.
    function test_reentrantCallbackCannotDoubleSettle() public {
        TestConsumer.Mode[3] memory modes =
            [TestConsumer.Mode.ReenterSettle, TestConsumer.Mode.ReenterDeliver, TestConsumer.Mode.ReenterCancel];
        for (uint256 i; i < modes.length; ++i) {
            TestConsumer consumer = _consumer();
            consumer.setMode(modes[i]);
            uint256 jobId = consumer.requestJob(_jobRequest(MAX_PAYMENT, 300_000));
            _assign(jobId);
            _deliver(jobId, OUTPUT);
            vm.assertTrue(consumer.reentryFailed());
            vm.assertEq(consumer.calls(), 1);
            uint256 before = token.balanceOf(address(consumer));
            _settle(jobId);
            vm.assertEq(token.balanceOf(address(consumer)) - before, MAX_PAYMENT - _cost(20, 1));
            vm.expectRevert(
                abi.encodeWithSelector(IJobCoordinator.WrongStatus.selector, jobId, IJobCoordinator.Status.Settled)
            );
            coordinator.settle(jobId);
        }
        vm.assertEq(token.balanceOf(address(coordinator)), 2 * JOB_BOND);
    }

    /// @notice A provider drawn from the snapshot but unenrolled since is skipped (it cannot be handed a
    /// job it will not serve, then penalized for it).
    function test_unenrolledSinceTheSnapshotIsNotAssigned() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        vm.prank(alice);
        coordinator.unenroll();
        vm.assertEq(_assign(jobId), bob);
    }

    /// @notice Cancelling an assigned job after its deadline penalizes the provider that held it.
    function test_cancelAfterDeadlinePenalizesTheAssignedProvider() public {
        uint256 jobId = _request(requester, MAX_PAYMENT, 0);
        address lazy = _assign(jobId);
        vm.warp(coordinator.getJob(jobId).deadline + 1);
        uint256 before = token.balanceOf(requester);
        coordinator.cancel(jobId);
        vm.assertEq(token.balanceOf(requester) - before, MAX_PAYMENT + MISS_PENALTY);
        vm.assertEq(coordinator.bondOf(lazy), JOB_BOND - MISS_PENALTY);
    }

    // -------------------------------------------------------------- helpers

    function _consumer() internal returns (TestConsumer consumer) {
        consumer = new TestConsumer(coordinator);
        _give(address(consumer), 10 ether);
    }

    /// @dev The consumer's job is delivered (CallbackResult as given) and pays the provider; returns the gas
    /// the delivery used.
    function _deliveredAndPaidDespite(TestConsumer consumer, uint32 callbackGas, bool callbackSucceeds)
        internal
        returns (uint256 used)
    {
        uint256 jobId = consumer.requestJob(_jobRequest(MAX_PAYMENT, callbackGas));
        address provider = _assign(jobId);
        IDisputes.Receipt memory r = _jobReceipt(jobId, OUTPUT, 20, 1);
        bytes memory signature = _signReceipt(keyOf[provider], r);
        vm.expectEmit(address(coordinator));
        emit IJobCoordinator.CallbackResult(jobId, callbackSucceeds);
        vm.prank(provider);
        uint256 gasBefore = gasleft();
        coordinator.deliver{gas: callbackGas + 400_000}(jobId, OUTPUT, r, signature);
        used = gasBefore - gasleft();
        vm.assertEq(uint8(coordinator.getJob(jobId).status), uint8(IJobCoordinator.Status.Delivered));
        vm.assertEq(consumer.calls(), 0);
        uint256 before = token.balanceOf(provider);
        _settle(jobId);
        (,, uint256 toProvider) = _split(_cost(20, 1));
        vm.assertEq(token.balanceOf(provider) - before, toProvider);
    }

    function _expectMismatch(uint256 jobId, IDisputes.Receipt memory r, string memory field) internal {
        bytes memory signature = _signReceipt(keyOf[r.provider], r);
        vm.expectRevert(abi.encodeWithSelector(IJobCoordinator.ReceiptMismatch.selector, jobId, field));
        vm.prank(r.provider);
        coordinator.deliver(jobId, OUTPUT, r, signature);
    }
}
