/**
 * What the CLI uses from `@infermesh/provider`. That package has no entry point yet (its package.json
 * names `src/index.ts`, which does not exist), so the CLI reaches into its source here, in one place;
 * once the entry point lands this file becomes `export … from '@infermesh/provider'`.
 */

export { modelIdOfFile, tinyModelCommand, writeTinyModel } from '@infermesh/llama'
export { detectHardware, type Hardware } from '../../provider/src/hardware/detectHardware.js'
export { decryptKeystore } from '../../provider/src/keystore/decryptKeystore.js'
export { defaultScryptN, encryptKeystore } from '../../provider/src/keystore/encryptKeystore.js'
export { KeystoreError } from '../../provider/src/keystore/KeystoreError.js'
export type { RunningProvider } from '../../provider/src/startProvider.js'

/**
 * `startProvider`, loaded on first use: it pulls in llama.cpp, Fastify and PGlite (seconds of start-up),
 * which only `infermesh provider start` needs.
 */
export const loadStartProvider = async () =>
  (await import('../../provider/src/startProvider.js')).startProvider
