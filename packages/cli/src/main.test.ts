import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { runCli } from './testing/runCli.js'

const commands = [
  'up',
  'model tiny',
  'model register',
  'model offer',
  'model buy',
  'model claim',
  'model show',
  'provider init',
  'provider register',
  'provider start',
  'provider unregister',
  'provider withdraw',
  'provider profile',
  'provider claim',
  'gateway start',
  'explorer',
  'validator start',
  'keys create',
  'chat',
  'models',
  'status',
  'deposit',
  'withdraw',
  'sim',
  'job request',
  'job status',
  'job list',
]

describe('infermesh (the command dispatcher)', () => {
  it('prints the help of every command with --help (-h for one), exit code 0', async () => {
    const results = await Promise.all(
      commands.map(async (command, i) => {
        const flag = i === 0 ? '-h' : '--help'
        return { command, flag, ...(await runCli([...command.split(' '), flag])) }
      }),
    )
    for (const { command, flag, code, stdout, stderr } of results) {
      assert.equal(code, 0, `${command} ${flag}: ${stderr}`)
      assert.match(stdout, new RegExp(`^Usage: infermesh ${command}( |$)`, 'm'), `${command} ${flag}`)
      assert.match(stdout, /-h, --help +this help/, `${command} ${flag}`)
    }
  })

  it('lists every command with --help, and exits 2 listing them when given none', async () => {
    const [help, none] = await Promise.all([runCli(['--help']), runCli([])])
    assert.equal(help.code, 0)
    assert.equal(none.code, 2)
    for (const command of commands) assert.match(help.stdout, new RegExp(`^  ${command} +\\S`, 'm'))
    assert.equal(none.stdout, help.stdout)
  })

  it('lists the provider commands for "infermesh provider"', async () => {
    const result = await runCli(['provider', '--help'])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /^Usage: infermesh provider <command> \[options\]/)
    assert.deepEqual(
      [...result.stdout.matchAll(/^ {2}(provider \w+)/gm)].map((m) => m[1]),
      commands.filter((c) => c.startsWith('provider ')),
    )
  })

  it('rejects an unknown command or option with exit code 2 and what was wrong', async () => {
    const [command, sub, option] = await Promise.all([
      runCli(['serve']),
      runCli(['provider', 'stop']),
      runCli(['provider', 'start', '--prot', '8080']),
    ])
    assert.equal(command.code, 2)
    assert.match(command.stderr, /^infermesh: unknown command "serve"\n/)
    assert.equal(sub.code, 2)
    assert.match(sub.stderr, /^infermesh: unknown command "provider stop"\n/)
    assert.equal(option.code, 2)
    assert.equal(
      option.stderr,
      'infermesh: unknown option --prot for "infermesh provider start"\nRun "infermesh provider start --help" for usage.\n',
    )
  })
})
