import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenBrowser, openBrowser, requireChromium } from '../helpers/browser.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const TIMEOUT = { timeout: 90_000 }
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '__screenshots__')
const BOOK_CLUB = '读书会·一群'
const CHAT = '闲聊群'
const CHARTS = ['activity', 'members', 'funnel', 'retention', 'faq', 'csat', 'streaks'] as const

type Room = { id: string; topic: string; members: { id: string; name: string }[] }
// biome-ignore lint/suspicious/noExplicitAny: the test reads whatever JSON the API returns
type Json = any

// The page's number formats (web/analytics.js), computed here from the API's figures.
const num = (n: number | null, digits = 0) =>
  n === null ? '-' : n.toLocaleString('zh-CN', { maximumFractionDigits: digits })
const percent = (rate: number | null) => (rate === null ? '-' : `${num(rate * 100, 1)}%`)
const minutes = (ms: number | null) => (ms === null ? '-' : `${num(ms / MINUTE, 1)} 分钟`)
const signed = (n: number) => (n > 0 ? `+${num(n)}` : num(n))

/** Each figure on the page: test id, the text it must show, the raw value in data-value. */
function expectedFigures(o: Json): [string, string, number | null][] {
  return [
    ['kpi-members', num(o.members.current), o.members.current],
    ['kpi-net', signed(o.members.net), o.members.net],
    ['kpi-joins', num(o.members.joins), o.members.joins],
    ['kpi-leaves', num(o.members.leaves), o.members.leaves],
    ['kpi-active', num(o.activity.activeMembers), o.activity.activeMembers],
    ['kpi-active-rate', percent(o.activity.activeRate), o.activity.activeRate],
    ['kpi-messages', num(o.activity.messages), o.activity.messages],
    ['kpi-messages-per-day', num(o.activity.messagesPerDay, 1), o.activity.messagesPerDay],
    ['kpi-d1', `D1 ${percent(o.retention.d1.rate)}`, o.retention.d1.rate],
    ['kpi-d7', `D7 ${percent(o.retention.d7.rate)}`, o.retention.d7.rate],
    ['kpi-d30', `D30 ${percent(o.retention.d30.rate)}`, o.retention.d30.rate],
    ['kpi-faq-rate', percent(o.faq.answerRate), o.faq.answerRate],
    ['kpi-faq-questions', num(o.faq.questions), o.faq.questions],
    ['kpi-first-response', minutes(o.handoff.firstResponse.medianMs), o.handoff.firstResponse.medianMs],
    ['kpi-tickets', num(o.handoff.opened), o.handoff.opened],
    [
      'kpi-csat',
      o.handoff.csat.average === null ? '-' : num(o.handoff.csat.average, 2),
      o.handoff.csat.average,
    ],
    ['kpi-csat-count', num(o.handoff.csat.count), o.handoff.csat.count],
  ]
}

/** What each chart must plot, from the API. */
function expectedCharts(o: Json): Record<(typeof CHARTS)[number], unknown[][]> {
  return {
    activity: [
      o.activity.series.map((d: Json) => d.messages),
      o.activity.series.map((d: Json) => d.activeMembers),
    ],
    members: [o.activity.series.map((d: Json) => d.joins), o.activity.series.map((d: Json) => d.leaves)],
    funnel: [[o.newcomers.joined, o.newcomers.firstTask, o.newcomers.allTasks]],
    retention: [
      [o.retention.d1, o.retention.d7, o.retention.d30].map((c) => (c.rate === null ? null : c.rate * 100)),
    ],
    faq: [[o.faq.answered, o.faq.asked, o.faq.fallback, o.faq.unanswered]],
    csat: [o.handoff.csat.distribution.map((d: Json) => d.count)],
    streaks: [o.checkins.streaks.map((s: Json) => s.members)],
  }
}

/**
 * Runs in the page (as text: the test's TypeScript has no DOM types). Reads a chart canvas's
 * pixels and its Chart.js data: painted counts pixels that are neither transparent nor white.
 */
const CHART_PROBE = `(id) => {
  const canvas = document.querySelector('[data-testid="' + id + '"]')
  const chart = window.Chart.getChart(canvas)
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
  let painted = 0
  const colours = new Set()
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]
    if (a === 0 || (r > 245 && g > 245 && b > 245)) continue
    painted++
    colours.add((r << 16) | (g << 8) | b)
  }
  return {
    id: chart.id,
    width: canvas.width,
    height: canvas.height,
    painted,
    colours: colours.size,
    labels: chart.data.labels,
    datasets: chart.data.datasets.map((d) => d.data),
  }
}`

interface ChartProbe {
  id: string
  width: number
  height: number
  painted: number
  colours: number
  labels: unknown[]
  datasets: unknown[][]
}

const probeChart = (page: Page, name: string) =>
  page.evaluate(`(${CHART_PROBE})(${JSON.stringify(`chart-${name}`)})`) as Promise<ChartProbe>

describe('dashboard (analytics.html) in chromium', TIMEOUT, () => {
  let app: TestApp
  let address: string
  let browser: OpenBrowser
  let page: Page
  const rooms: Record<string, Room> = {}
  const pageErrors: string[] = []
  const consoleErrors: string[] = []

  const api = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await app.api(method, url, body)
    expect(res.status, `${method} ${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300)
    return res.body as Json
  }
  const settle = () => api('POST', '/api/sim/settle')
  const advance = async (ms: number) => {
    await api('POST', '/api/sim/clock/advance', { ms })
    await settle()
  }
  const createRoom = async (topic: string, members: string[]) => {
    const { id } = await api('POST', '/api/sim/rooms', { topic, members })
    const listed = (await api('GET', '/api/sim/rooms')).rooms as Room[]
    const room = listed.find((r) => r.id === id)
    if (!room) throw new Error(`no room ${topic}`)
    rooms[topic] = room
    return room
  }
  const addMember = async (topic: string, name: string) => {
    const room = rooms[topic] as Room
    const member = await api('POST', `/api/sim/rooms/${room.id}/members`, { name })
    room.members.push(member)
  }
  const say = async (topic: string, name: string, text: string, mentionBot = false) => {
    const room = rooms[topic] as Room
    const from = room.members.find((m) => m.name === name)?.id
    if (!from) throw new Error(`no member ${name} in ${topic}`)
    await api('POST', `/api/sim/rooms/${room.id}/messages`, { from, text, mentionBot })
    await settle()
  }
  /** A 转人工 ticket answered after `replyAfter`, resolved, then rated by the member. */
  const handoff = async (topic: string, name: string, replyAfter: number, rating: string) => {
    await say(topic, name, '转人工，课程打不开')
    const tickets = (await api('GET', '/api/handoff/tickets?status=open')).tickets as Json[]
    const ticket = tickets.find((t) => t.memberName === name)
    expect(ticket).toBeDefined()
    await advance(replyAfter)
    await api('POST', `/api/handoff/tickets/${ticket.id}/reply`, {
      text: '请重启 app 试试',
      staff: '客服小王',
    })
    await api('POST', `/api/handoff/tickets/${ticket.id}/resolve`, { staff: '客服小王' })
    await settle()
    await say(topic, name, rating)
  }
  const overview = (query = '') => api('GET', `/api/analytics/overview${query}`)
  const byId = (id: string) => page.getByTestId(id)
  const ready = (view: 'overview' | 'group', groupId = '') =>
    page
      .locator(
        `[data-testid="dashboard"][data-state="ready"][data-view="${view}"][data-group-id="${groupId}"]`,
      )
      .waitFor()

  /** Opens the dashboard on all groups with the default range (the last 7 days). */
  const openOverview = async () => {
    await page.goto(`${address}/analytics.html#token=${TEST_TOKEN}`)
    await ready('overview')
  }

  async function expectFigures(o: Json) {
    for (const [id, text, value] of expectedFigures(o)) {
      expect(await byId(id).textContent(), id).toBe(text)
      expect(await byId(id).getAttribute('data-value'), id).toBe(value === null ? '' : String(value))
    }
  }

  async function expectCharts(o: Json) {
    const want = expectedCharts(o)
    for (const name of CHARTS) {
      const probe = await probeChart(page, name)
      expect(probe.datasets, name).toEqual(want[name])
      // Drawn: a real size, and a good share of coloured pixels in more than one colour.
      expect(probe.width, name).toBeGreaterThan(200)
      expect(probe.painted, name).toBeGreaterThan(probe.width * probe.height * 0.01)
      expect(probe.colours, name).toBeGreaterThan(3)
    }
  }

  beforeAll(async () => {
    requireChromium()
    mkdirSync(SCREENSHOTS, { recursive: true })
    // The example SOP (./sop: newcomer tasks, check-ins) and knowledge base (./knowledge) run.
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    address = await app.listen()

    // Start at 10:00 in Shanghai (the SOP's and the analytics' zone), inside business hours and
    // far from midnight, so each simulated day below is one local day.
    const now = app.sim.clock.now()
    await advance((((2 * HOUR - (now % DAY)) % DAY) + DAY) % DAY)

    // Day 0: two 读书会 groups (the SOP matches them) and one other; two newcomers.
    await createRoom('读书会·一群', ['张三', '李四'])
    await createRoom('读书会·二群', ['王五'])
    await createRoom('闲聊群', ['赵六', '钱七'])
    // Members there when the bot arrives are not joins: let it take the groups' member lists first.
    await advance(MINUTE)
    await addMember('读书会·一群', '小明')
    await addMember('读书会·一群', '小红')
    await advance(MINUTE + 1_000)
    await say('读书会·一群', '小明', '大家好，我是小明，喜欢读历史书')
    await say('读书会·一群', '小明', '已读群规')
    await say('读书会·一群', '小红', '大家好，我是小红，平时喜欢读小说')
    for (const [topic, name] of [
      ['读书会·一群', '张三'],
      ['读书会·一群', '李四'],
      ['读书会·二群', '王五'],
    ] as const)
      await say(topic, name, '打卡')
    await say('读书会·一群', '张三', '请问直播回放在哪里看？', true)
    await say('读书会·二群', '王五', '发票怎么开', true)
    await say('读书会·二群', '王五', '你们的吉祥物叫什么名字', true)
    await say('闲聊群', '钱七', '今天天气不错')
    await handoff('闲聊群', '赵六', 6 * MINUTE, '5')
    await handoff('读书会·一群', '李四', 12 * MINUTE, '4')

    // Day 1: a newcomer comes back (D1 retention), check-ins continue.
    await advance(DAY)
    await say('读书会·一群', '小明', '今天读完了第三章')
    await say('读书会·一群', '张三', '打卡')
    await say('读书会·二群', '王五', '打卡')
    await say('闲聊群', '钱七', '早上好')

    // Day 2.
    await advance(DAY)
    await say('读书会·一群', '张三', '打卡')
    await say('读书会·一群', '李四', '课表在哪里看？', true)
    await say('闲聊群', '赵六', '周末一起爬山吗')

    browser = await openBrowser()
    page = browser.page
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  }, 60_000)

  it('serves Chart.js from the package under /vendor/, and nothing else there', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/vendor/chart.umd.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('javascript')
    expect(res.body).toContain('Chart.js v4')
    for (const url of ['/vendor/chart.js', '/vendor/chart.umd.js.map', '/vendor/../package.json', '/vendor/'])
      expect((await app.server.inject({ method: 'GET', url })).statusCode, url).toBe(404)
  })

  it('shows the overview of a simulator session: figures, charts and the groups table', TIMEOUT, async () => {
    const o = await overview()
    // The session produced data for every chart.
    expect(o.activity.messages).toBeGreaterThan(10)
    expect(o.newcomers).toMatchObject({ joined: 2, firstTask: 2, allTasks: 1 })
    expect(o.retention.d1).toMatchObject({ cohort: 2, retained: 1 })
    expect(o.faq.answered).toBeGreaterThan(0)
    expect(o.handoff.csat.count).toBe(2)
    expect(o.handoff.firstResponse.medianMs).toBeGreaterThan(0)
    expect(o.checkins.streaks.some((s: Json) => s.members > 0)).toBe(true)

    await openOverview()
    expect(page.url()).not.toContain(TEST_TOKEN)
    expect(await byId('view-title').textContent()).toContain('全部群')
    expect(await byId('range-from').inputValue()).toBe(o.range.from)
    expect(await byId('range-to').inputValue()).toBe(o.range.to)
    await expectFigures(o)
    await expectCharts(o)
    const activity = await probeChart(page, 'activity')
    expect(activity.labels).toEqual(o.activity.series.map((d: Json) => d.date))

    // One row per group, with its messages, linking to the group's page.
    const rows = byId('group-row')
    expect(await rows.count()).toBe(o.groups.length)
    expect(o.groups.length).toBe(3)
    for (const g of o.groups as Json[]) {
      const row = page.locator(`[data-testid="group-row"][data-group-id="${g.id}"]`)
      expect(await row.locator('[data-col="topic"]').textContent()).toBe(g.topic)
      expect(await row.locator('[data-col="messages"]').textContent()).toBe(num(g.messages))
      expect(await row.locator('[data-col="members"]').textContent()).toBe(num(g.members))
      expect(await row.locator('a').getAttribute('href')).toBe(`#group=${encodeURIComponent(g.id)}`)
    }
    expect(await byId('faq-row').count()).toBe(o.faq.topEntries.length)

    // Sorting by a header, both ways.
    const column = async (col: string) =>
      (await page.locator(`[data-testid="group-row"] [data-col="${col}"]`).allTextContents()).map((t) =>
        Number(t.replace(/,/g, '')),
      )
    await page.locator('th[data-sort="members"]').click()
    const down = await column('members')
    expect(down).toEqual([...down].sort((a, b) => b - a))
    await page.locator('th[data-sort="members"]').click()
    const up = await column('members')
    expect(up).toEqual([...up].sort((a, b) => a - b))
    expect(await page.locator('th[data-sort="members"]').getAttribute('aria-sort')).toBe('ascending')

    // A full-page screenshot to look at.
    await page.screenshot({ path: join(SCREENSHOTS, 'analytics.png'), fullPage: true })
    expect(await byId('error-banner').isHidden()).toBe(true)
    expect(pageErrors).toEqual([])
    expect(consoleErrors).toEqual([])
  })

  it('opens one group from the table and shows its own figures', TIMEOUT, async () => {
    const room = rooms[BOOK_CLUB] as Room
    const g = await api('GET', `/api/analytics/groups/${room.id}`)
    expect(g.group).toMatchObject({ id: room.id, topic: room.topic })
    expect(g.activity.messages).toBeGreaterThan(0)

    await openOverview()
    await page.locator(`[data-testid="group-row"][data-group-id="${room.id}"] a`).click()
    await ready('group', room.id)
    expect(new URL(page.url()).hash).toBe(`#group=${encodeURIComponent(room.id)}`)
    expect(await byId('view-title').textContent()).toBe(room.topic)
    expect(await byId('group-select').inputValue()).toBe(room.id)
    expect(await page.locator('#groups-card').isHidden()).toBe(true)
    await expectFigures(g)
    await expectCharts(g)
    await page.screenshot({ path: join(SCREENSHOTS, 'analytics-group.png'), fullPage: true })

    // The selector goes to another group, the back link to all groups.
    const other = rooms[CHAT] as Room
    await byId('group-select').selectOption(other.id)
    await ready('group', other.id)
    expect(await byId('view-title').textContent()).toBe(other.topic)
    await expectFigures(await api('GET', `/api/analytics/groups/${other.id}`))
    await byId('back-to-overview').click()
    await ready('overview')
    expect(await page.locator('#groups-card').isVisible()).toBe(true)

    // A direct link to a group works as well.
    const fresh = await browser.context.newPage()
    try {
      await fresh.goto(`${address}/analytics.html#token=${TEST_TOKEN}&group=${room.id}`)
      await fresh
        .locator(
          `[data-testid="dashboard"][data-state="ready"][data-view="group"][data-group-id="${room.id}"]`,
        )
        .waitFor()
      expect(await fresh.getByTestId('kpi-messages').textContent()).toBe(num(g.activity.messages))
      await expect
        .poll(() => fresh.locator('#group-select option').count(), { timeout: 10_000 })
        .toBe(Object.keys(rooms).length + 1)
    } finally {
      await fresh.close()
    }
    expect(pageErrors).toEqual([])
  })

  it('changes the range with a preset and updates the same charts', TIMEOUT, async () => {
    await openOverview()
    const before = await probeChart(page, 'activity')
    const to = await byId('range-to').inputValue()
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY).toISOString().slice(0, 10)
    await byId('preset-30').click()
    await page.locator('[data-testid="range-label"]', { hasText: `${from} ~ ${to}` }).waitFor()
    await ready('overview')
    expect(await byId('range-from').inputValue()).toBe(from)
    const o = await overview(`?from=${from}&to=${to}`)
    expect(o.range.days).toBe(30)
    await expectFigures(o)
    await expectCharts(o)
    const after = await probeChart(page, 'activity')
    expect(after.id).toBe(before.id)
    expect(after.labels).toHaveLength(30)
  })

  it('downloads a table as CSV with the token (byte order mark, header row)', TIMEOUT, async () => {
    await openOverview()
    const from = await byId('range-from').inputValue()
    const to = await byId('range-to').inputValue()
    // The header row names the fields of the API's rows.
    const o = await overview(`?from=${from}&to=${to}`)
    for (const [table, header] of [
      ['daily', Object.keys(o.activity.series[0]).join(',')],
      ['groups', Object.keys(o.groups[0]).join(',')],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), byId(`csv-${table}`).click()])
      expect(download.suggestedFilename()).toBe(`qunbot-${table}-${from}_${to}.csv`)
      const text = readFileSync(await download.path(), 'utf8')
      expect(text.startsWith(`\uFEFF${header}\r\n`)).toBe(true)
      const served = await app.server.inject({
        method: 'GET',
        url: `/api/analytics/csv/${table}?from=${from}&to=${to}`,
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      })
      expect(text).toBe(served.body)
    }
    expect(await byId('error-banner').isHidden()).toBe(true)
  })

  it('renders 500 groups quickly and sorts them', TIMEOUT, async () => {
    // The real overview with 500 groups in place of the three, served to a fresh page.
    const base = await overview()
    const groups = Array.from({ length: 500 }, (_, i) => ({
      id: `room-${i}`,
      topic: `读书会·${String(i).padStart(3, '0')}群`,
      members: 50 + ((i * 37) % 450),
      activeMembers: (i * 13) % 50,
      messages: ((i * 7919) % 2000) * 10,
      joins: i % 9,
      leaves: i % 4,
      activeRate: ((i * 13) % 50) / (50 + ((i * 37) % 450)),
    })).sort((a, b) => b.messages - a.messages)
    const polls = [1, 2, 3].map((i) => ({
      id: i,
      roomId: `room-${i}`,
      topicId: 'satisfaction',
      firedAt: app.sim.clock.now() - i * DAY,
      closedAt: i === 1 ? null : app.sim.clock.now() - i * DAY + HOUR,
      options: ['1', '2', '3', '4', '5'],
      votes: { '4': i, '5': 2 * i },
    }))
    const fresh = await browser.context.newPage()
    try {
      let requests = 0
      await fresh.route('**/api/analytics/overview*', (route) => {
        requests++
        return route.fulfill({ json: { ...base, groups, polls } })
      })
      const started = Date.now()
      await fresh.goto(`${address}/analytics.html#token=${TEST_TOKEN}`)
      await fresh.locator('[data-testid="dashboard"][data-state="ready"]').waitFor()
      const loaded = Date.now() - started
      expect(await fresh.getByTestId('group-row').count()).toBe(500)
      expect(await fresh.locator('#group-select option').count()).toBe(501)
      expect(loaded).toBeLessThan(5_000)
      expect(requests).toBe(1)
      const pollRows = fresh.getByTestId('poll-row')
      expect(await pollRows.count()).toBe(3)
      expect(await pollRows.nth(1).textContent()).toContain('读书会·002群')
      expect(await pollRows.nth(1).textContent()).toContain('4: 2 · 5: 4（共 6）')

      const sortStarted = Date.now()
      await fresh.locator('th[data-sort="topic"]').click()
      await fresh.locator('th[data-sort="topic"][aria-sort="ascending"]').waitFor()
      expect(Date.now() - sortStarted).toBeLessThan(2_000)
      expect(await fresh.locator('[data-testid="group-row"] [data-col="topic"]').first().textContent()).toBe(
        '读书会·000群',
      )
    } finally {
      await fresh.close()
    }
  })
})
