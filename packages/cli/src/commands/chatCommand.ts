import { CliError, usageError } from '../CliError.js'
import { gatewayClientError, openGatewayClient } from '../client/openGatewayClient.js'
import {
  gatewayClientOptions,
  gatewayClientOptionsHelp,
  resolveGatewayClient,
} from '../client/resolveGatewayClient.js'
import { terminalText } from '../client/terminalText.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh chat "PROMPT" [options]

Sends one chat message to the gateway with the official openai client and prints the answer on
stdout; the model, the tokens used and the request id go to stderr. On a devnet the gateway URL and
API key come from .infermesh/devnet.json ("infermesh up" writes it). The tiny devnet model writes noise.
Control characters in the answer are shown as symbols (ESC as ␛), never obeyed by the terminal.

Options:
  --model MODEL         the model (default: the only one the gateway lists; see "infermesh models")
  --stream              print the answer as it is generated
  --max-tokens N        the most tokens to generate (default 64)
  --system TEXT         a system message before the prompt
${gatewayClientOptionsHelp}
  -h, --help            this help`

/** `infermesh chat`: one chat completion through the gateway. */
export const chatCommand: Command = {
  name: 'chat',
  summary: 'Ask the network a question through the gateway (openai client; --stream).',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('chat', argv, {
      ...gatewayClientOptions,
      model: { type: 'string' },
      stream: { type: 'boolean', default: false },
      'max-tokens': { type: 'string', default: '64' },
      system: { type: 'string' },
    })
    if (positionals.length === 0) throw usageError('what to ask? infermesh chat "PROMPT"')
    if (positionals.length > 1)
      throw usageError(
        `one prompt, in quotes: got ${positionals.length} arguments (${positionals.join(' ')})`,
      )
    const prompt = positionals[0] as string
    const maxTokens = Number(values['max-tokens'])
    if (!/^\d+$/.test(values['max-tokens']) || maxTokens < 1 || maxTokens > 1_000_000)
      throw usageError('--max-tokens must be a whole number from 1 to 1000000')
    const settings = await resolveGatewayClient({ flags: values, env: process.env })
    const client = await openGatewayClient(settings)
    try {
      let model = values.model
      if (model === undefined) {
        const models = (await client.models.list()).data.map((m) => m.id)
        if (models.length === 0)
          throw new CliError(
            `the gateway at ${settings.url} lists no models: no provider is registered and reachable yet`,
          )
        if (models.length > 1)
          throw usageError(`which model? the gateway offers ${models.join(', ')}: pass --model`)
        model = models[0] as string
      }
      const messages = [
        ...(values.system !== undefined ? [{ role: 'system' as const, content: values.system }] : []),
        { role: 'user' as const, content: prompt },
      ]
      let usageLine: string
      if (values.stream) {
        const stream = await client.chat.completions.create({
          model,
          messages,
          max_tokens: maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        })
        let id = ''
        let tokens: { prompt_tokens: number; completion_tokens: number } | undefined
        // A character split between two deltas (a surrogate pair) is printed whole, with the next one.
        let held = ''
        for await (const chunk of stream) {
          id ||= chunk.id
          let text = held + (chunk.choices[0]?.delta?.content ?? '')
          held = /[\uD800-\uDBFF]$/.test(text) ? text.slice(-1) : ''
          text = text.slice(0, text.length - held.length)
          if (text) process.stdout.write(terminalText(text))
          if (chunk.usage) tokens = chunk.usage
        }
        process.stdout.write(`${terminalText(held)}\n`)
        usageLine = `${model}: ${tokens ? `${tokens.prompt_tokens} prompt + ${tokens.completion_tokens} completion tokens` : 'no usage reported'}, ${id}`
      } else {
        const completion = await client.chat.completions.create({ model, messages, max_tokens: maxTokens })
        console.log(terminalText(completion.choices[0]?.message?.content ?? ''))
        const tokens = completion.usage
        usageLine = `${model}: ${tokens ? `${tokens.prompt_tokens} prompt + ${tokens.completion_tokens} completion tokens` : 'no usage reported'}, ${completion.id}`
      }
      console.error(usageLine)
      return 0
    } catch (error) {
      throw await gatewayClientError(error, settings)
    }
  },
}
