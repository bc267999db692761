/**
 * Deploys the InferMesh contracts to any EVM RPC endpoint and writes their addresses to a JSON file.
 *
 *   INFERMESH_DEPLOYER_KEY=0x… npm run deploy -- --rpc-url https://… --out deployment.json \
 *     [--param minStake=1000000000000000000000 …] \
 *     [--param timelockDelay=90000 --timelock-proposer 0xMULTISIG]
 *
 * The key comes from the environment only, so it never lands in shell history or `ps`.
 */
import { parseArgs } from 'node:util'
import { getAddress, type Hex, isAddress } from 'viem'
import { deployContracts } from '../deployContracts.js'
import { type DeployParams, defaultDeployParams, writeDeployment } from '../deployment.js'

const usage = `Usage: INFERMESH_DEPLOYER_KEY=0x… npm run deploy -- --rpc-url URL [--out FILE] [--param NAME=VALUE …] [--timelock-proposer ADDRESS …]

On a real chain set initialSupply (minted once to the deployer) and timelockDelay (seconds, at least
withdrawDelay + 3600): a MeshTimelock then owns every contract and its proposers (default: the deployer)
schedule every owner action timelockDelay ahead. unbondingPeriod must be at least disputeWindow +
maxRounds × (commitPeriod + revealPeriod): a provider stays disputable that long after its work.

Parameters (defaults): ${Object.entries(defaultDeployParams)
  .map(([name, value]) => `${name}=${value}`)
  .join(', ')}`

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        'rpc-url': { type: 'string' },
        out: { type: 'string', default: 'deployment.json' },
        param: { type: 'string', multiple: true, default: [] },
        'timelock-proposer': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', default: false },
      },
    })
  } catch (error) {
    fail((error as Error).message)
  }
})()

if (values.help) {
  console.log(usage)
  process.exit(0)
}
const rpcUrl = values['rpc-url'] ?? process.env.INFERMESH_RPC_URL
if (!rpcUrl) fail('Missing --rpc-url (or INFERMESH_RPC_URL).')
const deployerKey = process.env.INFERMESH_DEPLOYER_KEY
if (!deployerKey || !/^0x[0-9a-fA-F]{64}$/.test(deployerKey)) {
  fail('Set INFERMESH_DEPLOYER_KEY to the deployer’s 0x-prefixed 32-byte private key.')
}
const params: Partial<Record<keyof DeployParams, string>> = {}
for (const entry of values.param) {
  const [name, value] = entry.split('=')
  if (!name || value === undefined || !(name in defaultDeployParams)) fail(`Unknown parameter: ${entry}`)
  params[name as keyof DeployParams] = value
}

try {
  const deployment = await deployContracts({
    rpcUrl,
    deployerKey: deployerKey as Hex,
    params: params as unknown as Partial<DeployParams>,
    timelockProposers: values['timelock-proposer'].map((value) =>
      isAddress(value) ? getAddress(value) : fail(`Not an address: ${value}`),
    ),
  })
  await writeDeployment(values.out, deployment)
  console.log(`Deployed to chain ${deployment.chainId}; addresses written to ${values.out}`)
  for (const [name, address] of Object.entries(deployment.contracts))
    console.log(`  ${name.padEnd(9)} ${address}`)
} catch (error) {
  const causes: string[] = []
  for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(e.message.split('\n')[0] ?? '')
  console.error(`Deployment failed: ${causes.join(': ')}`)
  process.exit(1)
}
