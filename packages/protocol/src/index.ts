export { disputesAbi, disputesBytecode } from './abis/Disputes.js'
export { emissionsAbi, emissionsBytecode } from './abis/Emissions.js'
export { jobCodecAbi, jobCodecBytecode } from './abis/JobCodec.js'
export { jobCoordinatorAbi, jobCoordinatorBytecode } from './abis/JobCoordinator.js'
export { jobProvidersAbi, jobProvidersBytecode } from './abis/JobProviders.js'
export { meshTimelockAbi, meshTimelockBytecode } from './abis/MeshTimelock.js'
export { meshTokenAbi, meshTokenBytecode } from './abis/MeshToken.js'
export { modelRegistryAbi, modelRegistryBytecode } from './abis/ModelRegistry.js'
export { modelSharesAbi, modelSharesBytecode } from './abis/ModelShares.js'
export { modelSharesFactoryAbi, modelSharesFactoryBytecode } from './abis/ModelSharesFactory.js'
export { paymentsAbi, paymentsBytecode } from './abis/Payments.js'
export { questionOracleAbi, questionOracleBytecode } from './abis/QuestionOracle.js'
export { registryAbi, registryBytecode } from './abis/Registry.js'
export { shareOfferingAbi, shareOfferingBytecode } from './abis/ShareOffering.js'
export { uptimeAbi, uptimeBytecode } from './abis/Uptime.js'
export { verificationFeesAbi, verificationFeesBytecode } from './abis/VerificationFees.js'
export { canonicalJson } from './canonicalJson.js'
export { type ComputeCostParameters, computeCost } from './computeCost.js'
export { type Connection, type ConnectOptions, chainFor, connect } from './connect.js'
export { contractRevert } from './contractRevert.js'
export { decodeSignedReceipt } from './decodeSignedReceipt.js'
export { decodeSignedVoucher } from './decodeSignedVoucher.js'
export { type DeployContractsOptions, deployContracts } from './deployContracts.js'
export {
  type Deployment,
  type DeployParams,
  defaultDeployParams,
  deploymentSchema,
  deployParamsSchema,
  readDeployment,
  writeDeployment,
} from './deployment.js'
export { paymentsDomain, receiptTypes, voucherTypes } from './eip712.js'
export { encodeSignedReceipt, type SignedReceipt } from './encodeSignedReceipt.js'
export { encodeSignedVoucher, type SignedVoucher } from './encodeSignedVoucher.js'
export { BaseError, type BaseErrorOptions } from './errors.js'
export { gasWithHeadroom } from './gasWithHeadroom.js'
export { hashRequest } from './hashRequest.js'
export { hashResponse } from './hashResponse.js'
export { emptyTokensHash, hashTokenIds } from './hashTokenIds.js'
export { receiptEvent, receiptHeader, voucherHeader } from './headers.js'
export { erc1271Gas, isValidSignatureNow, type SignatureRuleClient } from './isValidSignatureNow.js'
export { type JobRequestFields, jobRequestBytes } from './jobRequestBytes.js'
export { type GetJobParameters, getJob, type Job, type NamedJob } from './jobs/getJob.js'
export { type JobStatus, jobStatus, jobStatuses } from './jobs/jobStatus.js'
export {
  type JobDelivered,
  type ReadJobDeliveredParameters,
  readJobDelivered,
} from './jobs/readJobDelivered.js'
export {
  type JobRequested,
  type ReadJobRequestedParameters,
  readJobRequested,
} from './jobs/readJobRequested.js'
export {
  type JobMessage,
  type RequestedJob,
  type RequestJobParameters,
  requestJob,
} from './jobs/requestJob.js'
export { type WatchJobParameters, watchJob } from './jobs/watchJob.js'
export { paymentsDigest } from './paymentsDigest.js'
export { privateKeyToFastAccount } from './privateKeyToFastAccount.js'
export { type ProviderConfig, type ProviderConfigInput, providerConfigSchema } from './providerConfig.js'
export {
  type ReadServerSentEventsOptions,
  readServerSentEvents,
  type ServerSentEvent,
  ServerSentEventsError,
} from './readServerSentEvents.js'
export type { Receipt } from './receipt.js'
export { type RequestKind, requestKinds } from './requestKind.js'
export {
  hashReceipt,
  recoverSampleSigner,
  type SampleBody,
  type SampleMessage,
  type SignSampleParameters,
  sampleTypes,
  signSample,
  validationDomain,
} from './sample.js'
export { type SignReceiptParameters, signReceipt } from './signReceipt.js'
export { type SignVoucherParameters, signVoucher } from './signVoucher.js'
export {
  type Anvil,
  anvilBinary,
  anvilMnemonic,
  freePort,
  type StartAnvilOptions,
  startAnvil,
} from './startAnvil.js'
export {
  type DevChain,
  type DevContractCall,
  devDeployerKey,
  devDeployParams,
  devInitialSupply,
  startDevChain,
} from './startDevChain.js'
export { typedDataHasher } from './typedDataHasher.js'
export { VERIFICATION_MODEL_ID } from './verificationModelId.js'
export { type VerifyReceiptParameters, verifyReceipt } from './verifyReceipt.js'
export { type VerifyVoucherParameters, verifyVoucher } from './verifyVoucher.js'
export type { Voucher } from './voucher.js'
