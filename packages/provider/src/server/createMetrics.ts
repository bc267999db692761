import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** The provider's Prometheus metrics, on a registry of its own (no global state). */
export function createMetrics() {
  const registry = new Registry()
  const labels = ['route', 'model', 'status'] as const
  return {
    registry,
    requests: new Counter({
      name: 'infermesh_provider_requests_total',
      help: 'Requests answered',
      labelNames: labels,
      registers: [registry],
    }),
    tokensIn: new Counter({
      name: 'infermesh_provider_tokens_in_total',
      help: 'Prompt tokens served',
      labelNames: ['model'],
      registers: [registry],
    }),
    tokensOut: new Counter({
      name: 'infermesh_provider_tokens_out_total',
      help: 'Generated tokens served',
      labelNames: ['model'],
      registers: [registry],
    }),
    tokensPerSecond: new Histogram({
      name: 'infermesh_provider_tokens_per_second',
      help: 'Generation speed of each request (output tokens / generation seconds)',
      labelNames: ['model'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'infermesh_provider_queue_depth',
      help: 'Requests waiting for a slot',
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'infermesh_provider_in_flight',
      help: 'Requests running',
      registers: [registry],
    }),
    earnings: new Counter({
      name: 'infermesh_provider_billed_wei_total',
      help: 'MESH wei billed in receipts',
      labelNames: ['model'],
      registers: [registry],
    }),
    redeemed: new Counter({
      name: 'infermesh_provider_redeemed_wei_total',
      help: 'MESH wei redeemed on-chain (before burn and royalty)',
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
