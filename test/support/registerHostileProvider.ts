import assert from 'node:assert/strict'
import { connect, type DevContractCall, meshTokenAbi, registryAbi } from '@infermesh/protocol'
import { createWalletClient, type Hex, http, type LocalAccount, parseEther } from 'viem'
import { devAccount, type NetworkFixture } from './networkFixture.js'

/**
 * Stakes and registers `account` on the fixture's chain as a provider at `endpoint` offering `modelId`
 * at `price` per 1M input and output tokens: how an attacker with a node:http server joins the network.
 * Returns the way it sent its transactions (each asserted mined successfully), for the test's next ones.
 */
export async function registerHostileProvider(
  net: NetworkFixture,
  account: LocalAccount,
  endpoint: string,
  offer: { modelId: Hex; price: bigint },
) {
  const { chain } = await connect({ rpcUrl: net.anvil.rpcUrl })
  const send = async (signer: LocalAccount, call: DevContractCall) => {
    const wallet = createWalletClient({ account: signer, chain, transport: http(net.anvil.rpcUrl) })
    const hash = await wallet.writeContract(call as never)
    const receipt = await net.read.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success', `${call.functionName} for ${account.address}`)
  }
  const { token, registry } = net.deployment.contracts
  // Gas money: anvil funds only its first ten accounts.
  await net.read.request({
    method: 'anvil_setBalance',
    params: [account.address, `0x${parseEther('10').toString(16)}`],
  } as never)
  await send(devAccount(0), {
    address: token,
    abi: meshTokenAbi,
    // From the initial supply: nobody but Emissions mints.
    functionName: 'transfer',
    args: [account.address, parseEther('5000')],
  })
  await send(account, {
    address: token,
    abi: meshTokenAbi,
    functionName: 'approve',
    args: [registry, parseEther('2000')],
  })
  await send(account, {
    address: registry,
    abi: registryAbi,
    functionName: 'stake',
    args: [parseEther('2000')],
  })
  await send(account, {
    address: registry,
    abi: registryAbi,
    functionName: 'registerProvider',
    args: [
      endpoint,
      'region-hostile',
      { gpuModel: '', gpuCount: 0, vramMb: 0, cpuCores: 2, ramMb: 1024 },
      [{ modelId: offer.modelId, pricePerMInput: offer.price, pricePerMOutput: offer.price }],
    ],
  })
  return send
}
