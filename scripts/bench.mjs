#!/usr/bin/env node
// `npm run bench`: runs the benchmarks that exist so far and writes their results to bench/results/.
//   gas.json       gas of the contracts' hot paths, measured by forge (contracts/test/*Gas.t.sol), and the
//                  consensus calls at 3 to 10,000 validators (contracts/test/ConsensusScale.t.sol, minutes)
//   provider-small.json, provider-mid.json  provider tokens/s over HTTP vs in-process (two model
//                  sizes), concurrency, payment-path cost
//   payments.json  the provider's payment path alone (voucher check, receipt signing, durable writes):
//                  CPU and wall per request, sequential and 16 in flight, PGlite (+ PostgreSQL with
//                  DATABASE_URL); under a minute
//   gateway.json   routing time with 10,000 offers; the payment path's CPU per request (payer steps
//                  in-process, the gateway process's own CPU); latency the gateway adds at 1, 50 and
//                  200 concurrent requests (gateway pinned to core 1 with taskset), throughput ratio
//   validator.json teacher-forced check time ÷ generation time, verification share of compute at p = 1%, 5%
//   sim.json       the economic simulator's fast model: 100,000 providers x 10,000,000 requests (target < 5 min)
//   discovery.json discovery's requests per second and memory with 10,000 registered providers, before
//                  (the gateway's discovery of commit e724253) and after (@infermesh/client); ~10 minutes
// Run one: `npm run bench -- gas`, `npm run bench -- provider`, `npm run bench -- payments`, `npm run bench -- gateway`,
// `npm run bench -- validator`, `npm run bench -- sim` or `npm run bench -- discovery` (`-- discovery after` for one variant).
// Figures are recorded, never asserted against time; the gas budgets are asserted in the forge tests.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDeps } from './ensure-deps.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
if (!ensureDeps()) process.exit(1)

const only = process.argv[2]
if (!only || only === 'gas') benchGas()
if (!only || only === 'provider') {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/provider.bench.ts'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

if (!only || only === 'payments') {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/payments.bench.ts'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

if (!only || only === 'gateway') {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/gateway.bench.ts'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

if (!only || only === 'validator') {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/validator.bench.ts'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

if (!only || only === 'sim') {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/sim.bench.ts'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

if (!only || only === 'discovery') {
  const variant = only === 'discovery' && process.argv[3] ? [process.argv[3]] : []
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/discovery.bench.ts', ...variant], {
    cwd: root,
    stdio: 'inherit',
  })
  if (run.status !== 0) process.exit(run.status ?? 1)
}

function benchGas() {
  const contracts = join(root, 'contracts')
  const forge = spawnSync(
    join(root, 'node_modules', '.bin', 'forge'),
    ['test', '--match-path', 'test/*Gas.t.sol'],
    {
      cwd: contracts,
      stdio: 'inherit',
    },
  )
  if (forge.status !== 0) process.exit(forge.status ?? 1)
  // Gas at the scale of a real network (10,000 validators, 1,000 reports per provider): minutes of setup,
  // so `npm test` skips these contracts and only the benchmark runs them.
  const scale = spawnSync(
    join(root, 'node_modules', '.bin', 'forge'),
    ['test', '--match-contract', '^ConsensusScale', '-vv'],
    { cwd: contracts, stdio: 'inherit' },
  )
  if (scale.status !== 0) process.exit(scale.status ?? 1)

  const gas = {}
  const snapshots = join(contracts, 'snapshots')
  for (const file of readdirSync(snapshots).filter((name) => name.endsWith('.json'))) {
    const group = file.replace(/\.json$/, '')
    for (const [name, value] of Object.entries(JSON.parse(readFileSync(join(snapshots, file), 'utf8')))) {
      gas[`${group}.${name}`] = Number(value)
    }
  }
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout.trim()
  const result = {
    benchmark: 'gas',
    date: new Date().toISOString(),
    commit,
    compiler: 'solc 0.8.30 (solc-js), optimizer 10000 runs',
    gas,
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true })
  const out = join(root, 'bench', 'results', 'gas.json')
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  console.log(`\nGas of the hot paths (execution gas of the call, without the 21,000 base transaction cost):`)
  for (const [name, value] of Object.entries(gas))
    console.log(`  ${name.padEnd(40)} ${value.toLocaleString('en')}`)
  console.log(`Written to ${out}`)
}
