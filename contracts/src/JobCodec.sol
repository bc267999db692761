// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IJobCoordinator} from "./interfaces/IJobCoordinator.sol";
import {IDisputes} from "./interfaces/IDisputes.sol";

/// @title JobCodec
/// @notice JobCoordinator's stateless rules: the limits of a request, the canonical request bytes a job
/// stands for, and the checks a delivery's receipt must pass. A contract of its own so that the
/// coordinator's code stays under the 24 KiB limit (the coordinator deploys it in its constructor); every
/// function is pure or reads only the clock, so anyone may call it (the TypeScript `jobRequestBytes` is
/// tested against `buildRequest`). Reverts with IJobCoordinator's errors.
contract JobCodec {
    uint256 public constant MAX_INPUT_BYTES = 16_384;
    uint256 public constant MAX_OUTPUT_TOKENS = 4096;
    /// @notice An output may hold at most this many bytes per `maxTokens`, and never more than MAX_OUTPUT_BYTES.
    uint256 public constant OUTPUT_BYTES_PER_TOKEN = 64;
    uint256 public constant MAX_OUTPUT_BYTES = 32_768;
    /// @notice Tokens of chat template a prompt may add to the input's bytes (the input-token bound).
    uint256 public constant INPUT_TOKEN_ALLOWANCE = 1024;
    uint256 public constant MAX_CALLBACK_GAS = 2_500_000;
    uint256 public constant MAX_TEMPERATURE_MILLI = 2000;
    uint256 public constant MAX_SEED = 2 ** 53 - 1;
    /// @notice The most one job may escrow (1e9 MESH).
    uint256 public constant MAX_PAYMENT = 1e27;
    uint64 public constant MIN_TTL = 1 minutes;
    uint64 public constant MAX_TTL = 30 days;
    uint64 public constant MIN_RESPONSE_WINDOW = 1 minutes;
    uint64 public constant MAX_RESPONSE_WINDOW = 1 days;
    uint256 public constant MAX_JOB_BOND = 1e24;
    uint8 public constant MAX_ATTEMPTS_LIMIT = 16;
    /// @notice The longest interval between a subscription's rounds, in blocks, and the most rounds.
    uint32 public constant MAX_INTERVAL = 10_000_000;
    uint32 public constant MAX_ROUNDS = 10_000;

    /// @notice What a delivery is checked against: the job's terms and its assignment.
    struct Assignment {
        uint256 jobId;
        bytes32 requestHash;
        bytes32 modelId;
        address provider;
        uint256 maxTokens;
        uint256 inputLength;
        uint256 pricePerMInput;
        uint256 pricePerMOutput;
        uint256 maxPayment;
        uint256 assignedAt;
    }

    /// @notice Checks a request's limits (not its model, which the coordinator checks) and returns its
    /// `requestHash`: keccak256 of `buildRequest` of its fields.
    function checkRequest(IJobCoordinator.JobRequest calldata job) external pure returns (bytes32) {
        uint256 length = job.input.length;
        if (length == 0 || length > MAX_INPUT_BYTES) revert IJobCoordinator.InvalidInput(length, MAX_INPUT_BYTES);
        if (job.maxTokens == 0 || job.maxTokens > MAX_OUTPUT_TOKENS) {
            revert IJobCoordinator.InvalidMaxTokens(job.maxTokens, MAX_OUTPUT_TOKENS);
        }
        if (job.temperatureMilli > MAX_TEMPERATURE_MILLI) {
            revert IJobCoordinator.InvalidTemperature(job.temperatureMilli);
        }
        if (job.seed > MAX_SEED) revert IJobCoordinator.InvalidSeed(job.seed);
        if (job.maxPayment == 0) revert IJobCoordinator.ZeroAmount();
        if (job.maxPayment > MAX_PAYMENT) {
            revert IJobCoordinator.ParameterOutOfRange("maxPayment", job.maxPayment, 1, MAX_PAYMENT);
        }
        if (job.callbackGasLimit > MAX_CALLBACK_GAS) {
            revert IJobCoordinator.InvalidCallbackGas(job.callbackGasLimit, MAX_CALLBACK_GAS);
        }
        if (job.ttl < MIN_TTL || job.ttl > MAX_TTL) revert IJobCoordinator.InvalidTtl(job.ttl);
        return keccak256(buildRequest(job.modelId, job.input, job.maxTokens, job.temperatureMilli, job.seed));
    }

    /// @notice Checks the coordinator's parameters: drawDelay 1..255, responseWindow 1 minute .. 1 day,
    /// jobBond <= MAX_JOB_BOND, missPenalty <= jobBond, maxAttempts 1..16 (ParameterOutOfRange).
    function checkParams(IJobCoordinator.Params calldata p) external pure {
        if (p.drawDelay == 0) revert IJobCoordinator.ParameterOutOfRange("drawDelay", p.drawDelay, 1, type(uint8).max);
        if (p.responseWindow < MIN_RESPONSE_WINDOW || p.responseWindow > MAX_RESPONSE_WINDOW) {
            revert IJobCoordinator.ParameterOutOfRange(
                "responseWindow", p.responseWindow, MIN_RESPONSE_WINDOW, MAX_RESPONSE_WINDOW
            );
        }
        if (p.jobBond > MAX_JOB_BOND) {
            revert IJobCoordinator.ParameterOutOfRange("jobBond", p.jobBond, 0, MAX_JOB_BOND);
        }
        if (p.missPenalty > p.jobBond) {
            revert IJobCoordinator.ParameterOutOfRange("missPenalty", p.missPenalty, 0, p.jobBond);
        }
        if (p.maxAttempts == 0 || p.maxAttempts > MAX_ATTEMPTS_LIMIT) {
            revert IJobCoordinator.ParameterOutOfRange("maxAttempts", p.maxAttempts, 1, MAX_ATTEMPTS_LIMIT);
        }
    }

    /// @notice Checks a subscription's schedule: a round every 1..MAX_INTERVAL blocks, 1..MAX_ROUNDS rounds.
    function checkSubscription(uint256 interval, uint256 count) external pure {
        if (interval == 0 || interval > MAX_INTERVAL) {
            revert IJobCoordinator.ParameterOutOfRange("interval", interval, 1, MAX_INTERVAL);
        }
        if (count == 0 || count > MAX_ROUNDS) {
            revert IJobCoordinator.ParameterOutOfRange("count", count, 1, MAX_ROUNDS);
        }
    }

    /// @notice The request bytes of a job: the canonical JSON (RFC 8785)
    /// `{"body":{"max_tokens":M,"messages":<input>,"model":"0x<modelId>","seed":S,"temperature":T},"kind":"chat"}`
    /// with `input` verbatim, M and S in decimal, the model id in lowercase hex and T = temperatureMilli /
    /// 1000 as the shortest decimal (0, 0.005, 0.7, 1, 1.25), as ECMAScript writes numbers. The keys are
    /// ASCII, so their code-unit order is the byte order written here.
    function buildRequest(
        bytes32 modelId,
        bytes calldata input,
        uint256 maxTokens,
        uint256 temperatureMilli,
        uint256 seed
    ) public pure returns (bytes memory) {
        return bytes.concat(
            '{"body":{"max_tokens":',
            bytes(Strings.toString(maxTokens)),
            ',"messages":',
            input,
            ',"model":"',
            bytes(Strings.toHexString(uint256(modelId), 32)),
            '","seed":',
            bytes(Strings.toString(seed)),
            ',"temperature":',
            temperature(temperatureMilli),
            '},"kind":"chat"}'
        );
    }

    /// @notice `milli / 1000` as the shortest decimal: 0, 0.005, 0.05, 0.7, 1, 1.25, 2.
    function temperature(uint256 milli) public pure returns (bytes memory) {
        bytes memory whole = bytes(Strings.toString(milli / 1000));
        uint256 fraction = milli % 1000;
        if (fraction == 0) return whole;
        uint256 digits = 3;
        while (fraction % 10 == 0) {
            fraction /= 10;
            --digits;
        }
        bytes memory tail = bytes(Strings.toString(fraction));
        // The fraction's leading zeros (0.005: 3 digits, tail "5").
        bytes memory zeros = new bytes(digits - tail.length);
        for (uint256 i; i < zeros.length; ++i) {
            zeros[i] = "0";
        }
        return bytes.concat(whole, ".", zeros, tail);
    }

    /// @notice Checks a delivery's receipt against the job (`payer` is the coordinator; the caller checks
    /// the status, the caller, the clock and the signature) and returns its cost. The receipt must carry
    /// the job's requestHash and model, `responseHash == outputHash`, the coordinator as payer, the
    /// provider, `outputTokens <= maxTokens`, `inputTokens <= inputLength + INPUT_TOKEN_ALLOWANCE`,
    /// `cost == ceil((inputTokens * pricePerMInput + outputTokens * pricePerMOutput) / 1e6)` <= maxPayment,
    /// `cumulativeAmount == cost` (a job is its own channel) and `assignedAt <= servedAt <= now`; the output
    /// at most `min(64 * maxTokens, MAX_OUTPUT_BYTES)` bytes. tokensHash is left to validators.
    function checkReceipt(
        Assignment calldata job,
        address payer,
        uint256 outputLength,
        bytes32 outputHash,
        IDisputes.Receipt calldata receipt
    ) external view returns (uint256 cost) {
        uint256 jobId = job.jobId;
        uint256 maxOutput = job.maxTokens * OUTPUT_BYTES_PER_TOKEN;
        if (maxOutput > MAX_OUTPUT_BYTES) maxOutput = MAX_OUTPUT_BYTES;
        if (outputLength > maxOutput) revert IJobCoordinator.OutputTooLarge(outputLength, maxOutput);
        if (receipt.requestHash != job.requestHash) _mismatch(jobId, "requestHash");
        if (receipt.responseHash != outputHash) _mismatch(jobId, "responseHash");
        if (receipt.modelId != job.modelId) _mismatch(jobId, "modelId");
        if (receipt.payer != payer) _mismatch(jobId, "payer");
        if (receipt.provider != job.provider) _mismatch(jobId, "provider");
        if (receipt.outputTokens > job.maxTokens) _mismatch(jobId, "outputTokens");
        if (receipt.inputTokens > job.inputLength + INPUT_TOKEN_ALLOWANCE) _mismatch(jobId, "inputTokens");
        // Both token counts are bounded above and prices are 128-bit: no overflow.
        uint256 micro =
            uint256(receipt.inputTokens) * job.pricePerMInput + uint256(receipt.outputTokens) * job.pricePerMOutput;
        cost = micro == 0 ? 0 : (micro - 1) / 1e6 + 1;
        if (receipt.cost != cost) _mismatch(jobId, "cost");
        if (cost > job.maxPayment) revert IJobCoordinator.CostAboveMax(cost, job.maxPayment);
        if (receipt.cumulativeAmount != cost) _mismatch(jobId, "cumulativeAmount");
        if (receipt.servedAt < job.assignedAt || receipt.servedAt > block.timestamp) _mismatch(jobId, "servedAt");
    }

    function _mismatch(uint256 jobId, string memory field) private pure {
        revert IJobCoordinator.ReceiptMismatch(jobId, field);
    }
}
