export { isPrivateAddress } from './http/isPrivateAddress.js'
export { jsonDepthExceeds } from './http/jsonDepthExceeds.js'
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
