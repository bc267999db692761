import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  BaseError,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  parseAbi,
} from 'viem'
import { contractRevert } from './contractRevert.js'

const abi = parseAbi(['error NothingToClaim(address account)', 'function claim()'])
const account = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const reverted = (data: `0x${string}`) =>
  new ContractFunctionExecutionError(
    new ContractFunctionRevertedError({ abi, data, functionName: 'claim' }),
    {
      abi,
      functionName: 'claim',
      args: [],
    },
  )

describe('contractRevert', () => {
  it('finds the custom error and its arguments under the call error', () => {
    const data = encodeErrorResult({ abi, errorName: 'NothingToClaim', args: [account] })
    assert.deepEqual(contractRevert(reverted(data)), { name: 'NothingToClaim', args: [account] })
  })

  it('is undefined for a revert without a known custom error, and for other errors', () => {
    assert.equal(contractRevert(reverted('0x')), undefined)
    assert.equal(contractRevert(new BaseError('the node is down')), undefined)
    assert.equal(contractRevert(new Error('plain')), undefined)
    assert.equal(contractRevert('a string'), undefined)
  })
})
