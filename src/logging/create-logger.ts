import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino'
import { maskPersonalData } from '../core/mask.js'
import { scrubSecrets } from './secrets.js'

/** Keys whose values never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'token',
  'adminToken',
  'secret',
  'password',
  '*.token',
  '*.adminToken',
  '*.secret',
  '*.password',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'config.puppetService.token',
]

/**
 * The one root logger, shared by the bot and the HTTP server. Secrets are redacted by key, and
 * phone and ID numbers are masked in every string value, since message text ends up in logs.
 */
export function createLogger(level: string, destination?: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { log: (object) => maskDeep(object, 0) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // pino copies a lone Error's message into msg before any formatter sees it.
          const [first, ...rest] = args as unknown[]
          const head =
            first instanceof Error && rest[0] === undefined ? [{ err: first }, first.message] : args
          const masked = head.map((a) => (typeof a === 'string' ? clean(a) : a)) as Parameters<typeof method>
          method.apply(this, masked)
        },
      },
    },
    destination,
  )
}

/** Personal numbers masked, registered secrets (the puppet token) scrubbed. */
function clean(text: string): string {
  return scrubSecrets(maskPersonalData(text))
}

function maskDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return clean(value)
  if (depth > 4 || value === null || typeof value !== 'object') return value
  if (value instanceof Error) {
    // The stack's first line repeats the message.
    const stack = value.stack === undefined ? undefined : clean(value.stack)
    return { type: value.name, message: clean(value.message), stack }
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1)
  return out
}
