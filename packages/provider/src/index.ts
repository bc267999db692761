export { createOpenAICompatibleBackend } from './backends/createOpenAICompatibleBackend.js'
export { ProviderError } from './errors.js'
export { type RunningProvider, type StartProviderOptions, startProvider } from './startProvider.js'
