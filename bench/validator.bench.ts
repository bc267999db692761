/**
 * Validator benchmark (`npm run bench -- validator`; results go to bench/results/validator.json):
 *  1. the teacher-forced check (createVerifier's `verify`: prompt rebuilt, response re-tokenized, one
 *     prefill over prompt + response with the full next-token logits, every token judged) ÷ generating the
 *     same tokens with the provider's llama backend: same model, same threads, per token (target ≤ 0.2).
 *     Twice: on the answer as generated (the random-weight models write bytes that are not UTF-8, which
 *     the verifier must rebuild one evaluation at a time) and on the same answer in valid UTF-8 (one
 *     prefill, what a real model's answers cost);
 *  2. verification compute ÷ serving compute at sampling rates p = 1% and 5%:
 *     p × (check time + per-sample overhead) ÷ generation time, where the overhead is what a sample costs
 *     besides the check (parsing the sample and hashing its payload against the receipt, measured here).
 * Models: the generated tiny test model (default writeTinyModel shape) and the `mid` shape of
 * bench/provider.bench.ts (~45M parameters, closer to a real model's time per token). BENCH_MODEL=tiny or
 * BENCH_MODEL=mid runs only one.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLlamaBackend, modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import { createVerifier, type VerifyResult } from '@infermesh/validator'
import { keccak256, toBytes } from 'viem'

const THREADS = 1
const MAX_TOKENS = 128
const ROUNDS = 5
const PROMPT = 'Tell me a long story about a lighthouse keeper and the sea.'

const shapes = {
  tiny: {},
  mid: { embeddingLength: 768, blockCount: 6, headCount: 12, feedForwardLength: 2048, contextLength: 1024 },
} as const
type ShapeName = keyof typeof shapes
const only = process.env.BENCH_MODEL as ShapeName | undefined
if (only !== undefined && !(only in shapes))
  throw new Error(`BENCH_MODEL must be one of ${Object.keys(shapes).join(', ')}`)
const names = only ? [only] : (Object.keys(shapes) as ShapeName[])

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
const round = (value: number, digits = 3) => Number(value.toFixed(digits))

const dir = await mkdtemp(join(tmpdir(), 'infermesh-bench-validator-'))
const results: Record<string, unknown> = {}
for (const name of names) {
  const path = join(dir, `${name}.gguf`)
  await writeTinyModel({ out: path, seed: 5, ...shapes[name] })
  const modelId = await modelIdOfFile(path)
  const backend = await createLlamaBackend({ models: [{ name, path }], threads: THREADS, sequences: 1 })
  const verifier = await createVerifier({ models: [{ modelId, path }], threads: THREADS })
  const cases = {
    greedy: { temperature: 0 },
    sampled: { temperature: 1, seed: 1 },
  } as const
  const byCase: Record<string, unknown> = {}
  for (const [caseName, decoding] of Object.entries(cases)) {
    const generation: number[] = []
    const check: number[] = []
    const checkValidUtf8: number[] = []
    const verdicts: VerifyResult['verdict'][] = []
    for (let i = -1; i < ROUNDS; i++) {
      const body = {
        model: name,
        messages: [{ role: 'user' as const, content: `${PROMPT} (${i})` }],
        max_tokens: MAX_TOKENS,
        ...decoding,
        ...('seed' in decoding && { seed: decoding.seed + i }),
      }
      const started = performance.now()
      const answer = await backend.generate({
        model: name,
        messages: body.messages,
        maxTokens: MAX_TOKENS,
        temperature: body.temperature,
        ...('seed' in body && { seed: body.seed }),
      })
      const generationMs = performance.now() - started
      const result = await verifier.verify({
        modelId,
        kind: 'chat',
        request: body,
        responseText: answer.text,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
      })
      // The same answer with each U+FFFD replaced by one valid byte: what any answer in valid UTF-8
      // costs (one prefill; no byte rebuilding). Its verdict is meaningless, only its time counts.
      const valid = await verifier.verify({
        modelId,
        kind: 'chat',
        request: body,
        responseText: answer.text.replaceAll('\uFFFD', '?'),
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
      })
      if (i < 0) continue // warm-up
      generation.push(generationMs / Math.max(1, answer.outputTokens))
      check.push(result.elapsedMs / Math.max(1, answer.outputTokens))
      checkValidUtf8.push(valid.elapsedMs / Math.max(1, valid.responseTokens))
      verdicts.push(result.verdict)
    }
    byCase[caseName] = {
      generationMsPerToken: round(median(generation), 3),
      checkMsPerToken: round(median(check), 3),
      checkOverGeneration: round(median(check) / median(generation)),
      validUtf8CheckMsPerToken: round(median(checkValidUtf8), 3),
      validUtf8CheckOverGeneration: round(median(checkValidUtf8) / median(generation)),
      verdicts,
    }
  }

  // Per-sample overhead besides the check: parse a sample and hash its payload as the receipt does.
  const sample = JSON.stringify({
    request: { model: name, messages: [{ role: 'user', content: PROMPT }], max_tokens: MAX_TOKENS },
    response: 'x'.repeat(4 * MAX_TOKENS),
  })
  const n = 2000
  const overheadStart = performance.now()
  for (let i = 0; i < n; i++) {
    const parsed = JSON.parse(sample) as { request: unknown; response: string }
    keccak256(toBytes(JSON.stringify(parsed.request)))
    keccak256(toBytes(parsed.response))
  }
  const overheadMs = (performance.now() - overheadStart) / n
  await backend.close()
  await verifier.close()

  // Per answer of MAX_TOKENS tokens, at the valid-UTF-8 cost (see README: U+FFFD rebuilding is an
  // artifact of the random-weight models) and at the cost measured on these models' noise.
  const greedy = byCase.greedy as {
    generationMsPerToken: number
    checkMsPerToken: number
    validUtf8CheckMsPerToken: number
  }
  const computeShare = (p: number, checkPerToken: number) =>
    round((p * (checkPerToken * MAX_TOKENS + overheadMs)) / (greedy.generationMsPerToken * MAX_TOKENS), 4)
  results[name] = {
    model: { ...shapes[name], threads: THREADS, maxTokens: MAX_TOKENS },
    ...byCase,
    perSampleOverheadMs: round(overheadMs, 3),
    verificationOverServingCompute: {
      validUtf8: {
        p1: computeShare(0.01, greedy.validUtf8CheckMsPerToken),
        p5: computeShare(0.05, greedy.validUtf8CheckMsPerToken),
      },
      measured: {
        p1: computeShare(0.01, greedy.checkMsPerToken),
        p5: computeShare(0.05, greedy.checkMsPerToken),
      },
    },
    target: 'check ÷ generation <= 0.2',
  }
  console.log(name, JSON.stringify(results[name]))
}
await rm(dir, { recursive: true, force: true })

const out = new URL('./results/validator.json', import.meta.url)
// BENCH_MODEL runs one shape: keep the other's last figures.
const previous = only
  ? ((JSON.parse(await readFile(out, 'utf8').catch(() => '{}')) as { models?: Record<string, unknown> })
      .models ?? {})
  : {}
const result = {
  benchmark: 'validator',
  date: new Date().toISOString(),
  machine: '2 cores, no GPU (shared)',
  models: { ...previous, ...results },
}
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify(result, null, 2))
