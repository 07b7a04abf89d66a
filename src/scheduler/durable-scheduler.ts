import type { Statement } from 'better-sqlite3'
import type { Clock, TimerHandle } from '../core/clock.js'
import type { CalendarJob, ScheduledJob, StateJob } from '../core/jobs.js'
import type { Logger } from '../core/logger.js'
import { maskPersonalData } from '../core/mask.js'
import type { Db } from '../db/client.js'

export type { CalendarJob, ScheduledJob, StateJob } from '../core/jobs.js'

/** Options of {@link DurableScheduler}. */
export interface SchedulerOptions {
  /** How late a calendar fire time missed while the process was down may still run at start. */
  graceMs: number
}

// Node's timers overflow past 2^31 ms (24.8 days) and then fire at once, and a long timer arrives
// late by however long the host slept; waking at least hourly bounds both.
const MAX_TIMER_MS = 3_600_000
// A state job that stays due after running is retried after 1 s, doubling up to a minute.
const STUCK_RETRY_MS = 1000
const STUCK_RETRY_MAX_MS = 60_000
// Skipped fire times written (and logged) per job and wake, however far the clock jumped.
const MAX_SKIPPED_RECORDED = 100

interface CalendarEntry {
  kind: 'calendar'
  job: CalendarJob
  /** Fire times at or before this have been handled (run, skipped, or before the job existed). */
  cursor: number
  /** nextAfter(cursor), cached because every arm() asks for it. */
  next?: { from: number; at: number | undefined }
}

interface StateEntry {
  kind: 'state'
  job: StateJob
  lastRunAt?: number
  /** Consecutive runs after which the job was still due: drives the back-off. */
  stuck: number
  warned: boolean
}

type Entry = CalendarEntry | StateEntry

type DueItem =
  | { kind: 'calendar'; at: number; entry: CalendarEntry; skipped: number[] }
  | { kind: 'state'; at: number; entry: StateEntry; repeat: boolean }

const iso = (t: number) => new Date(t).toISOString()
/** A failed run's error as stored in job_runs: it can quote what a member wrote, so it is masked. */
const errorText = (error: unknown) => maskPersonalData(error instanceof Error ? error.message : String(error))

/**
 * Runs calendar jobs (cron, one-off) and state jobs (due times read from stored state) on one
 * timer of the injected {@link Clock}. Every calendar fire time is claimed in `job_runs` before it
 * runs, so it runs at most once ever, across crashes, restarts and concurrent schedulers.
 *
 * A jump over several fire times of one job runs only the latest and records the others as
 * `skipped`. At start, a fire time missed while the process was down runs if it is at most
 * `graceMs` old and after the job was first seen; an older one is recorded as `skipped`.
 */
export class DurableScheduler {
  /** Counters for tests and metrics. `ran` and `failed` count calendar and state runs alike. */
  readonly stats = { ran: 0, skipped: 0, failed: 0, duplicatesPrevented: 0 }
  private entries = new Map<string, Entry>()
  private timer: TimerHandle | undefined
  private busy: Promise<void> | undefined
  private started = false
  private stopped = false
  private readonly q: Record<'register' | 'firstSeen' | 'hasRun' | 'claim' | 'skip' | 'finish', Statement>
  private readonly registerAll: (keys: string[], now: number) => void

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SchedulerOptions,
  ) {
    const sqlite = db.$client
    this.q = {
      register: sqlite.prepare('INSERT OR IGNORE INTO job_registry (job_key, first_seen_at) VALUES (?, ?)'),
      firstSeen: sqlite.prepare('SELECT first_seen_at FROM job_registry WHERE job_key = ?').pluck(),
      hasRun: sqlite.prepare('SELECT 1 FROM job_runs WHERE job_key = ? AND fire_at = ?').pluck(),
      claim: sqlite.prepare(
        "INSERT OR IGNORE INTO job_runs (job_key, fire_at, status, claimed_at) VALUES (?, ?, 'running', ?)",
      ),
      skip: sqlite.prepare(
        "INSERT OR IGNORE INTO job_runs (job_key, fire_at, status, claimed_at, finished_at) VALUES (?, ?, 'skipped', ?, ?)",
      ),
      finish: sqlite.prepare(
        'UPDATE job_runs SET status = ?, finished_at = ?, error = ? WHERE job_key = ? AND fire_at = ?',
      ),
    }
    this.registerAll = sqlite.transaction((keys: string[], now: number) => {
      for (const key of keys) this.q.register.run(key, now)
    })
  }

  /**
   * Replaces the job set (content reload, group binding change). Kept keys keep their cursor;
   * new calendar jobs start at now (no catch-up) and are recorded in `job_registry` the first
   * time they are ever seen; removed jobs stop. Throws on a duplicate key.
   */
  setJobs(jobs: ScheduledJob[]): void {
    const now = this.clock.now()
    const entries = new Map<string, Entry>()
    for (const job of jobs) {
      if (entries.has(job.key)) throw new Error(`duplicate scheduled job key "${job.key}"`)
      const old = this.entries.get(job.key)
      if (job.kind === 'calendar') {
        const entry: CalendarEntry = old?.kind === 'calendar' ? old : { kind: 'calendar', job, cursor: now }
        // The same schedule (cronSchedule shares them) keeps its next fire time: a rebind for
        // one new group must not recount every other group's.
        if (entry.job.schedule !== job.schedule) entry.next = undefined
        entry.job = job
        entries.set(job.key, entry)
      } else {
        const entry: StateEntry =
          old?.kind === 'state' ? old : { kind: 'state', job, stuck: 0, warned: false }
        entry.job = job
        entries.set(job.key, entry)
      }
    }
    this.registerAll(
      jobs.filter((j) => j.kind === 'calendar' && !this.entries.has(j.key)).map((j) => j.key),
      now,
    )
    this.entries = entries
    this.arm()
  }

  /** Applies the missed-run policy, then starts the timer. Call once, after the first setJobs. */
  async start(): Promise<void> {
    if (this.started || this.stopped) return
    this.started = true
    const now = this.clock.now()
    const missed: Array<{ job: CalendarJob; at: number }> = []
    for (const entry of this.entries.values()) {
      if (entry.kind !== 'calendar') continue
      entry.cursor = now
      entry.next = undefined
      const key = entry.job.key
      const last = this.attempt(key, () => entry.job.schedule.lastAtOrBefore(now))
      const firstSeen = this.q.firstSeen.get(key) as number | undefined
      if (last === undefined || firstSeen === undefined || last <= firstSeen) continue
      if (this.q.hasRun.get(key, last) !== undefined) continue
      if (now - last <= this.options.graceMs) {
        missed.push({ job: entry.job, at: last })
      } else if (this.skip(key, [last]) > 0) {
        this.log.warn({ key, fireAt: iso(last), graceMs: this.options.graceMs }, 'missed run beyond grace')
      }
    }
    missed.sort((a, b) => a.at - b.at)
    await this.exclusive(async () => {
      for (const { job, at } of missed) {
        if (this.stopped) break
        this.log.info({ key: job.key, fireAt: iso(at) }, 'running a fire time missed while stopped')
        await this.runCalendar(job, at)
      }
    })
  }

  /** Stops the timer. A run in progress finishes; nothing starts after it. */
  stop(): void {
    this.stopped = true
    this.timer?.cancel()
    this.timer = undefined
  }

  /** Re-reads the state jobs' due times; call after their state changed (e.g. a join was queued). */
  poke(): void {
    this.arm()
  }

  /** Resolves when the runs in progress, if any, have finished. */
  async whenIdle(): Promise<void> {
    while (this.busy) await this.busy
  }

  private arm(): void {
    this.timer?.cancel()
    this.timer = undefined
    // While busy, the running wake re-arms when it ends, with fresher due times.
    if (!this.started || this.stopped || this.busy) return
    let earliest: number | undefined
    for (const entry of this.entries.values()) {
      const at = entry.kind === 'calendar' ? this.nextFire(entry) : this.stateDue(entry)?.at
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at
    }
    if (earliest === undefined) return
    const delay = Math.min(Math.max(0, earliest - this.clock.now()), MAX_TIMER_MS)
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      if (!this.busy) void this.exclusive(() => this.runDue())
    }, delay)
  }

  /** Runs `work` as the only wake in progress, then re-arms whatever happened inside. */
  private exclusive(work: () => Promise<void>): Promise<void> {
    const done = work()
      .catch((error: unknown) => this.log.error({ err: error }, 'scheduler wake failed'))
      .finally(() => {
        this.busy = undefined
        this.arm()
      })
    this.busy = done
    return done
  }

  private async runDue(): Promise<void> {
    const now = this.clock.now()
    const due: DueItem[] = []
    for (const entry of this.entries.values()) {
      if (entry.kind === 'calendar') {
        const first = this.nextFire(entry)
        if (first === undefined || first > now) continue
        const { key, schedule } = entry.job
        const latest = Math.max(first, this.attempt(key, () => schedule.lastAtOrBefore(now)) ?? first)
        const skipped: number[] = []
        let t: number | undefined = first
        while (t !== undefined && t < latest && skipped.length < MAX_SKIPPED_RECORDED) {
          const from: number = t
          skipped.push(from)
          t = this.attempt(key, () => schedule.nextAfter(from))
        }
        entry.cursor = now
        due.push({ kind: 'calendar', at: latest, entry, skipped })
      } else {
        const stateDue = this.stateDue(entry)
        if (stateDue && stateDue.at <= now) due.push({ kind: 'state', entry, ...stateDue })
      }
    }
    due.sort((a, b) => a.at - b.at)
    for (const item of due) {
      // A reload or stop while an earlier job ran wins over what was due when this wake began.
      if (this.stopped || this.entries.get(item.entry.job.key) !== item.entry) continue
      if (item.kind === 'calendar') {
        if (item.skipped.length > 0) {
          const key = item.entry.job.key
          this.skip(key, item.skipped)
          this.log.warn(
            { key, skipped: item.skipped.map(iso), running: iso(item.at) },
            'several fire times fell due at once; running only the latest',
          )
        }
        const lateBy = this.clock.now() - item.at
        if (lateBy > this.options.graceMs) {
          // The wake came far too late (host asleep, VM paused, clock stepped): a morning post at
          // 3 am is worse than none, so the same grace rule as for missed runs at start applies.
          this.skip(item.entry.job.key, [item.at])
          this.log.warn(
            { key: item.entry.job.key, fireAt: iso(item.at), lateBy },
            'fire time reached beyond grace; skipped',
          )
          continue
        }
        await this.runCalendar(item.entry.job, item.at)
      } else {
        await this.runState(item.entry, item.repeat)
      }
    }
  }

  private async runCalendar(job: CalendarJob, fireTime: number): Promise<void> {
    if (this.q.claim.run(job.key, fireTime, this.clock.now()).changes === 0) {
      this.stats.duplicatesPrevented++
      this.log.debug({ key: job.key, fireAt: iso(fireTime) }, 'fire time already claimed')
      return
    }
    let failure: unknown
    let failed = false
    try {
      await job.run(fireTime)
    } catch (error) {
      failed = true
      failure = error
    }
    const error = failed ? errorText(failure) : null
    this.q.finish.run(failed ? 'failed' : 'done', this.clock.now(), error, job.key, fireTime)
    if (failed) {
      this.stats.failed++
      this.log.error(
        { key: job.key, fireAt: iso(fireTime), err: failure },
        'scheduled job failed; not retried',
      )
    } else {
      this.stats.ran++
    }
  }

  private async runState(entry: StateEntry, repeat: boolean): Promise<void> {
    const now = this.clock.now()
    entry.stuck = repeat ? entry.stuck + 1 : 0
    entry.lastRunAt = now
    try {
      await entry.job.run(now)
      this.stats.ran++
    } catch (error) {
      this.stats.failed++
      this.log.error({ key: entry.job.key, err: error }, 'state job failed')
    }
  }

  /** The first fire time after the cursor; a schedule that answers at or before it is ignored. */
  private nextFire(entry: CalendarEntry): number | undefined {
    if (entry.next?.from !== entry.cursor) {
      const at = this.attempt(entry.job.key, () => entry.job.schedule.nextAfter(entry.cursor))
      entry.next = { from: entry.cursor, at: at !== undefined && at > entry.cursor ? at : undefined }
    }
    return entry.next.at
  }

  /**
   * When the state job should run next. Work still due at or before its last run means the run did
   * not clear it (a bug or a failure): that is a `repeat`, retried with back-off instead of
   * spinning on 0 ms timers.
   */
  private stateDue(entry: StateEntry): { at: number; repeat: boolean } | undefined {
    const at = this.attempt(entry.job.key, () => entry.job.dueAt())
    if (at === undefined) return undefined
    if (entry.lastRunAt === undefined || at > entry.lastRunAt) return { at, repeat: false }
    if (!entry.warned) {
      entry.warned = true
      this.log.warn({ key: entry.job.key }, 'state job is still due after running; retrying with back-off')
    }
    const wait = Math.min(STUCK_RETRY_MS * 2 ** entry.stuck, STUCK_RETRY_MAX_MS)
    return { at: Math.max(at, entry.lastRunAt + wait), repeat: true }
  }

  /** Records fire times as skipped (unless already claimed); returns how many were recorded. */
  private skip(key: string, times: number[]): number {
    const now = this.clock.now()
    let recorded = 0
    for (const t of times) recorded += this.q.skip.run(key, t, now, now).changes
    this.stats.skipped += recorded
    return recorded
  }

  /** Schedules and due times are caller code: a throwing one must not stop the other jobs. */
  private attempt<T>(key: string, fn: () => T): T | undefined {
    try {
      return fn()
    } catch (error) {
      this.log.error({ key, err: error }, 'scheduled job could not compute its time')
      return undefined
    }
  }
}
