import type { Rng } from '../rng/createRng.js'

/** Who sits in the pool a committee is drawn from (equal stakes: the draw by stake is uniform). */
export type CommitteePool = {
  /** Validators holding the model, the challenger excluded. */
  holders: number
  /** Of them, colluding with the side that is wrong (the cartel). */
  colluding: number
  /** Of them, lazy: never reveal (their seats are redrawn, they lose `absentSlashBps`). */
  lazy: number
}

/**
 * One dispute's outcome under the Disputes rules: `committeeSize` members drawn by stake without
 * replacement; honest members vote the truth, colluders the cartel's way, lazy members never reveal; a
 * verdict needs a majority of the full committee; the seats of absentees are redrawn (excluding every
 * earlier member) for up to `maxRounds` rounds; otherwise void (also when too few validators hold the
 * model to seat a committee). Returns what the committee decided relative to the truth and the number
 * of absentees penalized.
 */
export function committeeOutcome(
  pool: CommitteePool,
  committeeSize: number,
  maxRounds: number,
  rng: Rng,
): { outcome: 'truth' | 'wrong' | 'void'; absentees: number } {
  const majority = Math.floor(committeeSize / 2) + 1
  let honestLeft = pool.holders - pool.colluding - pool.lazy
  let colludingLeft = pool.colluding
  let lazyLeft = pool.lazy
  let truth = 0
  let wrong = 0
  let absentees = 0
  let seats = committeeSize
  for (let round = 0; round < maxRounds; round++) {
    let absentNow = 0
    for (let s = 0; s < seats; s++) {
      const left = honestLeft + colludingLeft + lazyLeft
      if (left === 0) break
      const u = rng.int(left)
      if (u < honestLeft) {
        honestLeft--
        truth++
      } else if (u < honestLeft + colludingLeft) {
        colludingLeft--
        wrong++
      } else {
        lazyLeft--
        absentNow++
      }
    }
    absentees += absentNow
    if (truth >= majority) return { outcome: 'truth', absentees }
    if (wrong >= majority) return { outcome: 'wrong', absentees }
    seats = committeeSize - truth - wrong
    if (seats === 0) break
  }
  return { outcome: 'void', absentees }
}
