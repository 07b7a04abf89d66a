// The moderation page: recent actions (undo a warning given by mistake) and the ban lists (lift a
// ban). Rule and action names are those of docs/moderation.md.
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
  STAFF_KEY,
  showError,
  wireErrorAndToken,
  wireStaffName,
} from './ui.js'

const POLL_MS = 3000
const LIMIT = 500
const UNDOABLE = ['warn', 'alert']

const RULE_LABELS = {
  words: '敏感词',
  links: '站外链接',
  cards: '小程序/名片',
  flood: '刷屏',
  repeat: '重复消息',
  newcomer: '新人发链接',
  qrCodes: '二维码',
  ban: '封禁名单',
}

const ACTION_LABELS = {
  warn: '警告',
  alert: '警告并通知客服',
  remove: '移出',
  remove_failed: '无权移出',
  ban_removed: '封禁移出',
  ban_remove_failed: '封禁未能移出',
}

const state = {
  actions: [],
  bans: [],
  status: null,
  /** Every group seen in the log, id -> topic, for the group filter. */
  groups: new Map(),
  /** Signatures of what is on screen, so polling only redraws what changed. */
  shown: { actions: '', bans: '', groups: '', status: '' },
}

// ---- formatting ---------------------------------------------------------------------------

const labelled = (labels, name) => (labels[name] ? `${labels[name]} (${name})` : name)
const formatDateTime = (ms) => {
  const d = new Date(ms)
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(ms)}`
}

function timeEl(ms) {
  const node = el('time', 'at', formatDateTime(ms))
  node.dateTime = new Date(ms).toISOString()
  return node
}

/** A cell with a main line and a muted second line (a name and its id). */
function twoLines(main, sub) {
  const td = el('td')
  td.append(el('div', '', main))
  if (sub && sub !== main) td.append(el('div', 'mod-sub', sub))
  return td
}

// ---- rendering ----------------------------------------------------------------------------

function memberFilter() {
  return $('member-filter').value.trim().toLowerCase()
}

function visibleActions() {
  const needle = memberFilter()
  if (!needle) return state.actions
  return state.actions.filter(
    (a) => a.memberId.toLowerCase().includes(needle) || (a.memberName ?? '').toLowerCase().includes(needle),
  )
}

function renderGroups() {
  state.shown.groups = renderGroupOptions($('group-filter'), state.groups, state.shown.groups)
}

function renderStatus() {
  const status = state.status
  const signature = JSON.stringify(status)
  if (signature === state.shown.status) return
  state.shown.status = signature
  let text = ''
  if (status && !status.enabled) text = '未启用：没有 moderation/rules.yaml (moderation is off)'
  else if (status) {
    const profiles = status.profiles.map((p) => p.name).join(', ')
    text = `规则 (profiles): ${profiles || '-'}`
    if (status.problems.length)
      text += ` · ${status.problems.length} 个问题 (problems): ${status.problems[0].text}`
  }
  $('rules-status').textContent = text
}

/** The evidence, and a note when the member took the message back (the action still stands). */
function evidenceCell(action) {
  const td = el('td', 'mod-evidence', action.evidence)
  if (action.recalledAt !== null && action.recalledAt !== undefined) {
    const note = el('div', 'meta', '成员已撤回这条消息 (recalled by the member) · ')
    note.dataset.testid = 'recalled-note'
    note.append(timeEl(action.recalledAt))
    td.append(note)
  }
  return td
}

function stateCell(action) {
  const td = el('td', 'mod-state')
  if (action.undoneAt !== null) {
    td.classList.add('undone')
    td.append(el('span', '', `已撤销 (undone) · ${action.undoneBy ?? ''} · `), timeEl(action.undoneAt))
    return td
  }
  if (!UNDOABLE.includes(action.action)) {
    td.append(el('span', 'mod-sub', '-'))
    return td
  }
  td.append(el('span', 'mod-sub', '计入升级 (counts) '))
  const button = el('button', 'mod-button', '撤销 (undo)')
  button.type = 'button'
  button.dataset.testid = 'undo-button'
  button.addEventListener('click', () => undo(action.id))
  td.append(button)
  return td
}

function renderActions() {
  const rows = visibleActions()
  const signature = JSON.stringify(rows)
  if (signature === state.shown.actions) return
  state.shown.actions = signature
  $('action-count').textContent = String(rows.length)
  const body = $('action-rows')
  body.replaceChildren(
    ...rows.map((a) => {
      const tr = el('tr')
      tr.dataset.testid = 'action-row'
      tr.dataset.actionId = String(a.id)
      tr.dataset.action = a.action
      tr.dataset.rule = a.rule
      tr.dataset.undone = String(a.undoneAt !== null)
      const time = el('td', 'nowrap')
      time.append(timeEl(a.at))
      const action = el('td', 'nowrap')
      action.append(el('span', `badge action-${a.action}`, labelled(ACTION_LABELS, a.action)))
      tr.append(
        time,
        twoLines(a.roomTopic ?? a.roomId, a.roomId),
        twoLines(a.memberName || a.memberId, a.memberId),
        el('td', 'nowrap', labelled(RULE_LABELS, a.rule)),
        action,
        evidenceCell(a),
        stateCell(a),
      )
      return tr
    }),
  )
  if (rows.length === 0) {
    emptyRow(body, 7, '没有记录 (no actions)')
  }
}

function renderBans() {
  const signature = JSON.stringify(state.bans)
  if (signature === state.shown.bans) return
  state.shown.bans = signature
  $('ban-count').textContent = String(state.bans.length)
  const body = $('ban-rows')
  body.replaceChildren(
    ...state.bans.map((b) => {
      const tr = el('tr')
      tr.dataset.testid = 'ban-row'
      tr.dataset.list = b.list
      tr.dataset.memberId = b.memberId
      const added = el('td', 'nowrap')
      added.append(timeEl(b.addedAt))
      const lift = el('td')
      const button = el('button', 'mod-button', '解除 (lift)')
      button.type = 'button'
      button.dataset.testid = 'lift-button'
      button.addEventListener('click', () => liftBan(b))
      lift.append(button)
      tr.append(
        el('td', 'nowrap', b.list),
        twoLines(b.memberName || b.memberId, b.memberId),
        el('td', 'mod-evidence', b.reason),
        el('td', '', b.addedBy),
        added,
        lift,
      )
      return tr
    }),
  )
  if (state.bans.length === 0) {
    emptyRow(body, 6, '封禁名单为空 (no bans)')
  }
}

function render() {
  renderStatus()
  renderGroups()
  renderActions()
  renderBans()
}

// ---- errors and the token -----------------------------------------------------------------

function showNoToken(reason) {
  poller.stop()
  $('moderation').hidden = true
  $('no-token').hidden = false
  if (reason) showError(reason)
}

const handleError = createErrorHandler({
  onUnauthorized: showNoToken,
  notAvailable: '群管理功能未启用 (moderation API not available)',
})

/** Runs a user action: clears the last error, shows it if the action fails, then refreshes. */
const run = createRunner(refresh, handleError)

// ---- data ---------------------------------------------------------------------------------

async function refresh() {
  const query = new URLSearchParams({ limit: String(LIMIT) })
  const roomId = $('group-filter').value
  if (roomId) query.set('roomId', roomId)
  const [log, bans, status] = await Promise.all([
    api('GET', `/api/moderation/log?${query}`),
    api('GET', '/api/bans'),
    api('GET', '/api/moderation/status'),
  ])
  state.actions = log.actions
  state.bans = bans.bans
  state.status = status
  for (const a of log.actions) state.groups.set(a.roomId, a.roomTopic ?? a.roomId)
  render()
}

/** The staff name from the header, else asked once and kept; undefined when none is given. */
function staffName() {
  const field = $('staff-name')
  let name = field.value.trim()
  if (!name) {
    name = (prompt('客服名，记录谁撤销了警告 (your name, for the log)') ?? '').trim()
    if (!name) {
      showError('请先填写客服名 (enter your staff name at the top first)')
      return undefined
    }
    field.value = name
    localStorage.setItem(STAFF_KEY, name)
  }
  return name
}

/**
 * A refused undo or lift (409/404) usually means someone else got there first: redraw from the
 * server before the error is shown, so the row does not keep offering the button.
 */
async function refreshOnFailure(request) {
  try {
    return await request
  } catch (error) {
    await refresh().catch(() => {})
    throw error
  }
}

function undo(id) {
  const by = staffName()
  if (!by) return
  run(() => refreshOnFailure(api('POST', `/api/moderation/actions/${encodeURIComponent(id)}/undo`, { by })))
}

function liftBan(ban) {
  const who = ban.memberName ? `${ban.memberName} (${ban.memberId})` : ban.memberId
  if (!confirm(`解除 ${who} 在名单 ${ban.list} 上的封禁？(lift this ban?)`)) return
  const path = `/api/bans/${encodeURIComponent(ban.list)}/${encodeURIComponent(ban.memberId)}`
  run(() => refreshOnFailure(api('DELETE', path)))
}

const poller = createPoller({
  refresh,
  intervalMs: POLL_MS,
  onError: handleError,
  onRecovered: clearError,
  isOpen: () => !$('moderation').hidden,
})

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  wireErrorAndToken(openPage)

  wireStaffName()

  $('filter-form').addEventListener('submit', (event) => event.preventDefault())
  $('group-filter').addEventListener('change', () => run(() => {}))
  $('member-filter').addEventListener('input', renderActions)
}

function openPage() {
  $('no-token').hidden = true
  $('moderation').hidden = false
  run(() => {}).then(() => {
    if (!$('moderation').hidden && !document.hidden) poller.start()
  })
}

wire()
if (takeTokenFromUrl()) openPage()
else showNoToken()
