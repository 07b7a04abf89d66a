import { defineRoute, type RouteDefinition } from '../core/route.js'
import type { ConnectionStatus, LoginStatus } from '../core/types.js'
import { VERSION } from '../version.js'

export interface HealthSource {
  puppet: string
  /** The simulator is always healthy: its world cannot go offline. */
  simulated: boolean
  login(): LoginStatus
  connection(): ConnectionStatus
  queueDepth(): number
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

/**
 * `GET /api/health` answers the monitor's question "is the bot working?": 200 with status "ok"
 * only while the account is logged in and its gateway connection is up; otherwise 503 with
 * status starting, login_required (the QR payload and since when) or offline (since when, the
 * last error, the next retry). `GET /api/health/live` answers the process supervisor's question
 * "is the process serving?": 200 whenever it answers at all. Both are public (no token).
 */
export function createHealthRoutes(source: HealthSource): RouteDefinition[] {
  const startedAt = Date.now()
  return [
    defineRoute({
      method: 'GET',
      path: '/api/health',
      summary: 'Is the bot working: 200 when logged in and connected, else 503 with the reason',
      auth: 'public',
      handler: () => {
        const login = source.login()
        const c = source.connection()
        const status = source.simulated || c.state === 'online' ? 'ok' : c.state
        return {
          status: status === 'ok' ? 200 : 503,
          body: {
            status,
            puppet: source.puppet,
            loggedIn: login.state === 'logged_in',
            version: VERSION,
            login: {
              state: login.state,
              ...(login.state === 'scan' && login.qrcode ? { qrcode: login.qrcode } : {}),
            },
            connection: {
              state: source.simulated ? 'online' : c.state,
              since: iso(c.since),
              ...(c.offlineSince !== undefined ? { offlineSince: iso(c.offlineSince) } : {}),
              ...(c.lastError
                ? {
                    lastError: {
                      code: c.lastError.code,
                      message: c.lastError.message,
                      at: iso(c.lastError.at),
                    },
                  }
                : {}),
              ...(c.state === 'offline' && c.nextRetryAt !== undefined
                ? { nextRetryAt: iso(c.nextRetryAt) }
                : {}),
              ...(c.state === 'login_required' && c.qrcode
                ? { qrcode: c.qrcode, qrcodeAt: iso(c.qrcodeAt) }
                : {}),
              restarts: c.restarts,
            },
            sendQueue: source.queueDepth(),
          },
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/health/live',
      summary: 'Is the process serving HTTP (for process supervisors)',
      auth: 'public',
      handler: () => ({
        status: 200,
        body: { status: 'live', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
      }),
    }),
  ]
}
