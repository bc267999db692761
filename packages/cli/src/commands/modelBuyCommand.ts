import { meshTokenAbi, modelSharesFactoryAbi, shareOfferingAbi } from '@infermesh/protocol'
import { formatEther, zeroAddress } from 'viem'
import { CliError, usageError } from '../CliError.js'
import { connectModelChain } from '../model/connectModelChain.js'
import { parseShares } from '../model/parseShares.js'
import { offeringStates } from '../model/readModelShares.js'
import { resolveModelId } from '../model/resolveModelId.js'
import { resolveModelTarget } from '../model/resolveModelTarget.js'
import { signerChain } from '../model/signerChain.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { Command } from './Command.js'
import { modelOptions, modelOptionsHelp } from './modelOptions.js'

const usage = `Usage: infermesh model buy MODEL SHARES [--max-price MESH] [options]

Buys SHARES of a model's offering at its current price, approving the offering to take the MESH first.
The shares stay with the offering until the sale ends: then "infermesh model claim MODEL" delivers them
(or refunds the MESH if the sale missed its minimum raise). MODEL is the model's name or 0x id.

Options:
  --max-price MESH      the most to pay per share (default the current price; a Dutch auction's price
                        only falls, so the buy never pays more than it was shown)
${modelOptionsHelp}
  -h, --help            this help`

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b

/** `infermesh model buy`: buy shares of a model in its offering. */
export const modelBuyCommand: Command = {
  name: 'model buy',
  summary: "Buy shares of a model's offering (approve and buy at a maximum price).",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('model buy', argv, {
      ...modelOptions,
      'max-price': { type: 'string' },
    })
    if (positionals.length !== 2) throw usageError('what to buy? infermesh model buy MODEL SHARES')
    const [model, sharesText] = positionals as [string, string]
    const amount = parseShares(sharesText, 'SHARES')
    const maxFlag =
      values['max-price'] === undefined ? undefined : parseMesh(values['max-price'], '--max-price')
    const target = await resolveModelTarget({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = await connectModelChain(target, account)
    const modelId = await resolveModelId(chain, target, model)
    const offering = await chain.publicClient.readContract({
      address: chain.factory,
      abi: modelSharesFactoryAbi,
      functionName: 'offeringOf',
      args: [modelId],
    })
    if (offering === zeroAddress) throw new CliError(`model ${model} has no offering: nothing is for sale`)
    const read = <F extends 'state' | 'currentPrice'>(functionName: F) =>
      chain.publicClient.readContract({ address: offering, abi: shareOfferingAbi, functionName })
    const [state, price] = await Promise.all([read('state'), read('currentPrice')])
    const stateName = offeringStates[state] ?? 'Pending'
    if (stateName !== 'Open' && stateName !== 'Pending')
      throw new CliError(
        `the offering of ${model} is ${stateName.toLowerCase()}: nothing more is sold ("infermesh model show ${model}")`,
      )
    const maxPrice = maxFlag ?? price
    const maxCost = ceilDiv(amount * maxPrice, 10n ** 18n)
    const [balance, allowance] = await Promise.all([
      chain.publicClient.readContract({
        address: target.contracts.token,
        abi: meshTokenAbi,
        functionName: 'balanceOf',
        args: [account.address],
      }),
      chain.publicClient.readContract({
        address: target.contracts.token,
        abi: meshTokenAbi,
        functionName: 'allowance',
        args: [account.address, offering],
      }),
    ])
    if (balance < maxCost)
      throw new CliError(
        `${account.address} holds ${formatEther(balance)} MESH; ${formatEther(amount)} shares at up to ${formatEther(maxPrice)} MESH cost up to ${formatEther(maxCost)} MESH`,
      )
    const log = (line: string) => console.log(`  ${line}`)
    const signer = signerChain(chain)
    console.log(
      `buying ${formatEther(amount)} shares of ${model} at up to ${formatEther(maxPrice)} MESH each for ${account.address} (${target.source})`,
    )
    if (allowance < maxCost)
      await sendContractCall(
        signer,
        {
          address: target.contracts.token,
          abi: meshTokenAbi,
          functionName: 'approve',
          args: [offering, maxCost],
        },
        log,
      )
    const hash = await sendContractCall(
      signer,
      { address: offering, abi: shareOfferingAbi, functionName: 'buy', args: [amount, maxPrice] },
      log,
    )
    const receipt = await chain.publicClient.getTransactionReceipt({ hash })
    const [bought] = (
      await chain.publicClient.getContractEvents({
        address: offering,
        abi: shareOfferingAbi,
        eventName: 'Bought',
        blockHash: receipt.blockHash,
      })
    ).filter((event) => event.transactionHash === hash)
    const [owed, paid] = await Promise.all([
      chain.publicClient.readContract({
        address: offering,
        abi: shareOfferingAbi,
        functionName: 'sharesOwed',
        args: [account.address],
      }),
      chain.publicClient.readContract({
        address: offering,
        abi: shareOfferingAbi,
        functionName: 'paidBy',
        args: [account.address],
      }),
    ])
    console.log(
      `Bought ${formatEther(amount)} shares at ${formatEther(bought?.args.price ?? 0n)} MESH each for ${formatEther(bought?.args.cost ?? 0n)} MESH. ${account.address} has ${formatEther(owed)} shares waiting in the offering (paid ${formatEther(paid)} MESH): "infermesh model claim ${model}" takes them once the sale ends.`,
    )
    return 0
  },
}
