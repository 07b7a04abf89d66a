import type { Statement } from 'better-sqlite3'
import { maskPersonalData } from '../core/mask.js'
import type { InboundMessage } from '../core/types.js'
import type { Db } from './client.js'
import { CommitWindow } from './commit-window.js'

export interface MessageLogOptions {
  /** Commit the window when this many messages joined it. */
  maxBatch?: number
  /** Commit the window at most this long after it opened (ms of real time). */
  maxDelayMs?: number
  /** Write member activity at most this long after it changed (ms of real time). */
  activityDelayMs?: number
  /** Called when a write fails; messages rolled back are written again with the next window. */
  onError?: (error: unknown) => void
  /** Called after each commit with its row count and duration (benchmarks, metrics). */
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
 * Stores inbound messages and member activity. Each message row is written by the record stage
 * into the {@link CommitWindow}, the transaction shared by every message of the next
 * `maxDelayMs` (or `maxBatch` messages) and by the state they change, so one commit (one fsync)
 * serves many messages and a message's effects never reach the disk without it. Member activity
 * (message count, last seen) is derived from the messages, so it is summed in memory and written
 * less often: updating scattered `members` rows for every message tripled the pages each commit
 * wrote (measured by the bench). This is the hot path, so it uses prepared better-sqlite3
 * statements, not the query builder.
 */
export class MessageLog {
  readonly window: CommitWindow
  /** Rows of the open window, kept until it commits: a failed commit rolls them back. */
  private inWindow: PendingRow[] = []
  /** Rows rolled back by a failed commit, written again when the next window opens. */
  private retry: PendingRow[] = []
  private activity = new Map<string, PendingActivity>()
  private activityTimer: NodeJS.Timeout | undefined
  private readonly insertMessage: Statement
  private readonly markRecalled: Statement
  private readonly writeActivity: (rows: Iterable<PendingActivity>) => void
  private readonly activityDelayMs: number

  constructor(
    private readonly db: Db,
    private readonly options: MessageLogOptions = {},
  ) {
    this.activityDelayMs = options.activityDelayMs ?? 5000
    const sqlite = db.$client
    this.window = new CommitWindow(sqlite, {
      maxMessages: options.maxBatch ?? 1000,
      maxDelayMs: options.maxDelayMs ?? 50,
      onCommit: (messages, ms) => {
        this.inWindow = []
        if (messages > 0) options.onFlush?.('messages', messages, ms)
      },
      onError: (error) => {
        this.retry = this.retry.concat(this.inWindow)
        this.inWindow = []
        options.onError?.(error)
      },
    })
    this.insertMessage = sqlite.prepare(
      'INSERT OR IGNORE INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at, kind, media_name, media_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    // Blanks the text: a member who takes a message back does not want it kept. Moderation
    // evidence and ticket transcripts hold their own (masked) copies while they refer to it.
    this.markRecalled = sqlite.prepare(
      "UPDATE messages SET recalled_at = ?, text = '' WHERE id = ? AND room_id = ? AND sender_id = ? AND recalled_at IS NULL",
    )
    const touchMember: Statement = sqlite.prepare(
      'UPDATE members SET last_seen_at = max(coalesce(last_seen_at, 0), ?), message_count = message_count + ?, name = ? WHERE room_id = ? AND member_id = ?',
    )
    // The name is masked here, once per flush, not per message: a member may be named 王13812345678.
    this.writeActivity = sqlite.transaction((rows: Iterable<PendingActivity>) => {
      for (const a of rows)
        touchMember.run(a.lastSeenAt, a.count, maskPersonalData(a.name), a.roomId, a.memberId)
    })
  }

  /**
   * Writes one message into the open commit window (opening one if needed). It is durable when
   * the window commits: at most `maxDelayMs` later, and before anything the message caused is
   * sent.
   */
  record(message: InboundMessage, maskedText: string, receivedAt: number): void {
    const opening = !this.window.isOpen
    this.window.join()
    if (opening && this.retry.length > 0) {
      const again = this.retry
      this.retry = []
      for (const row of again) this.insert(row, false)
    }
    this.insert({ message, maskedText, receivedAt }, true)
    this.window.noteMessage()
  }

  /** Messages written but not yet committed. */
  get pending(): number {
    return this.inWindow.length + this.retry.length
  }

  /** Commits the open window and writes member activity. */
  flush(): void {
    this.window.commit()
    this.flushActivity()
  }

  /** Commits the open window; stops taking part in group commit (shutdown). */
  close(): void {
    this.flush()
    this.window.close()
  }

  /** Ids of messages received since `since`, to refill the duplicate filter after a restart. */
  recentIds(since: number): string[] {
    const rows = this.db.$client.prepare('SELECT id FROM messages WHERE received_at >= ?').pluck().all(since)
    return rows as string[]
  }

  private insert(row: PendingRow, countActivity: boolean): void {
    const m = row.message
    const media = m.media
    const inserted =
      this.insertMessage.run(
        m.id,
        m.roomId,
        m.sender.id,
        row.maskedText,
        m.mentionsBot ? 1 : 0,
        m.sentAt,
        row.receivedAt,
        m.kind,
        media?.name === undefined ? null : maskPersonalData(media.name),
        media?.size ?? null,
      ).changes > 0
    this.inWindow.push(row)
    // Only the member's own posts count as activity, each once (a redelivered message is not a
    // new one; a recall or a platform notice is not a post).
    if (m.kind === 'recalled' && m.recalledId !== undefined)
      this.markRecalled.run(row.receivedAt, m.recalledId, m.roomId, m.sender.id)
    else if (inserted && countActivity && m.kind !== 'system') this.noteActivity(m, row.receivedAt)
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
