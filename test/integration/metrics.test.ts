import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebhookDispatcher } from '../../src/outbox/webhooks/webhook-dispatcher.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const METRICS_TOKEN = 'metrics-scrape-token-0123456789'
const STAFF_TOKEN = 'staff-token-abcdefghijklmnop'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses the Prometheus text format's sample lines (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = value as string
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) })
  }
  return samples
}

/** The value of the one sample with exactly these labels; fails when there is none. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === want.length &&
      want.every(([k, v]) => s.labels[k] === v),
  )
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`)
  return (found[0] as Sample).value
}

async function scrape(app: TestApp, token = TEST_TOKEN) {
  return app.server.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${token}` },
  })
}

async function metrics(app: TestApp): Promise<Sample[]> {
  const res = await scrape(app)
  expect(res.statusCode).toBe(200)
  return parseExposition(res.body)
}

describe('GET /metrics', () => {
  let app: TestApp
  let roomId: string
  const PINGS = 3

  beforeAll(async () => {
    app = await startTestApp({
      QUNBOT_METRICS_TOKEN: METRICS_TOKEN,
      QUNBOT_STAFF_TOKENS: STAFF_TOKEN,
      QUNBOT_SEND_MIN_GAP_MS: '2000',
      QUNBOT_SEND_JITTER_MS: '0',
    })
    const room = await app.api('POST', '/api/sim/rooms', {
      topic: '指标群',
      members: ['张三', '李四', '王五'],
    })
    roomId = room.body.id
    const members = (room.body.members as { id: string }[]).map((m) => m.id)
    await app.api('POST', '/api/sim/settle')
    // Three pings (each answered with a pong), one line nobody answers, and that line again at the
    // same moment (a duplicate), all before the clock moves.
    for (const from of members)
      await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from, text: 'ping', mentionBot: true })
    for (let i = 0; i < 2; i++)
      await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: members[0], text: '大家好' })
    await app.api('POST', '/api/sim/settle')
  })
  afterAll(async () => app.close())

  it('counts the messages, the pipeline, the sends and their pacing', async () => {
    const replies = (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages.filter(
      (m: { self: boolean }) => m.self,
    )
    expect(replies).toHaveLength(PINGS)
    const s = await metrics(app)
    expect(sampleValue(s, 'qunbot_messages_total', { outcome: 'accepted' })).toBe(PINGS + 1)
    expect(sampleValue(s, 'qunbot_messages_total', { outcome: 'dropped_duplicate' })).toBe(1)
    expect(sampleValue(s, 'qunbot_messages_total', { outcome: 'dropped_stale' })).toBe(0)
    expect(sampleValue(s, 'qunbot_messages_answered_total')).toBe(PINGS)
    expect(sampleValue(s, 'qunbot_pipeline_seconds_count')).toBe(PINGS + 1)
    expect(sampleValue(s, 'qunbot_pipeline_seconds_bucket', { le: '+Inf' })).toBe(PINGS + 1)
    expect(sampleValue(s, 'qunbot_pipeline_seconds_sum')).toBeGreaterThan(0)

    expect(sampleValue(s, 'qunbot_sends_total', { outcome: 'sent' })).toBe(replies.length)
    expect(sampleValue(s, 'qunbot_sends_total', { outcome: 'retried' })).toBe(0)
    expect(sampleValue(s, 'qunbot_sends_total', { outcome: 'dead' })).toBe(0)
    expect(sampleValue(s, 'qunbot_send_queue_depth')).toBe(0)
    // The three pongs were queued together: the first goes at once, the others 2 s and 4 s later.
    expect(sampleValue(s, 'qunbot_pacing_wait_seconds_count')).toBe(PINGS)
    expect(sampleValue(s, 'qunbot_pacing_wait_seconds_sum')).toBe(6)
    expect(sampleValue(s, 'qunbot_pacing_wait_seconds_bucket', { le: '0.1' })).toBe(1)
    expect(sampleValue(s, 'qunbot_pacing_wait_seconds_bucket', { le: '2' })).toBe(2)
    expect(sampleValue(s, 'qunbot_pacing_wait_seconds_bucket', { le: '5' })).toBe(3)
  })

  it('reports the login state and the build, plus process metrics', async () => {
    const s = await metrics(app)
    expect(sampleValue(s, 'qunbot_login_state', { state: 'logged_in' })).toBe(1)
    for (const state of ['starting', 'scan', 'logged_out'])
      expect(sampleValue(s, 'qunbot_login_state', { state })).toBe(0)
    expect(sampleValue(s, 'qunbot_logged_in')).toBe(1)
    expect(sampleValue(s, 'qunbot_build_info', { version: '0.1.0', puppet: 'mock' })).toBe(1)
    expect(sampleValue(s, 'process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(s.some((x) => x.name === 'nodejs_heap_size_total_bytes')).toBe(true)
  })

  it('follows a logout', async () => {
    await app.sim.world.logout()
    await app.sim.settle()
    const s = await metrics(app)
    expect(sampleValue(s, 'qunbot_login_state', { state: 'logged_out' })).toBe(1)
    expect(sampleValue(s, 'qunbot_login_state', { state: 'logged_in' })).toBe(0)
    expect(sampleValue(s, 'qunbot_logged_in')).toBe(0)
    app.sim.world.login()
    await app.sim.settle()
    expect(sampleValue(await metrics(app), 'qunbot_logged_in')).toBe(1)
  })

  it('keeps counters steady across scrapes (no double counting)', async () => {
    const first = await metrics(app)
    const second = await metrics(app)
    for (const name of ['qunbot_messages_total', 'qunbot_messages_answered_total', 'qunbot_sends_total']) {
      const values = (s: Sample[]) => s.filter((x) => x.name === name).map((x) => [x.labels, x.value])
      expect(values(second), name).toEqual(values(first))
    }
  })

  it('answers in the Prometheus text format', async () => {
    const res = await scrape(app)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.body).toContain('# TYPE qunbot_pipeline_seconds histogram')
    expect(res.body).toContain('# TYPE qunbot_messages_total counter')
  })

  it('takes the admin or the metrics token, nothing else', async () => {
    expect((await app.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    expect((await scrape(app, 'wrong-token-0000000000000')).statusCode).toBe(401)
    expect((await scrape(app, STAFF_TOKEN)).statusCode).toBe(401)
    const withMetricsToken = await scrape(app, METRICS_TOKEN)
    expect(withMetricsToken.statusCode).toBe(200)
    expect(withMetricsToken.body).toContain('qunbot_messages_total')
  })

  it('does not let the metrics token open the API', async () => {
    const urls = app.routes
      .filter((r) => r.auth !== 'public' && r.auth !== 'metrics')
      .map((r) => [r.method, r.path.replace(/:\w+/g, 'x')] as const)
    expect(urls.length).toBeGreaterThanOrEqual(10)
    for (const [method, url] of urls) {
      const res = await app.server.inject({
        method,
        url,
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      })
      expect(res.statusCode, `${method} ${url}`).toBe(401)
    }
  })
})

describe('webhook delivery metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-metrics-'))
  const script: Record<string, number[]> = { '/flaky': [500], '/gone': [410] }
  let receiver: Server
  let app: TestApp
  let roomId: string
  let member: string

  const dispatcher = () =>
    (app.features.find((f) => f.name === 'handoff') as unknown as { dispatcher: WebhookDispatcher })
      .dispatcher
  const deliveries = async () => {
    const s = await metrics(app)
    const of = (endpoint: string) =>
      Object.fromEntries(
        ['delivered', 'retry', 'dead'].map((outcome) => [
          outcome,
          sampleValue(s, 'qunbot_webhook_deliveries_total', { endpoint, outcome }),
        ]),
      )
    return { flaky: of('flaky'), gone: of('gone') }
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(script[req.url ?? '']?.shift() ?? 200).end())
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
    const secret = 'whsec_dGVzdC1zZWNyZXQtZm9yLXF1bmJvdC1tZXRyaWNz'
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'triggers:',
        '  keywords: [转人工]',
        'texts:',
        '  opened: "{mention} 已转人工"',
        '  askRating: "{mention} 请打分 1-5"',
        'webhooks:',
        `  - { name: flaky, url: "${base}/flaky", secret: "${secret}", events: [handoff.opened], allowPrivate: true }`,
        `  - { name: gone, url: "${base}/gone", secret: "${secret}", events: [handoff.opened], allowPrivate: true }`,
      ].join('\n'),
    )
    app = await startTestApp({ QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml') })
    const room = (await app.api('POST', '/api/sim/rooms', { topic: '服务群', members: ['小李'] })).body
    roomId = room.id
    member = room.members[0].id
    await app.api('POST', '/api/sim/settle')
  })
  afterAll(async () => {
    await app.close()
    await new Promise<void>((r) => receiver.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('counts delivered, retried and dead attempts per endpoint', async () => {
    // Declared endpoints show zeros before their first attempt, so an alert sees the first failure.
    expect(await deliveries()).toEqual({
      flaky: { delivered: 0, retry: 0, dead: 0 },
      gone: { delivered: 0, retry: 0, dead: 0 },
    })
    await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: member, text: '我要转人工' })
    await app.api('POST', '/api/sim/settle')
    await dispatcher().whenQuiet()
    expect(await deliveries()).toEqual({
      flaky: { delivered: 0, retry: 1, dead: 0 },
      gone: { delivered: 0, retry: 0, dead: 1 },
    })
    // The first retry is due 5 s (±20%) later.
    await app.sim.advance(10_000)
    await dispatcher().whenQuiet()
    expect(await deliveries()).toEqual({
      flaky: { delivered: 1, retry: 1, dead: 0 },
      gone: { delivered: 0, retry: 0, dead: 1 },
    })
  })
})
