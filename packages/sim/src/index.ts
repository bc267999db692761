export { type CommitteePool, committeeOutcome } from './committee/committeeOutcome.js'
export { type EmissionShares, epochRewards, type ProviderEpoch } from './ledger/epochRewards.js'
export { type DisputeSettlement, settleDispute } from './ledger/settleDispute.js'
export { splitFlush } from './ledger/splitFlush.js'
export { type PaymentSplit, splitPayment } from './ledger/splitPayment.js'
export {
  type EpochRecord,
  providerKinds,
  runSimulation,
  type SimResult,
  validatorKinds,
} from './model/runSimulation.js'
export {
  type CheaterPlan,
  defaultSimParams,
  type SimParams,
  type TargetingRule,
  targetingRules,
} from './model/simParams.js'
export { type SweepRow, sweepAxes, sweepParameter } from './model/sweepParameter.js'
export type { ReplayTrace, TraceFlows } from './replay/ReplayTrace.js'
export { replayOnChain, replayParams } from './replay/replayOnChain.js'
export { sampleTrace } from './replay/sampleTrace.js'
export { traceFlows } from './replay/traceFlows.js'
export { buildReport, type ReportFiles } from './report/buildReport.js'
export type { CriterionResult } from './report/CriterionResult.js'
export { fullScale, type ReportScale, smallScale } from './report/simulateAll.js'
export { SimReportError, writeReport } from './report/writeReport.js'
export { createRng, type Rng } from './rng/createRng.js'
export { type CheatName, cheats } from './verify/cheats.js'
export { decodingModes } from './verify/decodingModes.js'
export { type HardwareClass, hardwareClasses } from './verify/hardwareClasses.js'
export { type AnswerSpec, judgeAnswer } from './verify/judgeAnswer.js'
export { type RateRow, verifierRates } from './verify/verifierRates.js'
