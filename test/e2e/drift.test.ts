import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Devnet } from '@infermesh/cli'
import { type CliProcess, spawnCli } from '@infermesh/cli/testing'
import { disputesAbi } from '@infermesh/protocol'
import OpenAI from 'openai'
import { createPublicClient, http } from 'viem'

/** Sum of a Prometheus counter's series whose labels contain `match`. */
async function counter(url: string, name: string, match: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(match))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

/** 160 in `npm test`; `npm run fuzz` runs 520 (INFERMESH_DRIFT_REQUESTS). */
const requests = Number(process.env.INFERMESH_DRIFT_REQUESTS ?? 160)

/**
 * DESIGN rule 4's other half: honest numeric drift is never slashed. Two honest providers run llama.cpp
 * with 2 threads and 4 sequences per context (batched decoding under concurrent load); the three
 * validators re-execute with 1 thread, one sequence. The gateway samples every request (p = 1): over
 * every sampled request — greedy chat, greedy and seeded-sampling completions; 160 in `npm test`, 520 in
 * `npm run fuzz` — no breach and no dispute. (packages/validator's verifyDrift test re-executes 500 more
 * in-process.)
 */
describe('honest providers with numeric drift are never slashed', () => {
  let dir: string
  let up: CliProcess
  let devnet: Devnet
  let client: OpenAI

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-drift-'))
    up = spawnCli([
      'up',
      '--providers',
      '2',
      '--threads',
      '2',
      '--validators',
      '3',
      '--sampling',
      '1',
      '--probe-tokens',
      '0',
      '--chain-port',
      '0',
      '--port',
      '0',
      '--dir',
      dir,
    ])
    await up.waitFor(/Press Ctrl-C to stop\./, 300_000)
    devnet = JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as Devnet
    assert.ok(devnet.gateway)
    client = new OpenAI({ baseURL: `${devnet.gateway.url}/v1`, apiKey: devnet.gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await up?.stop('SIGKILL')
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it(`re-executes ${requests} sampled requests and finds no breach`, async () => {
    let next = 0
    const worker = async () => {
      for (let i = next++; i < requests; i = next++) {
        const maxTokens = 4 + (i % 13)
        // Three in four greedy: there every token is judged against the validator's argmax, the case
        // numeric drift can flip; seeded sampling is judged by probability floors (and, on the tiny
        // model's byte soup, mostly by counts: see packages/validator/README.md).
        if (i % 4 < 2) {
          await client.chat.completions.create({
            model: 'tiny',
            messages: [{ role: 'user', content: `question number ${i}: ${'why '.repeat(i % 7)}` }],
            max_tokens: maxTokens,
            temperature: 0,
          })
        } else if (i % 4 === 2) {
          await client.completions.create({
            model: 'tiny',
            prompt: `greedy ${i}`,
            max_tokens: maxTokens,
            temperature: 0,
          })
        } else {
          await client.completions.create({
            model: 'tiny',
            prompt: `story ${i} begins`,
            max_tokens: maxTokens,
            temperature: 0.7 + (i % 5) / 10,
            seed: i,
          })
        }
      }
    }
    // Four at a time: the providers batch sequences together, the validators never do.
    await Promise.all(Array.from({ length: 4 }, worker))

    const total = async (verdict: string) => {
      let sum = 0
      for (const v of devnet.validators)
        sum += await counter(v.url, 'infermesh_validator_verdicts_total', `verdict="${verdict}"`)
      return sum
    }
    const deadline = Date.now() + 180_000
    let checked = 0
    for (;;) {
      checked = (await total('pass')) + (await total('drift')) + (await total('breach'))
      if (checked >= requests || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    const [pass, drift, breach] = [await total('pass'), await total('drift'), await total('breach')]
    console.log(`# ${checked} re-executed: ${pass} pass, ${drift} drift, ${breach} breach`)
    // A validator whose queue is full refuses a sample (429) and the gateway tries another: a few may be lost.
    assert.ok(
      checked >= Math.floor(requests * 0.96),
      `only ${checked} of ${requests} samples were re-executed`,
    )
    assert.equal(breach, 0, 'no honest answer is a breach')
    const opened = await createPublicClient({ transport: http(devnet.rpcUrl) }).getContractEvents({
      address: devnet.contracts.disputes,
      abi: disputesAbi,
      eventName: 'DisputeOpened',
      fromBlock: 0n,
    })
    assert.equal(opened.length, 0, 'no dispute was opened')
  })
})
