import type { Sql } from '@infermesh/node/database'
import {
  disputesAbi,
  emissionsAbi,
  jobCoordinatorAbi,
  meshTokenAbi,
  modelRegistryAbi,
  modelSharesAbi,
  modelSharesFactoryAbi,
  paymentsAbi,
  registryAbi,
  shareOfferingAbi,
  uptimeAbi,
  VERIFICATION_MODEL_ID,
  verificationFeesAbi,
} from '@infermesh/protocol'
import { type Abi, type Address, zeroAddress } from 'viem'
import { sanitizeText } from '../db/sanitizeText.js'
import type { ExplorerConfig } from '../explorerConfig.js'

/** JSON form of an event's arguments: integers as decimal strings, addresses lower-case. */
export type EventArgs = Record<string, string | boolean | string[] | Record<string, string>>

/** A decoded event as the indexer stores it and hands it to handlers (live and on replay alike). */
export type IndexedEvent = {
  contract: string
  name: string
  args: EventArgs
  blockNumber: bigint
  logIndex: number
  blockHash: string
  txHash: string
  timestamp: Date
}

/** Folds one event into the derived tables, inside the indexer's transaction. */
export type EventHandler = (tx: Sql, event: IndexedEvent) => Promise<void>

/** One contract's events the explorer follows: its ABI, a handler per event name, what to keep. */
export type ContractHandlers = {
  name: string
  address: Address
  abi: Abi
  handlers: Record<string, EventHandler>
  /** Whether to keep an event (e.g. only mints and burns among the token's transfers). Default: all handled. */
  keep?: (event: Pick<IndexedEvent, 'name' | 'args'>) => boolean
  /**
   * Contracts an event of this one created, to follow from then on (the share token and offering of a
   * ModelSharesFactory.SharesCreated). Each needs a unique `name`; called live, on restart and on replay.
   */
  spawns?: (event: Pick<IndexedEvent, 'name' | 'args'>) => ContractHandlers[]
}

/** For events kept as they are (in `chain_events`) with no derived table to change. */
const keepOnly: EventHandler = async () => {}

const s = (value: unknown) => String(value)
const hardware = (args: EventArgs) => args.hardware as Record<string, string>
const zero = zeroAddress.toLowerCase()
const verificationModel = VERIFICATION_MODEL_ID.toLowerCase()

/** Adds to an account's stake columns, creating the row. */
async function addStake(tx: Sql, account: string, stake: string, unbonding: string, slashed = '0') {
  await tx.query(
    `insert into accounts (address, stake, unbonding, slashed) values ($1, $2, $3, $4)
     on conflict (address) do update set stake = accounts.stake + excluded.stake,
       unbonding = accounts.unbonding + excluded.unbonding, slashed = accounts.slashed + excluded.slashed`,
    [account, stake, unbonding, slashed],
  )
}

/** Open disputes freezing an account's stake (`count` is Registry.frozenOf after the call). */
async function setFrozen(tx: Sql, account: string, count: string) {
  await tx.query(
    `insert into accounts (address, frozen) values ($1, $2)
     on conflict (address) do update set frozen = excluded.frozen`,
    [account, count],
  )
}

/**
 * The most entries of an array argument the explorer keeps (committee members, a validator's models):
 * the contracts cap them far lower (21 members, 16 models); a contract emitting the same events with
 * any data cannot make one event cost unbounded work.
 */
export const maxEventArrayLength = 64
/** The latest time stored (9999-12-31T23:59:59Z): a uint64 of seconds beyond it is kept as it. */
const maxTimestampSeconds = 253_402_300_799n

/** Unix seconds from an event, bounded to what a timestamp column holds. */
const seconds = (value: unknown) => {
  const n = BigInt(s(value))
  return Number(n > maxTimestampSeconds ? maxTimestampSeconds : n)
}
/** An array argument, at most `maxEventArrayLength` entries. */
const list = (value: unknown) => (Array.isArray(value) ? value.slice(0, maxEventArrayLength).map(s) : [])
/** Disputes.Outcome as stored: 1 guilty, 2 innocent, 3 void (0 or anything else: unknown). */
const outcomes: Record<string, string> = { '1': 'guilty', '2': 'innocent', '3': 'void' }

/**
 * The table of event handlers: for each contract of the deployment, the events the explorer
 * follows and how each one changes the derived tables. A new contract or event is one entry here.
 * The consensus contracts (uptime, disputes, emissions, verificationFees) join when the configuration
 * names them.
 */
export function createEventHandlers(contracts: ExplorerConfig['chain']['contracts']): ContractHandlers[] {
  const table: ContractHandlers[] = [
    {
      name: 'token',
      address: contracts.token,
      abi: meshTokenAbi as Abi,
      // Only mints and burns: the supply's history. Other transfers are not the explorer's business.
      keep: ({ name, args }) => name === 'Transfer' && (args.from === zero || args.to === zero),
      handlers: { Transfer: keepOnly },
    },
    {
      name: 'registry',
      address: contracts.registry,
      abi: registryAbi as Abi,
      handlers: {
        Staked: async (tx, { args }) => {
          // `stake` is the account's stake after the call.
          await tx.query(
            `insert into accounts (address, stake) values ($1, $2)
             on conflict (address) do update set stake = excluded.stake`,
            [args.account, s(args.stake)],
          )
        },
        UnstakeRequested: async (tx, { args }) => {
          await addStake(tx, s(args.account), `-${args.amount}`, '0')
          await tx.query('update accounts set unbonding = $2 where address = $1', [
            args.account,
            s(args.unbonding),
          ])
        },
        StakeWithdrawn: (tx, { args }) => addStake(tx, s(args.account), '0', `-${args.amount}`),
        Slashed: (tx, { args }) =>
          addStake(
            tx,
            s(args.account),
            `-${args.fromStake}`,
            `-${args.fromUnbonding}`,
            (BigInt(s(args.fromStake)) + BigInt(s(args.fromUnbonding))).toString(),
          ),
        MinStakeSet: async (tx, { args }) => {
          await tx.query(
            `insert into parameters (name, value) values ('minStake', $1)
             on conflict (name) do update set value = excluded.value`,
            [s(args.minStake)],
          )
        },
        StakeFrozen: (tx, { args }) => setFrozen(tx, s(args.account), s(args.count)),
        StakeUnfrozen: (tx, { args }) => setFrozen(tx, s(args.account), s(args.count)),
        // The set replaces the previous one (unregistering clears it).
        ValidatorModelsSet: async (tx, { args }) => {
          await tx.query('delete from validator_models where validator = $1', [args.validator])
          for (const modelId of new Set(list(args.modelIds)))
            await tx.query('insert into validator_models (validator, model_id) values ($1, $2)', [
              args.validator,
              modelId,
            ])
        },
        ProviderRegistered: async (tx, event) => {
          const hw = hardware(event.args)
          await tx.query(
            `insert into providers (address, active, endpoint, region, gpu_model, gpu_count, vram_mb, cpu_cores, ram_mb, registered_block, registered_at)
             values ($1, true, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             on conflict (address) do update set active = true, endpoint = excluded.endpoint, region = excluded.region,
               gpu_model = excluded.gpu_model, gpu_count = excluded.gpu_count, vram_mb = excluded.vram_mb,
               cpu_cores = excluded.cpu_cores, ram_mb = excluded.ram_mb,
               registered_block = excluded.registered_block, registered_at = excluded.registered_at`,
            [
              event.args.provider,
              event.args.endpoint,
              event.args.region,
              hw.gpuModel,
              hw.gpuCount,
              hw.vramMb,
              hw.cpuCores,
              hw.ramMb,
              event.blockNumber.toString(),
              event.timestamp,
            ],
          )
        },
        ProviderUpdated: async (tx, { args }) => {
          const hw = hardware(args)
          await tx.query(
            `update providers set endpoint = $2, region = $3, gpu_model = $4, gpu_count = $5, vram_mb = $6,
               cpu_cores = $7, ram_mb = $8 where address = $1`,
            [
              args.provider,
              args.endpoint,
              args.region,
              hw.gpuModel,
              hw.gpuCount,
              hw.vramMb,
              hw.cpuCores,
              hw.ramMb,
            ],
          )
        },
        ProviderUnregistered: async (tx, { args }) => {
          await tx.query('update providers set active = false where address = $1', [args.provider])
          await tx.query('delete from offers where provider = $1', [args.provider])
        },
        OfferSet: async (tx, { args }) => {
          await tx.query(
            `insert into offers (provider, model_id, price_in, price_out) values ($1, $2, $3, $4)
             on conflict (provider, model_id) do update set price_in = excluded.price_in, price_out = excluded.price_out`,
            [args.provider, args.modelId, s(args.pricePerMInput), s(args.pricePerMOutput)],
          )
        },
        OfferRemoved: async (tx, { args }) => {
          await tx.query('delete from offers where provider = $1 and model_id = $2', [
            args.provider,
            args.modelId,
          ])
        },
        ValidatorRegistered: async (tx, { args }) => {
          await tx.query(
            `insert into validators (address, active, endpoint) values ($1, true, $2)
             on conflict (address) do update set active = true, endpoint = excluded.endpoint`,
            [args.validator, args.endpoint],
          )
        },
        ValidatorUnregistered: async (tx, { args }) => {
          await tx.query('update validators set active = false where address = $1', [args.validator])
          await tx.query('delete from validator_models where validator = $1', [args.validator])
        },
      },
    },
    {
      name: 'payments',
      address: contracts.payments,
      abi: paymentsAbi as Abi,
      handlers: {
        // A voucher redeemed, or a payment through `payFor` (an on-chain job's escrow, settled): split the
        // same way, so both count the same in earnings, royalties and sample fees.
        Redeemed: (tx, { args }) => bookPayment(tx, args),
        Paid: (tx, { args }) => bookPayment(tx, args),
        Deposited: keepOnly,
        Withdrawn: keepOnly,
        WithdrawRequested: keepOnly,
        Shortfall: keepOnly,
        RoyaltiesClaimed: keepOnly,
        // Deposits reserved per provider, and what a batch could not pay (with the reason's selector).
        Allocated: keepOnly,
        ReleaseRequested: keepOnly,
        ReleaseCancelled: keepOnly,
        Released: keepOnly,
        RedeemSkipped: keepOnly,
        // Redeemed.burned is booked in Payments (pendingBurn) until someone flushes it to MESH's supply:
        // the overview's total burned is Transfers to 0 plus Σ Redeemed.burned − Σ BurnFlushed.amount.
        BurnFlushed: keepOnly,
        // The share of a flush that went to VerificationFees instead of being burned (its FeesFunded).
        BurnShared: keepOnly,
      },
    },
    {
      name: 'models',
      address: contracts.models,
      abi: modelRegistryAbi as Abi,
      handlers: {
        // royaltyBps is the rate in force, 0 at registration: a first royalty is a rise, which follows
        // as RoyaltyIncreaseScheduled and applies at its effectiveAt without an event (readModels).
        ModelRegistered: async (tx, event) => {
          const { args } = event
          await tx.query(
            `insert into models (model_id, name, uri, owner, royalty_bps, royalty_receiver, registered_at)
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (model_id) do nothing`,
            [
              args.modelId,
              args.name,
              args.uri,
              args.owner,
              args.royaltyBps,
              args.royaltyReceiver,
              event.timestamp,
            ],
          )
        },
        ModelUpdated: async (tx, { args }) => {
          await tx.query('update models set name = $2, uri = $3 where model_id = $1', [
            args.modelId,
            args.name,
            args.uri,
          ])
        },
        RoyaltySet: async (tx, { args }) => {
          await tx.query('update models set royalty_bps = $2, royalty_receiver = $3 where model_id = $1', [
            args.modelId,
            args.royaltyBps,
            args.royaltyReceiver,
          ])
        },
        ModelTransferred: async (tx, { args }) => {
          await tx.query('update models set owner = $2 where model_id = $1', [args.modelId, args.to])
        },
        RoyaltyIncreaseScheduled: keepOnly,
        // The owner's reassignment also emits ModelTransferred and RoyaltySet(0): the tables follow those.
        ModelReassigned: keepOnly,
      },
    },
  ]
  if (contracts.uptime)
    table.push({
      name: 'uptime',
      address: contracts.uptime,
      abi: uptimeAbi as Abi,
      handlers: {
        EpochScore: async (tx, { args }) => {
          await tx.query(
            `insert into uptime_scores (epoch, provider, score, active) values ($1, $2, $3, $4)
             on conflict (epoch, provider) do update set score = excluded.score, active = excluded.active`,
            [args.epoch, args.provider, args.score, args.active],
          )
        },
        // The floor below which a provider is inactive; the one set at deployment has no event.
        FloorSet: async (tx, { args }) => {
          await tx.query(
            `insert into parameters (name, value) values ('uptimeFloor', $1)
             on conflict (name) do update set value = excluded.value`,
            [s(args.floor)],
          )
        },
      },
    })
  if (contracts.disputes)
    table.push({
      name: 'disputes',
      address: contracts.disputes,
      abi: disputesAbi as Abi,
      handlers: {
        // `assigned` is false until ChallengerAssignedBySample (same transaction) or ChallengeClaimed says so.
        DisputeOpened: async (tx, event) => {
          const { args } = event
          await tx.query(
            `insert into disputes (id, provider, challenger, model_id, slash_amount, bond, assigned, status, draw_block,
               opened_block, opened_at)
             values ($1, $2, $3, $4, $5, $6, false, 'open', $7, $8, $9) on conflict (id) do nothing`,
            [
              args.id,
              args.provider,
              args.challenger,
              args.modelId,
              args.slashAmount,
              args.bond,
              args.drawBlock,
              event.blockNumber.toString(),
              event.timestamp,
            ],
          )
        },
        // The challenger is the validator the payer's sample signature named: only it earns a reward.
        ChallengerAssignedBySample: async (tx, { args }) => {
          await tx.query('update disputes set assigned = true where id = $1 and challenger = $2', [
            args.id,
            args.challenger,
          ])
        },
        // A round's committee: members who revealed in earlier rounds keep their seats and are not in it.
        CommitteeDrawn: async (tx, event) => {
          const { args } = event
          const round = [
            args.id,
            args.round,
            JSON.stringify(list(args.members)),
            seconds(args.commitEnds),
            seconds(args.revealEnds),
          ]
          await tx.query(
            `insert into dispute_rounds (dispute_id, round, members, commit_ends, reveal_ends, drawn_at)
             values ($1, $2, $3, to_timestamp($4), to_timestamp($5), $6)
             on conflict (dispute_id, round) do update set members = excluded.members,
               commit_ends = excluded.commit_ends, reveal_ends = excluded.reveal_ends, drawn_at = excluded.drawn_at`,
            [...round, event.timestamp],
          )
          await tx.query(
            `update disputes set status = 'voting', round = $2, members = members || $3::jsonb,
               commit_ends = to_timestamp($4), reveal_ends = to_timestamp($5) where id = $1`,
            round,
          )
        },
        VoteCommitted: async (tx, event) => {
          await tx.query(
            `insert into dispute_votes (dispute_id, member, round, committed_at)
             values ($1, $2, coalesce((select round from disputes where id = $1), 0), $3)
             on conflict (dispute_id, member) do update set committed_at = excluded.committed_at`,
            [event.args.id, event.args.member, event.timestamp],
          )
        },
        VoteRevealed: async (tx, event) => {
          await tx.query(
            `insert into dispute_votes (dispute_id, member, round, guilty, revealed_at)
             values ($1, $2, coalesce((select round from disputes where id = $1), 0), $3, $4)
             on conflict (dispute_id, member) do update set guilty = excluded.guilty, revealed_at = excluded.revealed_at`,
            [event.args.id, event.args.member, event.args.guilty, event.timestamp],
          )
        },
        // No majority of the full committee yet: the round's absentees lost their seats, a new draw follows.
        RoundEscalated: async (tx, event) => {
          const { args } = event
          await tx.query(
            `update dispute_rounds set escalated_at = $2 where dispute_id = $1 and round = (
               select round from disputes where id = $1)`,
            [args.id, event.timestamp],
          )
          await tx.query(`update disputes set status = 'escalated', draw_block = $2 where id = $1`, [
            args.id,
            args.drawBlock,
          ])
        },
        // A member who did not reveal in its round owes `penalty` of its stake: its stake stays frozen until
        // someone calls collectPenalty, which burns it (PenaltyCollected, and the Registry's Slashed).
        AbsenteePenalized: async (tx, { args }) => {
          await tx.query(
            `insert into dispute_votes (dispute_id, member, round, penalty) values ($1, $2, $3, $4)
             on conflict (dispute_id, member) do update set penalty = excluded.penalty`,
            [args.id, args.member, args.round, args.penalty],
          )
        },
        PenaltyCollected: keepOnly,
        // The draw block's hash was out of reach (256 blocks): a later block seeds the draw.
        DrawRearmed: async (tx, { args }) => {
          await tx.query('update disputes set draw_block = $2 where id = $1', [args.id, args.drawBlock])
        },
        // The validator the payer's sample named took the challenge over (the previous bond refunded).
        ChallengeClaimed: async (tx, { args }) => {
          await tx.query('update disputes set challenger = $2, assigned = true where id = $1', [
            args.id,
            args.challenger,
          ])
        },
        DisputeResolved: async (tx, event) => {
          const { args } = event
          const outcome = outcomes[s(args.outcome)] ?? 'unknown'
          await tx.query(
            `update disputes set status = 'resolved', outcome = $2, guilty = $3, slashed = $4, challenger_reward = $5,
               bond_to_committee = $6, absentees = $7, resolved_at = $8 where id = $1`,
            [
              args.id,
              outcome,
              outcome === 'guilty',
              args.slashed,
              args.challengerReward,
              args.bondToCommittee,
              args.absentees,
              event.timestamp,
            ],
          )
        },
      },
    })
  if (contracts.emissions)
    table.push({
      name: 'emissions',
      address: contracts.emissions,
      abi: emissionsAbi as Abi,
      handlers: {
        Claimed: async (tx, { args }) => {
          await tx.query(
            `insert into emission_claims (epoch, account, availability, work, validation) values ($1, $2, $3, $4, $5)
             on conflict (epoch, account) do nothing`,
            [args.epoch, args.account, s(args.availability), s(args.work), s(args.validation)],
          )
        },
      },
    })
  if (contracts.verificationFees)
    table.push({
      name: 'verificationFees',
      address: contracts.verificationFees,
      abi: verificationFeesAbi as Abi,
      handlers: {
        FeesFunded: (tx, { args }) => bookFees(tx, s(args.epoch), s(args.amount), 'funded'),
        VotesCredited: async (tx, { args }) => {
          await bookFees(tx, s(args.epoch), '0', 'funded')
          await tx.query('update fee_epochs set votes = votes + $2 where epoch = $1', [
            args.epoch,
            args.votes,
          ])
          await tx.query(
            `insert into fee_shares (epoch, validator, votes) values ($1, $2, $3)
             on conflict (epoch, validator) do update set votes = fee_shares.votes + excluded.votes`,
            [args.epoch, args.validator, args.votes],
          )
        },
        FeesClaimed: async (tx, { args }) => {
          await tx.query(
            `insert into fee_shares (epoch, validator, claimed) values ($1, $2, $3)
             on conflict (epoch, validator) do update set claimed = coalesce(fee_shares.claimed, 0) + excluded.claimed`,
            [args.epoch, args.validator, s(args.amount)],
          )
          await tx.query('update fee_epochs set claimed = claimed + $2 where epoch = $1', [
            args.epoch,
            s(args.amount),
          ])
        },
        FeesRolledOver: async (tx, { args }) => {
          await tx.query(
            `update fee_epochs set rolled_out = coalesce(rolled_out, 0) + $2, rolled_to = $3 where epoch = $1`,
            [args.fromEpoch, s(args.amount), args.toEpoch],
          )
          await bookFees(tx, s(args.toEpoch), s(args.amount), 'rolled_in')
        },
        // The cap an epoch takes at its first booking; the constructor emits the first one.
        MaxFeePerVoteSet: async (tx, { args }) => {
          await tx.query(
            `insert into parameters (name, value) values ('maxFeePerVote', $1)
             on conflict (name) do update set value = excluded.value`,
            [s(args.maxFeePerVote)],
          )
        },
        DisputesSet: keepOnly,
      },
    })
  if (contracts.modelSharesFactory)
    table.push({
      name: 'modelSharesFactory',
      address: contracts.modelSharesFactory,
      abi: modelSharesFactoryAbi as Abi,
      handlers: {
        SharesCreated: async (tx, event) => {
          const { args } = event
          const terms = args.terms as Record<string, string>
          await tx.query(
            `insert into model_shares (model_id, shares, offering, owner, name, symbol, total_supply, shares_offered,
               start_price, floor_price, start_at, end_at, min_raise, min_royalty_bps, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             on conflict (model_id) do nothing`,
            [
              s(args.modelId).toLowerCase(),
              args.shares,
              args.offering,
              args.owner,
              args.name,
              args.symbol,
              s(args.totalSupply),
              s(terms.sharesOffered),
              s(terms.startPrice),
              s(terms.floorPrice),
              s(terms.start),
              s(terms.end),
              s(terms.minRaise),
              Number(terms.minRoyaltyBps),
              event.timestamp,
            ],
          )
        },
      },
      spawns: ({ name, args }) =>
        name !== 'SharesCreated'
          ? []
          : [
              shareTokenHandlers(s(args.shares) as Address),
              ...(args.offering === zero ? [] : [offeringHandlers(s(args.offering) as Address)]),
            ],
    })
  if (contracts.jobCoordinator)
    table.push({
      name: 'jobCoordinator',
      address: contracts.jobCoordinator,
      abi: jobCoordinatorAbi as Abi,
      handlers: {
        JobRequested: async (tx, event) => {
          const { args } = event
          await tx.query(
            `insert into jobs (id, requester, model_id, subscription_id, status, input, max_tokens, temperature_milli,
               seed, max_payment, callback_gas_limit, deadline, requested_block, requested_at)
             values ($1, $2, $3, $4, 'requested', $5, $6, $7, $8, $9, $10, to_timestamp($11), $12, $13)
             on conflict (id) do nothing`,
            [
              args.jobId,
              args.requester,
              args.modelId,
              args.subscriptionId,
              bytesText(args.input),
              args.maxTokens,
              args.temperatureMilli,
              args.seed,
              args.maxPayment,
              args.callbackGasLimit,
              seconds(args.deadline),
              event.blockNumber.toString(),
              event.timestamp,
            ],
          )
        },
        JobAssigned: async (tx, event) => {
          const { args } = event
          await tx.query(
            `update jobs set status = 'assigned', provider = $2, attempts = $3, respond_by = to_timestamp($4),
               assigned_at = $5 where id = $1`,
            [args.jobId, args.provider, Number(s(args.attempt)), seconds(args.respondBy), event.timestamp],
          )
        },
        JobDeclined: async (tx, { args }) => {
          await tx.query(
            `update jobs set status = 'requested', provider = null,
               declined = declined || jsonb_build_array($2::text) where id = $1`,
            [args.jobId, args.provider],
          )
        },
        DeadlineMissed: async (tx, { args }) => {
          await tx.query(
            `update jobs set status = 'requested', provider = null,
               missed = missed || jsonb_build_array(jsonb_build_object('provider', $2::text, 'penalty', $3::text))
             where id = $1`,
            [args.jobId, args.provider, s(args.penalty)],
          )
        },
        JobDelivered: async (tx, event) => {
          const { args } = event
          const receipt = args.receipt as Record<string, string>
          await tx.query(
            `update jobs set status = 'delivered', provider = $2, output = $3, receipt_digest = $4, input_tokens = $5,
               output_tokens = $6, cost = $7, delivered_at = $8, delivered_tx = $9 where id = $1`,
            [
              args.jobId,
              args.provider,
              bytesText(args.output),
              args.receiptDigest,
              receipt.inputTokens,
              receipt.outputTokens,
              receipt.cost,
              event.timestamp,
              event.txHash,
            ],
          )
        },
        CallbackResult: async (tx, { args }) => {
          await tx.query('update jobs set callback_success = $2 where id = $1', [
            args.jobId,
            args.success === true,
          ])
        },
        JobSettled: async (tx, event) => {
          const { args } = event
          await tx.query(`update jobs set status = 'settled', refund = $2, closed_at = $3 where id = $1`, [
            args.jobId,
            s(args.refund),
            event.timestamp,
          ])
        },
        JobRefunded: async (tx, event) => {
          const { args } = event
          await tx.query(
            `update jobs set status = 'refunded', refund = $2, refund_reason = $3, closed_at = $4 where id = $1`,
            [args.jobId, s(args.amount), bytes32Text(args.reason), event.timestamp],
          )
        },
      },
    })
  return table
}

/**
 * Books one payment (a redemption, or a `payFor`): to the provider's earnings on the model, or, on the
 * reserved verification model, to the validator's sample fees (its `provider` is the validator paid for
 * checking samples: not a provider's work on a model).
 */
async function bookPayment(tx: Sql, args: EventArgs) {
  const amount = BigInt(s(args.amount))
  const burned = BigInt(s(args.burned))
  const royalty = BigInt(s(args.royalty))
  const figures = [amount, burned, royalty, amount - burned - royalty].map(String)
  if (s(args.modelId).toLowerCase() === verificationModel) {
    await tx.query(
      `insert into sample_fees (validator, redemptions, amount, burned, royalty, earned) values ($1, 1, $2, $3, $4, $5)
       on conflict (validator) do update set redemptions = sample_fees.redemptions + 1,
         amount = sample_fees.amount + excluded.amount, burned = sample_fees.burned + excluded.burned,
         royalty = sample_fees.royalty + excluded.royalty, earned = sample_fees.earned + excluded.earned`,
      [s(args.provider), ...figures],
    )
    return
  }
  await tx.query(
    `insert into earnings (provider, model_id, redemptions, amount, burned, royalty, earned) values ($1, $2, 1, $3, $4, $5, $6)
     on conflict (provider, model_id) do update set redemptions = earnings.redemptions + 1,
       amount = earnings.amount + excluded.amount, burned = earnings.burned + excluded.burned,
       royalty = earnings.royalty + excluded.royalty, earned = earnings.earned + excluded.earned`,
    [s(args.provider), s(args.modelId), ...figures],
  )
}

/** The most characters of a job's input or output the explorer keeps (the whole bytes are in the logs). */
export const maxJobTextLength = 1000

/** Bytes (0x hex, possibly cut by the indexer) as text: UTF-8, bad sequences as U+FFFD, at most maxJobTextLength. */
function bytesText(value: unknown): string {
  const hex = s(value)
    .replace(/^0x/, '')
    .replace(/[^0-9a-fA-F]/g, '')
  const bytes = Buffer.from(hex.slice(0, hex.length - (hex.length % 2)), 'hex')
  return sanitizeText(bytes.toString('utf8'), maxJobTextLength)
}

/** A bytes32 holding a short ASCII word (a refund's reason: "guilty", "expired", …). */
function bytes32Text(value: unknown): string {
  const bytes = Buffer.from(s(value).replace(/^0x/, '').slice(0, 64), 'hex')
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0) end--
  return sanitizeText(bytes.subarray(0, end).toString('utf8'), 64)
}

/** Adds `amount` (negative to take) to a holder's balance of a share token. */
async function addShares(tx: Sql, shares: string, holder: string, amount: string) {
  if (holder === zero) return
  await tx.query(
    `insert into share_balances (shares, holder, balance) values ($1, $2, $3)
     on conflict (shares, holder) do update set balance = share_balances.balance + excluded.balance`,
    [shares, holder, amount],
  )
}

/** A model's share token (created by the factory): balances from Transfer, claims from Claimed. */
function shareTokenHandlers(address: Address): ContractHandlers {
  const shares = address.toLowerCase()
  return {
    name: `modelShares:${shares}`,
    address,
    abi: modelSharesAbi as Abi,
    handlers: {
      Transfer: async (tx, { args }) => {
        await addShares(tx, shares, s(args.from), `-${args.value}`)
        await addShares(tx, shares, s(args.to), s(args.value))
      },
      Claimed: async (tx, { args }) => {
        await tx.query('update model_shares set claimed = claimed + $2 where shares = $1', [
          shares,
          s(args.amount),
        ])
      },
      IncomeBooked: keepOnly,
    },
  }
}

/** A model's share offering (created by the factory): raised, sold, outcome, refunds and deliveries. */
function offeringHandlers(address: Address): ContractHandlers {
  const offering = address.toLowerCase()
  const add = (column: 'raised' | 'sold' | 'refunded' | 'delivered', amount: unknown) => (tx: Sql) =>
    tx.query(`update model_shares set ${column} = ${column} + $2 where offering = $1`, [offering, s(amount)])
  return {
    name: `shareOffering:${offering}`,
    address,
    abi: shareOfferingAbi as Abi,
    handlers: {
      Bought: async (tx, { args }) => {
        await add('raised', args.cost)(tx)
        await add('sold', args.shares)(tx)
      },
      Finalized: async (tx, { args }) => {
        await tx.query('update model_shares set outcome = $2 where offering = $1', [
          offering,
          args.succeeded ? 'succeeded' : 'failed',
        ])
      },
      Refunded: async (tx, { args }) => {
        await add('refunded', args.amount)(tx)
      },
      SharesDelivered: async (tx, { args }) => {
        await add('delivered', args.shares)(tx)
      },
      RoyaltiesForwarded: keepOnly,
    },
  }
}

/**
 * Adds `amount` to an epoch's pool (`funded`, or `rolled_in` for a roll-over), creating its row at its
 * first booking (fund, credit or roll-over in) with the cap in force then, as VerificationFees does.
 */
async function bookFees(tx: Sql, epoch: string, amount: string, column: 'funded' | 'rolled_in') {
  await tx.query(
    `insert into fee_epochs (epoch, ${column}, cap)
     values ($1, $2, (select value::numeric from parameters where name = 'maxFeePerVote'))
     on conflict (epoch) do update set ${column} = fee_epochs.${column} + excluded.${column}`,
    [epoch, amount],
  )
}
