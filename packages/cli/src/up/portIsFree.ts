import { createServer } from 'node:net'

/** Whether nothing listens on `port` of 127.0.0.1 (it binds the port for a moment to find out). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
