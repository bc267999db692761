import { resolve } from 'node:path'
import { usageError } from '../CliError.js'
import { defaultDevnetFile, readDevnet } from '../provider/readDevnet.js'

export type GatewayClientFlags = { 'gateway-url'?: string; 'api-key'?: string; devnet?: string }

export type GatewayClientSettings = {
  /** The gateway's base URL, without `/v1`. */
  url: string
  apiKey: string
  /** Where each came from, for messages: `--gateway-url`, `INFERMESH_API_KEY`, `.infermesh/devnet.json`. */
  sources: { url: string; apiKey: string }
}

/** Options the customer commands (`chat`, `models`) share, for `parseCommandArgs`, and their help. */
export const gatewayClientOptions = {
  'gateway-url': { type: 'string' },
  'api-key': { type: 'string' },
  devnet: { type: 'string' },
} as const

export const gatewayClientOptionsHelp = `  --gateway-url URL     the gateway (env INFERMESH_GATEWAY_URL; default: gateway.url of the devnet file)
  --api-key KEY         the API key (env INFERMESH_API_KEY; default: gateway.apiKey of the devnet file)
  --devnet FILE         the devnet file "infermesh up" writes (default .infermesh/devnet.json, or
                        $INFERMESH_DIR/devnet.json)`

/**
 * The gateway URL and API key a customer command uses, each by one precedence: flag > environment
 * (`INFERMESH_GATEWAY_URL`, `INFERMESH_API_KEY`) > the devnet file `infermesh up` writes. The devnet
 * file is only read when a flag or variable leaves something unset.
 *
 * @throws CliError (exit 2) when neither is set and there is no devnet file with a gateway.
 */
export async function resolveGatewayClient(params: {
  flags: GatewayClientFlags
  env: NodeJS.ProcessEnv
}): Promise<GatewayClientSettings> {
  const { flags, env } = params
  let url: string | undefined
  let urlSource = ''
  let apiKey: string | undefined
  let keySource = ''
  if (flags['gateway-url'] !== undefined) [url, urlSource] = [flags['gateway-url'], '--gateway-url']
  else if (env.INFERMESH_GATEWAY_URL) [url, urlSource] = [env.INFERMESH_GATEWAY_URL, 'INFERMESH_GATEWAY_URL']
  if (flags['api-key'] !== undefined) [apiKey, keySource] = [flags['api-key'], '--api-key']
  else if (env.INFERMESH_API_KEY) [apiKey, keySource] = [env.INFERMESH_API_KEY, 'INFERMESH_API_KEY']
  if (url === undefined || apiKey === undefined) {
    const file = resolve(flags.devnet ?? defaultDevnetFile(env))
    let gateway: { url: string; apiKey: string } | undefined
    try {
      gateway = (await readDevnet(file)).gateway
    } catch (error) {
      if (flags.devnet !== undefined) throw error
      throw usageError(
        `which gateway? pass --gateway-url URL and --api-key KEY (or set INFERMESH_GATEWAY_URL and INFERMESH_API_KEY), or start a devnet with "infermesh up" (it writes ${file})`,
        error,
      )
    }
    if (!gateway)
      throw usageError(`${file} has no gateway: pass --gateway-url and --api-key, or restart "infermesh up"`)
    if (url === undefined) [url, urlSource] = [gateway.url, file]
    if (apiKey === undefined) [apiKey, keySource] = [gateway.apiKey, file]
  }
  try {
    const parsed = new URL(url)
    if (!/^https?:$/.test(parsed.protocol)) throw new Error('not http')
  } catch (cause) {
    throw usageError(`the gateway URL "${url}" (${urlSource}) must be an http:// or https:// URL`, cause)
  }
  return {
    url: url.replace(/\/+$/, '').replace(/\/v1$/, ''),
    apiKey,
    sources: { url: urlSource, apiKey: keySource },
  }
}
