import type { VerifyTolerances } from '@infermesh/validator/verify/tolerances'
import { createRng } from '../rng/createRng.js'
import { type CheatName, cheats } from './cheats.js'
import { decodingModes } from './decodingModes.js'
import { hardwareClasses } from './hardwareClasses.js'
import { judgeAnswer } from './judgeAnswer.js'

/** Verdicts counted for one (mode, hardware, subject, length). */
export type RateRow = {
  mode: string
  hardware: string
  /** `honest` or a cheat's name. */
  subject: 'honest' | CheatName
  length: number
  trials: number
  breaches: number
  drifts: number
}

/**
 * Monte Carlo of the verifier's outcomes: for each decoding mode, hardware class and answer length,
 * `honestTrials` honest answers and `cheatTrials` answers of each cheat, each judged by `judgeAnswer`
 * (the validator's real judgeToken/judgeEnd/decideVerdict). Deterministic for a seed.
 */
export function verifierRates(params: {
  seed: number
  tolerances: VerifyTolerances
  lengths: readonly number[]
  honestTrials: number
  cheatTrials: number
  embeddingsCheck: boolean
  /** Only these subjects (default: honest and every cheat). */
  subjects?: readonly ('honest' | CheatName)[]
  /** Only these hardware classes (default: all). */
  hardware?: readonly string[]
}): RateRow[] {
  const rows: RateRow[] = []
  const subjects = params.subjects ?? (['honest', ...cheats.map((c) => c.name)] as const)
  let salt = 0
  for (const mode of decodingModes) {
    for (const hw of hardwareClasses) {
      if (params.hardware && !params.hardware.includes(hw.name)) continue
      for (const length of params.lengths) {
        for (const subject of subjects) {
          const rng = createRng((params.seed ^ Math.imul(++salt, 0x9e3779b1)) >>> 0)
          const trials = subject === 'honest' ? params.honestTrials : params.cheatTrials
          let breaches = 0
          let drifts = 0
          for (let t = 0; t < trials; t++) {
            const verdict = judgeAnswer(
              {
                rule: mode.rule,
                drift: hw.drift,
                length,
                ...(subject !== 'honest' && { cheat: subject }),
                tolerances: params.tolerances,
                embeddingsCheck: params.embeddingsCheck,
              },
              rng,
            )
            if (verdict === 'breach') breaches++
            else if (verdict === 'drift') drifts++
          }
          rows.push({ mode: mode.name, hardware: hw.name, subject, length, trials, breaches, drifts })
        }
      }
    }
  }
  return rows
}
