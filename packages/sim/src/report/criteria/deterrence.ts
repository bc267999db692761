import { type CheatName, cheats } from '../../verify/cheats.js'
import { decodingModes } from '../../verify/decodingModes.js'
import { type CriterionResult, fmt } from '../CriterionResult.js'
import type { ReportData } from '../simulateAll.js'

const fixes: Partial<Record<string, string>> = {
  embeddings:
    'embeddings: re-execute embeddings with a cosine check (`embeddingsCheck: true`; DESIGN rule 4 names it, readVerifyRequest refuses embeddings today)',
  smallerQuant:
    'smallerQuant: no tolerance separates a smaller quantization from honest drift in sampled decoding (see the ROC); declare the quantization in the offer and price it, or sample greedy probes (greedy detection is high)',
  truncation:
    'truncation at T=1: raise probabilityFloor for the end token (judgeEnd) or check max_tokens against the stop reason',
  wrongTemperature:
    'wrongTemperature on short sampled answers: more tokens per check (validators re-run longer samples)',
  otherModel:
    'otherModel on short sampled answers: the evidence threshold needs more tokens; raise p for short answers',
  niche:
    'niche models: refuse to route a model held by fewer than committeeSize + 1 validators (a committee cannot be seated: void)',
  selfChallenge:
    'self-challenge: cap a validator’s sample share by stake (sampleStakeCap) and slash covering sybils',
}

/**
 * Criterion 1: the marginal expected value of each cheat per request, EV = C − p_eff·d·c·S: C the share
 * of the job's pay the cheat keeps, p_eff the gateway's p plus unrecognized probes, d the verifier's
 * detection (simulated, by mode and length, averaged over hardware), c the committee's conviction
 * (simulated), S the slash of a minimum stake. Escapes change d, c or S.
 */
export function deterrence(data: ReportData): CriterionResult {
  const { params, rates, conviction } = data
  const d = params.deploy
  const meanIn = Number(params.pricePerMInput) / 1e18 / 1e6
  const meanOut = Number(params.pricePerMOutput) / 1e18 / 1e6
  const pay = (length: number, embeddings: boolean) =>
    embeddings ? 256 * meanIn : 225 * meanIn + length * meanOut
  const slashMesh = (Number(d.slashBps) / 10_000) * (Number(d.minStake) / 1e18)
  const probe = params.probeShare * (1 - params.probeRecognition)
  const coverHolders = params.validators.sybil + params.validators.colluding
  const unbondingCovers =
    d.unbondingPeriod >= d.disputeWindow + d.maxRounds * (d.commitPeriod + d.revealPeriod)
  const detect = (cheat: CheatName, mode: string, length: number) => {
    const rows = rates.filter(
      (r) => r.subject === cheat && r.mode === mode && (cheat === 'embeddings' || r.length === length),
    )
    const trials = rows.reduce((a, r) => a + r.trials, 0)
    return trials ? rows.reduce((a, r) => a + r.breaches, 0) / trials : 0
  }
  type Cell = { subject: string; mode: string; length: number; C: number; dc: number }
  const cells: Cell[] = []
  const subjects = [
    ...cheats
      .filter((c) => c.saving > 0)
      .map((c) => ({ name: c.name as string, base: c.name, dMul: 1, c: conviction.regular, sMul: 1 })),
    {
      name: 'hitAndRun',
      base: 'otherModel' as CheatName,
      dMul: 1,
      c: conviction.regular,
      sMul: unbondingCovers ? 1 : 0,
    },
    { name: 'shamDispute', base: 'otherModel' as CheatName, dMul: 1, c: conviction.regular, sMul: 1 },
    {
      name: 'selfChallenge',
      base: 'otherModel' as CheatName,
      dMul: 1 - coverHolders,
      c: conviction.regular,
      sMul: 1,
    },
    { name: 'niche', base: 'otherModel' as CheatName, dMul: 1, c: conviction.niche, sMul: 1 },
  ]
  for (const s of subjects) {
    const saving = cheats.find((c) => c.name === s.base)?.saving ?? 0
    const embeddings = s.base === 'embeddings'
    for (const mode of embeddings ? [decodingModes[0]?.name ?? 'greedy'] : decodingModes.map((m) => m.name)) {
      for (const length of embeddings ? [0] : params.lengths) {
        cells.push({
          subject: s.name,
          mode,
          length,
          C: saving * pay(length, embeddings),
          dc: detect(s.base, mode, length || (params.lengths[0] as number)) * s.dMul * s.c * s.sMul,
        })
      }
    }
  }
  const ev = (cell: Cell, p: number, slash: number) => cell.C - (p + probe) * cell.dc * slash
  const heat = cells.map((c) => ({
    cheat: c.subject,
    case: c.length ? `${c.mode} · ${c.length} tok` : 'embeddings',
    ev: ev(c, params.p, slashMesh),
    pays: ev(c, params.p, slashMesh) > 0 ? 1 : -1,
  }))
  const failing = [...new Set(heat.filter((h) => h.ev > 0).map((h) => h.cheat))]
  // The zero contour: the slash that deters each subject's worst case at each p.
  const contour: Record<string, number | string>[] = []
  const worst = new Map<string, Cell>()
  for (const c of cells) {
    const w = worst.get(c.subject)
    const ratio = c.dc === 0 ? Number.POSITIVE_INFINITY : c.C / c.dc
    const wRatio = !w ? -1 : w.dc === 0 ? Number.POSITIVE_INFINITY : w.C / w.dc
    if (ratio > wRatio) worst.set(c.subject, c)
  }
  for (const [subject, c] of worst) {
    if (c.dc === 0) continue
    for (const p of [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
      contour.push({ subject, p, slash: c.C / ((p + probe) * c.dc) })
    }
  }
  const undeterrable = [...worst].filter(([, c]) => c.dc === 0).map(([s]) => s)
  return {
    id: 1,
    title: 'Deterrence map: the marginal expected value of each cheat',
    criterion:
      'At the default p and slash, every cheat and escape has a negative expected value per request in every decoding mode and answer length (EV = C − p_eff·d·c·S < 0).',
    pass: failing.length === 0,
    measured: [
      `S = ${fmt(slashMesh)} MESH (slashBps ${d.slashBps} of the minimum stake), p = ${params.p}, probes ${params.probeShare} (recognized ${params.probeRecognition}), conviction c = ${fmt(conviction.regular)} (niche model: ${fmt(conviction.niche)}).`,
      `Cells with EV > 0 at the defaults: ${heat.filter((h) => h.ev > 0).length} of ${heat.length}; cheats with a profitable case: ${failing.join(', ') || 'none'}.`,
      `Never deterred at any p or slash (detection × conviction = 0 in their worst case): ${undeterrable.join(', ') || 'none'}.`,
      `Worst deterred case of otherModel needs S ≥ ${fmt(contour.find((r) => r.subject === 'otherModel' && r.p === params.p)?.slash as number)} MESH at p = ${params.p}.`,
    ],
    ...(failing.length > 0 && {
      fix: failing.map((f) => fixes[f] ?? `${f}: raise p or the slash above its zero contour`).join('; '),
    }),
    charts: [
      {
        kind: 'line',
        title: 'Zero contour: the slash above which each cheat loses (worst mode and length)',
        rows: contour,
        x: 'p',
        y: 'slash',
        color: 'subject',
        xTitle: 'sampling probability p',
        yTitle: 'slash S (MESH), log',
        xScale: 'log',
        yScale: 'log',
        marks: [{ x: params.p, y: slashMesh, label: 'defaults' }],
      },
      {
        kind: 'heatmap',
        title: 'EV per request at the defaults (MESH; > 0 pays)',
        rows: heat,
        x: 'case',
        y: 'cheat',
        color: 'pays',
        label: 'ev',
        xTitle: 'decoding mode · answer length',
        yTitle: 'cheat or escape',
        width: 620,
        height: 320,
      },
    ],
  }
}
