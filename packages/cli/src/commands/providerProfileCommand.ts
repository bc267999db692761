import { readFile } from 'node:fs/promises'
import { signProfileUpdate } from '@infermesh/explorer/profile'
import { CliError, usageError } from '../CliError.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { loadProviderAccount } from '../provider/loadProviderAccount.js'
import { defaultDevnetFile } from '../provider/readDevnet.js'
import { resolveProviderConfig } from '../provider/resolveProviderConfig.js'
import type { Command } from './Command.js'
import { providerOptions, providerOptionsHelp } from './providerOptions.js'

const usage = `Usage: infermesh provider profile "TEXT" [options]

Publishes the provider's public profile text (at most 500 characters) on an explorer: the text is
signed with the provider's key (EIP-712, domain "InferMesh Explorer" v1, the chain id and the
Registry of the provider's config, with the provider's next nonce and a 10-minute deadline), so only
this provider can change it and a copy of the request cannot be replayed, on this explorer or on one of
another deployment. An empty TEXT clears it.

Options:
  --explorer URL        the explorer (default: the devnet's from devnet.json, else http://127.0.0.1:8080;
                        env INFERMESH_EXPLORER_URL)
${providerOptionsHelp}
  -h, --help            this help`

async function devnetExplorer(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const devnet = JSON.parse(await readFile(defaultDevnetFile(env), 'utf8')) as {
      explorer?: { url?: string }
    }
    return devnet.explorer?.url
  } catch {
    return undefined
  }
}

/** `infermesh provider profile "TEXT"`: the provider's public profile on an explorer, signed by its key. */
export const providerProfileCommand: Command = {
  name: 'provider profile',
  summary: "Publish the provider's profile text on an explorer (signed with its key).",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('provider profile', argv, {
      ...providerOptions,
      explorer: { type: 'string' },
    })
    if (positionals.length !== 1) throw usageError('give the profile text as one argument (quote it)')
    const text = positionals[0] as string
    if (text.length > 500) throw usageError(`the profile is ${text.length} characters; at most 500`)
    const explorer = (
      values.explorer ??
      (process.env.INFERMESH_EXPLORER_URL || (await devnetExplorer(process.env)) || 'http://127.0.0.1:8080')
    ).replace(/\/+$/, '')
    const { config } = await resolveProviderConfig({ flags: values, env: process.env })
    const { account } = await loadProviderAccount({
      keystore: config.keystore,
      env: process.env,
      ...(values['password-file'] !== undefined && { passwordFile: values['password-file'] }),
    })
    const get = async <T>(path: string): Promise<T> => {
      let response: Response
      try {
        response = await fetch(`${explorer}${path}`, { signal: AbortSignal.timeout(10_000) })
      } catch (cause) {
        throw new CliError(`no explorer answered at ${explorer}: pass --explorer URL`, { cause })
      }
      const body = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } }
      if (!response.ok) throw new CliError(`the explorer refused: ${body.error?.message ?? response.status}`)
      return body
    }
    const status = await get<{ chainId: number; contracts?: { registry?: string } }>('/api/status')
    const registry = config.chain.contracts.registry
    if (status.contracts?.registry?.toLowerCase() !== registry.toLowerCase())
      throw new CliError(
        `the explorer at ${explorer} follows the Registry ${status.contracts?.registry ?? '(none)'}, not this provider's ${registry}: pass the --explorer of the provider's network`,
      )
    const provider = await get<{ profileNonce: string }>(`/api/providers/${account.address}`)
    const body = await signProfileUpdate({
      account,
      chainId: status.chainId,
      registry,
      profile: text,
      nonce: BigInt(provider.profileNonce),
    })
    const response = await fetch(`${explorer}/api/providers/${account.address}/profile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
    if (!response.ok)
      throw new CliError(`the explorer refused the profile: ${answer.error?.message ?? response.status}`)
    console.log(`Profile of ${account.address} published on ${explorer}/providers/${account.address}`)
    return 0
  },
}
