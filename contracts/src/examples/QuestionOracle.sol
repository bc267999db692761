// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {InferMeshConsumer} from "../InferMeshConsumer.sol";
import {IJobCoordinator} from "../interfaces/IJobCoordinator.sol";
import {IDisputes} from "../interfaces/IDisputes.sol";

/// @title QuestionOracle
/// @notice An example InferMesh consumer: anyone asks a model a question; the answer is stored on chain
/// by job id when the provider delivers, and anyone can read it (`answerOf`), with the provider and the
/// receipt digest that make it disputable.
///
/// Funding: `ask` pulls `maxPayment` MESH from the asker when it approved this contract for it;
/// otherwise the job is paid from MESH sent to this contract (a sponsor's pool). Unspent escrow and
/// refunds come back to the contract and fund later questions.
///
/// The question goes to the model as `[{"content":<system prompt>,"role":"system"},{"content":<question>,
/// "role":"user"}]`, canonical JSON built on chain (JSON string escaping of `"`, `\`, and control
/// characters); answers are greedy (temperature 0), so any validator re-running it gets the same answer.
contract QuestionOracle is InferMeshConsumer {
    using SafeERC20 for IERC20;

    /// @notice What the model is told before each question.
    string public constant SYSTEM_PROMPT = "Answer the question in one short paragraph.";
    uint256 public constant MAX_QUESTION_BYTES = 1024;
    /// @notice Callback gas: a base plus this much per output token (about 4 bytes stored per token).
    uint256 public constant CALLBACK_BASE_GAS = 80_000;
    uint256 public constant CALLBACK_GAS_PER_TOKEN = 3_000;
    uint32 public constant MAX_ANSWER_TOKENS = 512;
    uint64 public constant TTL = 1 hours;

    /// @notice A question and, once delivered, its answer.
    struct Question {
        address asker;
        uint64 askedAt;
        uint64 answeredAt;
        bytes32 modelId;
        address provider;
        bytes32 receiptDigest;
        string question;
        string answer;
    }

    mapping(uint256 jobId => Question) private _questions;
    /// @notice Every job id asked, in order.
    uint256[] public jobIds;

    error EmptyQuestion();
    error QuestionTooLong(uint256 length, uint256 maxLength);
    /// @notice Control characters other than tab, newline and carriage return are refused.
    error UnsupportedCharacter(uint256 position);
    error InvalidMaxTokens(uint256 maxTokens, uint256 maxAllowed);
    error UnknownQuestion(uint256 jobId);

    event QuestionAsked(uint256 indexed jobId, address indexed asker, bytes32 indexed modelId, string question);
    event QuestionAnswered(uint256 indexed jobId, address indexed provider, string answer);

    constructor(IJobCoordinator coordinator_) InferMeshConsumer(coordinator_) {}

    /// @notice Asks `modelId` `question`; the answer arrives in a later block (see `answerOf`).
    /// @param maxTokens Most tokens of the answer (1 .. MAX_ANSWER_TOKENS); the callback gets
    /// CALLBACK_BASE_GAS + CALLBACK_GAS_PER_TOKEN × maxTokens gas to store it.
    /// @param maxPayment Most MESH wei the answer may cost: pulled from the caller when it approved this
    /// contract for it, else paid from this contract's pool.
    /// @return jobId The coordinator's job id, the question's key.
    function ask(bytes32 modelId, string calldata question, uint32 maxTokens, uint256 maxPayment)
        external
        returns (uint256 jobId)
    {
        uint256 length = bytes(question).length;
        if (length == 0) revert EmptyQuestion();
        if (length > MAX_QUESTION_BYTES) revert QuestionTooLong(length, MAX_QUESTION_BYTES);
        if (maxTokens == 0 || maxTokens > MAX_ANSWER_TOKENS) revert InvalidMaxTokens(maxTokens, MAX_ANSWER_TOKENS);
        if (mesh.allowance(msg.sender, address(this)) >= maxPayment) {
            mesh.safeTransferFrom(msg.sender, address(this), maxPayment);
        }
        bytes memory messages = bytes.concat(
            '[{"content":"',
            bytes(SYSTEM_PROMPT),
            '","role":"system"},{"content":"',
            _escape(question),
            '","role":"user"}]'
        );
        jobId = _requestInference(
            modelId,
            messages,
            maxTokens,
            0,
            0,
            maxPayment,
            uint32(CALLBACK_BASE_GAS + CALLBACK_GAS_PER_TOKEN * maxTokens),
            TTL
        );
        Question storage q = _questions[jobId];
        q.asker = msg.sender;
        q.askedAt = uint64(block.timestamp);
        q.modelId = modelId;
        q.question = question;
        jobIds.push(jobId);
        emit QuestionAsked(jobId, msg.sender, modelId, question);
    }

    /// @notice The question of `jobId` and its answer (empty until delivered).
    function answerOf(uint256 jobId) external view returns (Question memory) {
        Question memory q = _questions[jobId];
        if (q.asker == address(0)) revert UnknownQuestion(jobId);
        return q;
    }

    /// @notice How many questions were asked.
    function questionCount() external view returns (uint256) {
        return jobIds.length;
    }

    /// @dev Stores the answer with the provider and the receipt digest (the dispute key).
    function _onInferenceResult(uint256 jobId, bytes calldata output, IDisputes.Receipt calldata receipt)
        internal
        override
    {
        Question storage q = _questions[jobId];
        q.answeredAt = uint64(block.timestamp);
        q.provider = receipt.provider;
        q.receiptDigest = coordinator.getJob(jobId).receiptDigest;
        q.answer = string(output);
        emit QuestionAnswered(jobId, receipt.provider, string(output));
    }

    /// @dev The JSON string body of `text` as JSON.stringify writes it: `"` and `\` escaped, tab, newline
    /// and carriage return as \t \n \r; other control characters are refused.
    function _escape(string calldata text) private pure returns (bytes memory out) {
        bytes calldata raw = bytes(text);
        out = new bytes(raw.length * 2);
        uint256 n;
        for (uint256 i; i < raw.length; ++i) {
            bytes1 c = raw[i];
            if (c == '"' || c == "\\") {
                out[n++] = "\\";
                out[n++] = c;
            } else if (c == 0x09) {
                out[n++] = "\\";
                out[n++] = "t";
            } else if (c == 0x0a) {
                out[n++] = "\\";
                out[n++] = "n";
            } else if (c == 0x0d) {
                out[n++] = "\\";
                out[n++] = "r";
            } else if (uint8(c) < 0x20) {
                revert UnsupportedCharacter(i);
            } else {
                out[n++] = c;
            }
        }
        assembly ("memory-safe") {
            mstore(out, n)
        }
    }
}
