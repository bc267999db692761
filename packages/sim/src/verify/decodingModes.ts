import type { DecodingRule } from '@infermesh/validator/verify/samplingDistribution'

/** The decoding modes customers use, as the verifier's rule. */
export const decodingModes: readonly { name: string; rule: DecodingRule }[] = [
  { name: 'greedy', rule: { kind: 'greedy' } },
  { name: 'T=0.7 top-p 0.9', rule: { kind: 'sampled', temperature: 0.7, topP: 0.9 } },
  { name: 'T=1 top-p 1', rule: { kind: 'sampled', temperature: 1, topP: 1 } },
]
