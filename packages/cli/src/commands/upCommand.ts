import { usageError } from '../CliError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { up } from '../up.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh up [options]

Starts a devnet on this machine: anvil, the contracts, funded dev accounts and a funded payer.
Writes <dir>/devnet.json (URLs, addresses, dev keys) and runs until Ctrl-C.

Options:
  --dir DIR          where devnet.json goes (default .infermesh; env INFERMESH_DIR)
  --chain-port PORT  the chain's RPC port, 0 for any free port (default 8545; env INFERMESH_CHAIN_PORT)
  --deposit MESH     the dev payer's deposit (default 10000)
  -h, --help         this help`

/** `infermesh up`: the whole network on one machine (so far: chain, contracts, funded accounts). */
export const upCommand: Command = {
  name: 'up',
  summary: 'Start a devnet on this machine: anvil, the contracts, funded dev accounts.',
  usage,
  async run(argv) {
    const values = parseCommandArgs('up', argv, {
      dir: { type: 'string', default: process.env.INFERMESH_DIR ?? '.infermesh' },
      'chain-port': { type: 'string', default: process.env.INFERMESH_CHAIN_PORT ?? '8545' },
      deposit: { type: 'string', default: '10000' },
    })
    const chainPort = Number(values['chain-port'])
    if (!/^\d+$/.test(values['chain-port']) || chainPort > 65535)
      throw usageError('--chain-port must be a port number')
    const deposit = parseMesh(values.deposit, '--deposit')

    const running = await up({ dir: values.dir, chainPort, deposit, log: (line) => console.log(line) })
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
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    console.log(`\n${signal}: stopping the devnet…`)
    await running.stop()
    console.log('stopped.')
    return 0
  },
}
