import { CliError } from '../CliError.js'
import type { ProviderChain } from '../provider/connectProviderChain.js'
import type { ModelChain } from './connectModelChain.js'

/** The chain as `sendContractCall` takes it: with the account that signs. */
export function signerChain(chain: ModelChain): ProviderChain {
  if (!chain.walletClient || !chain.account) throw new CliError('this command needs a signing account')
  return chain as unknown as ProviderChain
}
