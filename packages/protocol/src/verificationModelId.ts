import { keccak256, toBytes } from 'viem'

/**
 * The reserved model id of verification fees: a gateway pays the validator of each sample with a
 * voucher on the Payments channel (payer, validator, `VERIFICATION_MODEL_ID`), and the validator
 * redeems it like a provider. keccak256("infermesh/verification"): no weights file hashes to it, and no
 * provider offers it.
 */
export const VERIFICATION_MODEL_ID = keccak256(toBytes('infermesh/verification'))
