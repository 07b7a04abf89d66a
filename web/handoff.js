// The staff handoff queue: active tickets, a ticket's transcript, reply, claim, resolve, return.
import { ApiError, api, apiObjectUrl, takeTokenFromUrl } from './api.js'
import { createPoller } from './poller.js'
import {
  $,
  clearError,
  createErrorHandler,
  createRunner,
  el,
  formatTime,
  showError,
  wireErrorAndToken,
  wireStaffName,
} from './ui.js'

const POLL_MS = 3000
const TICKET_KEY = 'qunbot.ticketId'
const ACTIVE = ['open', 'assigned', 'waiting_member']
const COMPLAINT = 2

const state = {
  tickets: [],
  ticketId: Number(sessionStorage.getItem(TICKET_KEY)) || null,
  /** The selected ticket as last fetched ({ticket, events}), or null. */
  detail: null,
  /** Signatures of what is on screen, so polling only redraws what changed. */
  shown: { list: '', detail: '' },
}

const STATUS_LABELS = {
  open: '待处理 (open)',
  assigned: '已认领 (assigned)',
  waiting_member: '等成员回复 (waiting)',
  resolved: '已解决 (resolved)',
  returned_to_bot: '已交还机器人 (returned)',
}

/** Transcript lines written by the member (the others are staff's or the system's). */
const MEMBER_KINDS = new Set(['opened', 'earlier_message', 'member_message', 'member_action', 'rating'])

const KIND_LABELS = {
  opened: '发起',
  earlier_message: '成员（转人工之前）',
  member_message: '成员',
  member_action: '成员（机器人已处理：打卡、投票、积分、任务）',
  staff_reply: '客服回复',
  assigned: '认领',
  resolved: '解决',
  returned: '交还机器人',
  reopened: '重开',
  rating: '评分',
}

// ---- formatting ---------------------------------------------------------------------------

const isComplaint = (ticket) => ticket.priority >= COMPLAINT
const priorityLabel = (ticket) => (isComplaint(ticket) ? '投诉' : '咨询')
const statusLabel = (status) => STATUS_LABELS[status] ?? status

function reasonLabel(reason) {
  if (reason.startsWith('keyword:')) return `关键词「${reason.slice('keyword:'.length)}」`
  if (reason.startsWith('api:')) return reason.slice('api:'.length)
  if (reason.startsWith('faq:')) return `知识库条目「${reason.slice('faq:'.length)}」需人工跟进`
  if (reason.startsWith('staff:')) return `客服 ${reason.slice('staff:'.length)} 代为转接`
  if (reason === 'unanswered-questions') return '多次提问未能解答'
  if (reason === 'complaint') return '投诉用语 (complaint words)'
  return reason
}

function timeEl(ms, className = 'at') {
  const node = el('time', className, formatTime(ms))
  node.dateTime = new Date(ms).toISOString()
  return node
}

// ---- rendering ----------------------------------------------------------------------------

function renderList() {
  const active = state.tickets.filter((t) => ACTIVE.includes(t.status))
  const signature = JSON.stringify([state.ticketId, active])
  if (signature === state.shown.list) return
  state.shown.list = signature
  $('ticket-count').textContent = String(active.length)
  const list = $('ticket-list')
  list.replaceChildren(
    ...active.map((t) => {
      const item = el('li')
      const button = el('button', t.id === state.ticketId ? 'ticket selected' : 'ticket')
      button.type = 'button'
      button.dataset.testid = 'ticket-item'
      button.dataset.ticketId = String(t.id)
      button.dataset.priority = isComplaint(t) ? 'complaint' : 'question'
      button.dataset.status = t.status

      const top = el('div', 'ticket-row')
      top.append(
        el('span', isComplaint(t) ? 'badge complaint' : 'badge', priorityLabel(t)),
        el('span', 'ticket-member', t.memberName || t.memberId),
        el('span', `ticket-status status-${t.status}`, statusLabel(t.status)),
      )
      const reason = el('div', 'ticket-reason', reasonLabel(t.reason))
      const group = el('div', 'ticket-sub', `群 ${t.roomId}`)
      const times = el('div', 'ticket-sub')
      times.append('发起 ', timeEl(t.openedAt))
      if (t.firstResponseAt !== null) times.append(' · 首次响应 ', timeEl(t.firstResponseAt))
      else times.append(' · 未响应')
      if (t.assignee) times.append(` · ${t.assignee}`)
      button.append(top, reason, group, times)
      button.addEventListener('click', () => selectTicket(t.id))
      item.append(button)
      return item
    }),
  )
  if (active.length === 0) list.append(el('li', 'empty', '没有待处理的工单 (no active tickets)'))
}

function actorName(ticket, actor) {
  if (actor === null || actor === undefined) return ''
  return actor === ticket.memberId ? ticket.memberName || actor : actor
}

function renderDetail() {
  const detail = state.detail
  const signature = JSON.stringify(detail)
  if (signature === state.shown.detail) return
  state.shown.detail = signature
  const ticket = detail?.ticket
  const active = ticket ? ACTIVE.includes(ticket.status) : false

  $('ticket-title').textContent = ticket
    ? `#${ticket.id} · ${ticket.memberName || ticket.memberId}`
    : '选择一个工单 (pick a ticket)'
  const meta = $('ticket-meta')
  meta.replaceChildren()
  if (ticket) {
    meta.append(
      el('span', isComplaint(ticket) ? 'badge complaint' : 'badge', priorityLabel(ticket)),
      el('span', `ticket-status status-${ticket.status}`, statusLabel(ticket.status)),
      el('span', '', `群 ${ticket.roomId}`),
      el('span', '', reasonLabel(ticket.reason)),
    )
    const opened = el('span', '', '发起 ')
    opened.append(timeEl(ticket.openedAt))
    meta.append(opened)
    if (ticket.firstResponseAt !== null) {
      const first = el('span', '', '首次响应 ')
      first.append(timeEl(ticket.firstResponseAt))
      meta.append(first)
    }
    if (ticket.assignee) meta.append(el('span', '', `客服 ${ticket.assignee}`))
    if (ticket.rating !== null) meta.append(el('span', '', `评分 ${ticket.rating}`))
  }

  const log = $('ticket-transcript')
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60
  log.replaceChildren(
    ...(detail?.events ?? []).map((e) => {
      const fromStaff = !MEMBER_KINDS.has(e.kind)
      const line = el('li', fromStaff ? 'line self' : 'line')
      line.dataset.testid = 'transcript-line'
      line.dataset.kind = e.kind
      const meta = el('div', 'meta')
      meta.append(
        el('span', 'sender', actorName(ticket, e.actor)),
        el('span', 'kind', KIND_LABELS[e.kind] ?? e.kind),
        timeEl(e.at),
      )
      line.append(meta)
      if (e.text) line.append(el('div', 'bubble', e.text))
      if (e.messageId && e.mediaMime) line.append(mediaPreview(e.messageId, e.mediaMime))
      return line
    }),
  )
  if (!ticket) log.append(el('li', 'empty', '在左侧选择工单查看记录 (pick a ticket on the left)'))
  else if (detail.events.length === 0) log.append(el('li', 'empty', '暂无记录 (no events yet)'))
  if (nearBottom) log.scrollTop = log.scrollHeight

  for (const id of ['claim-button', 'resolve-button', 'return-button', 'reply-input', 'reply-button'])
    $(id).disabled = !active
}

// ---- media members sent into the ticket ---------------------------------------------------

/** A thumbnail for an image (click: full size), a download link for any other file. */
function mediaPreview(messageId, mime) {
  const box = el('div', 'media')
  box.dataset.testid = 'media-preview'
  const show = (url) => {
    if (mime.startsWith('image/')) {
      const link = el('a')
      link.href = url
      link.target = '_blank'
      link.rel = 'noopener'
      const img = el('img', 'thumb')
      img.src = url
      img.alt = '成员发送的图片 (image from the member)'
      link.append(img)
      box.replaceChildren(link)
    } else {
      const link = el('a', '', '下载文件 (download)')
      link.href = url
      link.download = ''
      box.replaceChildren(link)
    }
  }
  box.append(el('span', 'meta', '加载中… (loading)'))
  apiObjectUrl(`/api/media/${encodeURIComponent(messageId)}`).then(show, () =>
    box.replaceChildren(el('span', 'meta', '文件不可用 (file unavailable)')),
  )
  return box
}

// ---- errors and the token -----------------------------------------------------------------

function showNoToken(reason) {
  poller.stop()
  $('queue').hidden = true
  $('no-token').hidden = false
  if (reason) showError(reason)
}

const handleError = createErrorHandler({
  onUnauthorized: showNoToken,
  notAvailable: '转人工功能未启用 (handoff API not available)',
})

/** Runs a user action: clears the last error, shows it if the action fails, then refreshes. */
const run = createRunner(refresh, handleError)

// ---- data ---------------------------------------------------------------------------------

const ticketPath = (id, action = '') => `/api/handoff/tickets/${encodeURIComponent(id)}${action}`

async function refresh() {
  const [list, detail] = await Promise.all([
    api('GET', '/api/handoff/tickets?limit=500'),
    state.ticketId
      ? api('GET', ticketPath(state.ticketId)).catch((error) => {
          if (error instanceof ApiError && error.status === 404) return null
          throw error
        })
      : null,
  ])
  state.tickets = list.tickets
  if (state.ticketId && !detail) selectNone()
  state.detail = detail
  renderList()
  renderDetail()
}

function selectNone() {
  state.ticketId = null
  sessionStorage.removeItem(TICKET_KEY)
}

function selectTicket(id) {
  state.ticketId = id
  sessionStorage.setItem(TICKET_KEY, String(id))
  renderList()
  run(() => {}).then(() => {
    const log = $('ticket-transcript')
    log.scrollTop = log.scrollHeight
  })
}

/** The staff name from the header, or undefined (with an error shown) when it is empty. */
function staffName() {
  const name = $('staff-name').value.trim()
  if (name) return name
  showError('请先填写客服名 (enter your staff name at the top first)')
  $('staff-name').focus()
  return undefined
}

function act(action) {
  if (!state.ticketId) return
  const staff = staffName()
  if (!staff) return
  const id = state.ticketId
  run(() => api('POST', ticketPath(id, `/${action}`), { staff }))
}

const poller = createPoller({
  refresh,
  intervalMs: POLL_MS,
  onError: handleError,
  onRecovered: clearError,
  isOpen: () => !$('queue').hidden,
})

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  wireErrorAndToken(openQueue)

  wireStaffName()

  $('claim-button').addEventListener('click', () => act('claim'))
  $('resolve-button').addEventListener('click', () => act('resolve'))
  $('return-button').addEventListener('click', () => act('return'))

  $('reply-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const input = $('reply-input')
    const text = input.value.trim()
    if (!state.ticketId || !text) return
    const staff = staffName()
    if (!staff) return
    const id = state.ticketId
    run(async () => {
      await api('POST', ticketPath(id, '/reply'), { text, staff })
      input.value = ''
    }).then(() => {
      const log = $('ticket-transcript')
      log.scrollTop = log.scrollHeight
      if (!input.disabled) input.focus()
    })
  })
}

function openQueue() {
  $('no-token').hidden = true
  $('queue').hidden = false
  run(() => {}).then(() => {
    if (!$('queue').hidden && !document.hidden) poller.start()
  })
}

wire()
if (takeTokenFromUrl()) openQueue()
else showNoToken()
