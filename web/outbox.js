// The dead-sends page: chat messages given up after repeated failures (text masked by the API),
// sent again one by one or all at once (optionally for one group). See docs/monitoring.md.
import { api, takeTokenFromUrl } from './api.js'
import { createPoller } from './poller.js'
import {
  $,
  clearError,
  createErrorHandler,
  createRunner,
  el,
  emptyRow,
  formatTime,
  pad,
  renderGroupOptions,
  showError,
  wireErrorAndToken,
} from './ui.js'

const POLL_MS = 3000
const LIMIT = 500

const state = {
  items: [],
  total: 0,
  /** Every group seen in the list, id -> topic (or id), for the group filter. */
  groups: new Map(),
  /** Signatures of what is on screen, so polling only redraws what changed. */
  shown: { items: '', groups: '' },
}

// ---- formatting ---------------------------------------------------------------------------

const formatDateTime = (ms) => {
  const d = new Date(ms)
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(ms)}`
}

function timeEl(ms) {
  const node = el('time', 'at', formatDateTime(ms))
  node.dateTime = new Date(ms).toISOString()
  return node
}

/** A cell with a main line and a muted second line (a group name and its id). */
function twoLines(main, sub) {
  const td = el('td')
  td.append(el('div', '', main))
  if (sub && sub !== main) td.append(el('div', 'mod-sub', sub))
  return td
}

const groupFilter = () => $('group-filter').value

// ---- rendering ----------------------------------------------------------------------------

function renderGroups() {
  state.shown.groups = renderGroupOptions($('group-filter'), state.groups, state.shown.groups)
}

function renderItems() {
  const signature = JSON.stringify([state.items, state.total])
  if (signature === state.shown.items) return
  state.shown.items = signature
  $('dead-count').textContent = String(state.total)
  $('more-hint').textContent =
    state.total > state.items.length
      ? `只显示最新 ${state.items.length} 条 (newest ${state.items.length} shown)`
      : ''
  $('retry-all-button').disabled = state.total === 0
  const body = $('dead-rows')
  body.replaceChildren(
    ...state.items.map((item) => {
      const tr = el('tr')
      tr.dataset.testid = 'dead-row'
      tr.dataset.outboxId = String(item.id)
      tr.dataset.roomId = item.roomId
      const time = el('td', 'nowrap')
      time.append(timeEl(item.createdAt))
      const action = el('td', 'nowrap')
      const button = el('button', 'mod-button', '重新发送 (retry)')
      button.type = 'button'
      button.dataset.testid = 'retry-button'
      button.addEventListener('click', () => retryOne(item.id))
      action.append(button)
      tr.append(
        time,
        twoLines(item.roomTopic ?? item.roomId, item.roomId),
        el('td', 'mod-evidence', item.text),
        el('td', 'nowrap', String(item.attempts)),
        el('td', 'mod-evidence mod-sub', item.lastError ?? '-'),
        action,
      )
      return tr
    }),
  )
  if (state.items.length === 0) emptyRow(body, 6, '没有发送失败的消息 (no dead sends)')
}

function render() {
  renderGroups()
  renderItems()
}

function notice(text) {
  $('notice').textContent = text
}

// ---- errors and the token -----------------------------------------------------------------

function showNoToken(reason) {
  poller.stop()
  $('outbox').hidden = true
  $('no-token').hidden = false
  if (reason) showError(reason)
}

const handleError = createErrorHandler({
  onUnauthorized: showNoToken,
  notAvailable: '发送队列接口不可用 (outbox API not available; is qunbot up to date?)',
})

/** Runs a user action: clears the last error, shows it if the action fails, then refreshes. */
const run = createRunner(refresh, handleError)

// ---- data ---------------------------------------------------------------------------------

async function refresh() {
  const query = new URLSearchParams({ status: 'dead', limit: String(LIMIT) })
  const roomId = groupFilter()
  if (roomId) query.set('roomId', roomId)
  const page = await api('GET', `/api/outbox?${query}`)
  state.items = page.items
  state.total = page.total
  for (const item of page.items) state.groups.set(item.roomId, item.roomTopic ?? item.roomId)
  render()
}

/** A retry refused with 404 means someone else got there first: redraw before the error shows. */
async function refreshOnFailure(request) {
  try {
    return await request
  } catch (error) {
    await refresh().catch(() => {})
    throw error
  }
}

function retryOne(id) {
  notice('')
  run(async () => {
    await refreshOnFailure(api('POST', `/api/outbox/${encodeURIComponent(id)}/retry`))
    notice(`已重新加入发送队列 1 条 (queued again: #${id})`)
  })
}

function retryAll() {
  const roomId = groupFilter()
  const where = roomId ? `群 ${state.groups.get(roomId) ?? roomId} 的` : '全部'
  if (!confirm(`重新发送${where} ${state.total} 条发送失败的消息？(send these again?)`)) return
  notice('')
  run(async () => {
    const result = await api('POST', '/api/outbox/retry', roomId ? { roomId } : {})
    notice(`已重新加入发送队列 ${result.retried} 条 (queued again: ${result.retried})`)
  })
}

const poller = createPoller({
  refresh,
  intervalMs: POLL_MS,
  onError: handleError,
  onRecovered: clearError,
  isOpen: () => !$('outbox').hidden,
})

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  wireErrorAndToken(openPage)
  $('filter-form').addEventListener('submit', (event) => event.preventDefault())
  $('group-filter').addEventListener('change', () => run(() => {}))
  $('retry-all-button').addEventListener('click', retryAll)
}

function openPage() {
  $('no-token').hidden = true
  $('outbox').hidden = false
  run(() => {}).then(() => {
    if (!$('outbox').hidden && !document.hidden) poller.start()
  })
}

wire()
if (takeTokenFromUrl()) openPage()
else showNoToken()
