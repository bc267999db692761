// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JobsBase, TestConsumer} from "./utils/JobsBase.sol";
import {JobCoordinator} from "../src/JobCoordinator.sol";
import {JobProviders} from "../src/JobProviders.sol";
import {MeshToken} from "../src/MeshToken.sol";
import {Payments} from "../src/Payments.sol";
import {Disputes} from "../src/Disputes.sol";
import {IJobCoordinator} from "../src/interfaces/IJobCoordinator.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";
import {Test} from "./utils/Test.sol";

/// @notice Drives the coordinator through random requests (by an account and by consumers whose
/// callbacks store, revert, burn their gas, return-bomb or re-enter), draws, deliveries with random token
/// counts, declines, misses, settlements, cancellations, subscriptions, re-enrollments and bond
/// withdrawals. Every call it makes is valid (guards, never try/catch), so an unexpected revert fails the run.
contract JobsHandler is Test {
    uint256 internal constant BPS = 10_000;
    JobCoordinator internal immutable coordinator;
    JobProviders internal immutable providers;
    MeshToken internal immutable token;
    Payments internal immutable payments;
    Disputes internal immutable disputes;
    bytes32 internal immutable modelId;
    uint256 internal immutable jobBond;
    uint256 internal immutable burnBps;
    uint256 internal immutable royaltyBps;

    address[] public requesters;
    address[] public providerList;
    mapping(address => uint256) internal keyOf;
    uint256[] public subscriptions;

    /// @dev Ghost totals: escrow brought in, and where it went.
    uint256 public escrowIn;
    uint256 public costPaid;
    uint256 public escrowRefunded;
    uint256 public burned;
    uint256 public royalty;
    uint256 public providerShare;
    uint256 public calls;
    uint256 public settled;

    constructor(
        JobCoordinator coordinator_,
        MeshToken token_,
        Payments payments_,
        Disputes disputes_,
        bytes32 modelId_,
        uint256 burnBps_,
        uint256 royaltyBps_,
        address[] memory requesters_,
        address[] memory providers_,
        uint256[] memory keys
    ) {
        coordinator = coordinator_;
        providers = coordinator_.providers();
        token = token_;
        payments = payments_;
        disputes = disputes_;
        modelId = modelId_;
        jobBond = coordinator_.params().jobBond;
        burnBps = burnBps_;
        royaltyBps = royaltyBps_;
        requesters = requesters_;
        providerList = providers_;
        for (uint256 i; i < providers_.length; ++i) {
            keyOf[providers_[i]] = keys[i];
        }
    }

    function requesterCount() external view returns (uint256) {
        return requesters.length;
    }

    function providerCount() external view returns (uint256) {
        return providerList.length;
    }

    function subscriptionCount() external view returns (uint256) {
        return subscriptions.length;
    }

    // ------------------------------------------------------------- actions

    function request(uint256 who, uint256 payment, uint256 mode) public {
        address from = requesters[who % requesters.length];
        IJobCoordinator.JobRequest memory job = _job(payment);
        if (from.code.length != 0) {
            TestConsumer(from).setMode(TestConsumer.Mode(mode % 7));
            job.callbackGasLimit = 300_000;
            TestConsumer(from).requestJob(job);
        } else {
            vm.prank(from);
            coordinator.request(job);
        }
        escrowIn += job.maxPayment;
        ++calls;
    }

    function assign(uint256 pick) public {
        (uint256 jobId, IJobCoordinator.Job memory job) = _find(pick, IJobCoordinator.Status.Requested);
        if (jobId == 0 || block.timestamp > job.deadline) return;
        if (block.number <= job.drawBlock) vm.roll(job.drawBlock + 1);
        uint256 before = token.balanceOf(job.requester);
        coordinator.assign(jobId);
        if (coordinator.getJob(jobId).status == IJobCoordinator.Status.Refunded) {
            escrowRefunded += token.balanceOf(job.requester) - before;
        }
        ++calls;
    }

    function deliver(uint256 pick, uint64 inputTokens, uint64 outputTokens) public {
        (uint256 jobId, IJobCoordinator.Job memory job) = _find(pick, IJobCoordinator.Status.Assigned);
        if (jobId == 0 || block.timestamp > job.respondBy) return;
        inputTokens = uint64(bound(inputTokens, 0, job.inputLength + 1024));
        outputTokens = uint64(bound(outputTokens, 0, job.maxTokens));
        bytes memory output = abi.encodePacked("answer ", jobId);
        uint256 micro = uint256(inputTokens) * job.pricePerMInput + uint256(outputTokens) * job.pricePerMOutput;
        uint256 cost = micro == 0 ? 0 : (micro - 1) / 1e6 + 1;
        IDisputes.Receipt memory r = IDisputes.Receipt(
            job.requestHash,
            keccak256(output),
            bytes32(0),
            modelId,
            address(coordinator),
            job.provider,
            inputTokens,
            outputTokens,
            uint64(block.timestamp),
            cost,
            cost
        );
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keyOf[job.provider], disputes.hashReceipt(r));
        vm.prank(job.provider);
        coordinator.deliver{gas: 3_000_000}(jobId, output, r, abi.encodePacked(rr, s, v));
        ++calls;
    }

    /// @notice A request, its draw and its delivery in a row (the other actions warp the clock, which
    /// often leaves no job deliverable; this keeps settlements frequent).
    function serveNewJob(uint256 who, uint256 payment, uint256 mode, uint64 inputTokens, uint64 outputTokens) external {
        // Someone enrolled before the request's block (a draw reads the block before the request).
        if (coordinator.enrolledModels(providerList[1]).length == 0) enroll(1);
        vm.roll(block.number + 1);
        request(who, payment, mode);
        uint256 jobId = coordinator.jobCount();
        assign(jobId - 1);
        if (coordinator.getJob(jobId).status == IJobCoordinator.Status.Assigned) {
            deliver(jobId - 1, inputTokens, outputTokens);
        }
    }

    function decline(uint256 pick) external {
        (uint256 jobId, IJobCoordinator.Job memory job) = _find(pick, IJobCoordinator.Status.Assigned);
        if (jobId == 0 || block.timestamp > job.respondBy) return;
        vm.prank(job.provider);
        coordinator.decline(jobId);
        ++calls;
    }

    function reassign(uint256 pick) external {
        (uint256 jobId, IJobCoordinator.Job memory job) = _find(pick, IJobCoordinator.Status.Assigned);
        if (jobId == 0) return;
        if (block.timestamp <= job.respondBy) vm.warp(job.respondBy + 1);
        uint256 bondBefore = providers.bondOf(job.provider);
        uint256 before = token.balanceOf(job.requester);
        coordinator.reassign(jobId);
        uint256 penalty = bondBefore - providers.bondOf(job.provider);
        // The requester got the penalty, and the escrow too when the deadline had come.
        escrowRefunded += token.balanceOf(job.requester) - before - penalty;
        ++calls;
    }

    function settle(uint256 pick) external {
        (uint256 jobId, IJobCoordinator.Job memory job) = _find(pick, IJobCoordinator.Status.Delivered);
        if (jobId == 0) return;
        uint256 endsAt = job.servedAt + disputes.params().disputeWindow;
        if (block.timestamp <= endsAt) vm.warp(endsAt + 1);
        uint256 requesterBefore = token.balanceOf(job.requester);
        uint256 providerBefore = token.balanceOf(job.provider);
        coordinator.settle(jobId);
        uint256 cost = job.cost;
        uint256 b = (cost * burnBps + BPS - 1) / BPS;
        uint256 ro = cost * royaltyBps / BPS;
        costPaid += cost;
        ++settled;
        burned += b;
        royalty += ro;
        providerShare += token.balanceOf(job.provider) - providerBefore;
        escrowRefunded += token.balanceOf(job.requester) - requesterBefore;
        vm.assertEq(token.balanceOf(job.provider) - providerBefore, cost - b - ro, "provider share of a redeem");
        vm.assertEq(token.balanceOf(job.requester) - requesterBefore, job.maxPayment - cost, "refund");
        ++calls;
    }

    function cancel(uint256 pick, bool assigned) external {
        (uint256 jobId, IJobCoordinator.Job memory job) =
            _find(pick, assigned ? IJobCoordinator.Status.Assigned : IJobCoordinator.Status.Requested);
        if (jobId == 0) return;
        if (block.timestamp <= job.deadline) vm.warp(job.deadline + 1);
        uint256 bondBefore = assigned ? providers.bondOf(job.provider) : 0;
        uint256 before = token.balanceOf(job.requester);
        coordinator.cancel(jobId);
        uint256 penalty = assigned ? bondBefore - providers.bondOf(job.provider) : 0;
        escrowRefunded += token.balanceOf(job.requester) - before - penalty;
        vm.assertEq(token.balanceOf(job.requester) - before - penalty, job.maxPayment, "whole escrow back");
        ++calls;
    }

    function subscribe(uint256 who, uint256 payment, uint32 count) external {
        address from = requesters[who % requesters.length];
        if (from.code.length != 0) return;
        count = uint32(bound(count, 1, 4));
        IJobCoordinator.JobRequest memory job = _job(payment);
        vm.prank(from);
        subscriptions.push(coordinator.subscribe(job, 3, count));
        escrowIn += job.maxPayment * count;
        ++calls;
    }

    function trigger(uint256 pick) external {
        if (subscriptions.length == 0) return;
        uint256 id = subscriptions[pick % subscriptions.length];
        IJobCoordinator.Subscription memory s = coordinator.getSubscription(id);
        if (s.remaining == 0) return;
        if (block.number < s.nextBlock) vm.roll(s.nextBlock);
        coordinator.trigger(id);
        ++calls;
    }

    function cancelSubscription(uint256 pick) external {
        if (subscriptions.length == 0) return;
        uint256 id = subscriptions[pick % subscriptions.length];
        IJobCoordinator.Subscription memory s = coordinator.getSubscription(id);
        uint256 before = token.balanceOf(s.requester);
        vm.prank(s.requester);
        coordinator.cancelSubscription(id);
        escrowRefunded += token.balanceOf(s.requester) - before;
        ++calls;
    }

    function enroll(uint256 pick) public {
        address p = providerList[pick % providerList.length];
        if (coordinator.enrolledModels(p).length != 0) return;
        uint256 bond = providers.bondOf(p);
        uint256 topUp = bond >= jobBond ? 0 : jobBond - bond;
        bytes32[] memory modelIds = new bytes32[](1);
        modelIds[0] = modelId;
        vm.prank(p);
        coordinator.enroll(modelIds, topUp);
        ++calls;
    }

    function withdrawBond(uint256 pick) external {
        address p = providerList[pick % providerList.length];
        if (providers.openJobsOf(p) != 0 || providers.bondOf(p) == 0) return;
        vm.prank(p);
        coordinator.withdrawBond();
        ++calls;
    }

    function roll(uint8 blocks) external {
        vm.roll(block.number + 1 + blocks);
        vm.warp(block.timestamp + 12 * (1 + uint256(blocks)));
    }

    // ------------------------------------------------------------- helpers

    function _job(uint256 payment) internal view returns (IJobCoordinator.JobRequest memory) {
        return IJobCoordinator.JobRequest({
            modelId: modelId,
            input: bytes('[{"content":"Hi","role":"user"}]'),
            maxTokens: 16,
            temperatureMilli: uint16(payment % 2001),
            seed: uint64(payment % 1000),
            maxPayment: bound(payment, 0.002 ether, 0.02 ether),
            callbackGasLimit: 0,
            ttl: 1 hours
        });
    }

    /// @dev A job in `status`, searching from a random one; id 0 when none.
    function _find(uint256 pick, IJobCoordinator.Status status)
        internal
        view
        returns (uint256 jobId, IJobCoordinator.Job memory job)
    {
        uint256 count = coordinator.jobCount();
        if (count == 0) return (0, job);
        uint256 start = pick % count;
        for (uint256 i; i < count; ++i) {
            uint256 id = (start + i) % count + 1;
            job = coordinator.getJob(id);
            if (job.status == status) return (id, job);
        }
        return (0, job);
    }
}

/// @notice Escrow conservation: every escrowed wei ends with the provider, the burn, the royalty receiver
/// or back with the requester; the coordinator's MESH is exactly the open escrow plus the bonds.
contract JobCoordinatorInvariantTest is JobsBase {
    JobsHandler internal handler;
    address[] internal everyone;
    uint256 internal total;

    function setUp() public override {
        super.setUp();
        address[] memory providers_ = new address[](3);
        uint256[] memory keys = new uint256[](3);
        providers_[0] = _jobProvider("p0", MIN_STAKE);
        providers_[1] = _jobProvider("p1", 2 * MIN_STAKE);
        providers_[2] = _jobProvider("p2", 3 * MIN_STAKE);
        for (uint256 i; i < 3; ++i) {
            keys[i] = keyOf[providers_[i]];
            _give(providers_[i], 100 ether);
            vm.prank(providers_[i]);
            token.approve(address(coordinator), type(uint256).max);
        }
        vm.roll(block.number + 1);
        address[] memory requesters_ = new address[](3);
        requesters_[0] = requester;
        requesters_[1] = address(new TestConsumer(coordinator));
        requesters_[2] = address(new TestConsumer(coordinator));
        _give(requesters_[1], 100 ether);
        _give(requesters_[2], 100 ether);
        handler = new JobsHandler(
            coordinator, token, payments, disputes, MODEL, BURN_BPS, ROYALTY_BPS, requesters_, providers_, keys
        );
        for (uint256 i; i < 3; ++i) {
            everyone.push(requesters_[i]);
            everyone.push(providers_[i]);
        }
        everyone.push(address(coordinator));
        everyone.push(address(payments));
        total = _sum();
        targetContract(address(handler));
        targetSender(makeAddr("keeper"));
    }

    /// @notice MESH held by the coordinator == Σ escrow of jobs not settled or refunded + Σ escrow of
    /// untriggered subscription rounds + Σ bonds.
    function invariant_coordinatorHoldsOpenEscrowPlusBonds() public view {
        vm.assertEq(token.balanceOf(address(coordinator)), _openEscrow() + _bonds());
    }

    /// @notice escrow in == open escrow + escrow paid (as cost) + escrow refunded, and every paid wei was
    /// split into burn (booked in Payments), royalty (owed to the receiver) and the provider's share.
    function invariant_everyEscrowedWeiEndsSomewhere() public view {
        vm.assertEq(handler.escrowIn(), _openEscrow() + handler.costPaid() + handler.escrowRefunded());
        vm.assertEq(handler.costPaid(), handler.burned() + handler.royalty() + handler.providerShare());
        vm.assertEq(payments.pendingBurn(), handler.burned());
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), handler.royalty());
        vm.assertEq(token.balanceOf(address(payments)), handler.burned() + handler.royalty());
    }

    /// @notice No MESH appears or disappears among requesters, providers, the coordinator and Payments.
    function invariant_noMeshCreatedOrLost() public view {
        vm.assertEq(_sum(), total);
    }

    /// @notice Each provider's open-job count is the number of jobs assigned to it.
    function invariant_openJobsMatchAssignments() public view {
        uint256 open;
        for (uint256 i; i < handler.providerCount(); ++i) {
            open += jobProviders.openJobsOf(handler.providerList(i));
        }
        uint256 assigned;
        for (uint256 id = 1; id <= coordinator.jobCount(); ++id) {
            if (coordinator.getJob(id).status == IJobCoordinator.Status.Assigned) ++assigned;
        }
        vm.assertEq(open, assigned);
    }

    /// @notice The handler's own actions do what they say (so the invariant runs exercise real flows).
    function test_handlerServesSettlesAndRefunds() public {
        handler.serveNewJob(0, 0.01 ether, 0, 20, 3);
        vm.assertEq(uint8(coordinator.getJob(1).status), uint8(IJobCoordinator.Status.Delivered));
        handler.settle(0);
        vm.assertEq(handler.settled(), 1);
        handler.request(1, 0.01 ether, 1);
        handler.cancel(1, false);
        vm.assertTrue(handler.escrowRefunded() > 0);
        invariant_everyEscrowedWeiEndsSomewhere();
        invariant_coordinatorHoldsOpenEscrowPlusBonds();
    }

    function _openEscrow() internal view returns (uint256 sum) {
        for (uint256 id = 1; id <= coordinator.jobCount(); ++id) {
            IJobCoordinator.Job memory job = coordinator.getJob(id);
            if (
                job.status == IJobCoordinator.Status.Requested || job.status == IJobCoordinator.Status.Assigned
                    || job.status == IJobCoordinator.Status.Delivered
            ) sum += job.maxPayment;
        }
        for (uint256 i; i < handler.subscriptionCount(); ++i) {
            IJobCoordinator.Subscription memory s = coordinator.getSubscription(handler.subscriptions(i));
            sum += uint256(s.remaining) * s.template_.maxPayment;
        }
    }

    function _bonds() internal view returns (uint256 sum) {
        for (uint256 i; i < handler.providerCount(); ++i) {
            sum += coordinator.bondOf(handler.providerList(i));
        }
    }

    function _sum() internal view returns (uint256 sum) {
        for (uint256 i; i < everyone.length; ++i) {
            sum += token.balanceOf(everyone[i]);
        }
    }
}
