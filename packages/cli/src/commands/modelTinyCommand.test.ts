import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from '../testing/runCli.js'

describe('infermesh model tiny', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-model-tiny-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes a GGUF file and prints its size and model id (the sha256 of the file)', async () => {
    const out = join(dir, 'nested', 'tiny.gguf')
    const result = await runCli(['model', 'tiny', '--out', out, '--seed', '9'])
    assert.equal(result.code, 0, result.stderr)
    const file = await readFile(out)
    assert.equal(file.subarray(0, 4).toString('latin1'), 'GGUF')
    assert.equal(
      result.stdout,
      `wrote ${out} (${file.length} bytes, random weights: its text is noise)\nmodel id 0x${createHash('sha256').update(file).digest('hex')}\n`,
    )
  })

  it('exits 2 with the reason when --out is missing or --seed is not a number', async () => {
    const [noOut, badSeed] = await Promise.all([
      runCli(['model', 'tiny']),
      runCli(['model', 'tiny', '--out', join(dir, 'x.gguf'), '--seed', 'seven']),
    ])
    assert.equal(noOut.code, 2)
    assert.equal(noOut.stderr, 'infermesh: --out is required\nRun "infermesh model tiny --help" for usage.\n')
    assert.equal(badSeed.code, 2)
    assert.match(badSeed.stderr, /^infermesh: --seed must be an integer from 0 to 4294967295, got "seven"\n/)
  })
})
