import { BlockList, isIP } from 'node:net'

const ranges: [address: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", incl. the unspecified 0.0.0.0
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, incl. the cloud metadata service 169.254.169.254
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.168.0.0', 16, 'ipv4'], // private
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, incl. broadcast 255.255.255.255
  ['::', 96, 'ipv6'], // unspecified ::, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d
  ['fc00::', 7, 'ipv6'], // unique local, incl. the EC2 metadata service fd00:ec2::254
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // deprecated site-local
  ['ff00::', 8, 'ipv6'], // multicast
]

// Node's BlockList also matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 rules.
const blocked = new BlockList()
for (const [address, prefix, family] of ranges) blocked.addSubnet(address, prefix, family)

/**
 * Whether an IP address is one a peer from the open network must never make us call: loopback,
 * unspecified, private, carrier-grade NAT, link-local (cloud metadata services), multicast or reserved,
 * in IPv4, IPv6 or IPv4-mapped IPv6 form. Anything that is not an IP address counts as private (refused).
 *
 * @example
 * ```ts
 * isPrivateAddress('169.254.169.254') // true
 * isPrivateAddress('::ffff:10.0.0.1') // true
 * isPrivateAddress('8.8.8.8') // false
 * ```
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const family = isIP(bare)
  if (family === 0) return true
  return blocked.check(bare, family === 4 ? 'ipv4' : 'ipv6')
}
