import { type Address, getAddress, isAddress } from 'viem'
import { usageError } from '../CliError.js'
import { formatNetworkStatus } from '../network/formatNetworkStatus.js'
import { readNetworkStatus } from '../network/readNetworkStatus.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { connectChain, payerOptions, resolvePayer } from '../payer/resolvePayer.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh status [options]

Shows the network as the chain holds it: every provider in the Registry (address, endpoint, region,
stake, offers, active, and whether it answers now), the payer's deposit and pending withdrawal, and
each provider's earnings: the MESH in its wallet, and Payments.paid per channel (payer, model).
Reads the chain and contracts from the devnet file, or from a gateway config with --config.

Options:
  --devnet FILE         the devnet file "infermesh up" writes (default .infermesh/devnet.json, or
                        $INFERMESH_DIR/devnet.json)
  --config FILE         a gateway config instead: its chain and its payer (env INFERMESH_GATEWAY_CONFIG)
  --rpc-url URL         override the chain's JSON-RPC URL (env INFERMESH_RPC_URL)
  --payer ADDRESS       whose deposit and channels to show (default: the devnet's or the config's payer)
  --json                print the status as JSON (amounts in MESH wei, as strings)
  -h, --help            this help`

/** `infermesh status`: providers, the payer's deposit and the providers' earnings. */
export const statusCommand: Command = {
  name: 'status',
  summary: "Show the providers, the payer's deposit and withdrawal, and the providers' earnings.",
  usage,
  async run(argv) {
    const { 'password-file': _unused, ...options } = payerOptions
    const values = parseCommandArgs('status', argv, {
      ...options,
      payer: { type: 'string' },
      json: { type: 'boolean', default: false },
    })
    let payer: Address | undefined
    if (values.payer !== undefined) {
      if (!isAddress(values.payer, { strict: false }))
        throw usageError(`--payer must be an address, got "${values.payer}"`)
      payer = getAddress(values.payer)
    }
    const target = await resolvePayer({ flags: values, env: process.env })
    payer ??= target.payer
    const { publicClient } = await connectChain(target)
    const status = await readNetworkStatus({
      target,
      publicClient: publicClient as never,
      ...(payer && { payer }),
      ...(target.devnet?.startBlock !== undefined && { fromBlock: target.devnet.startBlock }),
    })
    if (values.json)
      console.log(
        JSON.stringify(status, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2),
      )
    else console.log(formatNetworkStatus(status, { rpcUrl: target.rpcUrl, source: target.source }).join('\n'))
    return 0
  },
}
