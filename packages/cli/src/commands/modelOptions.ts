/** Options of every `infermesh model …` command, for `parseCommandArgs`, and their help lines. */
export const modelOptions = {
  devnet: { type: 'string' },
  deployment: { type: 'string' },
  'rpc-url': { type: 'string' },
  keystore: { type: 'string' },
  'dev-account': { type: 'string' },
  'password-file': { type: 'string' },
} as const

export const modelOptionsHelp = `  --devnet FILE         the devnet file "infermesh up" writes: chain and contracts
                        (default .infermesh/devnet.json, or $INFERMESH_DIR/devnet.json)
  --deployment FILE     a deployment file (npm run deploy) instead
  --rpc-url URL         override the chain's JSON-RPC URL (env INFERMESH_RPC_URL)
  --keystore FILE       the signing account: an encrypted keystore ("infermesh provider init" writes one)
  --dev-account N       the signing account on a devnet: anvil's dev account N (public keys: devnets only)
  --password-file FILE  the keystore's password (env INFERMESH_KEYSTORE_PASSWORD_FILE or
                        INFERMESH_KEYSTORE_PASSWORD; else a prompt on the terminal)`
