import { defineRoute, type RouteDefinition } from '../core/route.js'
import type { ConnectionStatus } from '../core/types.js'
import { QR_LIFETIME_MS, renderSvgQr } from './login-qr.js'

/**
 * `GET /api/connection`: the account's connection for the console's banner, with the login QR
 * code drawn as SVG while one is waiting to be scanned. Admin only: the QR code logs a WeChat
 * account into this bot.
 */
export function createConnectionRoute(source: { connection(): ConnectionStatus }): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/api/connection',
    summary: 'The connection state, with the login QR code as SVG while one waits',
    handler: async () => {
      const c = source.connection()
      const qr =
        c.state === 'login_required' && c.qrcode
          ? {
              payload: c.qrcode,
              svg: await renderSvgQr(c.qrcode),
              at: c.qrcodeAt,
              expiresAt: (c.qrcodeAt ?? Date.now()) + QR_LIFETIME_MS,
            }
          : undefined
      return {
        status: 200,
        body: {
          state: c.state,
          since: c.since,
          offlineSince: c.offlineSince,
          lastError: c.lastError,
          nextRetryAt: c.nextRetryAt,
          restarts: c.restarts,
          user: c.user?.name,
          ...(qr ? { qr } : {}),
        },
      }
    },
  })
}
