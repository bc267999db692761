import type { Daemon } from '../network/spawnDaemon.js'
import type { DevnetChain } from './startDevnetChain.js'

/**
 * Stops the devnet in order: the gateway (it hands in its last vouchers), the validators, the
 * providers (they redeem what they are owed on-chain) and the explorer, then the chain, logging each.
 */
export async function stopDevnet(params: {
  daemons: readonly Daemon[]
  chain: DevnetChain | undefined
  log: (what: string, line: string) => void
}): Promise<void> {
  const { daemons, log } = params
  const stop = (daemon: Daemon, graceMs: number) =>
    daemon.stop(graceMs).then((how) => log(daemon.name, `stopped (${how})`))
  const gateway = daemons.filter((d) => d.name === 'gateway')
  for (const daemon of gateway) log(daemon.name, `stopping (pid ${daemon.pid})…`)
  await Promise.all(gateway.map((d) => stop(d, 20_000)))
  await Promise.all(daemons.filter((d) => d.name.startsWith('validator')).map((d) => stop(d, 20_000)))
  const providers = daemons.filter((d) => d.name.startsWith('provider'))
  if (providers.length > 0) log('providers', 'stopping: finishing requests, redeeming vouchers…')
  await Promise.all([
    ...providers.map((d) => stop(d, 30_000)),
    ...daemons.filter((d) => d.name === 'explorer').map((d) => stop(d, 20_000)),
  ])
  if (params.chain) {
    await params.chain.stop()
    log('chain', 'stopped')
  }
}
