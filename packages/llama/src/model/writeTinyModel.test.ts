import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { getLlama, readGgufFileInfo } from 'node-llama-cpp'
import { modelIdOfFile } from './modelIdOfFile.js'
import { tinyModelCommand } from './tinyModelCommand.js'
import { writeTinyModel } from './writeTinyModel.js'

describe('writeTinyModel', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-tiny-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('the same seed writes byte-identical files', async () => {
    const a = await writeTinyModel({ out: join(dir, 'a.gguf'), seed: 7 })
    const b = await writeTinyModel({ out: join(dir, 'b.gguf'), seed: 7 })
    assert.equal(a.size, b.size)
    assert.deepEqual(await readFile(a.path), await readFile(b.path))
  })

  test('different seeds write different weights of the same size', async () => {
    const a = await writeTinyModel({ out: join(dir, 'c.gguf'), seed: 1 })
    const b = await writeTinyModel({ out: join(dir, 'd.gguf'), seed: 2 })
    assert.equal(a.size, b.size)
    assert.notDeepEqual(await readFile(a.path), await readFile(b.path))
  })

  test('the header says GGUF version 3 with 3 + 9 tensors per block and the llama keys', async () => {
    const { path, size } = await writeTinyModel({ out: join(dir, 'e.gguf'), blockCount: 3 })
    const file = await readFile(path)
    assert.equal(file.length, size)
    assert.equal(file.subarray(0, 4).toString('latin1'), 'GGUF')
    assert.equal(file.readUInt32LE(4), 3)
    assert.equal(file.readBigUInt64LE(8), 3n + 9n * 3n)
    assert.ok(size > 400_000 && size < 800_000, `a ~0.5 MB file, got ${size} bytes`)

    const info = await readGgufFileInfo(path, { readTensorInfo: true })
    assert.equal(info.version, 3)
    assert.equal(info.metadata.general.architecture, 'llama')
    const llama = info.architectureMetadata as Record<string, unknown>
    assert.equal(llama.embedding_length, 64)
    assert.equal(llama.block_count, 3)
    assert.equal(llama.context_length, 512)
    const tokens = info.metadata.tokenizer.ggml.tokens
    assert.deepEqual(tokens.slice(0, 5), ['<unk>', '<s>', '</s>', '<0x00>', '<0x01>'])
    assert.equal(tokens[258], '<0xFF>')
    assert.equal(info.metadata.tokenizer.ggml.token_type[3], 6)
    const names = info.tensorInfo?.map((tensor) => tensor.name) ?? []
    assert.ok(names.includes('blk.2.ffn_down.weight'))
    assert.deepEqual(
      info.tensorInfo?.find((tensor) => tensor.name === 'blk.0.ffn_down.weight')?.dimensions,
      [128, 64],
    )
    for (const tensor of info.tensorInfo ?? []) assert.equal(Number(tensor.offset) % 32, 0, tensor.name)
  })

  test('node-llama-cpp loads the model and its tokenizer round-trips text', async () => {
    const { path } = await writeTinyModel({ out: join(dir, 'f.gguf'), seed: 3 })
    const llama = await getLlama({ gpu: false, build: 'never' })
    try {
      const model = await llama.loadModel({ modelPath: path })
      assert.equal(model.embeddingVectorSize, 64)
      assert.equal(model.trainContextSize, 512)
      const tokens = model.tokenize('héllo world')
      assert.equal(tokens.length, 12, 'one token per UTF-8 byte, one per space')
      assert.equal(model.detokenize(tokens), 'héllo world')
    } finally {
      await llama.dispose()
    }
  })

  test('the model id is 0x and the sha256 of the file', async () => {
    const { path } = await writeTinyModel({ out: join(dir, 'g.gguf'), seed: 4 })
    const sha256 = createHash('sha256')
      .update(await readFile(path))
      .digest('hex')
    assert.equal(await modelIdOfFile(path), `0x${sha256}`)
  })

  test('a seed outside 32 bits is refused', async () => {
    await assert.rejects(writeTinyModel({ out: join(dir, 'h.gguf'), seed: 2 ** 32 }), {
      message: 'seed must be an integer from 0 to 4294967295, got 4294967296',
    })
  })

  test('the tiny model command writes the file and returns its id', async () => {
    const out = join(dir, 'nested', 'cmd.gguf')
    const result = await tinyModelCommand(['--out', out, '--seed', '7'])
    assert.equal(result.path, out)
    assert.equal(result.modelId, await modelIdOfFile(join(dir, 'a.gguf')), 'seed 7 again, same id')
  })

  test('the tiny model command explains a missing --out and a bad --seed', async () => {
    const usage = 'usage: infermesh model tiny --out <file.gguf> [--seed <0 to 4294967295>]'
    await assert.rejects(tinyModelCommand([]), { message: `--out is required\n${usage}` })
    await assert.rejects(tinyModelCommand(['--out', join(dir, 'x.gguf'), '--seed', '1.5']), {
      message: `--seed must be an integer from 0 to 4294967295, got "1.5"\n${usage}`,
    })
  })
})
