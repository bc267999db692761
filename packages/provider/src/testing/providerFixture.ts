import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { modelIdOfFile, writeTinyModel } from '@infermesh/llama'
import {
  type Anvil,
  anvilMnemonic,
  type connect,
  type Deployment,
  type DevChain,
  decodeSignedReceipt,
  devDeployerKey,
  encodeSignedVoucher,
  modelRegistryAbi,
  type ProviderConfig,
  providerConfigSchema,
  signVoucher,
  startDevChain,
} from '@infermesh/protocol'
import pino from 'pino'
import { type Address, type Hex, type LocalAccount, parseEther } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { type RunningProvider, startProvider } from '../startProvider.js'

export const devAccount = (index: number): LocalAccount =>
  mnemonicToAccount(anvilMnemonic, { addressIndex: index })

/** Prices of the test offer, in MESH wei per 1M tokens: 0.002 MESH per input token, 0.004 per output token. */
export const prices = { pricePerMInput: parseEther('2000'), pricePerMOutput: parseEther('4000') }

/** What a test may change about the fixture's network and provider; the defaults suit most tests. */
export type FixtureOptions = {
  /** The provider's credit limit per payer. Default 5 MESH. */
  creditLimit?: bigint
  /** The payer's deposit in Payments. Default 100 MESH. */
  deposit?: bigint
  /** The part of the deposit allocated to the provider (in the same transaction). Default all of it. */
  allocation?: bigint
  /** Largest request body. Default the provider's (1 MiB). */
  maxBodyBytes?: number
  /** Requests that may wait for a sequence. Default 16. */
  maxQueue?: number
  /** Requests the model runs at once. Default 2. */
  sequences?: number
  /** How often the provider redeems on its own. Default one hour (tests call `settleNow`). */
  settleIntervalMs?: number
}

export type Fixture = {
  anvil: Anvil
  deployment: Deployment
  /** The running provider (the new one after `restartProvider`). */
  provider: RunningProvider
  /** The provider's resolved configuration, e.g. to start a variant of it. */
  config: ProviderConfig
  /** Scratch directory of the fixture (model file, database); removed by `close`. */
  dir: string
  /**
   * Closes the provider and starts a new one with the same key, configuration and database (the chain
   * keeps running), as an operator restarting the daemon does. `changes` adjust its payments settings.
   */
  restartProvider: (
    changes?: Partial<Pick<ProviderConfig['payments'], 'creditLimit' | 'minRedeemAmount'>>,
  ) => Promise<RunningProvider>
  providerAccount: LocalAccount
  payer: LocalAccount
  modelId: Hex
  modelPath: string
  royaltyReceiver: Address
  /** A client-side payer that tracks cumulatives from receipts, like a gateway does. */
  wallet: ReturnType<typeof createPayerWallet>
  read: Awaited<ReturnType<typeof connect>>['publicClient']
  close: () => Promise<void>
}

/**
 * A payer's view of its channels: signs the voucher each request carries (the cumulative of the
 * last receipt) and learns the next cumulative from each receipt.
 */
export function createPayerWallet(params: {
  payer: LocalAccount
  chainId: number
  payments: Address
  provider: Address
}) {
  const cumulative = new Map<Hex, bigint>()
  return {
    cumulative,
    async header(modelId: Hex, amount?: bigint) {
      const voucher = {
        payer: params.payer.address,
        provider: params.provider,
        modelId,
        cumulativeAmount: amount ?? cumulative.get(modelId) ?? 0n,
      }
      const signature = await signVoucher({
        account: params.payer,
        chainId: params.chainId,
        payments: params.payments,
        voucher,
      })
      return encodeSignedVoucher({ voucher, signature })
    },
    /** Learns from a receipt header; returns the decoded receipt. */
    learn(receiptHeader: string) {
      const signed = decodeSignedReceipt(receiptHeader)
      const previous = cumulative.get(signed.receipt.modelId) ?? 0n
      if (signed.receipt.cumulativeAmount > previous)
        cumulative.set(signed.receipt.modelId, signed.receipt.cumulativeAmount)
      return signed
    },
  }
}

/**
 * A real network for provider tests: anvil with the contracts, the tiny GGUF model registered with a
 * 10% royalty (in force: the chain's clock is moved past the royalty increase delay), a payer with a
 * deposit allocated to the provider, and a provider daemon serving the model with llama.cpp.
 */
export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-provider-'))
  const devChain = await startDevChain()
  try {
    return await startOn(devChain, dir, options)
  } catch (error) {
    await devChain.stop()
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

async function startOn(devChain: DevChain, dir: string, options: FixtureOptions): Promise<Fixture> {
  const { anvil, deployment, publicClient, send } = devChain
  const payer = devAccount(1)
  const providerAccount = devAccount(2)
  const author = devAccount(3)
  const royaltyReceiver = devAccount(4).address

  const modelPath = join(dir, 'tiny.gguf')
  await writeTinyModel({ out: modelPath, seed: 1 })
  const modelId = await modelIdOfFile(modelPath)

  const { models, payments } = deployment.contracts
  const deposit = options.deposit ?? parseEther('100')
  const allocation = options.allocation ?? deposit
  await devChain.fund(payer.address, parseEther('1000'))
  await send(author, {
    address: models,
    abi: modelRegistryAbi,
    functionName: 'register',
    args: [modelId, 'tiny', '', 1000, royaltyReceiver],
  })
  // A new model's royalty is an increase from 0: it applies after royaltyIncreaseDelay.
  const delay = Number(deployment.params.royaltyIncreaseDelay)
  await publicClient.request({ method: 'evm_increaseTime' as never, params: [delay + 1] as never })
  await publicClient.request({ method: 'evm_mine' as never, params: [] as never })
  await devChain.deposit(
    payer,
    deposit,
    allocation > 0n ? [{ provider: providerAccount.address, amount: allocation }] : [],
  )

  const config = providerConfigSchema.parse({
    chain: { rpcUrl: anvil.rpcUrl, contracts: deployment.contracts },
    keystore: { privateKey: devDeployerKey },
    server: {
      port: 0,
      ...(options.maxBodyBytes && { maxBodyBytes: options.maxBodyBytes }),
      maxQueue: options.maxQueue ?? 16,
    },
    backend: {
      kind: 'llama',
      models: [{ name: 'tiny', path: modelPath, embeddings: true, contextLength: 256 }],
      sequences: options.sequences ?? 2,
      threads: 1,
    },
    offers: [
      {
        model: 'tiny',
        pricePerMInput: prices.pricePerMInput.toString(),
        pricePerMOutput: prices.pricePerMOutput.toString(),
      },
    ],
    payments: {
      creditLimit: (options.creditLimit ?? parseEther('5')).toString(),
      depositRefreshMs: 50,
      settleIntervalMs: options.settleIntervalMs ?? 3_600_000,
    },
    database: { dir: join(dir, 'db') },
    registration: { endpoint: 'http://127.0.0.1:1', region: 'test', hardware: { cpuCores: 2, ramMb: 1024 } },
  })
  const logger = pino({ level: 'warn' })
  const provider = await startProvider({ config, account: providerAccount, logger })
  const wallet = createPayerWallet({
    payer,
    chainId: deployment.chainId,
    payments,
    provider: providerAccount.address,
  })
  const fixture: Fixture = {
    anvil,
    deployment,
    provider,
    config,
    dir,
    restartProvider: async (changes = {}) => {
      await fixture.provider.close()
      fixture.config = {
        ...fixture.config,
        payments: { ...fixture.config.payments, ...changes },
      }
      fixture.provider = await startProvider({ config: fixture.config, account: providerAccount, logger })
      return fixture.provider
    },
    providerAccount,
    payer,
    modelId,
    modelPath,
    royaltyReceiver,
    wallet,
    read: publicClient,
    close: async () => {
      await fixture.provider.close()
      await anvil.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return fixture
}
