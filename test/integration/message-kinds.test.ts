import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as PUPPET from 'wechaty-puppet'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const RULE = '- - - - - - - - - - - - - - -'
// A 1x1 PNG.
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

interface Row {
  id: string
  kind: string
  text: string
  media_name: string | null
  recalled_at: number | null
}

/**
 * Every Wechaty message kind the mock puppet can carry goes through the real adapter into the
 * message log, counts as the member's activity, and reaches only the features that asked for it.
 */
describe('message kinds through the simulator', () => {
  let app: TestApp
  let roomId: string
  let zhang: string
  let li: string
  beforeEach(async () => {
    app = await startTestApp()
    const room = (await app.api('POST', '/api/sim/rooms', { topic: '打卡群', members: ['张三', '李四'] }))
      .body
    roomId = room.id
    zhang = room.members[0].id
    li = room.members[1].id
  })
  afterEach(async () => app.close())

  const post = async (body: object) => {
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, body)
    expect(res.status).toBe(202)
    return res.body.messageId as string
  }
  const rows = (): Row[] => {
    app.runtime.messageLog.flush()
    return app.db.$client
      .prepare('SELECT id, kind, text, media_name, recalled_at FROM messages ORDER BY received_at, rowid')
      .all() as Row[]
  }

  it('stores each kind with its name and no bytes, and a quote as the reply it carries', async () => {
    const text = await post({ from: zhang, text: '大家好' })
    const quote = await post({ from: li, text: `「张三：大家好」\n${RULE}\n你好呀` })
    const image = await post({ from: li, media: { kind: 'image', name: 'desk.png', base64: PNG_BASE64 } })
    const file = await post({ from: li, media: { kind: 'file', name: '报名表-13812345678.xlsx' } })
    const voice = await post({ from: li, media: { kind: 'voice', seconds: 12 } })
    const video = await post({ from: li, media: { kind: 'video' } })
    const sticker = await post({ from: li, media: { kind: 'emoticon' } })
    const link = await post({ from: li, card: { kind: 'link', title: '报名', url: 'https://example.com/a' } })
    await app.sim.settle()
    const byId = new Map(rows().map((r) => [r.id, r]))
    expect(byId.get(text)).toMatchObject({ kind: 'text', text: '大家好', media_name: null })
    expect(byId.get(quote)).toMatchObject({ kind: 'quote', text: '你好呀' })
    expect(byId.get(image)).toMatchObject({ kind: 'image', text: '', media_name: 'desk.png' })
    // File names are masked like text.
    expect(byId.get(file)).toMatchObject({ kind: 'file', media_name: '报名表-138****5678.xlsx' })
    expect(byId.get(voice)).toMatchObject({ kind: 'voice', media_name: 'voice.silk' })
    expect(byId.get(video)?.kind).toBe('video')
    expect(byId.get(sticker)?.kind).toBe('emoticon')
    expect(byId.get(link)).toMatchObject({ kind: 'link', text: '报名' })
    // No column holds the image's bytes.
    const dump = JSON.stringify(app.db.$client.prepare('SELECT * FROM messages').all())
    expect(dump).not.toContain(PNG_BASE64.slice(0, 24))
  })

  it('a member who only posts photos and stickers is active', async () => {
    await post({ from: li, media: { kind: 'image', base64: PNG_BASE64 } })
    await post({ from: li, media: { kind: 'emoticon' } })
    await app.sim.settle()
    app.runtime.messageLog.flush()
    for (const f of app.features) f.flush?.()
    const sql = app.db.$client
    expect(sql.prepare('SELECT message_count FROM members WHERE member_id = ?').pluck().get(li)).toBe(2)
    expect(sql.prepare('SELECT messages FROM activity_days WHERE member_id = ?').pluck().get(li)).toBe(2)
    const overview = (await app.api('GET', '/api/analytics/overview')).body
    expect(JSON.stringify(overview)).toBeTruthy()
    expect(sql.prepare('SELECT COUNT(*) FROM activity_days WHERE member_id = ?').pluck().get(zhang)).toBe(0)
  })

  it('text features do not see media: an image @mentioning nobody gets no answer, "ping" does', async () => {
    await post({ from: li, media: { kind: 'image', name: 'ping.png' } })
    await post({ from: li, text: 'ping', mentionBot: true })
    await app.sim.settle()
    const lines = (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages
    expect(
      lines.map((l: { kind: string; self: boolean; name?: string }) => [l.kind, l.self, l.name]),
    ).toEqual([
      ['image', false, 'ping.png'],
      ['text', false, undefined],
      ['text', true, undefined],
    ])
  })

  it('a recall marks the line and blanks its stored text; it is not activity', async () => {
    const said = await post({ from: li, text: '我的手机 13812345678 打错了' })
    await app.sim.settle()
    const recalled = await app.api('POST', `/api/sim/rooms/${roomId}/messages/${said}/recall`)
    expect(recalled.status).toBe(204)
    await app.sim.settle()
    const stored = rows()
    const original = stored.find((r) => r.id === said)
    expect(original?.recalled_at).toBeTypeOf('number')
    expect(original?.text).toBe('')
    expect(stored.filter((r) => r.kind === 'recalled')).toHaveLength(1)
    const sql = app.db.$client
    expect(sql.prepare('SELECT message_count FROM members WHERE member_id = ?').pluck().get(li)).toBe(1)
    const lines = (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ id: said, recalled: true })
    // A second recall, or one of a message that is not there, is a 404 with a reason.
    const again = await app.api('POST', `/api/sim/rooms/${roomId}/messages/${said}/recall`)
    expect(again.status).toBe(404)
    expect((await app.api('POST', `/api/sim/rooms/${roomId}/messages/nope/recall`)).status).toBe(404)
  })

  it('rejects media that is not base64, or of an unknown kind, with a 400 and a reason', async () => {
    const bad = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, {
      from: li,
      media: { kind: 'image', base64: '不是base64' },
    })
    expect(bad.status).toBe(400)
    const kind = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, {
      from: li,
      media: { kind: 'hologram' },
    })
    expect(kind.status).toBe(400)
  })
})

describe('recalling a message before the bot answered it', () => {
  let app: TestApp
  afterEach(async () => app.close())

  it('withdraws the queued answer; an answer to a message not recalled still goes', async () => {
    app = await startTestApp({ QUNBOT_SEND_MIN_GAP_MS: '60000', QUNBOT_SEND_JITTER_MS: '0' })
    const room = (await app.api('POST', '/api/sim/rooms', { topic: '撤回群', members: ['甲', '乙', '丙'] }))
      .body
    const [a, b, c] = room.members.map((m: { id: string }) => m.id) as [string, string, string]
    const say = async (from: string) =>
      (await app.api('POST', `/api/sim/rooms/${room.id}/messages`, { from, text: 'ping', mentionBot: true }))
        .body.messageId as string
    await say(a)
    await app.sim.settle()
    // The next answers wait a minute of pacing: handled, queued, not sent.
    const recalled = await say(b)
    await say(c)
    await app.sim.world.inFlight.whenIdle()
    await app.runtime.idle.whenIdle()
    expect((await app.api('POST', `/api/sim/rooms/${room.id}/messages/${recalled}/recall`)).status).toBe(204)
    await app.sim.settle()
    const lines = (await app.api('GET', `/api/sim/rooms/${room.id}/messages`)).body.messages as {
      self: boolean
      text: string
    }[]
    const answers = lines.filter((l) => l.self).map((l) => l.text)
    expect(answers).toEqual(['@甲 pong', '@丙 pong'])
    const statuses = app.db.$client.prepare('SELECT status FROM chat_outbox ORDER BY id').pluck().all()
    expect(statuses).toEqual(['sent', 'cancelled', 'sent'])
  })
})

describe('platform notices and other kinds from the mock puppet', () => {
  let app: TestApp
  afterEach(async () => app.close())

  it('maps Unknown with text to system (not activity) and a location to other (activity)', async () => {
    app = await startTestApp()
    const room = (await app.api('POST', '/api/sim/rooms', { topic: '通知群', members: ['甲'] })).body
    const member = room.members[0].id as string
    const mocker = app.sim.world.puppet.mocker
    const emit = (id: string, type: PUPPET.types.Message, text: string) => {
      mocker.MessageMock.create({
        id,
        talkerId: member,
        roomId: room.id,
        timestamp: app.clock.now(),
        type,
        text,
        mentionIdList: [],
      } as unknown as PUPPET.payloads.Message)
      mocker.puppet.emit('message', { messageId: id })
    }
    emit('sys-1', PUPPET.types.Message.Unknown, '"甲"修改群名为"通知群2"')
    emit('loc-1', PUPPET.types.Message.Location, '')
    const kinds = () => {
      app.runtime.messageLog.flush()
      return app.db.$client.prepare('SELECT id, kind, text FROM messages ORDER BY id').all()
    }
    await expect.poll(kinds, { timeout: 10_000 }).toEqual([
      { id: 'loc-1', kind: 'other', text: '' },
      { id: 'sys-1', kind: 'system', text: '"甲"修改群名为"通知群2"' },
    ])
    await app.runtime.idle.whenIdle()
    app.runtime.messageLog.flush()
    expect(
      app.db.$client.prepare('SELECT message_count FROM members WHERE member_id = ?').pluck().get(member),
    ).toBe(1)
  })
})
