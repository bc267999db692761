import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { ConfigError } from '../config/resolveConfig.js'
import { DaemonError, runDaemon } from './runDaemon.js'

const fixture = new URL('./testing/daemonFixture.ts', import.meta.url).pathname
const root = new URL('../../../..', import.meta.url).pathname
const secretRpcUrl = 'https://user:pw@rpc.example/v3/0123456789abcdef0123456789abcdef'
const maskedRpcUrl = 'https://user:********@rpc.example/v3/********'
const secrets = ['pw@', '0123456789abcdef0123456789abcdef', '11'.repeat(32)]

/** The fixture daemon in its own process, with its output and a way to wait for a line. */
function daemon(mode: string) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: async (pattern: RegExp, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null)
          assert.fail(`no ${pattern} in:\n${stdout}\nstderr:\n${stderr}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
  }
}

/** Lines of the output that are the logger's JSON. */
const logLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('{"level"'))
    .map(
      (line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string; stack: string } },
    )

const assertNoSecret = (text: string) => {
  for (const secret of secrets) assert.ok(!text.includes(secret), `"${secret}" in:\n${text}`)
}

describe('runDaemon', () => {
  it('refuses a bad log level, from the flag or the environment, before anything else', async () => {
    let resolved = false
    const options = {
      name: 'widget',
      resolveConfig: async () => {
        resolved = true
        return { config: {}, file: '/x.json', sources: {} }
      },
      start: async () => ({}),
    }
    await assert.rejects(runDaemon({ ...options, env: {}, logLevel: 'loud' }), (error) => {
      assert.ok(error instanceof ConfigError)
      assert.equal(
        error.message,
        '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      )
      return true
    })
    await assert.rejects(runDaemon({ ...options, env: { INFERMESH_LOG_LEVEL: 'chatty' } }), {
      name: 'ConfigError',
      message:
        'INFERMESH_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "chatty"',
    })
    assert.equal(resolved, false, 'the config is not read')
  })

  it('prints the config masked and, when the start fails, stops what started and says the daemon did not start', async () => {
    const printed: string[] = []
    const closed: string[] = []
    const listeners = process.listenerCount('SIGTERM')
    const cause = new Error(`no chain at ${secretRpcUrl}`)
    await assert.rejects(
      runDaemon({
        name: 'widget',
        env: {},
        logLevel: 'silent',
        print: (line) => printed.push(line),
        printError: (line) => printed.push(line),
        resolveConfig: async () => ({
          config: { chain: { rpcUrl: secretRpcUrl }, key: { privateKey: `0x${'11'.repeat(32)}` }, stake: 5n },
          file: '/etc/widget.json',
          sources: { 'chain.rpcUrl': '--rpc-url' },
        }),
        loadAccount: async () => ({ account: { address: '0xdead' }, origin: 'clear-text dev key' }),
        accountLabel: 'payer',
        prepare: async ({ shutdown }) => shutdown.add('lock', () => closed.push('lock')),
        start: async ({ shutdown }) => {
          shutdown.add('database', () => closed.push('database'))
          throw cause
        },
      }),
      (error) => {
        assert.ok(error instanceof DaemonError)
        assert.equal(error.message, 'the widget did not start')
        assert.equal(error.cause, cause)
        return true
      },
    )
    assert.deepEqual(closed, ['database', 'lock'], 'in reverse order')
    assert.equal(process.listenerCount('SIGTERM'), listeners, 'its signal handlers are gone')
    assert.equal(
      printed[0],
      `config /etc/widget.json (overridden: chain.rpcUrl from --rpc-url)\n${JSON.stringify(
        { chain: { rpcUrl: maskedRpcUrl }, key: { privateKey: '0x1111…********' }, stake: '5' },
        null,
        2,
      )}`,
    )
    assert.equal(printed[1], 'payer 0xdead (clear-text dev key)')
    assertNoSecret(printed.join('\n'))
  })

  it('on SIGTERM stops the parts in reverse order and exits 0; its log lines are masked', async () => {
    const widget = daemon('serve')
    await widget.waitFor(/widget at http:\/\/127\.0\.0\.1:1\nPress Ctrl-C to stop\.\n/)
    widget.child.kill('SIGTERM')
    assert.equal(await widget.exited, 0)
    const { stdout, stderr } = widget.output()
    assert.match(stdout, /^config \/etc\/widget\.json \(overridden: chain\.rpcUrl from --rpc-url\)\n/)
    assert.match(stdout, /^account 0x000000000000000000000000000000000000dEaD \(test key\)$/m)
    assert.match(
      stdout,
      /\nSIGTERM: stopping: closing the widget…\nclosed second\nclosed first\nstopped\.\n$/,
    )
    assert.deepEqual(
      logLines(stdout).map((line) => line.msg),
      [`connected to ${maskedRpcUrl}`],
    )
    assert.ok(stdout.includes(`"rpcUrl": "${maskedRpcUrl}"`), 'in the printed config')
    assertNoSecret(stdout + stderr)
  })

  for (const [mode, kind] of [
    ['rejection', 'unhandledRejection'],
    ['exception', 'uncaughtException'],
  ] as const)
    it(`turns an ${kind} into a masked log line and an orderly shutdown, and exits 1`, async () => {
      const widget = daemon(mode)
      assert.equal(await widget.exited, 1)
      const { stdout, stderr } = widget.output()
      assert.equal(stderr, `${kind}: the chain at ${maskedRpcUrl} stopped answering\n`)
      assert.match(
        stdout,
        // pino writes the fatal line on its own schedule, so it may land before or after these.
        new RegExp(`\\nstopping after the ${kind}…\\nclosed second\\nclosed first\\nstopped\\.\\n`),
      )
      const fatal = logLines(stdout).find((line) => line.level === 60)
      assert.equal(fatal?.msg, `${kind}: stopping`)
      assert.equal(fatal?.err?.message, `the chain at ${maskedRpcUrl} stopped answering`)
      assertNoSecret(stdout + stderr)
    })

  it('exits 1 at once on a second signal while the shutdown hangs', async () => {
    const widget = daemon('hang')
    await widget.waitFor(/Press Ctrl-C to stop\./)
    widget.child.kill('SIGTERM')
    await widget.waitFor(/SIGTERM: stopping/)
    widget.child.kill('SIGINT')
    assert.equal(await widget.exited, 1)
    assert.equal(widget.output().stderr, 'SIGINT again: exiting now, without finishing the shutdown\n')
    assert.doesNotMatch(widget.output().stdout, /stopped\./)
  })

  it('exits 1 when the shutdown after a crash takes longer than its grace', async () => {
    const widget = daemon('crash-hang')
    assert.equal(await widget.exited, 1)
    assert.match(
      widget.output().stderr,
      /\nthe widget did not stop within 0\.5 s of the unhandledRejection: exiting\n$/,
    )
  })
})
