import assert from 'node:assert/strict'
import { networkInterfaces } from 'node:os'
import { after, before, describe, it } from 'node:test'
import { CliError } from '../CliError.js'
import { openGatewayStore } from './openGatewayStore.js'
import { startKeysAdmin } from './startKeysAdmin.js'

describe('startKeysAdmin', () => {
  let opened: Awaited<ReturnType<typeof openGatewayStore>>
  before(async () => {
    opened = await openGatewayStore({})
  })
  after(() => opened.close())

  it('listens on 127.0.0.1 by default and creates a key for the bearer of its token only', async () => {
    const admin = await startKeysAdmin(opened.store)
    try {
      assert.match(admin.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const post = (authorization: string) =>
        fetch(`${admin.url}/keys`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'ci', spendLimit: '5' }),
        })
      const refused = await post('Bearer not-the-token')
      assert.equal(refused.status, 401)
      const created = await post(`Bearer ${admin.token}`)
      assert.equal(created.status, 201)
      const body = (await created.json()) as { id: string; key: string }
      assert.match(body.key, /^im_/)
      assert.deepEqual(await opened.store.findApiKey(body.key), {
        id: body.id,
        name: 'ci',
        spendLimit: 5n,
        spent: 0n,
      })
    } finally {
      await admin.close()
    }
  })

  it('listens on ::1 when asked', async (t) => {
    const hasIpv6Loopback = Object.values(networkInterfaces())
      .flat()
      .some((entry) => entry?.address === '::1')
    if (!hasIpv6Loopback) return t.skip('no IPv6 loopback on this machine')
    const admin = await startKeysAdmin(opened.store, { host: '::1' })
    try {
      assert.match(admin.url, /^http:\/\/\[::1\]:\d+$/)
      const response = await fetch(`${admin.url}/keys`, { method: 'POST' })
      assert.equal(response.status, 401, 'it answers there')
    } finally {
      await admin.close()
    }
  })

  it('refuses to bind any address but loopback, binding nothing', async () => {
    for (const host of ['0.0.0.0', '::', 'localhost', '192.168.1.10', '10.0.0.1', 'admin.example.com']) {
      await assert.rejects(startKeysAdmin(opened.store, { host }), (error) => {
        assert.ok(error instanceof CliError)
        assert.equal(
          error.message,
          `the keys admin route listens on loopback only (127.0.0.1 or ::1), not on "${host}": API keys are created from this machine`,
        )
        return true
      })
    }
  })
})
