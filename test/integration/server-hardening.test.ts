import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { createHealthRoutes } from '../../src/app/health-route.js'
import { defineRoute } from '../../src/core/route.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { buildServer } from '../../src/server/build-server.js'

const ADMIN = 'admin-token-for-hardening-0000'

describe('HTTP hardening', () => {
  let app: FastifyInstance | undefined
  afterEach(async () => app?.close())

  const routes = [
    ...createHealthRoutes({
      puppet: 'mock',
      simulated: true,
      login: () => ({ state: 'logged_in' }),
      connection: () => ({ state: 'online', since: 0, restarts: 0 }),
      queueDepth: () => 0,
    }),
    defineRoute({
      method: 'GET',
      path: '/api/secret',
      summary: 'a protected route',
      handler: () => ({ status: 200, body: { ok: true } }),
    }),
  ]

  it('counts failed token checks: past the limit a client gets 429 with Retry-After for the rest of the minute', async () => {
    let now = 1_000_000
    const lines: string[] = []
    app = await buildServer({
      logger: createLogger('warn', { write: (l: string) => lines.push(l) }),
      adminToken: ADMIN,
      routes,
      rateLimitPerMinute: 10_000,
      authFailuresPerMinute: 10,
      now: () => now,
    })
    const call = (token: string) =>
      app!.inject({ method: 'GET', url: '/api/secret', headers: { authorization: `Bearer ${token}` } })
    for (let i = 0; i < 10; i++) expect((await call(`guess-${i}`)).statusCode).toBe(401)
    const refused = await call('guess-10')
    expect(refused.statusCode).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBe(60)
    // Refused even with the right token until the window ends: guessing must not find out.
    expect((await call(ADMIN)).statusCode).toBe(429)
    now += 30_000
    expect(Number((await call(ADMIN)).headers['retry-after'])).toBe(30)
    // Health stays open to monitors.
    expect((await app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200)
    now += 30_000
    expect((await call(ADMIN)).statusCode).toBe(200)
    // Logged once per client per window.
    expect(lines.filter((l) => l.includes('too many failed token checks'))).toHaveLength(1)
  })

  it('bound to localhost, answers 421 to a Host that is not localhost (DNS rebinding), unless allowed', async () => {
    app = await buildServer({
      logger: createLogger('silent'),
      adminToken: ADMIN,
      routes,
      rateLimitPerMinute: 10_000,
      listenHost: '127.0.0.1',
      allowedHosts: ['qunbot.lan'],
    })
    const health = (host: string) => app!.inject({ method: 'GET', url: '/api/health', headers: { host } })
    expect((await health('evil.example:8787')).statusCode).toBe(421)
    expect((await health('127.0.0.1.evil.example')).statusCode).toBe(421)
    for (const host of ['localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'LOCALHOST', 'qunbot.lan:8787'])
      expect((await health(host)).statusCode, host).toBe(200)
  })

  it('does not ask browsers to upgrade to HTTPS (qunbot serves plain HTTP behind a proxy)', async () => {
    app = await buildServer({
      logger: createLogger('silent'),
      adminToken: ADMIN,
      routes,
      rateLimitPerMinute: 10_000,
    })
    const csp = String(
      (await app.inject({ method: 'GET', url: '/api/health' })).headers['content-security-policy'],
    )
    expect(csp).toContain("default-src 'self'")
    expect(csp).not.toContain('upgrade-insecure-requests')
  })
})
