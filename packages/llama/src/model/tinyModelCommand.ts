import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Hex } from 'viem'
import { modelIdOfFile } from './modelIdOfFile.js'
import { writeTinyModel } from './writeTinyModel.js'

/** The file `tinyModelCommand` wrote and its on-chain model id. */
export type TinyModelCommandResult = { path: string; size: number; modelId: Hex }

const usage = 'usage: infermesh model tiny --out <file.gguf> [--seed <0 to 4294967295>]'

/**
 * `infermesh model tiny --out file.gguf [--seed N]`: writes the tiny random-weights GGUF (see
 * `writeTinyModel`) and prints its path, size and model id (sha256), the id a provider registers on chain.
 * Throws with the usage line when the arguments are wrong.
 *
 * @example
 * ```ts
 * await tinyModelCommand(['--out', 'models/tiny.gguf', '--seed', '7'])
 * // wrote /work/models/tiny.gguf (470048 bytes, random weights: its text is noise)
 * // model id 0x…
 * ```
 */
export async function tinyModelCommand(argv: string[]): Promise<TinyModelCommandResult> {
  let values: { out?: string; seed?: string }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, seed: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${usage}`, { cause: error })
  }
  if (values.out === undefined || values.out === '') throw new Error(`--out is required\n${usage}`)
  const seed = values.seed === undefined ? 0 : Number(values.seed)
  if (values.seed !== undefined && (!/^\d+$/.test(values.seed) || seed > 0xffffffff))
    throw new Error(`--seed must be an integer from 0 to 4294967295, got "${values.seed}"\n${usage}`)

  const { path, size } = await writeTinyModel({ out: resolve(values.out), seed })
  const modelId = await modelIdOfFile(path)
  process.stdout.write(
    `wrote ${path} (${size} bytes, random weights: its text is noise)\nmodel id ${modelId}\n`,
  )
  return { path, size, modelId }
}
