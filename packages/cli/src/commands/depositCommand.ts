import { formatEther } from 'viem'
import { usageError } from '../CliError.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { depositToPayments } from '../payer/depositToPayments.js'
import { connectPayer, payerOptions, payerOptionsHelp, resolvePayer } from '../payer/resolvePayer.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh deposit MESH [options]

Adds MESH from the payer's wallet to its deposit in Payments (approving Payments first when needed).
The gateway pays providers with vouchers against this deposit; it warns when it runs low.
The payer is the devnet's dev payer, or with --config the gateway config's payer key.

Options:
${payerOptionsHelp}
  -h, --help            this help`

/** `infermesh deposit`: top up the payer's deposit. */
export const depositCommand: Command = {
  name: 'deposit',
  summary: "Add MESH to the payer's deposit in Payments.",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('deposit', argv, payerOptions)
    if (positionals.length !== 1)
      throw usageError('how much? infermesh deposit MESH (e.g. infermesh deposit 100)')
    const amount = parseMesh(positionals[0] as string, 'the amount')
    if (amount === 0n) throw usageError('the amount must be more than 0 MESH')
    const target = await resolvePayer({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = (await connectPayer(target, account)) as unknown as ProviderChain
    console.log(
      `depositing ${formatEther(amount)} MESH for ${account.address} into Payments ${target.contracts.payments} (${target.source})`,
    )
    const result = await depositToPayments({ target, chain, amount, log: (line) => console.log(`  ${line}`) })
    console.log(
      `Deposited. The deposit of ${account.address} is now ${formatEther(result.deposit)} MESH; its wallet holds ${formatEther(result.wallet)} MESH.`,
    )
    return 0
  },
}
