import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/logger.js'
import { plainText } from '../../src/core/types.js'
import { type Db, openDatabase } from '../../src/db/client.js'
import { type ChatOutbox, createChatOutbox } from '../../src/outbox/chat-outbox.js'
import { PacedSender, type PacingOptions } from '../../src/platform/paced-sender.js'
import { FakePlatform } from '../helpers/fake-platform.js'

const pacing: PacingOptions = { minGapMs: 2000, jitterMs: 1000, perMinute: 20, breakerMs: 60_000 }

/** Runs the clock forward until the queue is empty, like the simulator's settle. */
async function drain(clock: ManualClock, sender: PacedSender): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    await sender.whenQuiet()
    const due = sender.nextDueAt()
    if (due === undefined) return
    await clock.advanceTo(Math.max(due, clock.now()))
    sender.wake()
  }
  throw new Error('queue never drained')
}

describe('PacedSender', () => {
  let db: Db
  let outbox: ChatOutbox
  let clock: ManualClock
  let platform: FakePlatform
  let sendTimes: number[]

  const makeSender = (options: Partial<PacingOptions> = {}, random = () => 0.5) => {
    const sender = new PacedSender(outbox, platform, clock, { ...pacing, ...options }, silentLogger, random)
    sender.start()
    sender.setOnline(true)
    return sender
  }

  beforeEach(() => {
    db = openDatabase(':memory:')
    outbox = createChatOutbox(db)
    clock = new ManualClock()
    platform = new FakePlatform()
    sendTimes = []
    const deliver = platform.deliver.bind(platform)
    platform.deliver = async (roomId, message) => {
      await deliver(roomId, message)
      sendTimes.push(clock.now())
    }
  })
  afterEach(() => db.$client.close())

  it('delivers a phone number as written, and keeps only its masked form once sent', async () => {
    const sender = makeSender()
    sender.send('room@chatroom', {
      parts: [{ mention: 'wxid_13812345678', name: '小李' }, ' 请拨 13812345678 联系我们'],
    })
    await drain(clock, sender)
    expect(platform.delivered[0]?.message.parts[1]).toBe(' 请拨 13812345678 联系我们')
    const stored = db.$client.prepare('SELECT parts, status FROM chat_outbox').all() as {
      parts: string
      status: string
    }[]
    expect(stored).toEqual([
      {
        status: 'sent',
        parts: JSON.stringify([{ mention: 'wxid_13812345678', name: '小李' }, ' 请拨 138****5678 联系我们']),
      },
    ])
  })

  it('sends 30 queued messages to one room in order, none lost, at least the minimum gap apart', async () => {
    const sender = makeSender({ perMinute: 1000 }, Math.random)
    for (let i = 0; i < 30; i++) sender.send('room@chatroom', plainText(`message ${i}`))
    await drain(clock, sender)
    expect(platform.delivered.map((d) => d.message.parts[0])).toEqual(
      Array.from({ length: 30 }, (_, i) => `message ${i}`),
    )
    for (let i = 1; i < sendTimes.length; i++) {
      const gap = (sendTimes[i] ?? 0) - (sendTimes[i - 1] ?? 0)
      expect(gap).toBeGreaterThanOrEqual(2000)
      expect(gap).toBeLessThan(3000)
    }
  })

  it('holds to the per-minute cap even when the gap would allow more', async () => {
    const sender = makeSender({ minGapMs: 100, jitterMs: 0, perMinute: 5 })
    for (let i = 0; i < 12; i++) sender.send('room@chatroom', plainText(`m${i}`))
    await drain(clock, sender)
    expect(platform.delivered).toHaveLength(12)
    for (let i = 5; i < sendTimes.length; i++) {
      expect((sendTimes[i] ?? 0) - (sendTimes[i - 5] ?? 0)).toBeGreaterThanOrEqual(60_000)
    }
  })

  it('pauses every send when the platform says "too frequent", then resumes with nothing lost', async () => {
    const sender = makeSender({ jitterMs: 0 })
    platform.failures.push({ error: new Error('发送消息过于频繁，请稍后再试') })
    sender.send('a@chatroom', plainText('first'))
    sender.send('b@chatroom', plainText('second'))
    const start = clock.now()
    await drain(clock, sender)
    expect(platform.delivered.map((d) => d.message.parts[0])).toEqual(['first', 'second'])
    expect((sendTimes[0] ?? 0) - start).toBeGreaterThanOrEqual(60_000)
  })

  it('keeps sends queued while logged out and sends them after login', async () => {
    const sender = makeSender()
    sender.setOnline(false)
    sender.send('room@chatroom', plainText('while offline'))
    await clock.advance(10 * 60_000)
    await sender.whenQuiet()
    expect(platform.delivered).toHaveLength(0)
    expect(sender.nextDueAt()).toBeUndefined()
    sender.setOnline(true)
    await drain(clock, sender)
    expect(platform.delivered.map((d) => d.message.parts[0])).toEqual(['while offline'])
  })

  it('retries other failures with backoff and dead-letters after the attempt limit', async () => {
    const sender = makeSender({ maxAttempts: 3 })
    platform.failures.push(...[1, 2, 3].map(() => ({ error: new Error('boom'), roomId: 'x@chatroom' })))
    sender.send('x@chatroom', plainText('doomed'))
    sender.send('y@chatroom', plainText('fine'))
    await drain(clock, sender)
    expect(platform.delivered.map((d) => d.roomId)).toEqual(['y@chatroom'])
    const dead = db.$client
      .prepare("SELECT attempts, last_error FROM chat_outbox WHERE status = 'dead'")
      .all()
    expect(dead).toEqual([{ attempts: 3, last_error: 'boom' }])
    expect(platform.failures).toHaveLength(0)
  })

  it('a retrying chunk holds back later chunks of its own group only', async () => {
    const sender = makeSender({ jitterMs: 0 })
    platform.failures.push({ error: new Error('network') })
    sender.send('a@chatroom', plainText('a1'))
    sender.send('a@chatroom', plainText('a2'))
    sender.send('b@chatroom', plainText('b1'))
    await drain(clock, sender)
    expect(platform.delivered.map((d) => d.message.parts[0])).toEqual(['b1', 'a1', 'a2'])
  })

  it('splits a long text into chunks that each fit the platform limit and keeps their order', async () => {
    const sender = makeSender()
    const long = Array.from({ length: 300 }, (_, i) => `第${i}行：今天的读书笔记内容`).join('\n')
    sender.send('room@chatroom', plainText(long))
    await drain(clock, sender)
    expect(platform.delivered.length).toBeGreaterThan(1)
    const joined = platform.delivered.map((d) => d.message.parts.join('')).join('\n')
    expect(joined).toBe(long)
    for (const d of platform.delivered)
      expect(Buffer.byteLength(d.message.parts.join(''))).toBeLessThanOrEqual(2000)
  })

  it('reports each attempt and how long sent chunks waited for pacing to observers', async () => {
    const sender = makeSender({ jitterMs: 0, maxAttempts: 2 })
    const outcomes: string[] = []
    const waits: number[] = []
    sender.observe({ attempt: (o) => outcomes.push(o), pacingWait: (ms) => waits.push(ms) })
    platform.failures.push(
      { error: new Error('发送消息过于频繁，请稍后再试') },
      ...[1, 2].map(() => ({ error: new Error('boom'), roomId: 'x@chatroom' })),
    )
    sender.send('a@chatroom', plainText('first'))
    sender.send('x@chatroom', plainText('doomed'))
    await drain(clock, sender)
    expect(outcomes).toEqual(['throttled', 'sent', 'retried', 'dead'])
    // "first" was due at once and went out after the 60 s breaker.
    expect(waits).toEqual([60_000])

    // Waiting while offline is not pacing; waiting behind the previous send's gap is.
    outcomes.length = 0
    waits.length = 0
    sender.setOnline(false)
    sender.send('a@chatroom', plainText('later 1'))
    sender.send('a@chatroom', plainText('later 2'))
    await clock.advance(10 * 60_000)
    sender.setOnline(true)
    await drain(clock, sender)
    // A chunk queued long after the last send goes at once.
    await clock.advance(5 * 60_000)
    sender.send('a@chatroom', plainText('later 3'))
    await drain(clock, sender)
    expect(outcomes).toEqual(['sent', 'sent', 'sent'])
    expect(waits).toEqual([0, 2000, 0])
  })

  it('never resends a chunk because an observer failed', async () => {
    const sender = makeSender()
    sender.observe({
      attempt: () => {
        throw new Error('observer broke')
      },
    })
    sender.send('room@chatroom', plainText('once'))
    await drain(clock, sender)
    await clock.advance(10 * 60_000)
    await sender.whenQuiet()
    expect(platform.delivered).toHaveLength(1)
    expect(db.$client.prepare('SELECT status FROM chat_outbox').pluck().all()).toEqual(['sent'])
  })

  it('requeues a chunk that was being sent when the process stopped', async () => {
    const first = makeSender()
    first.setOnline(false)
    const [id] = first.send('room@chatroom', plainText('interrupted'))
    outbox.markSending(id ?? 0)
    first.stop()
    const second = makeSender()
    await drain(clock, second)
    expect(platform.delivered.map((d) => d.message.parts[0])).toEqual(['interrupted'])
  })
})

describe('PacedSender with a group in backoff', () => {
  it('does not report the queue as due while the only sendable chunk waits behind a retry', async () => {
    const db = openDatabase(':memory:')
    const clock = new ManualClock()
    const platform = new FakePlatform()
    platform.failures.push({ error: new Error('network') })
    const sender = new PacedSender(
      createChatOutbox(db),
      platform,
      clock,
      { ...pacing, jitterMs: 0 },
      silentLogger,
      () => 0.5,
    )
    sender.start()
    sender.setOnline(true)
    sender.send('a@chatroom', plainText('a1'))
    sender.send('a@chatroom', plainText('a2'))
    await sender.whenQuiet()
    await Promise.resolve()
    await sender.whenQuiet()
    const due = sender.nextDueAt()
    expect(due).toBeDefined()
    expect(due ?? 0).toBeGreaterThan(clock.now())
    db.$client.close()
  })
})
