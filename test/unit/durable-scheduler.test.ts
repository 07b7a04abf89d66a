import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Clock, ManualClock } from '../../src/core/clock.js'
import type { Logger } from '../../src/core/logger.js'
import { type Db, openDatabase } from '../../src/db/client.js'
import { cronSchedule, onceSchedule } from '../../src/scheduler/calendar.js'
import {
  type CalendarJob,
  DurableScheduler,
  type ScheduledJob,
  type StateJob,
} from '../../src/scheduler/durable-scheduler.js'

const SH = 'Asia/Shanghai'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const WEEK = 7 * 24 * HOUR
const GRACE = 10 * MINUTE
const START = Date.UTC(2026, 10, 23, 11, 0) // Monday 19:00 in Shanghai
const MONDAY_20 = Date.UTC(2026, 10, 23, 12, 0) // Monday 20:00 in Shanghai
const WEEKLY = '0 20 * * 1'

interface LogLine {
  level: string
  obj: object | string
  msg: string | undefined
}

function recordingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg })
    }
  const log: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  }
  return { log, lines }
}

/** A calendar job that records the fire times it ran. */
function calendarJob(key: string, expr: string, run?: (fireTime: number) => Promise<void> | void) {
  const runs: number[] = []
  const job: CalendarJob = {
    kind: 'calendar',
    key,
    schedule: cronSchedule(expr, SH),
    run: (fireTime) => {
      runs.push(fireTime)
      return run?.(fireTime)
    },
  }
  return { job, runs }
}

/** A state job over a list of due times; each run handles (removes) those due at `now`. */
function stateJob(key: string, due: number[], options: { clears?: boolean; fails?: boolean } = {}) {
  const runs: number[] = []
  const job: StateJob = {
    kind: 'state',
    key,
    dueAt: () => (due.length === 0 ? undefined : Math.min(...due)),
    run: (now) => {
      runs.push(now)
      if (options.fails) throw new Error('state broke')
      if (options.clears === false) return
      for (let i = due.length - 1; i >= 0; i--) if ((due[i] ?? 0) <= now) due.splice(i, 1)
    },
  }
  return { job, runs, due }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

function jobRuns(db: Db): Array<{ job_key: string; fire_at: number; status: string; error: string | null }> {
  return db.$client
    .prepare('SELECT job_key, fire_at, status, error FROM job_runs ORDER BY job_key, fire_at')
    .all() as Array<{ job_key: string; fire_at: number; status: string; error: string | null }>
}

describe('DurableScheduler', () => {
  let db: Db
  let clock: ManualClock
  let logged: ReturnType<typeof recordingLogger>
  const schedulers: DurableScheduler[] = []

  const makeScheduler = (jobs: ScheduledJob[], on: Clock = clock, database: Db = db) => {
    const scheduler = new DurableScheduler(database, on, logged.log, { graceMs: GRACE })
    scheduler.setJobs(jobs)
    schedulers.push(scheduler)
    return scheduler
  }
  const warnings = () => logged.lines.filter((l) => l.level === 'warn')

  beforeEach(() => {
    db = openDatabase(':memory:')
    clock = new ManualClock(START)
    logged = recordingLogger()
  })
  afterEach(() => {
    for (const s of schedulers.splice(0)) s.stop()
    db.$client.close()
  })

  describe('calendar jobs', () => {
    it('does not recount the next fire time of jobs whose schedule did not change when the set grows', async () => {
      // One shared schedule, as cronSchedule gives 500 groups bound to one SOP; counted calls.
      const shared = cronSchedule(WEEKLY, SH)
      let asked = 0
      const schedule = {
        nextAfter: (t: number) => {
          asked++
          return shared.nextAfter(t)
        },
        lastAtOrBefore: shared.lastAtOrBefore,
      }
      const jobsFor = (rooms: number): ScheduledJob[] =>
        Array.from({ length: rooms }, (_, i) => ({
          kind: 'calendar' as const,
          key: `sop:room-${i}:topic:weekly`,
          schedule,
          run: () => {},
        }))
      const scheduler = makeScheduler(jobsFor(1))
      await scheduler.start()
      asked = 0
      // Groups discovered one by one: each rebind hands over the whole, slightly larger, set.
      for (let rooms = 2; rooms <= 200; rooms++) scheduler.setJobs(jobsFor(rooms))
      // One count per new job, not one per job per rebind (which would be about 20,000).
      expect(asked).toBe(199)
    })

    it('arms one clock timer at the next fire time and runs the job there, once per fire time', async () => {
      const weekly = calendarJob('sop:room:topic:weekly', WEEKLY)
      const scheduler = makeScheduler([weekly.job])
      await scheduler.start()
      expect(clock.nextTimerAt()).toBe(MONDAY_20)

      await clock.advanceTo(MONDAY_20 - 1)
      expect(weekly.runs).toEqual([])
      await clock.advanceTo(MONDAY_20)
      expect(weekly.runs).toEqual([MONDAY_20])
      expect(clock.nextTimerAt()).toBeGreaterThan(MONDAY_20)

      await clock.advance(2 * WEEK)
      expect(weekly.runs).toEqual([MONDAY_20, MONDAY_20 + WEEK, MONDAY_20 + 2 * WEEK])
      expect(jobRuns(db).map((r) => [r.fire_at, r.status])).toEqual([
        [MONDAY_20, 'done'],
        [MONDAY_20 + WEEK, 'done'],
        [MONDAY_20 + 2 * WEEK, 'done'],
      ])
      expect(scheduler.stats).toEqual({ ran: 3, skipped: 0, failed: 0, duplicatesPrevented: 0 })
    })

    it('runs several jobs in fire-time order on the one timer', async () => {
      const every5 = calendarJob('every5', '*/5 * * * *')
      const every15 = calendarJob('every15', '*/15 * * * *')
      const order: string[] = []
      every5.job.run = (t) => void order.push(`5@${(t - START) / MINUTE}`)
      every15.job.run = (t) => void order.push(`15@${(t - START) / MINUTE}`)
      await makeScheduler([every15.job, every5.job]).start()
      await clock.advance(30 * MINUTE)
      expect(order).toEqual(['5@5', '5@10', '15@15', '5@15', '5@20', '5@25', '15@30', '5@30'])
    })

    it('uses only the injected clock: no real timers or intervals', async () => {
      const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
      const setIntervalSpy = vi.spyOn(globalThis, 'setInterval')
      try {
        const every5 = calendarJob('every5', '*/5 * * * *')
        const state = stateJob('welcome', [START - MINUTE])
        const scheduler = makeScheduler([every5.job, state.job])
        await scheduler.start()
        await clock.advance(HOUR)
        scheduler.poke()
        expect(every5.runs).toHaveLength(12)
        expect(state.runs).toEqual([START])
        expect(setTimeoutSpy).not.toHaveBeenCalled()
        expect(setIntervalSpy).not.toHaveBeenCalled()
      } finally {
        setTimeoutSpy.mockRestore()
        setIntervalSpy.mockRestore()
      }
    })

    it('never runs a fire time that is already claimed, such as one left running by a crash', async () => {
      db.$client
        .prepare("INSERT INTO job_runs (job_key, fire_at, status, claimed_at) VALUES (?, ?, 'running', ?)")
        .run('weekly', MONDAY_20, MONDAY_20 - 1)
      const weekly = calendarJob('weekly', WEEKLY)
      const scheduler = makeScheduler([weekly.job])
      await scheduler.start()
      await clock.advanceTo(MONDAY_20 + WEEK)
      expect(weekly.runs).toEqual([MONDAY_20 + WEEK])
      expect(jobRuns(db).map((r) => r.status)).toEqual(['running', 'done'])
      expect(scheduler.stats.duplicatesPrevented).toBe(1)
    })

    it('records a failed run with its error, does not retry it, and keeps the timer loop going', async () => {
      let fail = true
      const weekly = calendarJob('weekly', WEEKLY, () => {
        if (fail) throw new Error('template missing')
      })
      const other = calendarJob('other', '0 20 * * *')
      const scheduler = makeScheduler([weekly.job, other.job])
      await scheduler.start()
      await clock.advanceTo(MONDAY_20 + HOUR)
      fail = false
      await clock.advanceTo(MONDAY_20 + WEEK)
      expect(weekly.runs).toEqual([MONDAY_20, MONDAY_20 + WEEK])
      expect(other.runs).toHaveLength(8)
      expect(jobRuns(db).filter((r) => r.job_key === 'weekly')).toEqual([
        { job_key: 'weekly', fire_at: MONDAY_20, status: 'failed', error: 'template missing' },
        { job_key: 'weekly', fire_at: MONDAY_20 + WEEK, status: 'done', error: null },
      ])
      expect(scheduler.stats).toMatchObject({ ran: 9, failed: 1 })
      expect(logged.lines.filter((l) => l.level === 'error')).toHaveLength(1)
    })

    it('contains a rejected promise as well as a throw', async () => {
      const weekly = calendarJob('weekly', WEEKLY, async () => {
        await Promise.resolve()
        throw new Error('async failure')
      })
      const scheduler = makeScheduler([weekly.job])
      await scheduler.start()
      await clock.advanceTo(MONDAY_20 + WEEK)
      expect(weekly.runs).toEqual([MONDAY_20, MONDAY_20 + WEEK])
      expect(jobRuns(db).map((r) => r.error)).toEqual(['async failure', 'async failure'])
      expect(scheduler.stats.failed).toBe(2)
    })

    it('when the clock jumps over several fire times, runs only the latest and records the others as skipped', async () => {
      let skew = 0
      const jumpy: Clock = { now: () => clock.now() + skew, setTimeout: (fn, ms) => clock.setTimeout(fn, ms) }
      const weekly = calendarJob('weekly', WEEKLY)
      const scheduler = makeScheduler([weekly.job], jumpy)
      await scheduler.start()
      skew = 2 * WEEK // the wall clock jumped two weeks; the armed timer still fires at 20:00
      await clock.advanceTo(clock.nextTimerAt() ?? 0)
      expect(weekly.runs).toEqual([MONDAY_20 + 2 * WEEK])
      expect(jobRuns(db).map((r) => [r.fire_at, r.status])).toEqual([
        [MONDAY_20, 'skipped'],
        [MONDAY_20 + WEEK, 'skipped'],
        [MONDAY_20 + 2 * WEEK, 'done'],
      ])
      expect(scheduler.stats).toMatchObject({ ran: 1, skipped: 2 })
      expect(warnings().map((w) => w.msg)).toEqual([
        'several fire times fell due at once; running only the latest',
      ])
      await clock.advance(WEEK)
      expect(weekly.runs).toEqual([MONDAY_20 + 2 * WEEK, MONDAY_20 + 3 * WEEK])
    })

    it('collapses fire times that fell due while a long run held the scheduler', async () => {
      const slow = deferred()
      const once: CalendarJob = {
        kind: 'calendar',
        key: 'slow',
        schedule: onceSchedule(START + MINUTE),
        run: () => slow.promise,
      }
      const every5 = calendarJob('every5', '*/5 * * * *')
      const scheduler = makeScheduler([once, every5.job])
      await scheduler.start()
      await clock.advance(MINUTE)
      await clock.advance(20 * MINUTE) // nothing fires while the slow run holds the wake
      expect(every5.runs).toEqual([])
      slow.resolve()
      await scheduler.whenIdle()
      await clock.advance(0)
      expect(every5.runs).toEqual([START + 20 * MINUTE])
      expect(jobRuns(db).filter((r) => r.status === 'skipped')).toHaveLength(3)
    })

    it('runs a one-off months ahead on time (timers are capped below the 24.8-day overflow)', async () => {
      const at = START + 60 * 24 * HOUR + 90_000
      const runs: number[] = []
      await makeScheduler([
        { kind: 'calendar', key: 'once', schedule: onceSchedule(at), run: (t) => void runs.push(t) },
      ]).start()
      expect((clock.nextTimerAt() ?? 0) - START).toBeLessThanOrEqual(HOUR)
      await clock.advanceTo(at - 1)
      expect(runs).toEqual([])
      await clock.advanceTo(at + WEEK)
      expect(runs).toEqual([at])
      expect(clock.nextTimerAt()).toBeUndefined()
    })
  })

  describe('two schedulers over one database', () => {
    it('run each fire time once between them, on overlapping ticks', async () => {
      const a = calendarJob('every5', '*/5 * * * *')
      const b = calendarJob('every5', '*/5 * * * *')
      const first = makeScheduler([a.job])
      const second = makeScheduler([b.job])
      await Promise.all([first.start(), second.start()])
      await clock.advance(HOUR)
      const all = [...a.runs, ...b.runs].sort((x, y) => x - y)
      expect(all).toEqual(Array.from({ length: 12 }, (_, i) => START + (i + 1) * 5 * MINUTE))
      expect(first.stats.ran + second.stats.ran).toBe(12)
      expect(first.stats.duplicatesPrevented + second.stats.duplicatesPrevented).toBe(12)
      expect(jobRuns(db).every((r) => r.status === 'done')).toBe(true)
    })

    it('run a missed fire time once when both start at the same moment', async () => {
      const a = calendarJob('weekly', WEEKLY)
      makeScheduler([a.job]).stop() // first seen at 19:00
      clock = new ManualClock(MONDAY_20 + 2 * MINUTE)
      const b = calendarJob('weekly', WEEKLY)
      const c = calendarJob('weekly', WEEKLY)
      await Promise.all([makeScheduler([b.job]).start(), makeScheduler([c.job]).start()])
      expect([...b.runs, ...c.runs]).toEqual([MONDAY_20])
    })
  })

  describe('setJobs', () => {
    it('stops removed jobs and starts new ones at now, without catching up earlier fire times', async () => {
      const weekly = calendarJob('weekly', WEEKLY)
      const every5 = calendarJob('every5', '*/5 * * * *')
      const scheduler = makeScheduler([weekly.job, every5.job])
      await scheduler.start()
      await clock.advance(7 * MINUTE)
      expect(every5.runs).toEqual([START + 5 * MINUTE])

      const late = calendarJob('late', '*/5 * * * *')
      const past = {
        kind: 'calendar' as const,
        key: 'past',
        schedule: onceSchedule(START + MINUTE),
        run: vi.fn(),
      }
      scheduler.setJobs([weekly.job, late.job, past])
      await clock.advanceTo(MONDAY_20)
      expect(every5.runs).toEqual([START + 5 * MINUTE])
      expect(late.runs[0]).toBe(START + 10 * MINUTE)
      expect(late.runs).toHaveLength(11) // 11:10 to 12:00
      expect(past.run).not.toHaveBeenCalled()
      expect(weekly.runs).toEqual([MONDAY_20])
    })

    it('keeps the cursor of unchanged keys, so a reload loses no fire time', async () => {
      let skew = 0
      const jumpy: Clock = { now: () => clock.now() + skew, setTimeout: (fn, ms) => clock.setTimeout(fn, ms) }
      const every5 = calendarJob('every5', '*/5 * * * *')
      const scheduler = makeScheduler([every5.job], jumpy)
      await scheduler.start()
      await clock.advance(5 * MINUTE)
      skew = 7 * MINUTE // 11:12 before the 11:10 timer had a chance to fire
      const reloaded = calendarJob('every5', '*/5 * * * *')
      scheduler.setJobs([reloaded.job])
      await clock.advance(0)
      expect(every5.runs).toEqual([START + 5 * MINUTE])
      expect(reloaded.runs).toEqual([START + 10 * MINUTE])
    })

    it('records when a calendar job was first seen and never overwrites it', async () => {
      const weekly = calendarJob('weekly', WEEKLY)
      const scheduler = makeScheduler([weekly.job])
      await clock.advance(HOUR)
      scheduler.setJobs([])
      scheduler.setJobs([weekly.job, stateJob('state', []).job])
      expect(db.$client.prepare('SELECT job_key, first_seen_at FROM job_registry').all()).toEqual([
        { job_key: 'weekly', first_seen_at: START },
      ])
    })

    it('rejects two jobs with one key', () => {
      const scheduler = makeScheduler([])
      expect(() => scheduler.setJobs([calendarJob('x', WEEKLY).job, stateJob('x', []).job])).toThrow(
        /duplicate/,
      )
    })
  })

  describe('state jobs', () => {
    it('runs a job that was due in the past at once, then re-reads its due time', async () => {
      const welcome = stateJob('welcome', [START - HOUR, START + 30 * MINUTE])
      const scheduler = makeScheduler([welcome.job])
      await scheduler.start()
      expect(clock.nextTimerAt()).toBe(START)
      await clock.advance(0)
      expect(welcome.runs).toEqual([START])
      expect(clock.nextTimerAt()).toBe(START + 30 * MINUTE)
      await clock.advance(HOUR)
      expect(welcome.runs).toEqual([START, START + 30 * MINUTE])
      expect(clock.nextTimerAt()).toBeUndefined()
      expect(jobRuns(db)).toEqual([])
    })

    it('picks up new work on poke', async () => {
      const welcome = stateJob('welcome', [])
      const scheduler = makeScheduler([welcome.job])
      await scheduler.start()
      expect(clock.nextTimerAt()).toBeUndefined()
      welcome.due.push(START + 30_000)
      scheduler.poke()
      expect(clock.nextTimerAt()).toBe(START + 30_000)
      await clock.advance(MINUTE)
      expect(welcome.runs).toEqual([START + 30_000])
    })

    it('does not spin on a job that stays due after running: waits at least 1 s and warns once', async () => {
      const stuck = stateJob('stuck', [START - MINUTE], { clears: false })
      const scheduler = makeScheduler([stuck.job])
      await scheduler.start()
      await clock.advance(2 * MINUTE)
      const gaps = stuck.runs.slice(1).map((t, i) => t - (stuck.runs[i] ?? 0))
      expect(gaps.slice(0, 4)).toEqual([1000, 2000, 4000, 8000])
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000)
      expect(Math.max(...gaps)).toBeLessThanOrEqual(60_000)
      expect(stuck.runs.length).toBeLessThan(10)
      expect(warnings()).toHaveLength(1)

      stuck.due.splice(0) // fixed: it clears now, and new work runs on time again
      stuck.due.push(clock.now() + 5000)
      scheduler.poke()
      const before = stuck.runs.length
      await clock.advance(5000)
      expect(stuck.runs.slice(before)).toEqual([clock.now()])
    })

    it('contains a throwing job, retries it with back-off, and keeps the others running', async () => {
      const broken = stateJob('broken', [START], { fails: true })
      const every5 = calendarJob('every5', '*/5 * * * *')
      const scheduler = makeScheduler([broken.job, every5.job])
      await scheduler.start()
      await clock.advance(10 * MINUTE)
      expect(every5.runs).toEqual([START + 5 * MINUTE, START + 10 * MINUTE])
      expect(broken.runs.length).toBeGreaterThan(1)
      expect(broken.runs.length).toBeLessThan(20)
      expect(scheduler.stats.failed).toBe(broken.runs.length)
    })

    it('contains a throwing dueAt', async () => {
      const bad: StateJob = {
        kind: 'state',
        key: 'bad',
        dueAt: () => {
          throw new Error('query failed')
        },
        run: vi.fn(),
      }
      const every5 = calendarJob('every5', '*/5 * * * *')
      await makeScheduler([bad, every5.job]).start()
      await clock.advance(5 * MINUTE)
      expect(every5.runs).toEqual([START + 5 * MINUTE])
      expect(bad.run).not.toHaveBeenCalled()
    })

    it('runs due calendar and state work of one wake in due-time order', async () => {
      let skew = 0
      const jumpy: Clock = { now: () => clock.now() + skew, setTimeout: (fn, ms) => clock.setTimeout(fn, ms) }
      const order: string[] = []
      const every5 = calendarJob('every5', '*/5 * * * *', () => void order.push('calendar@11:05'))
      const welcome = stateJob('welcome', [START + 3 * MINUTE])
      const close = stateJob('close', [START + 6 * MINUTE])
      welcome.job.run = () => void order.push('welcome@11:03')
      close.job.run = () => void order.push('close@11:06')
      await makeScheduler([close.job, every5.job, welcome.job], jumpy).start()
      skew = 4 * MINUTE // the 11:03 timer wakes at 11:07
      await clock.advanceTo(clock.nextTimerAt() ?? 0)
      expect(order).toEqual(['welcome@11:03', 'calendar@11:05', 'close@11:06'])
    })
  })

  describe('stop', () => {
    it('lets a run in progress finish and starts nothing after it', async () => {
      const slow = deferred()
      const first = calendarJob('a', '*/5 * * * *', () => slow.promise)
      const second = calendarJob('b', '*/5 * * * *')
      const scheduler = makeScheduler([first.job, second.job])
      await scheduler.start()
      await clock.advance(5 * MINUTE)
      scheduler.stop()
      slow.resolve()
      await scheduler.whenIdle()
      await clock.advance(HOUR)
      expect(first.runs).toEqual([START + 5 * MINUTE])
      expect(second.runs).toEqual([])
      expect(clock.nextTimerAt()).toBeUndefined()
      expect(jobRuns(db).map((r) => [r.job_key, r.status])).toEqual([['a', 'done']])
    })
  })
})

describe('DurableScheduler across a restart', () => {
  let dir: string
  let file: string
  const logged = recordingLogger()

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-scheduler-'))
    file = join(dir, 'qunbot.db')
    logged.lines.length = 0
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  /** Runs a scheduler over the file from `now` until `until`, then stops it and closes the db. */
  async function runProcess(now: number, until: number, keys = ['weekly']) {
    const db = openDatabase(file)
    const clock = new ManualClock(now)
    const jobs = keys.map((key) => calendarJob(key, WEEKLY))
    const scheduler = new DurableScheduler(db, clock, logged.log, { graceMs: GRACE })
    scheduler.setJobs(jobs.map((j) => j.job))
    await scheduler.start()
    await clock.advanceTo(until)
    scheduler.stop()
    const rows = jobRuns(db)
    db.$client.close()
    return { runs: jobs.flatMap((j) => j.runs), rows, stats: scheduler.stats }
  }

  it('runs a fire time missed while down once, if it is within the grace period', async () => {
    await runProcess(START, MONDAY_20 - HOUR / 2) // stopped at 19:30, before the 20:00 topic
    const restarted = await runProcess(MONDAY_20 + 9 * MINUTE, MONDAY_20 + HOUR)
    expect(restarted.runs).toEqual([MONDAY_20])
    expect(restarted.rows.map((r) => [r.fire_at, r.status])).toEqual([[MONDAY_20, 'done']])
    // Restarting again, still within grace, does not run it a second time.
    const again = await runProcess(MONDAY_20 + 10 * MINUTE, MONDAY_20 + HOUR)
    expect(again.runs).toEqual([])
    expect(again.stats.duplicatesPrevented).toBe(0)
  })

  it('records a fire time missed beyond the grace period as skipped and does not run it', async () => {
    await runProcess(START, MONDAY_20 - HOUR / 2)
    const restarted = await runProcess(MONDAY_20 + GRACE + 1, MONDAY_20 + HOUR)
    expect(restarted.runs).toEqual([])
    expect(restarted.rows.map((r) => [r.fire_at, r.status])).toEqual([[MONDAY_20, 'skipped']])
    expect(restarted.stats.skipped).toBe(1)
    const missed = logged.lines.filter((l) => l.msg === 'missed run beyond grace')
    expect(missed.map((l) => l.obj)).toEqual([
      { key: 'weekly', fireAt: new Date(MONDAY_20).toISOString(), graceMs: GRACE },
    ])
    // The next fire time runs normally.
    const later = await runProcess(MONDAY_20 + HOUR, MONDAY_20 + WEEK)
    expect(later.runs).toEqual([MONDAY_20 + WEEK])
  })

  it('does not catch up a fire time from before the job was first seen', async () => {
    await runProcess(START, MONDAY_20 - HOUR / 2)
    // "new" first appears at 20:01, just after a fire time it would have had.
    await runProcess(MONDAY_20 + MINUTE, MONDAY_20 + MINUTE, ['weekly', 'new'])
    const restarted = await runProcess(MONDAY_20 + 2 * MINUTE, MONDAY_20 + HOUR, ['weekly', 'new'])
    expect(restarted.rows.map((r) => r.job_key)).toEqual(['weekly'])
  })

  it('never repeats a run that crashed mid-way', async () => {
    await runProcess(START, MONDAY_20 - HOUR / 2)
    const db = openDatabase(file)
    db.$client
      .prepare(
        "INSERT INTO job_runs (job_key, fire_at, status, claimed_at) VALUES ('weekly', ?, 'running', ?)",
      )
      .run(MONDAY_20, MONDAY_20)
    db.$client.close()
    const restarted = await runProcess(MONDAY_20 + MINUTE, MONDAY_20 + HOUR)
    expect(restarted.runs).toEqual([])
    expect(restarted.rows.map((r) => r.status)).toEqual(['running'])
  })
})
