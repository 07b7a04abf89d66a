import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

describe('HTTP server', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp()
  })
  afterAll(async () => app.close())

  it('serves health without a token', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/api/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', puppet: 'mock', loggedIn: true, version: '0.1.0' })
  })

  it('answers 401 on every other /api route without the right token', async () => {
    const urls = app.routes
      .filter((r) => r.auth !== 'public')
      .map((r) => [r.method, r.path.replace(/:\w+/g, 'x')] as const)
      .concat([['GET', '/api/no-such-route']])
    expect(urls.length).toBeGreaterThanOrEqual(10)
    for (const [method, url] of urls) {
      for (const authorization of [undefined, 'Bearer wrong-token-000000000', 'Basic abc']) {
        const res = await app.server.inject({ method, url, headers: authorization ? { authorization } : {} })
        expect(res.statusCode, `${method} ${url} ${authorization}`).toBe(401)
      }
    }
  })

  it('cannot be bypassed with a percent-encoded path', async () => {
    for (const url of ['/%61pi/sim/rooms', '/api%2Fsim/rooms', '/%2561pi/sim/rooms', '/API/sim/rooms']) {
      const res = await app.server.inject({ method: 'GET', url })
      expect([401, 404], url).toContain(res.statusCode)
      expect(res.body, url).not.toContain('"rooms"')
    }
    expect((await app.server.inject({ method: 'GET', url: '/%61pi/sim/rooms' })).statusCode).toBe(401)
  })

  it('rejects a malformed body with 400 naming the field', async () => {
    const res = await app.api('POST', '/api/sim/rooms', { topic: 12 })
    expect(res.status).toBe(400)
    expect(res.body.message).toContain('body.topic')
    expect(res.body.problems).toEqual([{ path: 'body.topic', message: expect.any(String) }])
  })

  it('rejects unknown fields', async () => {
    const res = await app.api('POST', '/api/sim/rooms', { topic: 'ok', owner: 'me' })
    expect(res.status).toBe(400)
    expect(res.body.message).toContain('unknown field(s): owner')
  })

  it('rejects broken JSON and oversized bodies with a reason', async () => {
    const broken = await app.server.inject({
      method: 'POST',
      url: '/api/sim/rooms',
      headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
      payload: '{"topic": ',
    })
    expect(broken.statusCode).toBe(400)
    expect(broken.json().message).toMatch(/JSON/i)
    const big = await app.server.inject({
      method: 'POST',
      url: '/api/sim/rooms',
      headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ topic: 'x'.repeat(70 * 1024) }),
    })
    expect(big.statusCode).toBe(413)
  })

  it('answers 404 with a reason for unknown simulator rooms', async () => {
    const res = await app.api('GET', '/api/sim/rooms/nope@chatroom/messages')
    expect(res.status).toBe(404)
    expect(res.body.message).toContain('nope@chatroom')
  })

  it('sets security headers and serves the console', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/html')
    expect(res.headers['content-security-policy']).toContain("default-src 'self'")
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })
})

describe('rate limit', () => {
  let app: TestApp
  beforeAll(async () => {
    app = await startTestApp({ QUNBOT_HTTP_RATE_LIMIT: '5' })
  })
  afterAll(async () => app.close())

  it('answers 429 past the per-minute limit', async () => {
    const codes: number[] = []
    for (let i = 0; i < 7; i++)
      codes.push((await app.server.inject({ method: 'GET', url: '/api/health' })).statusCode)
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(codes.slice(5)).toEqual([429, 429])
  })
})

describe('staff tokens', () => {
  let app: TestApp
  const staff = 'staff-token-for-the-queue-01'
  beforeAll(async () => {
    app = await startTestApp({ QUNBOT_STAFF_TOKENS: `${staff}, another-staff-token-0002` })
  })
  afterAll(async () => app.close())

  it('open the handoff staff API and nothing else', async () => {
    const headers = { authorization: `Bearer ${staff}` }
    expect(
      (await app.server.inject({ method: 'GET', url: '/api/handoff/tickets', headers })).statusCode,
    ).toBe(200)
    expect((await app.server.inject({ method: 'GET', url: '/api/sim/rooms', headers })).statusCode).toBe(401)
    expect((await app.server.inject({ method: 'GET', url: '/api/sop/status', headers })).statusCode).toBe(401)
    expect((await app.server.inject({ method: 'GET', url: '/api/handoff/tickets' })).statusCode).toBe(401)
    const admin = { authorization: `Bearer ${app.adminToken}` }
    expect(
      (await app.server.inject({ method: 'GET', url: '/api/handoff/tickets', headers: admin })).statusCode,
    ).toBe(200)
  })
})
