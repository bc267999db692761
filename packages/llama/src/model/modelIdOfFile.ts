import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { Hex } from 'viem'

/**
 * The on-chain model id of a weights file: `0x` + the sha256 of its bytes. The file is streamed through
 * the hash, so a many-gigabyte GGUF never sits in memory.
 *
 * @example
 * ```ts
 * const modelId = await modelIdOfFile('/models/tiny.gguf') // '0x3b5f…'
 * ```
 */
export async function modelIdOfFile(path: string): Promise<Hex> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return `0x${hash.digest('hex')}`
}
