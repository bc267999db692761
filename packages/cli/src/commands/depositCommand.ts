import { paymentsAbi } from '@infermesh/protocol'
import { formatEther } from 'viem'
import { usageError } from '../CliError.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import {
  allocateDeposit,
  describeAllocations,
  parseAllocations,
  readAllocations,
} from '../payer/allocations.js'
import { depositToPayments } from '../payer/depositToPayments.js'
import { connectPayer, payerOptions, payerOptionsHelp, resolvePayer } from '../payer/resolvePayer.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh deposit MESH [--allocate PROVIDER:MESH,…] [options]
       infermesh deposit --allocate PROVIDER:MESH,… [options]

Adds MESH from the payer's wallet to its deposit in Payments (approving Payments first when needed).
A provider is paid only from what the payer allocated to it: --allocate reserves parts of the deposit
for providers, in the same transaction as the deposit (or, without MESH, from the deposit already
there). The gateway allocates on its own as it routes; allocated MESH comes back only through a
release, which waits the withdrawal delay (see infermesh withdraw --help).
The payer is the devnet's dev payer, or with --config the gateway config's payer key.

Options:
  --allocate P:MESH,…   allocate MESH to provider P (0x address); repeat or separate with commas
${payerOptionsHelp}
  -h, --help            this help`

/** `infermesh deposit`: top up the payer's deposit. */
export const depositCommand: Command = {
  name: 'deposit',
  summary: "Add MESH to the payer's deposit in Payments and allocate it to providers.",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('deposit', argv, {
      ...payerOptions,
      allocate: { type: 'string', multiple: true, default: [] },
    })
    const allocations = parseAllocations(values.allocate)
    if (positionals.length > 1 || (positionals.length === 0 && allocations.length === 0))
      throw usageError('how much? infermesh deposit MESH (e.g. infermesh deposit 100)')
    const amount = positionals[0] === undefined ? 0n : parseMesh(positionals[0], 'the amount')
    if (positionals.length === 1 && amount === 0n) throw usageError('the amount must be more than 0 MESH')
    const target = await resolvePayer({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = (await connectPayer(target, account)) as unknown as ProviderChain
    const log = (line: string) => console.log(`  ${line}`)
    const listed = allocations.map((a) => `${formatEther(a.amount)} MESH to ${a.provider}`).join(', ')
    if (amount === 0n) {
      console.log(`allocating ${listed} from the deposit of ${account.address} (${target.source})`)
      await allocateDeposit({ target, chain, allocations, log })
    } else {
      console.log(
        `depositing ${formatEther(amount)} MESH for ${account.address} into Payments ${target.contracts.payments}${listed ? `, allocating ${listed}` : ''} (${target.source})`,
      )
      await depositToPayments({ target, chain, amount, allocations, log })
    }
    const [deposit, views, block] = await Promise.all([
      chain.publicClient.readContract({
        address: target.contracts.payments,
        abi: paymentsAbi,
        functionName: 'balanceOf',
        args: [account.address],
      }),
      readAllocations(target, chain),
      chain.publicClient.getBlock(),
    ])
    console.log(
      `Done. ${account.address} has ${formatEther(deposit)} MESH unallocated in Payments${views.length ? '; allocated:' : ' and nothing allocated (providers serve only against an allocation).'}`,
    )
    for (const line of describeAllocations(views, block.timestamp)) console.log(`  ${line}`)
    return 0
  },
}
