import type { Hex } from 'viem'
import { parseCommandArgs } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { connectProviderChain } from '../provider/connectProviderChain.js'
import { formatOnChainProvider } from '../provider/formatOnChainProvider.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { registerProvider } from '../provider/registerProvider.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
import type { Command } from './Command.js'
import { providerOptions, providerOptionsHelp } from './providerOptions.js'

const usage = `Usage: infermesh provider register [options]

Stakes MESH and publishes the provider in the Registry: endpoint, region, hardware and one offer per
configured model (model id = sha256 of the GGUF file, or the configured modelId; prices from
"offers"). Already registered? It updates what changed instead: stake top-up, endpoint, region and
hardware, and the offers (setOffers; offers no longer in the config are removed). Safe to run again.

Options:
${providerOptionsHelp}
  --stake MESH          total stake wanted (default: the Registry's minimum stake); never lowers it
  --endpoint URL        override registration.endpoint (env INFERMESH_PROVIDER_ENDPOINT)
  -h, --help            this help`

/** `infermesh provider register`: stake and publish, or update what changed. */
export const providerRegisterCommand: Command = {
  name: 'provider register',
  summary: 'Stake and publish endpoint, hardware and offers in the Registry (or update them).',
  usage,
  async run(argv) {
    const values = parseCommandArgs('provider register', argv, {
      ...providerOptions,
      stake: { type: 'string' },
      endpoint: { type: 'string' },
    })
    const stake = values.stake === undefined ? undefined : parseMesh(values.stake, '--stake')
    const { config, file } = await resolveProviderConfig({ flags: values, env: process.env })
    const { account } = await loadProviderAccount({
      keystore: config.keystore,
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    const chain = await connectProviderChain(config, account)
    console.log(
      `registering ${account.address} (${file}) in the Registry ${config.chain.contracts.registry} on chain ${chain.chain.id}`,
    )
    const result = await registerProvider({
      config,
      chain,
      ...(stake !== undefined && { stake }),
      log: (line) => console.log(`  ${line}`),
    })
    console.log(
      {
        registered: 'Registered.',
        updated: 'Was already registered: updated what changed.',
        unchanged: 'Already registered, and the Registry already matches the config: nothing to send.',
      }[result.outcome],
    )
    const names = new Map<Hex, string>(result.offers.map((offer) => [offer.modelId, offer.model]))
    for (const line of formatOnChainProvider(result.provider, { names, minStake: result.minStake }))
      console.log(`  ${line}`)
    if (/^https?:\/\/(127\.|localhost|\[::1\])/.test(config.registration.endpoint))
      console.log(
        `note: the endpoint ${config.registration.endpoint} is only reachable from this machine: fine on a devnet; set a public URL (--endpoint) for a real network`,
      )
    return 0
  },
}
