import type OpenAI from 'openai'
import { CliError } from '../CliError.js'
import type { GatewayClientSettings } from './resolveGatewayClient.js'

/**
 * The official `openai` client on the gateway (`baseURL` = the gateway's `/v1`). No retries: the
 * gateway already fails over between providers, and a person at a terminal wants the answer or the
 * reason at once. The `openai` package (150 modules) is loaded here, by the commands that call the
 * gateway, not by every command.
 */
export async function openGatewayClient(settings: GatewayClientSettings): Promise<OpenAI> {
  const { default: OpenAI } = await import('openai')
  return new OpenAI({
    baseURL: `${settings.url}/v1`,
    apiKey: settings.apiKey,
    maxRetries: 0,
    timeout: 300_000,
  })
}

/**
 * An error of the `openai` client as a `CliError` a person can act on: the gateway's own message for
 * an HTTP error (`the gateway answered 401: Incorrect API key provided…`), or where to look when the
 * gateway does not answer.
 */
export async function gatewayClientError(error: unknown, settings: GatewayClientSettings): Promise<unknown> {
  const { default: OpenAI } = await import('openai')
  if (error instanceof OpenAI.APIConnectionError)
    return new CliError(
      `the gateway at ${settings.url} (${settings.sources.url}) does not answer: is it running? ("infermesh up", or "infermesh gateway start")`,
      { cause: error },
    )
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const body = error.error as { message?: string } | undefined
    const message = body?.message ?? error.message.replace(/^\d+ /, '')
    const hint = error.status === 401 ? ` (the API key is from ${settings.sources.apiKey})` : ''
    return new CliError(`the gateway answered ${error.status}: ${message}${hint}`, { cause: error })
  }
  return error
}
