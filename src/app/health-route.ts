import { defineRoute, type RouteDefinition } from '../core/route.js'
import type { LoginStatus } from '../core/types.js'
import { VERSION } from '../version.js'

export interface HealthSource {
  puppet: string
  login(): LoginStatus
  queueDepth(): number
}

/** `GET /api/health`: public, for load balancers and for the operator waiting to scan a QR code. */
export function createHealthRoute(source: HealthSource): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/api/health',
    summary: 'Liveness, puppet and login state',
    auth: 'public',
    handler: () => {
      const login = source.login()
      return {
        status: 200,
        body: {
          status: 'ok',
          puppet: source.puppet,
          loggedIn: login.state === 'logged_in',
          version: VERSION,
          login: {
            state: login.state,
            ...(login.state === 'scan' && login.qrcode ? { qrcode: login.qrcode } : {}),
          },
          sendQueue: source.queueDepth(),
        },
      }
    },
  })
}
