/**
 * What a rational cheater substitutes for the work it bills, and the share of the job's pay it keeps by
 * doing so (compute not spent, or pay not earned). `wrongSeed` saves nothing: it is listed because a
 * cheater might try it, and it shows the verifier need not catch what does not pay.
 */
export const cheats = [
  { name: 'otherModel', saving: 0.7, description: 'a different, cheaper model' },
  { name: 'smallerQuant', saving: 0.35, description: 'a smaller quantization of the right model' },
  { name: 'randomTokens', saving: 1, description: 'random tokens' },
  { name: 'truncation', saving: 0.5, description: 'the answer cut short (half its length)' },
  {
    name: 'wrongTemperature',
    saving: 0.05,
    description: 'another temperature (greedy answered sampled at T=1)',
  },
  { name: 'wrongSeed', saving: 0, description: 'another seed (a new draw from the right distribution)' },
  { name: 'countInflation', saving: 0.3, description: 'more output tokens billed than generated' },
  { name: 'embeddings', saving: 0.7, description: 'embeddings from a smaller model' },
] as const

/** A cheat's name. */
export type CheatName = (typeof cheats)[number]['name']
