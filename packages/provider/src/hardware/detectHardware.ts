import { execFile } from 'node:child_process'
import { availableParallelism, totalmem } from 'node:os'
import { parseNvidiaSmi } from './parseNvidiaSmi.js'

/** What a provider runs on, in the Registry's `Hardware` shape (sizes in MiB). */
export type Hardware = {
  /** GPU model, e.g. `NVIDIA GeForce RTX 4090`; empty for CPU-only machines. */
  gpuModel: string
  gpuCount: number
  /** Total GPU memory in MiB, over all GPUs. */
  vramMb: number
  cpuCores: number
  ramMb: number
}

export type DetectHardwareOptions = {
  /** The `nvidia-smi` command to run. Default `nvidia-smi` on the PATH. */
  nvidiaSmi?: string
  /** How long `nvidia-smi` may take. Default 10 s. */
  timeoutMs?: number
  /** Told why no GPU was found when `nvidia-smi` exists but fails (driver not loaded, …). */
  onNote?: (note: string) => void
}

/** The Registry stores `gpuModel` in at most 64 bytes. */
const maxGpuModelBytes = 64

/**
 * Detects this machine's hardware for the Registry: CPU cores (`os.availableParallelism`), RAM in MiB,
 * and NVIDIA GPUs through `nvidia-smi` when it is installed. A machine without `nvidia-smi`, or where it
 * fails, is reported as CPU-only; detection itself never fails. Mixed GPUs are named together
 * (`RTX 4090 + RTX 3090`), and the name is cut to the 64 bytes the Registry stores.
 *
 * @example
 * ```ts
 * const hardware = await detectHardware()
 * // { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 8, ramMb: 15890 }
 * ```
 */
export async function detectHardware(options: DetectHardwareOptions = {}): Promise<Hardware> {
  const cpuCores = Math.min(availableParallelism(), 65_535)
  const ramMb = Math.min(Math.floor(totalmem() / 2 ** 20), 4_294_967_295)
  const output = await new Promise<string | undefined>((resolve) => {
    execFile(
      options.nvidiaSmi ?? 'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: options.timeoutMs ?? 10_000, windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout)
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          const why = `${stderr || stdout || error.message}`.trim().split('\n')[0]
          options.onNote?.(`nvidia-smi failed, so no GPU is reported: ${why}`)
        }
        resolve(undefined)
      },
    )
  })
  const gpus = output === undefined ? [] : parseNvidiaSmi(output)
  const names = [...new Set(gpus.map((gpu) => gpu.name))]
  return {
    gpuModel: truncateUtf8(names.join(' + '), maxGpuModelBytes),
    gpuCount: Math.min(gpus.length, 65_535),
    vramMb: Math.min(
      gpus.reduce((sum, gpu) => sum + gpu.memoryMb, 0),
      4_294_967_295,
    ),
    cpuCores,
    ramMb,
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = ''
  for (const char of text) {
    if (Buffer.byteLength(out + char) > maxBytes) break
    out += char
  }
  return out
}
