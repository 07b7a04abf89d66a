import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

type Line = { text: string; self: boolean }

describe('handoff SLA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-sla-'))
  let app: TestApp
  let roomId: string
  let opsId: string
  let member: string
  const lines = async (room: string) =>
    ((await app.api('GET', `/api/sim/rooms/${room}/messages`)).body.messages as Line[])
      .filter((m) => m.self)
      .map((m) => m.text)

  beforeAll(async () => {
    // The escalation group only needs to receive the bot's sends; the outbox shows what was sent.
    opsId = 'ops-on-duty@chatroom'
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'triggers: { keywords: [转人工] }',
        'sla: { firstResponse: 15m, resolution: 1h, escalateToGroup: "' + opsId + '" }',
        'texts:',
        '  opened: "{mention} 已转人工"',
        '  askRating: "{mention} 请打分"',
        '  escalation: "工单 {ticket}（{member}）{kind} 超时 {minutes} 分钟"',
      ].join('\n'),
    )
    app = await startTestApp({ QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'), QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('服务群', ['小赵'])
    roomId = room.id
    member = room.members[0]?.id ?? ''
    await app.sim.settle()
  })
  afterAll(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reports a first-response breach once, at 15 minutes, and a resolution breach at an hour', async () => {
    app.sim.world.say(roomId, member, '转人工')
    await app.sim.settle()
    const opened = app.clock.now()
    await app.sim.advance(14 * 60_000)
    const breaches = () =>
      app.db.$client
        .prepare('SELECT first_response_breached_at AS f, resolution_breached_at AS r FROM tickets')
        .get() as {
        f: number | null
        r: number | null
      }
    expect(breaches()).toEqual({ f: null, r: null })
    await app.sim.advance(60_000)
    expect(breaches().f).toBe(opened + 15 * 60_000)
    await app.sim.advance(60 * 60_000)
    expect(breaches()).toEqual({ f: opened + 15 * 60_000, r: opened + 60 * 60_000 })
    await app.sim.advance(5 * 60 * 60_000)
    await app.sim.settle()
    const outbox = app.db.$client
      .prepare("SELECT event_type FROM webhook_deliveries WHERE event_type = 'handoff.sla_breached'")
      .all()
    expect(outbox).toHaveLength(0) // no endpoint configured: nothing queued
    expect(await lines(roomId)).toEqual(['@小赵 已转人工'])
    // The escalation group name comes from the config; it exists in this world only by topic, so
    // look the breaches up in the bot's sends instead.
    const sent = app.db.$client
      .prepare("SELECT parts FROM chat_outbox WHERE parts LIKE '%超时%'")
      .pluck()
      .all() as string[]
    expect(sent.map((p) => JSON.parse(p).join(''))).toEqual([
      expect.stringMatching(/^工单 1（小赵）first_response 超时 15 分钟$/),
      expect.stringMatching(/^工单 1（小赵）resolution 超时 60 分钟$/),
    ])
  })

  it('posts the escalation alert without @所有人 when a member calls themselves that', async () => {
    const room = app.sim.world.createRoom('活动群', ['@所有人'])
    await app.sim.settle()
    app.sim.world.say(room.id, room.members[0]?.id ?? '', '转人工')
    await app.sim.settle()
    await app.sim.advance(16 * 60_000)
    await app.sim.settle()
    const sent = app.db.$client
      .prepare('SELECT parts FROM chat_outbox WHERE room_id = ? ORDER BY id')
      .pluck()
      .all(opsId) as string[]
    const alert = sent.map((p) => JSON.parse(p).join('')).find((t: string) => t.startsWith('工单 2'))
    expect(alert).toBe('工单 2（所有人）first_response 超时 15 分钟')
  })
})
