import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { detectHardware } from './detectHardware.js'

describe('detectHardware', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-hardware-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** A stand-in `nvidia-smi` script printing `stdout` and exiting with `code`. */
  async function fakeNvidiaSmi(name: string, stdout: string, code = 0): Promise<string> {
    const path = join(dir, name)
    await writeFile(`${path}.out`, stdout)
    await writeFile(path, `#!/bin/sh\ncat '${path}.out'\nexit ${code}\n`)
    await chmod(path, 0o755)
    return path
  }

  test('reports this machine: its CPU cores and RAM, and no GPU where nvidia-smi is absent', async () => {
    const notes: string[] = []
    const hardware = await detectHardware({
      nvidiaSmi: join(dir, 'no-such-nvidia-smi'),
      onNote: (note) => notes.push(note),
    })
    assert.deepEqual(hardware, {
      gpuModel: '',
      gpuCount: 0,
      vramMb: 0,
      cpuCores: availableParallelism(),
      ramMb: Math.floor(totalmem() / 2 ** 20),
    })
    assert.deepEqual(notes, [], 'a missing nvidia-smi is not worth a note')
  })

  test('detects on this machine with the real nvidia-smi lookup, without failing', async () => {
    const hardware = await detectHardware()
    assert.ok(hardware.cpuCores >= 1)
    assert.ok(hardware.ramMb >= 1)
    assert.equal(hardware.gpuCount === 0, hardware.gpuModel === '')
  })

  test('sums the memory of several GPUs and names mixed models together', async () => {
    const nvidiaSmi = await fakeNvidiaSmi(
      'mixed',
      'NVIDIA GeForce RTX 4090, 24564\nNVIDIA GeForce RTX 4090, 24564\nNVIDIA GeForce RTX 3090, 24576\n',
    )
    const hardware = await detectHardware({ nvidiaSmi })
    assert.equal(hardware.gpuModel, 'NVIDIA GeForce RTX 4090 + NVIDIA GeForce RTX 3090')
    assert.equal(hardware.gpuCount, 3)
    assert.equal(hardware.vramMb, 73704)
  })

  test('cuts a long GPU name to the 64 bytes the Registry stores', async () => {
    const nvidiaSmi = await fakeNvidiaSmi('long', 'A, 1\nB, 1\n'.replace('A', 'X'.repeat(60)))
    const hardware = await detectHardware({ nvidiaSmi })
    assert.equal(hardware.gpuModel, `${'X'.repeat(60)} + B`.slice(0, 64))
    assert.equal(Buffer.byteLength(hardware.gpuModel), 64)
  })

  test('reports no GPU, with a note saying why, when nvidia-smi fails', async () => {
    const nvidiaSmi = await fakeNvidiaSmi(
      'broken',
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
      9,
    )
    const notes: string[] = []
    const hardware = await detectHardware({ nvidiaSmi, onNote: (note) => notes.push(note) })
    assert.equal(hardware.gpuCount, 0)
    assert.deepEqual(notes, [
      "nvidia-smi failed, so no GPU is reported: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    ])
  })
})
