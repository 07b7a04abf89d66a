import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const SOP = `
name: 测试SOP
match: { topic: "^测试" }
timezone: Asia/Shanghai
welcome:
  batchWindow: 60s
  text: "欢迎 {mentions} 加入{group}"
newcomer:
  within: 3d
  tasks:
    - id: intro
      title: 自我介绍
      done: { contains: [我是] }
      points: 10
    - id: rules
      title: 读群规
      done: { equals: [已读群规] }
      points: 5
  reminders:
    - after: 24h
      text: "{mention} 还有任务：{pending}"
  completed:
    text: "{mention} 完成新人任务，获得 {points} 积分"
topics:
  - id: daily
    cron: "0 20 * * *"
    text: 今日话题：读了什么？
checkin:
  keywords: [打卡]
  points: 5
  reply: "{mention} 打卡成功，连续 {streak} 天，积分 {points}"
  already: "{mention} 今天已经打过卡啦"
`

type Line = { fromName: string; text: string; self: boolean; at: number }

/**
 * The SOP scenario of the issue, driven only through the simulator API, with a fresh data dir
 * and a custom SOP, across two restarts of the bot on the same data dir.
 */
describe('SOP scenario through the simulator', () => {
  const sopDir = mkdtempSync(join(tmpdir(), 'qunbot-sop-'))
  const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-data-'))
  const env = (extra: Record<string, string> = {}) => ({
    QUNBOT_SOP_DIR: sopDir,
    QUNBOT_DATA_DIR: dataDir,
    QUNBOT_SEND_JITTER_MS: '0',
    ...extra,
  })
  let app: TestApp
  let roomId = ''
  const ids: Record<string, string> = {}

  const bot = async (): Promise<Line[]> =>
    ((await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[]).filter(
      (m) => m.self,
    )
  /**
   * The bot's lines other than the daily topic: advancing to 10:00 crosses 20:00 when the test
   * starts between 10:00 and 20:00 in Shanghai, and the topic then goes out on the way.
   */
  const notTopics = async (): Promise<string[]> =>
    (await bot()).map((l) => l.text).filter((text) => !text.startsWith('今日话题'))
  const say = async (who: string, text: string) => {
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: ids[who], text })
    expect(res.status).toBe(202)
  }
  const settle = async () => (await app.api('POST', '/api/sim/settle')).body.now as number
  const advance = async (ms: number) =>
    (await app.api('POST', '/api/sim/clock/advance', { ms })).body.now as number
  /** Advances to the next time of day `hh:mm` in Shanghai. */
  const advanceTo = async (hour: number, minute: number) => {
    const now = DateTime.fromMillis((await app.api('GET', '/api/sim/clock')).body.now, {
      zone: 'Asia/Shanghai',
    })
    let target = now.set({ hour, minute, second: 0, millisecond: 0 })
    if (target <= now) target = target.plus({ days: 1 })
    return advance(target.toMillis() - now.toMillis())
  }
  const shanghai = (t: number) => DateTime.fromMillis(t, { zone: 'Asia/Shanghai' })

  beforeAll(async () => {
    writeFileSync(join(sopDir, 'test.yaml'), SOP)
    app = await startTestApp(env())
  })
  afterAll(async () => {
    await app.close()
    rmSync(sopDir, { recursive: true, force: true })
  })

  it('binds the group and welcomes two quick joiners with one message', async () => {
    const created = await app.api('POST', '/api/sim/rooms', { topic: '测试群', members: ['老成员'] })
    roomId = created.body.id
    await settle()
    const status = await app.api('GET', '/api/sop/status')
    expect(status.body.groups).toEqual([expect.objectContaining({ roomId, sop: '测试SOP' })])
    await advanceTo(10, 0)
    for (const name of ['小明', '小红']) {
      ids[name] = (await app.api('POST', `/api/sim/rooms/${roomId}/members`, { name })).body.id
      await advance(10_000)
    }
    await advance(60_000)
    await settle()
    expect(await notTopics()).toEqual(['欢迎 @小明 @小红 加入测试群'])
  })

  it('sends one completion message with the summed points when both tasks are done', async () => {
    await say('小明', '大家好，我是小明')
    await say('小明', '已读群规')
    await settle()
    const lines = (await notTopics()).slice(1)
    expect(lines).toEqual(['@小明 完成新人任务，获得 15 积分'])
    const points = await app.api('GET', `/api/points/${roomId}/${ids['小明']}`)
    expect(points.body.balance).toBe(15)
  })

  it('after 24 h reminds only the member with tasks left, once', async () => {
    await advance(24 * 3_600_000)
    await settle()
    await advance(24 * 3_600_000)
    await settle()
    const reminders = (await bot()).filter((l) => l.text.includes('还有任务'))
    expect(reminders.map((l) => l.text)).toEqual(['@小红 还有任务：自我介绍、读群规'])
  })

  it('answers a second check-in on one local day with the "already" text, and counts the next day as streak 2', async () => {
    await advanceTo(9, 0)
    await say('小明', '打卡')
    await settle()
    await advance(3_600_000)
    await say('小明', '打卡！')
    await settle()
    await advanceTo(8, 0)
    await say('小明', '打卡 今天读了30页')
    await settle()
    const checkins = (await bot()).filter((l) => /打卡成功|打过卡/.test(l.text)).map((l) => l.text)
    expect(checkins).toEqual([
      '@小明 打卡成功，连续 1 天，积分 20',
      '@小明 今天已经打过卡啦',
      '@小明 打卡成功，连续 2 天，积分 25',
    ])
  })

  it('posts the topic once at the cron time', async () => {
    const before = (await bot()).filter((l) => l.text.startsWith('今日话题')).length
    await advanceTo(19, 59)
    await advance(2 * 60_000)
    await settle()
    const topics = (await bot()).filter((l) => l.text.startsWith('今日话题'))
    expect(topics).toHaveLength(before + 1)
    const last = topics[topics.length - 1]
    expect(shanghai(last?.at ?? 0).toFormat('HH:mm')).toBe('20:00')
  })

  it('posts a topic missed during a short restart once, and never twice', async () => {
    await advanceTo(19, 55)
    const topicsBefore = (await bot()).filter((l) => l.text.startsWith('今日话题')).length
    await app.stop()
    // Down for 10 minutes across 20:00: within the 10-minute grace period.
    app = await startTestApp(env({ QUNBOT_SIM_DOWNTIME_MS: String(10 * 60_000) }))
    await settle()
    const afterRestart = (await bot()).filter((l) => l.text.startsWith('今日话题'))
    expect(afterRestart).toHaveLength(topicsBefore + 1)
    expect(shanghai(afterRestart[afterRestart.length - 1]?.at ?? 0).toFormat('HH:mm')).toBe('20:05')
    // A second restart right away does not post it again.
    await app.stop()
    app = await startTestApp(env())
    await settle()
    expect((await bot()).filter((l) => l.text.startsWith('今日话题'))).toHaveLength(topicsBefore + 1)
  })

  it('skips a topic missed by more than the grace period', async () => {
    await advanceTo(19, 50)
    const topicsBefore = (await bot()).filter((l) => l.text.startsWith('今日话题')).length
    await app.stop()
    app = await startTestApp(env({ QUNBOT_SIM_DOWNTIME_MS: String(40 * 60_000) }))
    await settle()
    expect((await bot()).filter((l) => l.text.startsWith('今日话题'))).toHaveLength(topicsBefore)
    const skipped = app.db.$client
      .prepare("SELECT count(*) FROM job_runs WHERE job_key LIKE '%:topic:daily' AND status = 'skipped'")
      .pluck()
      .get()
    expect(skipped).toBe(1)
  })
})
