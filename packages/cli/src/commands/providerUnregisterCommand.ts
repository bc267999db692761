import { formatEther } from 'viem'
import { formatDuration } from '../formatDuration.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { connectProviderChain } from '../provider/connectProviderChain.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
import { unregisterProvider } from '../provider/unregisterProvider.js'
import type { Command } from './Command.js'
import { providerOptions, providerOptionsHelp } from './providerOptions.js'

const usage = `Usage: infermesh provider unregister [options]

Leaves the Registry: gateways stop routing to this provider, its offers are removed and its whole
stake starts unbonding. Slashing still reaches unbonding stake until it unlocks; then take it back
with "infermesh provider withdraw". Keep the daemon running until its vouchers are redeemed.

Options:
${providerOptionsHelp}
  -h, --help            this help`

/** `infermesh provider unregister`: leave the Registry and start unbonding. */
export const providerUnregisterCommand: Command = {
  name: 'provider unregister',
  summary: 'Leave the Registry; the stake starts unbonding.',
  usage,
  async run(argv) {
    const values = parseCommandArgs('provider unregister', argv, providerOptions)
    const { config } = await resolveProviderConfig({ flags: values, env: process.env })
    const { account } = await loadProviderAccount({
      keystore: config.keystore,
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    const chain = await connectProviderChain(config, account)
    const result = await unregisterProvider({ config, chain, log: (line) => console.log(`  ${line}`) })
    const now = (await chain.publicClient.getBlock()).timestamp
    console.log(
      `Unregistered ${account.address}. ${formatEther(result.unbonding)} MESH is unbonding: it unlocks at ${new Date(Number(result.unbondingEnd) * 1000).toISOString()} (in ${formatDuration(result.unbondingEnd - now)}); then run "infermesh provider withdraw".`,
    )
    return 0
  },
}
