// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IJobCoordinator, IInferMeshConsumerCallback} from "./interfaces/IJobCoordinator.sol";
import {IDisputes} from "./interfaces/IDisputes.sol";

/// @title InferMeshConsumer
/// @notice Base of a contract that asks InferMesh for inference and gets the answer in a callback.
///
/// Inherit it, call `_requestInference(...)` to escrow MESH from this contract's balance and start a job,
/// and implement `_onInferenceResult(jobId, output, receipt)`: the coordinator calls it once, when the
/// job's provider delivers, with exactly the `callbackGasLimit` asked for. Only the coordinator can reach it.
///
/// What to know when writing the callback:
/// - `output` is the model's answer as UTF-8 bytes; `receipt` is the provider's signed receipt (its
///   `responseHash == keccak256(output)`, `cost` is what the job will cost). The provider is paid after
///   the dispute window, and a receipt found guilty in a dispute refunds this contract instead: a
///   callback that moves value on the answer should wait for `IJobCoordinator.getJob(jobId).status ==
///   Settled` (or accept the risk the dispute window covers).
/// - A callback that reverts or runs out of gas loses only its own effects: the delivery and the pay
///   stand (the answer is still in the coordinator's JobDelivered event). Keep it small and bounded, and
///   ask for enough gas (storing 1 KiB costs about 700,000 gas).
/// - The escrow's unspent part, a refund (deadline passed, no provider, guilty) and a late provider's
///   penalty come back to this contract.
/// - Inputs are chat messages as canonical JSON (RFC 8785): an array of `{"content": ..., "role": ...}`
///   objects with keys sorted and no whitespace; a provider declines a job whose input is not.
abstract contract InferMeshConsumer is IInferMeshConsumerCallback {
    using SafeERC20 for IERC20;

    /// @notice The coordinator this contract requests from; the only caller of the callback.
    IJobCoordinator public immutable coordinator;
    /// @notice MESH, the token jobs are paid in.
    IERC20 public immutable mesh;

    /// @notice The callback was called by someone other than the coordinator.
    error NotCoordinator(address caller);

    /// @param coordinator_ The JobCoordinator; this contract lets it pull MESH for the jobs it requests.
    constructor(IJobCoordinator coordinator_) {
        coordinator = coordinator_;
        IERC20 token = IERC20(coordinator_.token());
        mesh = token;
        token.forceApprove(address(coordinator_), type(uint256).max);
    }

    /// @inheritdoc IInferMeshConsumerCallback
    /// @dev Checks the caller and hands over to `_onInferenceResult`.
    function onInferenceResult(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt) external {
        if (msg.sender != address(coordinator)) revert NotCoordinator(msg.sender);
        _onInferenceResult(jobId, output, receipt);
    }

    /// @notice Requests a job, escrowing `maxPayment` MESH from this contract's balance.
    /// @param modelId The model (ModelRegistry id).
    /// @param messages Canonical JSON array of chat messages.
    /// @param maxTokens Most output tokens.
    /// @param temperatureMilli Temperature × 1000 (0 .. 2000); 0 is greedy, the same answer every time.
    /// @param seed Sampling seed.
    /// @param maxPayment Most MESH wei the job may cost.
    /// @param callbackGasLimit Gas for `_onInferenceResult` (0: no callback).
    /// @param ttl Seconds until the job can no longer be delivered.
    /// @return jobId The coordinator's job id, the key the callback comes back with.
    function _requestInference(
        bytes32 modelId,
        bytes memory messages,
        uint32 maxTokens,
        uint16 temperatureMilli,
        uint64 seed,
        uint256 maxPayment,
        uint32 callbackGasLimit,
        uint64 ttl
    ) internal returns (uint256 jobId) {
        return coordinator.request(
            IJobCoordinator.JobRequest({
                modelId: modelId,
                input: messages,
                maxTokens: maxTokens,
                temperatureMilli: temperatureMilli,
                seed: seed,
                maxPayment: maxPayment,
                callbackGasLimit: callbackGasLimit,
                ttl: ttl
            })
        );
    }

    /// @notice Called once per delivered job, with the output and the provider's signed receipt.
    function _onInferenceResult(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt)
        internal
        virtual;
}
