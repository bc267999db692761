export type {
  Backend,
  BackendModel,
  ChatMessage,
  EmbedResult,
  GenerateParams,
  GenerateResult,
} from './backend.js'
export {
  type CheatMode,
  type CreateCheatingBackendOptions,
  createCheatingBackend,
} from './backends/createCheatingBackend.js'
export {
  type CreateLlamaBackendParams,
  createLlamaBackend,
  type LlamaBackendModel,
} from './backends/createLlamaBackend.js'
export { LlamaError } from './LlamaError.js'
export { modelIdOfFile } from './model/modelIdOfFile.js'
export { type TinyModelCommandResult, tinyModelCommand } from './model/tinyModelCommand.js'
export {
  type WriteTinyModelParams,
  type WriteTinyModelResult,
  writeTinyModel,
} from './model/writeTinyModel.js'
export { buildPromptTokens, type PromptInput, type PromptTokens } from './prompt/buildPromptTokens.js'
export {
  type CheckedRequestBody,
  checkRequestBody,
  type RequestBodyKind,
  type RequestRefusal,
} from './requests/checkRequestBody.js'
export { everyProviderHonours } from './requests/everyProviderHonours.js'
export {
  type ChatRequest,
  type CompletionRequest,
  chatRequestSchema,
  completionRequestSchema,
  type EmbeddingRequest,
  embeddingRequestSchema,
} from './requests/requestSchemas.js'
