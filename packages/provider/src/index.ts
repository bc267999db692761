export type {
  Backend,
  BackendModel,
  ChatMessage,
  EmbedResult,
  GenerateParams,
  GenerateResult,
} from './backend.js'
export {
  buildPromptTokens,
  type PromptInput,
  type PromptTokens,
} from './backends/buildPromptTokens.js'
export { type CheatMode, createCheatingBackend } from './backends/createCheatingBackend.js'
export { createLlamaBackend } from './backends/createLlamaBackend.js'
export { createOpenAICompatibleBackend } from './backends/createOpenAICompatibleBackend.js'
export { ProviderError } from './errors.js'
export { modelIdOfFile } from './model/modelIdOfFile.js'
export { tinyModelCommand } from './model/tinyModelCommand.js'
export { writeTinyModel } from './model/writeTinyModel.js'
export {
  chatRequestSchema,
  completionRequestSchema,
} from './server/requestSchemas.js'
export { type RunningProvider, type StartProviderOptions, startProvider } from './startProvider.js'
