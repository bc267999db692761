import { readFile } from 'node:fs/promises'
import { type ProviderConfig, privateKeyToFastAccount } from '@infermesh/protocol'
import { getAddress, type LocalAccount } from 'viem'
import { CliError, usageError } from '../CliError.js'
import { decryptKeystore } from '../keystore/decryptKeystore.js'
import { KeystoreError } from '../keystore/KeystoreError.js'
import { readPassword } from '../readPassword.js'

export type LoadProviderAccountParams = {
  keystore: ProviderConfig['keystore']
  env: NodeJS.ProcessEnv
  /** `--password-file`, when given. */
  passwordFile?: string
  /** The config field naming the keystore, for messages. Default `keystore.path`. */
  field?: string
}

export type LoadedAccount = {
  account: LocalAccount
  /** How the key was found, for the start-up print: `keystore /…/keystore.json` or `clear-text dev key`. */
  origin: string
}

/**
 * The provider's signing account from the config's `keystore` section: a clear-text dev key as is, or
 * an encrypted keystore file decrypted with the password (see `readPassword`). The account signs
 * digests with libsecp256k1 (`privateKeyToFastAccount`): a gateway signs a voucher per request.
 *
 * @throws CliError naming the file and where the password came from when the password is wrong (exit 1),
 * or when the file is missing or is not a keystore (exit 2).
 */
export async function loadProviderAccount(params: LoadProviderAccountParams): Promise<LoadedAccount> {
  if ('privateKey' in params.keystore)
    return {
      account: privateKeyToFastAccount(params.keystore.privateKey),
      origin: 'clear-text dev key in the config',
    }
  const path = params.keystore.path
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw usageError(
      `cannot read the keystore ${path} (${params.field ?? 'keystore.path'}): ${(cause as Error).message}`,
      cause,
    )
  }
  let named = ''
  try {
    const address = (JSON.parse(text) as { address?: unknown }).address
    if (typeof address === 'string' && /^(0x)?[0-9a-fA-F]{40}$/.test(address))
      named = ` of ${getAddress(address.startsWith('0x') ? address : `0x${address}`)}`
  } catch {}
  const { password, source } = await readPassword({
    env: params.env,
    prompt: `Password of the keystore ${path}${named}: `,
    ...(params.passwordFile !== undefined && { passwordFile: params.passwordFile }),
  })
  try {
    const privateKey = await decryptKeystore(text, password)
    return { account: privateKeyToFastAccount(privateKey), origin: `keystore ${path}` }
  } catch (error) {
    if (error instanceof KeystoreError && error.code === 'wrong_password')
      throw new CliError(
        `wrong keystore password for ${path}${named}: the password ${source} does not decrypt it`,
        {
          cause: error,
        },
      )
    if (error instanceof KeystoreError)
      throw usageError(`the keystore ${path} cannot be used: ${error.message}`, error)
    throw error
  }
}
