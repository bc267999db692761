import { connect, type Deployment, meshTokenAbi, modelRegistryAbi, paymentsAbi } from '@infermesh/protocol'
import { type Hex, zeroAddress } from 'viem'
import type { DevAccount, DevnetPlan } from './planDevnet.js'
import type { DevnetModel } from './prepareModel.js'

/**
 * Once the contracts are there: ETH for gas to each validator (their accounts are beyond anvil's ten
 * funded ones), MESH sent from the deployer's initial supply to the payer and every provider and validator account, the model's name
 * in the ModelRegistry, the payer's deposit in Payments, and a small deposit for each validator (it
 * pays for its probes like a customer). Providers are paid only from allocations: half the payer's
 * deposit is allocated evenly to the devnet's providers in the deposit's transaction (the rest stays for
 * the gateway to allocate as it routes), and each validator's whole deposit evenly.
 */
export async function fundDevnetAccounts(params: {
  plan: DevnetPlan
  deployment: Deployment
  model: DevnetModel
}): Promise<void> {
  const { plan, deployment, model } = params
  const rpcUrl = plan.chain.rpcUrl
  const { publicClient, walletClient } = await connect({ rpcUrl, privateKey: plan.deployer.privateKey })
  if (!walletClient) throw new Error('no wallet client for the deployer')
  const { token, payments, models } = deployment.contracts
  const validators = plan.validators.map((validator) => validator.account)
  const hashes: Hex[] = []
  for (const account of validators)
    hashes.push(await walletClient.sendTransaction({ to: account.address, value: plan.funding.validatorEth }))
  for (const account of [plan.payer, ...plan.accounts, ...validators])
    hashes.push(
      await walletClient.writeContract({
        address: token,
        abi: meshTokenAbi,
        functionName: 'transfer',
        args: [account.address, plan.funding.mesh],
      }),
    )
  hashes.push(
    await walletClient.writeContract({
      address: models,
      abi: modelRegistryAbi,
      functionName: 'register',
      args: [model.modelId, model.name, '', 0, zeroAddress],
    }),
  )
  await Promise.all(hashes.map((hash) => publicClient.waitForTransactionReceipt({ hash })))

  const providers = plan.providers.map((provider) => provider.account.address)
  const evenly = (total: bigint) =>
    providers.length === 0
      ? []
      : providers.map((provider) => ({ provider, amount: total / BigInt(providers.length) }))
  const deposit = async (account: DevAccount, amount: bigint, who: string, allocate: bigint) => {
    const client = (await connect({ rpcUrl, privateKey: account.privateKey })).walletClient
    if (!client) throw new Error(`no wallet client for the ${who}`)
    const allocations = evenly(allocate).filter((allocation) => allocation.amount > 0n)
    for (const call of [
      { address: token, abi: meshTokenAbi, functionName: 'approve', args: [payments, amount] },
      allocations.length > 0
        ? {
            address: payments,
            abi: paymentsAbi,
            functionName: 'depositAndAllocate',
            args: [amount, allocations],
          }
        : { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [amount] },
    ] as const) {
      const hash = await client.writeContract(call as Parameters<typeof client.writeContract>[0])
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`${who} ${call.functionName} reverted`)
    }
  }
  await deposit(plan.payer, plan.deposit, 'payer', plan.deposit / 2n)
  await Promise.all(
    validators.map((account) =>
      deposit(
        account,
        plan.funding.validatorDeposit,
        `validator ${account.address}`,
        plan.funding.validatorDeposit,
      ),
    ),
  )
}
