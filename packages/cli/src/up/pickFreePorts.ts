import { freePort } from '@infermesh/protocol'

/**
 * `count` distinct free ports of 127.0.0.1, none of them in `taken`. The kernel may offer a port
 * again until a process binds it (the chain's, while anvil is still starting), so each port is
 * handed out once.
 */
export async function pickFreePorts(count: number, taken: readonly number[]): Promise<number[]> {
  const given = new Set(taken)
  const ports: number[] = []
  while (ports.length < count) {
    const port = await freePort()
    if (given.has(port)) continue
    given.add(port)
    ports.push(port)
  }
  return ports
}
