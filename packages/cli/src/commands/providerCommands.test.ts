import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { meshTokenAbi, providerConfigSchema, registryAbi } from '@infermesh/protocol'
import { detectHardware } from '@infermesh/provider/hardware'
import { type Address, createPublicClient, createTestClient, http, parseEther } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { decryptKeystore } from '../keystore/decryptKeystore.js'
import { runCli } from '../testing/runCli.js'
import { type CliProcess, spawnCli } from '../testing/spawnCli.js'
import type { Devnet } from '../up.js'

/**
 * The provider's life on a devnet started by `infermesh up`, through the CLI binary as a person runs
 * it: init, register, start, unregister, withdraw; with a clear-text dev key and with a keystore.
 */
describe('infermesh provider commands on a devnet from "infermesh up"', () => {
  let dir: string
  let devnetProcess: CliProcess
  let devnet: Devnet
  let devnetFile: string
  let model: string
  let modelId: string
  let client: ReturnType<typeof createPublicClient>

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infermesh-provider-cli-'))
    devnetProcess = spawnCli([
      'up',
      ...['--dir', join(dir, 'devnet'), '--chain-port', '0', '--port', '0', '--providers', '0'],
      ...['--deposit', '100'],
    ])
    await devnetProcess.waitFor(/Press Ctrl-C to stop\./, 300_000)
    devnetFile = join(dir, 'devnet', 'devnet.json')
    devnet = JSON.parse(await readFile(devnetFile, 'utf8')) as Devnet
    client = createPublicClient({ transport: http(devnet.rpcUrl) })
    model = join(dir, 'models', 'tiny.gguf')
    const tiny = await runCli(['model', 'tiny', '--out', model, '--seed', '5'])
    assert.equal(tiny.code, 0, tiny.stderr)
    modelId = `0x${createHash('sha256')
      .update(await readFile(model))
      .digest('hex')}`
  })
  after(async () => {
    await devnetProcess?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const registry = () => devnet.contracts.registry
  const getProvider = (address: Address) =>
    client.readContract({
      address: registry(),
      abi: registryAbi,
      functionName: 'getProvider',
      args: [address],
    })
  const stakeOf = (address: Address) =>
    client.readContract({ address: registry(), abi: registryAbi, functionName: 'stakeOf', args: [address] })

  describe('with a clear-text dev key (--dev)', () => {
    let providerDir: string
    let configFile: string
    let address: Address

    it('init writes a valid provider.json with the devnet chain, the model and this machine, and funds the key', async () => {
      providerDir = join(dir, 'dev-provider')
      const result = await runCli([
        'provider',
        'init',
        '--dev',
        '--dir',
        providerDir,
        '--model',
        model,
        '--devnet',
        devnetFile,
        '--port',
        '18431',
        '--region',
        'eu-west',
        '--price-input',
        '2',
        '--price-output',
        '4.5',
      ])
      assert.equal(result.code, 0, result.stderr)
      configFile = join(providerDir, 'provider.json')
      const raw = JSON.parse(await readFile(configFile, 'utf8'))
      const config = providerConfigSchema.parse(raw)
      assert.ok('privateKey' in config.keystore)
      address = privateKeyToAddress(config.keystore.privateKey)
      assert.match(result.stdout, new RegExp(`^Created provider ${address} in ${providerDir}$`, 'm'))
      assert.deepEqual(config.chain, { rpcUrl: devnet.rpcUrl, chainId: 31337, contracts: devnet.contracts })
      assert.deepEqual(
        config.backend.kind === 'llama' && config.backend.models.map((m) => [m.name, m.path]),
        [['tiny', model]],
      )
      assert.deepEqual(config.offers, [
        { model: 'tiny', pricePerMInput: parseEther('2'), pricePerMOutput: parseEther('4.5') },
      ])
      assert.equal(raw.database.dir, 'data', 'the database lives in the provider directory')
      assert.deepEqual(config.registration, {
        endpoint: 'http://127.0.0.1:18431',
        region: 'eu-west',
        hardware: await detectHardware(),
      })
      assert.match(result.stdout, new RegExp(`tiny: ${model}, model id ${modelId}`))
      assert.match(await readFile(join(providerDir, 'README.md'), 'utf8'), /## Sections of provider\.json/)
      assert.equal((await stat(configFile)).mode & 0o777, 0o600, 'the config holds a key: owner only')
      assert.equal(await client.getBalance({ address }), parseEther('10'))
      assert.equal(
        await client.readContract({
          address: devnet.contracts.token,
          abi: meshTokenAbi,
          functionName: 'balanceOf',
          args: [address],
        }),
        parseEther('10000'),
      )
    })

    it('init refuses to overwrite a provider directory', async () => {
      const result = await runCli([
        'provider',
        'init',
        '--dev',
        '--dir',
        providerDir,
        '--model',
        model,
        '--devnet',
        devnetFile,
      ])
      assert.equal(result.code, 2)
      assert.equal(
        result.stderr.split('\n')[0],
        `infermesh: ${configFile} already exists: this directory already holds a provider (its key may hold stake). Choose another --dir, or move it away first`,
      )
    })

    it('register stakes the minimum and publishes endpoint, region, hardware and the GGUF sha256 as the offer', async () => {
      const result = await runCli(['provider', 'register', '--config', configFile])
      assert.equal(result.code, 0, result.stderr)
      for (const call of ['approve', 'stake', 'registerProvider'])
        assert.match(result.stdout, new RegExp(`^  ${call} +0x[0-9a-f]{64}$`, 'm'))
      assert.match(result.stdout, /^Registered\.$/m)
      const provider = await getProvider(address)
      assert.equal(provider.active, true)
      assert.equal(provider.stake, parseEther('1000'))
      assert.equal(provider.endpoint, 'http://127.0.0.1:18431')
      assert.equal(provider.region, 'eu-west')
      assert.deepEqual(provider.hardware, await detectHardware())
      assert.deepEqual(provider.offers, [
        { modelId, pricePerMInput: parseEther('2'), pricePerMOutput: parseEther('4.5') },
      ])
      assert.match(result.stdout, /stake {9}1000 MESH \(minimum 1000 MESH\)/)
      assert.match(
        result.stdout,
        new RegExp(`offers {8}tiny ${modelId}: 2 MESH per 1M input tokens, 4\\.5 MESH per 1M output tokens`),
      )
    })

    it('register again updates the offers that changed (setOffers) and sends nothing else', async () => {
      const raw = JSON.parse(await readFile(configFile, 'utf8'))
      raw.offers[0].pricePerMOutput = parseEther('5').toString()
      await writeFile(configFile, JSON.stringify(raw, null, 2))
      const result = await runCli(['provider', 'register', '--config', configFile])
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, /^Was already registered: updated what changed\.$/m)
      assert.match(result.stdout, /^ {2}setOffers +0x[0-9a-f]{64}$/m)
      assert.doesNotMatch(result.stdout, /approve|registerProvider|updateProvider/)
      assert.deepEqual((await getProvider(address)).offers, [
        { modelId, pricePerMInput: parseEther('2'), pricePerMOutput: parseEther('5') },
      ])
      const again = await runCli(['provider', 'register', '--config', configFile])
      assert.match(
        again.stdout,
        /Already registered, and the Registry already matches the config: nothing to send\./,
      )
    })

    it('register says how much MESH is missing when the balance cannot cover the stake', async () => {
      const result = await runCli(['provider', 'register', '--config', configFile, '--stake', '1000000'])
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr.trim(),
        `infermesh provider register failed: not enough MESH to stake: ${address} has 1000 MESH staked and holds 9000 MESH; a stake of 1000000 MESH needs 999000 MESH more: get at least 990000 MESH sent to it`,
      )
    })

    it('register says the chain does not answer when it is unreachable', async () => {
      const result = await runCli([
        'provider',
        'register',
        '--config',
        configFile,
        '--rpc-url',
        'http://127.0.0.1:9',
      ])
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr.trim(),
        'infermesh provider register failed: the chain at http://127.0.0.1:9 does not answer: is it running? (chain.rpcUrl in the config; --rpc-url or INFERMESH_RPC_URL override it)',
      )
    })

    it('start prints the config with the key masked, serves /health and /v1/models, and exits 0 on SIGTERM', async () => {
      const daemon = spawnCli([
        'provider',
        'start',
        '--config',
        configFile,
        '--port',
        '0',
        '--log-level',
        'warn',
      ])
      try {
        const [, url] = (await daemon.waitFor(
          /serving tiny at (http:\/\/\S+)\nPress Ctrl-C to stop\./,
        )) as string[]
        const raw = JSON.parse(await readFile(configFile, 'utf8'))
        assert.ok(!daemon.output().includes(raw.keystore.privateKey), 'the private key is never printed')
        assert.match(daemon.output(), /"privateKey": "0x[0-9a-f]{4}…\*{8}"/)
        assert.match(
          daemon.output(),
          new RegExp(`^config ${configFile} \\(overridden: server\\.port from --port\\)$`, 'm'),
        )
        assert.match(
          daemon.output(),
          new RegExp(`"dir": "${join(providerDir, 'data')}"`),
          'relative to the config',
        )
        assert.doesNotMatch(daemon.output(), /not an active provider/, 'it is registered')
        const health = await fetch(`${url}/health`)
        assert.equal(health.status, 200)
        assert.deepEqual(await health.json(), { status: 'ok', provider: address })
        const models = (await (await fetch(`${url}/v1/models`)).json()) as {
          data: { id: string; infermesh: { modelId: string } }[]
        }
        assert.deepEqual(
          models.data.map((m) => [m.id, m.infermesh.modelId]),
          [['tiny', modelId]],
        )
      } finally {
        assert.equal(await daemon.stop('SIGTERM'), 0, daemon.output())
      }
      assert.match(
        daemon.output(),
        /SIGTERM: stopping: finishing requests in flight and redeeming vouchers…\nstopped\./,
      )
    })

    it('unregister starts unbonding the whole stake and prints when it unlocks', async () => {
      const result = await runCli(['provider', 'unregister', '--config', configFile])
      assert.equal(result.code, 0, result.stderr)
      const [role, staked, unbonding, unbondingEnd] = await stakeOf(address)
      assert.deepEqual([role, staked, unbonding], [0, 0n, parseEther('1000')])
      const now = (await client.getBlock()).timestamp
      assert.ok(unbondingEnd >= now + 7n * 86_400n - 5n && unbondingEnd <= now + 7n * 86_400n)
      assert.match(result.stdout, /^ {2}unregister +0x[0-9a-f]{64}$/m)
      assert.ok(
        result.stdout.includes(
          `Unregistered ${address}. 1000 MESH is unbonding: it unlocks at ${new Date(Number(unbondingEnd) * 1000).toISOString()} (in 7 days); then run "infermesh provider withdraw".`,
        ),
        result.stdout,
      )
      assert.equal((await getProvider(address)).active, false)
    })

    it('withdraw waits for the unbonding period, then pays the stake back', async () => {
      const early = await runCli(['provider', 'withdraw', '--config', configFile])
      assert.equal(early.code, 1)
      assert.match(
        early.stderr,
        /failed: 1000 MESH is unbonding until \S+Z \(7 days from now, chain time\): withdraw it then/,
      )
      const testClient = createTestClient({ mode: 'anvil', transport: http(devnet.rpcUrl) })
      await testClient.increaseTime({ seconds: 7 * 86_400 })
      await testClient.mine({ blocks: 1 })
      const result = await runCli(['provider', 'withdraw', '--config', configFile])
      assert.equal(result.code, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`Withdrew 1000 MESH to ${address}\\.`))
      assert.equal(
        await client.readContract({
          address: devnet.contracts.token,
          abi: meshTokenAbi,
          functionName: 'balanceOf',
          args: [address],
        }),
        parseEther('10000'),
      )
    })
  })

  describe('with an encrypted keystore', () => {
    let configFile: string
    let keystoreFile: string
    let address: Address

    it('init with INFERMESH_KEYSTORE_PASSWORD writes a v3 keystore and points the config at it', async () => {
      const providerDir = join(dir, 'keystore-provider')
      const result = await runCli(
        [
          'provider',
          'init',
          '--dir',
          providerDir,
          '--model',
          model,
          '--devnet',
          devnetFile,
          '--port',
          '18432',
        ],
        { env: { INFERMESH_KEYSTORE_PASSWORD: 'correct horse' } },
      )
      assert.equal(result.code, 0, result.stderr)
      configFile = join(providerDir, 'provider.json')
      keystoreFile = join(providerDir, 'keystore.json')
      const raw = JSON.parse(await readFile(configFile, 'utf8'))
      assert.deepEqual(raw.keystore, { path: 'keystore.json' }, 'no key in the config')
      const keystore = JSON.parse(await readFile(keystoreFile, 'utf8'))
      assert.equal(keystore.crypto.kdfparams.n, 1024, 'INFERMESH_KEYSTORE_SCRYPT_N applies')
      address = privateKeyToAddress(await decryptKeystore(keystore, 'correct horse'))
      assert.match(result.stdout, new RegExp(`^Created provider ${address} in`, 'm'))
      assert.match(
        result.stdout,
        /keystore.json: the key, encrypted with your password \(scrypt n=1024: weak, for tests only\)/,
      )
      assert.equal((await stat(keystoreFile)).mode & 0o777, 0o600)
    })

    it('start decrypts the keystore with the password from the environment', async () => {
      const daemon = spawnCli(
        ['provider', 'start', '--config', configFile, '--port', '0', '--log-level', 'warn'],
        {
          env: { INFERMESH_KEYSTORE_PASSWORD: 'correct horse' },
        },
      )
      try {
        await daemon.waitFor(/Press Ctrl-C to stop\./)
        assert.match(daemon.output(), new RegExp(`^account ${address} \\(keystore ${keystoreFile}\\)$`, 'm'))
        assert.match(
          daemon.output(),
          new RegExp(
            `note: ${address} is not an active provider in the Registry, so gateways will not route to it`,
          ),
        )
      } finally {
        assert.equal(await daemon.stop('SIGINT'), 0, daemon.output())
      }
    })

    it('a wrong password exits 1 naming the keystore and where the password came from', async () => {
      const result = await runCli(['provider', 'start', '--config', configFile], {
        env: { INFERMESH_KEYSTORE_PASSWORD: 'wrong horse' },
      })
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr.trim(),
        `infermesh provider start failed: wrong keystore password for ${keystoreFile} of ${address}: the password in INFERMESH_KEYSTORE_PASSWORD does not decrypt it`,
      )
    })

    it('without a password or a terminal it exits 2 saying what to set', async () => {
      const result = await runCli(['provider', 'register', '--config', configFile])
      assert.equal(result.code, 2)
      assert.equal(
        result.stderr.split('\n')[0],
        'infermesh: the keystore needs a password and there is no terminal to ask it on: set INFERMESH_KEYSTORE_PASSWORD or INFERMESH_KEYSTORE_PASSWORD_FILE, or pass --password-file FILE',
      )
    })

    it('register reads the password from --password-file', async () => {
      const passwordFile = join(dir, 'password.txt')
      await writeFile(passwordFile, 'correct horse\n')
      const result = await runCli([
        'provider',
        'register',
        '--config',
        configFile,
        '--password-file',
        passwordFile,
      ])
      assert.equal(result.code, 0, result.stderr)
      assert.equal((await getProvider(address)).active, true)
    })
  })

  it('a config with a mistyped key exits 2 naming the field and the likely key', async () => {
    const file = join(dir, 'typo.json')
    const raw = JSON.parse(await readFile(join(dir, 'dev-provider', 'provider.json'), 'utf8'))
    raw.server = { host: '127.0.0.1', prot: 8080 }
    raw.payments.creditLimt = '1'
    await writeFile(file, JSON.stringify(raw))
    const result = await runCli(['provider', 'start', '--config', file])
    assert.equal(result.code, 2)
    assert.equal(
      result.stderr,
      `infermesh: the provider config ${file} is invalid:
  server.prot: unknown key (did you mean "port"?)
  payments.creditLimt: unknown key (did you mean "creditLimit"?)
Run "infermesh provider start --help" for usage.
`,
    )
  })
})
