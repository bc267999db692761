export { type ChainWriter, createChainWriter } from './chain/createChainWriter.js'
export { registerValidator } from './chain/registerValidator.js'
export { ValidatorError } from './errors.js'
export { type RunningValidator, type StartValidatorOptions, startValidator } from './startValidator.js'
export { type ValidatorConfig, type ValidatorConfigInput, validatorConfigSchema } from './validatorConfig.js'
export {
  type CreateVerifierOptions,
  createVerifier,
  type Verifier,
  type VerifierModel,
  type VerifyInput,
  type VerifyResult,
} from './verify/createVerifier.js'
export { defaultTolerances, type VerifyTolerances } from './verify/tolerances.js'
