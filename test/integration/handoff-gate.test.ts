import { DateTime } from 'luxon'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

type Line = { fromName: string; text: string; self: boolean }

/**
 * With the example content (SOP, knowledge, handoff.yaml): a member with an open ticket is not
 * swallowed by it, and one message gets one reply that tells the truth.
 */
describe('handoff gate and one reply per message', () => {
  let app: TestApp
  let roomId: string
  const ids: Record<string, string> = {}

  const lines = async () =>
    (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[]
  const botLines = async () => (await lines()).filter((l) => l.self).map((l) => l.text)
  /** Says `text` as `who` and returns the bot lines it caused. */
  const say = async (who: string, text: string, mentionBot = false) => {
    const before = (await botLines()).length
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, {
      from: ids[who],
      text,
      mentionBot,
    })
    expect(res.status).toBe(202)
    await app.sim.settle()
    return (await botLines()).slice(before)
  }
  const sql = () => {
    app.runtime.messageLog.flush()
    return app.db.$client
  }
  const ticketOf = (who: string) =>
    sql().prepare('SELECT id, reason FROM tickets WHERE member_id = ?').get(ids[who]) as
      | { id: number; reason: string }
      | undefined

  beforeEach(async () => {
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    // Friday 18:01 in Shanghai: within business hours, and the example SOP's poll has opened.
    const now = DateTime.fromMillis(app.clock.now(), { zone: 'Asia/Shanghai' })
    let target = now.set({ hour: 17, minute: 59, second: 0, millisecond: 0 })
    while (target <= now || target.weekday !== 5) target = target.plus({ days: 1 })
    await app.sim.advance(target.toMillis() - now.toMillis())
    const room = app.sim.world.createRoom('读书会·门禁测试群', ['甲', '乙', '丙'])
    roomId = room.id
    for (const m of room.members) ids[m.name] = m.id
    await app.sim.settle()
    await app.sim.advance(2 * 60_000)
    await app.sim.settle()
  })
  afterEach(async () => app.close())

  it('a member with an open ticket checks in, votes, asks for points; a question goes to the ticket', async () => {
    expect((await botLines()).some((l) => l.startsWith('本周满意度？'))).toBe(true)
    expect((await say('甲', '转人工')).join()).toContain('已为你转接人工客服')
    const ticket = ticketOf('甲')
    expect(ticket).toBeDefined()

    const checkin = await say('甲', '打卡')
    expect(checkin).toHaveLength(1)
    expect(checkin[0]).toContain('打卡成功！连续 1 天')
    expect(sql().prepare('SELECT COUNT(*) FROM checkins WHERE member_id = ?').pluck().get(ids['甲'])).toBe(1)

    expect(await say('甲', '4')).toEqual([])
    expect(await say('乙', '5')).toEqual([])
    const votes = sql().prepare('SELECT member_id, option FROM poll_votes ORDER BY member_id').all() as {
      member_id: string
      option: string
    }[]
    expect(votes.map((v) => [v.member_id, v.option]).sort()).toEqual(
      [
        [ids['甲'], '4'],
        [ids['乙'], '5'],
      ].sort(),
    )

    const points = await say('甲', '我的积分')
    expect(points).toHaveLength(1)
    expect(points[0]).toContain('你的积分 5')

    // A question the FAQ would answer (乙 gets the answer) stays in the ticket for 甲.
    expect(await say('甲', '怎么申请退款？')).toEqual([])
    const events = sql()
      .prepare('SELECT kind, text FROM ticket_events WHERE ticket_id = ? ORDER BY id')
      .all(ticket?.id) as { kind: string; text: string }[]
    expect(events.map((e) => [e.kind, e.text])).toEqual([
      ['opened', '转人工'],
      ['member_action', '打卡'],
      ['member_action', '4'],
      ['member_action', '我的积分'],
      ['member_message', '怎么申请退款？'],
    ])
  })

  it('an entry marked handoff answers once, saying a person follows up, and opens a ticket', async () => {
    const reply = await say('乙', '怎么申请退款？')
    expect(reply).toHaveLength(1)
    expect(reply[0]).toContain('开课 7 天内')
    expect(reply[0]).toContain('稍后会有工作人员跟进')
    expect(ticketOf('乙')?.reason).toBe('faq:refund')
    // The next message goes to the ticket (the member was told a person follows up).
    expect(await say('乙', '好的，我等着')).toEqual([])
  })

  it('the question that opens a ticket gets only the acknowledgement, not the no-match offer', async () => {
    const first = await say('丙', '火星上能开分会吗？', true)
    const second = await say('丙', '月球上的读书会怎么报名？', true)
    for (const r of [first, second]) {
      expect(r).toHaveLength(1)
      expect(r[0]).toContain('回复「转人工」')
    }
    const third = await say('丙', '海底读书会有名额吗？', true)
    expect(third).toHaveLength(1)
    expect(third[0]).toContain('已为你转接人工客服')
    expect(ticketOf('丙')?.reason).toBe('unanswered-questions')
  })
})

describe('media a member sends into a ticket', () => {
  let app: TestApp
  afterEach(async () => app.close())

  it('is a transcript line naming its kind; staff fetch the file once kept; a non-image is a download', async () => {
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('截图测试群', ['甲'])
    const member = room.members[0]?.id ?? ''
    await app.sim.settle()
    const post = async (body: object) => {
      const res = await app.api('POST', `/api/sim/rooms/${room.id}/messages`, { from: member, ...body })
      expect(res.status).toBe(202)
      await app.sim.settle()
      return res.body.messageId as string
    }
    await post({ text: '转人工' })
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .png()
      .toBuffer()
    const shot = await post({
      media: { kind: 'image', name: 'order-13812345678.png', base64: png.toString('base64') },
    })
    const html = Buffer.from('<script>alert(1)</script>').toString('base64')
    const file = await post({ media: { kind: 'file', name: 'page.html', base64: html } })

    const ticketId = app.db.$client.prepare('SELECT id FROM tickets').pluck().get() as number
    const detail = (await app.api('GET', `/api/handoff/tickets/${ticketId}`)).body
    const lines = (detail.events as { kind: string; text: string; messageId: string | null }[]).filter(
      (e) => e.kind === 'member_message',
    )
    expect(lines).toEqual([
      expect.objectContaining({ text: '[图片] order-138****5678.png', messageId: shot }),
      expect.objectContaining({ text: '[文件] page.html', messageId: file }),
    ])

    const image = await app.server.inject({
      method: 'GET',
      url: `/api/media/${shot}`,
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    })
    expect(image.statusCode).toBe(200)
    expect(image.headers['content-type']).toBe('image/png')
    expect(image.headers['content-disposition']).toMatch(/^inline/)
    expect(image.rawPayload.equals(png)).toBe(true)

    const download = await app.server.inject({
      method: 'GET',
      url: `/api/media/${file}`,
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    })
    expect(download.headers['content-type']).toBe('application/octet-stream')
    expect(download.headers['content-disposition']).toMatch(/^attachment/)

    expect((await app.server.inject({ method: 'GET', url: `/api/media/${shot}` })).statusCode).toBe(401)
    expect((await app.api('GET', '/api/media/never-kept')).status).toBe(404)

    // The member's export carries the file as base64; erasure deletes it.
    const exported = (await app.api('GET', `/api/members/${member}/export`)).body
    const kept = exported.tables.media_files as { message_id: string; bytes: { base64: string } }[]
    expect(kept.find((f) => f.message_id === shot)?.bytes.base64).toBe(png.toString('base64'))
    expect((await app.api('DELETE', `/api/members/${member}`)).status).toBe(200)
    expect((await app.api('GET', `/api/media/${shot}`)).status).toBe(404)
  })
})
