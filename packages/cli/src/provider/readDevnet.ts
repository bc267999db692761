import { readFile } from 'node:fs/promises'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { z } from 'zod'
import { usageError } from '../CliError.js'

const address = z
  .string()
  .refine((value) => isAddress(value), 'must be an address')
  .transform((value) => getAddress(value) as Address)
const privateKey = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((v) => v as Hex)
const devnetSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().min(1),
  contracts: z.object({
    token: address,
    registry: address,
    payments: address,
    models: address,
    uptime: address.optional(),
    disputes: address.optional(),
    emissions: address.optional(),
    verificationFees: address.optional(),
    modelSharesFactory: address.optional(),
    jobCoordinator: address.optional(),
    questionOracle: address.optional(),
  }),
  deployer: z.object({ address, privateKey }),
  startBlock: z
    .string()
    .regex(/^\d+$/)
    .transform((v) => BigInt(v))
    .optional(),
  payer: z.object({ address, privateKey }).optional(),
  gateway: z.object({ url: z.string().min(1), apiKey: z.string().min(1) }).optional(),
  providers: z
    .array(z.object({ address, url: z.string(), models: z.array(z.string()) }))
    .optional()
    .default([]),
})

/** Where the devnet file is unless `--devnet` says otherwise: `$INFERMESH_DIR/devnet.json`, else `.infermesh/devnet.json`. */
export const defaultDevnetFile = (env: NodeJS.ProcessEnv) =>
  `${env.INFERMESH_DIR || '.infermesh'}/devnet.json`

/** What the CLI reads from `.infermesh/devnet.json` (written by `infermesh up`). */
export type DevnetFile = z.output<typeof devnetSchema>

/**
 * Reads the devnet file `infermesh up` writes: its chain, contracts and dev deployer (which may mint
 * MESH), and when present its payer, gateway (URL and dev API key) and providers.
 *
 * @throws CliError (exit 2) when the file is missing or is not a devnet file.
 */
export async function readDevnet(file: string): Promise<DevnetFile> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT'
    throw usageError(
      missing
        ? `no devnet file at ${file}: start a devnet with "infermesh up" first (it writes .infermesh/devnet.json)`
        : `cannot read the devnet file ${file}: ${(cause as Error).message}`,
      cause,
    )
  }
  const parsed = devnetSchema.safeParse(raw)
  if (!parsed.success)
    throw usageError(
      `${file} is not a devnet file written by "infermesh up": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  return parsed.data
}
