import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keccak256, stringToHex } from 'viem'
import { VERIFICATION_MODEL_ID } from './verificationModelId.js'

describe('VERIFICATION_MODEL_ID', () => {
  it('is keccak256 of the UTF-8 bytes of "infermesh/verification" (pinned: gateways and validators must agree)', () => {
    assert.equal(VERIFICATION_MODEL_ID, keccak256(stringToHex('infermesh/verification')))
    assert.equal(VERIFICATION_MODEL_ID, '0xc460ec52372bc157aa38036fcc38df1a7c46be371016fab187232c8fa93c483c')
  })

  it('is lowercase hex, as ledgers key model ids', () => {
    assert.match(VERIFICATION_MODEL_ID, /^0x[0-9a-f]{64}$/)
  })
})
