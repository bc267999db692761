import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isPrivateAddress } from './isPrivateAddress.js'

describe('isPrivateAddress', () => {
  it('refuses loopback, unspecified, private, link-local, CGNAT, multicast and reserved IPv4', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.255.254',
      '0.0.0.0',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.255',
      '224.0.0.1',
      '239.255.255.250',
      '255.255.255.255',
    ])
      assert.equal(isPrivateAddress(address), true, address)
  })

  it('refuses the same in IPv6, IPv4-mapped IPv6 included', () => {
    for (const address of [
      '::1',
      '::',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      'fd00:ec2::254',
      'fc00::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '::ffff:100.64.0.1',
      '::127.0.0.1',
    ])
      assert.equal(isPrivateAddress(address), true, address)
  })

  it('allows public addresses, next to the edges of the refused ranges', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '172.15.255.255',
      '172.32.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '169.253.255.255',
      '11.0.0.0',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
    ])
      assert.equal(isPrivateAddress(address), false, address)
  })

  it('refuses anything that is not an IP address', () => {
    for (const address of ['localhost', '', 'example.com', '999.1.1.1'])
      assert.equal(isPrivateAddress(address), true)
  })
})
