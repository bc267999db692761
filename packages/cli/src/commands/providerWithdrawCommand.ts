import { formatEther } from 'viem'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { connectProviderChain } from '../provider/connectProviderChain.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
import { withdrawStake } from '../provider/withdrawStake.js'
import type { Command } from './Command.js'
import { providerOptions, providerOptionsHelp } from './providerOptions.js'

const usage = `Usage: infermesh provider withdraw [options]

Pays the provider's unbonded stake back to its account, once the unbonding period that
"infermesh provider unregister" started has ended.

Options:
${providerOptionsHelp}
  -h, --help            this help`

/** `infermesh provider withdraw`: take unbonded stake back. */
export const providerWithdrawCommand: Command = {
  name: 'provider withdraw',
  summary: 'Take the stake back once its unbonding period has ended.',
  usage,
  async run(argv) {
    const values = parseCommandArgs('provider withdraw', argv, providerOptions)
    const { config } = await resolveProviderConfig({ flags: values, env: process.env })
    const { account } = await loadProviderAccount({
      keystore: config.keystore,
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    const chain = await connectProviderChain(config, account)
    const result = await withdrawStake({ config, chain, log: (line) => console.log(`  ${line}`) })
    console.log(`Withdrew ${formatEther(result.amount)} MESH to ${account.address}.`)
    return 0
  },
}
