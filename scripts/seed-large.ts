/**
 * `npm run seed:large [-- --dir ./data-large]`: a database the size of a big deployment, to
 * measure analytics and the dashboard on: 500 groups, 100,000 memberships and 1,000,000 messages
 * over the last 30 days, with the rollups, joins, newcomer periods, check-ins, FAQ outcomes and
 * tickets the figures read. Seeded, so every run builds the same data. Written through the same
 * ActivityRecorder the bot uses, so the rollups are what the bot would have written.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { seededRandom } from '../src/core/random.js'
import { openDatabase } from '../src/db/client.js'
import { ActivityRecorder } from '../src/features/analytics/activity-recorder.js'
import { DayIndex } from '../src/features/analytics/day-index.js'

export interface SeedOptions {
  groups: number
  membersPerGroup: number
  messages: number
  days: number
  now: number
  timeZone: string
}

export const LARGE: Omit<SeedOptions, 'now'> = {
  groups: 500,
  membersPerGroup: 200,
  messages: 1_000_000,
  days: 30,
  timeZone: 'Asia/Shanghai',
}

const DAY = 86_400_000
const TEXTS = [
  '大家好',
  '今天的直播几点开始？',
  '收到，谢谢',
  '打卡',
  '这本书写得真好',
  '有人一起读吗',
  '好的',
  '赞👍',
]

/** Builds the database at `file` (replacing it); returns what it wrote. */
export function seedLarge(file: string, options: SeedOptions): { rows: Record<string, number>; ms: number } {
  const started = performance.now()
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
  const db = openDatabase(file)
  const sql = db.$client
  // Bulk load: durability is not the point here (the bench measures reading).
  sql.pragma('synchronous = OFF')
  const random = seededRandom(20261123)
  const days = new DayIndex(options.timeZone)
  const recorder = new ActivityRecorder(db, days, 60_000)
  const start = options.now - options.days * DAY
  const rooms = Array.from({ length: options.groups }, (_, i) => ({
    id: `g${i}@chatroom`,
    topic: `读书会 ${i} 群`,
  }))

  const insertRoom = sql.prepare(
    'INSERT INTO rooms (id, topic, first_seen_at, updated_at) VALUES (?, ?, ?, ?)',
  )
  const insertMember = sql.prepare(
    'INSERT INTO members (room_id, member_id, name, joined_at, last_seen_at, message_count) VALUES (?, ?, ?, ?, NULL, 0)',
  )
  const insertNewcomer = sql.prepare(
    "INSERT INTO sop_newcomers (room_id, member_id, name, sop_name, joined_at, expires_at, status, completed_at) VALUES (?, ?, ?, 'example', ?, ?, ?, ?)",
  )
  const insertTask = sql.prepare(
    "INSERT INTO sop_task_completions (room_id, member_id, task_id, done_at, via) VALUES (?, ?, ?, ?, 'message')",
  )
  const joinedAt = new Map<string, number>()
  sql.transaction(() => {
    for (const room of rooms) {
      insertRoom.run(room.id, room.topic, start - 90 * DAY, start)
      for (let m = 0; m < options.membersPerGroup; m++) {
        const id = `wxid_${room.id.slice(1, -9)}_${m}`
        // One member in five joined during the period; the rest were there before the bot.
        const joined = random() < 0.2 ? start + Math.floor(random() * options.days * DAY) : null
        insertMember.run(room.id, id, `成员${m}`, joined)
        if (joined === null) continue
        joinedAt.set(`${room.id} ${id}`, joined)
        recorder.memberEvent(room.id, id, 'join', joined)
        const r = random()
        const status = r < 0.4 ? 'completed' : joined + 3 * DAY < options.now ? 'expired' : 'active'
        insertNewcomer.run(
          room.id,
          id,
          `成员${m}`,
          joined,
          joined + 3 * DAY,
          status,
          status === 'completed' ? joined + DAY : null,
        )
        if (r < 0.7) insertTask.run(room.id, id, 'intro', joined + 3_600_000)
        if (status === 'completed') insertTask.run(room.id, id, 'rules', joined + DAY)
      }
    }
  })()

  const insertMessage = sql.prepare(
    'INSERT INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  const insertCheckin = sql.prepare(
    'INSERT OR IGNORE INTO checkins (room_id, member_id, day, day_number, streak, at) VALUES (?, ?, ?, ?, 1, ?)',
  )
  const insertPoints = sql.prepare(
    "INSERT INTO points_ledger (room_id, member_id, delta, reason, actor, at) VALUES (?, ?, ?, 'checkin', NULL, ?)",
  )
  const outcomes = ['answered', 'answered', 'answered', 'unanswered', 'fallback', 'asked'] as const
  const BATCH = 50_000
  for (let done = 0; done < options.messages; done += BATCH) {
    sql.transaction(() => {
      for (let i = done; i < Math.min(options.messages, done + BATCH); i++) {
        // Busy groups and talkative members: squared uniform draws skew towards the low indexes.
        const room = rooms[Math.floor(random() ** 2 * rooms.length)] as (typeof rooms)[number]
        const m = Math.floor(random() ** 2 * options.membersPerGroup)
        const member = `wxid_${room.id.slice(1, -9)}_${m}`
        const joined = joinedAt.get(`${room.id} ${member}`)
        const at = Math.max(joined ?? 0, start + Math.floor((i / options.messages) * options.days * DAY))
        if (at >= options.now) continue
        const text = TEXTS[Math.floor(random() * TEXTS.length)] as string
        insertMessage.run(`m${i}`, room.id, member, text, text.includes('？') ? 1 : 0, at, at)
        recorder.message(room.id, member, at)
        if (text === '打卡') {
          const day = days.dayOf(at)
          insertCheckin.run(room.id, member, DayIndex.format(day), day, at)
          insertPoints.run(room.id, member, 5, at)
        }
        if (text.includes('？'))
          recorder.faqOutcome(
            room.id,
            { outcome: outcomes[i % outcomes.length] as (typeof outcomes)[number], entryId: `e${i % 40}` },
            at,
          )
      }
    })()
    recorder.flush()
  }

  const insertTicket = sql.prepare(
    "INSERT INTO tickets (room_id, member_id, member_name, status, reason, priority, opened_at, first_response_at, resolved_at, rating) VALUES (?, ?, ?, ?, 'keyword', 1, ?, ?, ?, ?)",
  )
  sql.transaction(() => {
    for (let i = 0; i < 5_000; i++) {
      const room = rooms[i % rooms.length] as (typeof rooms)[number]
      const opened = start + Math.floor(random() * (options.now - start - DAY))
      const first = opened + Math.floor(random() * 3_600_000)
      const resolved = random() < 0.9 ? first + Math.floor(random() * 86_400_000) : null
      insertTicket.run(
        room.id,
        `wxid_${room.id.slice(1, -9)}_${i % options.membersPerGroup}`,
        '成员',
        resolved ? 'resolved' : 'assigned',
        opened,
        first,
        resolved,
        resolved && random() < 0.6 ? 1 + Math.floor(random() * 5) : null,
      )
    }
  })()
  sql.pragma('synchronous = FULL')
  sql.exec('ANALYZE')
  const count = (table: string) => sql.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  const rows = Object.fromEntries(
    [
      'rooms',
      'members',
      'messages',
      'activity_days',
      'member_events',
      'faq_outcomes',
      'checkins',
      'tickets',
    ].map((t) => [t, count(t)]),
  )
  sql.close()
  return { rows, ms: Math.round(performance.now() - started) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { dir: { type: 'string', default: './data-large' } } })
  const dir = resolve(values.dir)
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true })
  const file = join(dir, 'qunbot.sqlite')
  console.log(`seeding ${file} (500 groups, 100,000 members, 1,000,000 messages) ...`)
  const { rows, ms } = seedLarge(file, { ...LARGE, now: Date.now() })
  console.log(`done in ${(ms / 1000).toFixed(1)} s:`, rows)
  console.log(`start the bot on it with QUNBOT_DATA_DIR=${values.dir} npm start, then open the dashboard.`)
}
