import { seededRandom } from '../src/core/random.js'
import type { InboundMessage, Member, Room } from '../src/core/types.js'

export interface WorkloadOptions {
  seed: number
  groups: number
  membersPerGroup: number
  /** Messages generated in total (warm-up + timed). */
  messages: number
  longPasteChars: number
  /**
   * With content bound (the pipeline case): messages that make the bot act, written as members do
   * (check-ins, poll votes, task answers, points queries, FAQ questions, ads and links, handoff
   * requests), and members who joined just now (in their newcomer-task period).
   */
  actions?: { faqQuestions: readonly string[]; words: readonly string[]; newcomersPerGroup: number }
}

/** What share of the generated messages carry each feature of interest (counted, not targeted). */
export interface WorkloadMix {
  withPhoneNumber: number
  withIdNumber: number
  withDigitRun: number
  mentionOthers: number
  botPing: number
  botMentionOther: number
  meanChars: number
  maxChars: number
  minChars: number
  /** Messages of each acting kind (bound content only). */
  acting: Record<ActingKind, number>
}

const ACTING = [
  ['checkin', 0.015],
  ['vote', 0.005],
  ['task', 0.003],
  ['points', 0.002],
  ['faq', 0.007],
  ['word', 0.002],
  ['link', 0.002],
  ['handoff', 0.0005],
] as const
export type ActingKind = (typeof ACTING)[number][0]

export interface Workload {
  bot: Member
  rooms: Room[]
  members: Map<string, Member[]>
  /** Unique ids; `sentAt` is 0 and is set by the runner just before delivery. */
  messages: InboundMessage[]
  longPaste: InboundMessage
  /** Per group, the members who join during setup (bound content only; not in `members`). */
  newcomers: Map<string, Member[]>
  mix: WorkloadMix
}

const ZH = [
  '大家好',
  '早上好',
  '收到，谢谢',
  '今天的直播几点开始？',
  '这个活动怎么报名',
  '我已经下单了',
  '请问发货了吗',
  '哈哈哈哈哈',
  '周末一起去爬山吗',
  '群主辛苦了',
  '价格能再优惠一点吗',
  '链接再发一下',
  '明天上午十点开会，别迟到',
  '有没有人知道怎么退款',
  '我这边显示已签收，但是没收到货',
  '这个课程适合零基础吗',
  '老师讲得太好了',
  '我也遇到了同样的问题',
  '刚刚更新了一下就好了',
  '请大家注意群规，不要发广告',
  '晚上八点准时开始',
  '谁有上次的会议纪要',
  '感谢分享',
  '同问',
  '好的',
  '我先去吃饭了，回来再说',
  '这个价格包邮吗',
  '今天天气真不错',
  '麻烦帮我看一下订单',
  '新人报到，请多关照',
  '退款申请已经提交了',
  '下周三之前提交作业',
]

const EN = [
  'ok',
  'thanks!',
  'see you tomorrow',
  'how do I sign up?',
  'the link is broken',
  'LOL',
  'meeting at 3pm',
  'check the docs first',
  'sounds good',
  'any update on the order?',
  'https://example.com/item/12345',
  'it works on my machine',
  'brb',
  'where is the replay?',
  'nice one',
  'can someone share the slides',
  'deadline is Friday',
  'got it, thx',
]

const EMOJI = ['👍', '😂', '🙏', '🎉', '[捂脸]', '[强]', '😊']

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T
}

function digits(rand: () => number, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 10)
  return s
}

function phoneNumber(rand: () => number): string {
  const head = `1${3 + Math.floor(rand() * 7)}${Math.floor(rand() * 10)}`
  const mid = digits(rand, 4)
  const tail = digits(rand, 4)
  switch (Math.floor(rand() * 4)) {
    case 0:
      return `+86 ${head} ${mid} ${tail}`
    case 1:
      return `${head}-${mid}-${tail}`
    default:
      return `${head}${mid}${tail}`
  }
}

function idNumber(rand: () => number): string {
  const year = 1960 + Math.floor(rand() * 45)
  const month = String(1 + Math.floor(rand() * 12)).padStart(2, '0')
  const day = String(1 + Math.floor(rand() * 28)).padStart(2, '0')
  return `${1 + Math.floor(rand() * 9)}${digits(rand, 5)}${year}${month}${day}${digits(rand, 3)}${rand() < 0.1 ? 'X' : digits(rand, 1)}`
}

/** Cuts `s` to at most `n` UTF-16 units without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  if (s.length <= n) return s
  const code = s.charCodeAt(n - 1)
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n)
}

/** 60% short (5-30), 30% medium (30-100), 10% long (100-200) characters. */
function targetLength(rand: () => number): number {
  const r = rand()
  if (r < 0.6) return 5 + Math.floor(rand() * 26)
  if (r < 0.9) return 30 + Math.floor(rand() * 71)
  return 100 + Math.floor(rand() * 101)
}

function chatText(rand: () => number, target: number, extras: string[] = []): string {
  const english = rand() < 0.25
  let extraChars = 0
  for (const e of extras) extraChars += e.length + 1
  const baseTarget = Math.max(3, Math.min(target, 200) - extraChars)
  let text = ''
  while (text.length < baseTarget) {
    const r = rand()
    const piece =
      r < 0.08
        ? pick(rand, EMOJI)
        : english
          ? pick(rand, EN)
          : rand() < 0.85
            ? pick(rand, ZH)
            : pick(rand, EN)
    text += text.length === 0 ? piece : `${english ? ' ' : rand() < 0.5 ? '，' : ' '}${piece}`
  }
  text = cut(text, baseTarget)
  // Numbers go in whole, at the start or the end, so the cut never splits one.
  for (const extra of extras) text = rand() < 0.3 ? `${extra} ${text}` : `${text}，${extra}`
  return text
}

/**
 * Builds a seeded, repeatable workload: groups with member lists drawn from a shared pool of
 * people (so some people sit in several groups), and chat lines of mixed Chinese and English with
 * skewed activity (a few busy groups, a few chatty members).
 */
export function createWorkload(options: WorkloadOptions): Workload {
  const rand = seededRandom(options.seed)
  const bot: Member = { id: 'wxid_qunbot_bench', name: 'qunbot' }
  const poolSize = Math.floor(options.groups * options.membersPerGroup * 0.6)
  const pool: Member[] = []
  for (let i = 0; i < poolSize; i++) {
    pool.push({ id: `wxid_${(i * 2654435761) >>> 0}${i.toString(36)}`, name: `成员${i}` })
  }

  const rooms: Room[] = []
  const members = new Map<string, Member[]>()
  for (let r = 0; r < options.groups; r++) {
    const room: Room = {
      id: `r${r}@chatroom`,
      topic: `社群${r}号·${pick(rand, ['读书', '团购', '课程', '运动', '技术', '亲子'])}`,
    }
    rooms.push(room)
    const chosen = new Set<number>()
    while (chosen.size < options.membersPerGroup) chosen.add(Math.floor(rand() * poolSize))
    members.set(
      room.id,
      [...chosen].map((i) => pool[i] as Member),
    )
  }
  // Newcomers sit near the chatty end of each roster (senders are skewed to low positions), so
  // their task period is exercised; the platform lists them only once they have joined.
  const newcomers = new Map<string, Member[]>()
  const newcomerCount = options.actions?.newcomersPerGroup ?? 0
  if (newcomerCount > 0) {
    for (const room of rooms)
      newcomers.set(room.id, (members.get(room.id) as Member[]).slice(3, 3 + newcomerCount))
  }

  const mix: WorkloadMix = {
    withPhoneNumber: 0,
    withIdNumber: 0,
    withDigitRun: 0,
    mentionOthers: 0,
    botPing: 0,
    botMentionOther: 0,
    meanChars: 0,
    maxChars: 0,
    minChars: Number.POSITIVE_INFINITY,
    acting: Object.fromEntries(ACTING.map(([kind]) => [kind, 0])) as Record<ActingKind, number>,
  }
  const messages: InboundMessage[] = []
  let totalChars = 0
  for (let i = 0; i < options.messages; i++) {
    // Skewed activity: low-numbered groups and members talk most.
    const room = rooms[Math.floor(options.groups * rand() ** 2)] as Room
    const roster = members.get(room.id) as Member[]
    const sender = roster[Math.floor(roster.length * rand() ** 3)] as Member
    const kind = rand()
    let text: string
    let mentionIds: string[] = []
    let mentionsBot = false
    const acting = options.actions && kind >= 0.025 ? actingKind(rand()) : undefined
    if (kind < 0.002) {
      // "@bot ping": the mention is stripped by the adapter, the ping feature answers.
      text = pick(rand, ['ping', 'ping', 'Ping', ' PING '])
      mentionsBot = true
      mix.botPing++
    } else if (kind < 0.005) {
      text = chatText(rand, targetLength(rand))
      mentionsBot = true
      mix.botMentionOther++
    } else if (kind < 0.025) {
      const other = roster[Math.floor(rand() * roster.length)] as Member
      mentionIds = [other.id]
      text = `@${other.name} ${chatText(rand, targetLength(rand) - other.name.length - 2)}`
      mix.mentionOthers++
    } else if (options.actions && acting !== undefined) {
      mix.acting[acting]++
      ;({ text, mentionsBot } = actingText(rand, acting, options.actions))
    } else {
      const extras: string[] = []
      const e = rand()
      if (e < 0.03) {
        extras.push(`我的电话${phoneNumber(rand)}`)
        mix.withPhoneNumber++
      } else if (e < 0.035) {
        extras.push(`身份证${idNumber(rand)}`)
        mix.withIdNumber++
      } else if (e < 0.045) {
        extras.push(`订单号${digits(rand, 12)}`)
      }
      text = chatText(rand, targetLength(rand), extras)
    }
    if (/\d{4}/.test(text)) mix.withDigitRun++
    totalChars += text.length
    mix.maxChars = Math.max(mix.maxChars, text.length)
    mix.minChars = Math.min(mix.minChars, text.length)
    messages.push({
      id: `bench-${i.toString(36)}-${Math.floor(rand() * 0xffffffff).toString(16)}`,
      kind: 'text',
      roomId: room.id,
      roomTopic: room.topic,
      sender,
      text,
      mentionIds,
      mentionsBot,
      sentAt: 0,
      self: false,
    })
  }
  mix.meanChars = Math.round((totalChars / Math.max(1, options.messages)) * 10) / 10

  const pasteRoom = rooms[0] as Room
  const pasteSender = (members.get(pasteRoom.id) as Member[])[1] as Member
  const longPaste: InboundMessage = {
    id: 'bench-long-paste',
    kind: 'text',
    roomId: pasteRoom.id,
    roomTopic: pasteRoom.topic,
    sender: pasteSender,
    text: longPasteText(rand, options.longPasteChars),
    mentionIds: [],
    mentionsBot: false,
    sentAt: 0,
    self: false,
  }
  return { bot, rooms, members, messages, longPaste, newcomers, mix }
}

function actingKind(r: number): ActingKind | undefined {
  let upTo = 0
  for (const [kind, share] of ACTING) {
    upTo += share
    if (r < upTo) return kind
  }
  return undefined
}

function actingText(
  rand: () => number,
  kind: ActingKind,
  actions: NonNullable<WorkloadOptions['actions']>,
): { text: string; mentionsBot: boolean } {
  switch (kind) {
    case 'checkin':
      return { text: pick(rand, ['打卡', '签到', '打卡', '打卡 今天读了 30 页']), mentionsBot: false }
    case 'vote':
      return { text: pick(rand, ['1', '2', '3', '4', '5']), mentionsBot: false }
    case 'task':
      return {
        text: pick(rand, ['已读群规', '大家好，我是新来的，自我介绍一下：做产品的，喜欢读历史书']),
        mentionsBot: false,
      }
    case 'points':
      return { text: '我的积分', mentionsBot: false }
    case 'faq':
      return { text: pick(rand, actions.faqQuestions), mentionsBot: rand() < 0.5 }
    case 'word':
      return { text: `${chatText(rand, 20)}${pick(rand, actions.words)}`, mentionsBot: false }
    case 'link':
      return { text: `${chatText(rand, 15)} https://ads-${digits(rand, 3)}.top/x`, mentionsBot: false }
    case 'handoff':
      return { text: pick(rand, ['转人工', '找人工，订单一直不发货']), mentionsBot: false }
  }
}

/** A wall of mostly Chinese text (a pasted document) with a few phone numbers spread through it. */
function longPasteText(rand: () => number, chars: number): string {
  const numbers = 5
  const every = Math.floor(chars / (numbers + 1))
  let text = ''
  let nextNumberAt = every
  while (text.length < chars) {
    if (text.length >= nextNumberAt) {
      text += `联系人电话：${phoneNumber(rand)}。`
      nextNumberAt += every
    } else {
      text += rand() < 0.9 ? pick(rand, ZH) : pick(rand, EN)
      text += rand() < 0.2 ? '\n' : '。'
    }
  }
  // The cut lands in plain text; pad with CJK if it would split a surrogate pair.
  const out = cut(text, chars)
  return out.length === chars ? out : `${out}。`
}
