import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebhookDispatcher } from '../../src/outbox/webhooks/webhook-dispatcher.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXF1bmJvdC1oYW5kb2Zm'
type Line = { fromId: string; fromName: string; text: string; self: boolean }

/**
 * The scenario through the simulator, with the example rules in moderation/ and a local
 * staff webhook receiver: warnings, removal at the third violation with a staff alert, the ban
 * following the member into another group of the same list, the whitelist, and evasions.
 */
describe('moderation through the simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-moderation-'))
  const alerts: { type: string; data: Record<string, unknown> }[] = []
  let server: Server
  let app: TestApp
  let groupA: string
  let groupB: string

  const lines = async (roomId: string) =>
    (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[]
  const botLines = async (roomId: string) => (await lines(roomId)).filter((l) => l.self).map((l) => l.text)
  const members = async (roomId: string) =>
    ((await app.api('GET', '/api/sim/rooms')).body.rooms as { id: string; members: { id: string }[] }[])
      .find((r) => r.id === roomId)
      ?.members.map((m) => m.id) ?? []
  const settle = async () => {
    await app.api('POST', '/api/sim/settle')
    await (
      app.features.find((f) => f.name === 'handoff') as unknown as { dispatcher: WebhookDispatcher }
    ).dispatcher.whenQuiet()
  }
  const post = async (roomId: string, from: string, text: string) => {
    expect((await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from, text })).status).toBe(202)
    await settle()
  }
  const join_ = async (roomId: string, name: string): Promise<string> => {
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/members`, { name })
    await settle()
    return res.body.id
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        alerts.push(JSON.parse(body))
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/staff`
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'texts:',
        '  opened: "{mention} 已转人工"',
        '  askRating: "{mention} 请打分"',
        'webhooks:',
        `  - { name: staff, url: "${url}", secret: "${SECRET}", events: ["moderation.alert", "moderation.ban_enforced", "moderation.no_remove_right"], allowPrivate: true }`,
      ].join('\n'),
    )
    // The example rules, with the group owner's id on the whitelist once it is known.
    cpSync('./moderation', join(dir, 'moderation'), { recursive: true })
    app = await startTestApp({
      QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'),
      QUNBOT_MODERATION_DIR: join(dir, 'moderation'),
      QUNBOT_SEND_JITTER_MS: '0',
    })
    const created = (
      await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['老成员', '群主'] })
    ).body
    groupA = created.id
    const rules = join(dir, 'moderation', 'rules.yaml')
    const ownerId = created.members.find((m: { name: string }) => m.name === '群主').id
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('  ids: []', `  ids: [${ownerId}]`))
    expect((await app.api('POST', '/api/moderation/reload')).status).toBe(200)
    groupB = (await app.api('POST', '/api/sim/rooms', { topic: '读书会二群', members: ['路人'] })).body.id
    await settle()
  })
  afterAll(async () => {
    await app.close()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  })

  it('warns a new member for an ad link, removes them at the third violation and alerts staff', async () => {
    const spammer = await join_(groupA, '推广小王')
    await post(groupA, spammer, '好物推荐 https://shop.example-ads.top/item?id=1')
    expect(await botLines(groupA)).toEqual([
      '@推广小王 新成员入群 24 小时内不能发送链接（第 1/3 次提醒，达到 3 次将被移出本群）',
    ])
    expect(alerts).toHaveLength(0)

    await post(groupA, spammer, '加 我 微 信 领 红 包')
    expect((await botLines(groupA)).at(-1)).toBe(
      '@推广小王 请文明交流，勿发广告或违规内容（第 2/3 次提醒，达到 3 次将被移出本群）',
    )
    expect(alerts.map((a) => a.type)).toEqual(['moderation.alert'])
    expect(alerts[0]?.data).toMatchObject({ action: 'alert', rule: 'words', violations: 2 })

    await post(groupA, spammer, '最后一次 www.example-ads.top')
    expect(await members(groupA)).not.toContain(spammer)
    expect((await botLines(groupA)).at(-1)).toBe(
      '推广小王 多次违反群规（新成员入群 24 小时内不能发送链接），已被移出本群。',
    )
    expect(alerts.at(-1)).toMatchObject({
      type: 'moderation.alert',
      data: { action: 'remove', violations: 3, bannedOn: 'main', member: { id: spammer, name: '推广小王' } },
    })

    const log = (await app.api('GET', `/api/moderation/log?memberId=${spammer}`)).body.actions
    expect(log.map((a: { action: string }) => a.action)).toEqual(['remove', 'alert', 'warn'])
    expect(log.map((a: { rule: string }) => a.rule)).toEqual(['newcomer', 'words', 'newcomer'])
    expect(log[2].evidence).toContain('shop.example-ads.top')
    expect(log[2]).toMatchObject({ roomId: groupA, roomTopic: '读书会一群', memberName: '推广小王' })
    const bans = (await app.api('GET', '/api/bans?list=main')).body.bans
    expect(bans).toMatchObject([{ list: 'main', memberId: spammer, addedBy: 'moderation' }])
  })

  it('removes the banned member on joining another group of the same ban list', async () => {
    const spammer = (await app.api('GET', '/api/bans?list=main')).body.bans[0].memberId as string
    const before = alerts.length
    const res = await app.api('POST', `/api/sim/rooms/${groupB}/members`, { memberId: spammer })
    expect(res.status).toBe(201)
    await settle()
    expect(await members(groupB)).not.toContain(spammer)
    expect((await botLines(groupB)).at(-1)).toBe('推广小王 在本群封禁名单中，已被移出。')
    expect(alerts.slice(before)).toMatchObject([
      {
        type: 'moderation.ban_enforced',
        data: { action: 'ban_removed', list: 'main', member: { id: spammer } },
      },
    ])
  })

  it('leaves a whitelisted member alone, even a brand-new one posting the same link', async () => {
    const owner = (await app.api('GET', '/api/sim/rooms')).body.rooms
      .find((r: { id: string }) => r.id === groupA)
      .members.find((m: { name: string }) => m.name === '群主').id
    const before = (await botLines(groupA)).length
    await post(groupA, owner, '好物推荐 https://shop.example-ads.top/item?id=1')
    await post(groupA, owner, '加 我 微 信')
    expect((await botLines(groupA)).length).toBe(before)
    expect((await app.api('GET', `/api/moderation/log?memberId=${owner}`)).body.actions).toEqual([])
  })

  it('catches a word split by spaces or symbols, and full-width letters', async () => {
    const old = (await app.api('GET', '/api/sim/rooms')).body.rooms
      .find((r: { id: string }) => r.id === groupA)
      .members.find((m: { name: string }) => m.name === '老成员').id
    await post(groupA, old, '微 信 加 我')
    await post(groupA, old, '微.信/加*我 ～')
    const log = (await app.api('GET', `/api/moderation/log?memberId=${old}`)).body.actions
    expect(log.map((a: { rule: string; evidence: string }) => [a.rule, a.evidence.split(' | ')[0]])).toEqual([
      ['words', '微信加我'],
      ['words', '微信加我'],
    ])
    // A member who was there before the bot is no newcomer: an allowed link is fine.
    const count = log.length
    await post(groupA, old, '看这个 https://weixin.qq.com/abc')
    expect((await app.api('GET', `/api/moderation/log?memberId=${old}`)).body.actions).toHaveLength(count)
  })

  it('lets staff undo a warning so it stops counting', async () => {
    const member = await join_(groupB, '被误判的人')
    // Joined long enough ago to be no newcomer.
    await app.api('POST', '/api/sim/clock/advance', { ms: 25 * 3_600_000 })
    await post(groupB, member, '去 死 吧 这个 bug')
    const [warn] = (await app.api('GET', `/api/moderation/log?memberId=${member}`)).body.actions
    expect(warn).toMatchObject({ action: 'warn', rule: 'words' })
    const undone = await app.api('POST', `/api/moderation/actions/${warn.id}/undo`, { by: '值班客服' })
    expect(undone.status).toBe(200)
    expect(undone.body.action).toMatchObject({ undoneBy: '值班客服' })
    expect((await app.api('POST', `/api/moderation/actions/${warn.id}/undo`, { by: 'x' })).status).toBe(409)
    await post(groupB, member, '去 死')
    expect((await botLines(groupB)).at(-1)).toContain('第 1/3 次提醒')
  })

  it('checks shared cards: mini-programs and contact cards are blocked, link cards by their domain', async () => {
    const member = await join_(groupB, '卡片达人')
    await app.api('POST', '/api/sim/clock/advance', { ms: 25 * 3_600_000 })
    const share = async (card: object) => {
      expect(
        (await app.api('POST', `/api/sim/rooms/${groupB}/messages`, { from: member, card })).status,
      ).toBe(202)
      await settle()
    }
    await share({ kind: 'link', title: '官方公告', url: 'https://weixin.qq.com/s/abc' })
    expect((await app.api('GET', `/api/moderation/log?memberId=${member}`)).body.actions).toEqual([])
    await share({ kind: 'mini_program', title: '拼团砍价' })
    await share({ kind: 'link', title: '优惠', url: 'https://cheap.example-ads.top/x' })
    const log = (await app.api('GET', `/api/moderation/log?memberId=${member}`)).body.actions
    expect(log.map((a: { rule: string }) => a.rule)).toEqual(['links', 'cards'])
    expect(log[0].evidence).toContain('cheap.example-ads.top')
  })

  it('without the right to remove, warns instead, says so to staff once, and alerts each time', async () => {
    const res = await app.api('POST', '/api/sim/rooms', {
      topic: '读书会三群',
      members: ['甲'],
      botAdmin: false,
    })
    const groupC = res.body.id as string
    await settle()
    const before = alerts.length
    const offenders = [await join_(groupC, '乙'), await join_(groupC, '丙')]
    for (const who of offenders) for (let i = 0; i < 3; i++) await post(groupC, who, `加我微信 ${i}`)
    for (const who of offenders) expect(await members(groupC)).toContain(who)
    const types = alerts.slice(before).map((a) => `${a.type}:${a.data.action ?? ''}`)
    expect(types.filter((t) => t.startsWith('moderation.no_remove_right'))).toHaveLength(1)
    expect(types.filter((t) => t === 'moderation.alert:remove_failed')).toHaveLength(2)
    expect((await botLines(groupC)).at(-1)).toContain('第 3/3 次提醒')

    // A member banned there cannot be removed either: staff hear of it once, not per message,
    // and the bot answers none of their messages.
    const banned = offenders[0] as string
    const afterBan = alerts.length
    expect(
      (await app.api('POST', '/api/bans', { list: 'main', memberId: banned, reason: '广告' })).status,
    ).toBe(201)
    await settle()
    for (let i = 0; i < 3; i++) await post(groupC, banned, `第 ${i} 条`)
    expect(alerts.slice(afterBan).map((a) => `${a.type}:${a.data.action}`)).toEqual([
      'moderation.ban_enforced:ban_remove_failed',
    ])
    const log = (await app.api('GET', `/api/moderation/log?memberId=${banned}`)).body.actions
    expect(log.filter((a: { action: string }) => a.action === 'ban_remove_failed')).toHaveLength(1)
  })
})
