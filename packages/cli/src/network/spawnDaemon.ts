import { type ChildProcess, spawn } from 'node:child_process'
import { open, readFile } from 'node:fs/promises'

/** The `infermesh` launcher this process runs from; children run the same one. */
export const infermeshBin = new URL('../../bin/infermesh.mjs', import.meta.url).pathname

export type Daemon = {
  /** `provider 1`, `gateway`: for messages. */
  name: string
  pid: number
  child: ChildProcess
  /** Its stdout and stderr go here. */
  logFile: string
  /** Resolves when it exits, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Whether it has exited. */
  hasExited: () => boolean
  /** The last lines of its log, for messages about why it stopped. */
  tail: (lines?: number) => Promise<string>
  /**
   * Sends SIGTERM and waits for the exit; SIGKILL after `graceMs`. Resolves with how it ended.
   */
  stop: (graceMs?: number) => Promise<string>
}

export type SpawnDaemonParams = {
  name: string
  /** Arguments after `infermesh`, e.g. `['provider', 'start', '--config', file]`. */
  args: string[]
  logFile: string
  env: NodeJS.ProcessEnv
}

/**
 * The environment of a child daemon: this process's, without `INFERMESH_*` settings and
 * `DATABASE_URL` (they would point every child at the same port, key or database), keeping the
 * log level.
 */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(env))
    if (!key.startsWith('INFERMESH_') && key !== 'DATABASE_URL') clean[key] = value
  if (env.INFERMESH_LOG_LEVEL) clean.INFERMESH_LOG_LEVEL = env.INFERMESH_LOG_LEVEL
  return clean
}

/**
 * Starts `infermesh …args` as a child process (one role per process), its output appended to
 * `logFile`. It gets an IPC channel it never uses: when this process dies, even by SIGKILL, the
 * channel closes and the child stops itself gracefully (see `main.ts`), so no daemon outlives `up`.
 */
export async function spawnDaemon(params: SpawnDaemonParams): Promise<Daemon> {
  const log = await open(params.logFile, 'a')
  const child = spawn(process.execPath, [infermeshBin, ...params.args], {
    stdio: ['ignore', log.fd, log.fd, 'ipc'],
    env: params.env,
    // Its own process group: Ctrl-C in the terminal reaches `up` only, which stops children in order.
    detached: true,
  })
  await log.close()
  child.channel?.unref()
  let done = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true
      resolve({ code, signal })
    })
    child.once('error', () => {
      done = true
      resolve({ code: null, signal: null })
    })
  })
  return {
    name: params.name,
    pid: child.pid ?? 0,
    child,
    logFile: params.logFile,
    exited,
    hasExited: () => done,
    tail: async (lines = 15) => {
      const text = await readFile(params.logFile, 'utf8').catch(() => '')
      return text.trimEnd().split('\n').slice(-lines).join('\n')
    },
    stop: async (graceMs = 30_000) => {
      if (!done) child.kill('SIGTERM')
      const timer = setTimeout(() => {
        if (!done) child.kill('SIGKILL')
      }, graceMs)
      const result = await exited
      clearTimeout(timer)
      return describeExit(result)
    },
  }
}

/** How a child ended, in words: `exit code 1`, `killed by SIGKILL`. */
export const describeExit = ({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }) =>
  signal ? `killed by ${signal}` : `exit code ${code}`
