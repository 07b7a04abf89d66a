// The operator console's simulator page: groups, chat, members and simulated time.
import { apiObjectUrl, sim, takeTokenFromUrl } from './api.js'
import { createPoller } from './poller.js'
import {
  $,
  clearError,
  createErrorHandler,
  createRunner,
  el,
  formatTime,
  pad,
  showError,
  wireErrorAndToken,
} from './ui.js'

const POLL_MS = 2000

const state = {
  rooms: [],
  roomId: sessionStorage.getItem('qunbot.roomId'),
  /** Signatures of what is on screen, so polling only redraws what changed. */
  shown: { rooms: '', members: '', transcript: '' },
}

// ---- rendering ----------------------------------------------------------------------------

const formatDateTime = (ms) => {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatTime(ms)}`
}

const LOGIN_LABELS = {
  starting: '启动中 (starting)',
  scan: '待扫码 (scan QR)',
  logged_in: '已登录 (logged in)',
  logged_out: '已登出 (logged out)',
}

function renderHealth(health) {
  const login = $('login-state')
  login.textContent = `${health.puppet} · ${LOGIN_LABELS[health.login.state] ?? health.login.state} · v${health.version}`
  login.dataset.state = health.login.state
  $('send-queue').textContent = String(health.sendQueue)
}

function renderClock(now) {
  const clock = $('sim-clock')
  clock.textContent = formatDateTime(now)
  clock.dataset.now = String(now)
}

const currentRoom = () => state.rooms.find((r) => r.id === state.roomId)

function renderRooms() {
  const signature = JSON.stringify([state.roomId, state.rooms])
  if (signature === state.shown.rooms) return
  state.shown.rooms = signature
  const list = $('room-list')
  list.replaceChildren(
    ...state.rooms.map((room) => {
      const item = el('li')
      const button = el('button', room.id === state.roomId ? 'room selected' : 'room')
      button.type = 'button'
      button.dataset.testid = 'room-item'
      button.dataset.roomId = room.id
      button.append(el('span', 'room-topic', room.topic), el('span', 'count', `${room.members.length} 人`))
      button.addEventListener('click', () => selectRoom(room.id))
      item.append(button)
      return item
    }),
  )
  if (state.rooms.length === 0) list.append(el('li', 'empty', '还没有群 (no groups yet)'))
  renderMembers()
}

function renderMembers() {
  const room = currentRoom()
  const members = room?.members ?? []
  const signature = JSON.stringify([room?.id, members])
  if (signature === state.shown.members) return
  state.shown.members = signature
  $('chat-title').textContent = room ? `${room.topic}（${members.length} 人）` : '选择一个群 (pick a group)'

  const select = $('member-select')
  const previous = select.value
  select.replaceChildren(
    ...members.map((m) => {
      const option = el('option', '', m.name)
      option.value = m.id
      return option
    }),
  )
  if (members.some((m) => m.id === previous)) select.value = previous

  const list = $('member-list')
  list.replaceChildren(
    ...members.map((m) => {
      const item = el('li', 'member')
      item.dataset.testid = 'member-item'
      const remove = el('button', 'link danger', '移除')
      remove.type = 'button'
      remove.title = `移除 ${m.name} (remove)`
      remove.addEventListener('click', () =>
        run(async () => {
          await sim.removeMember(room.id, m.id)
          await sim.settle()
        }),
      )
      item.append(el('span', 'member-name', m.name), remove)
      return item
    }),
  )
  if (room && members.length === 0) list.append(el('li', 'empty', '没有成员 (no members)'))
  for (const id of [
    'member-select',
    'message-input',
    'send-button',
    'image-input',
    'add-member-name',
    'add-member-button',
  ])
    $(id).disabled = !room
}

const MEDIA_LABELS = {
  image: '图片 (image)',
  file: '文件 (file)',
  voice: '语音 (voice)',
  video: '视频 (video)',
  emoticon: '表情 (sticker)',
  link: '链接卡片 (link card)',
  mini_program: '小程序 (mini-program)',
  contact_card: '名片 (contact card)',
}

function thumbnail(messageId) {
  const box = el('div', 'media')
  apiObjectUrl(`/api/sim/media/${encodeURIComponent(messageId)}`).then(
    (src) => {
      const img = el('img', 'thumb')
      img.src = src
      img.alt = '图片 (image)'
      img.dataset.testid = 'chat-image'
      box.replaceChildren(img)
    },
    () => {},
  )
  return box
}

/** A line's bubble: text, or what media it is (an image with its thumbnail). */
function bubble(m) {
  if (m.kind === 'text' || m.kind === undefined) return el('div', 'bubble', m.text)
  const b = el('div', 'bubble media-line')
  b.append(el('span', 'badge', MEDIA_LABELS[m.kind] ?? m.kind))
  const caption = m.name ?? m.text
  if (caption) b.append(el('span', '', ` ${caption}`))
  if (m.kind === 'image') b.append(thumbnail(m.id))
  return b
}

function renderTranscript(messages, { forceScroll = false } = {}) {
  const log = $('chat-log')
  const recalled = messages.filter((m) => m.recalled).length
  const signature = `${state.roomId}:${messages.length}:${messages.at(-1)?.id ?? ''}:${recalled}`
  if (signature === state.shown.transcript && !forceScroll) return
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60
  const roomChanged = !state.shown.transcript.startsWith(`${state.roomId}:`)
  state.shown.transcript = signature
  log.replaceChildren(
    ...messages.map((m) => {
      const line = el('li', `${m.self ? 'line self' : 'line'}${m.recalled ? ' recalled' : ''}`)
      line.dataset.testid = 'chat-line'
      line.dataset.self = String(m.self)
      line.dataset.kind = m.kind ?? 'text'
      const meta = el('div', 'meta')
      meta.append(el('span', 'sender', m.fromName), el('time', 'at', formatTime(m.at)))
      meta.lastChild.dateTime = new Date(m.at).toISOString()
      if (m.recalled) meta.append(el('span', 'badge', '已撤回 (recalled)'))
      else if (!m.self) {
        const recall = el('button', 'link-button', '撤回 (recall)')
        recall.type = 'button'
        recall.dataset.testid = 'recall-button'
        recall.addEventListener('click', () =>
          run(async () => {
            await sim.recall(state.roomId, m.id)
            await sim.settle()
          }),
        )
        meta.append(recall)
      }
      line.append(meta, bubble(m))
      return line
    }),
  )
  if (messages.length === 0) log.append(el('li', 'empty', '暂无消息 (no messages yet)'))
  if (forceScroll || nearBottom || roomChanged) log.scrollTop = log.scrollHeight
}

// ---- errors and the token -----------------------------------------------------------------

function showNoToken(reason) {
  poller.stop()
  $('console').hidden = true
  $('no-token').hidden = false
  $('sim-clock').textContent = '—'
  $('send-queue').textContent = '—'
  if (reason) showError(reason)
  // Health is public: the header still shows whether the bot is up.
  sim.health().then(renderHealth, () => {})
}

const handleError = createErrorHandler({
  onUnauthorized: showNoToken,
  notAvailable: '模拟器未启用 (simulator API not available: start qunbot with QUNBOT_PUPPET=mock)',
})

/** Runs a user action: clears the last error, shows it if the action fails, then refreshes. */
const run = createRunner(refresh, handleError)

// ---- data ---------------------------------------------------------------------------------

async function refresh({ scroll = false } = {}) {
  const [health, now, rooms] = await Promise.all([sim.health(), sim.clock(), sim.rooms()])
  renderHealth(health)
  renderClock(now)
  state.rooms = rooms
  if (!currentRoom()) state.roomId = rooms[0]?.id ?? null
  renderRooms()
  if (state.roomId) renderTranscript(await sim.transcript(state.roomId), { forceScroll: scroll })
  else renderTranscript([])
}

function selectRoom(roomId) {
  state.roomId = roomId
  sessionStorage.setItem('qunbot.roomId', roomId)
  run(() => {}, { scroll: true })
}

const poller = createPoller({
  refresh,
  intervalMs: POLL_MS,
  onError: handleError,
  // The banner shows a polling failure, to clear once polling works again.
  onRecovered: clearError,
  isOpen: () => !$('console').hidden,
})

// ---- wiring -------------------------------------------------------------------------------

/** The simulator takes images up to 10 MB, as QUNBOT_MEDIA_MAX_BYTES does by default. */
const MAX_IMAGE_BYTES = 10 * 1024 * 1024

/** A file's bytes as base64 (what the simulator API takes). */
function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(file)
  })
}

function wire() {
  wireErrorAndToken(openConsole)

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault()
    const input = $('message-input')
    const from = $('member-select').value
    const text = input.value
    if (!state.roomId || !text.trim()) return
    if (!from) return showError('请先选择发言成员 (pick who speaks first)')
    run(
      async () => {
        await sim.say(state.roomId, from, text, $('mention-bot').checked)
        input.value = ''
        await sim.settle()
      },
      { scroll: true },
    ).then(() => input.focus())
  })

  $('image-input').addEventListener('change', () => {
    const input = $('image-input')
    const file = input.files?.[0]
    input.value = ''
    const from = $('member-select').value
    if (!file || !state.roomId) return
    if (!from) return showError('请先选择发言成员 (pick who speaks first)')
    if (file.size > MAX_IMAGE_BYTES) return showError('图片超过 10 MB (the image is over 10 MB)')
    run(
      async () => {
        const base64 = await readBase64(file)
        await sim.postMedia(state.roomId, from, { kind: 'image', name: file.name, base64 })
        await sim.settle()
      },
      { scroll: true },
    )
  })

  $('create-room-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const topic = $('room-topic').value.trim()
    const members = $('room-members')
      .value.split(/[,，、]/)
      .map((name) => name.trim())
      .filter(Boolean)
    run(async () => {
      const room = await sim.createRoom(topic, members)
      $('create-room-form').reset()
      state.roomId = room.id
      sessionStorage.setItem('qunbot.roomId', room.id)
    })
  })

  $('add-member-form').addEventListener('submit', (event) => {
    event.preventDefault()
    if (!state.roomId) return
    const name = $('add-member-name').value.trim()
    const silent = $('add-member-silent').checked
    run(async () => {
      await sim.addMember(state.roomId, name, silent)
      $('add-member-form').reset()
      await sim.settle()
    })
  })

  for (const button of document.querySelectorAll('[data-ms]')) {
    button.addEventListener('click', () =>
      run(
        async () => {
          await sim.advance(Number(button.dataset.ms))
          await sim.settle()
        },
        { scroll: true },
      ),
    )
  }
}

function openConsole() {
  $('no-token').hidden = true
  $('console').hidden = false
  run(() => {}, { scroll: true }).then(() => {
    if (!$('console').hidden && !document.hidden) poller.start()
  })
}

wire()
if (takeTokenFromUrl()) openConsole()
else showNoToken()
