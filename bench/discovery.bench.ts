/**
 * Discovery benchmark (`npm run bench -- discovery`; results in bench/results/discovery.json).
 *
 * 10,000 providers registered on a real anvil (impersonated accounts, blocks of thousands of
 * transactions), each with an endpoint `http://127.0.0.1:<port>/p/<i>` served by ONE node:http server
 * that answers every provider's `/v1/models` and `/health` (simulated endpoints). A counting JSON-RPC
 * proxy sits between the discovery and anvil. Discovery runs in a child process so its resident memory
 * is its own. For each variant, over `DISCOVERY_BENCH_SECONDS` (60 by default):
 *   - provider requests per second (what the simulated endpoints received),
 *   - chain JSON-RPC calls per second (what the proxy forwarded),
 *   - resident memory (process.memoryUsage().rss) and heap, sampled every second,
 *   - time from start() to ready.
 * Traffic is simulated as a gateway sees it: 20 providers are routed to every second, and one
 * provider changes its endpoint every 5 s (a Registry event).
 *
 * Variants:
 *   before — the discovery of commit e724253 (packages/gateway/src/discovery/createDiscovery.ts, read
 *            from git into a temporary folder): every provider's /v1/models every `probeMs`, the whole
 *            Registry and every provider's Uptime `isActive` every `refreshMs`;
 *   after  — @infermesh/client's createDiscovery with the gateway's wiring (createRoutingTable).
 * Both get the devnet's settings (`infermesh up`: probeMs 500, refreshMs 5,000).
 *
 * Run one variant: `node --import tsx bench/discovery.bench.ts before` (or `after`); the other
 * variant's figures already in the results file are kept. `DISCOVERY_BENCH_LABEL` stores a run under
 * another name (e.g. a longer window: `DISCOVERY_BENCH_SECONDS=360 DISCOVERY_BENCH_LABEL=afterSteadyState`).
 */

import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { meshTokenAbi, modelRegistryAbi, registryAbi, startDevChain } from '@infermesh/protocol'
import { type Address, encodeFunctionData, getAddress, type Hex, parseEther, zeroAddress } from 'viem'

const root = fileURLToPath(new URL('..', import.meta.url))
const beforeCommit = 'e724253'
const providerCount = Number(process.env.DISCOVERY_BENCH_PROVIDERS ?? 10_000)
const seconds = Number(process.env.DISCOVERY_BENCH_SECONDS ?? 60)
const settings = { probeMs: 500, refreshMs: 5_000 }
const routedPerSecond = 20
const modelId = `0x${'be'.repeat(32)}` as Hex

type Variant = 'before' | 'after'
type ChildMessage =
  | { type: 'ready'; startMs: number }
  | { type: 'memory'; rss: number; heapUsed: number }
  | {
      type: 'done'
      routable: number
      providers: number
      loopDelayP99Ms: number
      loopDelayMaxMs: number
      warnings: number
      memoryFailures: number
      uncaught: { count: number; first: string | undefined }
    }
  | { type: 'error'; message: string }

if (process.env.DISCOVERY_BENCH_CHILD) await child()
else await parent()

// ─── the measured process ────────────────────────────────────────────────────────────────────────

async function child() {
  const send = (message: ChildMessage) => process.send?.(message)
  try {
    const env = JSON.parse(process.env.DISCOVERY_BENCH_CHILD as string) as {
      variant: Variant
      rpcUrl: string
      registry: Address
      uptime: Address
      models: Address
      beforeFile?: string
      routed: Address[]
    }
    const { connect } = await import('@infermesh/protocol')
    const { publicClient } = await connect({ rpcUrl: env.rpcUrl })
    const { createProviderStats, createRoutingTable } = await import('@infermesh/gateway')
    const stats = createProviderStats()
    let warnings = 0
    let memoryFailures = 0
    // Whatever the measured code throws from a callback is counted (and the first one kept) rather
    // than ending the run: how a discovery fails under load is part of the measurement.
    const uncaught = { count: 0, first: undefined as string | undefined }
    const onUncaught = (error: unknown) => {
      uncaught.count++
      uncaught.first ??= (error as Error)?.message ?? String(error)
    }
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUncaught)
    const log = {
      info: () => {},
      warn: () => {
        warnings++
      },
    }
    let discovery: {
      start: () => Promise<void>
      stop: () => void
      providerCount: () => number
      candidates: (model: string) => unknown[]
      used?: (provider: Address) => void
    }
    if (env.variant === 'before') {
      const { createDiscovery } = await import(pathToFileURL(env.beforeFile as string).href)
      discovery = createDiscovery({
        publicClient,
        registry: env.registry,
        uptime: env.uptime,
        stats,
        refreshMs: settings.refreshMs,
        probeMs: settings.probeMs,
        log,
      })
    } else {
      const { createDiscovery } = await import('@infermesh/client')
      const client = createDiscovery({
        publicClient,
        registry: env.registry,
        models: env.models,
        uptime: env.uptime,
        allowPrivate: true,
        hotProbeMs: settings.probeMs,
        refreshMs: settings.refreshMs,
        log,
        onProbe: (provider, probe) => stats.probed(provider, probe.healthy, probe.latencyMs),
        onJudged: (provider, judgement) => stats.judged(provider, judgement),
      })
      const table = createRoutingTable({ discovery: client, stats })
      discovery = {
        start: () => client.start(),
        stop: () => client.stop(),
        providerCount: () => client.providerCount(),
        candidates: (model) => table.candidates(model),
        used: (provider) => client.used(provider),
      }
    }
    const loop = monitorEventLoopDelay({ resolution: 20 })
    loop.enable()
    const started = performance.now()
    await discovery.start()
    send({ type: 'ready', startMs: Math.round(performance.now() - started) })
    // A gateway's traffic: the same few providers routed to every second.
    const traffic = setInterval(() => {
      discovery.candidates(modelId)
      for (const provider of env.routed) discovery.used?.(provider)
    }, 1000)
    loop.reset()
    const memory = setInterval(() => {
      try {
        const { rss, heapUsed } = process.memoryUsage()
        send({ type: 'memory', rss, heapUsed })
      } catch {
        memoryFailures++ // e.g. EMFILE: no file descriptor left to read /proc with
      }
    }, 1000)
    process.on('message', (message: { type: string }) => {
      if (message.type !== 'stop') return
      clearInterval(traffic)
      clearInterval(memory)
      send({
        type: 'done',
        routable: discovery.candidates(modelId).length,
        providers: discovery.providerCount(),
        loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6),
        loopDelayMaxMs: Math.round(loop.max / 1e6),
        warnings,
        memoryFailures,
        uncaught,
      })
      discovery.stop()
      setTimeout(() => process.exit(0), 100).unref()
    })
  } catch (error) {
    send({ type: 'error', message: (error as Error).stack ?? String(error) })
    process.exit(1)
  }
}

// ─── the harness ─────────────────────────────────────────────────────────────────────────────────

async function parent() {
  const only = process.argv[2] as Variant | undefined
  if (only !== undefined && only !== 'before' && only !== 'after')
    throw new Error(`unknown variant ${only}: use before or after`)
  const variants: Variant[] = only ? [only] : ['before', 'after']

  // Simulated provider endpoints: one server, one path prefix per provider.
  const counts = { provider: 0, routed: 0, rpc: 0, rpcByMethod: new Map<string, number>() }
  const endpoints = createServer((request, response) => {
    counts.provider++
    const match = /^\/p\/(\d+)(?:\/m\d+)?\/(v1\/models|health)$/.exec(request.url ?? '')
    request.resume()
    if (!match) {
      response.writeHead(404).end()
      return
    }
    if (Number(match[1]) < routedPerSecond) counts.routed++
    const body =
      match[2] === 'health'
        ? '{"status":"ok"}'
        : JSON.stringify({
            object: 'list',
            data: [
              {
                id: 'bench',
                object: 'model',
                created: 0,
                owned_by: match[1],
                infermesh: { modelId, pricePerMInput: '1', pricePerMOutput: '2', contextLength: 4096 },
              },
            ],
          })
    response.writeHead(200, { 'content-type': 'application/json' }).end(body)
  })
  endpoints.keepAliveTimeout = 30_000
  const endpointPort = await listen(endpoints)

  const devChain = await startDevChain({ params: { minStake: parseEther('1') } })
  const { deployment, anvil } = devChain
  const { registry, token, models, uptime } = deployment.contracts
  const rpc = createRpc(anvil.rpcUrl)

  // A counting JSON-RPC proxy in front of anvil, for the measured process only.
  const proxy = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      try {
        const parsed = JSON.parse(body.toString()) as { method: string } | { method: string }[]
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
          counts.rpc++
          counts.rpcByMethod.set(call.method, (counts.rpcByMethod.get(call.method) ?? 0) + 1)
        }
      } catch {}
      const upstream = httpRequest(
        anvil.rpcUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (answer: IncomingMessage) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(response)
        },
      )
      upstream.on('error', () => response.writeHead(502).end())
      upstream.end(body)
    })
  })
  const proxyPort = await listen(proxy)

  // 10,000 providers on the chain.
  const registerStarted = performance.now()
  const deployer = devChain.account(0).address
  await rpc.call('anvil_autoImpersonateAccount', [true])
  await rpc.call('evm_setBlockGasLimit', ['0x2540BE400'])
  await rpc.send(deployer, {
    to: models,
    data: encodeFunctionData({
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [modelId, 'bench', '', 0, zeroAddress],
    }),
    gas: 500_000n,
  })
  const providers = Array.from({ length: providerCount }, (_, i) =>
    getAddress(`0x${(0xbe5c000000000000000000000000000000000000n + BigInt(i + 1)).toString(16)}`),
  )
  const endpointOf = (i: number) => `http://127.0.0.1:${endpointPort}/p/${i}`
  await rpc.batch(providers.map((address) => ['anvil_setBalance', [address, '0x56BC75E2D63100000']]))
  await rpc.call('evm_setAutomine', [false])
  const stake = parseEther('1')
  let nonce = Number(await rpc.call('eth_getTransactionCount', [deployer, 'pending']))
  const phases: [string, (address: Address, i: number) => unknown][] = [
    [
      'mint',
      (address) => ({
        from: deployer,
        to: token,
        nonce: `0x${(nonce++).toString(16)}`,
        gas: '0x30d40',
        data: encodeFunctionData({ abi: meshTokenAbi, functionName: 'transfer', args: [address, stake] }),
      }),
    ],
    [
      'approve',
      (address) => ({
        from: address,
        to: token,
        nonce: '0x0',
        gas: '0x30d40',
        data: encodeFunctionData({ abi: meshTokenAbi, functionName: 'approve', args: [registry, stake] }),
      }),
    ],
    [
      'stake',
      (address) => ({
        from: address,
        to: registry,
        nonce: '0x1',
        gas: '0x61a80',
        data: encodeFunctionData({ abi: registryAbi, functionName: 'stake', args: [stake] }),
      }),
    ],
    [
      'register',
      (address, i) => ({
        from: address,
        to: registry,
        nonce: '0x2',
        gas: '0xf4240',
        data: encodeFunctionData({
          abi: registryAbi,
          functionName: 'registerProvider',
          args: [
            endpointOf(i),
            `region-${i % 7}`,
            { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
            [{ modelId, pricePerMInput: BigInt(1000 + (i % 97)), pricePerMOutput: BigInt(2000 + (i % 89)) }],
          ],
        }),
      }),
    ],
  ]
  for (const [name, build] of phases) {
    await rpc.batch(providers.map((address, i) => ['eth_sendTransaction', [build(address, i)]]))
    await rpc.mineAll()
    console.log(`registration: ${name} sent and mined for ${providers.length} accounts`)
  }
  await rpc.call('evm_setAutomine', [true])
  const registered = await devChain.publicClient.readContract({
    address: registry,
    abi: registryAbi,
    functionName: 'providerCount',
  })
  if (registered !== BigInt(providerCount))
    throw new Error(`only ${registered} of ${providerCount} providers registered`)
  const registrationSeconds = Math.round((performance.now() - registerStarted) / 1000)
  console.log(`${registered} providers registered on anvil in ${registrationSeconds} s`)

  const resultsFile = join(root, 'bench', 'results', 'discovery.json')
  const previous = existsSync(resultsFile)
    ? (JSON.parse(await readFile(resultsFile, 'utf8')) as { variants?: Record<string, unknown> })
    : {}
  const results: Record<string, unknown> = { ...(previous.variants ?? {}) }
  const routed = providers.slice(0, routedPerSecond)
  let scratch: string | undefined
  try {
    for (const variant of variants) {
      let beforeFile: string | undefined
      if (variant === 'before') {
        scratch = await mkdtemp(join(tmpdir(), 'infermesh-discovery-before-'))
        await symlink(join(root, 'node_modules'), join(scratch, 'node_modules'))
        beforeFile = join(scratch, 'createDiscovery.ts')
        const source = execFileSync(
          'git',
          ['show', `${beforeCommit}:packages/gateway/src/discovery/createDiscovery.ts`],
          { cwd: root, encoding: 'utf8' },
        )
        await writeFile(beforeFile, source)
      }
      results[process.env.DISCOVERY_BENCH_LABEL ?? variant] = await measure(variant, {
        rpcUrl: `http://127.0.0.1:${proxyPort}`,
        registry,
        uptime,
        models,
        routed,
        ...(beforeFile && { beforeFile }),
      })
      console.log(variant, results[process.env.DISCOVERY_BENCH_LABEL ?? variant])
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
    endpoints.closeAllConnections()
    endpoints.close()
    proxy.closeAllConnections()
    proxy.close()
    await devChain.stop()
  }

  const result = {
    benchmark: 'discovery',
    date: new Date().toISOString(),
    machine:
      '2 cores shared with other work; anvil, the simulated endpoints and the proxy run beside the measured process',
    setup: {
      providers: providerCount,
      registry: 'real anvil, every provider registered on-chain (impersonated accounts)',
      endpoints:
        'simulated: one node:http server answering /p/<i>/v1/models and /p/<i>/health for every provider',
      settings,
      traffic: `${routedPerSecond} providers routed to every second; one endpoint change (Registry event) every 5 s`,
      registrationSeconds,
    },
    variants: results,
  }
  await mkdir(join(root, 'bench', 'results'), { recursive: true })
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`)
  console.log(JSON.stringify(result, null, 2))

  async function measure(
    variant: Variant,
    env: {
      rpcUrl: string
      registry: Address
      uptime: Address
      models: Address
      routed: Address[]
      beforeFile?: string
    },
  ) {
    counts.provider = 0
    counts.rpc = 0
    counts.rpcByMethod.clear()
    const worker: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DISCOVERY_BENCH_CHILD: JSON.stringify({ variant, ...env }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const memory: { rss: number; heapUsed: number }[] = []
    let onDone: ((message: ChildMessage & { type: 'done' }) => void) | undefined
    let exitCode: number | null | undefined
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        exitCode = code
        resolve()
      }),
    )
    const ready = new Promise<number>((resolve, reject) => {
      worker.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message.startMs)
        else if (message.type === 'memory') memory.push(message)
        else if (message.type === 'done') onDone?.(message)
        else if (message.type === 'error')
          reject(new Error(`the ${variant} discovery failed: ${message.message}`))
      })
      void exited.then(() =>
        reject(new Error(`the ${variant} discovery exited with ${exitCode} before it was ready`)),
      )
    })
    const startMs = await ready
    const startup = { providerRequests: counts.provider, rpcCalls: counts.rpc }
    counts.provider = 0
    counts.routed = 0
    counts.rpc = 0
    counts.rpcByMethod.clear()
    memory.length = 0
    const window = performance.now()
    const perSecond: number[] = []
    let last = 0
    let changes = 0
    for (let second = 1; second <= seconds; second++) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      perSecond.push(counts.provider - last)
      last = counts.provider
      if (second % 5 === 0) {
        // One provider moves (same server, another path under its own): a Registry event the discovery follows.
        const i = providerCount - 1 - (changes++ % 100)
        await rpc.send(providers[i] as Address, {
          to: registry,
          data: encodeFunctionData({
            abi: registryAbi,
            functionName: 'updateProvider',
            args: [
              `${endpointOf(i)}/m${changes}`,
              `region-moved-${changes}`,
              { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
            ],
          }),
          gas: 1_000_000n,
        })
      }
    }
    const elapsed = (performance.now() - window) / 1000
    const providerRequests = counts.provider
    const rpcCalls = counts.rpc
    const routed = counts.routed
    const byMethod = Object.fromEntries(
      [...counts.rpcByMethod].sort((a, b) => b[1] - a[1]).map(([method, n]) => [method, n]),
    )
    const done = new Promise<(ChildMessage & { type: 'done' }) | undefined>((resolve) => {
      onDone = resolve
      void exited.then(() => resolve(undefined))
    })
    if (exitCode === undefined) worker.send({ type: 'stop' })
    const final = (await done) ?? {
      type: 'done' as const,
      routable: 0,
      providers: 0,
      loopDelayP99Ms: 0,
      loopDelayMaxMs: 0,
      warnings: 0,
      memoryFailures: 0,
      uncaught: { count: 1, first: `the process exited with ${exitCode} during the measurement` },
    }
    await exited
    const mb = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10
    const rss = memory.map((m) => m.rss)
    const heap = memory.map((m) => m.heapUsed)
    return {
      startToReadyMs: startMs,
      startup,
      providerRequestsPerSecond: Math.round(providerRequests / elapsed),
      providerRequestsPerSecondMax: Math.max(...perSecond),
      /** Average of each 10 s of the window, in order: idle providers backing off show as a falling line. */
      providerRequestsPerSecondBy10s: Array.from({ length: Math.ceil(perSecond.length / 10) }, (_, i) => {
        const slice = perSecond.slice(i * 10, i * 10 + 10)
        return Math.round(slice.reduce((sum, n) => sum + n, 0) / slice.length)
      }),
      routedProviderRequestsPerSecond: Math.round((routed / elapsed) * 10) / 10,
      rpcCallsPerSecond: Math.round(rpcCalls / elapsed),
      rpcCallsByMethod: byMethod,
      rssMb: rss.length
        ? { min: mb(Math.min(...rss)), max: mb(Math.max(...rss)), last: mb(rss.at(-1) ?? 0) }
        : null,
      heapUsedMb: heap.length
        ? { min: mb(Math.min(...heap)), max: mb(Math.max(...heap)), last: mb(heap.at(-1) ?? 0) }
        : null,
      memorySamples: `${memory.length} of ${Math.round(elapsed)} (one a second unless the event loop is blocked)`,
      eventLoopDelayMs: { p99: final.loopDelayP99Ms, max: final.loopDelayMaxMs },
      warningsLogged: final.warnings,
      memoryReadsFailed: final.memoryFailures,
      uncaughtErrors: final.uncaught,
      routableAtEnd: final.routable,
      providersKnownAtEnd: final.providers,
      measuredSeconds: Math.round(elapsed),
    }
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    }),
  )
}

/** Raw JSON-RPC to anvil: single calls, batches of 1,000, impersonated sends, mining until the pool is empty. */
function createRpc(url: string) {
  let id = 0
  async function post(body: unknown) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return response.json()
  }
  const rpc = {
    async call(method: string, params: unknown[]): Promise<unknown> {
      const answer = (await post({ jsonrpc: '2.0', id: ++id, method, params })) as {
        result?: unknown
        error?: { message: string }
      }
      if (answer.error) throw new Error(`${method}: ${answer.error.message}`)
      return answer.result
    },
    async batch(calls: [string, unknown[]][]) {
      for (let i = 0; i < calls.length; i += 1000) {
        const answers = (await post(
          calls.slice(i, i + 1000).map(([method, params]) => ({ jsonrpc: '2.0', id: ++id, method, params })),
        )) as { error?: { message: string } }[]
        const failed = answers.find((answer) => answer.error)
        if (failed) throw new Error(`batch call failed: ${failed.error?.message}`)
      }
    },
    async send(from: Address, tx: { to: Address; data: Hex; gas: bigint }) {
      const hash = (await rpc.call('eth_sendTransaction', [
        { from, to: tx.to, data: tx.data, gas: `0x${tx.gas.toString(16)}` },
      ])) as Hex
      for (;;) {
        const receipt = (await rpc.call('eth_getTransactionReceipt', [hash])) as { status: Hex } | null
        if (receipt) {
          if (receipt.status !== '0x1') throw new Error(`transaction ${hash} reverted`)
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async mineAll() {
      for (let blocks = 0; blocks < 10_000; blocks++) {
        const status = (await rpc.call('txpool_status', [])) as { pending: Hex; queued: Hex }
        if (Number(status.pending) === 0) {
          if (Number(status.queued) !== 0)
            throw new Error(`${Number(status.queued)} transactions stuck in the pool`)
          return
        }
        await rpc.call('evm_mine', [])
      }
      throw new Error('the pool did not empty')
    },
  }
  return rpc
}
