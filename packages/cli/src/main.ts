/**
 * `infermesh` — one binary, one role per process. Commands so far:
 *   infermesh up [--dir .infermesh] [--chain-port 8545] [--deposit 10000]
 */
import { parseArgs } from 'node:util'
import { parseEther } from 'viem'
import { up } from './up.js'

const usage = `Usage: infermesh <command> [options]

Commands:
  up    Start a devnet on this machine: anvil, the contracts, funded dev accounts.
        Writes <dir>/devnet.json and runs until Ctrl-C.
        --dir DIR          where devnet.json goes (default .infermesh)
        --chain-port PORT  the chain's RPC port, 0 for any free port (default 8545)
        --deposit MESH     the dev payer's deposit (default 10000)`

function fail(message: string): never {
  console.error(`infermesh: ${message}\n\n${usage}`)
  process.exit(2)
}

const [command, ...rest] = process.argv.slice(2)
if (!command || command === '--help' || command === 'help') {
  console.log(usage)
  process.exit(command ? 0 : 2)
}
if (command !== 'up') fail(`unknown command "${command}"`)

let values: { dir: string; 'chain-port': string; deposit: string; help: boolean }
try {
  values = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string', default: process.env.INFERMESH_DIR ?? '.infermesh' },
      'chain-port': { type: 'string', default: process.env.INFERMESH_CHAIN_PORT ?? '8545' },
      deposit: { type: 'string', default: '10000' },
      help: { type: 'boolean', default: false },
    },
  }).values as typeof values
} catch (error) {
  fail((error as Error).message)
}
if (values.help) {
  console.log(usage)
  process.exit(0)
}
const chainPort = Number(values['chain-port'])
if (!Number.isInteger(chainPort) || chainPort < 0 || chainPort > 65535)
  fail('--chain-port must be a port number')
if (!/^\d+(\.\d+)?$/.test(values.deposit)) fail('--deposit must be an amount of MESH, like 10000')

try {
  const running = await up({
    dir: values.dir,
    chainPort,
    deposit: parseEther(values.deposit),
    log: (line) => console.log(line),
  })
  const { devnet } = running
  console.log(`
InferMesh devnet is up (${running.file}).
  chain      ${devnet.rpcUrl}  chain id ${devnet.chainId}
  token      ${devnet.contracts.token}
  registry   ${devnet.contracts.registry}
  payments   ${devnet.contracts.payments}
  models     ${devnet.contracts.models}
  payer      ${devnet.payer.address} (dev key in devnet.json)
Press Ctrl-C to stop.`)
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping the devnet…`)
    await running.stop()
    console.log('stopped.')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
} catch (error) {
  const causes: string[] = []
  for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(e.message.split('\n')[0] ?? '')
  console.error(`infermesh up failed: ${causes.join(': ')}`)
  process.exit(1)
}
