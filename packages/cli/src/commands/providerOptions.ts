/**
 * Options every provider command that reads provider.json takes, for `parseCommandArgs`, and their
 * help lines. The settings they override are listed in `providerConfigOverrides`.
 */
export const providerOptions = {
  config: { type: 'string' },
  'rpc-url': { type: 'string' },
  keystore: { type: 'string' },
  'password-file': { type: 'string' },
} as const

export const providerOptionsHelp = `  --config FILE         the provider config (default .infermesh/provider/provider.json;
                        env INFERMESH_PROVIDER_CONFIG)
  --rpc-url URL         override chain.rpcUrl (env INFERMESH_RPC_URL)
  --keystore FILE       override keystore.path (env INFERMESH_KEYSTORE)
  --password-file FILE  read the keystore password from FILE (env INFERMESH_KEYSTORE_PASSWORD_FILE;
                        or INFERMESH_KEYSTORE_PASSWORD; else a prompt on the terminal)`
