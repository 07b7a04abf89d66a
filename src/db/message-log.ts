import type { Statement } from 'better-sqlite3'
import { maskPersonalData } from '../core/mask.js'
import type { InboundMessage } from '../core/types.js'
import type { Db } from './client.js'

export interface MessageLogOptions {
  /** Flush messages when this many rows are buffered. */
  maxBatch?: number
  /** Flush messages at most this long after the first buffered row (ms of real time). */
  maxDelayMs?: number
  /** Write member activity at most this long after it changed (ms of real time). */
  activityDelayMs?: number
  /** Called when a flush fails; the rows stay buffered and are retried with the next flush. */
  onError?: (error: unknown) => void
  /** Called after each committed write, with its row count and duration (benchmarks, metrics). */
  onFlush?: (kind: 'messages' | 'activity', rows: number, ms: number) => void
}

interface PendingRow {
  message: InboundMessage
  maskedText: string
  receivedAt: number
}

interface PendingActivity {
  roomId: string
  memberId: string
  name: string
  count: number
  lastSeenAt: number
}

/**
 * Stores inbound messages and member activity with group commit. Messages are buffered and
 * written in one transaction every `maxDelayMs` or `maxBatch` rows: one commit per row would cap
 * the bot at the disk's fsync rate. Member activity (message count, last seen) is derived from
 * the messages, so it is summed in memory and written less often: updating scattered `members`
 * rows in every message commit tripled the pages each commit wrote (measured by the bench).
 * This is the hot path, so it uses prepared better-sqlite3 statements, not the query builder.
 */
export class MessageLog {
  private buffer: PendingRow[] = []
  private activity = new Map<string, PendingActivity>()
  private timer: NodeJS.Timeout | undefined
  private activityTimer: NodeJS.Timeout | undefined
  private readonly writeMessages: (rows: PendingRow[]) => PendingRow[]
  private readonly writeActivity: (rows: Iterable<PendingActivity>) => void
  private readonly maxBatch: number
  private readonly maxDelayMs: number
  private readonly activityDelayMs: number

  constructor(
    private readonly db: Db,
    private readonly options: MessageLogOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000
    this.maxDelayMs = options.maxDelayMs ?? 50
    this.activityDelayMs = options.activityDelayMs ?? 5000
    const sqlite = db.$client
    const insertMessage: Statement = sqlite.prepare(
      'INSERT OR IGNORE INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    const touchMember: Statement = sqlite.prepare(
      'UPDATE members SET last_seen_at = max(coalesce(last_seen_at, 0), ?), message_count = message_count + ?, name = ? WHERE room_id = ? AND member_id = ?',
    )
    // Returns the rows actually inserted (not already stored), which are the ones that count as activity.
    this.writeMessages = sqlite.transaction((rows: PendingRow[]) =>
      rows.filter(
        ({ message: m, maskedText, receivedAt }) =>
          insertMessage.run(
            m.id,
            m.roomId,
            m.sender.id,
            maskedText,
            m.mentionsBot ? 1 : 0,
            m.sentAt,
            receivedAt,
          ).changes > 0,
      ),
    )
    // The name is masked here, once per flush, not per message: a member may be named 王13812345678.
    this.writeActivity = sqlite.transaction((rows: Iterable<PendingActivity>) => {
      for (const a of rows)
        touchMember.run(a.lastSeenAt, a.count, maskPersonalData(a.name), a.roomId, a.memberId)
    })
  }

  /** Buffers one message; it is durable after the next flush (at most `maxDelayMs` later). */
  record(message: InboundMessage, maskedText: string, receivedAt: number): void {
    this.buffer.push({ message, maskedText, receivedAt })
    if (this.buffer.length >= this.maxBatch) this.flushMessages()
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flushMessages(), this.maxDelayMs)
      this.timer.unref()
    }
  }

  get pending(): number {
    return this.buffer.length
  }

  /** Writes everything buffered: messages and member activity. */
  flush(): void {
    this.flushMessages()
    this.flushActivity()
  }

  /** Ids of messages received since `since`, to refill the duplicate filter after a restart. */
  recentIds(since: number): string[] {
    this.flushMessages()
    const rows = this.db.$client.prepare('SELECT id FROM messages WHERE received_at >= ?').pluck().all(since)
    return rows as string[]
  }

  private flushMessages(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.buffer.length === 0) return
    const rows = this.buffer
    this.buffer = []
    let inserted: PendingRow[]
    const started = performance.now()
    try {
      inserted = this.writeMessages(rows)
      this.options.onFlush?.('messages', rows.length, performance.now() - started)
    } catch (error) {
      this.buffer = rows.concat(this.buffer)
      this.options.onError?.(error)
      return
    }
    for (const row of inserted) this.noteActivity(row.message, row.receivedAt)
  }

  private flushActivity(): void {
    if (this.activityTimer) {
      clearTimeout(this.activityTimer)
      this.activityTimer = undefined
    }
    if (this.activity.size === 0) return
    const rows = this.activity
    this.activity = new Map()
    const started = performance.now()
    try {
      this.writeActivity(rows.values())
      this.options.onFlush?.('activity', rows.size, performance.now() - started)
    } catch (error) {
      for (const [key, row] of rows) if (!this.activity.has(key)) this.activity.set(key, row)
      this.options.onError?.(error)
    }
  }

  private noteActivity(m: InboundMessage, at: number): void {
    const key = `${m.roomId}\u0000${m.sender.id}`
    const entry = this.activity.get(key)
    if (entry) {
      entry.count++
      entry.lastSeenAt = Math.max(entry.lastSeenAt, at)
      entry.name = m.sender.name
    } else {
      this.activity.set(key, {
        roomId: m.roomId,
        memberId: m.sender.id,
        name: m.sender.name,
        count: 1,
        lastSeenAt: at,
      })
    }
    if (!this.activityTimer) {
      this.activityTimer = setTimeout(() => this.flushActivity(), this.activityDelayMs)
      this.activityTimer.unref()
    }
  }
}
