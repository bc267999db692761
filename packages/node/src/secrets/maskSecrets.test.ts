import assert from 'node:assert/strict'
import { it } from 'node:test'
import { maskConfig } from './maskConfig.js'
import { maskSecrets } from './maskSecrets.js'

it('masks URL passwords, RPC keys in paths and secret query parameters', () => {
  assert.equal(maskSecrets('postgres://app:hunter2@db:5432/x'), 'postgres://app:********@db:5432/x')
  assert.equal(
    maskSecrets('rpc https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef failed'),
    'rpc https://mainnet.infura.io/v3/******** failed',
  )
  assert.equal(
    maskSecrets('No EVM node answered at https://eth.example/v3/0123456789abcdef0123456789abcdef: is it up?'),
    'No EVM node answered at https://eth.example/v3/********: is it up?',
    'punctuation after a key ends the sentence, not the key',
  )
  assert.equal(
    maskSecrets('https://eth.example/rpc?apikey=abc123&chain=1'),
    'https://eth.example/rpc?apikey=********&chain=1',
  )
  assert.equal(maskSecrets('http://127.0.0.1:8545'), 'http://127.0.0.1:8545')
  const line = '{"rpcUrl":"http://127.0.0.1:8545","who":"a@b"}'
  assert.equal(maskSecrets(line), line, 'a quote ends the URL: a JSON log line stays JSON')
  const id = `0x${'ab'.repeat(32)}`
  assert.equal(maskSecrets(`model ${id}`), `model ${id}`)
})

it('masks secret fields of a config and every URL in it, but not an address (the MESH contract is `token`)', () => {
  const masked = maskConfig({
    keystore: { privateKey: `0x${'11'.repeat(32)}` },
    backend: { apiKey: 'sk-123', url: 'http://u:p@host/v1' },
    chain: {
      rpcUrl: 'https://eth-mainnet.g.alchemy.com/v2/abcdefghijklmnopqrstuvwxyz',
      contracts: { token: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    },
    admin: { token: 'hunter2' },
    stake: 10n,
  })
  assert.deepEqual(masked, {
    keystore: { privateKey: '0x1111…********' },
    backend: { apiKey: '********', url: 'http://u:********@host/v1' },
    chain: {
      rpcUrl: 'https://eth-mainnet.g.alchemy.com/v2/********',
      contracts: { token: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    },
    admin: { token: '********' },
    stake: '10',
  })
})
