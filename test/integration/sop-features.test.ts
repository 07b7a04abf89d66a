import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const BASE = `
name: 功能SOP
match: { topic: "^功能" }
timezone: Asia/Shanghai
staff: { names: [管理员] }
welcome:
  batchWindow: 30s
  notAgainWithin: 7d
  text: "欢迎 {names}"
newcomer:
  within: 2d
  tasks:
    - id: intro
      title: 自我介绍
      done: { contains: [我是] }
      points: 3
    - id: photo
      title: 发一张读书照片
      points: 7
  reminders:
    - after: 1d
      text: "{mention} 待完成：{pending}"
  completed:
    text: "{mention} 毕业 {points}"
    tag: 新人毕业
topics:
  - id: vote
    cron: "0 18 * * 5"
    poll:
      question: "满意度？回复 {options}"
      options: ["1", "2", "3", "4", "5"]
      closesAfter: 24h
      result: "平均 {average}，{votes} 人（{counts}）"
checkin:
  keywords: [打卡]
  points: 1
  reply: "{mention} ok {streak}"
  already: "{mention} 已打"
  reminder:
    cron: "0 21 * * *"
    text: "还没打卡：{pendingMentions}"
  leaderboard:
    cron: "0 22 * * 0"
    top: 3
    text: "榜单\\n{ranking}"
    line: "{rank}.{name}:{days}"
commands:
  points:
    keywords: [我的积分]
    reply: "{mention} 积分 {points} 连续 {streak} 累计 {days}"
  completeTask:
    keywords: [完成任务]
    reply: "{mention} 的「{task}」已确认"
`

type Line = { fromName: string; text: string; self: boolean; at: number }

describe('SOP features through the simulator', () => {
  let sopDir: string
  let app: TestApp
  let roomId: string
  const ids: Record<string, string> = {}

  const bot = async (): Promise<string[]> =>
    ((await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[])
      .filter((m) => m.self)
      .map((m) => m.text)
  const say = (who: string, text: string, mentionIds?: string[]) => {
    if (mentionIds) {
      // Staff commands @mention a member: post through the world, which supports mentions of members.
      return app.sim.world.sayWithMentions(roomId, ids[who] ?? '', text, mentionIds)
    }
    return app.sim.world.say(roomId, ids[who] ?? '', text)
  }
  const advanceTo = async (weekday: number, hour: number, minute = 0) => {
    const now = DateTime.fromMillis(app.clock.now(), { zone: 'Asia/Shanghai' })
    let target = now.set({ hour, minute, second: 0, millisecond: 0 })
    while (target <= now || target.weekday !== weekday) target = target.plus({ days: 1 })
    await app.sim.advance(target.toMillis() - now.toMillis())
    await app.sim.settle()
  }
  const addMember = async (name: string) => {
    ids[name] = app.sim.world.addMember(roomId, name).id
    await app.sim.settle()
  }

  beforeEach(async () => {
    sopDir = mkdtempSync(join(tmpdir(), 'qunbot-sop-'))
    writeFileSync(join(sopDir, 'a.yaml'), BASE)
    app = await startTestApp({ QUNBOT_SOP_DIR: sopDir, QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('功能测试群', ['管理员', '老成员'])
    roomId = room.id
    ids['管理员'] = room.members[0]?.id ?? ''
    ids['老成员'] = room.members[1]?.id ?? ''
    await app.sim.settle()
    await advanceTo(1, 9)
  })
  afterEach(async () => {
    await app.close()
    rmSync(sopDir, { recursive: true, force: true })
  })

  it('collects one vote per member (the last counts), consumes votes silently, and posts the result on time', async () => {
    await advanceTo(5, 18)
    expect((await bot()).at(-1)).toBe('满意度？回复 1 / 2 / 3 / 4 / 5')
    say('老成员', '5')
    say('管理员', '3')
    await app.sim.settle()
    await app.sim.advance(60_000)
    say('老成员', '４')
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('满意度？回复 1 / 2 / 3 / 4 / 5')
    await app.sim.advance(24 * 3_600_000)
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('平均 3.5，2 人（1: 0，2: 0，3: 1，4: 1，5: 0）')
    // After closing, "5" is an ordinary message again.
    say('老成员', '5')
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('平均 3.5，2 人（1: 0，2: 0，3: 1，4: 1，5: 0）')
  })

  it('reminds only check-in regulars who have not checked in today, and ranks the week', async () => {
    await addMember('甲')
    await addMember('乙')
    for (const who of ['甲', '乙']) say(who, '打卡')
    await app.sim.settle()
    await advanceTo(2, 10)
    say('甲', '打卡')
    await app.sim.settle()
    await advanceTo(2, 21)
    expect((await bot()).at(-1)).toBe('还没打卡：@乙')
    await advanceTo(7, 22)
    expect((await bot()).at(-1)).toBe('榜单\n1.甲:2\n2.乙:1')
  })

  it('lets staff complete a task by command and the API complete another, with points and tag', async () => {
    await addMember('新人')
    say('管理员', '完成任务 photo', [ids['新人'] ?? ''])
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('@新人 的「发一张读书照片」已确认')
    // A member who is not staff cannot.
    say('老成员', '完成任务 intro', [ids['新人'] ?? ''])
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('@新人 的「发一张读书照片」已确认')
    const res = await app.api('POST', '/api/sop/tasks/complete', {
      roomId,
      memberId: ids['新人'],
      taskId: 'intro',
    })
    expect(res.status).toBe(200)
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('@新人 毕业 10')
    const tags = app.db.$client
      .prepare('SELECT tag FROM member_tags WHERE member_id = ?')
      .pluck()
      .all(ids['新人'])
    expect(tags).toEqual(['新人毕业'])
    const again = await app.api('POST', '/api/sop/tasks/complete', {
      roomId,
      memberId: ids['新人'],
      taskId: 'intro',
    })
    expect(again.status).toBe(409)
    const unknown = await app.api('POST', '/api/sop/tasks/complete', {
      roomId,
      memberId: ids['新人'],
      taskId: 'nope',
    })
    expect(unknown.status).toBe(404)
  })

  it('adjusts points through the ledger and reports them with the points command', async () => {
    await addMember('小李')
    say('小李', '打卡')
    await app.sim.settle()
    const adjusted = await app.api('POST', '/api/points/adjust', {
      roomId,
      memberId: ids['小李'],
      delta: 20,
      reason: '活动奖励',
    })
    expect(adjusted).toEqual({ status: 201, body: { balance: 21 } })
    const bad = await app.api('POST', '/api/points/adjust', {
      roomId,
      memberId: ids['小李'],
      delta: 0,
      reason: 'x',
    })
    expect(bad.status).toBe(400)
    say('小李', '我的积分')
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('@小李 积分 21 连续 1 累计 1')
    const ledger = app.db.$client
      .prepare('SELECT delta, reason FROM points_ledger WHERE member_id = ? ORDER BY id')
      .all(ids['小李'])
    expect(ledger).toEqual([
      { delta: 1, reason: 'checkin' },
      { delta: 20, reason: 'adjust:活动奖励' },
    ])
  })

  it('does not welcome again a member who comes back within the quiet period, and welcomes a join found by reconciliation once', async () => {
    await addMember('回头客')
    await app.sim.advance(31_000)
    await app.sim.settle()
    app.sim.world.removeMember(roomId, ids['回头客'] ?? '')
    await app.sim.settle()
    // Re-add the same contact by posting a join for them again.
    app.sim.world.readdMember(roomId, ids['回头客'] ?? '')
    await app.sim.advance(31_000)
    await app.sim.settle()
    const silent = app.sim.world.addMember(roomId, '无声', true)
    await app.sim.advance(300_000)
    await app.sim.advance(31_000)
    await app.sim.advance(300_000)
    await app.sim.settle()
    const welcomes = (await bot()).filter((t) => t.startsWith('欢迎'))
    expect(welcomes).toEqual(['欢迎 回头客', `欢迎 ${silent.name}`])
  })

  it('treats members who were there before the SOP as old members, and expires newcomer tasks after the window', async () => {
    say('老成员', '我是老成员')
    await addMember('迟到')
    await app.sim.advance(2 * 86_400_000 + 60_000)
    await app.sim.settle()
    say('迟到', '我是迟到的人')
    await app.sim.settle()
    const texts = await bot()
    expect(texts.filter((t) => t.includes('毕业'))).toEqual([])
    // One reminder (after 1 day), none after expiry.
    expect(texts.filter((t) => t.includes('待完成'))).toEqual(['@迟到 待完成：自我介绍、发一张读书照片'])
  })

  it('goes live with a valid edit, keeps the last good version on a broken edit, and reports it', async () => {
    writeFileSync(
      join(sopDir, 'a.yaml'),
      BASE.replace('reply: "{mention} ok {streak}"', 'reply: "{mention} 新版 {streak}"'),
    )
    await app.api('POST', '/api/sop/reload')
    await addMember('编辑')
    say('编辑', '打卡')
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('@编辑 新版 1')

    writeFileSync(join(sopDir, 'a.yaml'), BASE.replace('points: 1\n', 'points: 1\n  bogus: true\n'))
    await app.api('POST', '/api/sop/reload')
    const status = await app.api('GET', '/api/sop/status')
    expect(status.body.files[0]).toMatchObject({ ok: false, live: '功能SOP' })
    expect(status.body.files[0].problems[0].text).toMatch(
      /a\.yaml:\d+:\d+ checkin: unknown field|Unrecognized key/,
    )
    expect(status.body.groups).toHaveLength(1)
    await app.sim.advance(86_400_000)
    say('编辑', '打卡')
    await app.sim.settle()
    expect((await bot()).at(-1)).toBe('@编辑 新版 2')
  })

  it('welcomes someone who left within the batch window when they come back', async () => {
    await addMember('来去匆匆')
    app.sim.world.removeMember(roomId, ids['来去匆匆'] ?? '')
    await app.sim.settle()
    await app.sim.advance(31_000)
    await app.sim.settle()
    expect((await bot()).filter((t) => t.startsWith('欢迎'))).toEqual([])
    app.sim.world.readdMember(roomId, ids['来去匆匆'] ?? '')
    await app.sim.advance(31_000)
    await app.sim.settle()
    expect((await bot()).filter((t) => t.startsWith('欢迎'))).toEqual(['欢迎 来去匆匆'])
  })

  it('picks up a saved file by itself, without a reload call', async () => {
    writeFileSync(join(sopDir, 'a.yaml'), BASE.replace('name: 功能SOP', 'name: 功能SOP第二版'))
    await vi.waitFor(
      async () => expect((await app.api('GET', '/api/sop/status')).body.groups[0].sop).toBe('功能SOP第二版'),
      { timeout: 5_000, interval: 50 },
    )
  })

  it('re-binds a group when it is renamed', async () => {
    expect((await app.api('GET', '/api/sop/status')).body.groups).toHaveLength(1)
    app.sim.world.renameRoom(roomId, '别的群')
    await app.sim.settle()
    expect((await app.api('GET', '/api/sop/status')).body.groups).toEqual([])
    say('老成员', '打卡')
    await app.sim.settle()
    expect((await bot()).filter((t) => t.includes('ok'))).toEqual([])
  })
})
