// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsensusBase} from "./utils/ConsensusBase.sol";
import {IDisputes} from "../src/interfaces/IDisputes.sol";

/// @notice Cheatcodes the scale benchmark needs beyond the shared minimal Vm interface.
interface VmScale {
    /// @dev Marks an account's address and storage as cold, as in a new transaction.
    function cool(address target) external;
    /// @dev Stops counting gas (setup).
    function pauseGasMetering() external;
    /// @dev Counts gas again.
    function resumeGasMetering() external;
}

/// @notice Gas of the dispute hot paths at the scale of a real network: N validators that all declared
/// the model, a committee of 3 drawn among them, then one member's commit and reveal and the resolve.
/// Benchmarks, not tests: they assert only what each call did (never gas or time), log every figure
/// (console.log and the `GasMeasured` event, `forge test -vv`) and write snapshots/DisputesScale.json,
/// which `npm run bench -- gas` collects into bench/results/gas.json. The contracts' names start with
/// `ConsensusScale` so the ci profile and `npm test` skip them (`--no-match-contract ^ConsensusScale`):
/// registering 10,000 validators takes minutes.
///
/// Each measured call runs after `cool` on Disputes and the Registry, so it pays cold storage as a real
/// transaction would (the calls before it in the same test would otherwise leave slots warm). Figures
/// exclude the 21,000 intrinsic gas and calldata.
abstract contract ConsensusScaleBase is ConsensusBase {
    VmScale internal constant scale = VmScale(address(uint160(uint256(keccak256("hevm cheat code")))));
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    /// @notice One measured figure.
    event GasMeasured(string call, uint256 validators, uint256 gasUsed);

    address internal provider;
    address internal challenger;
    uint256 internal toDraw;
    uint256 internal toEscalate;
    uint256 internal toDrawLarge;
    uint256 internal toEscalateLarge;
    IDisputes.Receipt internal openReceipt;
    bytes internal openSignature;
    bytes internal openSample;

    /// @dev How many validators this benchmark registers.
    function _validatorCount() internal pure virtual returns (uint256);

    /// @dev Registers the validators (uneven stakes, all of MODEL) and opens the disputes the tests measure.
    function setUp() public override {
        super.setUp();
        scale.pauseGasMetering();
        provider = _provider("provider", 100_000 ether);
        challenger = _challenger("challenger", 10_000 ether);
        uint256 n = _validatorCount();
        bytes32[] memory modelIds = new bytes32[](1);
        modelIds[0] = MODEL;
        _give(address(this), n * 2000 ether);
        for (uint256 i; i < n; ++i) {
            address v = address(uint160(0x1000000 + i));
            uint256 amount = MIN_VALIDATOR_STAKE + (i % 97) * 10 ether; // uneven stakes
            token.transfer(v, amount);
            vm.startPrank(v);
            token.approve(address(registry), amount);
            registry.stake(amount);
            registry.registerValidator("https://validator.example");
            registry.setValidatorModels(modelIds);
            vm.stopPrank();
        }
        toDraw = _openAssigned(challenger, provider, 1 ether);
        toEscalate = _open(challenger, provider, 3 ether);
        // The largest committee the parameters allow, opened under committeeSize 21 (fixed per dispute).
        IDisputes.Params memory p = _params();
        p.committeeSize = 21;
        vm.prank(owner);
        disputes.setParams(p);
        toDrawLarge = _open(challenger, provider, 4 ether);
        toEscalateLarge = _open(challenger, provider, 5 ether);
        vm.prank(owner);
        disputes.setParams(_params());
        vm.roll(block.number + DRAW_DELAY + 1);
        openReceipt = _receipt(provider, 2 ether);
        openSignature = _signReceipt(keyOf[provider], openReceipt);
        openSample = _signSample(openReceipt, challenger, uint64(block.timestamp));
        scale.resumeGasMetering();
    }

    /// @dev Makes Disputes, the Registry and MESH cold before a measured call.
    function _cool() internal {
        scale.cool(address(disputes));
        scale.cool(address(registry));
        scale.cool(address(token));
    }

    /// @dev Logs a figure (event and console.log).
    function _record(string memory call, uint256 gasUsed) internal {
        emit GasMeasured(call, _validatorCount(), gasUsed);
        (bool ok,) = CONSOLE.staticcall(
            abi.encodeWithSignature(
                "log(string,uint256,string,uint256)", call, _validatorCount(), "validators, gas", gasUsed
            )
        );
        ok; // console.log answers nothing outside forge; the event carries the figure anyway
    }

    /// @dev The snapshot entry name: `<call>_<n>validators`.
    function _name(string memory call) internal pure returns (string memory) {
        return string.concat(call, "_", _itoa(_validatorCount()), "validators");
    }

    /// @dev Decimal digits of `value`.
    function _itoa(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        bytes memory digits;
        for (; value != 0; value /= 10) {
            digits = abi.encodePacked(bytes1(uint8(48 + value % 10)), digits);
        }
        return string(digits);
    }

    /// @notice The curve point for this validator count: openDispute, drawCommittee, commitVote,
    /// revealVote and resolve (guilty, every seat revealed), each measured cold.
    function test_scale_disputeHotPaths() public {
        _cool();
        vm.prank(challenger);
        disputes.openDispute(openReceipt, openSignature, REQUEST, RESPONSE, uint64(block.timestamp), openSample);
        _record("openDispute", vm.snapshotGasLastCall("DisputesScale", _name("openDispute")));

        _cool();
        disputes.drawCommittee(toDraw);
        _record("drawCommittee", vm.snapshotGasLastCall("DisputesScale", _name("drawCommittee")));
        address[] memory members = disputes.committeeOf(toDraw);
        vm.assertEq(members.length, COMMITTEE);

        bytes32 commitment = disputes.voteCommitment(toDraw, 1, members[0], true, _salt(members[0], toDraw, 1));
        _cool();
        vm.prank(members[0]);
        disputes.commitVote(toDraw, commitment);
        _record("commitVote", vm.snapshotGasLastCall("DisputesScale", _name("commitVote")));
        _commit(toDraw, members[1], true);
        _commit(toDraw, members[2], true);

        _toReveal(toDraw);
        bytes32 salt = _salt(members[0], toDraw, 1);
        _cool();
        vm.prank(members[0]);
        disputes.revealVote(toDraw, true, salt);
        _record("revealVote", vm.snapshotGasLastCall("DisputesScale", _name("revealVote")));
        _reveal(toDraw, members[1], true);
        _reveal(toDraw, members[2], true);

        _cool();
        disputes.resolve(toDraw);
        _record("resolve", vm.snapshotGasLastCall("DisputesScale", _name("resolve")));
        vm.assertTrue(disputes.getDispute(toDraw).outcome == IDisputes.Outcome.Guilty);
    }

    /// @notice resolve of a round where no member revealed: three absentees' penalties recorded (no slash,
    /// so no sortition update: flat in the validator count and the members' models) and the dispute escalates
    /// to round 2. Then, in later blocks, collectPenalty of one absentee with 1 model (MODEL's tree of N
    /// validators) and of one that declared 16 models since (MODEL's tree plus 15 trees it alone sits in, so
    /// a lower bound of the 16 full trees case): each collection slashes, which updates the checkpoints.
    function test_scale_resolveWithThreeAbsentees() public {
        disputes.drawCommittee(toEscalate);
        _toRevealEnd(toEscalate);
        _cool();
        disputes.resolve(toEscalate);
        _record("resolve3Absent", vm.snapshotGasLastCall("DisputesScale", _name("resolve_escalate3Absent")));
        vm.assertEq(disputes.getDispute(toEscalate).round, 2);

        address[] memory members = disputes.committeeOf(toEscalate);
        vm.roll(block.number + 1);
        _cool();
        disputes.collectPenalty(members[0]);
        _record("collectPenalty1Model", vm.snapshotGasLastCall("DisputesScale", _name("collectPenalty_1model")));
        vm.assertEq(disputes.pendingPenaltyOf(members[0]), 0);
        vm.assertEq(registry.frozenOf(members[0]), 0);

        bytes32[] memory sixteen = new bytes32[](registry.MAX_VALIDATOR_MODELS());
        sixteen[0] = MODEL;
        for (uint256 i = 1; i < sixteen.length; ++i) {
            sixteen[i] = keccak256(abi.encode("model", i));
        }
        vm.prank(members[1]);
        registry.setValidatorModels(sixteen);
        vm.roll(block.number + 1);
        _cool();
        disputes.collectPenalty(members[1]);
        _record("collectPenalty16Models", vm.snapshotGasLastCall("DisputesScale", _name("collectPenalty_16models")));
        vm.assertEq(disputes.pendingPenaltyOf(members[1]), 0);
        vm.assertEq(registry.frozenOf(members[1]), 0);
    }

    /// @notice drawCommittee of the largest committee (21 seats; all validators when fewer), then resolve of
    /// another such committee where nobody revealed: 21 absentees recorded (3 with 3 validators), escalated.
    function test_scale_committeeOf21() public {
        _cool();
        disputes.drawCommittee(toDrawLarge);
        _record("drawCommittee21", vm.snapshotGasLastCall("DisputesScale", _name("drawCommittee21")));
        uint256 n = _validatorCount();
        vm.assertEq(disputes.committeeOf(toDrawLarge).length, n < 21 ? n : 21);

        disputes.drawCommittee(toEscalateLarge);
        _toRevealEnd(toEscalateLarge);
        _cool();
        disputes.resolve(toEscalateLarge);
        _record("resolve21Absent", vm.snapshotGasLastCall("DisputesScale", _name("resolve_escalate21Absent")));
        vm.assertEq(disputes.getDispute(toEscalateLarge).round, 2);
        address[] memory members = disputes.committeeOf(toEscalateLarge);
        vm.assertEq(members.length, n < 21 ? n : 21);
        for (uint256 i; i < members.length; ++i) {
            vm.assertEq(registry.frozenOf(members[i]), 1, "frozen until collected");
        }
    }
}

/// @notice 3 validators: the devnet's committee is all of them.
contract ConsensusScale3 is ConsensusScaleBase {
    /// @inheritdoc ConsensusScaleBase
    function _validatorCount() internal pure override returns (uint256) {
        return 3;
    }
}

/// @notice 100 validators.
contract ConsensusScale100 is ConsensusScaleBase {
    /// @inheritdoc ConsensusScaleBase
    function _validatorCount() internal pure override returns (uint256) {
        return 100;
    }
}

/// @notice 1,000 validators.
contract ConsensusScale1000 is ConsensusScaleBase {
    /// @inheritdoc ConsensusScaleBase
    function _validatorCount() internal pure override returns (uint256) {
        return 1000;
    }
}

/// @notice 10,000 validators (the issue's target: each call well under 1,000,000 gas).
contract ConsensusScale10000 is ConsensusScaleBase {
    /// @inheritdoc ConsensusScaleBase
    function _validatorCount() internal pure override returns (uint256) {
        return 10_000;
    }
}
