import { Counter, Gauge, Registry } from 'prom-client'

/** The explorer's Prometheus metrics, on a registry of its own. */
export function createExplorerMetrics() {
  const registry = new Registry()
  return {
    registry,
    indexedBlock: new Gauge({
      name: 'infermesh_explorer_indexed_block',
      help: 'Last block whose events are all indexed',
      registers: [registry],
    }),
    headBlock: new Gauge({
      name: 'infermesh_explorer_head_block',
      help: 'The chain head',
      registers: [registry],
    }),
    events: new Counter({
      name: 'infermesh_explorer_events_total',
      help: 'Chain events indexed',
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'infermesh_explorer_quarantined_events_total',
      help: 'Chain events left out of the index because they could not be stored (see the quarantined_events table)',
      registers: [registry],
    }),
    streams: new Gauge({
      name: 'infermesh_explorer_streams_open',
      help: 'Live-update streams (/api/stream) open',
      registers: [registry],
    }),
    streamsRefused: new Counter({
      name: 'infermesh_explorer_streams_refused_total',
      help: 'Live-update streams refused because the cap was reached',
      registers: [registry],
    }),
    slowStreamsClosed: new Counter({
      name: 'infermesh_explorer_slow_streams_closed_total',
      help: 'Live-update streams closed because the client did not read them',
      registers: [registry],
    }),
    reorgs: new Counter({
      name: 'infermesh_explorer_reorgs_total',
      help: 'Chain reorganizations rewound',
      registers: [registry],
    }),
    requests: new Counter({
      name: 'infermesh_explorer_requests_total',
      help: 'HTTP requests answered',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  }
}

export type ExplorerMetrics = ReturnType<typeof createExplorerMetrics>
