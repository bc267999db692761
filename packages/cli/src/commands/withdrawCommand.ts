import { paymentsAbi } from '@infermesh/protocol'
import { formatEther, getAddress, isAddress } from 'viem'
import { usageError } from '../CliError.js'
import { formatDuration } from '../formatDuration.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import {
  completeAllocationRelease,
  describeAllocations,
  readAllocations,
  requestAllocationRelease,
} from '../payer/allocations.js'
import { completeWithdrawal } from '../payer/completeWithdrawal.js'
import { requestWithdrawal } from '../payer/requestWithdrawal.js'
import { connectPayer, payerOptions, payerOptionsHelp, resolvePayer } from '../payer/resolvePayer.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import type { Command } from './Command.js'

const usage = `Usage: infermesh withdraw MESH [options]
       infermesh withdraw --complete [options]
       infermesh withdraw --release PROVIDER[:MESH] [options]
       infermesh withdraw --release-complete PROVIDER [options]

Takes MESH back out of the payer's deposit in Payments. The deposit has two parts:
- unallocated MESH: "withdraw MESH" requests it (it leaves the deposit at once; a new request
  replaces a pending one) and prints when it unlocks; after the withdrawal delay (a day by default)
  "withdraw --complete" pays it out;
- MESH allocated to a provider, which only that provider's redemptions draw on: it cannot be withdrawn
  directly. "withdraw --release PROVIDER[:MESH]" asks for it back (all of it without :MESH); the
  provider keeps redeeming what it is owed until the release unlocks after the same delay; then
  "withdraw --release-complete PROVIDER" moves what is left into the unallocated deposit, from which
  "withdraw MESH" takes it out.
Run it with no amount to see the deposit and every allocation.
The payer is the devnet's dev payer, or with --config the gateway config's payer key.

Options:
  --complete            pay out the pending withdrawal once it has unlocked
  --release P[:MESH]    ask for MESH (default all) of the allocation to provider P back
  --release-complete P  move an unlocked release from provider P back into the deposit
${payerOptionsHelp}
  -h, --help            this help`

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString()

/** `infermesh withdraw`: request a withdrawal from the deposit, or complete it. */
export const withdrawCommand: Command = {
  name: 'withdraw',
  summary: "Withdraw from the payer's deposit, release allocations, or show both.",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('withdraw', argv, {
      ...payerOptions,
      complete: { type: 'boolean', default: false },
      release: { type: 'string' },
      'release-complete': { type: 'string' },
    })
    const releaseMode = values.release !== undefined || values['release-complete'] !== undefined
    if (releaseMode) {
      if (positionals.length > 0 || values.complete || (values.release && values['release-complete']))
        throw usageError('give one of --release, --release-complete, --complete or an amount')
      const [address, mesh] = (values.release ?? values['release-complete'] ?? '').split(':')
      if (!address || !isAddress(address))
        throw usageError('--release and --release-complete take a provider address')
      if (values['release-complete'] !== undefined && mesh !== undefined)
        throw usageError('--release-complete takes the provider only')
      const provider = getAddress(address)
      const target = await resolvePayer({ flags: values, env: process.env })
      const account = await target.loadAccount()
      const chain = (await connectPayer(target, account)) as unknown as ProviderChain
      const log = (line: string) => console.log(`  ${line}`)
      if (values.release !== undefined) {
        const amount = mesh === undefined ? undefined : parseMesh(mesh, 'the amount to release')
        const result = await requestAllocationRelease({ target, chain, provider, amount, log })
        console.log(
          `Requested the release of ${formatEther(result.amount)} MESH of the allocation of ${account.address} to ${provider}.
It unlocks at ${iso(result.unlockAt)} (in ${formatDuration(result.unlockAt - result.now)}, chain time); the provider may redeem what it is owed until then. Then run "infermesh withdraw --release-complete ${provider}".`,
        )
        return 0
      }
      const back = await completeAllocationRelease({ target, chain, provider, log })
      console.log(
        `Released ${formatEther(back)} MESH from ${provider} into the unallocated deposit of ${account.address}; take it out with "infermesh withdraw MESH".`,
      )
      return 0
    }
    if (values.complete && positionals.length > 0)
      throw usageError('--complete pays out the pending withdrawal: give no amount with it')
    if (!values.complete && positionals.length === 0) {
      // No amount: explain where the payer's MESH is.
      const target = await resolvePayer({ flags: values, env: process.env })
      const account = await target.loadAccount()
      const chain = (await connectPayer(target, account)) as unknown as ProviderChain
      const me = account.address
      const [deposit, [pending, unlockAt], views, block] = await Promise.all([
        chain.publicClient.readContract({
          address: target.contracts.payments,
          abi: paymentsAbi,
          functionName: 'balanceOf',
          args: [me],
        }),
        chain.publicClient.readContract({
          address: target.contracts.payments,
          abi: paymentsAbi,
          functionName: 'withdrawal',
          args: [me],
        }),
        readAllocations(target, chain),
        chain.publicClient.getBlock(),
      ])
      console.log(`${me} in Payments ${target.contracts.payments}:`)
      console.log(
        `  unallocated deposit: ${formatEther(deposit)} MESH (withdraw with "infermesh withdraw MESH")`,
      )
      if (pending > 0n)
        console.log(`  withdrawal pending: ${formatEther(pending)} MESH, unlocks at ${iso(BigInt(unlockAt))}`)
      if (views.length === 0) console.log('  nothing allocated to providers')
      for (const line of describeAllocations(views, block.timestamp)) console.log(`  allocated to ${line}`)
      if (views.length > 0)
        console.log('Allocated MESH comes back with "infermesh withdraw --release PROVIDER[:MESH]".')
      return 0
    }
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
It unlocks at ${iso(result.unlockAt)} (in ${formatDuration(result.unlockAt - result.now)}, chain time); then run "infermesh withdraw --complete". It left the deposit at once; MESH allocated to providers stays theirs to redeem against until released (infermesh withdraw --release PROVIDER).`,
    )
    return 0
  },
}
