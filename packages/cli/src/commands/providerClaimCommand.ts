import { formatEther } from 'viem'
import { usageError } from '../CliError.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { claimEmissions } from '../provider/claimEmissions.js'
import { connectProviderChain } from '../provider/connectProviderChain.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
import type { Command } from './Command.js'
import { providerOptions, providerOptionsHelp } from './providerOptions.js'

const usage = `Usage: infermesh provider claim [options]

Claims the provider's emissions: for each finalized epoch whose challenge window has passed, its share
for uptime (validators' median score at or above the floor) and for verified work (what it redeemed, not
lost in a dispute), minted to its account by the Emissions contract. Safe to run again.

Options:
${providerOptionsHelp}
  --epochs N            how many epochs back to look (default 168)
  -h, --help            this help`

/** `infermesh provider claim`: mint the provider's emissions. */
export const providerClaimCommand: Command = {
  name: 'provider claim',
  summary: 'Claim the emissions the provider earned (uptime and verified work).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('provider claim', argv, {
      ...providerOptions,
      epochs: { type: 'string' },
    })
    let epochs: number | undefined
    if (values.epochs !== undefined) {
      epochs = Number(values.epochs)
      if (!/^\d+$/.test(values.epochs) || epochs < 1 || epochs > 100_000)
        throw usageError('--epochs must be a whole number from 1 to 100000')
    }
    const { epochs: _epochs, ...flags } = values
    const { config } = await resolveProviderConfig({ flags, env: process.env })
    const { account } = await loadProviderAccount({
      keystore: config.keystore,
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    const chain = await connectProviderChain(config, account)
    const result = await claimEmissions({
      config,
      chain,
      ...(epochs !== undefined && { epochs }),
      log: (line) => console.log(`  ${line}`),
    })
    for (const claim of result.claimed)
      console.log(
        `epoch ${claim.epoch}: ${formatEther(claim.availability)} MESH for uptime, ${formatEther(claim.work)} MESH for work`,
      )
    for (const deferred of result.deferred)
      console.log(`epoch ${deferred.epoch}: not yet: ${deferred.reason}`)
    const total = result.claimed.reduce((sum, c) => sum + c.availability + c.work + c.validation, 0n)
    console.log(
      result.claimed.length === 0
        ? `Nothing to claim for ${account.address}.`
        : `Claimed ${formatEther(total)} MESH for ${account.address} over ${result.claimed.length} epoch${result.claimed.length === 1 ? '' : 's'}.`,
    )
    return 0
  },
}
