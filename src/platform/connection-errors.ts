/**
 * Sorting failures into "the connection is down" and "the platform answered about this one
 * thing". Gateways wrap errors in gRPC status text (`14 UNAVAILABLE: ...`, `2 UNKNOWN: Error:
 * ...`), so everything here reads the unwrapped message as well as the gRPC code.
 */

/** Raised by the adapter when there is no live, logged-in connection to send through. */
export class NotConnectedError extends Error {
  override name = 'NotConnectedError'
}

/** The supervisor's own findings, and the classes of gateway failure an operator can act on. */
export type ConnectionErrorCode =
  | 'not_connected'
  | 'gateway_unreachable'
  | 'auth_rejected'
  | 'tls_mismatch'
  | 'stream_closed'
  | 'timeout'
  | 'token_format'
  | 'discovery_failed'
  | 'not_logged_in'
  | 'no_heartbeat'
  | 'start_timeout'
  | 'platform'

export interface ClassifiedError {
  code: ConnectionErrorCode
  /** True when the failure means "not connected": sends wait, the supervisor reconnects. */
  connection: boolean
  /** The message without gRPC wrapping, for one-line logs. */
  message: string
}

// gRPC status codes, as @grpc/grpc-js numbers them.
const GRPC_CANCELLED = 1
const GRPC_DEADLINE_EXCEEDED = 4
const GRPC_PERMISSION_DENIED = 7
const GRPC_UNAVAILABLE = 14
const GRPC_UNAUTHENTICATED = 16

const WRAPPER = /^\d{1,2} [A-Z_]+: (?:Error: )?/

/** `2 UNKNOWN: Error: no payload found for id x` -> `no payload found for id x`. */
export function unwrapGatewayMessage(message: string): string {
  let text = message
  // A gateway can wrap twice (its own gRPC client inside our call); two rounds are enough.
  for (let i = 0; i < 2 && WRAPPER.test(text); i++) text = text.replace(WRAPPER, '')
  return text
}

const GRPC_UNKNOWN = 2

function grpcCode(error: unknown, message: string): number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  const m = /^(\d{1,2}) [A-Z_]+:/.exec(message)
  const outer = typeof code === 'number' ? code : m ? Number(m[1]) : undefined
  // A gateway that relays its own client's failure wraps it in UNKNOWN: the inner code counts.
  if (outer === GRPC_UNKNOWN) {
    const inner = /^\d{1,2} [A-Z_]+: (?:Error: )?(\d{1,2}) [A-Z_]+:/.exec(message)
    if (inner) return Number(inner[1])
  }
  return outer
}

/** Classifies any thrown value or 'error' event payload. Linear in the message's length. */
export function classifyConnectionError(error: unknown): ClassifiedError {
  const raw = error instanceof Error ? error.message : String(error)
  // The first line is enough to classify, and keeps logs to one line.
  const firstLine = raw.split('\n', 1)[0] ?? ''
  const message = unwrapGatewayMessage(firstLine).slice(0, 300)
  const code = grpcCode(error, firstLine)
  const is = (code: ConnectionErrorCode, connection = true): ClassifiedError => ({
    code,
    connection,
    message,
  })
  if (error instanceof NotConnectedError) return is('not_connected')
  if ((error as { name?: string } | null)?.name === 'TokenDiscoveryError') return is('discovery_failed')
  if (/requires a SNI as prefix of the token/i.test(raw)) return is('token_format')
  if (code === GRPC_UNAUTHENTICATED || code === GRPC_PERMISSION_DENIED || /Invalid Wechaty TOKEN/i.test(raw))
    return is('auth_rejected')
  if (/SSL routines|wrong version number|handshake|certificate|self[- ]signed/i.test(raw))
    return is('tls_mismatch')
  if (code === GRPC_UNAVAILABLE) {
    // A TLS client talking to a plain server fails in the handshake (above); a plain client
    // talking to a TLS server gets no HTTP/2 session.
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ETIMEDOUT/i.test(raw))
      return is('gateway_unreachable')
    // The TCP connection was made but no HTTP/2 session came of it ("Failed to connect", no
    // socket error): a plain client at a TLS gateway, or something else listening there.
    if (/Connection dropped|Failed to connect|Last error: null/i.test(raw)) return is('tls_mismatch')
    return is('gateway_unreachable')
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EAI_AGAIN|socket hang up/i.test(raw))
    return is('gateway_unreachable')
  if (code === GRPC_CANCELLED || /Call cancelled|stream (?:closed|ended)|RST_STREAM/i.test(raw))
    return is('stream_closed')
  if (code === GRPC_DEADLINE_EXCEEDED || /timed? ?out/i.test(message)) return is('timeout')
  if (/WatchdogAgent reset/i.test(raw)) return is('no_heartbeat')
  if (/not (?:logged|log) ?in|NOT_LOGGED_IN|no login|login required|need login/i.test(message))
    return is('not_logged_in')
  return is('platform', false)
}

/**
 * True for failures the gateway reports (gRPC-wrapped, a missing payload) or that mean "not
 * connected": expected in a long run, logged briefly. Anything else is our own fault and keeps
 * its stack.
 */
export function isGatewayError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error)
  return (
    classifyConnectionError(error).connection ||
    /^\d{1,2} [A-Z_]+:/.test(message) ||
    /no payload found|payload not found/i.test(message)
  )
}
