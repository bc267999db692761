/**
 * Hardware classes of honest providers, by how far their logits drift from the validator's (standard
 * deviation of an independent Gaussian perturbation of every logit, in nats). GPU kernels, batch sizes
 * and quantized CPU kernels change logits by hundredths to tenths of a nat.
 */
export const hardwareClasses = [
  { name: 'same-kernels', drift: 0 },
  { name: 'datacenter-gpu', drift: 0.02 },
  { name: 'consumer-gpu', drift: 0.05 },
  { name: 'cpu-quantized', drift: 0.12 },
] as const

/** A hardware class's name. */
export type HardwareClass = (typeof hardwareClasses)[number]['name']
