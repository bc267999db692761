/**
 * What each sample pays its validator on the devnet, MESH wei (0.01 MESH): the gateway's
 * `sampling.sampleFee` and every validator's `samples.minSampleFee`, so the devnet runs paid samples
 * end to end. The payer's deposit covers the allocations to validators as it does to providers.
 */
export const devnetSampleFee = 10n ** 16n
