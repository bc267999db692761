import type { Deployment } from '@infermesh/protocol'
import type { Address } from 'viem'
import type { DevAccount } from './planDevnet.js'

/** A provider of the devnet, as devnet.json lists it. */
export type DevnetProvider = {
  address: Address
  url: string
  /** Model names as the provider's /v1/models lists them. */
  models: string[]
  region: string
  /** Its process (`infermesh provider start`). */
  pid: number
  config: string
  log: string
}

/** A validator of the devnet, as devnet.json lists it. */
export type DevnetValidator = {
  address: Address
  url: string
  /** Its process (`infermesh validator start`). */
  pid: number
  config: string
  log: string
}

/** The explorer of the devnet, as devnet.json lists it. */
export type DevnetExplorer = { url: string; pid: number; config: string; log: string }

/** The devnet as other tools read it from `.infermesh/devnet.json`. */
export type Devnet = {
  chainId: number
  rpcUrl: string
  startBlock: string
  contracts: Deployment['contracts']
  /** The customer's endpoint and a dev API key; absent while the network starts. */
  gateway?: { url: string; apiKey: string; pid: number; config: string; log: string }
  /** The explorer (web app and read API); absent while the network starts. */
  explorer?: DevnetExplorer
  providers: DevnetProvider[]
  validators: DevnetValidator[]
  /** Seconds per epoch. */
  epochSeconds: number
  payer: DevAccount
  deployer: DevAccount
  /** Funded accounts for providers and validators to use, in order (the first ones are the providers'). */
  accounts: DevAccount[]
}
