import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const SOP = `
name: 跑步打卡
match: { topic: "^跑步" }
timezone: Asia/Shanghai
newcomer:
  within: 2d
  tasks:
    - id: shoes
      title: 发一张跑鞋照片
      done: { kind: image }
      points: 7
    - id: intro
      title: 自我介绍
      done: { contains: [我是] }
      points: 1
  taskDone: "{mention} 完成「{task}」+{points}"
checkin:
  keywords: [打卡]
  media: [image]
  points: 2
  reply: "{mention} 打卡成功 连续 {streak} 天 积分 {points}"
  already: "{mention} 今天已打卡"
`

/** 运动/学习打卡群 check in with a photo; a newcomer task can ask for one. */
describe('photo check-ins and photo tasks through the simulator', () => {
  let sopDir: string
  let app: TestApp
  let roomId: string
  let runner: string
  let newcomer: string
  const bot = async () =>
    (
      (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as {
        self: boolean
        text: string
      }[]
    )
      .filter((l) => l.self)
      .map((l) => l.text)
  const photo = async (from: string, kind = 'image') => {
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from, media: { kind } })
    expect(res.status).toBe(202)
    await app.sim.settle()
  }

  beforeEach(async () => {
    sopDir = mkdtempSync(join(tmpdir(), 'qunbot-sop-media-'))
    writeFileSync(join(sopDir, 'run.yaml'), SOP)
    app = await startTestApp({ QUNBOT_SOP_DIR: sopDir, QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('跑步打卡群', ['老王'])
    roomId = room.id
    runner = room.members[0]?.id ?? ''
    await app.sim.settle()
    newcomer = app.sim.world.addMember(roomId, '小李').id
    await app.sim.settle()
  })
  afterEach(async () => {
    await app.close()
    rmSync(sopDir, { recursive: true, force: true })
  })

  it('a photo checks in with streak and points; a second photo that day is "already"; a sticker is not', async () => {
    await photo(runner)
    await photo(runner)
    await photo(runner, 'emoticon')
    const lines = await bot()
    expect(lines.filter((l) => l.includes('打卡成功 连续 1 天 积分 2'))).toHaveLength(1)
    expect(lines.filter((l) => l.includes('今天已打卡'))).toHaveLength(1)
    expect(lines).toHaveLength(2)
    app.runtime.messageLog.flush()
    const sql = app.db.$client
    expect(sql.prepare('SELECT COUNT(*) FROM checkins WHERE member_id = ?').pluck().get(runner)).toBe(1)
  })

  it('a newcomer finishes a photo task with a photo, not with the word', async () => {
    const before = (await bot()).length
    app.sim.world.say(roomId, newcomer, '跑鞋照片')
    await app.sim.settle()
    // Text is not a photo (and not a check-in keyword): nothing.
    expect((await bot()).slice(before)).toEqual([])
    await photo(newcomer)
    const after = (await bot()).slice(before)
    // The photo finishes the task and is the day's check-in: both are confirmed.
    expect(after.some((l) => l.includes('完成「发一张跑鞋照片」+7'))).toBe(true)
    expect(after.some((l) => l.includes('打卡成功 连续 1 天 积分 9'))).toBe(true)
    expect(after).toHaveLength(2)
    app.runtime.messageLog.flush()
    const sql = app.db.$client
    expect(
      sql.prepare('SELECT COUNT(*) FROM sop_task_completions WHERE member_id = ?').pluck().get(newcomer),
    ).toBe(1)
  })
})
