import { rankProviders } from '@infermesh/gateway/routing/rankProviders'
import type { Candidate } from '@infermesh/gateway/routing/types'
import { pickValidator } from '@infermesh/gateway/sampling/pickValidator'
import { committeeOutcome } from '../committee/committeeOutcome.js'
import { epochRewards, type ProviderEpoch } from '../ledger/epochRewards.js'
import { settleDispute } from '../ledger/settleDispute.js'
import { splitFlush } from '../ledger/splitFlush.js'
import { splitPayment } from '../ledger/splitPayment.js'
import { createRng } from '../rng/createRng.js'
import { cheats } from '../verify/cheats.js'
import { decodingModes } from '../verify/decodingModes.js'
import { hardwareClasses } from '../verify/hardwareClasses.js'
import type { RateRow } from '../verify/verifierRates.js'
import { type SimParams, targetingRules } from './simParams.js'

/** Provider kinds. */
export const providerKinds = [
  'honest',
  'cheater',
  'hitAndRun',
  'shamDisputer',
  'nicheCheater',
  'sybilFarmer',
  'selfDealer',
] as const
/** Validator kinds. */
export const validatorKinds = ['diligent', 'lazy', 'sybil', 'colluding'] as const

/** Money and events of one epoch (MESH wei as bigint where it is money on chain). */
export type EpochRecord = {
  epoch: number
  requests: number
  cheated: number
  sampled: number
  disputes: number
  guilty: number
  wrongfulSlashes: number
  wrongfulAcquittals: number
  paid: bigint
  burned: bigint
  royalties: bigint
  toProviders: bigint
  toVerificationFees: bigint
  minted: bigint
  emission: bigint
  slashed: bigint
  challengerRewards: bigint
  bondsLost: bigint
  penalties: bigint
  sampleFees: bigint
  meshUsd: number
}

/** Everything a run produced: per-epoch records and per-agent totals (MESH, as floats, for plots). */
export type SimResult = {
  params: SimParams
  epochs: EpochRecord[]
  providers: {
    kind: Uint8Array
    hardware: Uint8Array
    cheat: Uint8Array
    target: Uint8Array
    requests: Float64Array
    cheated: Float64Array
    samples: Float64Array
    /** Breach verdicts on honest work (the verifier's false breaches) and wrongful slashes. */
    falseBreaches: Float64Array
    wrongfulSlashes: Float64Array
    slashes: Float64Array
    /** Net profit in MESH: pay kept + emissions − compute − slashes − gas. */
    profit: Float64Array
    /** What cheating saved (MESH) and the stake left (MESH). */
    saved: Float64Array
    stake: Float64Array
    cartel: Uint8Array
  }
  validators: {
    kind: Uint8Array
    stake: Float64Array
    /** Income by source and costs, MESH. */
    fees: Float64Array
    emissions: Float64Array
    rewards: Float64Array
    voteFees: Float64Array
    checkCost: Float64Array
    penalties: Float64Array
    checks: Float64Array
  }
  /** The colluding gateway and its partner providers: their gain and the customers' loss (MESH). */
  cartel: { profit: number; customersLoss: number; requests: number }
  /** Self-dealers: their self-payments' net result (MESH) with gas. */
  selfDealing: { paid: number; net: number }
}

const GWEI = 1_000_000_000n
const UNIT = 1_000_000n // money in the hot loop is counted in units of 1e6 wei: exact integers in a double
const WEI_PER_MESH = 1e18

/**
 * The fast model: an agent-based Monte Carlo over epochs, on the network's real rules. Requests are
 * routed with the gateway's `rankProviders` (power of four choices among the model's providers, the
 * colluding gateway ordering its partner first), sampled with probability p and handed to a validator by
 * the gateway's `pickValidator`; a checked answer's verdict is drawn from the verifier's rates (from
 * `verifierRates`: the validator's real judgeToken/decideVerdict), a breach opens a dispute decided by
 * `committeeOutcome`, and every redemption, flush, slash and emission is computed with the contracts'
 * arithmetic (`splitPayment`, `splitFlush`, `epochRewards`) in bigint wei. Typed arrays per agent; a
 * seeded generator; no `Math.random`.
 */
export function runSimulation(params: SimParams, rates: readonly RateRow[]): SimResult {
  const rng = createRng(params.seed)
  const d = params.deploy
  const N = params.providers
  const M = params.models // regular models; model M is the niche model
  const lengths = params.lengths
  const minStakeGwei = Number(d.minStake / GWEI)
  const bondMesh = Number(d.challengerBond) / WEI_PER_MESH
  const committeeSize = Number(d.committeeSize)
  const maxRounds = Number(d.maxRounds)
  const absentBps = Number(d.absentSlashBps)
  const gas = (units: number) => (Number(params.gasCostPer100k) / WEI_PER_MESH) * units

  // ---- rates: breach and drift probability by (mode, hardware, subject, length)
  const subjects = ['honest', ...cheats.map((c) => c.name)]
  const S = subjects.length
  const H = hardwareClasses.length
  const L = lengths.length
  const at = (m: number, h: number, s: number, l: number) => ((m * H + h) * S + s) * L + l
  const breachRate = new Float64Array(decodingModes.length * H * S * L)
  const driftRate = new Float64Array(breachRate.length)
  for (const row of rates) {
    const m = decodingModes.findIndex((x) => x.name === row.mode)
    const h = hardwareClasses.findIndex((x) => x.name === row.hardware)
    const s = subjects.indexOf(row.subject)
    const l = lengths.indexOf(row.length)
    if (m < 0 || h < 0 || s < 0 || l < 0 || row.trials === 0) continue
    breachRate[at(m, h, s, l)] = row.breaches / row.trials
    driftRate[at(m, h, s, l)] = row.drifts / row.trials
  }

  // ---- providers
  const kind = new Uint8Array(N)
  const hardware = new Uint8Array(N)
  const cheat = new Uint8Array(N)
  const target = new Uint8Array(N)
  const model = new Uint16Array(N)
  const stakeWei: bigint[] = new Array(N).fill(0n)
  const priceIn = new Float64Array(N) // units (1e6 wei) per input token
  const priceOut = new Float64Array(N)
  const leaveAt = new Int32Array(N).fill(params.epochs + 1)
  const cartel = new Uint8Array(N)
  const mix = params.mix
  const bounds = [
    mix.cheaters,
    mix.hitAndRun,
    mix.shamDisputers,
    mix.nicheCheaters,
    mix.sybilFarmers,
    mix.selfDealers,
  ].reduce<number[]>((acc, x) => {
    acc.push((acc.at(-1) ?? 0) + x)
    return acc
  }, [])
  const baseIn = Number(params.pricePerMInput / 1_000_000_000_000n)
  const baseOut = Number(params.pricePerMOutput / 1_000_000_000_000n)
  const tokenCheats = cheats.map((c, i) => ({ c, i })).filter(({ c }) => c.saving > 0)
  for (let i = 0; i < N; i++) {
    const u = rng.next()
    let k = 0
    while (k < bounds.length && u >= (bounds[k] as number)) k++
    kind[i] = k < bounds.length ? k + 1 : 0
    hardware[i] = rng.int(H)
    model[i] = kind[i] === 4 ? M : rng.int(M)
    const [lo, hi] = params.stakeMultiple
    stakeWei[i] = BigInt(Math.round(minStakeGwei * (lo + (hi - lo) * rng.next()))) * GWEI
    const markup = 0.8 + 0.4 * rng.next()
    priceIn[i] = Math.max(1, Math.round(baseIn * markup))
    priceOut[i] = Math.max(1, Math.round(baseOut * markup))
    const pick = tokenCheats[rng.int(tokenCheats.length)] as { i: number }
    cheat[i] = kind[i] === 1 ? pick.i : 0 // cheat 0 = otherModel for the escapes
    target[i] = kind[i] === 1 ? rng.int(targetingRules.length) : 0
    if (kind[i] === 2) leaveAt[i] = Math.max(1, Math.floor(params.epochs / 2))
  }
  // The cartel: the colluding gateway's partners, a few plain cheaters that cheat whenever it routes to them.
  let partners = 0
  for (let i = 0; i < N && partners < 5; i++) {
    if (kind[i] === 1) {
      cartel[i] = 1
      cheat[i] = 0
      target[i] = targetingRules.indexOf('lazyGatewayOnly')
      partners++
    }
  }

  const candidates: Candidate[] = []
  for (let i = 0; i < N; i++) {
    const perM = (priceIn[i] as number) + (priceOut[i] as number)
    candidates.push({
      provider: `0x${i.toString(16).padStart(40, '0')}`,
      endpoint: '',
      region: 'sim',
      modelId: '0x00',
      providerModelName: `m${model[i]}`,
      pricePerMInput: BigInt(priceIn[i] as number) * 1_000_000_000_000n,
      pricePerMOutput: BigInt(priceOut[i] as number) * 1_000_000_000_000n,
      stake: stakeWei[i] as bigint,
      priceScore: perM / 1e6,
      stakeScore: Number(stakeWei[i]) / WEI_PER_MESH,
      key: `p${i}`,
      stats: {
        latencyMs: 200 + 100 * (hardware[i] as number),
        msPerToken: 10 + 10 * (hardware[i] as number),
        errorRate: 0.01,
        inFlight: 0,
        suspendedUntil: 0,
        healthy: true,
        active: true,
        reputation: 1,
      },
    } as Candidate)
  }

  // ---- validators (equal stakes of 2 × the minimum; kinds by share)
  const V = params.validators.count
  const vKind = new Uint8Array(V)
  const vStake = new Float64Array(V).fill(2 * Number(d.minValidatorStake / GWEI))
  const holds: boolean[][] = []
  for (let v = 0; v < V; v++) {
    const u = rng.next()
    const { lazy, sybil, colluding } = params.validators
    vKind[v] = u < lazy ? 1 : u < lazy + sybil ? 2 : u < lazy + sybil + colluding ? 3 : 0
    const row: boolean[] = []
    for (let m = 0; m < M; m++) row.push(rng.next() < params.modelCoverage)
    row.push(v < params.nicheHolders)
    holds.push(row)
  }
  const network = (v: number) => ({
    address: `0x${(v + 1).toString(16).padStart(40, 'f')}`,
    endpoint: '',
    stake: BigInt(Math.round(vStake[v] as number)) * GWEI,
    models: [] as string[],
    index: v,
  })
  const holders: { index: number }[][] = []
  for (let m = 0; m <= M; m++)
    holders.push(
      Array.from({ length: V }, (_, v) => v)
        .filter((v) => holds[v]?.[m])
        .map(network),
    )
  const sybilOrColluding = (v: number) => vKind[v] === 2 || vKind[v] === 3

  // ---- per-agent totals
  const requests = new Float64Array(N)
  const cheatedBy = new Float64Array(N)
  const samples = new Float64Array(N)
  const falseBreaches = new Float64Array(N)
  const wrongfulSlashes = new Float64Array(N)
  const slashes = new Float64Array(N)
  const profit = new Float64Array(N)
  const saved = new Float64Array(N)
  const vFees = new Float64Array(V)
  const vEmissions = new Float64Array(V)
  const vRewards = new Float64Array(V)
  const vVoteFees = new Float64Array(V)
  const vCheckCost = new Float64Array(V)
  const vPenalties = new Float64Array(V)
  const vChecks = new Float64Array(V)
  const cartelTotals = { profit: 0, customersLoss: 0, requests: 0 }
  const selfDealing = { paid: 0, net: 0 }

  const work = new Float64Array(N * 3) // units per (provider, gateway) channel this epoch
  const penalized = new Uint8Array(N)
  const epochsOut: EpochRecord[] = []
  let demand = params.requestsPerEpoch
  let meshUsd = params.meshPrice.initialUsd
  let supply = 0
  for (let i = 0; i < N; i++) supply += Number(stakeWei[i]) / WEI_PER_MESH
  supply = supply * 2 + V * 2000
  const byModel: number[][] = []
  /** The cartel's partners among each model's providers (the colluding gateway orders them first). */
  const cartelByModel: number[][] = []
  const gwCut = [params.gateways.honest, params.gateways.honest + params.gateways.lazy]
  const modeCut = [params.modeMix[0], params.modeMix[0] + params.modeMix[1]]
  const royaltyBps = params.royaltyBps
  const selfDealUnits = 100 * 1e12 // 100 MESH a self-dealer pays itself per epoch

  for (let epoch = 0; epoch < params.epochs; epoch++) {
    // Providers that can serve: stake at or above the minimum, not gone.
    byModel.length = 0
    cartelByModel.length = 0
    for (let m = 0; m <= M; m++) {
      byModel.push([])
      cartelByModel.push([])
    }
    for (let i = 0; i < N; i++) {
      if ((stakeWei[i] as bigint) >= d.minStake && epoch < (leaveAt[i] as number)) {
        byModel[model[i] as number]?.push(i)
        if (cartel[i]) cartelByModel[model[i] as number]?.push(i)
      }
    }
    work.fill(0)
    penalized.fill(0)
    const record: EpochRecord = {
      epoch,
      requests: 0,
      cheated: 0,
      sampled: 0,
      disputes: 0,
      guilty: 0,
      wrongfulSlashes: 0,
      wrongfulAcquittals: 0,
      paid: 0n,
      burned: 0n,
      royalties: 0n,
      toProviders: 0n,
      toVerificationFees: 0n,
      minted: 0n,
      emission: 0n,
      slashed: 0n,
      challengerRewards: 0n,
      bondsLost: 0n,
      penalties: 0n,
      sampleFees: 0n,
      meshUsd,
    }
    let slashedWei = 0n
    let rewardWei = 0n
    let penaltyGwei = 0
    let votes = 0
    const voters: number[] = []
    let bondsLost = 0
    let sampleFeeCount = 0
    const count = Math.round(demand)
    const pick: Candidate[] = [] as Candidate[]
    for (let r = 0; r < count; r++) {
      const gu = rng.next()
      const gateway = gu < (gwCut[0] as number) ? 0 : gu < (gwCut[1] as number) ? 1 : 2
      const embeddings = rng.next() < params.embeddingsShare
      const mu = rng.next()
      const mode = embeddings ? 0 : mu < (modeCut[0] as number) ? 0 : mu < (modeCut[1] as number) ? 1 : 2
      const lenIdx = embeddings ? 0 : rng.int(L)
      const m = rng.next() < 0.02 ? M : rng.int(M)
      const pool = byModel[m] as number[]
      if (pool.length === 0) continue
      pick.length = 0
      for (let c = 0; c < 4; c++) pick.push(candidates[pool[rng.int(pool.length)] as number] as Candidate)
      let order: string[] | undefined
      if (gateway === 2) {
        const partnersOfModel = cartelByModel[m] as number[]
        if (partnersOfModel.length > 0) {
          order = partnersOfModel.map((i) => `p${i}`)
          for (const i of partnersOfModel) pick.push(candidates[i] as Candidate)
        }
      }
      const chosen = rankProviders({
        model: `m${m}`,
        candidates: pick,
        defaultSort: 'balanced',
        limit: 1,
        now: 0,
        ...(order && { preferences: { order } }),
      })[0] as Candidate
      const i = Number(chosen.key.slice(1))
      const k = kind[i] as number
      const probe = rng.next() < params.probeShare
      // Does this provider cheat on this request?
      let cheating = false
      let c = cheat[i] as number
      if (k === 1 || ((k === 2 || k === 3 || k === 4) && epoch < (leaveAt[i] as number))) {
        const rule = targetingRules[target[i] as number]
        cheating =
          rule === 'always' ||
          (rule === 'sampledOnly' && mode !== 0) ||
          (rule === 'longOnly' && lenIdx === L - 1) ||
          (rule === 'lazyGatewayOnly' && (gateway === 1 || (gateway === 2 && cartel[i] === 1))) ||
          (rule === 'notProbe' && !(probe && rng.next() < params.probeRecognition))
        const isEmbeddingCheat = cheats[c]?.name === 'embeddings'
        if (embeddings !== isEmbeddingCheat) cheating = false
        if (probe && cartel[i] && rng.next() < params.probeRecognition) cheating = false
      }
      if (!cheating) c = -1
      const inTokens = embeddings ? 256 : 50 + rng.int(350)
      const outTokens = embeddings ? 0 : (lengths[lenIdx] as number)
      const billedOut =
        c >= 0 && cheats[c]?.name === 'countInflation' ? Math.floor(outTokens * 1.3) : outTokens
      const units = inTokens * (priceIn[i] as number) + billedOut * (priceOut[i] as number)
      work[i * 3 + gateway] = (work[i * 3 + gateway] as number) + units
      requests[i] = (requests[i] as number) + 1
      record.requests++
      const mesh = units / 1e12
      const saving = c >= 0 ? (cheats[c]?.saving ?? 0) : 0
      profit[i] = (profit[i] as number) - mesh * params.computeCostShare * (1 - Math.min(1, saving))
      if (c >= 0) {
        record.cheated++
        cheatedBy[i] = (cheatedBy[i] as number) + 1
        saved[i] = (saved[i] as number) + mesh * saving
        if (gateway === 2 && cartel[i]) {
          cartelTotals.customersLoss += mesh
          cartelTotals.requests++
        }
      }
      // Sampling: probes are checked by the validator that sent them; the gateway samples with p.
      let v = -1
      if (probe) v = rng.int(V)
      else if (gateway === 0 || (gateway === 2 && !cartel[i])) {
        if (rng.next() < params.p) {
          const hs = holders[m] as { index: number }[]
          const drawn = pickValidator(hs as never, undefined, rng.next) as { index: number } | undefined
          if (drawn) {
            v = drawn.index
            sampleFeeCount++
            vFees[v] = (vFees[v] as number) + Number(params.sampleFee) / WEI_PER_MESH
          }
        }
      }
      if (v < 0) continue
      record.sampled++
      samples[i] = (samples[i] as number) + 1
      if (vKind[v] === 1) continue // lazy: takes the fee, checks nothing
      if (sybilOrColluding(v) && k !== 0 && k !== 5 && k !== 6) continue // covers for cheaters
      vChecks[v] = (vChecks[v] as number) + 1
      vCheckCost[v] = (vCheckCost[v] as number) + mesh * params.computeCostShare
      const subject = c >= 0 ? c + 1 : 0
      const cell = at(mode, hardware[i] as number, subject, lenIdx)
      const u = rng.next()
      if (u >= (breachRate[cell] as number)) {
        const stats = chosen.stats
        if (u < (breachRate[cell] as number) + (driftRate[cell] as number)) stats.reputation *= 0.9
        else stats.reputation += 0.05 * (1 - stats.reputation)
        continue
      }
      if (c < 0) falseBreaches[i] = (falseBreaches[i] as number) + 1
      // Dispute: the committee is drawn among the other holders of the model.
      record.disputes++
      let colluding = 0
      let lazy = 0
      const hs = holders[m] as { index: number }[]
      for (const h of hs) {
        if (h.index === v) continue
        if (vKind[h.index] === 1) lazy++
        else if (sybilOrColluding(h.index) && c >= 0) colluding++
      }
      const decided = committeeOutcome(
        { holders: hs.length - 1, colluding, lazy },
        committeeSize,
        maxRounds,
        rng,
      )
      // Absentees: lazy members lose absentSlashBps of their stake (burned).
      for (let a = 0; a < decided.absentees; a++) {
        const lazyOnes = hs.filter((h) => vKind[h.index] === 1 && h.index !== v)
        const who = lazyOnes[rng.int(lazyOnes.length)]
        if (!who) break
        const pen = Math.floor(((vStake[who.index] as number) * absentBps) / 10_000)
        vStake[who.index] = (vStake[who.index] as number) - pen
        vPenalties[who.index] = (vPenalties[who.index] as number) + pen / 1e9
        penaltyGwei += pen
      }
      const seated = Math.min(committeeSize, hs.length - 1)
      if (decided.outcome === 'truth') {
        // Guilty (for an honest provider flagged by the rules, the committee runs the same rules).
        const held = stakeWei[i] as bigint
        const settled = settleDispute({
          outcome: 'guilty',
          heldAtOpen: held,
          heldAtResolve: held,
          slashBps: d.slashBps,
          challengerRewardBps: d.challengerRewardBps,
          bond: d.challengerBond,
          // a sham dispute's challenger is the cheater's own, not the sample's: no reward
          assigned: k !== 3,
          innocentVoters: 0,
        })
        stakeWei[i] = held - settled.slashed
        slashedWei += settled.slashed
        rewardWei += settled.challengerReward
        const slash = Number(settled.slashed)
        const reward = Number(settled.challengerReward)
        vRewards[v] = (vRewards[v] as number) + reward / WEI_PER_MESH
        slashes[i] = (slashes[i] as number) + 1
        profit[i] = (profit[i] as number) - slash / WEI_PER_MESH
        penalized[i] = 1
        record.guilty++
        if (c < 0) {
          record.wrongfulSlashes++
          wrongfulSlashes[i] = (wrongfulSlashes[i] as number) + 1
        }
        if (cartel[i]) cartelTotals.profit -= slash / WEI_PER_MESH
        votes += seated
        for (let s = 0; s < seated; s++) voters.push((hs[rng.int(hs.length)] as { index: number }).index)
      } else if (decided.outcome === 'wrong') {
        // Innocent for a cheater: the bond goes to the members who voted innocent.
        record.wrongfulAcquittals++
        bondsLost += bondMesh
        vRewards[v] = (vRewards[v] as number) - bondMesh
        votes += seated
      }
    }

    // ---- settlement: one redemption per channel (provider, gateway), the flush, self-dealing
    const split = (amount: bigint) => splitPayment(amount, d.burnBps, royaltyBps)
    const workWei: bigint[] = new Array(N)
    const burnedWei: bigint[] = new Array(N)
    for (let i = 0; i < N; i++) {
      let w = 0n
      let b = 0n
      for (let g = 0; g < 3; g++) {
        const units = work[i * 3 + g] as number
        if (units === 0) continue
        const amount = BigInt(units) * UNIT
        const s = split(amount)
        w += amount
        b += s.burned
        record.paid += amount
        record.burned += s.burned
        record.royalties += s.royalty
        record.toProviders += s.toProvider
        profit[i] = (profit[i] as number) + Number(s.toProvider) / WEI_PER_MESH - gas(0.8)
        if (g === 2 && cartel[i]) cartelTotals.profit += Number(s.toProvider) / WEI_PER_MESH
      }
      if (kind[i] === 6 && (stakeWei[i] as bigint) >= d.minStake) {
        // A self-dealer pays itself: deposit, voucher, redemption; the royalty goes to the model's owner.
        const amount = BigInt(selfDealUnits) * UNIT
        const s = split(amount)
        w += amount
        b += s.burned
        record.paid += amount
        record.burned += s.burned
        record.royalties += s.royalty
        record.toProviders += s.toProvider
        const cost = Number(s.burned + s.royalty) / WEI_PER_MESH + gas(0.26 + 0.78 + (params.p > 0 ? 0 : 0))
        selfDealing.paid += Number(amount) / WEI_PER_MESH
        selfDealing.net -= cost
        profit[i] = (profit[i] as number) - cost
      }
      workWei[i] = w
      burnedWei[i] = b
    }
    const flushed = splitFlush(record.burned, d.verificationShareBps)
    record.toVerificationFees = flushed.toFees
    // Vote fees: the epoch's pool over its votes, at most maxFeePerVote each.
    if (votes > 0) {
      const perVote = Number(flushed.toFees / BigInt(votes)) / WEI_PER_MESH
      const fee = Math.min(perVote, Number(d.maxFeePerVote) / WEI_PER_MESH)
      for (const v of voters) vVoteFees[v] = (vVoteFees[v] as number) + fee
    }

    // ---- emissions, with the contract's arithmetic (sybil farmers split into identities)
    const entries: ProviderEpoch[] = []
    const owner: number[] = []
    for (let i = 0; i < N; i++) {
      const alive = (stakeWei[i] as bigint) >= d.minStake && epoch < (leaveAt[i] as number)
      const score = alive ? 9000 + 100 * ((i * 7 + epoch) % 11) : 0
      const ids = kind[i] === 5 ? params.sybilIdentities : 1
      const stake = stakeWei[i] as bigint
      for (let s = 0; s < ids; s++) {
        entries.push({
          score,
          stake: stake / BigInt(ids),
          work: s === 0 ? (workWei[i] as bigint) : 0n,
          burned: s === 0 ? (burnedWei[i] as bigint) : 0n,
          penalized: penalized[i] === 1,
        })
        owner.push(i)
      }
    }
    const reportWeights = Array.from({ length: V }, (_, v) => BigInt(Math.round(vStake[v] as number)) * GWEI)
    const rewards = epochRewards({
      epoch: BigInt(epoch),
      shares: { ...d, uptimeFloor: d.uptimeFloor },
      providers: entries,
      reportWeights,
    })
    record.emission = rewards.emission
    for (let e = 0; e < entries.length; e++) {
      const r = rewards.providers[e] as { availability: bigint; work: bigint }
      const amount = r.availability + r.work
      record.minted += amount
      const i = owner[e] as number
      profit[i] = (profit[i] as number) + Number(amount) / WEI_PER_MESH - (amount > 0n ? gas(1.4) : 0)
      if (kind[i] === 6) selfDealing.net += Number(r.work) / WEI_PER_MESH
    }
    for (let v = 0; v < V; v++) {
      const amount = rewards.validators[v] as bigint
      record.minted += amount
      vEmissions[v] = (vEmissions[v] as number) + Number(amount) / WEI_PER_MESH
    }
    record.slashed = slashedWei
    record.challengerRewards = rewardWei
    record.penalties = BigInt(penaltyGwei) * GWEI
    record.bondsLost = BigInt(Math.round(bondsLost * 1e6)) * 10n ** 12n
    record.sampleFees = BigInt(sampleFeeCount) * params.sampleFee
    epochsOut.push(record)

    // ---- market: MESH price and demand for the next epoch
    const burnedMesh =
      Number(flushed.burned + record.slashed - record.challengerRewards + record.penalties) / WEI_PER_MESH
    const mintedMesh = Number(record.minted) / WEI_PER_MESH
    supply += mintedMesh - burnedMesh
    if (params.meshPrice.mode === 'responsive') {
      const paidMesh = Number(record.paid) / WEI_PER_MESH
      // Buy pressure of demand against the net new supply sold by providers and validators.
      meshUsd *= Math.exp((params.meshPrice.sensitivity * (paidMesh - (mintedMesh - burnedMesh))) / supply)
    }
    const badShare = record.requests > 0 ? record.cheated / record.requests : 0
    const relativePrice = meshUsd / params.meshPrice.initialUsd
    demand =
      params.requestsPerEpoch *
      relativePrice ** -params.priceElasticity *
      (1 - badShare) ** params.qualityElasticity
  }

  const stake = Float64Array.from(stakeWei, (x) => Number(x) / WEI_PER_MESH)
  return {
    params,
    epochs: epochsOut,
    providers: {
      kind,
      hardware,
      cheat,
      target,
      requests,
      cheated: cheatedBy,
      samples,
      falseBreaches,
      wrongfulSlashes,
      slashes,
      profit,
      saved,
      stake,
      cartel,
    },
    validators: {
      kind: vKind,
      stake: Float64Array.from(vStake, (x) => x / 1e9),
      fees: vFees,
      emissions: vEmissions,
      rewards: vRewards,
      voteFees: vVoteFees,
      checkCost: vCheckCost,
      penalties: vPenalties,
      checks: vChecks,
    },
    cartel: cartelTotals,
    selfDealing,
  }
}
