import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/** Real Wechaty on the mock puppet, a real SQLite file and the real pipeline. */
describe('bot reactions through Wechaty', () => {
  let app: TestApp
  let roomId: string
  let memberId: string

  beforeEach(async () => {
    app = await startTestApp({
      QUNBOT_SEND_MIN_GAP_MS: '2000',
      QUNBOT_SEND_JITTER_MS: '1000',
      QUNBOT_SEND_PER_MINUTE: '600',
    })
    const room = app.sim.world.createRoom('测试群', ['张三', '李四'])
    roomId = room.id
    memberId = room.members[0]?.id ?? ''
    await app.sim.settle()
  })
  afterEach(async () => app.close())

  const botLines = () => app.sim.world.transcript(roomId).filter((l) => l.self)

  it('answers a redelivered message event once', async () => {
    const id = app.sim.world.say(roomId, memberId, 'ping', true)
    app.sim.world.redeliver(id)
    await app.sim.settle()
    app.sim.world.redeliver(id)
    await app.sim.settle()
    expect(botLines().map((l) => l.text)).toEqual(['@张三 pong'])
    expect(app.runtime.stats.dropped.duplicate).toBe(2)
  })

  it("never reacts to the bot's own messages", async () => {
    app.sim.world.say(roomId, app.sim.world.botContact.id, 'ping', true)
    await app.sim.settle()
    expect(botLines().map((l) => l.text)).toEqual(['@小Q助手\u2005ping'])
    expect(app.runtime.stats.dropped.self).toBeGreaterThanOrEqual(1)
    expect(app.runtime.stats.answered).toBe(0)
  })

  it('sends 30 queued messages to one room in order, none lost, spaced by the configured gap on the simulated clock', async () => {
    const started = app.clock.now()
    for (let i = 1; i <= 30; i++) app.sender.send(roomId, { parts: [{ mention: memberId }, ` 第${i}条`] })
    await app.sim.settle()
    const lines = botLines()
    expect(lines.map((l) => l.text)).toEqual(Array.from({ length: 30 }, (_, i) => `@张三 第${i + 1}条`))
    for (let i = 1; i < lines.length; i++) {
      expect((lines[i]?.at ?? 0) - (lines[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(2000)
    }
    expect(app.clock.now() - started).toBeGreaterThanOrEqual(29 * 2000)
    const sent = app.db.$client
      .prepare("SELECT COUNT(*) AS n FROM chat_outbox WHERE status = 'sent'")
      .get() as { n: number }
    expect(sent.n).toBe(30)
  })

  it('treats the same text from the same member at the same instant as one message', async () => {
    for (let i = 0; i < 3; i++) app.sim.world.say(roomId, memberId, 'ping', true)
    await app.sim.settle()
    expect(botLines()).toHaveLength(1)
    await app.sim.advance(1000)
    app.sim.world.say(roomId, memberId, 'ping', true)
    await app.sim.settle()
    expect(botLines()).toHaveLength(2)
  })

  it('keeps replies queued across a logout and sends them after login', async () => {
    await app.sim.world.logout()
    await app.sim.settle()
    expect(app.runtime.login().state).toBe('logged_out')
    app.sender.send(roomId, { parts: ['队列中的消息'] })
    await app.sim.settle()
    expect(botLines()).toHaveLength(0)
    expect(app.sender.queueDepth()).toBe(1)
    app.sim.world.login()
    await app.sim.settle()
    expect(botLines().map((l) => l.text)).toEqual(['队列中的消息'])
  })

  it('stores inbound text masked and updates member activity', async () => {
    app.sim.world.say(roomId, memberId, '我的电话是 13812345678')
    await app.sim.settle()
    app.runtime.messageLog.flush()
    const row = app.db.$client.prepare('SELECT text FROM messages WHERE sender_id = ?').get(memberId) as {
      text: string
    }
    expect(row.text).toBe('我的电话是 138****5678')
    const member = app.db.$client
      .prepare('SELECT message_count, last_seen_at FROM members WHERE member_id = ?')
      .get(memberId) as { message_count: number; last_seen_at: number }
    expect(member.message_count).toBe(1)
    expect(member.last_seen_at).toBe(app.clock.now())
  })
})
