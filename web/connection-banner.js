// The account's connection on every console page: a banner while it is not online (starting,
// waiting for a QR scan, offline and retrying), with the login QR code to scan right there.
// Health is public; the QR code needs the admin token (it logs a WeChat account into the bot).
import { api, health as readHealth, takeTokenFromUrl } from './api.js'

const POLL_MS = 5000

const TEXT = {
  starting: '账号正在连接网关…',
  login_required: '账号需要扫码登录：请用要登录的微信扫描下面的二维码',
  login_required_wait: '账号需要扫码登录：网关的二维码还没到，稍候…',
  offline: '账号已离线，正在自动重连；排队的消息会在恢复后按顺序发出',
  since: '开始于',
  error: '原因',
  retry: '下次重试',
  expires: '二维码约在 {time} 失效，网关刷新后这里会自动更新',
  needToken: '打开带令牌的控制台地址后，这里会显示二维码',
}

// The supervisor's failure codes (src/platform/connection-errors.ts) in the operator's words.
const CAUSES = {
  not_connected: '未连接',
  gateway_unreachable: '连不上网关',
  auth_rejected: '网关拒绝了令牌',
  tls_mismatch: 'TLS 设置与网关不一致',
  stream_closed: '网关断开了连接',
  timeout: '网关应答超时',
  token_format: '令牌格式不对',
  discovery_failed: '无法通过令牌找到网关',
  not_logged_in: '账号未登录',
  no_heartbeat: '网关长时间无回应',
  start_timeout: '连上后迟迟没有登录',
  platform: '网关报错',
}

const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString('zh-CN', { hour12: false }) : '')
const dateTime = (iso) =>
  iso
    ? new Date(iso).toLocaleString('zh-CN', {
        hour12: false,
        month: 'numeric',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
    : ''

function build() {
  const banner = document.createElement('div')
  banner.className = 'connection-banner'
  banner.id = 'connection-banner'
  banner.dataset.testid = 'connection-banner'
  banner.setAttribute('role', 'status')
  banner.hidden = true
  const text = document.createElement('div')
  text.className = 'connection-text'
  const title = document.createElement('strong')
  title.dataset.testid = 'connection-title'
  const details = document.createElement('span')
  details.className = 'connection-details'
  details.dataset.testid = 'connection-details'
  text.append(title, details)
  const qr = document.createElement('figure')
  qr.className = 'connection-qr'
  qr.hidden = true
  const img = document.createElement('img')
  img.alt = '登录二维码'
  img.dataset.testid = 'connection-qr'
  const caption = document.createElement('figcaption')
  qr.append(img, caption)
  banner.append(text, qr)
  const header = document.querySelector('header')
  if (header) header.after(banner)
  else document.body.prepend(banner)
  return { banner, title, details, qr, img, caption }
}

let ui
let shownQr

async function refresh() {
  ui ??= build()
  let health
  try {
    health = await readHealth()
  } catch {
    return // The server is away; the page's own error handling says so.
  }
  const c = health.connection ?? {}
  if (health.status === 'ok') {
    ui.banner.hidden = true
    ui.qr.hidden = true
    shownQr = undefined
    return
  }
  ui.banner.hidden = false
  ui.banner.dataset.state = health.status
  const waitingForQr = health.status === 'login_required' && !c.qrcode
  ui.title.textContent = waitingForQr ? TEXT.login_required_wait : (TEXT[health.status] ?? health.status)
  const parts = [`${TEXT.since} ${dateTime(c.offlineSince ?? c.since)}`]
  if (c.lastError)
    parts.push(`${TEXT.error}：${CAUSES[c.lastError.code] ?? c.lastError.code}（${c.lastError.message}）`)
  if (c.nextRetryAt) parts.push(`${TEXT.retry} ${clock(c.nextRetryAt)}`)
  ui.details.textContent = ` · ${parts.join(' · ')}`
  if (health.status !== 'login_required' || !c.qrcode) {
    ui.qr.hidden = true
    shownQr = undefined
    return
  }
  if (shownQr === c.qrcode) return
  try {
    const connection = await api('GET', '/api/connection')
    if (!connection.qr) return
    ui.img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(connection.qr.svg)}`
    ui.caption.textContent = TEXT.expires.replace(
      '{time}',
      clock(new Date(connection.qr.expiresAt).toISOString()),
    )
    ui.qr.hidden = false
    shownQr = c.qrcode
  } catch {
    ui.caption.textContent = TEXT.needToken
    ui.img.removeAttribute('src')
    ui.qr.hidden = false
  }
}

// Whichever script runs first takes the token out of the address bar; both read it afterwards.
takeTokenFromUrl()
refresh()
setInterval(refresh, POLL_MS)
