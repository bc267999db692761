import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  recoverAddress,
  stringToHex,
  toHex,
} from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { recoverSampleSigner, signSample } from './sample.js'
import { anvilMnemonic } from './startAnvil.js'

const payer = mnemonicToAccount(anvilMnemonic, { addressIndex: 3 })
const validator: Address = mnemonicToAccount(anvilMnemonic, { addressIndex: 4 }).address
const other: Address = mnemonicToAccount(anvilMnemonic, { addressIndex: 5 }).address
const disputes: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const receiptDigest: Hex = `0x${'ab'.repeat(32)}`
const sample = { chainId: 31337, disputes, receiptDigest, validator, issuedAt: 1_767_225_600 }

/** The EIP-712 digest written out by hand, as Solidity computes it (no viem typed-data code). */
function digestByHand(params: typeof sample): Hex {
  const domainTypeHash = keccak256(
    stringToHex('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'),
  )
  const domainSeparator = keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'address' },
      ],
      [
        domainTypeHash,
        keccak256(stringToHex('InferMesh Validation')),
        keccak256(stringToHex('2')),
        BigInt(params.chainId),
        params.disputes,
      ],
    ),
  )
  const structHash = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'address' }, { type: 'uint64' }],
      [
        keccak256(stringToHex('Sample(bytes32 receiptDigest,address validator,uint64 issuedAt)')),
        params.receiptDigest,
        params.validator,
        BigInt(params.issuedAt),
      ],
    ),
  )
  return keccak256(`0x1901${domainSeparator.slice(2)}${structHash.slice(2)}`)
}

describe('sample signature v2', () => {
  it('signs Sample(bytes32 receiptDigest,address validator,uint64 issuedAt) in the validation domain version 2', async () => {
    const signature = await signSample({ account: payer, ...sample })
    assert.equal(await recoverAddress({ hash: digestByHand(sample), signature }), payer.address)
    assert.equal(recoverSampleSigner({ ...sample, signature }), payer.address)
  })

  it('binds the validator: the same signature read for another validator recovers someone else', async () => {
    const signature = await signSample({ account: payer, ...sample })
    const recovered = recoverSampleSigner({ ...sample, validator: other, signature })
    assert.notEqual(recovered, payer.address)
    const forOther = await signSample({ account: payer, ...sample, validator: other })
    assert.notEqual(forOther, signature)
    assert.equal(recoverSampleSigner({ ...sample, validator: other, signature: forOther }), payer.address)
  })

  it('binds the deployment and the time: another Disputes address, chain or issuedAt recovers someone else', async () => {
    const signature = await signSample({ account: payer, ...sample })
    for (const changed of [
      { disputes: other },
      { chainId: 1 },
      { issuedAt: sample.issuedAt + 1 },
      { receiptDigest: toHex(1n, { size: 32 }) },
    ])
      assert.notEqual(recoverSampleSigner({ ...sample, ...changed, signature }), payer.address)
  })

  it('recovers nothing from a malformed signature', () => {
    assert.equal(recoverSampleSigner({ ...sample, signature: '0x1234' }), undefined)
    assert.equal(recoverSampleSigner({ ...sample, signature: `0x${'00'.repeat(65)}` }), undefined)
  })
})
