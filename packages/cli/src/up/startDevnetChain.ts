import { spawn } from 'node:child_process'
import { open, readFile } from 'node:fs/promises'
import { anvilBinary, anvilMnemonic } from '@infermesh/protocol'
import { CliError } from '../CliError.js'
import { waitUntil } from '../network/waitUntil.js'

const guard = new URL('./orphanGuard.mjs', import.meta.url).pathname

export type DevnetChain = {
  rpcUrl: string
  chainId: number
  pid: number
  stop: () => Promise<void>
}

/**
 * Starts anvil for `infermesh up` (the npm-installed binary, the public dev mnemonic), its output in
 * `logFile`, in its own process group: Ctrl-C in the terminal reaches `up` only, which stops the
 * gateway and the providers (they redeem on-chain as they close) before the chain. It runs under
 * `orphanGuard.mjs`, so it stops when `up` dies however it dies.
 *
 * @throws CliError with the end of its log when anvil exits or does not answer within 30 s.
 */
export async function startDevnetChain(params: { port: number; logFile: string }): Promise<DevnetChain> {
  const chainId = 31337
  const log = await open(params.logFile, 'a')
  // Through the orphan guard: anvil stops when `up` dies, even by SIGKILL.
  const child = spawn(
    process.execPath,
    [
      guard,
      anvilBinary(),
      ...['--host', '127.0.0.1', '--port', String(params.port), '--chain-id', String(chainId)],
      ...['--mnemonic', anvilMnemonic],
      // Transactions mine at once as before, and a block comes every second besides: a job's draw reads
      // the hash of a block after its request (JobCoordinator), which an idle devnet would never make.
      ...['--block-time', '1', '--mixed-mining'],
    ],
    { stdio: ['ignore', log.fd, log.fd, 'ipc'], detached: true },
  )
  child.channel?.unref()
  await log.close()
  let done = false
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true
      resolve()
    })
    child.once('error', () => {
      done = true
      resolve()
    })
  })
  const rpcUrl = `http://127.0.0.1:${params.port}`
  const stop = async () => {
    if (!done) child.kill('SIGTERM')
    await exited
  }
  try {
    await waitUntil(
      async () => {
        const response = await fetch(rpcUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
          signal: AbortSignal.timeout(1000),
        })
        return response.ok
      },
      {
        timeoutMs: 30_000,
        intervalMs: 50,
        message: `anvil did not answer at ${rpcUrl} within 30 s`,
        abandon: exited.then(() => {
          throw new Error('anvil exited')
        }),
      },
    )
  } catch (error) {
    await stop()
    const tail = (await readFile(params.logFile, 'utf8').catch(() => ''))
      .trimEnd()
      .split('\n')
      .slice(-10)
      .join('\n')
    throw new CliError(
      `the chain did not start: ${(error as Error).message}; the end of ${params.logFile}:\n${tail}`,
      {
        cause: error,
      },
    )
  }
  return { rpcUrl, chainId, pid: child.pid ?? 0, stop }
}
