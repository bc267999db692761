/** A seeded pseudo-random generator: the simulator never calls `Math.random`. */
export type Rng = {
  /** A uniform draw in [0, 1) with 32 bits of resolution. */
  next: () => number
  /** A uniform integer in [0, n). */
  int: (n: number) => number
  /** A standard normal draw (Box–Muller). */
  normal: () => number
  /** A new generator whose stream is independent of this one's (seeded from it). */
  fork: (salt: number) => Rng
}

/**
 * xoshiro128** seeded through splitmix32: fast, 32-bit, and the same stream for the same seed on every
 * machine, which makes a report byte-identical when regenerated.
 *
 * @example
 * const rng = createRng(42)
 * rng.next() // the same number on every run
 */
export function createRng(seed: number): Rng {
  let s = seed >>> 0
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  if ((a | b | c | d) === 0) a = 1
  const nextUint = () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }
  const next = () => nextUint() / 4294967296
  let spare: number | undefined
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spare !== undefined) {
        const value = spare
        spare = undefined
        return value
      }
      const u = 1 - next()
      const v = next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return r * Math.cos(2 * Math.PI * v)
    },
    fork: (salt) => createRng((nextUint() ^ Math.imul(salt + 1, 0x27d4eb2d)) >>> 0),
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0
