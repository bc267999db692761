/**
 * A daemon for `runDaemon`'s tests, run as its own process: `node --import tsx daemonFixture.ts MODE`.
 * Its config and its log carry an RPC URL with a password and a key; MODE picks what happens once it
 * is up: `serve` (until a signal), `rejection` and `exception` (a crash 50 ms after the start),
 * `hang` (its shutdown never ends), `crash-hang` (a crash, then a shutdown that never ends).
 */
import { runDaemon } from '../runDaemon.js'

export const secretRpcUrl = 'https://user:pw@rpc.example/v3/0123456789abcdef0123456789abcdef'
const mode = process.argv[2] ?? 'serve'

const code = await runDaemon({
  name: 'widget',
  env: process.env,
  logLevel: 'info',
  resolveConfig: async () => ({
    config: { chain: { rpcUrl: secretRpcUrl }, key: { privateKey: `0x${'11'.repeat(32)}` } },
    file: '/etc/widget.json',
    sources: { 'chain.rpcUrl': '--rpc-url' },
  }),
  loadAccount: async () => ({
    account: { address: '0x000000000000000000000000000000000000dEaD' },
    origin: 'test key',
  }),
  start: async ({ shutdown, logger }) => {
    // What a server's socket does: keeps the process alive until it is closed.
    const server = setInterval(() => {}, 1000)
    shutdown.add('first', () => {
      clearInterval(server)
      console.log('closed first')
    })
    shutdown.add('second', async () => {
      if (mode === 'hang' || mode === 'crash-hang') {
        setInterval(() => {}, 1000)
        await new Promise(() => {})
      }
      console.log('closed second')
    })
    logger.info({ rpcUrl: secretRpcUrl }, `connected to ${secretRpcUrl}`)
    const failure = () => new Error(`the chain at ${secretRpcUrl} stopped answering`)
    if (mode === 'rejection' || mode === 'crash-hang') setTimeout(() => Promise.reject(failure()), 50)
    if (mode === 'exception')
      setTimeout(() => {
        throw failure()
      }, 50)
    return { url: 'http://127.0.0.1:1' }
  },
  announce: (widget) => `widget at ${widget.url}`,
  stoppingText: 'closing the widget…',
  crashGraceMs: 500,
})
process.exit(code)
