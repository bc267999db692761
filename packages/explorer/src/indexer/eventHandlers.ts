import type { Sql } from '@infermesh/node/database'
import {
  disputesAbi,
  emissionsAbi,
  meshTokenAbi,
  modelRegistryAbi,
  paymentsAbi,
  registryAbi,
  uptimeAbi,
} from '@infermesh/protocol'
import { type Abi, type Address, zeroAddress } from 'viem'
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
}

/** For events kept as they are (in `chain_events`) with no derived table to change. */
const keepOnly: EventHandler = async () => {}

const s = (value: unknown) => String(value)
const hardware = (args: EventArgs) => args.hardware as Record<string, string>
const zero = zeroAddress.toLowerCase()

/** Adds to an account's stake columns, creating the row. */
async function addStake(tx: Sql, account: string, stake: string, unbonding: string, slashed = '0') {
  await tx.query(
    `insert into accounts (address, stake, unbonding, slashed) values ($1, $2, $3, $4)
     on conflict (address) do update set stake = accounts.stake + excluded.stake,
       unbonding = accounts.unbonding + excluded.unbonding, slashed = accounts.slashed + excluded.slashed`,
    [account, stake, unbonding, slashed],
  )
}

/** Stake locked by open disputes (`locked` is the account's total after the call). */
async function setLocked(tx: Sql, account: string, locked: string) {
  await tx.query(
    `insert into accounts (address, locked) values ($1, $2)
     on conflict (address) do update set locked = excluded.locked`,
    [account, locked],
  )
}

/**
 * The table of event handlers: for each contract of the deployment, the events the explorer
 * follows and how each one changes the derived tables. A new contract or event is one entry here.
 * The consensus contracts (uptime, disputes, emissions) join when the configuration names them.
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
        StakeLocked: (tx, { args }) => setLocked(tx, s(args.account), s(args.locked)),
        StakeUnlocked: (tx, { args }) => setLocked(tx, s(args.account), s(args.locked)),
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
        },
      },
    },
    {
      name: 'payments',
      address: contracts.payments,
      abi: paymentsAbi as Abi,
      handlers: {
        Redeemed: async (tx, { args }) => {
          const amount = BigInt(s(args.amount))
          const burned = BigInt(s(args.burned))
          const royalty = BigInt(s(args.royalty))
          await tx.query(
            `insert into earnings (provider, model_id, redemptions, amount, burned, royalty, earned) values ($1, $2, 1, $3, $4, $5, $6)
             on conflict (provider, model_id) do update set redemptions = earnings.redemptions + 1,
               amount = earnings.amount + excluded.amount, burned = earnings.burned + excluded.burned,
               royalty = earnings.royalty + excluded.royalty, earned = earnings.earned + excluded.earned`,
            [args.provider, args.modelId, amount, burned, royalty, amount - burned - royalty].map(String),
          )
        },
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
        DisputeOpened: async (tx, event) => {
          const { args } = event
          await tx.query(
            `insert into disputes (id, provider, challenger, model_id, slash_amount, bond, status, opened_block, opened_at)
             values ($1, $2, $3, $4, $5, $6, 'open', $7, $8) on conflict (id) do nothing`,
            [
              args.id,
              args.provider,
              args.challenger,
              args.modelId,
              args.slashAmount,
              args.bond,
              event.blockNumber.toString(),
              event.timestamp,
            ],
          )
        },
        CommitteeDrawn: async (tx, { args }) => {
          await tx.query(
            `update disputes set status = 'voting', members = $2, voting_ends = to_timestamp($3) where id = $1`,
            [args.id, JSON.stringify(args.members), Number(args.votingEnds)],
          )
        },
        Voted: async (tx, event) => {
          await tx.query(
            `insert into dispute_votes (dispute_id, member, guilty, at) values ($1, $2, $3, $4)
             on conflict do nothing`,
            [event.args.id, event.args.member, event.args.guilty, event.timestamp],
          )
        },
        DisputeResolved: async (tx, event) => {
          const { args } = event
          await tx.query(
            `update disputes set status = 'resolved', guilty = $2, slashed = $3, challenger_reward = $4,
               absentees = $5, resolved_at = $6 where id = $1`,
            [args.id, args.guilty, args.slashed, args.challengerReward, args.absentees, event.timestamp],
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
  return table
}
