import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createLlamaBackend, modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import { createVerifier, type VerifyResult } from './createVerifier.js'

// Numeric drift: the provider generates with 1 thread and batches of 32 tokens, four requests decoding
// together in shared batches; the validator re-executes with 2 threads and batches of 7. The logits differ
// in their last bits, and no honest answer may be judged a breach. DRIFT_ROUNDS (4 answers each, default
// 125) shortens it. Note: 2 llama.cpp threads spin-wait for each other, so on a busy 2-core machine the
// validator's side slows down by orders of magnitude (the test takes ~2 min on an idle one).

/** 4 answers a round. */
const ROUNDS = Number(process.env.DRIFT_ROUNDS ?? 125)
const words = [
  'sea',
  'light',
  'keeper',
  'storm',
  'ship',
  'night',
  'rock',
  'wave',
  'gull',
  'lamp',
  'tide',
  'fog',
]

test('500 honest answers generated with 1 thread and re-executed with 2 threads and another batch size: no breach', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-drift-'))
  const { path } = await writeTinyModel({ out: join(dir, 'tiny.gguf'), seed: 11 })
  const modelId = await modelIdOfFile(path)
  const backend = await createLlamaBackend({
    models: [{ name: 'tiny', path }],
    threads: 1,
    sequences: 4,
    batchSize: 32,
  })
  const verifier = await createVerifier({ models: [{ modelId, path }], threads: 2, batchSize: 7 })
  try {
    const verdicts = { pass: 0, drift: 0, breach: 0 }
    const breaches: string[] = []
    let mismatches = 0
    let nearTies = 0
    let checked = 0
    let generationMs = 0
    let verifyMs = 0
    for (let round = 0; round < ROUNDS; round++) {
      type Body = {
        model: string
        prompt: string
        max_tokens: number
        temperature: number
        seed?: number
        top_p?: number
      }
      const requests = Array.from({ length: 4 }, (_, i): Body => {
        const n = round * 4 + i
        const prompt = Array.from(
          { length: 1 + (n % 5) },
          (_, k) => words[(n * 7 + k * 5) % words.length],
        ).join(' ')
        const sampled = n % 2 === 1
        return {
          model: 'tiny',
          prompt,
          max_tokens: 8 + (n % 17),
          ...(sampled
            ? { temperature: [1, 0.7, 1.2][n % 3] as number, seed: n, ...(n % 4 === 3 && { top_p: 0.9 }) }
            : { temperature: 0 }),
        }
      })
      const generating = performance.now()
      const answers = await Promise.all(
        requests.map((body) =>
          backend.generate({
            model: 'tiny',
            prompt: body.prompt,
            maxTokens: body.max_tokens,
            temperature: body.temperature,
            ...(body.seed !== undefined && { seed: body.seed }),
            ...(body.top_p !== undefined && { topP: body.top_p }),
          }),
        ),
      )
      generationMs += performance.now() - generating
      const verifying = performance.now()
      for (const [i, answer] of answers.entries()) {
        const result: VerifyResult = await verifier.verify({
          modelId,
          kind: 'completion',
          request: requests[i],
          responseText: answer.text,
          inputTokens: answer.inputTokens,
          outputTokens: answer.outputTokens,
        })
        verdicts[result.verdict]++
        mismatches += result.mismatches
        nearTies += result.nearTies
        checked += result.checkedTokens
        if (result.verdict === 'breach')
          breaches.push(`${JSON.stringify(requests[i])}: ${result.reasons.join('; ')}`)
      }
      verifyMs += performance.now() - verifying
    }
    console.log(
      `drift test: ${JSON.stringify(verdicts)}, ${checked} tokens checked, ${mismatches} mismatches, ${nearTies} near-ties; ` +
        `generation ${Math.round(generationMs)} ms, verification ${Math.round(verifyMs)} ms`,
    )
    assert.deepEqual(breaches, [])
    assert.equal(verdicts.pass + verdicts.drift, ROUNDS * 4)
  } finally {
    await backend.close()
    await verifier.close()
    await rm(dir, { recursive: true, force: true })
  }
})
