import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Options of `writeTinyModel`; the defaults make a ~0.5 MB file. */
export type WriteTinyModelParams = {
  /** Where to write the `.gguf` file (parent directories are created). */
  out: string
  /** Seed of the weights (0 to 2^32 - 1); the same seed and shape give a byte-identical file. Defaults to 0. */
  seed?: number
  /** Width of the residual stream (`n_embd`). Must be a multiple of `headCount`. */
  embeddingLength?: number
  /** Number of transformer blocks. */
  blockCount?: number
  /** Attention heads (no grouped-query attention: the key/value head count is the same). */
  headCount?: number
  /** Training context length written into the file; the default context a runtime opens. */
  contextLength?: number
  /** Hidden width of the SwiGLU feed-forward layer. */
  feedForwardLength?: number
}

/** What `writeTinyModel` wrote. */
export type WriteTinyModelResult = {
  /** The path written. */
  path: string
  /** Size of the file in bytes. */
  size: number
}

/** GGUF metadata value types (ggml `gguf_type`). */
const GgufType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const
/** ggml tensor type of 32-bit floats. */
const ggmlTypeF32 = 0
/** llama.cpp token types: normal, unknown, control and byte. */
const TokenType = { normal: 1, unknown: 2, control: 3, byte: 6 } as const
const alignment = 32

type Metadata = [key: string, value: MetadataValue][]
type MetadataValue =
  | { type: 'uint32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'float32s'; value: number[] }
  | { type: 'int32s'; value: number[] }

type Tensor = { name: string; dims: number[]; data: Float32Array }

/**
 * Writes a tiny llama-architecture GGUF v3 file with random F32 weights and a byte-level vocabulary
 * (`<unk>`, `<s>`, `</s>` and the 256 byte tokens `<0x00>`…`<0xFF>`), so the real llama.cpp loading and
 * inference path can run on machines where no real weights can be downloaded. The text it writes is noise.
 *
 * Weights come from a fixed-seed PRNG (mulberry32) and use only integer and float arithmetic, never
 * `Math.log`/`Math.cos`, so the same seed gives a byte-identical file on every machine. Matrices are
 * uniform with standard deviation `1/sqrt(fan-in)` and norms are 1, so logits are spread enough that
 * greedy and sampled decoding differ.
 *
 * @example
 * ```ts
 * const { path, size } = await writeTinyModel({ out: '/tmp/tiny.gguf', seed: 1 })
 * ```
 */
export async function writeTinyModel(params: WriteTinyModelParams): Promise<WriteTinyModelResult> {
  const {
    out,
    seed = 0,
    embeddingLength = 64,
    blockCount = 2,
    headCount = 4,
    contextLength = 512,
    feedForwardLength = 128,
  } = params
  for (const [name, value] of Object.entries({
    embeddingLength,
    blockCount,
    headCount,
    contextLength,
    feedForwardLength,
  }))
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, got ${value}`)
  if (embeddingLength % headCount !== 0)
    throw new Error(`embeddingLength ${embeddingLength} must be a multiple of headCount ${headCount}`)
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(`seed must be an integer from 0 to 4294967295, got ${seed}`)

  const tokens = ['<unk>', '<s>', '</s>']
  for (let byte = 0; byte < 256; byte++)
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`)
  // SentencePiece writes spaces as `▁`; as a normal token it decodes back to a space (as a byte token
  // sequence it would stay `▁`, and node-llama-cpp warns that text does not survive a round trip).
  tokens.push('▁')
  const tokenTypes = [
    TokenType.unknown,
    TokenType.control,
    TokenType.control,
    ...Array<number>(256).fill(TokenType.byte),
    TokenType.normal,
  ]
  const vocabSize = tokens.length
  const headDimension = embeddingLength / headCount

  const metadata: Metadata = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: `InferMesh tiny random model (seed ${seed})` }],
    ['general.alignment', { type: 'uint32', value: alignment }],
    ['general.file_type', { type: 'uint32', value: 0 }],
    ['llama.context_length', { type: 'uint32', value: contextLength }],
    ['llama.embedding_length', { type: 'uint32', value: embeddingLength }],
    ['llama.block_count', { type: 'uint32', value: blockCount }],
    ['llama.feed_forward_length', { type: 'uint32', value: feedForwardLength }],
    ['llama.attention.head_count', { type: 'uint32', value: headCount }],
    ['llama.attention.head_count_kv', { type: 'uint32', value: headCount }],
    ['llama.rope.dimension_count', { type: 'uint32', value: headDimension }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'float32', value: 1e-5 }],
    ['llama.vocab_size', { type: 'uint32', value: vocabSize }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'strings', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'float32s', value: tokens.map(() => 0) }],
    ['tokenizer.ggml.token_type', { type: 'int32s', value: tokenTypes }],
    ['tokenizer.ggml.unknown_token_id', { type: 'uint32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'uint32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'uint32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    // Without a space prefix, a prompt is 1 (BOS) + one token per space + one per other UTF-8 byte.
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
  ]

  const random = mulberry32(seed)
  const ones = (length: number) => new Float32Array(length).fill(1)
  /** A `[columns, rows]` matrix in ggml order: `columns` is the input width (fan-in). */
  const matrix = (columns: number, rows: number) => {
    const data = new Float32Array(columns * rows)
    // Uniform on [-a, a] has standard deviation a / sqrt(3).
    const a = Math.sqrt(3 / columns)
    for (let i = 0; i < data.length; i++) data[i] = (random() * 2 - 1) * a
    return data
  }

  const tensors: Tensor[] = [
    {
      name: 'token_embd.weight',
      dims: [embeddingLength, vocabSize],
      data: matrix(embeddingLength, vocabSize),
    },
  ]
  for (let block = 0; block < blockCount; block++) {
    const e = embeddingLength
    const f = feedForwardLength
    tensors.push(
      { name: `blk.${block}.attn_norm.weight`, dims: [e], data: ones(e) },
      { name: `blk.${block}.attn_q.weight`, dims: [e, e], data: matrix(e, e) },
      { name: `blk.${block}.attn_k.weight`, dims: [e, e], data: matrix(e, e) },
      { name: `blk.${block}.attn_v.weight`, dims: [e, e], data: matrix(e, e) },
      { name: `blk.${block}.attn_output.weight`, dims: [e, e], data: matrix(e, e) },
      { name: `blk.${block}.ffn_norm.weight`, dims: [e], data: ones(e) },
      { name: `blk.${block}.ffn_gate.weight`, dims: [e, f], data: matrix(e, f) },
      { name: `blk.${block}.ffn_up.weight`, dims: [e, f], data: matrix(e, f) },
      { name: `blk.${block}.ffn_down.weight`, dims: [f, e], data: matrix(f, e) },
    )
  }
  // Zero output rows give `<unk>`, `<s>` and `</s>` a logit of 0 where the other tokens' logits spread
  // around it: greedy decoding never picks them, sampling ends a generation with `</s>` now and then.
  const output = matrix(embeddingLength, vocabSize)
  output.fill(0, 0, 3 * embeddingLength)
  tensors.push(
    { name: 'output_norm.weight', dims: [embeddingLength], data: ones(embeddingLength) },
    { name: 'output.weight', dims: [embeddingLength, vocabSize], data: output },
  )

  const file = encodeGguf(metadata, tensors)
  await mkdir(dirname(out), { recursive: true })
  await writeFile(out, file)
  return { path: out, size: file.length }
}

/** mulberry32: a tiny 32-bit PRNG, uniform on [0, 1), exactly reproducible from its seed. */
function mulberry32(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Lays out a GGUF v3 file: header, metadata, tensor infos, then tensor data aligned to 32 bytes. */
function encodeGguf(metadata: Metadata, tensors: Tensor[]): Buffer {
  const head = new Writer()
  head.bytes(Buffer.from('GGUF', 'latin1'))
  head.u32(3)
  head.u64(tensors.length)
  head.u64(metadata.length)
  for (const [key, value] of metadata) {
    head.string(key)
    head.value(value)
  }
  let offset = 0
  const offsets: number[] = []
  for (const tensor of tensors) {
    head.string(tensor.name)
    head.u32(tensor.dims.length)
    for (const dim of tensor.dims) head.u64(dim)
    head.u32(ggmlTypeF32)
    head.u64(offset)
    offsets.push(offset)
    offset = align(offset + tensor.data.byteLength)
  }
  const headBytes = head.finish()
  const dataStart = align(headBytes.length)
  const file = Buffer.alloc(dataStart + offset)
  headBytes.copy(file, 0)
  tensors.forEach((tensor, i) => {
    const start = dataStart + (offsets[i] ?? 0)
    for (let j = 0; j < tensor.data.length; j++) file.writeFloatLE(tensor.data[j] ?? 0, start + j * 4)
  })
  return file
}

function align(n: number) {
  return Math.ceil(n / alignment) * alignment
}

/** Little-endian byte writer for the GGUF header and metadata. */
class Writer {
  private chunks: Buffer[] = []

  bytes(bytes: Buffer) {
    this.chunks.push(bytes)
  }

  u32(n: number) {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    this.chunks.push(b)
  }

  i32(n: number) {
    const b = Buffer.alloc(4)
    b.writeInt32LE(n)
    this.chunks.push(b)
  }

  f32(n: number) {
    const b = Buffer.alloc(4)
    b.writeFloatLE(n)
    this.chunks.push(b)
  }

  u64(n: number) {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(n))
    this.chunks.push(b)
  }

  string(s: string) {
    const bytes = Buffer.from(s, 'utf8')
    this.u64(bytes.length)
    this.chunks.push(bytes)
  }

  value(v: MetadataValue) {
    switch (v.type) {
      case 'uint32':
        this.u32(GgufType.uint32)
        this.u32(v.value)
        return
      case 'float32':
        this.u32(GgufType.float32)
        this.f32(v.value)
        return
      case 'bool':
        this.u32(GgufType.bool)
        this.chunks.push(Buffer.from([v.value ? 1 : 0]))
        return
      case 'string':
        this.u32(GgufType.string)
        this.string(v.value)
        return
      case 'strings':
        this.array(GgufType.string, v.value.length)
        for (const s of v.value) this.string(s)
        return
      case 'float32s':
        this.array(GgufType.float32, v.value.length)
        for (const n of v.value) this.f32(n)
        return
      case 'int32s':
        this.array(GgufType.int32, v.value.length)
        for (const n of v.value) this.i32(n)
        return
    }
  }

  private array(elementType: number, length: number) {
    this.u32(GgufType.array)
    this.u32(elementType)
    this.u64(length)
  }

  finish() {
    return Buffer.concat(this.chunks)
  }
}
