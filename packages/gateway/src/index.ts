export { GatewayError } from './errors.js'
export { type GatewayConfig, type GatewayConfigInput, gatewayConfigSchema } from './gatewayConfig.js'
export { createProviderStats, type ProviderStats } from './routing/createProviderStats.js'
export { createRoutingTable, type RoutingDiscovery, type RoutingTable } from './routing/createRoutingTable.js'
export { rankProviders } from './routing/rankProviders.js'
export type { Candidate, CandidateStats, RoutingPreferences, SortPolicy } from './routing/types.js'
export {
  createSampleFees,
  type SampleDelivery,
  type SampleFees,
  type SampleFeesOptions,
} from './sampling/createSampleFees.js'
export { type CompletedRequest, createSampler, type Sampler } from './sampling/createSampler.js'
export { type RunningGateway, type StartGatewayOptions, startGateway } from './startGateway.js'
export { createGatewayStore, type GatewayStore } from './store/createGatewayStore.js'
