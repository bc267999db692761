import type { Sql } from '@infermesh/node/database'

/**
 * Tables the indexer derives from the chain's events. They are a pure function of `chain_events`
 * (in block and log order), so after a reorg they are emptied and rebuilt from the events kept.
 */
export const derivedTables = [
  'accounts',
  'providers',
  'offers',
  'validators',
  'validator_models',
  'models',
  'earnings',
  'disputes',
  'dispute_rounds',
  'dispute_votes',
  'uptime_scores',
  'emission_claims',
  'fee_epochs',
  'fee_shares',
  'sample_fees',
  'jobs',
  'parameters',
  'model_shares',
  'share_balances',
] as const

/**
 * The version of what the indexer keeps and derives. Bump it when a handler or a derived table
 * changes: at the next start, the chain's part of the database is dropped and indexed again from the
 * deployment's block (probes, validator reports and profiles are kept).
 */
export const indexVersion = 7

/** Everything indexed from the chain: dropped and rebuilt when `indexVersion` changes. */
const chainTables = [
  'chain_events',
  'indexed_blocks',
  'indexer_cursor',
  'quarantined_events',
  ...derivedTables,
] as const

const statements = [
  `create table if not exists explorer_meta (
    key text primary key,
    value text not null
  )`,
  // The indexer's position: the last block whose events are all in the database, and its hash.
  `create table if not exists indexer_cursor (
    id integer primary key check (id = 1),
    block_number bigint not null,
    block_hash text not null
  )`,
  // Headers of indexed blocks (those with events, and each batch's last block): reorg detection.
  `create table if not exists indexed_blocks (
    number bigint primary key,
    hash text not null,
    parent_hash text not null,
    timestamp timestamptz not null
  )`,
  // Every decoded event the explorer keeps, arguments as JSON (integers as decimal strings).
  `create table if not exists chain_events (
    block_number bigint not null,
    log_index integer not null,
    block_hash text not null,
    tx_hash text not null,
    contract text not null,
    name text not null,
    args jsonb not null,
    timestamp timestamptz not null,
    primary key (block_number, log_index)
  )`,
  'create index if not exists chain_events_by_name on chain_events (name, block_number)',
  // Events left out of the index because storing or folding them failed again and again (see
  // createIndexer): the cursor moves on without them. Emptied with the chain's part of the database.
  `create table if not exists quarantined_events (
    block_number bigint not null,
    log_index integer not null,
    block_hash text not null,
    tx_hash text not null,
    contract text not null,
    name text not null,
    error text not null,
    attempts integer not null,
    at timestamptz not null,
    primary key (block_number, log_index)
  )`,
  `create table if not exists accounts (
    address text primary key,
    stake numeric(78, 0) not null default 0,
    unbonding numeric(78, 0) not null default 0,
    slashed numeric(78, 0) not null default 0,
    -- Registry.frozenOf: open disputes against the account (its stake cannot be withdrawn meanwhile).
    frozen numeric(78, 0) not null default 0
  )`,
  `create table if not exists providers (
    address text primary key,
    active boolean not null,
    endpoint text not null,
    region text not null,
    gpu_model text not null,
    gpu_count integer not null,
    vram_mb bigint not null,
    cpu_cores integer not null,
    ram_mb bigint not null,
    registered_block bigint not null,
    registered_at timestamptz not null
  )`,
  `create table if not exists offers (
    provider text not null,
    model_id text not null,
    price_in numeric(78, 0) not null,
    price_out numeric(78, 0) not null,
    primary key (provider, model_id)
  )`,
  `create table if not exists validators (
    address text primary key,
    active boolean not null,
    endpoint text not null
  )`,
  // Registry.ValidatorModelsSet: the model ids each validator declared it can re-execute (its draws).
  `create table if not exists validator_models (
    validator text not null,
    model_id text not null,
    primary key (validator, model_id)
  )`,
  `create table if not exists models (
    model_id text primary key,
    name text not null,
    uri text not null,
    owner text not null,
    royalty_bps integer not null,
    royalty_receiver text not null,
    registered_at timestamptz not null
  )`,
  // Per provider and model: what redemptions paid (Payments.Redeemed).
  `create table if not exists earnings (
    provider text not null,
    model_id text not null,
    redemptions integer not null default 0,
    amount numeric(78, 0) not null default 0,
    burned numeric(78, 0) not null default 0,
    royalty numeric(78, 0) not null default 0,
    earned numeric(78, 0) not null default 0,
    primary key (provider, model_id)
  )`,
  // Per model: its revenue-share token and offering (ModelSharesFactory.SharesCreated), the offering's
  // totals (ShareOffering events) and what holders claimed (ModelShares.Claimed).
  `create table if not exists model_shares (
    model_id text primary key,
    shares text not null,
    offering text not null,
    owner text not null,
    name text not null,
    symbol text not null,
    total_supply numeric(78, 0) not null,
    shares_offered numeric(78, 0) not null,
    start_price numeric(78, 0) not null,
    floor_price numeric(78, 0) not null,
    start_at numeric(78, 0) not null,
    end_at numeric(78, 0) not null,
    min_raise numeric(78, 0) not null,
    min_royalty_bps integer not null,
    raised numeric(78, 0) not null default 0,
    sold numeric(78, 0) not null default 0,
    refunded numeric(78, 0) not null default 0,
    delivered numeric(78, 0) not null default 0,
    outcome text,
    claimed numeric(78, 0) not null default 0,
    created_at timestamptz not null
  )`,
  // Balances of every model share token, from its Transfer events.
  `create table if not exists share_balances (
    shares text not null,
    holder text not null,
    balance numeric(78, 0) not null default 0,
    primary key (shares, holder)
  )`,
  // One row per dispute; round, commit_ends and reveal_ends are its current round's (see dispute_rounds).
  `create table if not exists disputes (
    id numeric(78, 0) primary key,
    provider text not null,
    challenger text not null,
    model_id text not null,
    slash_amount numeric(78, 0) not null,
    bond numeric(78, 0) not null,
    assigned boolean,
    status text not null,
    round integer not null default 0,
    draw_block numeric(78, 0),
    members jsonb not null default '[]',
    commit_ends timestamptz,
    reveal_ends timestamptz,
    outcome text,
    guilty boolean,
    slashed numeric(78, 0),
    challenger_reward numeric(78, 0),
    bond_to_committee numeric(78, 0),
    absentees numeric(78, 0),
    opened_block bigint not null,
    opened_at timestamptz not null,
    resolved_at timestamptz
  )`,
  // Each committee drawn (CommitteeDrawn), and when the round was escalated for want of a majority.
  `create table if not exists dispute_rounds (
    dispute_id numeric(78, 0) not null,
    round integer not null,
    members jsonb not null,
    commit_ends timestamptz,
    reveal_ends timestamptz,
    drawn_at timestamptz not null,
    escalated_at timestamptz,
    primary key (dispute_id, round)
  )`,
  // A member's vote: committed (hidden), then revealed (guilty set) or never; what it lost for not revealing.
  `create table if not exists dispute_votes (
    dispute_id numeric(78, 0) not null,
    member text not null,
    round integer not null,
    committed_at timestamptz,
    guilty boolean,
    revealed_at timestamptz,
    penalty numeric(78, 0),
    primary key (dispute_id, member)
  )`,
  `create table if not exists uptime_scores (
    epoch bigint not null,
    provider text not null,
    score integer not null,
    active boolean not null,
    primary key (epoch, provider)
  )`,
  // Emissions.Claimed: MESH minted to an account for an epoch, by pool.
  `create table if not exists emission_claims (
    epoch bigint not null,
    account text not null,
    availability numeric(78, 0) not null,
    work numeric(78, 0) not null,
    validation numeric(78, 0) not null,
    primary key (epoch, account)
  )`,
  // VerificationFees, per epoch: what was booked to its pool (FeesFunded, and roll-overs in), its vote
  // points (VotesCredited), the cap in force at its first booking (the last MaxFeePerVoteSet before it),
  // what claims paid from it (FeesClaimed) and what rolled out of it, to which epoch (FeesRolledOver).
  `create table if not exists fee_epochs (
    epoch numeric(20, 0) primary key,
    funded numeric(78, 0) not null default 0,
    rolled_in numeric(78, 0) not null default 0,
    votes bigint not null default 0,
    cap numeric(78, 0),
    claimed numeric(78, 0) not null default 0,
    rolled_out numeric(78, 0),
    rolled_to numeric(20, 0)
  )`,
  // VerificationFees, per validator and epoch: its vote points and what its claim paid.
  `create table if not exists fee_shares (
    epoch numeric(20, 0) not null,
    validator text not null,
    votes bigint not null default 0,
    claimed numeric(78, 0),
    primary key (epoch, validator)
  )`,
  // Per-sample verification fees: Payments.Redeemed on VERIFICATION_MODEL_ID, where the voucher's provider
  // is the validator that checked the sample (kept out of `earnings`, which is providers' work on models).
  `create table if not exists sample_fees (
    validator text primary key,
    redemptions integer not null default 0,
    amount numeric(78, 0) not null default 0,
    burned numeric(78, 0) not null default 0,
    royalty numeric(78, 0) not null default 0,
    earned numeric(78, 0) not null default 0
  )`,
  // Protocol parameters from their events (e.g. the Registry's minStake).
  `create table if not exists parameters (
    name text primary key,
    value text not null
  )`,
  // Not from the chain: what this explorer measured on each provider's public endpoints.
  `create table if not exists probes (
    provider text not null,
    at timestamptz not null,
    ok boolean not null,
    latency_ms integer,
    requests bigint,
    tokens_in bigint,
    tokens_out bigint,
    primary key (provider, at)
  )`,
  // Not from the chain: re-executions validators reported (GET /infermesh/v1/reports), once each.
  `create table if not exists validator_reports (
    validator text not null,
    receipt_digest text not null,
    source text not null,
    provider text not null,
    model_id text not null,
    verdict text not null,
    checked_tokens integer not null,
    reasons jsonb not null,
    elapsed_ms integer not null,
    dispute_id text,
    at timestamptz not null,
    primary key (validator, receipt_digest, source)
  )`,
  'create index if not exists validator_reports_by_provider on validator_reports (provider, at)',
  // Not from the chain: each validator's latest record of each provider (GET /infermesh/v1/reputation).
  `create table if not exists validator_reputation (
    validator text not null,
    provider text not null,
    samples integer not null,
    passed integer not null,
    drifted integer not null,
    breached integer not null,
    reputation double precision not null,
    updated_at timestamptz not null,
    primary key (validator, provider)
  )`,
  // On-chain jobs (JobCoordinator, issue 15): one row per job, its input and output as text (cut at
  // maxJobTextLength characters: the whole bytes are in the logs).
  `create table if not exists jobs (
    id numeric(78, 0) primary key,
    requester text not null,
    model_id text not null,
    subscription_id numeric(78, 0) not null default 0,
    status text not null,
    input text not null,
    max_tokens integer not null,
    temperature_milli integer not null,
    seed numeric(78, 0) not null,
    max_payment numeric(78, 0) not null,
    callback_gas_limit bigint not null,
    deadline timestamptz not null,
    provider text,
    attempts integer not null default 0,
    respond_by timestamptz,
    declined jsonb not null default '[]',
    missed jsonb not null default '[]',
    output text,
    receipt_digest text,
    input_tokens numeric(78, 0),
    output_tokens numeric(78, 0),
    cost numeric(78, 0),
    callback_success boolean,
    refund numeric(78, 0),
    refund_reason text,
    requested_block bigint not null,
    requested_at timestamptz not null,
    assigned_at timestamptz,
    delivered_at timestamptz,
    delivered_tx text,
    closed_at timestamptz
  )`,
  // Not from the chain: whether each validator answered the explorer's last poll.
  `create table if not exists validator_polls (
    validator text primary key,
    ok boolean not null,
    error text,
    at timestamptz not null,
    last_ok_at timestamptz
  )`,
  // Not from the chain: profile texts providers signed (EIP-712), and the next nonce of each.
  `create table if not exists profiles (
    provider text primary key,
    text text not null default '',
    nonce bigint not null default 0,
    updated_at timestamptz
  )`,
]

/**
 * Creates the explorer's tables (idempotent: safe on every start), and drops and recreates the chain's
 * part of the database when it was indexed by another `indexVersion` (so a table whose columns changed
 * takes its new shape). Resolves true when it did, for a database that held an index before.
 */
export async function migrateExplorerDatabase(db: Sql): Promise<boolean> {
  await db.query(statements[0] as string)
  const [row] = await db.query<{ value: string }>(
    `select value from explorer_meta where key = 'indexVersion'`,
  )
  if (row?.value === String(indexVersion)) {
    for (const statement of statements) await db.query(statement)
    return false
  }
  // The chain's part is rebuilt from the chain: its tables are dropped (their columns may have changed)
  // and created anew; probes, validator reports and profiles are kept.
  for (const table of chainTables) await db.query(`drop table if exists ${table}`)
  for (const statement of statements) await db.query(statement)
  await db.query(
    `insert into explorer_meta (key, value) values ('indexVersion', $1)
     on conflict (key) do update set value = excluded.value`,
    [String(indexVersion)],
  )
  return row !== undefined
}
