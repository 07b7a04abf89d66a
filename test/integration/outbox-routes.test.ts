import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutgoingMessage } from '../../src/core/types.js'
import type { DeadSend } from '../../src/outbox/chat-outbox.js'
import { type FailingDeliveries, failDeliveries, makeDeadSend } from '../helpers/dead-sends.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

type SimRoom = { id: string; topic: string; members: { id: string; name: string }[] }
type Line = { self: boolean; text: string }
type Item = DeadSend

const PHONE = '13812345678'

/**
 * Dead chat sends made for real: the platform's delivery fails, the paced sender retries with
 * backoff on the simulated clock (settle moves it) and dead-letters the chunk after 5 attempts.
 * Then the admin API lists them (masked) and queues them again.
 */
describe('dead chat sends: /api/outbox', () => {
  let app: TestApp
  let groupA: SimRoom
  let groupB: SimRoom
  let failing: FailingDeliveries

  const outboxRow = (id: number) =>
    app.db.$client
      .prepare('SELECT status, attempts, parts, last_error FROM chat_outbox WHERE id = ?')
      .get(id) as { status: string; attempts: number; parts: string; last_error: string | null } | undefined
  const botLines = async (roomId: string) =>
    ((await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[])
      .filter((l) => l.self)
      .map((l) => l.text)
  const dead = async (query = '') =>
    (await app.api('GET', `/api/outbox${query}`)).body as { items: Item[]; total: number }

  /** Queues `message` to a failing group and runs the clock until it is dead-lettered. */
  async function makeDead(roomId: string, message: OutgoingMessage): Promise<number> {
    const id = await makeDeadSend(app, failing, roomId, message)
    expect(outboxRow(id)).toMatchObject({ status: 'dead', attempts: 5 })
    return id
  }

  beforeAll(async () => {
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    groupA = (await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['小李', '老王'] }))
      .body
    groupB = (await app.api('POST', '/api/sim/rooms', { topic: '跑步群', members: ['跑者'] })).body
    await app.sim.settle()
    failing = failDeliveries(app, `message blocked by WeChat, sent to ${PHONE}`)
  })
  afterAll(() => app.close())

  it('lists a dead send with its group name, attempts and error, personal numbers masked', async () => {
    const before = failing.tries
    const xiaoLi = groupA.members.find((m) => m.name === '小李')?.id as string
    const id = await makeDead(groupA.id, {
      parts: [{ mention: xiaoLi, name: '小李' }, ` 请拨 ${PHONE} 联系我们`],
    })
    expect(failing.tries - before).toBe(5)
    // The stored row still holds the number as written: the API is what masks it.
    expect(outboxRow(id)?.parts).toContain(PHONE)

    const res = await app.api('GET', '/api/outbox?status=dead')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      items: [
        {
          id,
          roomId: groupA.id,
          roomTopic: '读书会一群',
          text: '@小李 请拨 138****5678 联系我们',
          attempts: 5,
          lastError: 'message blocked by WeChat, sent to 138****5678',
          createdAt: expect.any(Number),
        },
      ],
      total: 1,
    })
    expect(JSON.stringify(res.body)).not.toContain(PHONE)
    // status defaults to dead; other groups have none.
    expect((await dead()).total).toBe(1)
    expect(await dead(`?roomId=${groupB.id}`)).toEqual({ items: [], total: 0 })
  })

  it('answers 401 without the admin token and changes nothing', async () => {
    for (const [method, url] of [
      ['GET', '/api/outbox'],
      ['POST', '/api/outbox/1/retry'],
      ['POST', '/api/outbox/retry'],
    ] as const) {
      const res = await app.server.inject({ method, url })
      expect(res.statusCode, `${method} ${url}`).toBe(401)
      expect(res.body).not.toContain(PHONE)
    }
    const wrong = await app.server.inject({
      method: 'GET',
      url: '/api/outbox',
      headers: { authorization: 'Bearer not-the-admin-token-at-all' },
    })
    expect(wrong.statusCode).toBe(401)
    expect((await dead()).total).toBe(1)
  })

  it('answers 400 on unknown fields, other statuses and out-of-range limits', async () => {
    for (const [query, path] of [
      ['?foo=1', 'query'],
      ['?status=pending', 'query.status'],
      ['?status=sent', 'query.status'],
      ['?limit=0', 'query.limit'],
      ['?limit=501', 'query.limit'],
      ['?limit=ten', 'query.limit'],
    ]) {
      const res = await app.api('GET', `/api/outbox${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual([path])
    }
    expect((await app.api('POST', '/api/outbox/retry', { room: groupA.id })).status).toBe(400)
    expect((await app.api('POST', '/api/outbox/1/retry', { now: 1 })).status).toBe(400)
    expect((await app.api('POST', '/api/outbox/abc/retry')).status).toBe(400)
    expect((await dead()).total).toBe(1)
  })

  it('answers 404 for an id that is not a dead send (unknown, or already sent)', async () => {
    const unknown = await app.api('POST', '/api/outbox/999999/retry')
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toContain('no dead chat send with id 999999')

    const [sentId] = app.sender.send(groupB.id, { parts: ['已经发出的消息'] })
    await app.sim.settle()
    expect(outboxRow(sentId as number)?.status).toBe('sent')
    const sent = await app.api('POST', `/api/outbox/${sentId}/retry`)
    expect(sent.status).toBe(404)
    expect(outboxRow(sentId as number)?.status).toBe('sent')
    expect(await botLines(groupB.id)).toEqual(['已经发出的消息'])
  })

  it('sends one dead chunk again at once when it is retried', async () => {
    const [item] = (await dead()).items
    if (!item) throw new Error('no dead send')
    failing.rooms.clear()
    // Well past the pacing gap, so only the retry's wake is missing for the chunk to go out.
    await app.sim.advance(60_000)
    const notBefore = app.clock.now()
    const res = await app.api('POST', `/api/outbox/${item.id}/retry`)
    expect(res).toEqual({ status: 200, body: { retried: 1 } })
    // No settle and no clock move: the route woke the sender.
    await app.sender.whenQuiet()
    expect(outboxRow(item.id)).toMatchObject({ status: 'sent', attempts: 0 })
    expect(await botLines(groupA.id)).toEqual([expect.stringContaining(`请拨 ${PHONE} 联系我们`)])
    expect(app.clock.now()).toBe(notBefore)
    // Once sent, the copy kept is masked, and it is no longer dead.
    expect(outboxRow(item.id)?.parts).not.toContain(PHONE)
    expect(await dead()).toEqual({ items: [], total: 0 })
    expect((await app.api('POST', `/api/outbox/${item.id}/retry`)).status).toBe(404)
  })

  it('retries every dead send of one group, then all the others', async () => {
    const a1 = await makeDead(groupA.id, { parts: ['第一条'] })
    const a2 = await makeDead(groupA.id, { parts: ['第二条'] })
    const b1 = await makeDead(groupB.id, { parts: ['跑步群的通知'] })
    expect((await dead()).items.map((i) => i.id)).toEqual([b1, a2, a1])
    expect((await dead('?limit=1')).items.map((i) => i.id)).toEqual([b1])
    expect((await dead('?limit=1')).total).toBe(3)
    expect((await dead(`?roomId=${groupA.id}`)).items.map((i) => i.id)).toEqual([a2, a1])

    failing.rooms.clear()
    await app.sim.advance(60_000)
    const one = await app.api('POST', '/api/outbox/retry', { roomId: groupA.id })
    expect(one).toEqual({ status: 200, body: { retried: 2 } })
    await app.sim.settle()
    expect((await botLines(groupA.id)).slice(-2)).toEqual(['第一条', '第二条'])
    expect(outboxRow(a1)?.status).toBe('sent')
    expect(outboxRow(a2)?.status).toBe('sent')
    // The other group's dead send was left alone.
    expect(outboxRow(b1)).toMatchObject({ status: 'dead', attempts: 5 })
    expect(await botLines(groupB.id)).toEqual(['已经发出的消息'])

    const rest = await app.api('POST', '/api/outbox/retry')
    expect(rest).toEqual({ status: 200, body: { retried: 1 } })
    await app.sim.settle()
    expect(await botLines(groupB.id)).toEqual(['已经发出的消息', '跑步群的通知'])
    expect(await dead()).toEqual({ items: [], total: 0 })
    expect(await app.api('POST', '/api/outbox/retry', {})).toEqual({ status: 200, body: { retried: 0 } })
  })
})
