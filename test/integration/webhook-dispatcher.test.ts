import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/logger.js'
import { type Db, openDatabase } from '../../src/db/client.js'
import { verify } from '../../src/outbox/webhooks/standard-webhooks.js'
import { WebhookDispatcher } from '../../src/outbox/webhooks/webhook-dispatcher.js'
import { createWebhookOutbox, type WebhookOutbox } from '../../src/outbox/webhooks/webhook-outbox.js'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

/** A local receiver that answers with the next status in `script` (then 200). */
async function startReceiver(script: { status: number; headers?: Record<string, string> }[]) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      const next = script.shift() ?? { status: 200 }
      res.writeHead(next.status, next.headers ?? {})
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('WebhookDispatcher', () => {
  let db: Db
  let outbox: WebhookOutbox
  let clock: ManualClock

  beforeEach(() => {
    db = openDatabase(':memory:')
    outbox = createWebhookOutbox(db)
    clock = new ManualClock(Date.UTC(2026, 10, 23, 8, 0))
  })
  afterEach(() => db.$client.close())

  async function run(dispatcher: WebhookDispatcher, ms: number) {
    await clock.advance(ms)
    await dispatcher.whenQuiet()
  }

  it('delivers a signed event whose signature verifies, with a stable webhook-id', async () => {
    const receiver = await startReceiver([])
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
    )
    dispatcher.start()
    const [id] = dispatcher.publish('handoff.opened', { ticket: 1 })
    await run(dispatcher, 0)
    expect(receiver.received).toHaveLength(1)
    const got = receiver.received[0] as Received
    expect(got.headers['webhook-id']).toBe(id)
    expect(verify(got.headers, got.body, [SECRET], clock.now())).toMatchObject({ ok: true, id })
    expect(verify(got.headers, got.body.replace('1', '2'), [SECRET], clock.now())).toMatchObject({
      ok: false,
    })
    expect(JSON.parse(got.body)).toMatchObject({ type: 'handoff.opened', data: { ticket: 1 } })
    // The official library accepts it too (its timestamp check reads the system clock).
    vi.useFakeTimers({ toFake: ['Date'], now: clock.now() })
    try {
      const official = new Webhook(SECRET)
      expect(official.verify(got.body, got.headers as Record<string, string>)).toMatchObject({
        type: 'handoff.opened',
        data: { ticket: 1 },
      })
      expect(() =>
        official.verify(got.body.replace('1', '2'), got.headers as Record<string, string>),
      ).toThrow('No matching signature found')
    } finally {
      vi.useRealTimers()
    }
    await receiver.close()
  })

  it('sends a chat-robot endpoint without a secret no signature headers', async () => {
    const receiver = await startReceiver([])
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'wecom', url: receiver.url, events: ['*'], format: 'wecom', allowPrivate: true }],
      clock,
      silentLogger,
    )
    dispatcher.start()
    dispatcher.publish('handoff.opened', { ticket: 1 })
    await run(dispatcher, 0)
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0]?.headers['webhook-signature']).toBeUndefined()
    await receiver.close()
  })

  it('never follows a redirect: a 3xx is a failed attempt, recorded with its Location', async () => {
    const elsewhere = await startReceiver([])
    const receiver = await startReceiver([{ status: 307, headers: { location: elsewhere.url } }])
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
      { backoffMs: [5_000], random: () => 0.5 },
    )
    dispatcher.start()
    const [id] = dispatcher.publish('handoff.opened', { ticket: 3 })
    await run(dispatcher, 0)
    expect(receiver.received).toHaveLength(1)
    expect(elsewhere.received).toHaveLength(0)
    const [attempt] = outbox.attempts(id ?? '')
    expect(attempt?.statusCode).toBe(307)
    expect(attempt?.error).toContain(`redirect to ${elsewhere.url} not followed`)
    await receiver.close()
    await elsewhere.close()
  })

  it('stores an attempt error masked and bounded: a Location can carry what the receiver put in it', async () => {
    const location = `https://crm.example.com/lead?phone=13812345678&note=${'x'.repeat(5_000)}`
    const receiver = await startReceiver([{ status: 302, headers: { location } }])
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
      { backoffMs: [5_000], random: () => 0.5 },
    )
    dispatcher.start()
    const [id] = dispatcher.publish('handoff.opened', { ticket: 4 })
    await run(dispatcher, 0)
    const [attempt] = outbox.attempts(id ?? '')
    expect(attempt?.error).toContain('redirect to https://crm.example.com/lead?phone=138****5678')
    expect(attempt?.error?.length).toBeLessThanOrEqual(1_000)
    const [row] = outbox.list(undefined).filter((d) => d.id === id)
    expect(row?.lastError).not.toContain('13812345678')
    expect(row?.lastError?.length).toBeLessThanOrEqual(1_000)
    await receiver.close()
  })

  it('retries a 500 on the backoff schedule, then delivers once, logging every attempt', async () => {
    const receiver = await startReceiver([{ status: 500 }, { status: 503 }])
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['handoff.opened'], allowPrivate: true }],
      clock,
      silentLogger,
      {
        backoffMs: [5_000, 60_000, 600_000],
        random: () => 0.5,
      },
    )
    dispatcher.start()
    const [id] = dispatcher.publish('handoff.opened', { ticket: 7 })
    dispatcher.publish('csat.submitted', { ignored: true })
    await run(dispatcher, 0)
    expect(receiver.received).toHaveLength(1)
    await run(dispatcher, 4_999)
    expect(receiver.received).toHaveLength(1)
    await run(dispatcher, 1)
    expect(receiver.received).toHaveLength(2)
    await run(dispatcher, 60_000)
    expect(receiver.received).toHaveLength(3)
    await run(dispatcher, 24 * 3_600_000)
    expect(receiver.received).toHaveLength(3)
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]))
    expect(outbox.attempts(id ?? '').map((a) => a.statusCode)).toEqual([500, 503, 200])
    expect(outbox.list('delivered').map((d) => d.id)).toEqual([id])
    await receiver.close()
  })

  it('honours Retry-After and dead-letters after the last attempt', async () => {
    const receiver = await startReceiver([
      { status: 429, headers: { 'retry-after': '120' } },
      { status: 500 },
      { status: 500 },
    ])
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
      {
        backoffMs: [5_000, 5_000],
        random: () => 0.5,
      },
    )
    dispatcher.start()
    const [id] = dispatcher.publish('handoff.sla_breached', {})
    await run(dispatcher, 0)
    await run(dispatcher, 119_000)
    expect(receiver.received).toHaveLength(1)
    await run(dispatcher, 1_000)
    expect(receiver.received).toHaveLength(2)
    await run(dispatcher, 5_000)
    expect(receiver.received).toHaveLength(3)
    await run(dispatcher, 3_600_000)
    expect(receiver.received).toHaveLength(3)
    expect(outbox.list('dead').map((d) => [d.id, d.attempts, d.lastError])).toEqual([[id, 3, 'HTTP 500']])
    await receiver.close()
  })

  it('tells observers of every attempt: retry, delivered, dead', async () => {
    const receiver = await startReceiver([{ status: 500 }, { status: 410 }])
    const fromOption: string[] = []
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
      {
        backoffMs: [5_000, 5_000],
        random: () => 0.5,
        onAttempt: (r) => fromOption.push(r.outcome),
      },
    )
    const reports: [string, string, number | null][] = []
    dispatcher.observe((r) => reports.push([r.endpoint, r.outcome, r.status]))
    dispatcher.observe(() => {
      throw new Error('a broken observer does not stop deliveries')
    })
    dispatcher.start()
    dispatcher.publish('handoff.opened', {})
    await run(dispatcher, 0)
    await run(dispatcher, 5_000)
    dispatcher.publish('handoff.closed', {})
    await run(dispatcher, 0)
    expect(reports).toEqual([
      ['ops', 'retry', 500],
      ['ops', 'dead', 410],
      ['ops', 'delivered', 200],
    ])
    expect(fromOption).toEqual(['retry', 'dead', 'delivered'])
    expect(dispatcher.endpointNames()).toEqual(['ops'])
    await receiver.close()
  })

  it('keeps a delivery pending while the receiver is unreachable and sends it after a restart', async () => {
    const dispatcher = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: 'http://127.0.0.1:9/none', secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
      {
        backoffMs: [5_000],
        random: () => 0.5,
      },
    )
    dispatcher.start()
    const [id] = dispatcher.publish('handoff.message', { text: 'hi' })
    await run(dispatcher, 0)
    expect(outbox.list('pending').map((d) => d.id)).toEqual([id])
    dispatcher.stop()
    const receiver = await startReceiver([])
    const restarted = new WebhookDispatcher(
      outbox,
      [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
      clock,
      silentLogger,
    )
    restarted.start()
    await run(restarted, 5_000)
    expect(outbox.list(undefined).map((d) => [d.status, d.lastError, d.nextAttemptAt - clock.now()])).toEqual(
      [['delivered', null, expect.any(Number)]],
    )
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id])
    await receiver.close()
  })

  describe('private addresses', () => {
    const publish = async (dispatcher: WebhookDispatcher) => {
      dispatcher.start()
      const [id] = dispatcher.publish('handoff.opened', { ticket: 9 })
      await run(dispatcher, 0)
      return id ?? ''
    }

    it('refuses a receiver on 127.0.0.1 without allowPrivate: nothing arrives, the attempt says why', async () => {
      const receiver = await startReceiver([])
      const dispatcher = new WebhookDispatcher(
        outbox,
        [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'] }],
        clock,
        silentLogger,
        { backoffMs: [5_000], random: () => 0.5 },
      )
      const id = await publish(dispatcher)
      expect(receiver.received).toHaveLength(0)
      const [attempt] = outbox.attempts(id)
      expect(attempt?.statusCode).toBeNull()
      expect(attempt?.error).toContain('127.0.0.1')
      expect(attempt?.error).toContain('allowPrivate: true')
      expect(outbox.list(undefined).map((d) => [d.status, d.lastError])).toEqual([
        ['pending', attempt?.error],
      ])
      await receiver.close()
    })

    it('delivers to the same receiver when the endpoint says allowPrivate: true', async () => {
      const receiver = await startReceiver([])
      const dispatcher = new WebhookDispatcher(
        outbox,
        [{ name: 'ops', url: receiver.url, secret: SECRET, events: ['*'], allowPrivate: true }],
        clock,
        silentLogger,
      )
      const id = await publish(dispatcher)
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([id])
      expect(outbox.attempts(id).map((a) => [a.statusCode, a.error])).toEqual([[200, null]])
      await receiver.close()
    })

    it('refuses IPv6 spellings of a local address', async () => {
      const receiver = await startReceiver([])
      const port = new URL(receiver.url).port
      const dispatcher = new WebhookDispatcher(
        outbox,
        [
          { name: 'mapped', url: `http://[::ffff:127.0.0.1]:${port}/hook`, secret: SECRET, events: ['*'] },
          { name: 'v6', url: `http://[::1]:${port}/hook`, secret: SECRET, events: ['*'] },
        ],
        clock,
        silentLogger,
      )
      dispatcher.start()
      const ids = dispatcher.publish('handoff.opened', { ticket: 9 })
      await run(dispatcher, 0)
      expect(receiver.received).toHaveLength(0)
      expect(ids.map((id) => outbox.attempts(id)[0]?.error)).toEqual([
        expect.stringContaining('::ffff:7f00:1'),
        expect.stringContaining('::1'),
      ])
      await receiver.close()
    })

    it('refuses a host name that resolves to 127.0.0.1 (localhost)', async () => {
      const receiver = await startReceiver([])
      const dispatcher = new WebhookDispatcher(
        outbox,
        [{ name: 'ops', url: receiver.url.replace('127.0.0.1', 'localhost'), secret: SECRET, events: ['*'] }],
        clock,
        silentLogger,
      )
      const id = await publish(dispatcher)
      expect(receiver.received).toHaveLength(0)
      const error = outbox.attempts(id)[0]?.error ?? ''
      expect(error).toContain('localhost')
      expect(error).toMatch(/127\.0\.0\.1|::1/)
      expect(error).toContain('allowPrivate: true')
      await receiver.close()
    })

    it('resolves a name once and connects to the address it checked (no second lookup to rebind)', async () => {
      const receiver = await startReceiver([])
      const port = new URL(receiver.url).port
      const asked: string[] = []
      // The system resolver does not know this name: reaching the receiver proves the socket used
      // the checked answer, and one question per attempt leaves no later answer to swap in.
      const resolve = async (hostname: string) => {
        asked.push(hostname)
        return [{ address: '127.0.0.1', family: 4 }]
      }
      const url = `http://hooks.qunbot.test:${port}/hook`
      const refusing = new WebhookDispatcher(
        outbox,
        [{ name: 'ops', url, secret: SECRET, events: ['*'] }],
        clock,
        silentLogger,
        { resolve },
      )
      const refusedId = await publish(refusing)
      refusing.stop()
      expect(receiver.received).toHaveLength(0)
      expect(outbox.attempts(refusedId)[0]?.error).toContain('hooks.qunbot.test')
      expect(asked).toEqual(['hooks.qunbot.test'])

      const allowing = new WebhookDispatcher(
        outbox,
        [{ name: 'ops', url, secret: SECRET, events: ['*'], allowPrivate: true }],
        clock,
        silentLogger,
        { resolve },
      )
      allowing.start()
      await run(allowing, 10 * 60_000)
      expect(receiver.received.map((r) => [r.headers.host, r.headers['webhook-id']])).toEqual([
        [`hooks.qunbot.test:${port}`, refusedId],
      ])
      expect(asked).toEqual(['hooks.qunbot.test', 'hooks.qunbot.test'])
      await receiver.close()
    })

    it('refuses literal private addresses over https as over http, without connecting', async () => {
      for (const url of ['https://127.0.0.1:9/hook', 'https://[::1]:9/hook', 'https://10.1.2.3/hook']) {
        const asked: string[] = []
        const dispatcher = new WebhookDispatcher(
          outbox,
          [{ name: 'ops', url, secret: SECRET, events: ['*'] }],
          clock,
          silentLogger,
          {
            resolve: async (host) => {
              asked.push(host)
              return [{ address: '93.184.215.14', family: 4 }]
            },
          },
        )
        const id = await publish(dispatcher)
        const [attempt] = outbox.attempts(id)
        expect(attempt?.statusCode).toBeNull()
        expect(attempt?.error).toContain(new URL(url).hostname.replace(/^\[|\]$/g, ''))
        expect(attempt?.error).not.toMatch(/ECONNREFUSED|EPROTO|certificate/)
        expect(asked).toEqual([])
      }
    })

    it('refuses a name when any of its addresses is private, even if another is public', async () => {
      const dispatcher = new WebhookDispatcher(
        outbox,
        [{ name: 'ops', url: 'https://hooks.qunbot.test/hook', secret: SECRET, events: ['*'] }],
        clock,
        silentLogger,
        {
          resolve: async () => [
            { address: '93.184.215.14', family: 4 },
            { address: '169.254.169.254', family: 4 },
          ],
        },
      )
      const id = await publish(dispatcher)
      expect(outbox.attempts(id)[0]?.error).toContain('169.254.169.254')
    })
  })
})
