import { type Deployment, deployContracts, devDeployParams } from '@infermesh/protocol'
import { devnetDisputeParams } from './devnetDisputeParams.js'
import type { DevnetPlan } from './planDevnet.js'

/**
 * Deploys the contracts to the devnet's chain from the deployer account, which holds the initial supply
 * the devnet's accounts are funded from (nobody but Emissions mints), with no timelock, short epochs (the
 * plan's) and short dispute rounds (`devnetDisputeParams`), so a person watching sees uptime, emissions
 * and disputes happen.
 */
export function deployDevnetContracts(plan: DevnetPlan): Promise<Deployment> {
  return deployContracts({
    rpcUrl: plan.chain.rpcUrl,
    deployerKey: plan.deployer.privateKey,
    params: {
      ...devDeployParams,
      epochLength: BigInt(plan.epochSeconds),
      ...devnetDisputeParams(plan.epochSeconds),
    },
  })
}
