import type Database from 'better-sqlite3'
import { forgetCachedReads } from './read-cache.js'

export interface CommitWindowOptions {
  /** Commit at most this long after the window opened (ms of real time). */
  maxDelayMs: number
  /** Commit once this many messages joined the window. */
  maxMessages: number
  /** Called after each commit, with the messages it held and the COMMIT's own time (benchmarks, metrics). */
  onCommit?: (messages: number, ms: number) => void
  /** Called when a commit failed; the window's writes were rolled back. */
  onError?: (error: unknown) => void
}

const windows = new WeakMap<Database.Database, CommitWindow>()

/**
 * Group commit for everything the message pipeline writes. The record stage opens one SQLite
 * transaction for many messages; a message's row and the state it changes (a check-in, a vote, a
 * task, a ticket) are written inside it (features' own transactions nest as savepoints), so they
 * reach the disk in the same commit: a crash never keeps an effect without the message that
 * caused it. One fsync (`synchronous=FULL`) then serves every message and action in the window
 * instead of one each.
 *
 * The window commits after `maxDelayMs` or `maxMessages`, and before anything leaves the process
 * that depends on it ({@link commitOpenWindow}): a chat send, a webhook POST, an HTTP response, a
 * member removal, a backup or a WAL truncation. Nothing is sent that is not durable.
 *
 * Only call `commit` at an async boundary (a timer, a microtask, a hook), never from inside a
 * `transaction()` callback: SQLite's COMMIT would also end the savepoints the callback is in.
 */
export class CommitWindow {
  private open = false
  private messages = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly sqlite: Database.Database,
    private readonly options: CommitWindowOptions,
  ) {
    windows.set(sqlite, this)
  }

  /** Opens the window's transaction unless one is open. */
  join(): void {
    if (this.open || this.sqlite.inTransaction) return
    this.sqlite.exec('BEGIN')
    this.open = true
    this.timer = setTimeout(() => this.commit(), this.options.maxDelayMs)
    this.timer.unref()
  }

  /** Counts a message written in the window; a full window commits. */
  noteMessage(): void {
    this.messages++
    if (this.messages >= this.options.maxMessages) this.commit()
  }

  get isOpen(): boolean {
    return this.open
  }

  /** Commits the open window, if any. Returns false when the commit failed (and was rolled back). */
  commit(): boolean {
    if (!this.open) return true
    clearTimeout(this.timer)
    this.timer = undefined
    this.open = false
    const messages = this.messages
    this.messages = 0
    const started = performance.now()
    try {
      this.sqlite.exec('COMMIT')
      this.options.onCommit?.(messages, performance.now() - started)
      return true
    } catch (error) {
      // A failed COMMIT may leave the transaction open (SQLITE_BUSY) or already rolled back.
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK')
      forgetCachedReads(this.sqlite)
      this.options.onError?.(error)
      return false
    }
  }

  close(): void {
    this.commit()
    if (windows.get(this.sqlite) === this) windows.delete(this.sqlite)
  }
}

/**
 * Commits the connection's open commit window, if it has one: call it before anything leaves the
 * process that depends on what was written (see {@link CommitWindow}).
 */
export function commitOpenWindow(sqlite: Database.Database): void {
  windows.get(sqlite)?.commit()
}
