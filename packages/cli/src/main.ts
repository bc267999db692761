/**
 * `infermesh` — one binary, one role per process. Each command lives in `commands/`, with its own
 * `--help`; this file only picks the command and turns errors into messages and exit codes
 * (0 done, 1 failed, 2 wrong usage or configuration).
 */
import { maskSecrets } from '@infermesh/node/secrets'
import { exitCode } from './CliError.js'
import type { Command } from './commands/Command.js'
import { chatCommand } from './commands/chatCommand.js'
import { depositCommand } from './commands/depositCommand.js'
import { explorerCommand } from './commands/explorerCommand.js'
import { gatewayStartCommand } from './commands/gatewayStartCommand.js'
import { jobListCommand } from './commands/jobListCommand.js'
import { jobRequestCommand } from './commands/jobRequestCommand.js'
import { jobStatusCommand } from './commands/jobStatusCommand.js'
import { keysCreateCommand } from './commands/keysCreateCommand.js'
import { modelBuyCommand } from './commands/modelBuyCommand.js'
import { modelClaimCommand } from './commands/modelClaimCommand.js'
import { modelOfferCommand } from './commands/modelOfferCommand.js'
import { modelRegisterCommand } from './commands/modelRegisterCommand.js'
import { modelShowCommand } from './commands/modelShowCommand.js'
import { modelsCommand } from './commands/modelsCommand.js'
import { modelTinyCommand } from './commands/modelTinyCommand.js'
import { providerClaimCommand } from './commands/providerClaimCommand.js'
import { providerInitCommand } from './commands/providerInitCommand.js'
import { providerProfileCommand } from './commands/providerProfileCommand.js'
import { providerRegisterCommand } from './commands/providerRegisterCommand.js'
import { providerStartCommand } from './commands/providerStartCommand.js'
import { providerUnregisterCommand } from './commands/providerUnregisterCommand.js'
import { providerWithdrawCommand } from './commands/providerWithdrawCommand.js'
import { simCommand } from './commands/simCommand.js'
import { statusCommand } from './commands/statusCommand.js'
import { upCommand } from './commands/upCommand.js'
import { validatorStartCommand } from './commands/validatorStartCommand.js'
import { withdrawCommand } from './commands/withdrawCommand.js'
import { exitCodeOf } from './exitCodeOf.js'
import { formatError } from './formatError.js'

const commands: Command[] = [
  upCommand,
  modelTinyCommand,
  modelRegisterCommand,
  modelOfferCommand,
  modelBuyCommand,
  modelClaimCommand,
  modelShowCommand,
  providerInitCommand,
  providerRegisterCommand,
  providerStartCommand,
  providerUnregisterCommand,
  providerWithdrawCommand,
  providerProfileCommand,
  providerClaimCommand,
  gatewayStartCommand,
  explorerCommand,
  validatorStartCommand,
  keysCreateCommand,
  chatCommand,
  modelsCommand,
  statusCommand,
  depositCommand,
  withdrawCommand,
  simCommand,
  jobRequestCommand,
  jobStatusCommand,
  jobListCommand,
]

function list(prefix = ''): string {
  const shown = commands.filter((command) => command.name.startsWith(prefix))
  const width = Math.max(...shown.map((command) => command.name.length)) + 2
  return shown.map((command) => `  ${command.name.padEnd(width)}${command.summary}`).join('\n')
}

const usage = `Usage: infermesh <command> [options]

Commands:
${list()}

Run "infermesh <command> --help" for a command's options.`

async function main(argv: string[]): Promise<number> {
  const [first, second] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    console.log(usage)
    return first === undefined ? exitCode.usage : 0
  }
  const command =
    commands.find((c) => c.name === `${first} ${second ?? ''}`.trim()) ??
    commands.find((c) => c.name === first)
  if (!command) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `))
    if (group.length > 0) {
      const asked = second === undefined || second === '--help' || second === '-h'
      const text = `Usage: infermesh ${first} <command> [options]\n\nCommands:\n${list(`${first} `)}`
      if (asked) {
        console.log(text)
        return second === undefined ? exitCode.usage : 0
      }
      console.error(`infermesh: unknown command "${first} ${second}"\n\n${text}`)
      return exitCode.usage
    }
    console.error(`infermesh: unknown command "${first}"\n\n${usage}`)
    return exitCode.usage
  }
  const rest = argv.slice(command.name.split(' ').length)
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage)
    return 0
  }
  try {
    return await command.run(rest)
  } catch (error) {
    // An RPC or database URL in a message keeps its host, never its password or key.
    const message = maskSecrets(formatError(error))
    const code = exitCodeOf(error)
    if (code === exitCode.usage) {
      console.error(`infermesh: ${message}\nRun "infermesh ${command.name} --help" for usage.`)
      return code
    }
    console.error(`infermesh ${command.name} failed: ${message}`)
    return code
  }
}

process.exitCode = await main(process.argv.slice(2))
// Daemons have stopped and one-shot commands are done: leave even if a library keeps a handle open.
process.exit()
