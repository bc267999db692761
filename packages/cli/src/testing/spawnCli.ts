import { spawn } from 'node:child_process'
import { cliBin, cliEnv } from './runCli.js'

/** A long-running `infermesh` process (a daemon): its output so far, and ways to wait on it. */
export type CliProcess = {
  pid: number
  output: () => string
  /** Resolves with the output once `pattern` appears; rejects when the process exits first or after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
  exited: Promise<number | null>
}

/** Starts `infermesh …args` in the background (stdin closed), stdout and stderr captured together. */
export function spawnCli(args: string[], options: { env?: Record<string, string> } = {}): CliProcess {
  const child = spawn(process.execPath, [cliBin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cliEnv(options.env),
  })
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (data: Buffer) => {
    output += data
    for (const listener of listeners) listener()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return {
    pid: child.pid ?? 0,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern)
          if (!match) return
          done()
          resolve(match)
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`))
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        void exited.then((code) => {
          if (!listeners.has(check)) return
          done()
          reject(new Error(`exited with ${code} before ${pattern}; output:\n${output}`))
        })
        check()
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}
