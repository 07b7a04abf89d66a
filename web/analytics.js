// The dashboard: figures, charts and tables for a range of days, over all groups or one
// (#group=<id>). Definitions are in docs/metrics.md. One API request per view; the charts are
// created once and updated in place.
import { api, apiBlob, takeTokenFromUrl } from './api.js'
import { $, clearError, createErrorHandler, el, emptyRow, pad, showError, wireErrorAndToken } from './ui.js'

/** Chart.js, loaded by the classic <script src="/vendor/chart.umd.js"> before this module. */
const Chart = globalThis.Chart

const COLORS = {
  green: '#07a35a',
  blue: '#0969da',
  orange: '#d97706',
  red: '#cf222e',
  grey: '#9aa3ad',
  purple: '#8250df',
}
const MAX_DAYS = 366
const DAY_MS = 86_400_000

const state = {
  /** The requested range ({from, to}); null until the operator picks one (the API's last 7 days). */
  range: null,
  /** Today in the analytics time zone, as the API last said (the `to` of a default range). */
  today: null,
  groupId: groupFromHash(),
  /** Every group as {id, topic}, for the selector (from the last overview). */
  groups: [],
  /** The overview's group rows, and how the table is sorted. */
  groupRows: [],
  sort: { key: null, dir: 'desc' },
  charts: null,
  /** Increases with each request, so a slow answer never overwrites a newer one. */
  seq: 0,
  shown: { select: '' },
}

// ---- formatting ---------------------------------------------------------------------------

const LOCALE = 'zh-CN'
const collator = new Intl.Collator(LOCALE)
const num = (n, digits = 0) =>
  n === null || n === undefined ? '-' : n.toLocaleString(LOCALE, { maximumFractionDigits: digits })
const percent = (rate) => (rate === null || rate === undefined ? '-' : `${num(rate * 100, 1)}%`)
const minutes = (ms) => (ms === null || ms === undefined ? '-' : `${num(ms / 60_000, 1)} 分钟`)
const signed = (n) => (n > 0 ? `+${num(n)}` : num(n))

const formatDateTime = (ms) => {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Adds days to a YYYY-MM-DD date (calendar arithmetic, no time zone involved). */
function addDays(date, days) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

function groupFromHash() {
  return new URLSearchParams(location.hash.slice(1)).get('group') || null
}

// ---- charts -------------------------------------------------------------------------------

/** Draws "no data" over a chart whose datasets are all zero or empty. */
const emptyNote = {
  id: 'emptyNote',
  afterDraw(chart) {
    const hasData = chart.data.datasets.some((d) => d.data.some((v) => v !== null && v !== 0))
    if (hasData) return
    const { ctx, chartArea } = chart
    if (!chartArea) return
    ctx.save()
    ctx.fillStyle = '#6b737c'
    ctx.font = '13px system-ui, sans-serif'
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillText(
      '暂无数据 (no data)',
      (chartArea.left + chartArea.right) / 2,
      (chartArea.top + chartArea.bottom) / 2,
    )
    ctx.restore()
  },
}

/** A date axis's tick as MM-DD; `this` is the category scale. */
function shortDate(value) {
  return String(this.getLabelForValue(value)).slice(5)
}

const countAxis = { beginAtZero: true, ticks: { precision: 0 } }
const noLegend = { legend: { display: false } }

function createCharts() {
  Chart.defaults.animation = false
  Chart.defaults.maintainAspectRatio = false
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily
  Chart.defaults.color = '#4a525b'
  Chart.register(emptyNote)
  const chart = (id, config) => new Chart($(id), config)
  return {
    activity: chart('chart-activity', {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          {
            label: '消息 (messages)',
            data: [],
            backgroundColor: COLORS.green,
            yAxisID: 'y',
            order: 2,
          },
          {
            type: 'line',
            label: '活跃成员 (active members)',
            data: [],
            borderColor: COLORS.blue,
            backgroundColor: COLORS.blue,
            pointRadius: 2,
            yAxisID: 'y1',
            order: 1,
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { ticks: { callback: shortDate } },
          y: { ...countAxis, title: { display: true, text: '消息 (messages)' } },
          y1: {
            ...countAxis,
            position: 'right',
            grid: { drawOnChartArea: false },
            title: { display: true, text: '活跃成员 (active)' },
          },
        },
      },
    }),
    members: chart('chart-members', {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { label: '入群 (joins)', data: [], backgroundColor: COLORS.green },
          { label: '退群 (leaves)', data: [], backgroundColor: COLORS.red },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { x: { ticks: { callback: shortDate } }, y: countAxis },
      },
    }),
    funnel: chart('chart-funnel', {
      type: 'bar',
      data: {
        labels: ['入群 (joined)', '首个任务 (first task)', '全部任务 (all tasks)'],
        datasets: [
          {
            label: '新人 (newcomers)',
            data: [],
            backgroundColor: [COLORS.blue, COLORS.green, COLORS.purple],
          },
        ],
      },
      options: {
        plugins: {
          ...noLegend,
          tooltip: {
            callbacks: {
              afterLabel: (item) => {
                const joined = item.chart.data.datasets[0].data[0]
                return item.dataIndex > 0 && joined ? `占入群 (of joined) ${percent(item.raw / joined)}` : ''
              },
            },
          },
        },
        scales: { y: countAxis },
      },
    }),
    retention: chart('chart-retention', {
      type: 'bar',
      data: {
        labels: ['D1', 'D7', 'D30'],
        datasets: [{ label: '留存率 (rate) %', data: [], backgroundColor: COLORS.orange, cohorts: [] }],
      },
      options: {
        plugins: {
          ...noLegend,
          tooltip: {
            callbacks: {
              label: (item) => {
                const c = item.dataset.cohorts[item.dataIndex]
                return `${percent(c?.rate)} (${num(c?.retained)} / ${num(c?.cohort)})`
              },
            },
          },
        },
        scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } },
      },
    }),
    faq: chart('chart-faq', {
      type: 'doughnut',
      data: {
        labels: ['已回答 (answered)', '追问 (asked)', '兜底 (fallback)', '未回答 (unanswered)'],
        datasets: [{ data: [], backgroundColor: [COLORS.green, COLORS.blue, COLORS.orange, COLORS.grey] }],
      },
      options: { plugins: { legend: { position: 'right' } } },
    }),
    csat: chart('chart-csat', {
      type: 'bar',
      data: {
        labels: ['1 分', '2 分', '3 分', '4 分', '5 分'],
        datasets: [
          {
            label: '评价 (ratings)',
            data: [],
            backgroundColor: [COLORS.red, COLORS.orange, COLORS.grey, COLORS.blue, COLORS.green],
          },
        ],
      },
      options: { plugins: noLegend, scales: { y: countAxis } },
    }),
    streaks: chart('chart-streaks', {
      type: 'bar',
      data: { labels: [], datasets: [{ label: '成员 (members)', data: [], backgroundColor: COLORS.purple }] },
      options: { plugins: noLegend, scales: { y: countAxis } },
    }),
  }
}

function updateCharts(data) {
  const { activity, members, funnel, retention, faq, csat, streaks } = state.charts
  const series = data.activity.series
  activity.data.labels = series.map((d) => d.date)
  activity.data.datasets[0].data = series.map((d) => d.messages)
  activity.data.datasets[1].data = series.map((d) => d.activeMembers)
  members.data.labels = activity.data.labels
  members.data.datasets[0].data = series.map((d) => d.joins)
  members.data.datasets[1].data = series.map((d) => d.leaves)

  funnel.data.datasets[0].data = [data.newcomers.joined, data.newcomers.firstTask, data.newcomers.allTasks]

  const cohorts = ['d1', 'd7', 'd30'].map((k) => data.retention[k])
  retention.data.datasets[0].cohorts = cohorts
  retention.data.datasets[0].data = cohorts.map((c) => (c.rate === null ? null : c.rate * 100))

  faq.data.datasets[0].data = [data.faq.answered, data.faq.asked, data.faq.fallback, data.faq.unanswered]
  csat.data.datasets[0].data = data.handoff.csat.distribution.map((d) => d.count)
  streaks.data.labels = data.checkins.streaks.map((s) => `${s.label} 天`)
  streaks.data.datasets[0].data = data.checkins.streaks.map((s) => s.members)

  for (const chart of Object.values(state.charts)) chart.update('none')
}

// ---- figures and tables -------------------------------------------------------------------

/** Shows a figure; `data-value` keeps the raw number (empty for null) for scripts and tests. */
function setFigure(id, text, value) {
  const node = $(id)
  node.textContent = text
  node.dataset.value = value === null || value === undefined ? '' : String(value)
}

function renderFigures(data) {
  const { members, activity, retention, faq, handoff } = data
  setFigure('kpi-members', num(members.current), members.current)
  setFigure('kpi-net', signed(members.net), members.net)
  setFigure('kpi-joins', num(members.joins), members.joins)
  setFigure('kpi-leaves', num(members.leaves), members.leaves)
  setFigure('kpi-active', num(activity.activeMembers), activity.activeMembers)
  setFigure('kpi-active-rate', percent(activity.activeRate), activity.activeRate)
  setFigure('kpi-messages', num(activity.messages), activity.messages)
  setFigure('kpi-messages-per-day', num(activity.messagesPerDay, 1), activity.messagesPerDay)
  for (const k of ['d1', 'd7', 'd30']) {
    setFigure(`kpi-${k}`, `${k.toUpperCase()} ${percent(retention[k].rate)}`, retention[k].rate)
    $(`kpi-${k}`).title = `${k}: ${num(retention[k].retained)} / ${num(retention[k].cohort)}`
  }
  setFigure('kpi-faq-rate', percent(faq.answerRate), faq.answerRate)
  setFigure('kpi-faq-questions', num(faq.questions), faq.questions)
  setFigure('kpi-first-response', minutes(handoff.firstResponse.medianMs), handoff.firstResponse.medianMs)
  setFigure('kpi-tickets', num(handoff.opened), handoff.opened)
  setFigure(
    'kpi-csat',
    handoff.csat.average === null ? '-' : num(handoff.csat.average, 2),
    handoff.csat.average,
  )
  setFigure('kpi-csat-count', num(handoff.csat.count), handoff.csat.count)
}

const GROUP_COLUMNS = [
  { key: 'topic' },
  { key: 'members', format: (v) => num(v) },
  { key: 'activeMembers', format: (v) => num(v) },
  { key: 'activeRate', format: percent },
  { key: 'messages', format: (v) => num(v) },
  { key: 'joins', format: (v) => num(v) },
  { key: 'leaves', format: (v) => num(v) },
]

function compareRows(key, dir) {
  const sign = dir === 'asc' ? 1 : -1
  return (a, b) => {
    const x = a[key]
    const y = b[key]
    // Empty values (a rate without members) go last in both directions.
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1
    const order = typeof x === 'string' ? collator.compare(x, y) : x - y
    return order * sign || collator.compare(a.topic, b.topic)
  }
}

/** Rebuilds the groups table in one DOM operation (500 groups are 3,500 cells: plain DOM is fine). */
function renderGroupTable() {
  const { key, dir } = state.sort
  const rows = key ? [...state.groupRows].sort(compareRows(key, dir)) : state.groupRows
  const fragment = document.createDocumentFragment()
  for (const g of rows) {
    const tr = el('tr')
    tr.dataset.testid = 'group-row'
    tr.dataset.groupId = g.id
    for (const col of GROUP_COLUMNS) {
      const td = el('td', col.format ? 'num' : 'name')
      td.dataset.col = col.key
      if (col.format) td.textContent = col.format(g[col.key])
      else {
        const link = el('a', '', g.topic)
        link.href = `#group=${encodeURIComponent(g.id)}`
        link.title = g.id
        td.append(link)
      }
      tr.append(td)
    }
    fragment.append(tr)
  }
  if (rows.length === 0) {
    const tr = el('tr')
    const td = el('td', 'empty', '还没有群 (no groups yet)')
    td.colSpan = GROUP_COLUMNS.length
    tr.append(td)
    fragment.append(tr)
  }
  $('groups-body').replaceChildren(fragment)
  $('group-count').textContent = num(rows.length)
  for (const th of $('groups-table').querySelectorAll('th[data-sort]')) {
    if (th.dataset.sort === key) th.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending')
    else th.removeAttribute('aria-sort')
  }
}

function renderFaqTable(entries) {
  const body = $('faq-body')
  body.replaceChildren(
    ...entries.map((e) => {
      const tr = el('tr')
      tr.dataset.testid = 'faq-row'
      tr.append(el('td', '', e.entryId), el('td', 'num', num(e.answers)))
      return tr
    }),
  )
  if (entries.length === 0) emptyRow(body, 2, '区间内没有回答 (no answers in the range)')
}

function renderPollTable(polls) {
  const topics = new Map(state.groups.map((g) => [g.id, g.topic]))
  const body = $('polls-body')
  body.replaceChildren(
    ...polls.map((p) => {
      const tr = el('tr')
      tr.dataset.testid = 'poll-row'
      const total = Object.values(p.votes).reduce((s, n) => s + n, 0)
      const votes = p.options.map((o) => `${o}: ${p.votes[o] ?? 0}`).join(' · ')
      tr.append(
        el('td', '', p.topicId),
        el('td', '', topics.get(p.roomId) ?? p.roomId),
        el('td', 'num', formatDateTime(p.firedAt)),
        el('td', '', `${votes}（共 ${num(total)}）${p.nps === null ? '' : ` · NPS ${p.nps}`}`),
        el('td', '', p.closedAt === null ? '进行中 (open)' : '已结束 (closed)'),
      )
      return tr
    }),
  )
  if (polls.length === 0) emptyRow(body, 5, '区间内没有投票 (no polls in the range)')
}

/** The group selector: every group by name, rebuilt only when the list changes. */
function renderGroupSelect(current) {
  const list = [...state.groups]
  if (current && !list.some((g) => g.id === current.id)) list.push(current)
  list.sort((a, b) => collator.compare(a.topic, b.topic))
  const signature = JSON.stringify(list)
  const select = $('group-select')
  if (signature !== state.shown.select) {
    state.shown.select = signature
    const fragment = document.createDocumentFragment()
    fragment.append(new Option('全部群 (all groups)', ''))
    for (const g of list) fragment.append(new Option(g.topic, g.id))
    select.replaceChildren(fragment)
  }
  select.value = state.groupId ?? ''
}

function render(data) {
  const group = data.group ?? null
  const main = $('dashboard')
  main.dataset.view = group ? 'group' : 'overview'
  main.dataset.groupId = group?.id ?? ''
  $('view-title').textContent = group ? group.topic : '全部群 (all groups)'
  $('back-to-overview').hidden = !group
  const { from, to, days, timezone } = data.range
  $('range-label').textContent = `${from} ~ ${to} · ${days} 天 · ${timezone}`
  $('range-from').value = from
  $('range-to').value = to
  for (const button of document.querySelectorAll('[data-days]'))
    button.setAttribute('aria-pressed', String(to === state.today && Number(button.dataset.days) === days))

  if (!group) {
    state.groups = data.groups.map((g) => ({ id: g.id, topic: g.topic }))
    state.groupRows = data.groups
    renderGroupTable()
  }
  $('groups-card').hidden = Boolean(group)
  renderGroupSelect(group)
  renderFigures(data)
  updateCharts(data)
  renderFaqTable(data.faq.topEntries)
  renderPollTable(data.polls)
}

// ---- data ---------------------------------------------------------------------------------

function rangeQuery() {
  const q = new URLSearchParams()
  if (state.range) {
    q.set('from', state.range.from)
    q.set('to', state.range.to)
  }
  return q
}

function viewPath() {
  const q = rangeQuery().toString()
  const base = state.groupId
    ? `/api/analytics/groups/${encodeURIComponent(state.groupId)}`
    : '/api/analytics/overview'
  return q ? `${base}?${q}` : base
}

async function load() {
  const seq = ++state.seq
  const main = $('dashboard')
  clearError()
  document.body.dataset.busy = 'true'
  main.dataset.state = 'loading'
  try {
    const data = await api('GET', viewPath())
    if (seq !== state.seq) return
    if (!state.range) state.today = data.range.to
    render(data)
    main.dataset.state = 'ready'
    // Opened on a group: fill the selector with every group once, after the group is on screen.
    if (state.groups.length === 0 && data.group) loadGroupList()
  } catch (error) {
    if (seq !== state.seq) return
    main.dataset.state = 'error'
    handleError(error)
  } finally {
    if (seq === state.seq) delete document.body.dataset.busy
  }
}

async function loadGroupList() {
  try {
    const q = rangeQuery().toString()
    const data = await api('GET', `/api/analytics/overview${q ? `?${q}` : ''}`)
    if (state.groups.length > 0) return
    state.groups = data.groups.map((g) => ({ id: g.id, topic: g.topic }))
    state.groupRows = data.groups
    renderGroupTable()
    renderGroupSelect(null)
  } catch {
    // The selector keeps the open group; the next overview fills it.
  }
}

/** Sets the range from the inputs (or the given dates) and reloads; refuses a bad range. */
function applyRange(from, to) {
  if (!from || !to) return showError('请填写开始和结束日期 (pick both dates)')
  if (from > to) return showError('开始日期不能晚于结束日期 (from must not be after to)')
  if (Date.parse(to) - Date.parse(from) > MAX_DAYS * DAY_MS)
    return showError(`区间最多 ${MAX_DAYS} 天 (a range is at most ${MAX_DAYS} days)`)
  state.range = { from, to }
  load()
}

async function downloadCsv(table) {
  clearError()
  const q = rangeQuery()
  if (!state.range) {
    q.set('from', $('range-from').value)
    q.set('to', $('range-to').value)
  }
  if (state.groupId) q.set('group', state.groupId)
  try {
    const blob = await apiBlob(`/api/analytics/csv/${table}?${q}`)
    const url = URL.createObjectURL(blob)
    const link = el('a')
    link.href = url
    link.download = `qunbot-${table}-${q.get('from')}_${q.get('to')}${state.groupId ? `-${state.groupId}` : ''}.csv`
    document.body.append(link)
    link.click()
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  } catch (error) {
    handleError(error)
  }
}

// ---- errors, the token and wiring ---------------------------------------------------------

function showNoToken(reason) {
  $('dashboard').hidden = true
  $('no-token').hidden = false
  if (reason) showError(reason)
}

const handleError = createErrorHandler({
  onUnauthorized: showNoToken,
  notAvailable: '数据看板未启用 (analytics API not available)',
})

function wire() {
  wireErrorAndToken(openDashboard)
  $('range-form').addEventListener('submit', (event) => event.preventDefault())
  for (const id of ['range-from', 'range-to'])
    $(id).addEventListener('change', () => applyRange($('range-from').value, $('range-to').value))
  for (const button of document.querySelectorAll('[data-days]'))
    button.addEventListener('click', () => {
      const to = state.today ?? $('range-to').value
      applyRange(addDays(to, 1 - Number(button.dataset.days)), to)
    })
  $('group-select').addEventListener('change', (event) => {
    const id = event.target.value
    location.hash = id ? `group=${encodeURIComponent(id)}` : ''
  })
  $('back-to-overview').addEventListener('click', (event) => {
    event.preventDefault()
    location.hash = ''
  })
  window.addEventListener('hashchange', () => {
    const id = groupFromHash()
    if (id === state.groupId) return
    state.groupId = id
    if (!$('dashboard').hidden) load()
  })
  $('groups-table')
    .querySelector('thead')
    .addEventListener('click', (event) => {
      const th = event.target.closest('th[data-sort]')
      if (!th) return
      const key = th.dataset.sort
      state.sort =
        state.sort.key === key
          ? { key, dir: state.sort.dir === 'asc' ? 'desc' : 'asc' }
          : { key, dir: key === 'topic' ? 'asc' : 'desc' }
      renderGroupTable()
    })
  for (const link of document.querySelectorAll('[data-csv]'))
    link.addEventListener('click', (event) => {
      event.preventDefault()
      downloadCsv(link.dataset.csv)
    })
}

function openDashboard() {
  $('no-token').hidden = true
  $('dashboard').hidden = false
  if (!Chart) return showError('图表库没有加载 (the chart library did not load: /vendor/chart.umd.js)')
  state.charts ??= createCharts()
  load()
}

wire()
if (takeTokenFromUrl()) openDashboard()
else showNoToken()
