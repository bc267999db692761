import { writeFile } from 'node:fs/promises'
import type { Devnet } from './Devnet.js'

/** Writes devnet.json, readable by its owner only: it holds the dev keys and the API key. */
export async function writeDevnetFile(file: string, devnet: Devnet): Promise<void> {
  await writeFile(file, `${JSON.stringify(devnet, null, 2)}\n`, { mode: 0o600 })
}
