import type { Statement } from 'better-sqlite3'
import type { InboundMessage } from '../core/types.js'
import type { Db } from './client.js'

export interface MessageLogOptions {
  /** Flush when this many rows are buffered. */
  maxBatch?: number
  /** Flush at most this long after the first buffered row (ms of real time). */
  maxDelayMs?: number
  /** Called when a flush fails; the rows stay buffered and are retried with the next flush. */
  onError?: (error: unknown) => void
}

interface PendingRow {
  message: InboundMessage
  maskedText: string
  receivedAt: number
}

/**
 * Stores inbound messages and member activity with group commit: rows are buffered and written
 * in one transaction every `maxDelayMs` or `maxBatch` rows. One commit per row would cap the bot
 * at the disk's fsync rate; batching keeps durable writes off the per-message path. This is the
 * hot path, so it uses prepared better-sqlite3 statements rather than the query builder.
 */
export class MessageLog {
  private buffer: PendingRow[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly insertMessage: Statement
  private readonly touchMember: Statement
  private readonly writeBatch: (rows: PendingRow[]) => void
  private readonly maxBatch: number
  private readonly maxDelayMs: number

  constructor(
    private readonly db: Db,
    private readonly options: MessageLogOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000
    this.maxDelayMs = options.maxDelayMs ?? 50
    const sqlite = db.$client
    this.insertMessage = sqlite.prepare(
      'INSERT OR IGNORE INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    this.touchMember = sqlite.prepare(
      'UPDATE members SET last_seen_at = ?, message_count = message_count + 1, name = ? WHERE room_id = ? AND member_id = ?',
    )
    this.writeBatch = sqlite.transaction((rows: PendingRow[]) => {
      for (const { message: m, maskedText, receivedAt } of rows) {
        const inserted = this.insertMessage.run(
          m.id,
          m.roomId,
          m.sender.id,
          maskedText,
          m.mentionsBot ? 1 : 0,
          m.sentAt,
          receivedAt,
        )
        if (inserted.changes > 0) this.touchMember.run(receivedAt, m.sender.name, m.roomId, m.sender.id)
      }
    })
  }

  /** Buffers one message; it is durable after the next flush (at most `maxDelayMs` later). */
  record(message: InboundMessage, maskedText: string, receivedAt: number): void {
    this.buffer.push({ message, maskedText, receivedAt })
    if (this.buffer.length >= this.maxBatch) this.flush()
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.maxDelayMs)
      this.timer.unref()
    }
  }

  get pending(): number {
    return this.buffer.length
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.buffer.length === 0) return
    const rows = this.buffer
    this.buffer = []
    try {
      this.writeBatch(rows)
    } catch (error) {
      this.buffer = rows.concat(this.buffer)
      this.options.onError?.(error)
    }
  }

  /** Ids of messages received since `since`, to refill the duplicate filter after a restart. */
  recentIds(since: number): string[] {
    this.flush()
    const rows = this.db.$client.prepare('SELECT id FROM messages WHERE received_at >= ?').pluck().all(since)
    return rows as string[]
  }
}
