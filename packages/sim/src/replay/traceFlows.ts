import { computeCost, type DeployParams } from '@infermesh/protocol'
import { epochRewards } from '../ledger/epochRewards.js'
import { settleDispute } from '../ledger/settleDispute.js'
import { splitFlush } from '../ledger/splitFlush.js'
import { splitPayment } from '../ledger/splitPayment.js'
import type { ReplayTrace, TraceFlows } from './ReplayTrace.js'

/**
 * The fast model's money flows on a trace: each provider redeems its highest voucher (the sum of
 * `computeCost` over its requests) once, the burn is flushed, the disputes resolve (the last validator
 * challenges, the other three sit on every committee), and the epoch's emissions are claimed.
 */
export function traceFlows(trace: ReplayTrace, deploy: DeployParams, epoch: bigint): TraceFlows {
  const royaltyBps = BigInt(trace.royaltyBps)
  const paid = trace.providers.map(() => 0n)
  for (const r of trace.requests) {
    paid[r.provider] =
      (paid[r.provider] as bigint) +
      computeCost({
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        pricePerMInput: trace.providers[r.provider]?.pricePerMInput ?? 0n,
        pricePerMOutput: trace.providers[r.provider]?.pricePerMOutput ?? 0n,
      })
  }
  const splits = paid.map((amount) => splitPayment(amount, deploy.burnBps, royaltyBps))
  const booked = splits.reduce((a, s) => a + s.burned, 0n)
  const flush = splitFlush(booked, deploy.verificationShareBps)
  // The verification share is moved to VerificationFees, not burned.
  let supplyDelta = -flush.burned

  const stakes = trace.providers.map((p) => p.stake)
  const slashed = trace.providers.map(() => 0n)
  const penalized = trace.providers.map(() => false)
  const validators = trace.validators.map(() => 0n)
  const challenger = trace.validators.length - 1
  const committee = trace.validators.length - 1
  // Every dispute is opened before any resolves: its slash amount is fixed on the stake at opening.
  const heldAtOpen = trace.disputes.map((d) => stakes[d.provider] as bigint)
  for (const [n, d] of trace.disputes.entries()) {
    const s = settleDispute({
      outcome: d.guilty ? 'guilty' : 'innocent',
      heldAtOpen: heldAtOpen[n] as bigint,
      heldAtResolve: stakes[d.provider] as bigint,
      slashBps: deploy.slashBps,
      challengerRewardBps: deploy.challengerRewardBps,
      bond: deploy.challengerBond,
      assigned: true,
      innocentVoters: d.guilty ? 0 : committee,
    })
    stakes[d.provider] = (stakes[d.provider] as bigint) - s.slashed
    slashed[d.provider] = (slashed[d.provider] as bigint) + s.slashed
    if (d.guilty) penalized[d.provider] = true
    validators[challenger] =
      (validators[challenger] as bigint) + s.challengerReward - deploy.challengerBond + s.bondReturned
    for (let v = 0; v < committee; v++) validators[v] = (validators[v] as bigint) + s.perInnocentVoter
    supplyDelta -= s.burned
  }
  const rewards = epochRewards({
    epoch,
    shares: deploy,
    providers: trace.providers.map((p, i) => ({
      score: p.score,
      stake: stakes[i] as bigint,
      work: paid[i] as bigint,
      burned: splits[i]?.burned ?? 0n,
      penalized: penalized[i] as boolean,
    })),
    reportWeights: trace.validators.map((stake) => stake * BigInt(trace.providers.length)),
  })
  for (const [v, amount] of rewards.validators.entries()) {
    validators[v] = (validators[v] as bigint) + amount
    supplyDelta += amount
  }
  const providers = trace.providers.map((_, i) => {
    const r = rewards.providers[i] as { availability: bigint; work: bigint }
    supplyDelta += r.availability + r.work
    return {
      paid: paid[i] as bigint,
      toProvider: splits[i]?.toProvider ?? 0n,
      slashed: slashed[i] as bigint,
      emission: r.availability + r.work,
    }
  })
  return {
    providers,
    validators,
    royaltiesOwed: splits.reduce((a, s) => a + s.royalty, 0n),
    verificationFees: flush.toFees,
    supplyDelta,
  }
}
