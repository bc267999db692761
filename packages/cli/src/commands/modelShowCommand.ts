import { usageError } from '../CliError.js'
import { connectModelChain } from '../model/connectModelChain.js'
import { formatModelShares } from '../model/formatModelShares.js'
import { readModelShares } from '../model/readModelShares.js'
import { resolveModelId } from '../model/resolveModelId.js'
import { resolveModelTarget } from '../model/resolveModelTarget.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import type { Command } from './Command.js'
import { modelOptions, modelOptionsHelp } from './modelOptions.js'

const usage = `Usage: infermesh model show MODEL [--json] [options]

Shows a model: its owner and royalty, the royalties its redemptions paid, its share token (income,
claims, every holder with its balance and what it can claim) and its offering (terms, price now, sold,
raised, state). MODEL is the model's name or 0x id. Needs no account.

Options:
  --json                print it as JSON (amounts in wei, as strings)
${modelOptionsHelp}
  -h, --help            this help`

/** `infermesh model show`: a model's royalties, shares, holders and offering. */
export const modelShowCommand: Command = {
  name: 'model show',
  summary: "Show a model's royalties paid, share holders and offering.",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('model show', argv, {
      ...modelOptions,
      json: { type: 'boolean', default: false },
    })
    if (positionals.length !== 1) throw usageError('which model? infermesh model show MODEL')
    const target = await resolveModelTarget({ flags: values, env: process.env })
    const chain = await connectModelChain(target)
    const modelId = await resolveModelId(chain, target, positionals[0] as string)
    const view = await readModelShares(chain, target, modelId)
    if (values.json)
      console.log(
        JSON.stringify(view, (_key, value) => (typeof value === 'bigint' ? value.toString() : value), 2),
      )
    else for (const line of formatModelShares(view)) console.log(line)
    return 0
  },
}
