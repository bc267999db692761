import { BaseError, ContractFunctionRevertedError } from 'viem'

/**
 * The contract's custom error behind a failed viem call (`simulateContract`, `writeContract`,
 * `readContract`, `estimateContractGas`…): its name and decoded arguments, found wherever viem nested
 * the revert in the error's causes. Undefined when the failure was not a decoded custom error (a node
 * error, a plain `revert()`, an error the ABI does not know).
 *
 * @example
 * try { await walletClient.writeContract(call) } catch (error) {
 *   if (contractRevert(error)?.name === 'NothingToClaim') return
 *   throw error
 * }
 */
export function contractRevert(error: unknown): { name: string; args: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError) || !reverted.data?.errorName) return undefined
  return { name: reverted.data.errorName, args: reverted.data.args ?? [] }
}
