#!/usr/bin/env node
// Launches the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api'

// Started by `infermesh up`, which gives its children an IPC channel and nothing else on it: when up
// dies, even by SIGKILL, the channel closes, and the child stops gracefully (SIGTERM to itself) rather
// than run on without a parent. Checked first, as the channel may close while modules still load.
if (process.send) {
  const stop = () => process.kill(process.pid, 'SIGTERM')
  if (process.connected) {
    process.channel?.unref()
    process.once('disconnect', stop)
  } else stop()
}

register()
await import('../src/main.ts')
