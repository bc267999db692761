import { connect, type Deployment, meshTokenAbi, modelRegistryAbi, paymentsAbi } from '@infermesh/protocol'
import { type Hex, zeroAddress } from 'viem'
import type { DevAccount, DevnetPlan } from './planDevnet.js'
import type { DevnetModel } from './prepareModel.js'

/**
 * Once the contracts are there: ETH for gas to each validator (their accounts are beyond anvil's ten
 * funded ones), MESH sent from the deployer's initial supply to the payer and every provider and validator account, the model's name
 * in the ModelRegistry, the payer's deposit in Payments, and a small deposit for each validator (it
 * pays for its probes like a customer).
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

  const deposit = async (account: DevAccount, amount: bigint, who: string) => {
    const client = (await connect({ rpcUrl, privateKey: account.privateKey })).walletClient
    if (!client) throw new Error(`no wallet client for the ${who}`)
    for (const call of [
      { address: token, abi: meshTokenAbi, functionName: 'approve', args: [payments, amount] },
      { address: payments, abi: paymentsAbi, functionName: 'deposit', args: [amount] },
    ] as const) {
      const hash = await client.writeContract(call as Parameters<typeof client.writeContract>[0])
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`${who} ${call.functionName} reverted`)
    }
  }
  await deposit(plan.payer, plan.deposit, 'payer')
  await Promise.all(
    validators.map((account) =>
      deposit(account, plan.funding.validatorDeposit, `validator ${account.address}`),
    ),
  )
}
