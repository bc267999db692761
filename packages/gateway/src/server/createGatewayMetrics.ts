import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** The gateway's Prometheus metrics, on a registry of its own. */
export function createGatewayMetrics() {
  const registry = new Registry()
  return {
    registry,
    requests: new Counter({
      name: 'infermesh_gateway_requests_total',
      help: 'Customer requests answered',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'infermesh_gateway_upstream_attempts_total',
      help: 'Requests sent to providers',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'infermesh_gateway_request_seconds',
      help: 'Customer request duration',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'infermesh_gateway_tokens_total',
      help: 'Tokens billed',
      labelNames: ['kind'],
      registers: [registry],
    }),
    billed: new Counter({
      name: 'infermesh_gateway_billed_wei_total',
      help: 'MESH wei owed to providers by verified receipts',
      registers: [registry],
    }),
    deposit: new Gauge({
      name: 'infermesh_gateway_payer_deposit_wei',
      help: 'The payer deposit in Payments',
      registers: [registry],
    }),
    providers: new Gauge({
      name: 'infermesh_gateway_providers',
      help: 'Active providers known from the Registry',
      registers: [registry],
    }),
  }
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>
