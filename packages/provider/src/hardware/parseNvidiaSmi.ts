/** One GPU as `nvidia-smi` reports it. */
export type NvidiaGpu = {
  /** Marketing name, e.g. `NVIDIA GeForce RTX 4090`. */
  name: string
  /** Total memory in MiB; 0 when the driver reports none (`[N/A]`). */
  memoryMb: number
}

/**
 * Parses the output of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`: one GPU
 * per line, `name, memory`. The name may itself contain commas, so the memory is the last field. Lines
 * that are not GPUs (blank lines, driver warnings) are skipped.
 *
 * @example
 * ```ts
 * parseNvidiaSmi('NVIDIA GeForce RTX 4090, 24564\n') // [{ name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564 }]
 * ```
 */
export function parseNvidiaSmi(output: string): NvidiaGpu[] {
  const gpus: NvidiaGpu[] = []
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim()
    const comma = line.lastIndexOf(',')
    if (comma <= 0) continue
    const name = line.slice(0, comma).trim()
    const memory = line.slice(comma + 1).trim()
    if (name === '') continue
    if (/^\d+(\.\d+)?$/.test(memory)) gpus.push({ name, memoryMb: Math.floor(Number(memory)) })
    else if (/^\[.*\]$/.test(memory)) gpus.push({ name, memoryMb: 0 }) // [N/A], [Not Supported]
  }
  return gpus
}
