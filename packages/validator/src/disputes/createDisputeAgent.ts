import {
  canonicalJson,
  disputesAbi,
  meshTokenAbi,
  type Receipt,
  type RequestKind,
  requestKinds,
} from '@infermesh/protocol'
import {
  type Address,
  type Chain,
  decodeEventLog,
  decodeFunctionData,
  type Hex,
  hexToString,
  type PublicClient,
  stringToHex,
  type Transport,
} from 'viem'
import type { ChainWriter } from '../chain/createChainWriter.js'
import type { SampleCheck } from '../samples/sampleCheck.js'

export type DisputeAgentOptions = {
  publicClient: PublicClient<Transport, Chain>
  writer: ChainWriter
  contracts: { disputes: Address; token: Address }
  /** Re-executes a disputed answer for the committee vote. */
  check: SampleCheck
  /** First block to follow the Disputes contract's events from. */
  fromBlock: bigint
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Called when a dispute this validator opened gets its id. */
  onOpened?: (receiptDigest: Hex, id: bigint) => void
}

type Tracked = {
  id: bigint
  provider: Address
  challenger: Address
  drawBlock: bigint
  openTx: Hex
  members?: Address[]
  votingEnds?: bigint
  voted?: boolean
  resolved?: boolean
}

/**
 * The validator's part in disputes (DESIGN rule 4): opens a dispute with the signed receipt and the payload
 * when re-execution finds a clear breach; follows the Disputes contract's events; draws committees once
 * their random block exists (nudging a chain that mines only on demand); when drawn onto a committee,
 * reads the disputed request and answer from the opening transaction's calldata, re-executes them and
 * votes; resolves disputes whose votes are in or whose window closed.
 */
export function createDisputeAgent(options: DisputeAgentOptions) {
  const { publicClient, writer, contracts, log } = options
  const me = writer.address.toLowerCase()
  const tracked = new Map<bigint, Tracked>()
  const challenging = new Set<string>()
  let nextBlock = options.fromBlock
  let busy: Promise<void> | undefined
  let lastHead = -1n
  let headSince = Date.now()
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: contracts.disputes,
      abi: disputesAbi,
      functionName,
      args,
    } as never) as Promise<T>

  /** Opens a dispute against a receipt this validator found in clear breach. */
  async function challenge(params: {
    receipt: Receipt
    receiptSignature: Hex
    receiptDigest: Hex
    kind: RequestKind
    request: Record<string, unknown>
    response: string
  }): Promise<bigint | undefined> {
    // One open dispute per provider at a time from this validator: a persistent cheater is slashed
    // dispute after dispute, not drained by a burst of them before the first resolves.
    const provider = params.receipt.provider.toLowerCase()
    if (challenging.has(provider)) return undefined
    for (const dispute of tracked.values())
      if (dispute.provider.toLowerCase() === provider && dispute.challenger.toLowerCase() === me)
        return undefined
    challenging.add(provider)
    try {
      return await openDispute(params)
    } finally {
      challenging.delete(provider)
    }
  }

  async function openDispute(params: {
    receipt: Receipt
    receiptSignature: Hex
    receiptDigest: Hex
    kind: RequestKind
    request: Record<string, unknown>
    response: string
  }): Promise<bigint | undefined> {
    const { challengerBond } = await read<{ challengerBond: bigint }>('params')
    const allowance = await publicClient.readContract({
      address: contracts.token,
      abi: meshTokenAbi,
      functionName: 'allowance',
      args: [writer.address, contracts.disputes],
    })
    if (allowance < challengerBond) {
      await writer.write({
        address: contracts.token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [contracts.disputes, challengerBond * 10n],
      })
    }
    try {
      const receipt = await writer.write({
        address: contracts.disputes,
        abi: disputesAbi,
        functionName: 'openDispute',
        args: [
          params.receipt,
          params.receiptSignature,
          // What the receipt's requestHash covers: the canonical JSON of {kind, body}.
          stringToHex(canonicalJson({ kind: params.kind, body: params.request })),
          stringToHex(params.response),
        ],
      })
      for (const entry of receipt.logs) {
        try {
          const event = decodeEventLog({ abi: disputesAbi, ...entry })
          if (event.eventName === 'DisputeOpened') {
            const id = (event.args as { id: bigint }).id
            log.warn({
              msg: 'dispute opened',
              id: id.toString(),
              provider: params.receipt.provider,
              receiptDigest: params.receiptDigest,
            })
            options.onOpened?.(params.receiptDigest, id)
            tracked.set(id, {
              id,
              provider: params.receipt.provider,
              challenger: writer.address,
              drawBlock: BigInt((event.args as { drawBlock: bigint }).drawBlock),
              openTx: receipt.transactionHash,
            })
            return id
          }
        } catch {
          // another contract's log
        }
      }
    } catch (error) {
      log.warn({
        msg: 'could not open a dispute',
        provider: params.receipt.provider,
        err: (error as Error).message,
      })
    }
    return undefined
  }

  async function follow() {
    const head = await publicClient.getBlockNumber()
    if (head !== lastHead) {
      lastHead = head
      headSince = Date.now()
    }
    // Catching up (after a restart) goes 5,000 blocks per call, within what public RPCs allow.
    while (head >= nextBlock) {
      const toBlock = head - nextBlock > 5_000n ? nextBlock + 5_000n : head
      const logs = await publicClient.getContractEvents({
        address: contracts.disputes,
        abi: disputesAbi,
        fromBlock: nextBlock,
        toBlock,
      })
      for (const entry of logs) {
        const args = entry.args as Record<string, unknown>
        const id = args.id as bigint
        switch (entry.eventName) {
          case 'DisputeOpened':
            tracked.set(id, {
              id,
              provider: args.provider as Address,
              challenger: args.challenger as Address,
              drawBlock: BigInt(args.drawBlock as bigint),
              openTx: entry.transactionHash as Hex,
            })
            break
          case 'CommitteeDrawn': {
            const dispute = tracked.get(id)
            if (dispute) {
              dispute.members = args.members as Address[]
              dispute.votingEnds = BigInt(args.votingEnds as bigint)
            }
            break
          }
          case 'Voted': {
            const dispute = tracked.get(id)
            if (dispute && String(args.member).toLowerCase() === me) dispute.voted = true
            break
          }
          case 'DisputeResolved':
            tracked.delete(id)
            break
        }
      }
      nextBlock = toBlock + 1n
    }
    const now = BigInt(Math.floor(Date.now() / 1000))
    for (const dispute of tracked.values()) {
      if (!dispute.members) {
        if (head > dispute.drawBlock) await draw(dispute)
        else if (dispute.challenger.toLowerCase() === me && Date.now() - headSince > 1500) {
          // Nothing else is making blocks: make one so the committee's random block exists.
          await writer.nudge().catch(() => {})
        }
        continue
      }
      if (dispute.members.some((m) => m.toLowerCase() === me) && !dispute.voted) await vote(dispute)
      // The challenger or the first member resolves; anyone else does once the window is well past, so
      // a dispute never stays open because those two went away.
      const mine = dispute.challenger.toLowerCase() === me || dispute.members[0]?.toLowerCase() === me
      const overdue = now > (dispute.votingEnds ?? 0n) + 30n
      if ((mine || overdue) && !dispute.resolved) await maybeResolve(dispute, now)
    }
  }

  async function draw(dispute: Tracked) {
    try {
      await writer.write({
        address: contracts.disputes,
        abi: disputesAbi,
        functionName: 'drawCommittee',
        args: [dispute.id],
      })
      log.info({ msg: 'committee drawn', id: dispute.id.toString() })
    } catch (error) {
      if (!/AlreadyDrawn/.test((error as Error).message))
        log.warn({
          msg: 'drawing a committee failed',
          id: dispute.id.toString(),
          err: (error as Error).message,
        })
    }
  }

  async function vote(dispute: Tracked) {
    dispute.voted = true
    try {
      const tx = await publicClient.getTransaction({ hash: dispute.openTx })
      const { args } = decodeFunctionData({ abi: disputesAbi, data: tx.input })
      const [receipt, , request, response] = args as unknown as [Receipt, Hex, Hex, Hex]
      const { kind, body } = readDisputedRequest(hexToString(request))
      const verdict = await options.check({
        receipt,
        kind,
        request: body,
        response: hexToString(response),
        source: 'committee',
      })
      const guilty = verdict.verdict === 'breach'
      await writer.write({
        address: contracts.disputes,
        abi: disputesAbi,
        functionName: 'vote',
        args: [dispute.id, guilty],
      })
      log.warn({ msg: 'committee vote cast', id: dispute.id.toString(), guilty, reasons: verdict.reasons })
    } catch (error) {
      log.warn({ msg: 'could not vote', id: dispute.id.toString(), err: (error as Error).message })
    }
  }

  async function maybeResolve(dispute: Tracked, now: bigint) {
    const state = await read<{ guiltyVotes: bigint | number; innocentVotes: bigint | number }>('getDispute', [
      dispute.id,
    ])
    const votes = BigInt(state.guiltyVotes) + BigInt(state.innocentVotes)
    const members = BigInt(dispute.members?.length ?? 0)
    if (votes < members && now <= (dispute.votingEnds ?? 0n)) return
    dispute.resolved = true
    try {
      await writer.write({
        address: contracts.disputes,
        abi: disputesAbi,
        functionName: 'resolve',
        args: [dispute.id],
      })
      log.warn({ msg: 'dispute resolved', id: dispute.id.toString() })
    } catch (error) {
      if (!/AlreadyResolved/.test((error as Error).message)) {
        dispute.resolved = false
        log.warn({ msg: 'resolving failed', id: dispute.id.toString(), err: (error as Error).message })
      }
    }
  }

  return {
    challenge,
    /** Follows events and acts on them; one pass at a time. */
    tick(): Promise<void> {
      busy ??= follow()
        .catch((error: Error) => log.warn({ msg: 'following disputes failed', err: error.message }))
        .finally(() => {
          busy = undefined
        })
      return busy
    },
    /** Disputes being followed (not yet resolved). */
    open: () => [...tracked.values()],
  }
}

export type DisputeAgent = ReturnType<typeof createDisputeAgent>

/**
 * The disputed request from the opening transaction's calldata: the canonical JSON of {kind, body} that
 * the receipt's requestHash covers (the contract checked the hash). Throws when it is not that shape.
 */
function readDisputedRequest(json: string): { kind: RequestKind; body: Record<string, unknown> } {
  const payload = JSON.parse(json) as { kind?: unknown; body?: unknown }
  const { kind, body } = payload
  if (!(requestKinds as readonly unknown[]).includes(kind))
    throw new Error(`the disputed request names no known kind (${JSON.stringify(kind)})`)
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new Error('the disputed request has no body object')
  return { kind: kind as RequestKind, body: body as Record<string, unknown> }
}
