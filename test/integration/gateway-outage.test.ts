import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQunbot, type Qunbot } from '../../src/app/create-qunbot.js'
import { plainText } from '../../src/core/types.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { freePort, gatewayConfig, TestGateway, waitFor } from '../helpers/grpc-gateway.js'

// A real account's path end to end: qunbot's WechatyPlatform with wechaty-puppet-service's
// client, against wechaty-puppet-service's own PuppetServer (real gRPC on 127.0.0.1) serving a
// wechaty-puppet-mock world. The gateway is closed and opened again as a gateway process that
// dies and comes back. Timings are shortened (backoff up to 1 s, a probe after 1 s of silence,
// dead after 2.5 s without an answer); the logic is the same at the defaults.

const TOKEN = 'insecure_qunbot-outage-test-token'
const SECRET = `whsec_${Buffer.from('qunbot-outage-test-webhook-secret').toString('base64')}`

interface Hook {
  type: string
  body: Record<string, unknown>
}

function receiveWebhooks(): Promise<{ server: Server; url: string; hooks: Hook[] }> {
  const hooks: Hook[] = []
  const server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const parsed = JSON.parse(body) as { type: string } & Record<string, unknown>
      hooks.push({ type: parsed.type, body: parsed })
      res.writeHead(200).end('ok')
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      resolve({ server, url: `http://127.0.0.1:${port}/hook`, hooks })
    }),
  )
}

async function health(app: Qunbot): Promise<{ code: number; body: Record<string, any> }> {
  const res = await app.server.inject({ method: 'GET', url: '/api/health' })
  return { code: res.statusCode, body: JSON.parse(res.body) }
}

describe('a real gRPC gateway that goes away and comes back', () => {
  let gateway: TestGateway
  let app: Qunbot
  let dataDir: string
  let receiver: Awaited<ReturnType<typeof receiveWebhooks>>
  let room: ReturnType<TestGateway['createRoom']>
  const lines: string[] = []

  beforeAll(async () => {
    receiver = await receiveWebhooks()
    dataDir = mkdtempSync(join(tmpdir(), 'qunbot-outage-'))
    writeFileSync(
      join(dataDir, 'handoff.yaml'),
      [
        'triggers: { keywords: [转人工] }',
        'texts: { opened: "{mention} ok", askRating: "{mention} rate" }',
        'webhooks:',
        `  - { name: staff, url: "${receiver.url}", secret: "${SECRET}", events: ["bot.*"], allowPrivate: true }`,
      ].join('\n'),
    )
    const port = await freePort()
    gateway = new TestGateway(`127.0.0.1:${port}`, TOKEN)
    room = gateway.createRoom('断线测试群', ['小王', '小李'])
    gateway.loginBot()
    const config = gatewayConfig(gateway, dataDir, {
      QUNBOT_ADMIN_TOKEN: 'test-admin-token-0123456789',
      QUNBOT_HANDOFF_FILE: join(dataDir, 'handoff.yaml'),
      QUNBOT_SEND_MIN_GAP_MS: '0',
      QUNBOT_SEND_JITTER_MS: '0',
      QUNBOT_OFFLINE_ALERT_MS: '1000',
    })
    const logger = createLogger('info', { write: (line: string) => lines.push(line) })
    app = await createQunbot({
      config,
      logger,
      connectionTimings: {
        initialBackoffMs: 200,
        maxBackoffMs: 1000,
        startTimeoutMs: 8000,
        probeAfterMs: 1000,
        probeTimeoutMs: 2500,
      },
    })
    // Started while the gateway is down: it must connect once the gateway comes up.
    await app.start()
  }, 60_000)

  afterAll(async () => {
    await app?.shutdown()
    await gateway?.close()
    receiver?.server.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const connected = () => app.platform.connection().state === 'online'
  const answered = (text: string) => gateway.sentTo(room.id).filter((t) => t.includes(text)).length

  it('waits offline while the gateway is down at start, then connects when it comes up', async () => {
    await waitFor(() => app.platform.connection().state === 'offline', 15_000, 'offline at start')
    const down = await health(app)
    expect(down.code).toBe(503)
    expect(down.body.status).toBe('offline')
    expect(down.body.connection.lastError.code).toBe('gateway_unreachable')
    expect(down.body.connection.nextRetryAt).toBeTypeOf('string')
    expect((await app.server.inject({ method: 'GET', url: '/api/health/live' })).statusCode).toBe(200)

    await gateway.open()
    await waitFor(connected, 20_000, 'online after the gateway came up')
    const up = await health(app)
    expect(up.code).toBe(200)
    expect(up.body.status).toBe('ok')

    gateway.say(room.id, room.members[0]!.id, 'ping', true)
    await waitFor(() => answered('pong') === 1, 10_000, 'pong')

    // A join through the gateway: recorded, and the gateway's wrapped "no payload" noise that
    // Wechaty reports on every join is not an error line.
    const newcomer = gateway.addMember(room.id, '小张')
    const joined = () =>
      app.db.$client.prepare('SELECT COUNT(*) AS n FROM members WHERE member_id = ?').get(newcomer.id) as {
        n: number
      }
    await waitFor(() => joined().n === 1, 10_000, 'the join to be recorded')
  }, 60_000)

  for (const outage of [
    { name: 'short', ms: 3_000 },
    // Longer than several probe periods and backoff caps: restarts fail while the gateway is still
    // down, and the supervisor has to keep going.
    { name: 'long', ms: 12_000 },
  ]) {
    it(`delivers every queued send exactly once after a ${outage.name} outage, and answers again`, async () => {
      const hooksBefore = receiver.hooks.length
      const restartsBefore = app.platform.connection().restarts
      await gateway.close()
      await waitFor(() => !connected(), 10_000, 'the outage to be noticed')
      const texts = [1, 2, 3].map((n) => `${outage.name} outage notice ${n}`)
      for (const text of texts) app.sender.send(room.id, plainText(text))
      const during = await health(app)
      expect(during.code).toBe(503)
      expect(['offline', 'starting']).toContain(during.body.status)

      await new Promise((r) => setTimeout(r, outage.ms))
      expect(connected()).toBe(false)
      expect(app.platform.connection().restarts).toBeGreaterThan(restartsBefore)

      await gateway.open()
      await waitFor(connected, 20_000, 'online after the outage')
      await waitFor(() => texts.every((t) => answered(t) >= 1), 20_000, 'the queued sends')
      expect((await health(app)).code).toBe(200)

      gateway.say(room.id, room.members[1]!.id, 'ping', true)
      await waitFor(
        () => answered('pong') >= 1 + (outage.name === 'short' ? 1 : 2),
        15_000,
        'pong after return',
      )

      await waitFor(
        () => receiver.hooks.slice(hooksBefore).some((h) => h.type === 'bot.online'),
        15_000,
        'the bot.online webhook',
      )
      // Nothing was dead-lettered or sent twice.
      for (const t of texts) expect(answered(t)).toBe(1)
      expect(
        app.db.$client.prepare(`SELECT COUNT(*) AS n FROM chat_outbox WHERE status = 'dead'`).get(),
      ).toEqual({
        n: 0,
      })
      const types = receiver.hooks.slice(hooksBefore).map((h) => h.type)
      expect(types.filter((t) => t === 'bot.offline')).toHaveLength(1)
      expect(types.filter((t) => t === 'bot.online')).toHaveLength(1)
      const online = receiver.hooks.slice(hooksBefore).find((h) => h.type === 'bot.online')
      const data = online?.body.data as { connection: { offlineSeconds: number } } | undefined
      const seconds = data?.connection.offlineSeconds
      expect(seconds).toBeGreaterThanOrEqual(Math.floor(outage.ms / 1000))
    }, 90_000)
  }

  it('counts reconnections and time offline in Prometheus, and logs each outage once', async () => {
    const res = await app.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    })
    expect(res.body).toMatch(/^qunbot_connected 1$/m)
    // The start while the gateway was down, then the two outages.
    expect(res.body).toMatch(/^qunbot_reconnects_total 3$/m)
    const offline = Number(/^qunbot_offline_seconds_total (\S+)$/m.exec(res.body)?.[1])
    expect(offline).toBeGreaterThan(15)
    // One "connection lost" warning per outage and cause, not one per retry.
    const lost = lines.filter(
      (l) => l.includes('"code":"') && /"level":40/.test(l) && /连接中断|重连仍未成功/.test(l),
    )
    expect(lost.length).toBeGreaterThanOrEqual(3)
    expect(lost.length).toBeLessThanOrEqual(9)
    const reconnected = lines.filter((l) => l.includes('已重新连上并登录'))
    expect(reconnected).toHaveLength(3)
    // Expected gateway conditions are never error lines (with stacks).
    expect(lines.filter((l) => /"level":(50|60)/.test(l))).toEqual([])
    // The puppet token is never written.
    expect(lines.join('\n')).not.toContain('qunbot-outage-test-token')
  })
})
