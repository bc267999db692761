/**
 * The gateway under test of bench/gateway.bench.ts, in a process of its own (so its CPU can be read
 * apart and it can be pinned to a core with `taskset`): starts the real daemon (startGateway) from the
 * config in GATEWAY_BENCH_CONFIG (JSON: { config, privateKey }), creates an API key and prints
 * `{ "url", "key" }` as one line. Then, for each line `cpu` on stdin, prints this process's CPU so far
 * (`{ "user", "system" }` in µs, process.cpuUsage: every thread of the process); `close` closes the
 * gateway and exits.
 */
import { createInterface } from 'node:readline'
import { gatewayConfigSchema, startGateway } from '@infermesh/gateway'
import { privateKeyToFastAccount } from '@infermesh/protocol'
import pino from 'pino'
import type { Hex } from 'viem'

const { config, privateKey } = JSON.parse(process.env.GATEWAY_BENCH_CONFIG ?? '{}') as {
  config: unknown
  privateKey: Hex
}
const gateway = await startGateway({
  config: gatewayConfigSchema.parse(config),
  // The account the CLI makes from a keystore (`infermesh gateway start`).
  account: privateKeyToFastAccount(privateKey),
  logger: pino({ level: 'silent' }),
})
const { key } = await gateway.store.createApiKey('bench')
process.stdout.write(`${JSON.stringify({ url: gateway.url, key })}\n`)

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'cpu') process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`)
  if (line === 'close') break
}
await gateway.close()
process.exit(0)
