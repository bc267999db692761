import { meshTokenAbi, modelSharesAbi, modelSharesFactoryAbi, shareOfferingAbi } from '@infermesh/protocol'
import { formatEther, zeroAddress } from 'viem'
import { CliError, usageError } from '../CliError.js'
import { connectModelChain } from '../model/connectModelChain.js'
import { offeringStates } from '../model/readModelShares.js'
import { resolveModelId } from '../model/resolveModelId.js'
import { resolveModelTarget } from '../model/resolveModelTarget.js'
import { signerChain } from '../model/signerChain.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { Command } from './Command.js'
import { modelOptions, modelOptionsHelp } from './modelOptions.js'

const usage = `Usage: infermesh model claim MODEL [options]

Takes everything the signing account is owed by a model's shares, in one go:
  - an offering that has ended is finalized (anyone may do it);
  - shares the account bought are delivered to it, or its MESH refunded if the sale failed;
  - for the seller, the royalties the shares in escrow earned are forwarded to it;
  - the royalties its shares earned are paid (pulled from Payments first).
Safe to run again. MODEL is the model's name or 0x id.

Options:
${modelOptionsHelp}
  -h, --help            this help`

/** `infermesh model claim`: finalize, take shares or refunds, and claim royalties. */
export const modelClaimCommand: Command = {
  name: 'model claim',
  summary: "Claim a model's royalties for its share holders (and shares or refunds of its offering).",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('model claim', argv, modelOptions)
    if (positionals.length !== 1) throw usageError('which model? infermesh model claim MODEL')
    const model = positionals[0] as string
    const target = await resolveModelTarget({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = await connectModelChain(target, account)
    const modelId = await resolveModelId(chain, target, model)
    const [shares, offering] = await Promise.all([
      chain.publicClient.readContract({
        address: chain.factory,
        abi: modelSharesFactoryAbi,
        functionName: 'sharesOf',
        args: [modelId],
      }),
      chain.publicClient.readContract({
        address: chain.factory,
        abi: modelSharesFactoryAbi,
        functionName: 'offeringOf',
        args: [modelId],
      }),
    ])
    if (shares === zeroAddress)
      throw new CliError(
        `model ${model} has no share token: its owner creates one with "infermesh model offer"`,
      )
    const me = account.address
    const signer = signerChain(chain)
    const log = (line: string) => console.log(`  ${line}`)
    const meshBefore = await chain.publicClient.readContract({
      address: target.contracts.token,
      abi: meshTokenAbi,
      functionName: 'balanceOf',
      args: [me],
    })
    const done: string[] = []
    console.log(`claiming what ${me} is owed by the shares of ${model} (${target.source})`)
    if (offering !== zeroAddress) {
      const call = { address: offering, abi: shareOfferingAbi } as const
      const state = () =>
        chain.publicClient
          .readContract({ ...call, functionName: 'state' })
          .then((s) => offeringStates[s] ?? 'Pending')
      if ((await state()) === 'Closed') {
        await sendContractCall(signer, { ...call, functionName: 'finalize' }, log)
        done.push(`finalized the offering: it ${(await state()) === 'Succeeded' ? 'succeeded' : 'failed'}`)
      }
      const [now, owed, paid, seller] = await Promise.all([
        state(),
        chain.publicClient.readContract({ ...call, functionName: 'sharesOwed', args: [me] }),
        chain.publicClient.readContract({ ...call, functionName: 'paidBy', args: [me] }),
        chain.publicClient.readContract({ ...call, functionName: 'seller' }),
      ])
      if (now === 'Succeeded' && owed > 0n) {
        await sendContractCall(signer, { ...call, functionName: 'claimShares', args: [me] }, log)
        done.push(`received ${formatEther(owed)} shares bought in the offering`)
      }
      if (now === 'Failed' && paid > 0n) {
        await sendContractCall(signer, { ...call, functionName: 'refund', args: [me] }, log)
        done.push(`refunded ${formatEther(paid)} MESH: the offering missed its minimum raise`)
      }
      if ((now === 'Open' || now === 'Pending') && owed > 0n)
        done.push(`${formatEther(owed)} shares wait in the offering until it ends`)
      const escrowed = await chain.publicClient.readContract({
        address: shares,
        abi: modelSharesAbi,
        functionName: 'claimable',
        args: [offering],
      })
      if (seller === me && escrowed > 0n) {
        await sendContractCall(signer, { ...call, functionName: 'forwardRoyalties' }, log)
        done.push(`received ${formatEther(escrowed)} MESH of royalties earned by the shares in escrow`)
      }
    }
    const claimable = await chain.publicClient.readContract({
      address: shares,
      abi: modelSharesAbi,
      functionName: 'claimable',
      args: [me],
    })
    if (claimable > 0n) {
      await sendContractCall(signer, { address: shares, abi: modelSharesAbi, functionName: 'claim' }, log)
      done.push(`claimed ${formatEther(claimable)} MESH of royalties`)
    }
    const [meshAfter, balance] = await Promise.all([
      chain.publicClient.readContract({
        address: target.contracts.token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [me],
      }),
      chain.publicClient.readContract({
        address: shares,
        abi: modelSharesAbi,
        functionName: 'balanceOf',
        args: [me],
      }),
    ])
    if (done.length === 0) console.log(`Nothing to claim for ${me}: it holds ${formatEther(balance)} shares.`)
    else {
      for (const line of done) console.log(`${me} ${line}.`)
      console.log(
        `Done. ${me} holds ${formatEther(balance)} shares and received ${formatEther(meshAfter - meshBefore)} MESH.`,
      )
    }
    return 0
  },
}
