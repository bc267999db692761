/**
 * `@infermesh/cli` as a library: `up` starts the whole network on this machine as `infermesh up`
 * does, with its plan (`planDevnet`) and the devnet.json it writes (`Devnet`). The command itself is
 * `bin/infermesh.mjs`; test helpers are at `@infermesh/cli/testing`.
 */

export type { Devnet, DevnetExplorer, DevnetProvider, DevnetValidator } from './up/Devnet.js'
export {
  type CheatMode,
  type DevAccount,
  type DevnetPlan,
  type DevnetPlanOptions,
  maxDevnetProviders,
  maxDevnetValidators,
  planDevnet,
} from './up/planDevnet.js'
export {
  type RunningDevnet,
  UpAborted,
  type UpOptions,
  up,
} from './up.js'
