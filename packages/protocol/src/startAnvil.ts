import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { BaseError } from './errors.js'

/** The mnemonic anvil derives its dev accounts from (public: never use it on a real chain). */
export const anvilMnemonic = 'test test test test test test test test test test test junk'

export type StartAnvilOptions = {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number
  /** Chain id; anvil's default 31337 when omitted. */
  chainId?: number
  /** Seconds per block; blocks are mined on every transaction when omitted. */
  blockTime?: number
  /** How long to wait for anvil to listen. Default 30 s. */
  timeoutMs?: number
}

export type Anvil = {
  rpcUrl: string
  port: number
  chainId: number
  process: ChildProcess
  /** Stops anvil and waits for it to exit. */
  stop: () => Promise<void>
}

/** Path of the anvil binary shipped in the `@foundry-rs/anvil-<platform>` npm package. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url)
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`
  try {
    const dir = dirname(require.resolve(`${platformPackage}/package.json`))
    const binary = join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
    if (existsSync(binary)) return binary
  } catch {}
  throw new BaseError(`anvil is not installed for ${process.platform}-${process.arch}: run \`npm install\`.`)
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts a local anvil chain from the npm-installed binary and resolves once it accepts RPC calls.
 *
 * @example
 * const anvil = await startAnvil()
 * // ... use anvil.rpcUrl ...
 * await anvil.stop()
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await freePort())
  const chainId = options.chainId ?? 31337
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(chainId),
    '--mnemonic',
    anvilMnemonic,
  ]
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime))
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new BaseError(
          `anvil did not start listening on port ${port} within ${options.timeoutMs ?? 30_000} ms`,
        ),
      )
    }, options.timeoutMs ?? 30_000)
    const onData = (data: Buffer) => {
      output += data.toString()
      if (output.includes('Listening on')) {
        clearTimeout(timer)
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (data: Buffer) => {
      output += data.toString()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new BaseError(`anvil exited with code ${code} before listening:\n${output.slice(-2000)}`))
    })
  })

  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    port,
    chainId,
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
