import { createContext, useContext, useEffect, useState } from 'react'

/** Bumped on each live update from the server (Server-Sent Events on /api/stream). */
export const LiveVersion = createContext(0)

export type Status = {
  chainId: number
  indexedBlock: string
  headBlock: string
  contracts: Record<string, string>
}

export type Offer = { modelId: string; model: string; priceIn: string; priceOut: string }
export type Provider = {
  address: string
  /** Registered with at least the minimum stake (routable). */
  active: boolean
  registered: boolean
  online: boolean
  endpoint: string
  region: string
  gpuModel: string
  gpuCount: number
  vramMb: number
  cpuCores: number
  ramMb: number
  registeredAt: string
  stake: string
  unbonding: string
  slashed: string
  /** Open disputes freezing its stake (it cannot withdraw meanwhile). */
  frozen: number
  offers: Offer[]
  earned: string
  redemptions: number
  uptime: number | null
  latencyMs: number | null
  requestsServed: number | null
  requestsLastMinute: number
  tokensLastMinute: number
  profile: string
}

export type Overview = {
  providers: { registered: number; online: number }
  gpus: { model: string; count: number }[]
  regions: { region: string; count: number }[]
  totalVramMb: number
  totalStake: string
  modelsOffered: number
  lastMinute: { requests: number; tokens: number; requestsServed: number }
  prices: { model: string; modelId: string; providers: number; medianIn: string; medianOut: string }[]
  supply: {
    minted: string
    burned: string
    circulating: string
    series: { t: string; minted: number; burned: number }[]
  }
  emissions: Emissions
  disputes: { open: number; total: number }
  slashes: { count: number; amount: string }
  status: Status
}

/** MESH minted by emissions (Emissions.Claimed), in MESH wei; `byEpoch` newest first. */
export type Emissions = {
  availability: string
  work: string
  validation: string
  total: string
  byEpoch: { epoch: string; availability: string; work: string; validation: string; total: string }[]
}

export type VerificationReport = {
  at: string
  validator: string
  modelId: string
  receiptDigest: string
  source: string
  verdict: 'pass' | 'drift' | 'breach'
  checkedTokens: number
  reasons: string[]
  elapsedMs: number
  disputeId: string | null
}

export type Verification = {
  samples: number
  passed: number
  drifted: number
  breached: number
  reputation: number | null
  validators: number
  reports: VerificationReport[]
}

export type Validator = {
  address: string
  active: boolean
  endpoint: string
  stake: string
  /** Model ids it declared it can re-execute (it sits on committees for those). */
  models: string[]
  answering: boolean | null
  error: string | null
  lastPolledAt: string | null
  lastAnsweredAt: string | null
  samplesChecked: number
  reports: number
  verdicts: { pass: number; drift: number; breach: number }
  /** What it earned for checks, in MESH wei. */
  fees: {
    /** Committee vote points credited (a vote with the verdict). */
    votes: number
    /** Its points × the fee per vote of their epoch (the current epoch's at its present value). */
    voteFees: string
    voteFeesClaimed: string
    /** Per-sample fees redeemed on the verification channel: paid by payers, kept (after the burn). */
    samples: { redemptions: number; amount: string; burned: string; earned: string }
  }
}

/** One epoch's books in VerificationFees, in MESH wei. */
export type FeeEpoch = {
  epoch: string
  funded: string
  rolledIn: string
  pool: string
  votes: number
  cap: string | null
  feePerVote: string
  claimed: string
  rolledOver: string | null
  rolledTo: string | null
}

/** Verification fees in all (`held`: what VerificationFees holds) and by epoch, newest first. */
export type VerificationFees = {
  funded: string
  claimed: string
  rolledOver: string
  held: string
  votes: number
  samples: { redemptions: number; amount: string; earned: string }
  epochs: FeeEpoch[]
}

export type ProviderDetail = Provider & {
  uptimeHistory: { t: string; uptime: number; probes: number }[]
  earningsHistory: { t: string; earned: number }[]
  recentRedemptions: {
    t: string
    block: string
    tx: string
    payer: string
    modelId: string
    amount: string
    burned: string
    royalty: string
  }[]
  slashes: { t: string; tx: string; amount: string; slasher: string }[]
  disputes: {
    id: string
    challenger: string
    status: string
    /** guilty, innocent or void once resolved. */
    outcome: string | null
    guilty: boolean | null
    slash_amount: string
    opened_at: string
  }[]
  epochScores: { epoch: string; score: number; active: boolean }[]
  uptimeFloor: number | null
  emissions: Emissions
  verification: Verification
  profileNonce: string
}

export type Model = {
  modelId: string
  name: string | null
  uri: string
  owner: string | null
  royaltyBps: number
  royaltyReceiver: string | null
  providers: { address: string; priceIn: string; priceOut: string }[]
  priceIn: { min: string; median: string; max: string }
  priceOut: { min: string; median: string; max: string }
  royaltiesEarned: string
  volume: string
  redemptions: number
  /** Its revenue-share token and offering (issue 15), or null. */
  shares: ModelShares | null
}

/** A model's revenue-share token (holders claim its royalties) and its offering; amounts in wei. */
export type ModelShares = {
  shares: string
  name: string
  symbol: string
  totalSupply: string
  /** Royalties the token pulled from Payments. */
  pulled: string
  /** Royalties its holders claimed. */
  claimed: string
  holderCount: number
  /** The largest holders (at most 50). */
  holders: { address: string; balance: string }[]
  offering: {
    address: string
    seller: string
    sharesOffered: string
    startPrice: string
    floorPrice: string
    start: number
    end: number
    minRaise: string
    minRoyaltyBps: number
    raised: string
    sold: string
    refunded: string
    delivered: string
    state: 'pending' | 'open' | 'closed' | 'succeeded' | 'failed'
  } | null
}

export type DisputeVote = {
  member: string
  round: number
  committedAt: string | null
  /** Null until revealed. */
  guilty: boolean | null
  revealedAt: string | null
  /** MESH wei it lost for not revealing (burned). */
  penalty: string | null
}

export type DisputeRound = {
  round: number
  members: string[]
  commitEnds: string | null
  revealEnds: string | null
  drawnAt: string
  escalatedAt: string | null
  votes: DisputeVote[]
}

export type Dispute = {
  id: string
  provider: string
  challenger: string
  model_id: string
  slash_amount: string
  bond: string
  assigned: boolean | null
  status: string
  round: number
  draw_block: string | null
  members: string[]
  commit_ends: string | null
  reveal_ends: string | null
  outcome: 'guilty' | 'innocent' | 'void' | 'unknown' | null
  guilty: boolean | null
  slashed: string | null
  challenger_reward: string | null
  bond_to_committee: string | null
  absentees: string | null
  opened_block: string
  opened_at: string
  resolved_at: string | null
  rounds: DisputeRound[]
  votes: DisputeVote[]
}

/** An on-chain job (GET /api/jobs, /api/jobs/:id). */
export type Job = {
  id: string
  requester: string
  model_id: string
  subscription_id: string
  status: 'requested' | 'assigned' | 'delivered' | 'settled' | 'refunded'
  input: string
  max_tokens: number
  temperature_milli: number
  seed: string
  max_payment: string
  callback_gas_limit: string
  deadline: string
  provider: string | null
  attempts: number
  respond_by: string | null
  declined: string[]
  missed: { provider: string; penalty: string }[]
  output: string | null
  receipt_digest: string | null
  input_tokens: string | null
  output_tokens: string | null
  cost: string | null
  callback_success: boolean | null
  refund: string | null
  refund_reason: string | null
  requested_block: string
  requested_at: string
  assigned_at: string | null
  delivered_at: string | null
  delivered_tx: string | null
  closed_at: string | null
  dispute: { id: string; status: string; outcome: string | null } | null
}

export type Disputes = {
  disputes: Dispute[]
  slashes: {
    t: string
    block: string
    tx: string
    account: string
    slasher: string
    recipient: string
    amount: string
  }[]
}

export type ReferencePrices = {
  title: string
  date: string
  note: string
  models: { model: string; vendor: string; input: number; output: number; source: string }[]
}

/**
 * Reads `path` from the API, and again on every live update. `data` keeps the last answer while
 * the next one loads, so the page never flickers.
 */
export function useApi<T>(path: string): { data?: T; error?: string } {
  const version = useContext(LiveVersion)
  const [state, setState] = useState<{ data?: T; error?: string; path?: string }>({})
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` changes on each live update: read again
  useEffect(() => {
    let cancelled = false
    fetch(path)
      .then(async (response) => {
        const body = await response.json()
        if (!response.ok) throw new Error(body?.error?.message ?? `${response.status}`)
        return body as T
      })
      .then(
        (data) => !cancelled && setState({ data, path }),
        (error: Error) => !cancelled && setState((previous) => ({ ...previous, error: error.message, path })),
      )
    return () => {
      cancelled = true
    }
  }, [path, version])
  return state.path === path ? state : {}
}
