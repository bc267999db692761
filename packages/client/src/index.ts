export { buildOfferIndex, type IndexedProvider, type OfferIndex } from './discovery/buildOfferIndex.js'
export {
  createDiscovery,
  type DiscoveredProvider,
  type Discovery,
  type DiscoveryOptions,
  type Judgement,
  type ProbeOutcome,
} from './discovery/createDiscovery.js'
export {
  createProbeScheduler,
  type ProbeScheduler,
  type ProbeSchedulerOptions,
} from './discovery/createProbeScheduler.js'
export type { NetworkModel, Offer } from './discovery/Offer.js'
export {
  type DroppedModelEntry,
  type ProviderModelAlias,
  parseProviderModels,
} from './discovery/parseProviderModels.js'
export { type ProbeProviderParameters, type ProbeResult, probeProvider } from './discovery/probeProvider.js'
export { type NetworkValidator, readValidators } from './discovery/readValidators.js'
export { isPrivateAddress } from './http/isPrivateAddress.js'
export { PeerError, type PeerErrorCode } from './http/PeerError.js'
export { type PeerFetchInit, peerFetch } from './http/peerFetch.js'
export { type ReadBoundedBodyOptions, readBoundedBody } from './http/readBoundedBody.js'
export { type ReadBoundedJsonOptions, readBoundedJson } from './http/readBoundedJson.js'
export { readBoundedText } from './http/readBoundedText.js'
export { type ChatAnswer, chat } from './provider/chat.js'
export { type CompletionAnswer, completion } from './provider/completion.js'
export { type EmbeddingsAnswer, embeddings } from './provider/embeddings.js'
export { type HandInVoucherParameters, handInVoucher } from './provider/handInVoucher.js'
export { type ModelsParameters, models, type ProviderModel } from './provider/models.js'
export {
  type ProviderAnswer,
  type ProviderCallParameters,
  type ProviderClientConfig,
  postToProvider,
} from './provider/postToProvider.js'
export { type ProviderClient, providerClient } from './provider/providerClient.js'
export { type ProviderRefusal, readProviderRefusal } from './provider/readProviderRefusal.js'
export { readValidatorRefusal, type ValidatorRefusal } from './validator/readValidatorRefusal.js'
export {
  type ReportsParameters,
  reports,
  type SampleReport,
  sampleReportSchema,
} from './validator/reports.js'
export { type ProviderReputation, providerReputationSchema, reputation } from './validator/reputation.js'
export { type SubmitSampleParameters, submitSample } from './validator/submitSample.js'
export type { ValidatorCallParameters, ValidatorClientConfig } from './validator/ValidatorClientConfig.js'
export { type ValidatorClient, validatorClient } from './validator/validatorClient.js'
