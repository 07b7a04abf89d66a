/**
 * Bodies for the webhook endpoint formats: the generic Standard Webhooks style JSON, and staff
 * alert messages for the group-bot webhooks of WeCom, Feishu/Lark, DingTalk and Slack. The staff
 * formats never throw on an unexpected payload: whatever cannot be read is shown as JSON.
 */

export type WebhookFormat = 'json' | 'wecom' | 'feishu' | 'dingtalk' | 'slack'

export interface FormatContext {
  /** Base address of the console; the ticket link is `${consoleUrl}/#/handoff/${id}`. */
  consoleUrl?: string
}

/** Alert titles (UI chrome of the staff alert format). */
const TITLES: Record<string, string> = {
  'handoff.opened': '新的转人工请求',
  'handoff.assigned': '工单已认领',
  'handoff.message': '成员新消息',
  'handoff.sla_breached': '工单超时',
  'handoff.resolved': '工单已解决',
  'csat.submitted': '满意度评价',
  'moderation.alert': '群管理提醒',
  'moderation.ban_enforced': '封禁成员已移出',
  'moderation.no_remove_right': '机器人无移出权限',
  'bot.offline': '机器人已离线',
  'bot.online': '机器人已恢复在线',
  'bot.login_required': '机器人需要扫码登录',
}

/** Connection alerts that need a person now. */
const URGENT = new Set(['handoff.sla_breached', 'bot.offline', 'bot.login_required'])

const LABELS = {
  ticket: '工单',
  topic: '群',
  member: '成员',
  reason: '原因',
  priority: '优先级',
  complaint: '投诉',
  question: '咨询',
  staff: '客服',
  rating: '评分',
  text: '消息',
  details: '详情',
  open: '打开工单',
  rule: '规则',
  action: '处理',
  violations: '违规次数',
  evidence: '证据',
  offlineFor: '离线时长',
  cause: '原因',
  nextRetry: '下次重试',
  console: '打开控制台',
}

/** Longest transcript excerpt shown, in characters. */
export const EXCERPT_CHARS = 300
/** WeCom markdown content limit, in UTF-8 bytes. */
export const WECOM_MAX_BYTES = 4096
/** DingTalk markdown text limit, in characters. */
export const DINGTALK_MAX_CHARS = 5000
/** Slack section text limit, in characters. */
export const SLACK_SECTION_MAX_CHARS = 3000
/** Feishu card text kept well under the 30 KB request limit, in characters. */
export const FEISHU_MAX_CHARS = 8000
const SLACK_HEADER_MAX_CHARS = 150

/** The JSON body to POST for this endpoint format. */
export function formatWebhookBody(
  format: WebhookFormat,
  eventType: string,
  payload: unknown,
  now: number,
  ctx: FormatContext = {},
): unknown {
  switch (format) {
    case 'json':
      // Exactly the body the dispatcher has always sent.
      return JSON.parse(
        JSON.stringify({ type: eventType, timestamp: new Date(now).toISOString(), data: payload }),
      )
    case 'wecom':
      return wecom(describeEvent(eventType, payload, ctx))
    case 'feishu':
      return feishu(describeEvent(eventType, payload, ctx))
    case 'dingtalk':
      return dingtalk(describeEvent(eventType, payload, ctx))
    case 'slack':
      return slack(describeEvent(eventType, payload, ctx))
    default:
      return JSON.parse(
        JSON.stringify({ type: eventType, timestamp: new Date(now).toISOString(), data: payload }),
      )
  }
}

interface Field {
  label: string
  value: string
  /** Shown prominently (complaint priority). */
  alert?: boolean
}

interface EventView {
  title: string
  urgent: boolean
  eventType: string
  fields: Field[]
  excerpt?: string
  /** JSON of a payload whose shape is not recognised. */
  details?: string
  url?: string
  /** The link's label where it is not a ticket. */
  linkLabel?: string
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v)
  } catch {
    try {
      return String(v)
    } catch {
      return '[unserialisable payload]'
    }
  }
}

/** Truncates to `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text)
  if (chars.length <= max) return text
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`
}

function truncateBytes(text: string, maxBytes: number): string {
  const enc = new TextEncoder()
  if (enc.encode(text).length <= maxBytes) return text
  const budget = maxBytes - enc.encode('…').length
  let out = ''
  let used = 0
  for (const ch of text) {
    const n = enc.encode(ch).length
    if (used + n > budget) break
    out += ch
    used += n
  }
  return `${out}…`
}

function describeEvent(eventType: string, payload: unknown, ctx: FormatContext): EventView {
  const title = TITLES[eventType] ?? eventType
  const view: EventView = { title, urgent: URGENT.has(eventType), eventType, fields: [] }
  const p = isRecord(payload) ? payload : undefined
  if (p && isRecord(p.connection)) return describeConnection(view, p, p.connection)
  const ticket = p && isRecord(p.ticket) ? p.ticket : undefined
  if (p && !ticket && isRecord(p.member)) return describeModeration(view, p)
  if (!p || !ticket) {
    view.details = safeJson(payload)
    return view
  }
  const id = str(ticket.id)
  if (id) view.fields.push({ label: LABELS.ticket, value: `#${id}` })
  const room = isRecord(p.room) ? p.room : undefined
  const topic = str(room?.topic)
  if (topic) view.fields.push({ label: LABELS.topic, value: topic })
  const member = str(ticket.memberName) ?? str(ticket.memberId)
  if (member) view.fields.push({ label: LABELS.member, value: member })
  const reason = str(ticket.reason)
  if (reason) view.fields.push({ label: LABELS.reason, value: reason })
  if (ticket.priority === 'complaint') {
    view.urgent = true
    view.fields.push({ label: LABELS.priority, value: `⚠️ ${LABELS.complaint}`, alert: true })
  } else if (ticket.priority === 'question') {
    view.fields.push({ label: LABELS.priority, value: LABELS.question })
  } else {
    const other = str(ticket.priority)
    if (other) view.fields.push({ label: LABELS.priority, value: other })
  }
  const staff = str(p.staff)
  if (staff) view.fields.push({ label: LABELS.staff, value: staff })
  if (typeof p.rating === 'number' && Number.isFinite(p.rating)) {
    const stars = p.rating >= 1 && p.rating <= 5 ? ` ${'★'.repeat(Math.round(p.rating))}` : ''
    view.fields.push({ label: LABELS.rating, value: `${p.rating}${stars}` })
  }
  const text = str(p.text)
  if (text) view.excerpt = truncate(text.trim(), EXCERPT_CHARS)
  const base = ctx.consoleUrl?.trim().replace(/\/+$/, '')
  if (base && id) view.url = `${base}/#/handoff/${encodeURIComponent(id)}`
  return view
}

/** Moderation alerts: who did what where, and what the bot did about it. */
function describeConnection(
  view: EventView,
  p: Record<string, unknown>,
  c: Record<string, unknown>,
): EventView {
  const push = (label: string, value: string | undefined) => {
    if (value) view.fields.push({ label, value })
  }
  const minutes = typeof c.offlineSeconds === 'number' ? Math.round(c.offlineSeconds / 6) / 10 : undefined
  push(LABELS.offlineFor, minutes === undefined ? undefined : `${minutes} 分钟`)
  const lastError = isRecord(c.lastError) ? c.lastError : undefined
  push(LABELS.cause, str(lastError?.code))
  push(LABELS.nextRetry, str(c.nextRetryAt))
  const text = str(p.text)
  if (text) view.excerpt = truncate(text.trim(), EXCERPT_CHARS)
  const url = str(p.consoleUrl)
  if (url) {
    view.url = url
    view.linkLabel = LABELS.console
  }
  return view
}

function describeModeration(view: EventView, p: Record<string, unknown>): EventView {
  const room = isRecord(p.room) ? p.room : undefined
  const member = isRecord(p.member) ? p.member : undefined
  const push = (label: string, value: string | undefined, alert = false) => {
    if (value) view.fields.push({ label, value, ...(alert ? { alert } : {}) })
  }
  push(LABELS.topic, str(room?.topic))
  push(LABELS.member, str(member?.name) ?? str(member?.id))
  push(LABELS.rule, str(p.rule))
  push(LABELS.action, str(p.action), p.action === 'remove_failed' || p.action === 'ban_remove_failed')
  push(LABELS.violations, str(p.violations))
  const evidence = str(p.evidence)
  if (evidence) view.excerpt = truncate(evidence.trim(), EXCERPT_CHARS)
  view.urgent = p.action === 'remove_failed' || p.action === 'ban_remove_failed'
  return view
}

// --- markdown targets (WeCom, DingTalk, Feishu lark_md) ---

/** Makes user text inert in the bots' markdown: no code spans, emphasis, links, headings or tags. */
function escapeMarkdown(text: string): string {
  return text
    .replace(/`/g, "'")
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\*[\]])/g, '\\$1')
}

/** Line breaks and the white space around them become one space. */
function inline(text: string): string {
  // Not /\s*\r?\n\s*/g: it restarts at every space of a long run without a line break, which
  // makes 60,000 spaces in a member's message cost seconds. Each run is visited once here.
  return text.replace(/\s+/g, (run) => (run.includes('\n') ? ' ' : run))
}

function quoteLines(text: string, escapeLine: (s: string) => string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `> ${escapeLine(line)}`)
    .join('\n')
}

interface MarkdownStyle {
  bold: (s: string) => string
  alert: (s: string) => string
  link: boolean
}

function markdownBody(view: EventView, style: MarkdownStyle, withTitle: boolean): string {
  const lines: string[] = []
  if (withTitle) lines.push(`### ${view.urgent ? '🔴 ' : ''}${escapeMarkdown(view.title)}`)
  for (const f of view.fields) {
    const value = escapeMarkdown(inline(f.value))
    lines.push(`${style.bold(f.label)}：${f.alert ? style.alert(value) : value}`)
  }
  if (view.excerpt) {
    lines.push(`${style.bold(LABELS.text)}：`)
    lines.push(quoteLines(view.excerpt, escapeMarkdown))
  }
  if (view.details !== undefined) {
    lines.push(`${style.bold(LABELS.details)}：${escapeMarkdown(inline(truncate(view.details, 2000)))}`)
  }
  if (view.url && style.link) lines.push(`[${view.linkLabel ?? LABELS.open}](${view.url})`)
  return lines.join('\n')
}

function wecom(view: EventView): unknown {
  const content = markdownBody(
    view,
    { bold: (s) => `**${s}**`, alert: (s) => `<font color="warning">**${s}**</font>`, link: true },
    true,
  )
  return { msgtype: 'markdown', markdown: { content: truncateBytes(content, WECOM_MAX_BYTES) } }
}

function dingtalk(view: EventView): unknown {
  const text = markdownBody(
    view,
    { bold: (s) => `**${s}**`, alert: (s) => `<font color="#d93025">**${s}**</font>`, link: true },
    true,
  )
  return { msgtype: 'markdown', markdown: { title: view.title, text: truncate(text, DINGTALK_MAX_CHARS) } }
}

function feishuTemplate(view: EventView): string {
  if (view.urgent) return 'red'
  switch (view.eventType) {
    case 'handoff.opened':
      return 'orange'
    case 'handoff.resolved':
      return 'green'
    case 'csat.submitted':
      return 'purple'
    default:
      return 'blue'
  }
}

function feishu(view: EventView): unknown {
  const content = markdownBody(
    view,
    { bold: (s) => `**${s}**`, alert: (s) => `<font color='red'>**${s}**</font>`, link: false },
    false,
  )
  const elements: unknown[] = [
    { tag: 'div', text: { tag: 'lark_md', content: truncate(content, FEISHU_MAX_CHARS) } },
  ]
  if (view.url) {
    elements.push({
      tag: 'action',
      actions: [
        {
          tag: 'button',
          text: { tag: 'plain_text', content: view.linkLabel ?? LABELS.open },
          url: view.url,
          type: 'primary',
        },
      ],
    })
  }
  return {
    msg_type: 'interactive',
    card: {
      header: { title: { tag: 'plain_text', content: view.title }, template: feishuTemplate(view) },
      elements,
    },
  }
}

// --- Slack ---

/** Slack's required escaping for mrkdwn and plain text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** User text in mrkdwn: escaped, and no code spans breaking out of the layout. */
function escapeSlackMrkdwn(text: string): string {
  return escapeSlack(text).replace(/`/g, "'")
}

function slack(view: EventView): unknown {
  const lines: string[] = []
  for (const f of view.fields) {
    const value = escapeSlackMrkdwn(inline(f.value))
    lines.push(`*${f.label}*: ${f.alert ? `:rotating_light: *${value}*` : value}`)
  }
  if (view.excerpt) {
    lines.push(`*${LABELS.text}*:`)
    lines.push(quoteLines(view.excerpt, escapeSlackMrkdwn))
  }
  if (view.details !== undefined) {
    lines.push(`*${LABELS.details}*: ${escapeSlackMrkdwn(inline(truncate(view.details, 2000)))}`)
  }
  const text = truncate(lines.join('\n') || view.title, SLACK_SECTION_MAX_CHARS)
  const fallbackParts = [view.title, ...view.fields.map((f) => `${f.label}: ${inline(f.value)}`)]
  const fallback = escapeSlack(truncate(fallbackParts.join(' | '), 300))
  const title = truncate(`${view.urgent ? '🔴 ' : ''}${view.title}`, SLACK_HEADER_MAX_CHARS)
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: title } },
    { type: 'section', text: { type: 'mrkdwn', text } },
  ]
  if (view.url) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: view.linkLabel ?? 'Open ticket' },
          url: view.url,
        },
      ],
    })
  }
  return { text: fallback, blocks }
}
