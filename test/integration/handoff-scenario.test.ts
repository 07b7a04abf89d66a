import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createQunbot } from '../../src/app/create-qunbot.js'
import { contentMessage } from '../../src/config/content-messages.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { signedHeaders, verify } from '../../src/outbox/webhooks/standard-webhooks.js'
import type { WebhookDispatcher } from '../../src/outbox/webhooks/webhook-dispatcher.js'
import { createTestConfig, startTestApp, type TestApp } from '../helpers/test-app.js'

const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXF1bmJvdC1oYW5kb2Zm'
const OTHER_SECRET = `whsec_${Buffer.from('another-secret-of-24-bytes!').toString('base64')}`

/** The official library's verify reads the system clock: run it at the app's (manual) time. */
function officialVerify(secret: string, now: number, body: string, headers: IncomingHttpHeaders): unknown {
  vi.useFakeTimers({ toFake: ['Date'], now })
  try {
    return new Webhook(secret).verify(body, headers as Record<string, string>)
  } finally {
    vi.useRealTimers()
  }
}
type Line = { fromName: string; text: string; self: boolean }
type Delivery = { headers: IncomingHttpHeaders; body: string; url: string }

/** Handoff through the simulator, with a local staff webhook receiver. */
describe('handoff through the simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-handoff-'))
  const deliveries: Delivery[] = []
  let server: Server
  let app: TestApp
  let roomId: string
  let member: string

  const bot = async () =>
    ((await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[])
      .filter((m) => m.self)
      .map((m) => m.text)
  const say = async (text: string) => {
    await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: member, text })
    await app.api('POST', '/api/sim/settle')
    await (
      app.features.find((f) => f.name === 'handoff') as unknown as { dispatcher: WebhookDispatcher }
    ).dispatcher.whenQuiet()
  }
  const staff = () => deliveries.filter((d) => d.url === '/staff')
  const events = () => staff().map((d) => JSON.parse(d.body).type as string)

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body, url: req.url ?? '' })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/staff`
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'triggers:',
        '  keywords: [转人工]',
        'staff: { names: [值班客服] }',
        'texts:',
        '  opened: "{mention} 已转人工，预计 {eta} 分钟内回复"',
        '  askRating: "{mention} 请打分 1-5"',
        '  thanks: "{mention} 谢谢你的 {rating} 分"',
        'inbound:',
        `  secrets: ["${SECRET}"]`,
        'webhooks:',
        `  - { name: staff, url: "${url}", secret: "${SECRET}", events: ["*"], allowPrivate: true }`,
        // Chat robots check no signature: two of them are configured without a secret.
        ...['wecom', 'feishu'].map(
          (f) =>
            `  - { name: ${f}, url: "${url.replace('/staff', `/${f}`)}", events: [handoff.opened], format: ${f}, allowPrivate: true }`,
        ),
        ...['dingtalk', 'slack'].map(
          (f) =>
            `  - { name: ${f}, url: "${url.replace('/staff', `/${f}`)}", secret: "${SECRET}", events: [handoff.opened], format: ${f}, allowPrivate: true }`,
        ),
      ].join('\n'),
    )
    app = await startTestApp({ QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'), QUNBOT_SEND_JITTER_MS: '0' })
    const room = (
      await app.api('POST', '/api/sim/rooms', { topic: '服务群', members: ['小李', '值班客服', '小周'] })
    ).body
    roomId = room.id
    member = room.members[0].id
    await app.api('POST', '/api/sim/settle')
  })
  afterAll(async () => {
    await app.close()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('acknowledges 转人工 once in the group and delivers one signed handoff.opened', async () => {
    await say('我要转人工')
    expect(await bot()).toEqual(['@小李 已转人工，预计 15 分钟内回复'])
    expect(events()).toEqual(['handoff.opened'])
    const wecom = deliveries.filter((d) => d.url === '/wecom').map((d) => JSON.parse(d.body))
    expect(wecom).toHaveLength(1)
    expect(wecom[0]).toMatchObject({ msgtype: 'markdown' })
    expect(wecom[0].markdown.content).toContain('小李')
    expect(wecom[0].markdown.content).toContain('服务群')
    const body = (f: string) => JSON.parse(deliveries.find((d) => d.url === `/${f}`)?.body ?? '{}')
    expect(body('feishu')).toMatchObject({
      msg_type: 'interactive',
      card: { header: expect.any(Object), elements: expect.any(Array) },
    })
    expect(JSON.stringify(body('feishu'))).toContain('小李')
    expect(body('dingtalk')).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: expect.any(String), text: expect.stringContaining('小李') },
    })
    expect(body('slack')).toMatchObject({ text: expect.any(String), blocks: expect.any(Array) })
    expect(JSON.stringify(body('slack'))).toContain('小李')
    const listed = await app.api('GET', '/api/webhooks/deliveries?status=delivered')
    expect(listed.body.deliveries.length).toBeGreaterThanOrEqual(5)
    expect(listed.body.deliveries[0].attemptLog[0]).toMatchObject({ attempt: 1, statusCode: 204 })
    const [opened] = staff()
    expect(verify(opened?.headers ?? {}, opened?.body ?? '', [SECRET], app.clock.now())).toMatchObject({
      ok: true,
    })
    // What the receiver's own code would run: the official Standard Webhooks library.
    expect(officialVerify(SECRET, app.clock.now(), opened?.body ?? '', opened?.headers ?? {})).toMatchObject({
      type: 'handoff.opened',
    })
    // The robots without a secret get no signature; those with one are signed like any endpoint.
    const signature = (f: string) => deliveries.find((d) => d.url === `/${f}`)?.headers['webhook-signature']
    expect(['wecom', 'feishu', 'dingtalk', 'slack'].map((f) => signature(f) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
    ])
  })

  it('does not auto-answer the member while the ticket is open, and forwards the message to staff', async () => {
    await say('请问直播回放在哪里看？')
    expect(await bot()).toHaveLength(1)
    expect(events()).toEqual(['handoff.opened', 'handoff.message'])
  })

  it('posts the staff reply into the group mentioning the member', async () => {
    const [ticket] = (await app.api('GET', '/api/handoff/tickets?status=open')).body.tickets
    const res = await app.api('POST', `/api/handoff/tickets/${ticket.id}/reply`, {
      text: '回放在课程页「往期直播」里',
      staff: '客服小王',
    })
    expect(res.status).toBe(200)
    await app.api('POST', '/api/sim/settle')
    expect((await bot()).at(-1)).toBe('@小李 回放在课程页「往期直播」里')
    expect(res.body.ticket).toMatchObject({ status: 'waiting_member', firstResponseAt: expect.any(Number) })
  })

  it('asks for a rating on resolve and records and delivers the member answer once', async () => {
    const [ticket] = (await app.api('GET', '/api/handoff/tickets?status=waiting_member')).body.tickets
    expect(
      (await app.api('POST', `/api/handoff/tickets/${ticket.id}/resolve`, { staff: '客服小王' })).status,
    ).toBe(200)
    await app.api('POST', '/api/sim/settle')
    expect((await bot()).at(-1)).toBe('@小李 请打分 1-5')
    await say('还行吧')
    expect((await app.api('GET', `/api/handoff/tickets/${ticket.id}`)).body.ticket.rating).toBeNull()
    await say('5')
    await say('5')
    expect((await bot()).filter((t) => t.includes('谢谢'))).toEqual(['@小李 谢谢你的 5 分'])
    expect(events().filter((e) => e === 'csat.submitted')).toHaveLength(1)
    const stored = await app.api('GET', `/api/handoff/tickets/${ticket.id}`)
    expect(stored.body.ticket).toMatchObject({ status: 'resolved', rating: 5 })
    expect(stored.body.events.map((e: { kind: string }) => e.kind)).toEqual([
      'opened',
      'member_message',
      'staff_reply',
      'resolved',
      'rating',
    ])
    expect(new Set(staff().map((d) => d.headers['webhook-id'])).size).toBe(staff().length)
  })

  it('accepts a signed inbound reply once and rejects tampered, stale and replayed ones', async () => {
    await say('转人工，课程打不开')
    const [ticket] = (await app.api('GET', '/api/handoff/tickets?status=open')).body.tickets
    const body = JSON.stringify({
      action: 'reply',
      ticketId: ticket.id,
      text: '请更新到最新版 app 再试',
      staff: '工单系统',
    })
    const now = Math.floor(app.clock.now() / 1000)
    const post = (headers: Record<string, string>, payload = body) =>
      app.server.inject({
        method: 'POST',
        url: '/api/handoff/inbound',
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      })
    // Signed by the official library, as a staff system would.
    const officialHeaders = (secret: string, id: string, seconds: number) => ({
      'webhook-id': id,
      'webhook-timestamp': String(seconds),
      'webhook-signature': new Webhook(secret).sign(id, new Date(seconds * 1000), body),
    })
    const signed = officialHeaders(SECRET, 'msg_inbound_1', now)
    expect(signed['webhook-signature']).toBe(
      signedHeaders(SECRET, 'msg_inbound_1', now, body)['webhook-signature'],
    )
    expect((await post(signed, body.replace('最新版', '旧版'))).statusCode).toBe(401)
    expect((await post(officialHeaders(SECRET, 'msg_inbound_2', now - 600))).statusCode).toBe(401)
    expect((await post(officialHeaders(OTHER_SECRET, 'msg_inbound_3', now))).statusCode).toBe(401)
    const accepted = await post(signed)
    expect(accepted.statusCode).toBe(200)
    const replay = await post(signed)
    expect(replay.statusCode).toBe(401)
    expect(replay.json().message).toContain('already received')
    await app.api('POST', '/api/sim/settle')
    expect((await bot()).filter((t) => t.includes('最新版'))).toEqual(['@小李 请更新到最新版 app 再试'])
  })

  it('lets a staff member hand someone over with "转人工 @member"', async () => {
    const room = (await app.api('GET', '/api/sim/rooms')).body.rooms.find(
      (r: { id: string }) => r.id === roomId,
    )
    const [, staffMember, zhou] = room.members
    app.sim.world.sayWithMentions(roomId, staffMember.id, '转人工', [zhou.id])
    await app.sim.settle()
    const tickets = (await app.api('GET', '/api/handoff/tickets?status=open')).body.tickets
    expect(
      tickets.map((t: { memberName: string; reason: string }) => [t.memberName, t.reason]),
    ).toContainEqual(['小周', 'staff:值班客服'])
    expect(tickets.some((t: { memberName: string }) => t.memberName === '值班客服')).toBe(false)
  })

  it('answers a malformed staff call with 400 and an unknown ticket with 404', async () => {
    expect((await app.api('POST', '/api/handoff/tickets/999/reply', { text: 'x' })).status).toBe(404)
    expect((await app.api('POST', '/api/handoff/tickets/1/reply', { words: 'x' })).status).toBe(400)
  })

  describe('staff input is bounded', () => {
    const signedInbound = (id: string, payload: object) => {
      const body = JSON.stringify(payload)
      return app.server.inject({
        method: 'POST',
        url: '/api/handoff/inbound',
        headers: {
          'content-type': 'application/json',
          ...signedHeaders(SECRET, id, Math.floor(app.clock.now() / 1000), body),
        },
        payload: body,
      })
    }
    const ticketOf = async (name: string) =>
      (
        (await app.api('GET', '/api/handoff/tickets')).body.tickets as {
          id: number
          memberName: string
          status: string
        }[]
      ).find((t) => t.memberName === name && ['open', 'assigned', 'waiting_member'].includes(t.status))
    const addMember = async (room: string, name: string) => {
      const added = await app.api('POST', `/api/sim/rooms/${room}/members`, { name })
      await app.api('POST', '/api/sim/settle')
      return added.body.id as string
    }

    it('refuses a staff reply that would @mention everyone (422), by API and inbound webhook', async () => {
      const ticket = await ticketOf('小李')
      expect(ticket).toBeDefined()
      const before = await bot()
      for (const text of ['@所有人 今晚系统维护', '请大家注意 ＠All', '@everyone 看公告', '@全体成员 开会']) {
        const res = await app.api('POST', `/api/handoff/tickets/${ticket?.id}/reply`, {
          text,
          staff: '客服小王',
        })
        expect([text, res.status]).toEqual([text, 422])
        expect(res.body.message).toContain('@所有人')
      }
      const inbound = await signedInbound('msg_everyone_1', {
        action: 'reply',
        ticketId: ticket?.id,
        text: '@all 紧急通知',
        staff: '工单系统',
      })
      expect(inbound.statusCode).toBe(422)
      expect(inbound.json().message).toContain('@mention everyone')
      await app.api('POST', '/api/sim/settle')
      expect(await bot()).toEqual(before)
      // An address is not a mention: it goes out as written.
      const mail = await app.api('POST', `/api/handoff/tickets/${ticket?.id}/reply`, {
        text: '可发邮件到 help@allhands.cn 或 service@all.example',
        staff: '客服小王',
      })
      expect(mail.status).toBe(200)
    })

    it('does not open a ticket when staff hand over someone who is not in the group', async () => {
      const room = (await app.api('GET', '/api/sim/rooms')).body.rooms.find(
        (r: { id: string }) => r.id === roomId,
      )
      const staffMember = room.members[1]
      // A contact WeChat knows (from another group) but who is not in this one.
      const elsewhere = (await app.api('POST', '/api/sim/rooms', { topic: '别的群', members: ['外人老郑'] }))
        .body
      await app.api('POST', '/api/sim/settle')
      const outsider = elsewhere.members[0].id as string
      const before = await bot()
      app.sim.world.sayWithMentions(roomId, staffMember.id, '转人工', [outsider])
      await app.sim.settle()
      const tickets = (await app.api('GET', '/api/handoff/tickets')).body.tickets as { memberId: string }[]
      expect(tickets.map((t) => t.memberId)).not.toContain(outsider)
      expect(await bot()).toEqual(before)
    })

    it('opens a ticket through the API only for a group the bot is in and a member in it (404 with the reason)', async () => {
      const noGroup = await app.api('POST', '/api/handoff/tickets', {
        roomId: 'no-such-group@chatroom',
        memberId: member,
        reason: '电话回访',
      })
      expect(noGroup.status).toBe(404)
      expect(noGroup.body.message).toContain('no such group')
      const noMember = await app.api('POST', '/api/handoff/tickets', {
        roomId,
        memberId: 'wxid_not_in_this_group',
        reason: '电话回访',
      })
      expect(noMember.status).toBe(404)
      expect(noMember.body.message).toContain('no such member')
      const sun = await addMember(roomId, '小孙')
      const opened = await app.api('POST', '/api/handoff/tickets', {
        roomId,
        memberId: sun,
        reason: '电话回访',
      })
      expect(opened.status).toBe(201)
      // The name is the one the group shows, not whatever a caller typed.
      expect(opened.body.ticket).toMatchObject({ memberId: sun, memberName: '小孙', status: 'open' })
      await app.api('POST', '/api/sim/settle')
      expect((await bot()).at(-1)).toBe('@小孙 已转人工，预计 15 分钟内回复')
    })

    it('refuses a reply to a member who has left the group (409) and closes their ticket without a rating request', async () => {
      const qian = await addMember(roomId, '小钱')
      await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: qian, text: '转人工' })
      await app.api('POST', '/api/sim/settle')
      const ticket = await ticketOf('小钱')
      expect(ticket).toBeDefined()
      expect((await app.api('DELETE', `/api/sim/rooms/${roomId}/members/${qian}`)).status).toBe(204)
      await app.api('POST', '/api/sim/settle')
      const before = await bot()
      const reply = await app.api('POST', `/api/handoff/tickets/${ticket?.id}/reply`, {
        text: '您好，回访一下',
      })
      expect(reply.status).toBe(409)
      expect(reply.body.message).toContain('left the group')
      expect((await app.api('POST', `/api/handoff/tickets/${ticket?.id}/resolve`, {})).status).toBe(200)
      await app.api('POST', '/api/sim/settle')
      expect(await bot()).toEqual(before)
    })

    it('refuses a reply into a group the bot has left (409), by API and inbound webhook', async () => {
      const other = (await app.api('POST', '/api/sim/rooms', { topic: '售后群', members: ['小吴'] })).body
      await app.api('POST', '/api/sim/settle')
      await app.api('POST', `/api/sim/rooms/${other.id}/messages`, {
        from: other.members[0].id,
        text: '转人工',
      })
      await app.api('POST', '/api/sim/settle')
      const ticket = await ticketOf('小吴')
      expect(ticket).toBeDefined()
      expect((await app.api('DELETE', `/api/sim/rooms/${other.id}/bot`)).status).toBe(204)
      await app.api('POST', '/api/sim/settle')
      const reply = await app.api('POST', `/api/handoff/tickets/${ticket?.id}/reply`, { text: '您好' })
      expect(reply.status).toBe(409)
      expect(reply.body.message).toContain('no longer in')
      const inbound = await signedInbound('msg_left_group_1', {
        action: 'reply',
        ticketId: ticket?.id,
        text: '您好',
        staff: '工单系统',
      })
      expect(inbound.statusCode).toBe(409)
      expect(inbound.json().message).toContain('no longer in')
      expect(
        (await app.api('GET', `/api/handoff/tickets/${ticket?.id}`)).body.ticket.firstResponseAt,
      ).toBeNull()
    })
  })

  // Last: it rewrites the file the running app was started with.
  it('refuses an edited handoff.yaml with a bad secret at file:line:col; the running bot keeps the last good one', async () => {
    const file = join(dir, 'handoff.yaml')
    const good = readFileSync(file, 'utf8')
    // whsec_!!!! decoded to an empty HMAC key before: anyone could sign inbound replies with it.
    const bad = good.replace(`  secrets: ["${SECRET}"]`, '  secrets: ["whsec_!!!!"]')
    expect(bad).not.toBe(good)
    writeFileSync(file, bad)
    const lines = bad.split('\n')
    const line = lines.findIndex((l) => l.includes('whsec_!!!!')) + 1
    const column = (lines[line - 1] ?? '').indexOf('"whsec_!!!!"') + 1
    const config = createTestConfig({ QUNBOT_HANDOFF_FILE: file })
    await expect(createQunbot({ config, logger: createLogger('silent') })).rejects.toMatchObject({
      code: 'QB_CONTENT_INVALID',
      message: `${file}:${line}:${column} inbound.secrets.0: ${contentMessage('secret_base64')}`,
    })
    rmSync(config.dataDir, { recursive: true, force: true })

    // The running bot still checks inbound calls with the secret it started with.
    await say('转人工，还是打不开')
    const [ticket] = (await app.api('GET', '/api/handoff/tickets?status=open')).body.tickets
    const body = JSON.stringify({ action: 'reply', ticketId: ticket.id, text: '已处理', staff: '工单系统' })
    const now = Math.floor(app.clock.now() / 1000)
    const post = (secret: string, id: string) =>
      app.server.inject({
        method: 'POST',
        url: '/api/handoff/inbound',
        headers: { 'content-type': 'application/json', ...signedHeaders(secret, id, now, body) },
        payload: body,
      })
    expect((await post(OTHER_SECRET, 'msg_after_edit_1')).statusCode).toBe(401)
    expect((await post(SECRET, 'msg_after_edit_2')).statusCode).toBe(200)
  })
})
