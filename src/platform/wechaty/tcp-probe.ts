import { connect } from 'node:net'

/**
 * Whether something accepts TCP connections at `host:port` within `timeoutMs`. Cheap enough to
 * ask every couple of seconds while the gateway is down, so qunbot reconnects as soon as it is
 * back instead of at the end of a long backoff.
 */
export function acceptsConnections(endpoint: string, timeoutMs = 1000): Promise<boolean> {
  const at = endpoint.lastIndexOf(':')
  const host = endpoint.slice(0, at).replace(/^\[|\]$/g, '')
  const port = Number(endpoint.slice(at + 1))
  if (at <= 0 || !Number.isInteger(port)) return Promise.resolve(false)
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}
