import { formatEther } from 'viem'
import { gatewayClientError, openGatewayClient } from '../client/openGatewayClient.js'
import {
  gatewayClientOptions,
  gatewayClientOptionsHelp,
  resolveGatewayClient,
} from '../client/resolveGatewayClient.js'
import { parseCommandArgs } from '../parseCommandArgs.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh models [options]

Lists the models the gateway routes to (GET /v1/models with the official openai client): how many
providers offer each, and the range of their prices in MESH per 1M input and output tokens.

Options:
  --json                print the gateway's answer as JSON
${gatewayClientOptionsHelp}
  -h, --help            this help`

/** The `infermesh` extra field of a model in the gateway's /v1/models. */
type NetworkModelInfo = {
  modelId?: string
  providers?: number
  pricePerMInput?: { min: string; max: string }
  pricePerMOutput?: { min: string; max: string }
}

const range = (price: { min: string; max: string } | undefined) => {
  if (!price) return '?'
  const [min, max] = [formatEther(BigInt(price.min)), formatEther(BigInt(price.max))]
  return min === max ? min : `${min}–${max}`
}

/** `infermesh models`: the network's models and prices, through the gateway. */
export const modelsCommand: Command = {
  name: 'models',
  summary: "List the gateway's models, providers per model and price ranges.",
  usage,
  async run(argv) {
    const values = parseCommandArgs('models', argv, {
      ...gatewayClientOptions,
      json: { type: 'boolean', default: false },
    })
    const settings = await resolveGatewayClient({ flags: values, env: process.env })
    const client = await openGatewayClient(settings)
    let models: (Awaited<ReturnType<typeof client.models.list>>['data'][number] & {
      infermesh?: NetworkModelInfo
    })[]
    try {
      models = (await client.models.list()).data
    } catch (error) {
      throw await gatewayClientError(error, settings)
    }
    if (values.json) {
      console.log(JSON.stringify({ object: 'list', data: models }, null, 2))
      return 0
    }
    if (models.length === 0) {
      console.log(
        `The gateway at ${settings.url} lists no models yet: no provider is registered and reachable.`,
      )
      return 0
    }
    const width = Math.max(5, ...models.map((m) => m.id.length)) + 2
    console.log(`${'MODEL'.padEnd(width)}PROVIDERS  MESH PER 1M INPUT  MESH PER 1M OUTPUT  MODEL ID`)
    for (const model of models) {
      const info = model.infermesh ?? {}
      console.log(
        `${model.id.padEnd(width)}${String(info.providers ?? '?').padEnd(11)}${range(info.pricePerMInput).padEnd(19)}${range(info.pricePerMOutput).padEnd(20)}${info.modelId ?? ''}`,
      )
    }
    return 0
  },
}
