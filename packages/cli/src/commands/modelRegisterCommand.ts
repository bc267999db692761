import { modelIdOfFile } from '@infermesh/llama/modelIdOfFile'
import { modelRegistryAbi } from '@infermesh/protocol'
import { getAddress, type Hex, isAddress } from 'viem'
import { usageError } from '../CliError.js'
import { formatDuration } from '../formatDuration.js'
import { connectModelChain } from '../model/connectModelChain.js'
import { resolveModelTarget } from '../model/resolveModelTarget.js'
import { signerChain } from '../model/signerChain.js'
import { parseCommandLine } from '../parseCommandArgs.js'
import { sendContractCall } from '../provider/sendContractCall.js'
import type { Command } from './Command.js'
import { modelOptions, modelOptionsHelp } from './modelOptions.js'

const usage = `Usage: infermesh model register FILE.gguf --name NAME [options]
       infermesh model register --id 0x… --name NAME [options]

Registers a model in the ModelRegistry with the signing account as its owner. Its id is the sha256 of
the weights file (or --id). A royalty is a share of every payment for the model, paid to the receiver;
a rise (the first royalty too) takes effect only after the registry's delay (25 h on a devnet), so work
already offered is never charged more.

Options:
  --name NAME               the model's unique name (what customers ask the gateway for)
  --id 0x…                  the model id, instead of hashing FILE
  --uri URI                 where to find the weights or their card (default none)
  --royalty-bps N           royalty in basis points (100 = 1%; default 0)
  --royalty-receiver 0x…    who receives it (default the owner; "infermesh model offer" routes it to
                            the model's share token)
${modelOptionsHelp}
  -h, --help                this help`

/** `infermesh model register`: put a model in the ModelRegistry. */
export const modelRegisterCommand: Command = {
  name: 'model register',
  summary: 'Register a model (id, name, royalty) in the ModelRegistry.',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine('model register', argv, {
      ...modelOptions,
      name: { type: 'string' },
      id: { type: 'string' },
      uri: { type: 'string', default: '' },
      'royalty-bps': { type: 'string', default: '0' },
      'royalty-receiver': { type: 'string' },
    })
    if (values.name === undefined || values.name === '')
      throw usageError('--name is required: the model’s unique name')
    if (positionals.length > 1) throw usageError('give one weights file')
    const [file] = positionals
    if ((file === undefined) === (values.id === undefined))
      throw usageError('give the weights file or --id 0x…, one of them')
    if (values.id !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(values.id))
      throw usageError('--id must be a 0x-prefixed 32-byte hex id (the sha256 of the weights)')
    const bps = Number(values['royalty-bps'])
    if (!/^\d{1,5}$/.test(values['royalty-bps']) || bps > 10_000)
      throw usageError('--royalty-bps must be a whole number of basis points from 0 to 10000')
    const receiverFlag = values['royalty-receiver']
    if (receiverFlag !== undefined && !isAddress(receiverFlag))
      throw usageError('--royalty-receiver must be a 0x address')
    let modelId: Hex
    if (file !== undefined) {
      try {
        modelId = await modelIdOfFile(file)
      } catch (cause) {
        throw usageError(`cannot read the weights file ${file}: ${(cause as Error).message}`, cause)
      }
    } else modelId = (values.id as string).toLowerCase() as Hex
    const target = await resolveModelTarget({ flags: values, env: process.env })
    const account = await target.loadAccount()
    const chain = await connectModelChain(target, account)
    const receiver = receiverFlag ? getAddress(receiverFlag) : account.address
    console.log(`registering model ${values.name} (${modelId}) for ${account.address} (${target.source})`)
    await sendContractCall(
      signerChain(chain),
      {
        address: target.contracts.models,
        abi: modelRegistryAbi,
        functionName: 'register',
        args: [
          modelId,
          values.name,
          values.uri,
          bps,
          bps === 0 ? '0x0000000000000000000000000000000000000000' : receiver,
        ],
      },
      (line) => console.log(`  ${line}`),
    )
    const [, effectiveAt] = await chain.publicClient.readContract({
      address: target.contracts.models,
      abi: modelRegistryAbi,
      functionName: 'pendingRoyalty',
      args: [modelId],
    })
    const now = (await chain.publicClient.getBlock()).timestamp
    console.log(
      `Registered ${values.name} (${modelId}), owned by ${account.address}${
        bps === 0
          ? ', no royalty.'
          : `; its royalty of ${bps} bps to ${receiver} takes effect in ${formatDuration(effectiveAt - now)} (${new Date(Number(effectiveAt) * 1000).toISOString()}).`
      }`,
    )
    return 0
  },
}
