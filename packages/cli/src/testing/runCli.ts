import { spawn } from 'node:child_process'

/** The `infermesh` launcher, as a person runs it. */
export const cliBin = new URL('../../bin/infermesh.mjs', import.meta.url).pathname

/**
 * The environment CLI tests run with: this process's, minus every `INFERMESH_*` setting and
 * `DATABASE_URL` (so a developer's shell cannot change the outcome), plus a low scrypt cost for new
 * keystores (`INFERMESH_KEYSTORE_SCRYPT_N=1024`: milliseconds instead of a second) and `extra`.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('INFERMESH_') && key !== 'DATABASE_URL') env[key] = value
  return { ...env, INFERMESH_KEYSTORE_SCRYPT_N: '1024', ...extra }
}

export type CliResult = {
  code: number | null
  stdout: string
  stderr: string
  /** stdout's bytes as written (`stdout` is them decoded as UTF-8 once, at the end). */
  stdoutBytes: Buffer
}

/** Runs `infermesh …args` to the end (stdin closed: no terminal) and returns its exit code and output. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [cliBin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cliEnv(options.env),
    ...(options.cwd && { cwd: options.cwd }),
  })
  // Chunks are decoded together: a character split between two chunks stays one character.
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (data: Buffer) => stdout.push(data))
  child.stderr.on('data', (data: Buffer) => stderr.push(data))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      const stdoutBytes = Buffer.concat(stdout)
      resolve({
        code,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        stdoutBytes,
      })
    })
  })
}
