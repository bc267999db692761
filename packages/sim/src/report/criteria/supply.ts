import { epochRewards, type ProviderEpoch } from '../../ledger/epochRewards.js'
import { splitPayment } from '../../ledger/splitPayment.js'
import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

const MESH = 10n ** 18n
const toMesh = (x: bigint) => Number(x) / 1e18

/**
 * Criterion 6: supply. Minted against burned per epoch under burn-and-mint and stake-for-access on the
 * same demand trace; the yield of each emission pool to a farm against its identity count (the contract's
 * arithmetic, `epochRewards`, on the run's last epoch); self-dealing's profit and loss with and without
 * owning the model's royalty, gas included.
 */
export function supply(data: ReportData): CriterionResult {
  const { params, run, sfaRun } = data
  const d = params.deploy
  const series: Record<string, number | string>[] = []
  let overMinted = 0
  for (const [name, r] of [
    ['burn-and-mint', run],
    ['stake-for-access', sfaRun],
  ] as const) {
    for (const e of r.epochs) {
      if (e.minted > e.emission) overMinted++
      const burned = e.burned - e.toVerificationFees + (e.slashed - e.challengerRewards) + e.penalties
      series.push({ epoch: e.epoch, MESH: toMesh(e.minted), series: `${name}: minted` })
      series.push({ epoch: e.epoch, MESH: toMesh(burned), series: `${name}: burned` })
    }
  }
  // The network of the run's end: providers at their final stakes, the epoch's paid work in one entry.
  const others: ProviderEpoch[] = []
  for (let i = 0; i < run.providers.stake.length; i++) {
    const stake = BigInt(Math.round((run.providers.stake[i] as number) * 1e6)) * 10n ** 12n
    if (stake >= d.minStake) others.push({ score: 9500, stake, work: 0n, burned: 0n, penalized: false })
  }
  const last = run.epochs.at(-1)
  const organic = last ? last.paid : 0n
  others.push({
    score: 0,
    stake: 0n,
    work: organic,
    burned: splitPayment(organic, d.burnBps, params.royaltyBps).burned,
    penalized: false,
  })
  const validators = Array.from({ length: params.validators.count }, () => 2n * d.minValidatorStake)
  const epoch = BigInt(Math.max(0, run.epochs.length - 1))
  const farmStake = 8n * d.minStake
  const farmRows: Record<string, number | string>[] = []
  let farmGrows = false
  const base: Record<string, number> = {}
  for (const n of [1, 2, 4, 8]) {
    const ids = BigInt(n)
    const work = 100n * MESH
    const burned = splitPayment(work, d.burnBps, params.royaltyBps).burned
    const farm: ProviderEpoch[] = Array.from({ length: n }, () => ({
      score: 9500,
      stake: farmStake / ids,
      work: work / ids,
      burned: burned / ids,
      penalized: false,
    }))
    const r = epochRewards({
      epoch,
      shares: d,
      providers: [...others, ...farm],
      reportWeights: [
        ...validators,
        ...Array.from({ length: n }, () => (2n * d.minValidatorStake * 4n) / ids),
      ],
    })
    const farmPart = r.providers.slice(others.length)
    const pools = {
      availability: farmPart.reduce((a, p) => a + p.availability, 0n),
      work: farmPart.reduce((a, p) => a + p.work, 0n),
      validation: r.validators.slice(validators.length).reduce((a, b) => a + b, 0n),
    }
    for (const [pool, total] of Object.entries(pools)) {
      const value = toMesh(total)
      if (n === 1) base[pool] = value
      else if (value > (base[pool] ?? 0) + n * 1e-18) farmGrows = true
      farmRows.push({ identities: n, MESH: value, pool })
    }
  }
  // Self-dealing: pay yourself X per epoch; gas: deposit + allocate + redeem + claim.
  const gasMesh = (Number(params.gasCostPer100k) / 1e18) * ((26_010 + 257_338 + 77_709 + 138_821) / 100_000)
  const dealRows: Record<string, number | string>[] = []
  let dealPays = false
  for (const x of [1n, 10n, 100n, 1000n, 10_000n]) {
    const amount = x * MESH
    const s = splitPayment(amount, d.burnBps, params.royaltyBps)
    const dealer: ProviderEpoch = {
      score: 9500,
      stake: d.minStake,
      work: amount,
      burned: s.burned,
      penalized: false,
    }
    const alone = epochRewards({
      epoch,
      shares: d,
      providers: [...others, { ...dealer, work: 0n, burned: 0n }],
      reportWeights: validators,
    })
    const r = epochRewards({ epoch, shares: d, providers: [...others, dealer], reportWeights: validators })
    const extra = toMesh(
      (r.providers.at(-1)?.work ?? 0n) +
        (r.providers.at(-1)?.availability ?? 0n) -
        (alone.providers.at(-1)?.availability ?? 0n),
    )
    const without = extra - toMesh(s.burned + s.royalty) - gasMesh
    const withRoyalty = extra - toMesh(s.burned) - gasMesh
    if (without >= 0 || withRoyalty >= 0) dealPays = true
    dealRows.push({ case: `${x} MESH, no royalty`, MESH: without })
    dealRows.push({ case: `${x} MESH, owns royalty`, MESH: withRoyalty })
  }
  const netBme = run.epochs.reduce(
    (a, e) =>
      a +
      toMesh(e.minted) -
      toMesh(e.burned - e.toVerificationFees + e.slashed - e.challengerRewards + e.penalties),
    0,
  )
  const netSfa = sfaRun.epochs.reduce(
    (a, e) => a + toMesh(e.minted) - toMesh(e.slashed - e.challengerRewards + e.penalties),
    0,
  )
  const pass = !farmGrows && !dealPays && overMinted === 0
  return {
    id: 6,
    title: 'Supply: minted and burned, sybil yield, self-dealing',
    criterion:
      'No epoch mints more than its emission; no emission pool pays a farm more for splitting its stake into more identities; self-dealing loses money at every volume, with or without owning the royalty (gas included).',
    pass,
    measured: [
      `Net supply over ${run.epochs.length} epochs: burn-and-mint ${fmt(netBme)} MESH, stake-for-access ${fmt(netSfa)} MESH (same demand trace and seed).`,
      `Epochs minting above their emission: ${overMinted}.`,
      `Farm yield by identity count (1, 2, 4, 8): ${['availability', 'work', 'validation']
        .map(
          (p) =>
            `${p} ${farmRows
              .filter((r) => r.pool === p)
              .map((r) => fmt(r.MESH as number))
              .join(' / ')}`,
        )
        .join('; ')}.`,
      `Self-dealing P&L per epoch: ${dealRows.map((r) => `${r.case}: ${fmt(r.MESH as number)}`).join('; ')} MESH.`,
    ],
    ...(!pass && {
      fix: dealPays
        ? 'keep maxWorkRewardBps below burnBps minus the gas share (the contract already requires maxWorkRewardBps < burnBps)'
        : 'the work pool should weigh verified work, not identities',
    }),
    charts: [
      {
        kind: 'line',
        title: 'Minted and burned per epoch',
        rows: series,
        x: 'epoch',
        y: 'MESH',
        color: 'series',
        xTitle: 'epoch',
        yTitle: 'MESH',
      },
      {
        kind: 'line',
        title: "A farm's yield per pool against its identity count",
        rows: farmRows,
        x: 'identities',
        y: 'MESH',
        color: 'pool',
        xTitle: 'identities (same total stake)',
        yTitle: 'MESH per epoch',
      },
      {
        kind: 'bar',
        title: 'Self-dealing P&L per epoch (gas included)',
        rows: dealRows,
        x: 'case',
        y: 'MESH',
        xTitle: 'paid to oneself',
        yTitle: 'MESH',
      },
    ],
  }
}
