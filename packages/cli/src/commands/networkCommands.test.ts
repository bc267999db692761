import assert from 'node:assert/strict'
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { paymentsAbi } from '@infermesh/protocol'
import { createPublicClient, createTestClient, http, parseEther } from 'viem'
import { encryptKeystore } from '../keystore/encryptKeystore.js'
import { runCli } from '../testing/runCli.js'
import { type CliProcess, spawnCli } from '../testing/spawnCli.js'
import type { Devnet } from '../up.js'

/**
 * The customer's and the payer's commands (models, chat, keys create, gateway start, deposit,
 * withdraw, status) run as a person runs them, against a devnet from `infermesh up --providers 1`.
 */
describe('infermesh models, chat, keys, gateway, deposit, withdraw and status on a devnet', () => {
  let dir: string
  let devnetDir: string
  let up: CliProcess
  let devnet: Devnet
  let chain: ReturnType<typeof createPublicClient>
  /** The environment a person on this devnet has: INFERMESH_DIR names it. */
  const env = () => ({ INFERMESH_DIR: devnetDir })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-network-cli-'))
    devnetDir = join(dir, 'devnet')
    up = spawnCli(['up', '--dir', devnetDir, '--chain-port', '0', '--port', '0', '--providers', '1'])
    await up.waitFor(/Press Ctrl-C to stop\./, 180_000)
    devnet = JSON.parse(await readFile(join(devnetDir, 'devnet.json'), 'utf8')) as Devnet
    chain = createPublicClient({ transport: http(devnet.rpcUrl) })
  })
  after(async () => {
    await up?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  describe('as a customer', () => {
    it('models lists the model, its providers and prices, with the gateway and key from devnet.json', async () => {
      const result = await runCli(['models'], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      const [header, row] = result.stdout.split('\n')
      assert.equal(header, 'MODEL  PROVIDERS  MESH PER 1M INPUT  MESH PER 1M OUTPUT  MODEL ID')
      assert.match(row ?? '', /^tiny {3}1 {10}1 {18}2 {19}0x[0-9a-f]{64}$/)
      const json = await runCli(['models', '--json'], { env: env() })
      assert.equal(JSON.parse(json.stdout).data[0].infermesh.providers, 1)
    })

    it('chat prints the answer on stdout and the model, tokens and request id on stderr, streamed or not', async () => {
      const [plain, streamed] = await Promise.all([
        runCli(['chat', 'Hello there', '--max-tokens', '4'], { env: env() }),
        runCli(['chat', 'Hello there', '--max-tokens', '4', '--stream'], { env: env() }),
      ])
      for (const result of [plain, streamed]) {
        assert.equal(result.code, 0, result.stderr)
        assert.ok(result.stdout.endsWith('\n') && result.stdout.length > 1)
        assert.match(result.stderr, /^tiny: \d+ prompt \+ [1-4] completion tokens, chatcmpl-\S+\n$/)
      }
    })

    it('chat prints the random model’s answer as valid UTF-8 with no control character a terminal would obey', async () => {
      const [plain, streamed] = await Promise.all([
        runCli(['chat', 'Hello', '--max-tokens', '96'], { env: env() }),
        runCli(['chat', 'Hello', '--max-tokens', '96', '--stream'], { env: env() }),
      ])
      for (const result of [plain, streamed]) {
        assert.equal(result.code, 0, result.stderr)
        const text = new TextDecoder('utf-8', { fatal: true }).decode(result.stdoutBytes)
        for (const byte of result.stdoutBytes)
          assert.ok(
            byte >= 0x20 || byte === 0x0a || byte === 0x09,
            `control byte ${byte} in ${JSON.stringify(text)}`,
          )
        assert.ok(!/[\u0080-\u009f]/.test(text), JSON.stringify(text))
        assert.ok(text.endsWith('\n') && text.length > 1)
      }
    })

    it('chat and models say what the gateway answered when the key or the model is wrong, or nothing answers (exit 1)', async () => {
      const [badKey, badModel, noGateway] = await Promise.all([
        runCli(['chat', 'hi', '--api-key', 'im_wrong'], { env: env() }),
        runCli(['chat', 'hi', '--model', 'gpt-9'], { env: env() }),
        runCli(['models', '--gateway-url', 'http://127.0.0.1:1', '--api-key', 'im_x']),
      ])
      assert.equal(badKey.code, 1)
      assert.equal(
        badKey.stderr,
        'infermesh chat failed: the gateway answered 401: Incorrect API key provided. Create one with `infermesh keys create`. (the API key is from --api-key)\n',
      )
      assert.equal(badModel.code, 1)
      assert.equal(
        badModel.stderr,
        "infermesh chat failed: the gateway answered 404: No provider on the network offers the model 'gpt-9'.\n",
      )
      assert.equal(noGateway.code, 1)
      assert.equal(
        noGateway.stderr,
        'infermesh models failed: the gateway at http://127.0.0.1:1 (--gateway-url) does not answer: is it running? ("infermesh up", or "infermesh gateway start")\n',
      )
    })
  })

  describe('API keys and a gateway of ones own', () => {
    it('keys create, while up runs, creates a working key through the running gateway (found through INFERMESH_DIR)', async () => {
      const result = await runCli(['keys', 'create', '--name', 'alice', '--spend-limit', '5'], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      assert.match(
        result.stdout,
        new RegExp(
          `^Created API key key_[0-9a-f]{12} "alice", spending limit 5 MESH \\(gateway ${devnetDir}/devnet/gateway/gateway.json, via the running gateway \\(pid ${devnet.gateway?.pid}\\)\\)\\.\\nKeep it now: it is not shown again\\.\\n\\n {2}im_\\S+\\n$`,
        ),
      )
      const key = result.stdout.trim().split('\n').at(-1)?.trim() ?? ''
      const usage = await fetch(`${devnet.gateway?.url}/v1/usage`, {
        headers: { authorization: `Bearer ${key}` },
      })
      assert.equal(usage.status, 200)
      assert.deepEqual(((await usage.json()) as { key: unknown }).key, {
        id: result.stdout.match(/key_[0-9a-f]{12}/)?.[0],
        name: 'alice',
        spent: '0',
        spendLimit: parseEther('5').toString(),
      })
    })

    it('keys create writes a stopped gateway database itself; gateway start runs on it, refuses a second gateway, and takes keys through its admin route', async () => {
      const gatewayDir = join(dir, 'own-gateway')
      await mkdir(gatewayDir)
      const config = join(gatewayDir, 'gateway.json')
      await writeFile(
        config,
        JSON.stringify({
          chain: { rpcUrl: devnet.rpcUrl, contracts: devnet.contracts },
          server: { port: 0 },
          database: { dir: 'db' },
          payer: { keystore: 'payer.json' },
        }),
      )
      const keystore = await encryptKeystore(devnet.accounts[6]?.privateKey ?? '0x', 'payer password', {
        scryptN: 1024,
      })
      await writeFile(join(gatewayDir, 'payer.json'), JSON.stringify(keystore))
      const offline = await runCli(['keys', 'create', '--config', config])
      assert.equal(offline.code, 0, offline.stderr)
      assert.match(
        offline.stdout,
        new RegExp(`"default", no spending limit \\(gateway ${config}, via PGlite ${gatewayDir}/db\\)`),
      )

      const gateway = spawnCli(['gateway', 'start', '--config', config, '--log-level', 'warn'], {
        env: { INFERMESH_KEYSTORE_PASSWORD: 'payer password' },
      })
      try {
        const [, url] = (await gateway.waitFor(
          /^gateway (http:\/\/127\.0\.0\.1:\d+) paying as /m,
          60_000,
        )) as string[]
        await gateway.waitFor(/Press Ctrl-C to stop\./)
        assert.ok(
          gateway
            .output()
            .includes(`payer ${devnet.accounts[6]?.address} (keystore ${gatewayDir}/payer.json)`),
          gateway.output(),
        )
        const second = await runCli(['gateway', 'start', '--config', config, '--port', '0'], {
          env: { INFERMESH_KEYSTORE_PASSWORD: 'payer password' },
        })
        assert.equal(second.code, 1)
        assert.equal(
          second.stderr.trim().split('\n').at(-1),
          `infermesh gateway start failed: the gateway database ${gatewayDir}/db is in use by a running gateway (pid ${gateway.pid}): PGlite allows one process at a time on a directory (use PostgreSQL, database.url, to run several gateways)`,
        )
        const online = await runCli(['keys', 'create', '--config', config, '--name', 'bob'])
        assert.equal(online.code, 0, online.stderr)
        assert.match(online.stdout, new RegExp(`via the running gateway \\(pid ${gateway.pid}\\)`))
        for (const result of [offline, online]) {
          const key = result.stdout.trim().split('\n').at(-1)?.trim()
          const response = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
          assert.equal(response.status, 200, `${key} works`)
        }
        assert.equal(await gateway.stop('SIGTERM'), 0)
        assert.match(
          gateway.output(),
          /SIGTERM: stopping: finishing requests in flight and handing in the last vouchers…\nstopped\.\n$/,
        )
        await assert.rejects(access(join(gatewayDir, 'db.lock')), 'the lock is released')
      } finally {
        await gateway.stop('SIGKILL')
      }
    })
  })

  describe('as the payer', () => {
    const deposit = () =>
      chain.readContract({
        address: devnet.contracts.payments,
        abi: paymentsAbi,
        functionName: 'balanceOf',
        args: [devnet.payer.address],
      })

    it('deposit adds MESH from the wallet to the deposit', async () => {
      const before = await deposit()
      const result = await runCli(['deposit', '50'], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /^ {2}deposit +0x[0-9a-f]{64}$/m)
      // Redemptions draw on allocations, never on the unallocated deposit; the gateway's allocator may
      // move some of it to a provider meanwhile (it tops allocations up lazily).
      const after = await deposit()
      assert.ok(after <= before + parseEther('50') && after > before, `${after}`)
      assert.match(
        result.stdout,
        new RegExp(
          `^Done\\. ${devnet.payer.address} has [\\d.]+ MESH unallocated in Payments; allocated:$`,
          'm',
        ),
      )
      assert.match(result.stdout, /^ {2}0x[0-9a-fA-F]{40}: [\d.]+ MESH allocated/m)
    })

    it('withdraw requests, says when it unlocks, refuses to complete early, and pays out after the delay', async () => {
      const before = await deposit()
      const request = await runCli(['withdraw', '20'], { env: env() })
      assert.equal(request.code, 0, request.stderr)
      assert.match(request.stdout, /^ {2}requestWithdraw +0x[0-9a-f]{64}$/m)
      assert.match(
        request.stdout,
        /\nIt unlocks at \d{4}-\d\d-\d\dT[\d:.]+Z \(in 24 h 0 min, chain time\); then run "infermesh withdraw --complete"\./,
      )
      const status = await runCli(['status'], { env: env() })
      assert.match(status.stdout, /^ {2}pending withdrawal {2}20 MESH unlocking at \S+ \(in 24 h 0 min\)$/m)

      const early = await runCli(['withdraw', '--complete'], { env: env() })
      assert.equal(early.code, 1)
      assert.match(
        early.stderr,
        /^infermesh withdraw failed: the withdrawal of 20 MESH unlocks at \S+ \(in 24 h 0 min, chain time\): run "infermesh withdraw --complete" then\n$/,
      )

      const test = createTestClient({ mode: 'anvil', transport: http(devnet.rpcUrl) })
      await test.increaseTime({ seconds: 24 * 3600 + 1 })
      await test.mine({ blocks: 1 })
      const complete = await runCli(['withdraw', '--complete'], { env: env() })
      assert.equal(complete.code, 0, complete.stderr)
      assert.match(complete.stdout, new RegExp(`^Withdrew 20 MESH to ${devnet.payer.address}\\.`, 'm'))
      assert.ok((await deposit()) <= before - parseEther('20'))

      const again = await runCli(['withdraw', '--complete'], { env: env() })
      assert.equal(again.code, 1)
      assert.equal(
        again.stderr,
        `infermesh withdraw failed: ${devnet.payer.address} has no withdrawal pending: request one first with "infermesh withdraw MESH"\n`,
      )
    })

    it('status shows the provider (endpoint, region, stake, offers, earnings) and the payer', async () => {
      const result = await runCli(['status'], { env: env() })
      assert.equal(result.code, 0, result.stderr)
      const provider = devnet.providers[0]
      assert.ok(provider)
      assert.match(
        result.stdout,
        new RegExp(`^chain {6}${devnet.rpcUrl}, chain 31337, block \\d+ \\(devnet `),
      )
      assert.match(result.stdout, new RegExp(`^payer {6}${devnet.payer.address}$`, 'm'))
      assert.match(result.stdout, /^providers {2}1 registered, 1 active$/m)
      assert.match(
        result.stdout,
        new RegExp(`^ {2}${provider.address} {2}active, eu-west, ${provider.url} \\(answers\\)$`, 'm'),
      )
      assert.match(result.stdout, /^ {4}stake {5}1000 MESH$/m)
      assert.match(
        result.stdout,
        /^ {4}offers {4}tiny \(0x[0-9a-f]{8}…\): 1 MESH per 1M input tokens, 2 MESH per 1M output tokens$/m,
      )
      assert.match(result.stdout, /^ {4}earnings {2}wallet [\d.]+ MESH$/m)
      assert.match(
        result.stdout,
        new RegExp(`^ {14}paid by ${devnet.payer.address} for tiny: [\\d.]+ MESH$`, 'm'),
      )
      // Consensus: validators' uptime of the provider, the epoch, disputes, the validators themselves.
      assert.match(result.stdout, /^ {4}uptime {4}\d+% last epoch \(\d+ reports\), (above|below) the floor/m)
      assert.match(
        result.stdout,
        /^consensus {2}epoch \d+ \(30 s each\); disputes 0 \(0 open, 0 guilty, 0 innocent, 0 void\); slashed 0 MESH$/m,
      )
      assert.match(result.stdout, /^validators 4 registered, 4 active$/m)
      for (const validator of devnet.validators)
        assert.match(
          result.stdout,
          new RegExp(
            `^ {2}${validator.address} {2}active, ${validator.url} \\(answers\\), stake 1000 MESH, 1 model$`,
            'm',
          ),
        )
      const json = JSON.parse((await runCli(['status', '--json'], { env: env() })).stdout)
      assert.equal(json.providers[0].address, provider.address)
      assert.equal(json.providers[0].stake, parseEther('1000').toString())
    })
  })

  it('rejects wrong input with exit code 2 and says what to do', async () => {
    const cases: [string[], string][] = [
      [['deposit'], 'how much? infermesh deposit MESH (e.g. infermesh deposit 100)'],
      [['deposit', 'ten'], 'the amount must be an amount of MESH, like 1000 or 0.5'],
      [['deposit', '1', '--config', 'a.json', '--devnet', 'b.json'], 'give --config or --devnet, not both'],
      [['withdraw', '5', '--complete'], '--complete pays out the pending withdrawal: give no amount with it'],
      [
        ['withdraw', '1', '2'],
        'how much? infermesh withdraw MESH to request a withdrawal, or infermesh withdraw --complete',
      ],
      [
        ['deposit', '--allocate', 'nope'],
        '--allocate takes PROVIDER:MESH (a 0x address and an amount), not "nope"',
      ],
      [['chat'], 'what to ask? infermesh chat "PROMPT"'],
      [['chat', 'a', 'b'], 'one prompt, in quotes: got 2 arguments (a b)'],
      [['chat', 'hi', '--max-tokens', '0'], '--max-tokens must be a whole number from 1 to 1000000'],
      [
        ['keys', 'create', '--spend-limit', 'lots'],
        '--spend-limit must be an amount of MESH, like 1000 or 0.5',
      ],
      [['status', '--payer', 'me'], '--payer must be an address, got "me"'],
      [
        ['gateway', 'start', '--log-level', 'loud'],
        '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      ],
      [
        ['models', '--gateway-url', 'ftp://x', '--api-key', 'k'],
        'the gateway URL "ftp://x" (--gateway-url) must be an http:// or https:// URL',
      ],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli(args, { cwd: dir })))
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], string]
      const command = args[0] === 'keys' || args[0] === 'gateway' ? `${args[0]} ${args[1]}` : args[0]
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.equal(
        result.stderr,
        `infermesh: ${message}\nRun "infermesh ${command} --help" for usage.\n`,
        args.join(' '),
      )
    })
    const missing = await runCli(['gateway', 'start', '--config', join(dir, 'nope.json')])
    assert.equal(missing.code, 2)
    assert.match(
      missing.stderr,
      new RegExp(`^infermesh: no gateway config at ${dir}/nope\\.json \\(--config\\): `),
    )
    const nowhere = await runCli(['chat', 'hi'], { cwd: dir })
    assert.equal(nowhere.code, 2)
    assert.match(
      nowhere.stderr,
      /^infermesh: which gateway\? pass --gateway-url URL and --api-key KEY \(or set INFERMESH_GATEWAY_URL and INFERMESH_API_KEY\), or start a devnet with "infermesh up"/,
    )
  })
})
