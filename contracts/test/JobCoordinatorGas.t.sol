// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JobsBase} from "./utils/JobsBase.sol";
import {QuestionOracle} from "../src/examples/QuestionOracle.sol";
import {IJobCoordinator} from "../src/interfaces/IJobCoordinator.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";

/// @notice Gas of a job's life, written to snapshots/JobCoordinator.json (payFor as `payments_payFor`: a group file is rewritten whole by each run, so Payments.json stays PaymentsGas's): request, assign (draw among
/// three enrolled providers), deliver (without callback, and to QuestionOracle storing a 64-byte answer),
/// settle (through Payments.payFor) and payFor alone. Everything a measured call reads is prepared in
/// setUp, so the measured call (the test's only call to the contracts) finds storage cold as a real
/// transaction would. Figures are the call's gas, without the 21,000 of a transaction and its calldata.
contract JobCoordinatorGasTest is JobsBase {
    bytes internal constant ANSWER = bytes("Paris is the capital of France, on the Seine, with 2.1M people.");

    QuestionOracle internal oracle;
    address internal payer;
    uint256 internal toAssign;
    uint256 internal toDeliver;
    uint256 internal toCallBack;
    uint256 internal toSettle;
    IDisputes.Receipt internal receipt;
    bytes internal signature;
    IDisputes.Receipt internal oracleReceipt;
    bytes internal oracleSignature;
    address internal oracleProvider;

    function setUp() public override {
        super.setUp();
        _jobProvider("alice", MIN_STAKE);
        _jobProvider("bob", 2 * MIN_STAKE);
        _jobProvider("carol", 3 * MIN_STAKE);
        oracle = new QuestionOracle(coordinator);
        _give(address(oracle), 10 ether);
        vm.roll(block.number + 1);

        toSettle = _request(requester, MAX_PAYMENT, 0);
        _assign(toSettle);
        _deliver(toSettle, OUTPUT);

        toDeliver = _request(requester, MAX_PAYMENT, 0);
        _assign(toDeliver);
        receipt = _jobReceipt(toDeliver, OUTPUT, 20, 1);
        signature = _signReceipt(keyOf[receipt.provider], receipt);

        toCallBack = oracle.ask(MODEL, "What is the capital of France?", 64, MAX_PAYMENT);
        oracleProvider = _assign(toCallBack);
        oracleReceipt = _jobReceipt(toCallBack, ANSWER, 40, 16);
        oracleSignature = _signReceipt(keyOf[oracleProvider], oracleReceipt);

        toAssign = _request(requester, MAX_PAYMENT, 0);
        vm.roll(coordinator.getJob(toAssign).drawBlock + 1);

        payer = makeAddr("payer");
        _give(payer, 10 ether);
        vm.prank(payer);
        token.approve(address(payments), type(uint256).max);
    }

    function test_gas_request() public {
        IJobCoordinator.JobRequest memory job = _jobRequest(MAX_PAYMENT, 0);
        vm.prank(requester);
        coordinator.request(job);
        vm.snapshotGasLastCall("JobCoordinator", "request");
        vm.assertEq(coordinator.jobCount(), 5);
    }

    /// @notice QuestionOracle.ask: builds the messages JSON, pulls the asker's MESH, requests, stores the question.
    function test_gas_oracleAsk() public {
        vm.prank(requester);
        token.approve(address(oracle), MAX_PAYMENT);
        vm.prank(requester);
        oracle.ask(MODEL, "What is the capital of France?", 64, MAX_PAYMENT);
        vm.snapshotGasLastCall("JobCoordinator", "oracleAsk");
        vm.assertEq(oracle.questionCount(), 2);
    }

    function test_gas_assign() public {
        coordinator.assign(toAssign);
        vm.snapshotGasLastCall("JobCoordinator", "assign");
        vm.assertEq(uint8(coordinator.getJob(toAssign).status), uint8(IJobCoordinator.Status.Assigned));
    }

    function test_gas_deliver() public {
        vm.prank(receipt.provider);
        coordinator.deliver(toDeliver, OUTPUT, receipt, signature);
        vm.snapshotGasLastCall("JobCoordinator", "deliver");
        vm.assertEq(uint8(coordinator.getJob(toDeliver).status), uint8(IJobCoordinator.Status.Delivered));
    }

    /// @notice Delivery of a 64-byte answer to QuestionOracle, whose callback stores it.
    function test_gas_deliver_withCallback() public {
        vm.prank(oracleProvider);
        coordinator.deliver(toCallBack, ANSWER, oracleReceipt, oracleSignature);
        vm.snapshotGasLastCall("JobCoordinator", "deliver_withCallback");
        vm.assertEq(bytes(oracle.answerOf(toCallBack).answer), ANSWER);
    }

    function test_gas_settle() public {
        vm.warp(coordinator.getJob(toSettle).servedAt + DISPUTE_WINDOW + 1);
        coordinator.settle(toSettle);
        vm.snapshotGasLastCall("JobCoordinator", "settle");
        vm.assertEq(uint8(coordinator.getJob(toSettle).status), uint8(IJobCoordinator.Status.Settled));
    }

    function test_gas_payFor() public {
        vm.prank(payer);
        payments.payFor(receipt.provider, MODEL, 1 ether);
        vm.snapshotGasLastCall("JobCoordinator", "payments_payFor");
        vm.assertEq(payments.royaltiesOwed(royaltyReceiver), 1 ether * uint256(ROYALTY_BPS) / BPS);
    }
}
