/**
 * The economic simulator at scale (`npm run bench -- sim`; results go to bench/results/sim.json): the
 * fast model with 100,000 providers serving 10,000,000 requests (10 epochs of 1,000,000), every request
 * routed by the gateway's rankProviders, sampled, checked, disputed and settled as in `npm run sim`.
 * The verifier's rate table (the validator's real token rules on synthetic logits) is measured first and
 * timed apart. Target: under 5 minutes on this 2-core machine. One thread: the model's state (stakes,
 * reputations, slashes) is shared by every request of an epoch, so it is not split across workers.
 * BENCH_SIM_PROVIDERS and BENCH_SIM_REQUESTS run a smaller size.
 */
import { execSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { defaultSimParams, runSimulation, verifierRates } from '@infermesh/sim'

const providers = Number(process.env.BENCH_SIM_PROVIDERS ?? 100_000)
const requests = Number(process.env.BENCH_SIM_REQUESTS ?? 10_000_000)
const epochs = 10
// Demand held fixed (no price or quality elasticity), so that exactly `requests` are served.
const params = defaultSimParams({
  providers,
  requestsPerEpoch: requests / epochs,
  epochs,
  seed: 14,
  priceElasticity: 0,
  qualityElasticity: 0,
})

const cpu0 = process.cpuUsage()
const t0 = performance.now()
const rates = verifierRates({
  seed: 14,
  tolerances: params.tolerances,
  lengths: params.lengths,
  honestTrials: 100,
  cheatTrials: 20,
  embeddingsCheck: params.embeddingsCheck,
})
const ratesMs = performance.now() - t0
const t1 = performance.now()
const result = runSimulation(params, rates)
const simMs = performance.now() - t1
const cpu = process.cpuUsage(cpu0)
const served = result.epochs.reduce((a, e) => a + e.requests, 0)
const totalMs = ratesMs + simMs
const out = {
  benchmark: 'sim',
  date: new Date().toISOString(),
  commit: execSync('git rev-parse --short HEAD').toString().trim(),
  machine: '2 cores, no GPU (shared)',
  target: '100,000 providers x 10,000,000 requests in under 5 minutes',
  providers,
  requestsDrawn: requests,
  /** Requests demand actually asked for (price and quality elasticity move demand after epoch 0). */
  requestsServed: served,
  epochs,
  verifierRatesSeconds: Number((ratesMs / 1000).toFixed(1)),
  simulationSeconds: Number((simMs / 1000).toFixed(1)),
  totalSeconds: Number((totalMs / 1000).toFixed(1)),
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
  microsecondsPerRequest: Number(((simMs * 1000) / served).toFixed(2)),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  underTarget: totalMs < 5 * 60_000,
}
console.log(out)
if (!process.env.BENCH_SIM_PROVIDERS && !process.env.BENCH_SIM_REQUESTS)
  await writeFile(new URL('./results/sim.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`)
