import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Db, openDatabase } from '../../src/db/client.js'
import { purgeExpired } from '../../src/features/privacy/retention.js'
import { privacyConfigSchema } from '../../src/features/privacy/schema.js'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 5, 1, 20, 0)
// A different period per kind, so a purge that used another kind's cutoff would keep or delete
// the wrong rows.
const { retention } = privacyConfigSchema.parse({
  retention: {
    messages: '30d',
    transcripts: '180d',
    deliveryLogs: '7d',
    moderationLog: '90d',
    faqGaps: '60d',
    analytics: '400d',
  },
})
const cutoff = {
  messages: NOW - 30 * DAY,
  transcripts: NOW - 180 * DAY,
  deliveryLogs: NOW - 7 * DAY,
  moderationLog: NOW - 90 * DAY,
  faqGaps: NOW - 60 * DAY,
  analytics: NOW - 400 * DAY,
}
/** Just older than the cutoff (purged), exactly at it and just newer (both kept). */
const OLD = -1
const EDGE = 0
const NEW = 1

describe('purgeExpired', () => {
  let dir: string
  let db: Db
  const sql = (text: string, ...params: unknown[]) => db.$client.prepare(text).run(...params)
  const column = (text: string) => db.$client.prepare(text).pluck().all()

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-retention-'))
    db = openDatabase(join(dir, 'qunbot.sqlite'))

    for (const [id, d] of [
      ['m-old', OLD],
      ['m-edge', EDGE],
      ['m-new', NEW],
    ] as const)
      sql(
        'INSERT INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, ?, ?, ?, 0, ?, ?)',
        id,
        'r1',
        'wxid_a',
        'hello',
        cutoff.messages + d,
        cutoff.messages + d,
      )

    // The ticket itself is far older than every cutoff: it stays, as the audit record.
    sql(
      `INSERT INTO tickets (id, room_id, member_id, member_name, status, reason, priority, opened_at)
       VALUES (1, 'r1', 'wxid_a', '小李', 'resolved', 'keyword', 1, ?)`,
      cutoff.transcripts - 10 * DAY,
    )
    const event = (label: string, kind: string, d: number, text: string | null) =>
      sql(
        'INSERT INTO ticket_events (ticket_id, at, kind, actor, text) VALUES (1, ?, ?, ?, ?)',
        cutoff.transcripts + d,
        kind,
        label,
        text,
      )
    event('member-old', 'member_message', OLD, '课程打不开')
    event('member-edge', 'member_message', EDGE, '还是打不开')
    event('member-new', 'member_message', NEW, '好了')
    event('staff-old', 'staff_reply', OLD, '请更新 app')
    event('staff-new', 'staff_reply', NEW, '不客气')
    event('earlier-old', 'earlier_message', OLD, '有人吗')
    event('opened-old', 'opened', OLD, '转人工')
    event('resolved-old', 'resolved', OLD, null)
    event('rating-new', 'rating', NEW, '5')

    const outbox = (status: string, d: number) =>
      sql(
        'INSERT INTO chat_outbox (room_id, parts, status, not_before, created_at) VALUES (?, ?, ?, 0, ?)',
        'r1',
        JSON.stringify([`${status}${d}`]),
        status,
        cutoff.deliveryLogs + d,
      )
    for (const status of ['sent', 'dead', 'pending', 'sending']) outbox(status, OLD)
    outbox('sent', EDGE)
    outbox('sent', NEW)

    const delivery = (id: string, status: string, d: number, attempts: number) => {
      sql(
        `INSERT INTO webhook_deliveries (id, endpoint, event_type, body, status, attempts, next_attempt_at, created_at)
         VALUES (?, 'staff', 'handoff.opened', '{}', ?, ?, 0, ?)`,
        id,
        status,
        attempts,
        cutoff.deliveryLogs + d,
      )
      for (let a = 1; a <= attempts; a++)
        sql(
          'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms) VALUES (?, ?, ?, 500, 10)',
          id,
          a,
          cutoff.deliveryLogs + d,
        )
    }
    delivery('delivered-old', 'delivered', OLD, 2)
    delivery('dead-old', 'dead', OLD, 1)
    delivery('pending-old', 'pending', OLD, 1)
    delivery('delivered-new', 'delivered', NEW, 1)

    for (const [id, d] of [
      ['in-old', OLD],
      ['in-new', NEW],
    ] as const)
      sql('INSERT INTO inbound_webhook_ids (id, received_at) VALUES (?, ?)', id, cutoff.deliveryLogs + d)

    for (const [evidence, d] of [
      ['mod-old', OLD],
      ['mod-edge', EDGE],
      ['mod-new', NEW],
    ] as const)
      sql(
        `INSERT INTO moderation_actions (room_id, member_id, member_name, rule, action, evidence, at)
         VALUES ('r1', 'wxid_a', '小李', 'words', 'warn', ?, ?)`,
        evidence,
        cutoff.moderationLog + d,
      )

    for (const [text, d] of [
      ['gap-old', OLD],
      ['gap-new', NEW],
    ] as const)
      sql(
        "INSERT INTO faq_gaps (room_id, text, tokens, reason, at) VALUES ('r1', ?, '', 'no-match', ?)",
        text,
        cutoff.faqGaps + d,
      )
  })

  /** Rows of the analytics rollups either side of the analytics cutoff (activity by UTC day). */
  const seedAnalytics = () => {
    const cutoffDay = Math.floor(cutoff.analytics / DAY)
    for (const [member, day] of [
      ['a-old', cutoffDay - 1],
      ['a-edge', cutoffDay],
    ] as const)
      sql("INSERT INTO activity_days (room_id, member_id, day, messages) VALUES ('r1', ?, ?, 3)", member, day)
    for (const [member, d] of [
      ['e-old', OLD],
      ['e-new', NEW],
    ] as const)
      sql(
        "INSERT INTO member_events (room_id, member_id, kind, at, day) VALUES ('r1', ?, 'join', ?, 0)",
        member,
        cutoff.analytics + d,
      )
    sql(
      "INSERT INTO faq_outcomes (room_id, outcome, entry_id, at, day) VALUES ('r1', 'answered', 'old', ?, 0)",
      cutoff.analytics - 1,
    )
  }

  afterEach(() => {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('deletes what is older than each kind’s period, keeps the rest, and counts exactly', () => {
    seedAnalytics()
    expect(purgeExpired(db, NOW, retention)).toEqual({
      messages: 1,
      // Three transcript lines deleted, one text cleared (the resolved event had none).
      transcripts: 4,
      // Two outbox rows, two deliveries with their three attempts, one inbound id.
      deliveryLogs: 8,
      moderationLog: 1,
      faqGaps: 1,
      // One activity day, one join, one FAQ outcome.
      analytics: 3,
    })

    expect(column('SELECT id FROM messages ORDER BY id')).toEqual(['m-edge', 'm-new'])
    expect(column('SELECT member_id FROM activity_days')).toEqual(['a-edge'])
    expect(column('SELECT member_id FROM member_events')).toEqual(['e-new'])
    expect(column('SELECT count(*) FROM faq_outcomes')).toEqual([0])

    expect(column('SELECT count(*) FROM tickets')).toEqual([1])
    expect(db.$client.prepare('SELECT actor, kind, text FROM ticket_events ORDER BY id').all()).toEqual([
      { actor: 'member-edge', kind: 'member_message', text: '还是打不开' },
      { actor: 'member-new', kind: 'member_message', text: '好了' },
      { actor: 'staff-new', kind: 'staff_reply', text: '不客气' },
      { actor: 'opened-old', kind: 'opened', text: null },
      { actor: 'resolved-old', kind: 'resolved', text: null },
      { actor: 'rating-new', kind: 'rating', text: '5' },
    ])

    // Pending and in-flight sends stay, however old: they have not gone out yet.
    expect(column('SELECT parts FROM chat_outbox ORDER BY id')).toEqual([
      '["pending-1"]',
      '["sending-1"]',
      '["sent0"]',
      '["sent1"]',
    ])
    expect(column('SELECT id FROM webhook_deliveries ORDER BY id')).toEqual(['delivered-new', 'pending-old'])
    expect(column('SELECT delivery_id FROM webhook_attempts ORDER BY delivery_id')).toEqual([
      'delivered-new',
      'pending-old',
    ])
    expect(column('SELECT id FROM inbound_webhook_ids')).toEqual(['in-new'])

    expect(column('SELECT evidence FROM moderation_actions ORDER BY id')).toEqual(['mod-edge', 'mod-new'])
    expect(column('SELECT text FROM faq_gaps')).toEqual(['gap-new'])
  })

  it('finds nothing more to purge when run again at the same time', () => {
    purgeExpired(db, NOW, retention)
    expect(purgeExpired(db, NOW, retention)).toEqual({
      messages: 0,
      transcripts: 0,
      deliveryLogs: 0,
      moderationLog: 0,
      faqGaps: 0,
      analytics: 0,
    })
  })

  it('purges nothing when every row is within its period', () => {
    expect(purgeExpired(db, NOW - 2, retention)).toEqual({
      messages: 0,
      transcripts: 0,
      deliveryLogs: 0,
      moderationLog: 0,
      faqGaps: 0,
      analytics: 0,
    })
    expect(column('SELECT count(*) FROM messages')).toEqual([3])
  })
})
