import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseNvidiaSmi } from './parseNvidiaSmi.js'

describe('parseNvidiaSmi', () => {
  test('reads one GPU per line of name and MiB', () => {
    const output = 'NVIDIA GeForce RTX 4090, 24564\nNVIDIA A100-SXM4-80GB, 81920\n'
    assert.deepEqual(parseNvidiaSmi(output), [
      { name: 'NVIDIA GeForce RTX 4090', memoryMb: 24564 },
      { name: 'NVIDIA A100-SXM4-80GB', memoryMb: 81920 },
    ])
  })

  test('keeps commas inside a name and reads memory it cannot report as 0', () => {
    const output = 'Tesla K80, rev 2, 11441\r\nNVIDIA Jetson, [N/A]\r\n'
    assert.deepEqual(parseNvidiaSmi(output), [
      { name: 'Tesla K80, rev 2', memoryMb: 11441 },
      { name: 'NVIDIA Jetson', memoryMb: 0 },
    ])
  })

  test('skips blank lines and driver messages, and finds no GPU in empty output', () => {
    const output =
      "\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n"
    assert.deepEqual(parseNvidiaSmi(output), [])
    assert.deepEqual(parseNvidiaSmi(''), [])
  })
})
