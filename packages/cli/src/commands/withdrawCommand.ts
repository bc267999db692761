import { formatEther } from 'viem'
import { usageError } from '../CliError.js'
import { formatDuration } from '../formatDuration.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { completeWithdrawal } from '../payer/completeWithdrawal.js'
import { requestWithdrawal } from '../payer/requestWithdrawal.js'
import { connectPayer, payerOptions, payerOptionsHelp, resolvePayer } from '../payer/resolvePayer.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh withdraw MESH [options]
       infermesh withdraw --complete [options]

Takes MESH back out of the payer's deposit in Payments, in two steps: "withdraw MESH" requests it
(a new request replaces a pending one) and prints when it unlocks; after the withdrawal delay (a day
by default), during which providers redeem their vouchers, "withdraw --complete" pays it out.
The payer is the devnet's dev payer, or with --config the gateway config's payer key.

Options:
  --complete            pay out the pending withdrawal once it has unlocked
${payerOptionsHelp}
  -h, --help            this help`

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString()

/** `infermesh withdraw`: request a withdrawal from the deposit, or complete it. */
export const withdrawCommand: Command = {
  name: 'withdraw',
  summary: "Request a withdrawal from the payer's deposit, or --complete it once unlocked.",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('withdraw', argv, {
      ...payerOptions,
      complete: { type: 'boolean', default: false },
    })
    if (values.complete && positionals.length > 0)
      throw usageError('--complete pays out the pending withdrawal: give no amount with it')
    if (!values.complete && positionals.length !== 1)
      throw usageError(
        'how much? infermesh withdraw MESH to request a withdrawal, or infermesh withdraw --complete',
      )
    const amount = values.complete ? 0n : parseMesh(positionals[0] as string, 'the amount')
    if (!values.complete && amount === 0n) throw usageError('the amount must be more than 0 MESH')
    const target = await resolvePayer({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = (await connectPayer(target, account)) as unknown as ProviderChain
    const log = (line: string) => console.log(`  ${line}`)
    if (values.complete) {
      const result = await completeWithdrawal({ target, chain, log })
      console.log(
        `Withdrew ${formatEther(result.amount)} MESH to ${account.address}. The deposit is now ${formatEther(result.deposit)} MESH; the wallet holds ${formatEther(result.wallet)} MESH.`,
      )
      return 0
    }
    const result = await requestWithdrawal({ target, chain, amount, log })
    console.log(
      `Requested a withdrawal of ${formatEther(result.amount)} MESH from the deposit of ${account.address}${result.replaced !== undefined ? ` (it replaces the pending ${formatEther(result.replaced)} MESH)` : ''}.
It unlocks at ${iso(result.unlockAt)} (in ${formatDuration(result.unlockAt - result.now)}, chain time); then run "infermesh withdraw --complete". Until then providers may still redeem vouchers against it.`,
    )
    return 0
  },
}
