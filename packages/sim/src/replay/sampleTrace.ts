import { parseEther } from 'viem'
import { createRng } from '../rng/createRng.js'
import type { ReplayTrace } from './ReplayTrace.js'

/**
 * A replay scenario drawn with the simulator's generator: three providers (stakes, prices, uptime
 * scores drawn as the fast model draws them), four validators, `requests` requests with the model's
 * token counts, one guilty and one innocent dispute.
 */
export function sampleTrace(seed: number, requests = 24): ReplayTrace {
  const rng = createRng(seed)
  const providers = Array.from({ length: 3 }, () => ({
    stake: parseEther(String(1000 + rng.int(2000))) + BigInt(rng.int(1e9)),
    pricePerMInput: BigInt(50 + rng.int(100)) * 10n ** 15n + BigInt(rng.int(1e6)),
    pricePerMOutput: BigInt(200 + rng.int(300)) * 10n ** 15n + BigInt(rng.int(1e6)),
    score: 8000 + 100 * rng.int(21),
  }))
  const validators = Array.from({ length: 4 }, () => parseEther(String(1000 + rng.int(3000))))
  const lengths = [16, 64, 256]
  const list = Array.from({ length: requests }, () => ({
    provider: rng.int(3),
    inputTokens: BigInt(50 + rng.int(350)),
    outputTokens: BigInt(lengths[rng.int(3)] as number),
  }))
  return {
    providers,
    validators,
    royaltyBps: 1000,
    requests: list,
    disputes: [
      { provider: 0, guilty: true },
      { provider: 1, guilty: false },
    ],
  }
}
