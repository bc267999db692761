/**
 * What the CLI uses from `@infermesh/validator`, in one place: the config schema from its own file (cheap),
 * the daemon (Fastify, PGlite, llama.cpp) loaded on first use.
 */

export type { RunningValidator } from '../../validator/src/startValidator.js'
export { validatorConfigSchema } from '../../validator/src/validatorConfig.js'

/** `startValidator`, loaded on first use. */
export const loadStartValidator = async () => (await import('@infermesh/validator')).startValidator
