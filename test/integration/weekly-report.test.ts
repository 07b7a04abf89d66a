import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebhookDispatcher } from '../../src/outbox/webhooks/webhook-dispatcher.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const ZONE = 'Asia/Shanghai'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXF1bmJvdC1oYW5kb2Zm'

type Line = { fromId: string; fromName: string; text: string; self: boolean }
type Delivery = { type: string; data: Record<string, unknown> }

const localDate = (t: number) => DateTime.fromMillis(t, { zone: ZONE }).toISODate() as string

/** The first Tuesday 10:00 Shanghai strictly after `now`. */
function nextTuesday10(now: number): number {
  let d = DateTime.fromMillis(now, { zone: ZONE }).startOf('day').set({ hour: 10 })
  while (d.weekday !== 2 || d.toMillis() <= now) d = d.plus({ days: 1 })
  return d.toMillis()
}

/** The first Monday 09:00 Shanghai strictly after `now` (the report's cron "0 9 * * 1"). */
function nextMonday9(now: number): number {
  let d = DateTime.fromMillis(now, { zone: ZONE }).startOf('day').set({ hour: 9 })
  while (d.weekday !== 1 || d.toMillis() <= now) d = d.plus({ days: 1 })
  return d.toMillis()
}

/**
 * The weekly report through the simulator: posted in the operators' group and to the staff
 * webhook once per week (also across a restart), with the figures of the 7 local days before the
 * Monday it runs on, against the 7 days before those.
 */
describe('weekly analytics report', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-weekly-data-'))
  const confDir = mkdtempSync(join(tmpdir(), 'qunbot-weekly-conf-'))
  const sopDir = join(confDir, 'sop') // absent: no SOP, no welcomes, no check-ins
  const kbDir = mkdtempSync(join(tmpdir(), 'qunbot-weekly-kb-')) // empty: every question goes unanswered
  const analyticsFile = join(confDir, 'analytics.yaml')
  const handoffFile = join(confDir, 'handoff.yaml')
  const deliveries: Delivery[] = []
  let server: Server
  let app: TestApp
  let ops: string // the operators' group
  let club: string // the community group
  const ids: Record<string, string> = {}
  /** Tuesday 10:00 Shanghai, the first moment with the report configured. */
  let anchor: number
  /** The first report's Monday 09:00. */
  let firstReportAt: number

  const start = () =>
    startTestApp({
      QUNBOT_DATA_DIR: dataDir,
      QUNBOT_SOP_DIR: sopDir,
      QUNBOT_KB_DIR: kbDir,
      QUNBOT_HANDOFF_FILE: handoffFile,
      QUNBOT_ANALYTICS_FILE: analyticsFile,
      QUNBOT_SEND_JITTER_MS: '0',
    })
  const dispatcher = () =>
    (app.features.find((f) => f.name === 'handoff') as unknown as { dispatcher: WebhookDispatcher })
      .dispatcher
  const settle = async () => {
    await app.api('POST', '/api/sim/settle')
    await dispatcher().whenQuiet()
  }
  const now = async (): Promise<number> => (await app.api('GET', '/api/sim/clock')).body.now
  const advance = async (ms: number) => {
    expect((await app.api('POST', '/api/sim/clock/advance', { ms })).status).toBe(200)
    await settle()
  }
  const advanceTo = async (t: number) => advance(t - (await now()))
  const say = async (room: string, who: string, text: string) => {
    expect((await app.api('POST', `/api/sim/rooms/${room}/messages`, { from: ids[who], text })).status).toBe(
      202,
    )
    await settle()
  }
  const reports = async () =>
    ((await app.api('GET', `/api/sim/rooms/${ops}/messages`)).body.messages as Line[])
      .filter((l) => l.self)
      .map((l) => l.text)
  const reportDeliveries = () => deliveries.filter((d) => d.type === 'analytics.weekly_report')
  /** Webhooks go out over real HTTP: give the receiver a moment to see what is in flight. */
  const waitForDeliveries = async (n: number) => {
    const deadline = Date.now() + 5_000
    while (reportDeliveries().length < n && Date.now() < deadline) {
      await dispatcher().whenQuiet()
      await new Promise((r) => setTimeout(r, 20))
    }
    // And a little longer, so a second (wrong) delivery would show up too.
    await new Promise((r) => setTimeout(r, 100))
    await dispatcher().whenQuiet()
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        deliveries.push(JSON.parse(body))
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/staff`
    writeFileSync(
      handoffFile,
      [
        'triggers:',
        '  keywords: [转人工]',
        'texts:',
        '  opened: "{mention} 已转人工"',
        '  askRating: "{mention} 请打分 1-5"',
        'webhooks:',
        `  - { name: ops, url: "${url}", secret: "${SECRET}", events: ["analytics.weekly_report"], allowPrivate: true }`,
      ].join('\n'),
    )

    // The report needs the operators' group id, known only once the group exists: a first run
    // without analytics.yaml creates the groups, then stops (the world is saved in the data dir).
    app = await start()
    const opsRoom = (await app.api('POST', '/api/sim/rooms', { topic: '运营群', members: ['运营甲'] })).body
    ops = opsRoom.id
    const clubRoom = (
      await app.api('POST', '/api/sim/rooms', { topic: '读书会', members: ['老王', '老李', '老张'] })
    ).body
    club = clubRoom.id
    for (const m of clubRoom.members as { id: string; name: string }[]) ids[m.name] = m.id
    await settle()
    // Start the story on a Tuesday at 10:00 Shanghai, whatever day the simulator woke up on.
    anchor = nextTuesday10(await now())
    await advanceTo(anchor)
    expect(await now()).toBe(anchor)
    await app.stop()

    writeFileSync(
      analyticsFile,
      [
        'timezone: Asia/Shanghai',
        'report:',
        '  cron: "0 9 * * 1"',
        `  group: "${ops}"`,
        '  webhook: true',
        '  text: |-',
        '    📊 社群周报 {from} ~ {to}',
        '    群数 {groups}，成员 {members}（新进 {joins}，退出 {leaves}）',
        '    活跃成员 {activeMembers}（活跃率 {activeRate}），消息 {messages} 条',
        '    新人次日留存 {retentionD1}，7 日留存 {retentionD7}',
        '    问答解决率 {faqAnswerRate}；转人工 {handoffs} 次，首次响应中位数 {firstResponseMedian} 分钟，满意度 {csat}',
        '    与上周相比：',
        '    {changes}',
        '  changeLine: "· {label} {value}（{change}）"',
        '  labels:',
        '    members: 成员',
        '    activeMembers: 活跃成员',
        '    messages: 消息',
        '    joins: 新进成员',
        '    faqAnswerRate: 问答解决率',
        '    handoffs: 转人工',
      ].join('\n'),
    )
    app = await start()
    await settle()
  })

  afterAll(async () => {
    await app?.close()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(confDir, { recursive: true, force: true })
    rmSync(kbDir, { recursive: true, force: true })
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('resumes the simulated time on restart', async () => {
    expect(await now()).toBe(anchor)
    expect(await reports()).toEqual([])
  })

  it("posts one report on Monday 09:00 with last week's figures, in the group and to the webhook", async () => {
    // Tuesday 10:00 (day T): 老王 posts 3 statements; 老李 asks for a person (a ticket opens).
    await say(club, '老王', '今天读完第一章了')
    await say(club, '老王', '笔记已经整理好')
    await say(club, '老王', '晚上继续')
    await say(club, '老李', '转人工')
    const [ticket] = (await app.api('GET', '/api/handoff/tickets?status=open')).body.tickets
    expect(ticket).toBeDefined()
    // 10:06: staff reply (first response after 6 minutes), resolve; 老李 rates 5.
    await advance(6 * MINUTE)
    expect(
      (await app.api('POST', `/api/handoff/tickets/${ticket.id}/reply`, { text: '已处理', staff: '客服' }))
        .status,
    ).toBe(200)
    expect(
      (await app.api('POST', `/api/handoff/tickets/${ticket.id}/resolve`, { staff: '客服' })).status,
    ).toBe(200)
    await settle()
    await say(club, '老李', '5')
    // 10:06: a newcomer joins.
    const joined = await app.api('POST', `/api/sim/rooms/${club}/members`, { name: '小新' })
    expect(joined.status).toBe(201)
    ids['小新'] = joined.body.id
    await settle()
    // Wednesday 10:06 (T + 1): the newcomer posts twice (day 1 after joining); 老王 asks a question
    // the (empty) knowledge base cannot answer.
    await advance(DAY)
    await say(club, '小新', '新人报到')
    await say(club, '小新', '已读群公告')
    await say(club, '老王', '请问发票怎么开？')

    // The dashboard already shows the same figures for those days (a cross-check of the assumptions
    // below: one unanswered question, one ticket).
    const tuesday = localDate(anchor)
    const overview = (
      await app.api('GET', `/api/analytics/overview?from=${tuesday}&to=${localDate(await now())}`)
    ).body
    expect(overview.activity).toMatchObject({ messages: 8, activeMembers: 3 })
    expect(overview.faq).toMatchObject({ questions: 1, unanswered: 1, answered: 0 })
    expect(overview.handoff).toMatchObject({ opened: 1, firstResponse: { count: 1 } })
    // Sends are paced, so the clock may have moved a few seconds beyond the 6 minutes.
    expect(Math.round(overview.handoff.firstResponse.medianMs / MINUTE)).toBe(6)

    // Nothing before Monday 09:00.
    firstReportAt = nextMonday9(anchor)
    expect(firstReportAt - anchor).toBe(6 * DAY - HOUR) // Tuesday 10:00 -> next Monday 09:00
    await advanceTo(firstReportAt - MINUTE)
    expect(await reports()).toEqual([])
    await advanceTo(firstReportAt + MINUTE)
    await waitForDeliveries(1)

    // The report covers the 7 local days before Monday: Monday (T - 1) .. Sunday (T + 5).
    const from = localDate(anchor - DAY)
    const to = localDate(anchor + 5 * DAY)
    expect(DateTime.fromISO(from, { zone: ZONE }).weekday).toBe(1)
    expect(DateTime.fromISO(to, { zone: ZONE }).weekday).toBe(7)
    // Worked out from what the test did:
    //   groups 2 (运营群, 读书会); members now: 运营甲 + 老王 老李 老张 小新 = 5; joins 1 (小新), leaves 0.
    //   messages: 老王 3 + 1, 老李 2 (转人工, 5), 小新 2 = 8, by 3 active members -> 3 / 5 = 60 %.
    //   D1: cohort 小新 (joined Tuesday, posted Wednesday) -> 100 %. D7: day 7 (next Tuesday) is
    //   after today (Monday) -> empty cohort -> "-".
    //   FAQ: one question, unanswered -> 0 %. One ticket, first reply after 6 minutes, rated 5 -> 5.0.
    //   Last week: nothing at all, so every change is "-" (0 before), except members (below).
    const [text, ...more] = await reports()
    expect(more).toEqual([])
    const lines = (text ?? '').split('\n')
    expect(lines.slice(0, 6)).toEqual([
      `📊 社群周报 ${from} ~ ${to}`,
      '群数 2，成员 5（新进 1，退出 0）',
      '活跃成员 3（活跃率 60%），消息 8 条',
      '新人次日留存 100%，7 日留存 -',
      '问答解决率 0%；转人工 1 次，首次响应中位数 6 分钟，满意度 5.0',
      '与上周相比：',
    ])
    // Members at the end of last week: 5 now, less this week's net joins (1) -> 4 -> +25 %.
    expect(lines[6]).toBe('· 成员 5（+25%）')
    expect(lines.slice(7)).toEqual([
      '· 活跃成员 3（-）',
      '· 消息 8（-）',
      '· 新进成员 1（-）',
      '· 问答解决率 0%（-）',
      '· 转人工 1（-）',
    ])

    const hooks = reportDeliveries()
    expect(hooks).toHaveLength(1)
    expect(hooks[0]?.data).toMatchObject({
      from,
      to,
      text,
      figures: {
        activeMembers: { value: 3, previous: 0, change: null },
        messages: { value: 8, previous: 0, change: null },
        joins: { value: 1, previous: 0, change: null },
        faqAnswerRate: { value: 0, previous: null, change: null },
        handoffs: { value: 1, previous: 0, change: null },
      },
    })
    const markdown = hooks[0]?.data.markdown as string
    expect(markdown.split('\n')[0]).toBe(`### 📊 社群周报 ${from} ~ ${to}`)
    expect(markdown).toContain('- 活跃成员 3（活跃率 60%），消息 8 条')
    expect(markdown).toContain('- · 消息 8（-）')
  })

  it('posts that week only once, also after a restart', async () => {
    const stoppedAt = await now()
    expect(stoppedAt).toBeGreaterThan(firstReportAt)
    await app.stop()
    app = await start()
    await settle()
    // The same simulated time resumes (no downtime configured).
    expect(await now()).toBe(stoppedAt)
    await advance(5 * HOUR)
    await waitForDeliveries(1)
    expect(await reports()).toHaveLength(1)
    expect(reportDeliveries()).toHaveLength(1)
  })

  it('posts the next week with the week-over-week changes', async () => {
    // This is Monday 14:01, the first day of the next report's week. 老张 posts twice today, and 老王
    // twice on Tuesday.
    await say(club, '老张', '今天的打卡')
    await say(club, '老张', '读到第二章')
    await advance(DAY)
    await say(club, '老王', '第二章很精彩')
    await say(club, '老王', '周末一起讨论')
    const secondReportAt = firstReportAt + 7 * DAY
    await advanceTo(secondReportAt - MINUTE)
    expect(await reports()).toHaveLength(1)
    await advanceTo(secondReportAt + MINUTE)
    await waitForDeliveries(2)

    // This week: messages 4 by 2 members (老张, 老王) of 5 -> 40 %; no joins, no leaves, no
    // question (answer rate "-"), no ticket. Retention: no joins this week -> "-", "-".
    // Against last week (3 active, 8 messages, 1 join, 0 %, 1 ticket):
    //   active 2 vs 3 -> -1/3 -> -33 %; messages 4 vs 8 -> -50 %; joins 0 vs 1 -> -100 %;
    //   answer rate null now -> "-"; handoffs 0 vs 1 -> -100 %.
    const all = await reports()
    expect(all).toHaveLength(2)
    const from = localDate(firstReportAt)
    const to = localDate(firstReportAt + 6 * DAY)
    const lines = (all[1] ?? '').split('\n')
    expect(lines.slice(0, 6)).toEqual([
      `📊 社群周报 ${from} ~ ${to}`,
      '群数 2，成员 5（新进 0，退出 0）',
      '活跃成员 2（活跃率 40%），消息 4 条',
      // D7 is the week before's newcomers (小新, joined on its Tuesday): day 7 fell on this
      // week's Tuesday, when 小新 did not post -> 0 of 1.
      '新人次日留存 -，7 日留存 0%',
      '问答解决率 -；转人工 0 次，首次响应中位数 - 分钟，满意度 -',
      '与上周相比：',
    ])
    // No joins or leaves this week: 5 at the end of both weeks.
    expect(lines[6]).toBe('· 成员 5（+0%）')
    expect(lines.slice(7)).toEqual([
      '· 活跃成员 2（-33%）',
      '· 消息 4（-50%）',
      '· 新进成员 0（-100%）',
      '· 问答解决率 -（-）',
      '· 转人工 0（-100%）',
    ])

    const hooks = reportDeliveries()
    expect(hooks).toHaveLength(2)
    expect(hooks[1]?.data).toMatchObject({
      from,
      to,
      text: all[1],
      figures: {
        activeMembers: { value: 2, previous: 3 },
        messages: { value: 4, previous: 8, change: -0.5 },
        joins: { value: 0, previous: 1, change: -1 },
        faqAnswerRate: { value: null, previous: 0, change: null },
        handoffs: { value: 0, previous: 1, change: -1 },
      },
    })
    const figures = hooks[1]?.data.figures as { activeMembers: { change: number } } | undefined
    // 2 vs 3: -1/3, shown rounded as -33 %.
    expect(figures?.activeMembers.change).toBeCloseTo(-1 / 3, 12)
    expect(hooks[1]?.data.markdown).toEqual(expect.stringContaining('- · 消息 4（-50%）'))
  })
})
