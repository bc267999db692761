import { type Deployment, deployContracts } from '@infermesh/protocol'
import type { DevnetPlan } from './planDevnet.js'

/**
 * Deploys the contracts to the devnet's chain from the deployer account, which may mint MESH, with
 * short epochs (the plan's) and a 60 s voting period, so a person watching sees uptime, emissions and
 * disputes happen.
 */
export function deployDevnetContracts(plan: DevnetPlan): Promise<Deployment> {
  return deployContracts({
    rpcUrl: plan.chain.rpcUrl,
    deployerKey: plan.deployer.privateKey,
    deployerIsMinter: true,
    params: { epochLength: BigInt(plan.epochSeconds), votingPeriod: 60n },
  })
}
