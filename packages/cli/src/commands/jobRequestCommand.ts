import { jobCoordinatorAbi, modelRegistryAbi, requestJob, watchJob } from '@infermesh/protocol'
import { type Chain, createWalletClient, formatEther, type Hex, http } from 'viem'
import { CliError, usageError } from '../CliError.js'
import { connectJobChain } from '../job/connectJobChain.js'
import { describeJob } from '../job/describeJob.js'
import { formatJobDescription } from '../job/formatJobDescription.js'
import { readDisputeWindow } from '../job/readDisputeWindow.js'
import { coordinatorOption, coordinatorOptionHelp, resolveJobTarget } from '../job/resolveJobTarget.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { payerOptions, payerOptionsHelp } from '../payer/resolvePayer.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh job request PROMPT [options]

Requests an on-chain job from the JobCoordinator as the payer's account: approves MESH for the most the
job may cost (escrowed until it settles; the rest comes back), sends the request and prints the job id.
A provider drawn by stake-weighted sortition runs it and delivers the output on chain; with --wait the
command waits for the delivery and prints the output and its receipt. The devnet's tiny model writes noise.

Options:
  --model NAME|ID       the model: a ModelRegistry name or a 0x model id (default: the only registered model)
  --system TEXT         a system message before the prompt
  --max-tokens N        most output tokens (default 32)
  --temperature T       0 (greedy, default) to 2
  --seed N              sampling seed (default 0)
  --max-payment MESH    most the job may cost, escrowed (default 0.01)
  --ttl SECONDS         seconds until the delivery deadline (default 600)
  --wait                wait for the delivery and print the output
  --timeout SECONDS     how long --wait waits (default 300)
  --json                print the job as JSON
${coordinatorOptionHelp}
${payerOptionsHelp}
  -h, --help            this help`

const wholeNumber = (value: string, what: string, max: number) => {
  if (!/^\d+$/.test(value) || Number(value) > max)
    throw usageError(`${what} must be a whole number from 0 to ${max}`)
  return Number(value)
}

/** `infermesh job request`: request an on-chain job (approve + request), optionally wait for its output. */
export const jobRequestCommand: Command = {
  name: 'job request',
  summary: 'Request an on-chain inference job from the JobCoordinator (escrowing MESH).',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('job request', argv, {
      ...payerOptions,
      ...coordinatorOption,
      model: { type: 'string' },
      system: { type: 'string' },
      'max-tokens': { type: 'string', default: '32' },
      temperature: { type: 'string', default: '0' },
      seed: { type: 'string', default: '0' },
      'max-payment': { type: 'string', default: '0.01' },
      ttl: { type: 'string', default: '600' },
      wait: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      json: { type: 'boolean', default: false },
    })
    if (positionals.length !== 1 || !positionals[0])
      throw usageError('what to ask? infermesh job request "PROMPT" (quote it)')
    const prompt = positionals[0]
    const maxTokens = wholeNumber(values['max-tokens'], '--max-tokens', 4096)
    if (maxTokens === 0) throw usageError('--max-tokens must be at least 1')
    if (!/^\d+(\.\d{1,3})?$/.test(values.temperature) || Number(values.temperature) > 2)
      throw usageError('--temperature must be a number from 0 to 2 with at most 3 decimals, like 0.7')
    const temperatureMilli = Math.round(Number(values.temperature) * 1000)
    const seed = BigInt(wholeNumber(values.seed, '--seed', Number.MAX_SAFE_INTEGER))
    const maxPayment = parseMesh(values['max-payment'], '--max-payment')
    const ttl = BigInt(wholeNumber(values.ttl, '--ttl', 30 * 24 * 3600))
    const timeoutMs = wholeNumber(values.timeout, '--timeout', 86_400) * 1000

    const jobTarget = await resolveJobTarget(values)
    const { target, coordinator } = jobTarget
    const { publicClient, chain } = await connectJobChain(jobTarget)
    const modelId = await resolveModel(publicClient, target.contracts.models, values.model)
    const account = await target.loadAccount()
    const walletClient = createWalletClient({
      account,
      chain: chain as Chain,
      transport: http(target.rpcUrl),
      pollingInterval: publicClient.pollingInterval,
    })
    const messages = [
      ...(values.system !== undefined ? [{ role: 'system' as const, content: values.system }] : []),
      { role: 'user' as const, content: prompt },
    ]
    const token = await publicClient.readContract({
      address: coordinator,
      abi: jobCoordinatorAbi,
      functionName: 'token',
    })
    console.error(
      `requesting a job of model ${modelId} for ${account.address}, escrowing up to ${formatEther(maxPayment)} MESH (${target.source})`,
    )
    let jobId: bigint
    try {
      ;({ jobId } = await requestJob({
        publicClient,
        walletClient,
        coordinator,
        token,
        modelId,
        messages,
        maxTokens,
        temperatureMilli,
        seed,
        maxPayment,
        ttl,
      }))
    } catch (cause) {
      throw new CliError(`the job request failed: ${(cause as Error).message.split('\n')[0]}`, { cause })
    }
    if (!values.wait) {
      if (values.json) console.log(JSON.stringify({ jobId: jobId.toString() }))
      else console.log(`job ${jobId} requested; see it with: infermesh job status ${jobId}`)
      return 0
    }
    console.error(`job ${jobId} requested; waiting for its delivery…`)
    const job = await watchJob({
      publicClient,
      coordinator,
      jobId,
      until: ['delivered', 'settled', 'refunded'],
      timeoutMs,
      onChange: (j) =>
        console.error(`  job ${jobId}: ${j.state}${j.state === 'assigned' ? ` to ${j.provider}` : ''}`),
    }).catch((cause: Error) => {
      throw new CliError(`${cause.message} See it later with: infermesh job status ${jobId}`, { cause })
    })
    const description = await describeJob({
      publicClient,
      coordinator,
      jobId,
      disputeWindow: () => readDisputeWindow(publicClient, coordinator),
    })
    if (values.json)
      console.log(
        JSON.stringify(
          description,
          (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
          2,
        ),
      )
    else if (description.delivered) console.log(description.delivered.outputText)
    else for (const line of formatJobDescription(description)) console.log(line)
    if (!values.json && description.delivered)
      for (const line of formatJobDescription(description).slice(1)) console.error(line)
    return job.state === 'refunded' ? 1 : 0
  },
}

/** The model id: a 0x id as given, a name through the ModelRegistry, or the only registered model. */
async function resolveModel(
  publicClient: Awaited<ReturnType<typeof connectJobChain>>['publicClient'],
  models: `0x${string}`,
  given: string | undefined,
): Promise<Hex> {
  if (given !== undefined && /^0x[0-9a-fA-F]{64}$/.test(given)) return given.toLowerCase() as Hex
  if (given !== undefined) {
    const id = await publicClient.readContract({
      address: models,
      abi: modelRegistryAbi,
      functionName: 'modelIdOfName',
      args: [given],
    })
    if (/^0x0+$/.test(id)) throw usageError(`no model named "${given}" in the ModelRegistry at ${models}`)
    return id
  }
  const count = await publicClient.readContract({
    address: models,
    abi: modelRegistryAbi,
    functionName: 'modelCount',
  })
  if (count !== 1n)
    throw usageError(`the ModelRegistry holds ${count} models: say which with --model NAME or --model 0xID`)
  const [id] = await publicClient.readContract({
    address: models,
    abi: modelRegistryAbi,
    functionName: 'getModelIds',
    args: [0n, 1n],
  })
  if (!id) throw usageError('the ModelRegistry holds no model')
  return id
}
