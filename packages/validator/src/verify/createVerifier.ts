import { buildPromptTokens, LlamaError } from '@infermesh/llama'
import type { RequestKind } from '@infermesh/protocol'
import {
  type ChatWrapper,
  type ControlledEvaluateInputItem,
  getLlama,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
} from 'node-llama-cpp'
import type { Hex } from 'viem'
import { ValidatorError } from '../errors.js'
import { decideVerdict, type VerifyTally } from './decideVerdict.js'
import { judgeEnd } from './judgeEnd.js'
import { judgeToken, type TokenJudgement } from './judgeToken.js'
import { type NextTokenLogits, nextTokenLogits } from './nextTokenLogits.js'
import { readVerifyRequest } from './readVerifyRequest.js'
import type { DecodingRule } from './samplingDistribution.js'
import { defaultTolerances, type VerifyTolerances } from './tolerances.js'
import { utf8PrefixState } from './utf8PrefixState.js'

/** A GGUF model the verifier re-executes, under the model id receipts carry. */
export type VerifierModel = { modelId: Hex; path: string }

/** Options of `createVerifier`. */
export type CreateVerifierOptions = {
  models: VerifierModel[]
  /** CPU threads of each context. Defaults to node-llama-cpp's choice. */
  threads?: number
  /** Context size in tokens. Defaults to the model's training context (what a provider may use at most). */
  contextSize?: number
  /** Tokens per llama.cpp batch. Defaults to node-llama-cpp's choice. */
  batchSize?: number
  /** `false` (the default) runs on the CPU; `'auto'` uses a GPU binary when one works here. */
  gpu?: false | 'auto'
  /**
   * The `max_tokens` a provider applies when a request names none (the provider's `defaultMaxTokens`);
   * unset: 16 for completions, the context left after the prompt for chats, as the provider does.
   */
  defaultMaxTokens?: number
  /** Overrides of `defaultTolerances`. */
  tolerances?: Partial<VerifyTolerances>
}

/** One sampled piece of work to re-execute: what was asked, what was answered, what the receipt billed. */
export type VerifyInput = {
  modelId: Hex
  /**
   * The endpoint that served the request, as bound into the receipt's requestHash: the body is read
   * and re-executed as this kind only (a completion never as a chat, whatever fields it carries).
   */
  kind: RequestKind
  /** The OpenAI request body as sent (chat `messages` or completion `prompt`, `max_tokens`, `temperature`, …). */
  request: unknown
  /** The response content (UTF-8, as the receipt's response hash covers it). */
  responseText: string
  /** From the signed receipt. */
  inputTokens: number
  /** From the signed receipt. */
  outputTokens: number
}

/** What the verifier found. */
export type VerifyResult = {
  /** `pass`: no unexcused mismatch; `drift`: a few (a reputation signal); `breach`: grounds for a dispute. */
  verdict: 'pass' | 'drift' | 'breach'
  decoding: 'greedy' | 'sampled'
  /** How the answer ended, as far as the counts tell: `none` when they fit no honest ending. */
  end: 'length' | 'end-token' | 'stop-string' | 'none'
  /** The prompt's tokens as the validator builds them. */
  promptTokens: number
  /** The response's tokens as the validator rebuilds them (without an end token or stop string). */
  responseTokens: number
  /** Tokens judged against the validator's logits (response tokens, stop-string tokens and the end). */
  checkedTokens: number
  mismatches: number
  nearTies: number
  /** Bytes hidden behind U+FFFD characters in the response, rebuilt by the validator (see the README). */
  hiddenBytes: number
  /** The smallest probability of a judged token (greedy: the model's; sampled: the sampler's). */
  minTokenProbability: number
  /** Sampled decoding: the likelihood-ratio statistic (1 means no evidence; see the README). */
  evidence: number
  /** Why the verdict is not `pass`, one sentence each. */
  reasons: string[]
  elapsedMs: number
}

/** Re-executes sampled work: the validator's side of Proof of Sampling. */
export type Verifier = {
  /** The model ids this verifier can check. */
  modelIds(): Hex[]
  /**
   * Verifies one answer. A wrong answer is a verdict, never an error.
   * @throws ValidatorError `model_not_loaded` (the model is not loaded here), `invalid_request` (the body
   * is not a request the provider could have served), `verifier_closed`.
   */
  verify(input: VerifyInput): Promise<VerifyResult>
  close(): Promise<void>
}

type LoadedModel = {
  model: LlamaModel
  context: LlamaContext
  sequence: LlamaContextSequence
  chatWrapper: ChatWrapper
  /** Byte value → token, and back, for byte-fallback vocabularies (`<0xAB>` tokens). */
  byteToken: Map<number, Token>
  tokenByte: Map<Token, number>
  /** Tokens that end generation (llama.cpp's end-of-generation set). */
  endOfGeneration: Set<Token>
  /** Runs one verification at a time on the model's single sequence. */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>
}

/**
 * Creates the verifier of Proof of Sampling (DESIGN rule 4). For each sampled answer it rebuilds the
 * prompt tokens exactly as the provider's llama backend does (`buildPromptTokens`), tokenizes the
 * response, teacher-forces prompt + response through the same model in one prefill (node-llama-cpp's
 * `controlledEvaluate`, the full next-token logits at every response position) and judges every token:
 *
 * - greedy (temperature 0): each token must be the validator's argmax, except near-ties: its logit at
 *   most ε = `nearTieLogitGap` (default 0.1) below the top;
 * - sampled (temperature > 0, the provider's default is 1): each token must be inside the top-p nucleus
 *   with probability ≥ `probabilityFloor` (default 1e-5) after temperature, and the tokens together must
 *   not be much less likely than honest sampling gives (a likelihood-ratio test martingale; breach at
 *   1e6, so an honest provider is wrongly accused with probability ≤ 1e-6);
 * - counts: the receipt's `inputTokens` must equal the prompt's tokens; `outputTokens` must be the
 *   response's tokens plus its ending (an end token, a stop string, or nothing at `max_tokens`); an
 *   ending before `max_tokens` must be plausible (the end token is the argmax or a near-tie, or has
 *   probability ≥ the floor when sampling), else the answer was truncated.
 *
 * Verdict: `breach` on wrong counts, truncation, more unexcused mismatches than
 * `max(driftAllowance = 2, driftFraction = 5% of checked tokens)`, or the sampling test; `drift` for fewer
 * mismatches (a reputation signal, never a slash); `pass` otherwise. The README explains each choice.
 *
 * Caveats: the response is re-tokenized from its text, which reproduces the provider's token ids for
 * byte-level vocabularies (the generated tiny model) but not always for BPE vocabularies, where the same
 * text has several tokenizations; a U+FFFD in the text hides 1–3 bytes the provider produced, which the
 * validator rebuilds exactly under greedy decoding (by following its own argmax) but can only guess under
 * sampling, where nothing after the first U+FFFD is judged (only the counts, with a slack of 2 tokens per
 * U+FFFD).
 *
 * @example
 * ```ts
 * const verifier = await createVerifier({ models: [{ modelId, path: '/models/tiny.gguf' }], threads: 2 })
 * const result = await verifier.verify({ modelId, request, responseText, inputTokens, outputTokens })
 * if (result.verdict === 'breach') console.log(result.reasons)
 * await verifier.close()
 * ```
 */
export async function createVerifier(options: CreateVerifierOptions): Promise<Verifier> {
  const tolerances = { ...defaultTolerances, ...options.tolerances }
  if (options.models.length === 0)
    throw new ValidatorError('createVerifier needs at least one model', {
      status: 500,
      code: 'config_invalid',
      retryable: false,
    })
  const llama = await getLlama({ gpu: options.gpu ?? false, build: 'never' })
  const loaded = new Map<Hex, LoadedModel>()
  try {
    for (const config of options.models)
      loaded.set(config.modelId.toLowerCase() as Hex, await load(llama, config, options))
  } catch (error) {
    await llama.dispose()
    throw error
  }
  let closed = false
  return {
    modelIds: () => [...loaded.keys()],
    async verify(input) {
      if (closed) throw new ValidatorError('the verifier is closed', { status: 503, code: 'verifier_closed' })
      const model = loaded.get(input.modelId.toLowerCase() as Hex)
      if (model === undefined)
        throw new ValidatorError(`model ${input.modelId} is not loaded in this verifier`, {
          status: 422,
          code: 'model_not_loaded',
        })
      return await model.exclusive(() => verifyOne(model, input, options, tolerances))
    },
    async close() {
      if (closed) return
      closed = true
      await llama.dispose()
    },
  }
}

async function load(
  llama: Llama,
  config: VerifierModel,
  options: CreateVerifierOptions,
): Promise<LoadedModel> {
  try {
    const model = await llama.loadModel({ modelPath: config.path })
    const context = await model.createContext({
      contextSize: options.contextSize ?? model.trainContextSize,
      sequences: 1,
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    })
    const names =
      (model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: string[] } } }).tokenizer?.ggml
        ?.tokens ?? []
    const byteToken = new Map<number, Token>()
    const tokenByte = new Map<Token, number>()
    const endOfGeneration = new Set<Token>()
    for (const [id, name] of names.entries()) {
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(name)
      if (byte) {
        byteToken.set(Number.parseInt(byte[1] as string, 16), id as Token)
        tokenByte.set(id as Token, Number.parseInt(byte[1] as string, 16))
      }
      if (model.isEogToken(id as Token)) endOfGeneration.add(id as Token)
    }
    for (const token of [model.tokens.eos, model.tokens.eot]) if (token !== null) endOfGeneration.add(token)
    let tail: Promise<unknown> = Promise.resolve()
    const exclusive = <T>(work: () => Promise<T>) => {
      const run = tail.then(work)
      tail = run.catch(() => {})
      return run
    }
    return {
      model,
      context,
      sequence: context.getSequence(),
      chatWrapper: resolveChatWrapper(model),
      byteToken,
      tokenByte,
      endOfGeneration,
      exclusive,
    }
  } catch (error) {
    throw new ValidatorError(
      `could not load model ${config.modelId} from ${config.path}: ${messageOf(error)}`,
      { status: 500, code: 'model_load_failed', retryable: false, cause: error },
    )
  }
}

/** A piece of the response: known tokens, or one U+FFFD (bytes the text no longer shows). */
type Piece = { tokens: Token[] } | { hidden: true }

async function verifyOne(
  loaded: LoadedModel,
  input: VerifyInput,
  options: CreateVerifierOptions,
  tolerances: VerifyTolerances,
): Promise<VerifyResult> {
  const started = performance.now()
  const { model, sequence } = loaded
  const request = readVerifyRequest(input.kind, input.request)
  let prompt: ReturnType<typeof buildPromptTokens>
  try {
    prompt = buildPromptTokens(model, loaded.chatWrapper, request)
  } catch (error) {
    if (error instanceof LlamaError)
      throw new ValidatorError(`the provider could not have served this request: ${error.message}`, {
        status: 400,
        code: 'invalid_request',
        cause: error,
      })
    throw error
  }
  const rule: DecodingRule =
    request.temperature === 0
      ? { kind: 'greedy' }
      : { kind: 'sampled', temperature: request.temperature, topP: request.topP }
  const greedy = rule.kind === 'greedy'
  const contextSize = sequence.contextSize
  const maxTokens =
    request.maxTokens ??
    (request.kind === 'chat'
      ? Math.max(1, Math.min(options.defaultMaxTokens ?? contextSize, contextSize - prompt.tokens.length))
      : (options.defaultMaxTokens ?? 16))
  const tally: VerifyTally = { checkedTokens: 0, mismatches: 0, nearTies: 0, logEvidence: 0, breaches: [] }
  let logUniform = 0
  let logFlattened = 0
  let minTokenProbability = 1
  let hiddenBytes = 0
  /**
   * Sampled, past a U+FFFD: the provider drew the hidden bytes at random and the validator cannot know
   * them; a wrong guess would move every later distribution (at a low temperature, honest tokens then look
   * impossible), so from there on nothing is evaluated or judged, only counted.
   */
  let guessed = false
  const count = (judgement: TokenJudgement) => {
    tally.checkedTokens++
    if (judgement.outcome === 'mismatch') tally.mismatches++
    if (judgement.outcome === 'near-tie') tally.nearTies++
    minTokenProbability = Math.min(minTokenProbability, judgement.probability)
    logUniform += judgement.evidence.uniform
    logFlattened += judgement.evidence.flattened
  }
  const result = (end: VerifyResult['end'], responseTokens: number) => {
    // The average of two test martingales is one: its log, without overflow.
    const high = Math.max(logUniform, logFlattened)
    tally.logEvidence = greedy
      ? 0
      : high + Math.log((Math.exp(logUniform - high) + Math.exp(logFlattened - high)) / 2)
    const { verdict, reasons } = decideVerdict(tally, tolerances, greedy)
    // Sampled answers are judged only up to their first U+FFFD: say so when that left nothing to
    // judge, rather than let a bare "pass" suggest a checked answer.
    if (verdict === 'pass' && tally.checkedTokens === 0 && input.outputTokens > 0)
      reasons.push(
        'no token was checkable (the answer begins with bytes its text lost); only the counts were checked',
      )
    return {
      verdict,
      decoding: rule.kind,
      end,
      promptTokens: prompt.tokens.length,
      responseTokens,
      checkedTokens: tally.checkedTokens,
      mismatches: tally.mismatches,
      nearTies: tally.nearTies,
      hiddenBytes,
      minTokenProbability,
      evidence: Math.exp(tally.logEvidence),
      reasons,
      elapsedMs: performance.now() - started,
    } satisfies VerifyResult
  }

  if (input.inputTokens !== prompt.tokens.length)
    tally.breaches.push(
      `the receipt counts ${input.inputTokens} input tokens, but the prompt is ${prompt.tokens.length} tokens`,
    )
  if (input.outputTokens > maxTokens)
    tally.breaches.push(
      `the receipt counts ${input.outputTokens} output tokens, more than max_tokens ${maxTokens}`,
    )
  const stops = [...new Set([...request.stop, ...prompt.stopTexts].filter((stop) => stop.length > 0))]
  for (const stop of stops)
    if (input.responseText.includes(stop))
      tally.breaches.push(
        `the response contains the stop string ${JSON.stringify(stop)}; generation must end before it`,
      )

  const pieces = splitResponse(loaded, input.responseText)
  const knownLength = pieces.reduce((sum, piece) => sum + ('tokens' in piece ? piece.tokens.length : 1), 0)
  if (prompt.tokens.length + knownLength + 1 > contextSize) {
    tally.breaches.push(
      `the prompt and response take ${prompt.tokens.length + knownLength} tokens; the model holds at most ${contextSize}`,
    )
    return result('none', knownLength)
  }

  // Teacher forcing: tokens are queued and evaluated together; each is judged against the logits after
  // the token before it. A queue is only flushed early where a U+FFFD needs the logits to choose a byte.
  await sequence.clearHistory()
  let current: NextTokenLogits | undefined
  const queue: { token: Token; judge: boolean }[] = []
  let prefix: Token[] | undefined = prompt.tokens
  const flush = async () => {
    if (prefix === undefined && queue.length === 0) return
    const items: ControlledEvaluateInputItem[] = []
    const withLogits = { generateNext: { logits: true } } as const
    if (prefix !== undefined)
      for (const [i, token] of prefix.entries())
        items.push(i === prefix.length - 1 ? [token, withLogits] : token)
    for (const { token } of queue) items.push([token, withLogits])
    const outputs = await sequence.controlledEvaluate(items)
    const logitsAt = (index: number) => {
      const logits = outputs[index]?.next.logits
      if (logits === undefined)
        throw new ValidatorError('llama.cpp returned no logits', { status: 500, code: 'evaluation_failed' })
      return nextTokenLogits(logits)
    }
    let offset = 0
    if (prefix !== undefined) {
      current = logitsAt(prefix.length - 1)
      offset = prefix.length
      prefix = undefined
    }
    for (const [i, { token, judge }] of queue.entries()) {
      if (judge) count(judgeToken(current as NextTokenLogits, token, rule, tolerances))
      current = logitsAt(offset + i)
    }
    queue.length = 0
  }
  const resolved: Token[] = []
  let hiddenPieces = 0
  for (const piece of pieces) {
    if (guessed) {
      // Sampled, past a U+FFFD: nothing more is judged (see flush), so nothing more is evaluated; the
      // tokens are only counted (a hidden run as one byte, the count slack covers the rest).
      if ('tokens' in piece) resolved.push(...piece.tokens)
      else {
        hiddenPieces++
        hiddenBytes++
        resolved.push(-1 as Token)
      }
      continue
    }
    if ('tokens' in piece) {
      for (const token of piece.tokens) queue.push({ token, judge: true })
      resolved.push(...piece.tokens)
      continue
    }
    hiddenPieces++
    await flush()
    if (!greedy) {
      guessed = true
      hiddenBytes++
      resolved.push(-1 as Token)
      continue
    }
    const bytes = [chooseHiddenByte(loaded, current as NextTokenLogits, rule, tolerances, count)]
    const push = (byte: number) => {
      const token = loaded.byteToken.get(byte) as Token
      queue.push({ token, judge: false })
      resolved.push(token)
      hiddenBytes++
    }
    push(bytes[0] as number)
    // Greedy: an incomplete UTF-8 start is continued while the argmax keeps it incomplete, as the
    // provider's greedy decoder did (the text shows one U+FFFD for the whole ill-formed run).
    // Never past max_tokens or the billed count: there the provider stopped and flushed the byte as is.
    const limit = Math.min(maxTokens, input.outputTokens, contextSize - prompt.tokens.length - 1)
    while (utf8PrefixState(bytes) === 'incomplete' && resolved.length < limit) {
      await flush()
      const next = loaded.tokenByte.get((current as NextTokenLogits).tokens[0] as Token)
      if (next === undefined || utf8PrefixState([...bytes, next]) !== 'incomplete') break
      bytes.push(next)
      tally.checkedTokens++
      push(next)
    }
  }

  // The ending: what the receipt's output count says was generated after the text.
  const need = input.outputTokens - resolved.length
  const slack = greedy ? 0 : 2 * hiddenPieces
  const fits = (extra: number) => Math.abs(need - extra) <= slack
  let end: VerifyResult['end'] = 'none'
  if (input.outputTokens === maxTokens && fits(0)) {
    end = 'length'
    await flush()
  } else {
    await flush()
    const ending =
      fits(1) && !guessed
        ? judgeEnd(
            current as NextTokenLogits,
            new Set([...loaded.endOfGeneration, ...prompt.stopTokens]),
            rule,
            tolerances,
          )
        : undefined
    const stop = stops
      .map((text) => ({ text, tokens: model.tokenize(text, false, 'trimLeadingSpace') }))
      .find(({ tokens }) => fits(tokens.length))
    if (ending !== undefined && (ending.outcome !== 'mismatch' || stop === undefined)) {
      count(ending)
      if (ending.outcome === 'mismatch') {
        tally.mismatches--
        tally.breaches.push(
          `truncated: the answer ends after ${resolved.length} tokens (max_tokens ${maxTokens}) where an end token has probability ${ending.probability.toPrecision(3)}`,
        )
      }
      end = 'end-token'
    } else if (stop !== undefined) {
      for (const token of stop.tokens) queue.push({ token, judge: true })
      await flush()
      end = 'stop-string'
    } else if (guessed && fits(1)) {
      end = 'end-token' // after a guessed byte the ending cannot be judged (see flush)
    } else if (fits(0) && need <= 0) {
      await flush()
      tally.breaches.push(
        `truncated: the answer ends after ${resolved.length} tokens, before max_tokens ${maxTokens}, without an end token or a stop string`,
      )
    } else {
      await flush()
      tally.breaches.push(
        `the receipt counts ${input.outputTokens} output tokens, but the response is ${resolved.length} tokens (${resolved.length + 1} with an end token)`,
      )
    }
  }
  return result(end, resolved.length)
}

/** Splits the response text into known tokens and U+FFFD characters (hidden bytes). */
function splitResponse(loaded: LoadedModel, text: string): Piece[] {
  const pieces: Piece[] = []
  // Without byte tokens a U+FFFD can only be the character itself.
  const parts = loaded.byteToken.size === 256 ? text.split('\uFFFD') : [text]
  for (const [i, part] of parts.entries()) {
    if (i > 0) pieces.push({ hidden: true })
    if (part.length > 0) pieces.push({ tokens: loaded.model.tokenize(part, false, 'trimLeadingSpace') })
  }
  return pieces
}

/**
 * Greedy: the first byte behind a U+FFFD is the validator's most likely byte that cannot start valid text
 * on its own (0x80–0xFF), judged like any token (the argmax or a near-tie).
 */
function chooseHiddenByte(
  loaded: LoadedModel,
  dist: NextTokenLogits,
  rule: DecodingRule,
  tolerances: VerifyTolerances,
  count: (judgement: TokenJudgement) => void,
): number {
  for (const token of dist.tokens) {
    const byte = loaded.tokenByte.get(token as Token)
    if (byte === undefined || byte < 0x80) continue
    if (rule.kind === 'greedy') count(judgeToken(dist, token as Token, rule, tolerances))
    return byte
  }
  return 0x80
}

function messageOf(error: unknown) {
  return error instanceof Error ? error.message : String(error)
}
