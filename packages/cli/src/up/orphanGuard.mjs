// Runs a program that knows nothing of its parent (anvil) so that it dies with its parent: started with
// an IPC channel, it starts `argv[2..]`, passes SIGTERM and SIGINT on, stops the program (SIGTERM) when
// the channel closes (the parent died, even by SIGKILL), and exits as the program did.
// Plain JavaScript: node starts it in milliseconds, without tsx.
import { spawn } from 'node:child_process'

const [command, ...args] = process.argv.slice(2)
const child = spawn(command, args, { stdio: 'inherit' })
const stop = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal)
}
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
if (process.send) {
  if (process.connected) {
    process.channel?.unref()
    process.once('disconnect', () => stop('SIGTERM'))
  } else stop('SIGTERM')
}
child.once('error', (error) => {
  console.error(`cannot start ${command}: ${error.message}`)
  process.exit(127)
})
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
