import { modelRegistryAbi, modelSharesFactoryAbi } from '@infermesh/protocol'
import { formatEther, zeroAddress } from 'viem'
import { usageError } from '../CliError.js'
import { connectModelChain } from '../model/connectModelChain.js'
import { parseDuration } from '../model/parseDuration.js'
import { parseShares } from '../model/parseShares.js'
import { resolveModelId } from '../model/resolveModelId.js'
import { resolveModelTarget } from '../model/resolveModelTarget.js'
import { signerChain } from '../model/signerChain.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { parseMesh } from '../parseMesh.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { Command } from './Command.js'
import { modelOptions, modelOptionsHelp } from './modelOptions.js'

const usage = `Usage: infermesh model offer MODEL --offer SHARES --price MESH [options]

Creates the model's revenue-share token (an ERC-20 whose holders claim its royalties pro rata) and an
offering that sells part of it, then routes the model's royalty to the token. Only the model's owner;
once per model: the supply is fixed for good. MODEL is the model's name or 0x id.

The offering sells at a fixed price, or, with --floor-price, in a Dutch auction whose price falls
linearly from --price to --floor-price over the sale. If less than --min-raise is raised, every buyer
is refunded and every share comes back; else the proceeds and the unsold shares go to the owner.

Options:
  --supply SHARES       total shares (default 1000000); the owner keeps what is not offered
  --offer SHARES        shares for sale (0: create the token without an offering)
  --price MESH          price per share at the start
  --floor-price MESH    price per share at the end (default --price: a fixed price)
  --start TIME          when the sale opens: an ISO date or "now" (default now)
  --duration D          how long it lasts: 3600, 90s, 30m, 12h, 7d (default 7d)
  --min-raise MESH      the sale fails and refunds below this (default 0)
  --royalty-bps N       the royalty routed to the token (default the model's current or scheduled one);
                        the offering refuses buyers while the model routes less to the token
  --name NAME           the token's name (default "<model> shares")
  --symbol SYMBOL       the token's symbol (default from the model's name)
${modelOptionsHelp}
  -h, --help            this help`

/** `infermesh model offer`: create a model's share token and its offering. */
export const modelOfferCommand: Command = {
  name: 'model offer',
  summary: "Create a model's revenue-share token and offering, and route its royalty there.",
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('model offer', argv, {
      ...modelOptions,
      supply: { type: 'string', default: '1000000' },
      offer: { type: 'string' },
      price: { type: 'string' },
      'floor-price': { type: 'string' },
      start: { type: 'string', default: 'now' },
      duration: { type: 'string', default: '7d' },
      'min-raise': { type: 'string', default: '0' },
      'royalty-bps': { type: 'string' },
      name: { type: 'string' },
      symbol: { type: 'string' },
    })
    if (positionals.length !== 1)
      throw usageError('which model? infermesh model offer MODEL --offer SHARES --price MESH')
    const model = positionals[0] as string
    if (values.offer === undefined)
      throw usageError('--offer is required: how many shares to sell (0 for none)')
    const supply = parseShares(values.supply, '--supply')
    const offered = values.offer === '0' ? 0n : parseShares(values.offer, '--offer')
    if (offered > supply)
      throw usageError(`--offer ${values.offer} is more than the --supply ${values.supply}`)
    if (offered > 0n && values.price === undefined) throw usageError('--price is required: MESH per share')
    const price = values.price === undefined ? 0n : parseMesh(values.price, '--price')
    const floor =
      values['floor-price'] === undefined ? price : parseMesh(values['floor-price'], '--floor-price')
    if (offered > 0n && (price === 0n || floor === 0n || floor > price))
      throw usageError('--price and --floor-price must be above 0, the floor at most the price')
    const duration = parseDuration(values.duration, '--duration')
    const minRaise = parseMesh(values['min-raise'], '--min-raise')
    let bpsFlag: number | undefined
    if (values['royalty-bps'] !== undefined) {
      bpsFlag = Number(values['royalty-bps'])
      if (!/^\d{1,5}$/.test(values['royalty-bps']) || bpsFlag > 10_000)
        throw usageError('--royalty-bps must be a whole number of basis points from 0 to 10000')
    }
    let startFlag: bigint | undefined
    if (values.start !== 'now') {
      const ms = Date.parse(values.start)
      if (Number.isNaN(ms)) throw usageError('--start must be an ISO date (2026-12-01T12:00:00Z) or "now"')
      startFlag = BigInt(Math.floor(ms / 1000))
    }

    const target = await resolveModelTarget({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = await connectModelChain(target, account)
    const modelId = await resolveModelId(chain, target, model)
    const [record, pending] = await Promise.all([
      chain.publicClient.readContract({
        address: target.contracts.models,
        abi: modelRegistryAbi,
        functionName: 'getModel',
        args: [modelId],
      }),
      chain.publicClient.readContract({
        address: target.contracts.models,
        abi: modelRegistryAbi,
        functionName: 'pendingRoyalty',
        args: [modelId],
      }),
    ])
    const bps = bpsFlag ?? Math.max(record.royaltyBps, pending[0])
    if (bps === 0)
      throw usageError(
        `model ${record.name || modelId} has no royalty to share: give --royalty-bps (100 = 1% of every payment)`,
      )
    const start = startFlag ?? (await chain.publicClient.getBlock()).timestamp
    const name = values.name ?? `${record.name} shares`.slice(0, 64)
    const symbol =
      values.symbol ??
      (`${record.name
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, '')
        .slice(0, 10)}S` ||
        'SHARES')
    const terms = {
      sharesOffered: offered,
      startPrice: price,
      floorPrice: floor,
      start,
      end: start + duration,
      minRaise,
      minRoyaltyBps: bps,
    }
    const log = (line: string) => console.log(`  ${line}`)
    console.log(
      `creating the shares of ${record.name} (${modelId}) for ${account.address} (${target.source})`,
    )
    const signer = signerChain(chain)
    await sendContractCall(
      signer,
      {
        address: chain.factory,
        abi: modelSharesFactoryAbi,
        functionName: 'create',
        args: [modelId, name, symbol, supply, terms],
      },
      log,
    )
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
    await sendContractCall(
      signer,
      {
        address: target.contracts.models,
        abi: modelRegistryAbi,
        functionName: 'setRoyalty',
        args: [modelId, bps, shares],
      },
      log,
    )
    // Locked for good: the sale refuses buyers otherwise (a receiver merely set could be moved after it).
    await sendContractCall(
      signer,
      {
        address: target.contracts.models,
        abi: modelRegistryAbi,
        functionName: 'lockRoyalty',
        args: [modelId, bps],
      },
      log,
    )
    console.log(`Shares of ${record.name}: ${symbol} "${name}" at ${shares}, ${formatEther(supply)} in all.`)
    console.log(
      `Royalty locked to the share token at ${bps / 100}% or more: it can no longer be pointed elsewhere or cut below that.`,
    )
    if (offering === zeroAddress) console.log(`No offering: ${account.address} holds every share.`)
    else
      console.log(
        `Offering at ${offering}: ${formatEther(offered)} shares at ${formatEther(price)}${floor === price ? '' : ` falling to ${formatEther(floor)}`} MESH each, ${new Date(Number(start) * 1000).toISOString()} to ${new Date(Number(start + duration) * 1000).toISOString()}, minimum raise ${formatEther(minRaise)} MESH.`,
      )
    const [, effectiveAt] = await chain.publicClient.readContract({
      address: target.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'pendingRoyalty',
      args: [modelId],
    })
    console.log(
      effectiveAt === 0n
        ? `The model's royalty (${bps} bps) now goes to the share token's holders.`
        : `The model's royalty goes to the share token; its rise to ${bps} bps takes effect at ${new Date(Number(effectiveAt) * 1000).toISOString()}.`,
    )
    return 0
  },
}
