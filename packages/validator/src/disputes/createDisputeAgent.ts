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
  type LocalAccount,
  type PublicClient,
  stringToHex,
  type Transport,
  zeroHash,
} from 'viem'
import { type ChainWriter, revertName } from '../chain/createChainWriter.js'
import { ValidatorError } from '../errors.js'
import type { CheckedSample } from '../samples/parseSample.js'
import type { SampleCheck } from '../samples/sampleCheck.js'
import { voteCommitment } from './voteCommitment.js'
import { voteSalt } from './voteSalt.js'

export type DisputeAgentOptions = {
  publicClient: PublicClient<Transport, Chain>
  writer: ChainWriter
  /** The validator's key (the writer's account): derives each vote's salt (`voteSalt`). */
  account: LocalAccount
  chainId: number
  contracts: { disputes: Address; token: Address }
  /** Re-executes a disputed answer for the committee vote. */
  check: SampleCheck
  /** First block to follow the Disputes contract's events from. */
  fromBlock: bigint
  /** The chain's clock, unix seconds: commit and reveal phases are measured on it. */
  now: () => bigint
  log: { info: (obj: object) => void; warn: (obj: object) => void }
  /** Called when a dispute this validator opened gets its id. */
  onOpened?: (receiptDigest: Hex, id: bigint) => void
  /**
   * How long a validator that is not the challenger waits before it draws or resolves in its place
   * (default 10 s; to resolve, the round's members take turns this far apart): the challenger goes first,
   * so N validators do not race with N transactions.
   */
  graceMs?: number
}

/** What the agent needs to open a dispute: a checked sample whose re-execution found a clear breach. */
export type ChallengeSample = Omit<CheckedSample, 'payer'>

/** A dispute this validator follows: what the events told (the rest is read from the contract each tick). */
type Tracked = {
  id: bigint
  provider: Address
  challenger: Address
  receiptDigest: Hex
  /** The opening transaction: its calldata holds the disputed request and answer. */
  openTx: Hex
  /** The members drawn in the current round (for the status page); undefined until drawn. */
  members?: Address[]
  /** This process's re-execution verdict (guilty?), per round. */
  verdicts: Map<number, boolean>
  /** Steps that failed, by step, round and reason: logged once, tried again every tick. */
  refused: Set<string>
  /** When this process first saw the current round drawable / resolvable (ms), by round. */
  drawableSince?: { round: number; at: number }
  resolvableSince?: { round: number; at: number }
}

/** `getDispute` as the agent reads it (Disputes v2). */
type DisputeState = {
  challenger: Address
  round: number
  committeeSize: number
  guiltyVotes: number
  innocentVotes: number
  status: number
  assigned: boolean
  drawBlock: bigint
  commitEnds: bigint
  revealEnds: bigint
}

/** `memberOf`: the round a validator was drawn in (0: never), its commitment and whether it revealed. */
type MemberState = { commitment: Hex; round: number; revealed: boolean; guilty: boolean }

const Status = { None: 0, Open: 1, Drawn: 2, Resolved: 3 } as const

/**
 * The validator's part in disputes (DESIGN rule 4), against Disputes v2:
 * - opens a dispute when re-execution finds a clear breach, with the payer's sample signature naming this
 *   validator (the assignment: only an assigned challenger earns the reward); when the receipt is disputed
 *   already by an unassigned challenger, takes the challenge over with `claimChallenge`;
 * - draws each round's committee once its block is past (anyone may; a rearmed draw is read back);
 * - as a member of the current round: re-executes the disputed request (read from the opening
 *   transaction's calldata), commits `keccak256(abi.encode(id, round, me, guilty, salt))` before
 *   `commitEnds`, reveals in `[commitEnds, revealEnds)`; the salt is derived from the key (`voteSalt`),
 *   never stored, and the vote revealed is the one whose commitment the contract holds (`memberOf`), so a
 *   validator restarted between its commit and its reveal reveals what it committed;
 * - resolves a dispute once every seat revealed or the reveal phase ended, and follows escalated rounds;
 *   when its own transaction resolved (or escalated) a round, collects the penalties that round recorded
 *   for its absentees (`collectPenalty`, once per member, only while `pendingPenaltyOf` is not zero).
 *
 * It learns of disputes from the contract's events (from `fromBlock`) and reads each one's state every
 * tick, so a restarted validator picks up where it was. A refused transaction is logged and tried again
 * on the next tick; nothing throws out of `tick`.
 */
export function createDisputeAgent(options: DisputeAgentOptions) {
  const { publicClient, writer, contracts, log } = options
  const me = writer.address.toLowerCase()
  const tracked = new Map<bigint, Tracked>()
  /** Assignments this validator holds for receipts it found in breach, by receipt digest (lowercase). */
  const assignments = new Map<string, ChallengeSample['assignment']>()
  const challenging = new Set<string>()
  let nextBlock = options.fromBlock
  let busy: Promise<void> | undefined
  let lastHead = -1n
  let headSince = Date.now()
  const graceMs = options.graceMs ?? 10_000
  let chainTime = 0n
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient.readContract({
      address: contracts.disputes,
      abi: disputesAbi,
      functionName,
      args,
    } as never) as Promise<T>
  const send = (functionName: string, args: readonly unknown[]) =>
    writer.write({ address: contracts.disputes, abi: disputesAbi, functionName, args })
  const isMe = (account: string | undefined) => account?.toLowerCase() === me

  /**
   * A step the chain refused (a revert) or that could not be carried out: logged once per dispute, step,
   * round and reason, never thrown; the step runs again on the next tick if the chain's state still asks.
   */
  function refused(dispute: Tracked, step: string, round: number, error: unknown) {
    const key = `${step}:${round}:${revertName(error) ?? (error as Error).message}`
    if (dispute.refused.has(key)) return
    dispute.refused.add(key)
    log.warn({ msg: `${step} failed`, id: dispute.id.toString(), round, err: (error as Error).message })
  }

  /** Approves the Disputes contract for the challenger bond (`params().challengerBond`) when short of it. */
  async function ensureBond() {
    const { challengerBond: bond } = await read<{ challengerBond: bigint }>('params')
    const allowance = await publicClient.readContract({
      address: contracts.token,
      abi: meshTokenAbi,
      functionName: 'allowance',
      args: [writer.address, contracts.disputes],
    })
    if (allowance < bond)
      await writer.write({
        address: contracts.token,
        abi: meshTokenAbi,
        functionName: 'approve',
        args: [contracts.disputes, bond * 10n],
      })
  }

  /**
   * Opens a dispute against a receipt this validator found in clear breach, as its assigned challenger.
   * When the receipt is disputed already, keeps the assignment: the next tick claims the challenge if
   * the challenger there is not assigned. Never throws; undefined when no dispute was opened.
   */
  async function challenge(sample: ChallengeSample): Promise<bigint | undefined> {
    const provider = sample.receipt.provider.toLowerCase()
    if (challenging.has(provider)) return undefined
    challenging.add(provider)
    // Disputed already: keep the assignment, the next ticks claim the challenge if nobody assigned holds it.
    const keep = (id: bigint | undefined) => {
      // A job's receipt has no sample signer (its payer is the coordinator): nothing to claim with.
      if (sample.assignment.signature !== '0x')
        assignments.set(sample.receiptDigest.toLowerCase(), sample.assignment)
      log.info({ msg: 'receipt disputed already', id: id?.toString(), provider: sample.receipt.provider })
      return undefined
    }
    try {
      const existing = await read<bigint>('disputeOfReceipt', [sample.receiptDigest])
      if (existing !== 0n) return keep(existing)
      // One open dispute per provider at a time from this validator: a persistent cheater is slashed
      // dispute after dispute, not drained by a burst of them before the first resolves. What this
      // process follows may lag the chain by a tick: a dispute resolved meanwhile does not count.
      for (const dispute of [...tracked.values()]) {
        if (dispute.provider.toLowerCase() !== provider || !isMe(dispute.challenger)) continue
        const { status } = await read<DisputeState>('getDispute', [dispute.id])
        if (status !== Status.Resolved) return undefined
        forget(dispute)
      }
      return await openDispute(sample)
    } catch (error) {
      if (revertName(error) === 'DisputeExists') return keep(undefined)
      log.warn({
        msg: 'could not open a dispute',
        provider: sample.receipt.provider,
        err: (error as Error).message,
      })
      return undefined
    } finally {
      challenging.delete(provider)
    }
  }

  async function openDispute(sample: ChallengeSample): Promise<bigint | undefined> {
    await ensureBond()
    const receipt = await send('openDispute', [
      sample.receipt,
      sample.receiptSignature,
      // What the receipt's requestHash covers: the canonical JSON of {kind, body}.
      stringToHex(canonicalJson({ kind: sample.kind, body: sample.request })),
      stringToHex(sample.response),
      BigInt(sample.assignment.issuedAt),
      sample.assignment.signature,
    ])
    for (const event of disputesEvents(receipt.logs)) {
      if (event.eventName !== 'DisputeOpened') continue
      const args = event.args as unknown as Record<string, unknown>
      const id = args.id as bigint
      log.warn({
        msg: 'dispute opened',
        id: id.toString(),
        provider: sample.receipt.provider,
        receiptDigest: sample.receiptDigest,
      })
      options.onOpened?.(sample.receiptDigest, id)
      if (!tracked.has(id)) tracked.set(id, opened(args, receipt.transactionHash))
      return id
    }
    return undefined
  }

  /** The Disputes contract's events among a transaction's logs, decoded (logs this ABI does not know skipped). */
  function* disputesEvents(logs: readonly { address: Address; data: Hex; topics: readonly Hex[] }[]) {
    for (const entry of logs) {
      if (entry.address.toLowerCase() !== contracts.disputes.toLowerCase()) continue
      try {
        yield decodeEventLog({ abi: disputesAbi, data: entry.data, topics: [...entry.topics] as never })
      } catch {
        // an event this ABI does not know
      }
    }
  }

  function opened(args: Record<string, unknown>, openTx: Hex): Tracked {
    return {
      id: args.id as bigint,
      provider: args.provider as Address,
      challenger: args.challenger as Address,
      receiptDigest: args.receiptDigest as Hex,
      openTx,
      verdicts: new Map(),
      refused: new Set(),
    }
  }

  function forget(dispute: Tracked) {
    tracked.delete(dispute.id)
    assignments.delete(dispute.receiptDigest.toLowerCase())
  }

  /** Reads the Disputes contract's events from `nextBlock` to the head (5,000 blocks per call). */
  async function catchUp(head: bigint) {
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
        if (entry.eventName === 'DisputeOpened') {
          if (!tracked.has(id)) tracked.set(id, opened(args, entry.transactionHash))
          continue
        }
        const dispute = tracked.get(id)
        if (!dispute) continue
        if (entry.eventName === 'CommitteeDrawn') dispute.members = [...(args.members as Address[])]
        else if (entry.eventName === 'RoundEscalated') dispute.members = undefined
        else if (entry.eventName === 'ChallengeClaimed') dispute.challenger = args.challenger as Address
        else if (entry.eventName === 'DisputeResolved') forget(dispute)
      }
      nextBlock = toBlock + 1n
    }
  }

  async function follow() {
    // The latest block, uncached: its number gates draws, its timestamp is a floor of the chain's clock.
    const latest = await publicClient.getBlock({ blockTag: 'latest' })
    const head = latest.number
    chainTime = latest.timestamp
    if (head !== lastHead) {
      lastHead = head
      headSince = Date.now()
    }
    await catchUp(head)
    for (const dispute of [...tracked.values()]) {
      try {
        await act(dispute, head)
      } catch (error) {
        refused(dispute, 'following the dispute', 0, error)
      }
    }
  }

  async function act(dispute: Tracked, head: bigint) {
    const state = await read<DisputeState>('getDispute', [dispute.id])
    if (state.status === Status.Resolved || state.status === Status.None) {
      forget(dispute)
      return
    }
    dispute.challenger = state.challenger
    const round = Number(state.round)
    const assignment = assignments.get(dispute.receiptDigest.toLowerCase())
    if (assignment && !state.assigned && !isMe(state.challenger)) await claim(dispute, round, assignment)

    if (state.status === Status.Open) {
      // The round waits for its committee: anyone may draw once the draw's block is past. The challenger
      // draws at once, the others only if it has not after a grace period (no race of N transactions).
      if (head > state.drawBlock) {
        if (isMe(state.challenger) || waited(dispute, 'drawableSince', round))
          await attempt(dispute, round, 'drawing the committee', 'drawCommittee', [dispute.id])
      } else if (isMe(state.challenger) && Date.now() - headSince > 1500) {
        // Nothing else is making blocks: make one so the draw's block comes.
        await writer.nudge().catch(() => {})
      }
      return
    }

    // The next block is at least as late as the latest one and as the clock the daemon keeps.
    const clock = options.now()
    const now = clock > chainTime ? clock : chainTime
    const member = await read<MemberState>('memberOf', [dispute.id, writer.address])
    if (Number(member.round) === round) {
      const committed = member.commitment !== zeroHash
      if (!committed && now < state.commitEnds) await commit(dispute, round)
      else if (committed && !member.revealed && now >= state.commitEnds && now < state.revealEnds)
        await reveal(dispute, round, member.commitment)
    }
    // Resolvable once every seat of the full committee revealed or the reveal phase ended. The challenger
    // resolves at once; the round's members one after the other (graceMs apart, in draw order), anyone
    // else after them: one transaction, and a dispute never stays open because some went away.
    const allRevealed = Number(state.guiltyVotes) + Number(state.innocentVotes) >= Number(state.committeeSize)
    if (allRevealed || now >= state.revealEnds) {
      const members = dispute.members ?? []
      const seat = members.findIndex((m) => isMe(m))
      const turn = isMe(state.challenger) ? 0 : 1 + (seat >= 0 ? seat : members.length)
      if (turn === 0 || waited(dispute, 'resolvableSince', round, turn * graceMs))
        await resolve(dispute, round)
    }
  }

  /**
   * Resolves the current round, then collects the penalties it recorded for absent members: Disputes
   * defers them (a slash rewrites the member's sortition checkpoints in every model it declared, too much
   * gas for resolve), and the validator whose transaction resolved collects them, so N validators do not
   * race for it. A refusal is logged, never thrown.
   */
  async function resolve(dispute: Tracked, round: number) {
    try {
      const receipt = await send('resolve', [dispute.id])
      log.info({ msg: 'resolving the dispute: done', id: dispute.id.toString(), round })
      for (const member of absentees(receipt.logs)) await collectPenalty(dispute, member)
    } catch (error) {
      refused(dispute, 'resolving the dispute', round, error)
    }
  }

  /** The members a resolve transaction's `AbsenteePenalized` events recorded a penalty for, each once. */
  function absentees(logs: readonly { address: Address; data: Hex; topics: readonly Hex[] }[]): Address[] {
    const found = new Map<string, Address>()
    for (const event of disputesEvents(logs)) {
      if (event.eventName !== 'AbsenteePenalized') continue
      const { member, penalty } = event.args as unknown as { member: Address; penalty: bigint }
      if (penalty > 0n) found.set(member.toLowerCase(), member)
    }
    return [...found.values()]
  }

  /** Burns `member`'s pending absentee penalty (anyone may); logged, never thrown. */
  async function collectPenalty(dispute: Tracked, member: Address) {
    try {
      const pending = await read<bigint>('pendingPenaltyOf', [member])
      if (pending === 0n) return
      await send('collectPenalty', [member])
      log.info({
        msg: 'absentee penalty collected',
        id: dispute.id.toString(),
        member,
        pending: pending.toString(),
      })
    } catch (error) {
      log.warn({
        msg: 'collecting an absentee penalty failed',
        id: dispute.id.toString(),
        member,
        reason: revertName(error),
        err: (error as Error).message,
      })
    }
  }

  /** True once this process has seen the round in that state for `ms` (the first call starts the clock). */
  function waited(dispute: Tracked, key: 'drawableSince' | 'resolvableSince', round: number, ms = graceMs) {
    const since = dispute[key]
    if (since?.round !== round) {
      dispute[key] = { round, at: Date.now() }
      return false
    }
    return Date.now() - since.at >= ms
  }

  /** Sends one Disputes call; a refusal is logged, and the next tick tries again if the chain still asks. */
  async function attempt(
    dispute: Tracked,
    round: number,
    step: string,
    functionName: string,
    args: readonly unknown[],
  ): Promise<void> {
    try {
      await send(functionName, args)
      log.info({ msg: `${step}: done`, id: dispute.id.toString(), round })
    } catch (error) {
      refused(dispute, step, round, error)
    }
  }

  async function claim(dispute: Tracked, round: number, assignment: ChallengeSample['assignment']) {
    try {
      await ensureBond()
      await send('claimChallenge', [dispute.id, BigInt(assignment.issuedAt), assignment.signature])
      dispute.challenger = writer.address
      log.warn({ msg: 'challenge claimed', id: dispute.id.toString(), provider: dispute.provider })
    } catch (error) {
      refused(dispute, 'claiming the challenge', round, error)
    }
  }

  /** Re-executes the disputed request from the opening transaction's calldata: guilty when a clear breach. */
  async function judge(dispute: Tracked, round: number): Promise<boolean> {
    const cached = dispute.verdicts.get(round)
    if (cached !== undefined) return cached
    const disputed = await readDisputed(dispute)
    let guilty = false
    let reasons: string[]
    if (typeof disputed === 'string') {
      reasons = [disputed]
    } else {
      try {
        const verdict = await options.check({ ...disputed, source: 'committee' })
        guilty = verdict.verdict === 'breach'
        reasons = verdict.reasons
      } catch (error) {
        // A request the provider could not have served as a valid request of its kind, or one not
        // re-executed token by token (embeddings): no breach can be shown, so the vote is innocent and the
        // opener's bond pays the committee. Anything else (the model failed to load, ...) is this
        // validator's own failure: no vote now, the next tick tries again.
        if (!(error instanceof ValidatorError && error.code === 'invalid_request')) throw error
        reasons = [error.message]
      }
    }
    dispute.verdicts.set(round, guilty)
    log.info({ msg: 'disputed answer re-executed', id: dispute.id.toString(), round, guilty, reasons })
    return guilty
  }

  /**
   * The disputed receipt, request and answer, from the opening transaction's calldata; a string saying why
   * when they cannot be read there: an opening sent through a contract (its calldata is not `openDispute`'s),
   * calldata of another receipt, or a payload that is not the canonical JSON of a request. Such a dispute
   * shows no breach, so it must cost its opener the bond, never the members a penalty for not voting.
   */
  async function readDisputed(
    dispute: Tracked,
  ): Promise<Omit<Parameters<SampleCheck>[0], 'source'> | string> {
    const tx = await publicClient.getTransaction({ hash: dispute.openTx })
    let opened: readonly [Receipt, Hex, Hex, Hex]
    try {
      const call = decodeFunctionData({ abi: disputesAbi, data: tx.input })
      if (call.functionName !== 'openDispute') throw new Error(`it calls ${call.functionName}`)
      opened = call.args as unknown as readonly [Receipt, Hex, Hex, Hex]
    } catch (error) {
      return `the opening transaction is not a direct openDispute call (${(error as Error).message.split('\n')[0]})`
    }
    const [receipt, , request, response] = opened
    const digest = await read<Hex>('hashReceipt', [receipt])
    if (digest.toLowerCase() !== dispute.receiptDigest.toLowerCase())
      return 'the opening transaction disputes another receipt'
    try {
      const { kind, body } = readDisputedRequest(hexToString(request))
      return { receipt, kind, request: body, response: hexToString(response) }
    } catch (error) {
      return `the disputed payload is not a request: ${(error as Error).message}`
    }
  }

  const salt = (dispute: Tracked, round: number) =>
    voteSalt({
      account: options.account,
      chainId: options.chainId,
      disputes: contracts.disputes,
      id: dispute.id,
      round,
    })

  async function commit(dispute: Tracked, round: number) {
    let guilty: boolean
    try {
      guilty = await judge(dispute, round)
    } catch (error) {
      refused(dispute, 'reading the disputed answer', round, error)
      return
    }
    const commitment = voteCommitment({
      id: dispute.id,
      round,
      member: writer.address,
      guilty,
      salt: await salt(dispute, round),
    })
    await attempt(dispute, round, 'committing a vote', 'commitVote', [dispute.id, commitment])
  }

  /** Reveals the vote whose commitment the contract holds: the salt is recomputed, the verdict matched. */
  async function reveal(dispute: Tracked, round: number, committed: Hex) {
    const mySalt = await salt(dispute, round)
    const base = { id: dispute.id, round, member: writer.address, salt: mySalt }
    const guilty = [true, false].find((vote) => committed === voteCommitment({ ...base, guilty: vote }))
    if (guilty === undefined) {
      refused(
        dispute,
        'revealing a vote',
        round,
        new Error('the commitment on chain matches neither vote with this key'),
      )
      return
    }
    await attempt(dispute, round, 'revealing a vote', 'revealVote', [dispute.id, guilty, mySalt])
  }

  return {
    challenge,
    /** Follows events and acts on each dispute's state; one pass at a time; never rejects. */
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
