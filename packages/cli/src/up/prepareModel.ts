import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { modelIdOfFile } from '@infermesh/llama/modelIdOfFile'
import { writeTinyModel } from '@infermesh/llama/writeTinyModel'
import type { Hex } from 'viem'
import { usageError } from '../CliError.js'
import type { DevnetPlan } from './planDevnet.js'

export type DevnetModel = { path: string; name: string; modelId: Hex }

/**
 * The model the providers serve and validators re-execute: the tiny random-weights model, written
 * where the plan says (seed 1), or the given GGUF file. Its id is the hash of the file.
 *
 * @throws CliError (exit 2) when the given file cannot be read.
 */
export async function prepareModel(plan: DevnetPlan): Promise<DevnetModel> {
  const { path, name, tiny } = plan.model
  if (tiny) {
    await mkdir(dirname(path), { recursive: true })
    await writeTinyModel({ out: path, seed: 1 })
    return { path, name, modelId: await modelIdOfFile(path) }
  }
  const modelId = await modelIdOfFile(path).catch((cause: Error) => {
    throw usageError(`cannot read the model ${path} (--model): ${cause.message}`, cause)
  })
  return { path, name, modelId }
}
