import type { ChatMessage } from '@infermesh/llama'
import { canonicalJson, hashRequest, type JobRequested, type NamedJob } from '@infermesh/protocol'
import type { Hex } from 'viem'
import type { ServedModel } from '../server/ProviderServerOptions.js'
import { parseBody } from '../server/parseBody.js'

/** A job the provider can run: what to generate and the request its receipt hashes. */
export type RunnableJob = {
  ok: true
  model: ServedModel
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
  seed: number
  /** The chat request body the job stands for (IJobCoordinator's request bytes are `{body, kind}`). */
  body: Record<string, unknown>
  requestHash: Hex
}

/** A job the provider declines, and why. */
export type DeclinedJob = { ok: false; reason: string }

export type CheckJobLimits = {
  /** The models this provider serves, by lowercase model id. */
  models: ReadonlyMap<string, ServedModel>
  /** Most output tokens the provider takes for a job (`jobs.maxTokens`). */
  maxTokens: number
}

/**
 * Checks an assigned job before running it, as the HTTP chat route checks a request: the input must be a
 * canonical JSON array of chat messages (it re-serializes to the same bytes), the chat request it stands
 * for must pass the same schema as `/v1/chat/completions` (`parseBody`), the model must be served and the
 * output tokens within the provider's limit and the model's context; the request hash built from it must
 * equal the job's `requestHash` (the coordinator builds the same bytes). Anything else is declined.
 *
 * @example
 * const checked = checkJob(job, requested, { models, maxTokens: 1024 })
 * if (!checked.ok) await decline(job.id, checked.reason)
 */
export function checkJob(
  job: NamedJob,
  requested: JobRequested,
  limits: CheckJobLimits,
): RunnableJob | DeclinedJob {
  const decline = (reason: string): DeclinedJob => ({ ok: false, reason })
  const model = limits.models.get(job.modelId.toLowerCase())
  if (!model) return decline(`model ${job.modelId} is not served here`)
  if (job.maxTokens > limits.maxTokens)
    return decline(`max tokens ${job.maxTokens} is above this provider's limit of ${limits.maxTokens}`)
  if (job.maxTokens >= model.contextLength)
    return decline(`max tokens ${job.maxTokens} does not fit the model's context of ${model.contextLength}`)
  let input: unknown
  try {
    input = JSON.parse(requested.inputText)
  } catch {
    return decline('the input is not JSON')
  }
  if (!Array.isArray(input)) return decline('the input is not a JSON array of chat messages')
  let canonical: string
  try {
    canonical = canonicalJson(input)
  } catch (error) {
    return decline(`the input cannot be serialized canonically: ${(error as Error).message}`)
  }
  if (canonical !== requested.inputText) return decline('the input is not canonical JSON (RFC 8785)')
  const temperature = job.temperatureMilli / 1000
  const seed = Number(job.seed)
  const body = {
    max_tokens: job.maxTokens,
    messages: input,
    model: job.modelId.toLowerCase(),
    seed,
    temperature,
  }
  let parsed: ReturnType<typeof parseBody<'chat'>>
  try {
    parsed = parseBody('chat', body)
  } catch (error) {
    return decline(`the input is not a valid chat request: ${(error as Error).message}`)
  }
  const requestHash = hashRequest('chat', body)
  if (requestHash.toLowerCase() !== job.requestHash.toLowerCase())
    return decline(`the request hash ${requestHash} differs from the job's ${job.requestHash}`)
  const messages: ChatMessage[] = parsed.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: m.content,
  }))
  return { ok: true, model, messages, maxTokens: job.maxTokens, temperature, seed, body, requestHash }
}
