import type { Clock, TimerHandle } from '../core/clock.js'
import type { SendPort } from '../core/feature.js'
import type { Logger } from '../core/logger.js'
import type { OutgoingMessage } from '../core/types.js'
import type { ChatOutbox } from '../outbox/chat-outbox.js'
import { splitMessage } from '../outbox/split-message.js'
import { classifyConnectionError } from './connection-errors.js'

/** The one call that puts a chunk on the wire; only the paced sender makes it. */
export interface ChatTransport {
  deliver(roomId: string, message: OutgoingMessage): Promise<void>
  /** Told when a send failed for a connection reason, so the connection can be checked at once. */
  suspect?(): void
}

export interface PacingOptions {
  /** Minimum time between two sends from the account. */
  minGapMs: number
  /** A random extra wait in [0, jitterMs) added to each gap, so the rhythm does not look machine-made. */
  jitterMs: number
  /** At most this many sends in any 60 s window. */
  perMinute: number
  /** How long sending pauses after the platform says "too frequent" (doubles on repeats, up to 16x). */
  breakerMs: number
  /** Attempts before a chunk that keeps failing for other reasons is dead-lettered. */
  maxAttempts?: number
}

/** What the sender reports to metrics. Sends are few (a handful a minute), so this costs nothing. */
export interface SendObserver {
  /**
   * One attempt's result: `sent`; `throttled` (the platform said "too frequent": the breaker
   * pauses all sends); `retried` (failed or went offline, queued again); `held` (not connected:
   * queued again without counting an attempt, sending waits for the connection); `dead`
   * (dead-lettered).
   */
  attempt?(outcome: SendOutcome): void
  /**
   * How long a chunk that went out had waited, while the account was online, after it was due
   * (queued, or its retry time came): the minimum gap with jitter, the per-minute cap, the
   * breaker, and the sends queued ahead of it.
   */
  pacingWait?(ms: number): void
}

export type SendOutcome = 'sent' | 'retried' | 'held' | 'throttled' | 'dead'

const TOO_FREQUENT = /频繁|过于频繁|too (?:many|frequent)|rate.?limit|frequency/i
const MINUTE = 60_000
/** After a "not connected" failure sending pauses this long, doubling up to HOLD_MAX_MS. */
const HOLD_FIRST_MS = 1_000
const HOLD_MAX_MS = 30_000

/**
 * Sends queued chunks one at a time, spaced so the account behaves like a careful person: a
 * minimum gap with jitter, a per-minute cap, and a breaker that stops sending for a while when the
 * platform complains. It only sends while the account is online, so chunks queued during a
 * logout wait in the outbox and go out after the next login.
 */
export class PacedSender implements SendPort {
  private online = false
  private running = false
  private pumping: Promise<void> | undefined
  private timer: TimerHandle | undefined
  private lastSentAt = Number.NEGATIVE_INFINITY
  private gapMs: number
  private readonly recentSends: number[] = []
  private pausedUntil = 0
  private breakerLevel = 0
  /** Set by "not connected" failures; cleared when the connection reports online again. */
  private heldUntil = 0
  private holdLevel = 0
  /** Since when the sender has been running and online; waits before it are not pacing. */
  private sendingSince = 0
  private readonly observers: SendObserver[] = []

  constructor(
    private readonly outbox: ChatOutbox,
    private readonly transport: ChatTransport,
    private readonly clock: Clock,
    private readonly pacing: PacingOptions,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.gapMs = this.drawGap()
  }

  send(roomId: string, message: OutgoingMessage): number[] {
    const ids = this.outbox.enqueue(roomId, splitMessage(message), this.clock.now())
    this.wake()
    return ids
  }

  start(): void {
    const requeued = this.outbox.requeueInterrupted()
    if (requeued > 0) this.log.warn({ requeued }, 'chunks interrupted by the last stop are queued again')
    this.running = true
    this.sendingSince = this.clock.now()
    this.wake()
  }

  /** Adds an observer of send outcomes and pacing waits (metrics). */
  observe(observer: SendObserver): void {
    this.observers.push(observer)
  }

  stop(): void {
    this.running = false
    this.timer?.cancel()
    this.timer = undefined
  }

  setOnline(online: boolean): void {
    if (online && !this.online) {
      this.sendingSince = this.clock.now()
      // The connection is back: what was held for it goes now, not after the hold's backoff.
      this.heldUntil = 0
      this.holdLevel = 0
    }
    this.online = online
    if (online) this.wake()
  }

  get isOnline(): boolean {
    return this.online
  }

  /** Gives up the group's queued chunks (dead-lettered with `reason`); returns how many. */
  discardRoom(roomId: string, reason: string): number {
    return this.outbox.discardRoom(roomId, reason)
  }

  /** Withdraws queued chunks (see ChatOutbox.cancel); returns how many. */
  cancel(ids: readonly number[], reason: string): number {
    return this.outbox.cancel(ids, reason)
  }

  /** Chunks not yet sent (pending or in flight). */
  queueDepth(): number {
    return this.outbox.pendingCount()
  }

  /** When the next chunk could go out, or undefined when nothing is queued or sending is offline. */
  nextDueAt(): number | undefined {
    if (!this.running || !this.online) return undefined
    const notBefore = this.outbox.earliestNotBefore()
    if (notBefore === undefined) return undefined
    return Math.max(notBefore, this.earliestAllowed())
  }

  /** Resolves when no send is in progress. */
  async whenQuiet(): Promise<void> {
    while (this.pumping) await this.pumping
  }

  /**
   * Starts a pass over the queue unless one is running. The pass starts on a microtask, after the
   * caller's synchronous code: a send enqueued inside a transaction is only picked up once that
   * transaction has committed (or is not, if it rolled back).
   */
  wake(): void {
    if (!this.running || !this.online || this.pumping) return
    this.pumping = Promise.resolve()
      .then(() => this.pump())
      .catch((error) => {
        // Storage failed mid-pass (disk full, database closing): the chunk stays queued; log and
        // let the next wake try again rather than crash the process.
        this.log.error({ err: error }, 'send pass failed; queued chunks stay queued')
      })
      .finally(() => {
        this.pumping = undefined
      })
  }

  private async pump(): Promise<void> {
    while (this.running && this.online) {
      const now = this.clock.now()
      const allowedAt = this.earliestAllowed()
      if (allowedAt > now) {
        this.scheduleWake(allowedAt)
        return
      }
      const chunk = this.outbox.next(now)
      if (!chunk) {
        const later = this.outbox.earliestNotBefore()
        if (later !== undefined) this.scheduleWake(Math.max(later, now + 1))
        return
      }
      this.outbox.markSending(chunk.id)
      let outcome: SendOutcome
      try {
        await this.transport.deliver(chunk.roomId, chunk.message)
        const sentAt = this.clock.now()
        this.outbox.markSent(chunk.id, sentAt)
        this.noteSent(sentAt)
        outcome = 'sent'
      } catch (error) {
        outcome = this.handleFailure(chunk.id, chunk.attempts, error)
      }
      if (this.observers.length > 0) {
        const waited = Math.max(0, now - Math.max(chunk.notBefore, this.sendingSince))
        this.report(outcome, outcome === 'sent' ? waited : undefined)
      }
    }
  }

  /** Outside the send's try block: an observer's failure must never mark a sent chunk for retry. */
  private report(outcome: SendOutcome, waitedMs: number | undefined): void {
    for (const observer of this.observers) {
      try {
        observer.attempt?.(outcome)
        if (waitedMs !== undefined) observer.pacingWait?.(waitedMs)
      } catch (error) {
        this.log.warn({ err: error }, 'send observer failed')
      }
    }
  }

  private handleFailure(id: number, attempts: number, error: unknown): SendOutcome {
    const reason = error instanceof Error ? error.message : String(error)
    const now = this.clock.now()
    const classified = classifyConnectionError(error)
    // "Not connected" is no answer about this message: it costs no attempt, and every send waits
    // until the connection is back (the supervisor reports it, or the hold runs out). A timeout
    // while connected is an answer of sorts and counts like any other failure.
    if (!this.online || (classified.connection && !(classified.code === 'timeout' && this.online))) {
      this.outbox.markRetry(id, reason, now, false)
      if (this.online) {
        const hold = Math.min(HOLD_FIRST_MS * 2 ** this.holdLevel, HOLD_MAX_MS)
        this.holdLevel++
        this.heldUntil = now + hold
        this.log.debug({ outboxId: id, holdMs: hold, code: classified.code }, 'not connected; sends wait')
        this.transport.suspect?.()
      }
      return 'held'
    }
    if (TOO_FREQUENT.test(reason)) {
      this.breakerLevel = Math.min(this.breakerLevel + 1, 5)
      const pause = this.pacing.breakerMs * 2 ** (this.breakerLevel - 1)
      this.pausedUntil = now + pause
      this.outbox.markRetry(id, reason, now, false)
      this.log.warn({ pauseMs: pause, reason }, 'platform says sending is too frequent; pausing all sends')
      return 'throttled'
    }
    const tried = attempts + 1
    if (tried >= (this.pacing.maxAttempts ?? 5)) {
      this.outbox.markDead(id, reason, tried)
      this.log.error({ outboxId: id, attempts: tried, reason }, 'chat send failed repeatedly; dead-lettered')
      return 'dead'
    }
    const backoff = Math.min(2 ** tried * 1000, 5 * MINUTE) * (0.5 + this.random() / 2)
    this.outbox.markRetry(id, reason, now + backoff, true)
    this.log.warn(
      { outboxId: id, attempts: tried, retryInMs: Math.round(backoff), reason },
      'chat send failed; will retry',
    )
    return 'retried'
  }

  private earliestAllowed(): number {
    let at = Math.max(this.lastSentAt + this.gapMs, this.pausedUntil, this.heldUntil)
    const cutoff = this.clock.now() - MINUTE
    while (this.recentSends.length > 0 && (this.recentSends[0] ?? 0) <= cutoff) this.recentSends.shift()
    if (this.recentSends.length >= this.pacing.perMinute) {
      const oldestInWindow = this.recentSends[this.recentSends.length - this.pacing.perMinute] ?? 0
      at = Math.max(at, oldestInWindow + MINUTE)
    }
    return at
  }

  private noteSent(at: number): void {
    this.lastSentAt = at
    this.holdLevel = 0
    this.gapMs = this.drawGap()
    this.recentSends.push(at)
    if (this.breakerLevel > 0 && at >= this.pausedUntil) this.breakerLevel = 0
  }

  private drawGap(): number {
    return this.pacing.minGapMs + Math.floor(this.random() * this.pacing.jitterMs)
  }

  private scheduleWake(at: number): void {
    this.timer?.cancel()
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.wake()
    }, at - this.clock.now())
  }
}
