import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { type Db, openDatabase } from '../../src/db/client.js'
import { ActivityRecorder } from '../../src/features/analytics/activity-recorder.js'
import { AnalyticsService, type Overview } from '../../src/features/analytics/analytics-service.js'
import { DayIndex } from '../../src/features/analytics/day-index.js'
import { createMetricsRepository } from '../../src/features/analytics/metrics-repository.js'

/**
 * The figures of docs/metrics.md on hand-made fixtures in a real SQLite file. Every expected
 * number is worked out in the comments from the fixture, not by running the queries.
 */

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const SH = 'Asia/Shanghai'
const G1 = 'g1@chatroom'
const G2 = 'g2@chatroom'

/** A wall-clock time in Shanghai (UTC+8 all year) as epoch ms. */
const sh = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) =>
  Date.UTC(y, mo - 1, d, h - 8, mi, s, ms)
const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi)
const day = (date: string) => DayIndex.parse(date)

interface World {
  dir: string
  db: Db
  clock: ManualClock
  recorder: ActivityRecorder
  service: AnalyticsService
  run(text: string, ...params: unknown[]): void
  close(): void
}

function openWorld(timeZone: string, now: number): World {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-analytics-'))
  const db = openDatabase(join(dir, 'qunbot.sqlite'))
  const clock = new ManualClock(now)
  // A long delay: the test flushes by hand, so the timer never writes on its own.
  const recorder = new ActivityRecorder(db, new DayIndex(timeZone), 3_600_000, (error) => {
    throw error
  })
  const service = new AnalyticsService(createMetricsRepository(db), clock, timeZone)
  const run = (text: string, ...params: unknown[]) => {
    db.$client.prepare(text).run(...params)
  }
  run("INSERT INTO rooms (id, topic, first_seen_at, updated_at) VALUES (?, '一群', 0, 0)", G1)
  run("INSERT INTO rooms (id, topic, first_seen_at, updated_at) VALUES (?, '二群', 0, 0)", G2)
  return {
    dir,
    db,
    clock,
    recorder,
    service,
    run,
    close() {
      recorder.flush()
      db.$client.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

it('the test helper sh() is Shanghai wall-clock time', () => {
  expect(sh(2026, 1, 31, 23, 50)).toBe(utc(2026, 1, 31, 15, 50))
  expect(sh(2026, 2, 1, 0, 10)).toBe(utc(2026, 1, 31, 16, 10))
  expect(sh(2026, 2, 2, 7, 59)).toBe(utc(2026, 2, 1, 23, 59))
})

/**
 * Retention across the January/February month end, the same joins and messages recorded once with
 * days in Asia/Shanghai and once in UTC. Range 2026-01-31 .. 2026-02-07, "now" 2026-03-05 12:00
 * Shanghai = 04:00 UTC, so today is 2026-03-05 in both zones.
 */
describe('retention across a month end, Shanghai versus UTC', () => {
  const NOW = sh(2026, 3, 5, 12) // = 2026-03-05 04:00 UTC
  const FROM = '2026-01-31'
  const TO = '2026-02-07'
  let shanghai: World
  let utcWorld: World

  /** The one history both worlds record, each through its own recorder (and so its own days). */
  function record(w: World) {
    const join = (room: string, m: string, at: number) => w.recorder.memberEvent(room, m, 'join', at)
    const leave = (room: string, m: string, at: number) => w.recorder.memberEvent(room, m, 'leave', at)
    const say = (room: string, m: string, at: number) => w.recorder.message(room, m, at)

    // A joins 2026-01-31 23:50 Shanghai (15:50 UTC); posts 2026-02-01 00:10 Shanghai (= 2026-01-31 16:10 UTC).
    join(G1, 'A', sh(2026, 1, 31, 23, 50))
    say(G1, 'A', sh(2026, 2, 1, 0, 10))
    // B joins 2026-01-31 20:00 Shanghai (12:00 UTC); posts 2026-02-01 23:59 UTC (= 2026-02-02 07:59 Shanghai).
    join(G1, 'B', sh(2026, 1, 31, 20))
    say(G1, 'B', utc(2026, 2, 1, 23, 59))
    // C joins 2026-02-01 10:00 Shanghai (02:00 UTC); posts in the OTHER group on 2026-02-02 12:00
    // Shanghai (04:00 UTC), in G1 on 2026-02-08 09:00 Shanghai (01:00 UTC) and on 2026-03-03 12:00
    // Shanghai (04:00 UTC).
    join(G1, 'C', sh(2026, 2, 1, 10))
    say(G2, 'C', sh(2026, 2, 2, 12))
    say(G1, 'C', sh(2026, 2, 8, 9))
    say(G1, 'C', sh(2026, 3, 3, 12))
    // D joins 2026-02-02 09:00 Shanghai (01:00 UTC), leaves at 10:00 (02:00 UTC) and joins again at
    // 18:00 (10:00 UTC): two joins on one day in both zones. Posts 2026-02-03 12:00 Shanghai (04:00 UTC).
    join(G1, 'D', sh(2026, 2, 2, 9))
    leave(G1, 'D', sh(2026, 2, 2, 10))
    join(G1, 'D', sh(2026, 2, 2, 18))
    say(G1, 'D', sh(2026, 2, 3, 12))
    // E joins 2026-02-06 12:00 Shanghai (04:00 UTC): day 30 is 2026-03-08, after today (03-05).
    join(G1, 'E', sh(2026, 2, 6, 12))
    // F joins G2 2026-02-03 08:00 Shanghai (00:00 UTC); posts 2026-02-04 08:30 Shanghai (00:30 UTC).
    // Day 30 after 2026-02-03 is 2026-03-05 = today: it has come (day + N <= today).
    join(G2, 'F', sh(2026, 2, 3, 8))
    say(G2, 'F', sh(2026, 2, 4, 8, 30))
    // I joins 2026-01-31 07:00 Shanghai = 2026-01-30 23:00 UTC, and never posts.
    join(G1, 'I', sh(2026, 1, 31, 7))
    // G joins 2026-01-20 (long before the range) and posts the next day: never in the cohort.
    join(G1, 'G', sh(2026, 1, 20, 10))
    say(G1, 'G', sh(2026, 1, 21, 10))
    w.recorder.flush()
  }

  beforeAll(() => {
    shanghai = openWorld(SH, NOW)
    utcWorld = openWorld('UTC', NOW)
    record(shanghai)
    record(utcWorld)
  })
  afterAll(() => {
    shanghai.close()
    utcWorld.close()
  })

  const retention = (w: World, room: string | null = null) =>
    w.service.overview(w.service.range(FROM, TO, room)).retention

  it('buckets by the Shanghai day: a message at 00:10 Shanghai is day 1, one at 07:59 the next day is day 2', () => {
    const rows = shanghai.db.$client
      .prepare("SELECT member_id AS m, day FROM activity_days WHERE member_id IN ('A', 'B') ORDER BY m")
      .all()
    expect(rows).toEqual([
      { m: 'A', day: day('2026-02-01') },
      { m: 'B', day: day('2026-02-02') },
    ])
    const joins = shanghai.db.$client
      .prepare("SELECT member_id AS m, day FROM member_events WHERE member_id IN ('A', 'B', 'I') ORDER BY m")
      .all()
    expect(joins).toEqual([
      { m: 'A', day: day('2026-01-31') },
      { m: 'B', day: day('2026-01-31') },
      { m: 'I', day: day('2026-01-31') },
    ])
  })

  it('D1, D7 and D30 in Asia/Shanghai', () => {
    // Cohort (joins on 01-31 .. 02-07, one per member, group and day):
    //   G1: A 01-31, B 01-31, I 01-31, C 02-01, D 02-02 (joined twice: once), E 02-06; G2: F 02-03.
    //   G (01-20) is outside the range. That is 7.
    // D1 (every day 1 is <= today 03-05, so all 7):
    //   A: day 1 = 02-01, posted 02-01 00:10 -> retained.
    //   B: day 1 = 02-01, posted only on 02-02 (07:59 Shanghai) -> no.
    //   C: day 1 = 02-02, posted that day but in G2, not G1 -> no.
    //   D: day 1 = 02-03, posted -> retained.   E: 02-07, nothing -> no.
    //   F: day 1 = 02-04, posted in G2 -> retained.   I: nothing -> no.
    //   3 of 7.
    // D7 (all 7 have come; E's is 02-13): only C posted on exactly day 7 (02-01 + 7 = 02-08) -> 1 of 7.
    // D30: E's day 30 is 03-08 > 03-05, out -> cohort 6. F's day 30 is 03-05 = today: in.
    //   C: 02-01 + 30 = 03-03 (Feb has 28 days), posted -> retained. 1 of 6.
    expect(retention(shanghai)).toEqual({
      d1: { cohort: 7, retained: 3, rate: 3 / 7 },
      d7: { cohort: 7, retained: 1, rate: 1 / 7 },
      d30: { cohort: 6, retained: 1, rate: 1 / 6 },
    })
  })

  it('D1, D7 and D30 of the same events with days in UTC', () => {
    // Days in UTC:
    //   A joins 01-31 (15:50), posts 01-31 (16:10): day 0, not day 1.
    //   B joins 01-31 (12:00), posts 02-01 (23:59): day 1 -> retained.
    //   C joins 02-01 (02:00), G2 post 02-02, G1 posts 02-08 (01:00) = day 7 and 03-03 (04:00) = day 30.
    //   D joins 02-02 (01:00 and 10:00, one cohort member), posts 02-03 (04:00): day 1 -> retained.
    //   E joins 02-06 (04:00); F joins G2 02-03 (00:00), posts 02-04 (00:30): day 1 -> retained.
    //   I joins 2026-01-30 23:00 UTC: before the range, not in the cohort.
    // Cohort D1 = A, B, C, D, E, F = 6; retained B, D, F = 3 -> 0.5.
    // D7: 6, retained C -> 1/6.  D30: E out (03-08 > 03-05) -> 5, retained C -> 1/5.
    expect(retention(utcWorld)).toEqual({
      d1: { cohort: 6, retained: 3, rate: 0.5 },
      d7: { cohort: 6, retained: 1, rate: 1 / 6 },
      d30: { cohort: 5, retained: 1, rate: 0.2 },
    })
  })

  it('one group only', () => {
    // Shanghai, G1: A, B, I, C, D, E = 6. D1 retained A, D = 2. D7: C = 1. D30: without E 5, C = 1.
    expect(retention(shanghai, G1)).toEqual({
      d1: { cohort: 6, retained: 2, rate: 2 / 6 },
      d7: { cohort: 6, retained: 1, rate: 1 / 6 },
      d30: { cohort: 5, retained: 1, rate: 1 / 5 },
    })
    // Shanghai, G2: F only. D1 retained (02-04). D7 (02-10) nothing. D30 = 03-05 = today: cohort 1, 0.
    // C's post in G2 makes C no member of G2's cohort (C never joined G2).
    expect(retention(shanghai, G2)).toEqual({
      d1: { cohort: 1, retained: 1, rate: 1 },
      d7: { cohort: 1, retained: 0, rate: 0 },
      d30: { cohort: 1, retained: 0, rate: 0 },
    })
  })

  it('leaves out cohort members whose day N has not come yet', () => {
    // The same data seen at 2026-02-07 20:00 Shanghai (12:00 UTC): today is 02-07.
    const earlier = new AnalyticsService(
      createMetricsRepository(shanghai.db),
      new ManualClock(sh(2026, 2, 7, 20)),
      SH,
    )
    // D1: day 1 <= 02-07 for joins up to 02-06: still all 7 (E joined 02-06, day 1 = 02-07); 3 retained.
    // D7: day 7 <= 02-07 needs a join on or before 01-31: A, B, I -> 3; none posted on 02-07 -> 0.
    // D30: none has come -> cohort 0, rate null.
    expect(earlier.overview(earlier.range(FROM, TO, null)).retention).toEqual({
      d1: { cohort: 7, retained: 3, rate: 3 / 7 },
      d7: { cohort: 3, retained: 0, rate: 0 },
      d30: { cohort: 0, retained: 0, rate: null },
    })
  })

  it('counts day N as the next calendar day across a DST change (America/New_York)', () => {
    const ny = openWorld('America/New_York', utc(2026, 4, 1))
    try {
      // Joins 2026-03-07 23:30 EST (= 03-08 04:30 UTC); posts 2026-03-08 23:30 EDT (= 03-09 03:30 UTC),
      // 24 hours minus the skipped hour later, on the next local day: day 1.
      ny.recorder.memberEvent(G1, 'N1', 'join', utc(2026, 3, 8, 4, 30))
      ny.recorder.message(G1, 'N1', utc(2026, 3, 9, 3, 30))
      // Joins 2026-03-08 00:30 EST (05:30 UTC); posts 2026-03-09 00:30 EDT (04:30 UTC), 23 hours later:
      // still day 1 (a 24-hour step would say day 0).
      ny.recorder.memberEvent(G1, 'N2', 'join', utc(2026, 3, 8, 5, 30))
      ny.recorder.message(G1, 'N2', utc(2026, 3, 9, 4, 30))
      // Joins 2026-03-07 01:00 EST (06:00 UTC); posts 2026-03-09 00:01 EDT (04:01 UTC), 46 hours later
      // but on local day 03-09: day 2, not day 1.
      ny.recorder.memberEvent(G1, 'N3', 'join', utc(2026, 3, 7, 6))
      ny.recorder.message(G1, 'N3', utc(2026, 3, 9, 4, 1))
      ny.recorder.flush()
      // Cohort 2026-03-07 .. 03-08: N1 (03-07), N2 (03-08), N3 (03-07) -> 3; retained N1, N2.
      const r = ny.service.overview(ny.service.range('2026-03-07', '2026-03-08', null)).retention
      expect(r.d1).toEqual({ cohort: 3, retained: 2, rate: 2 / 3 })
    } finally {
      ny.close()
    }
  })
})

/**
 * The other figures on one Shanghai fixture. "Now" is 2026-03-04 20:00 Shanghai, so the default
 * range is the 7 days 2026-02-26 .. 2026-03-04, across the February/March month end (2026 is a
 * common year). In ms that is [2026-02-26 00:00 Shanghai, 2026-03-05 00:00 Shanghai) =
 * [2026-02-25 16:00 UTC, 2026-03-04 16:00 UTC).
 *
 * Memberships now: G1 a, b, c, f (d and x left); G2 a, e. 6 in all, 4 in G1, 2 in G2.
 */
describe('figures for a range across the February/March month end', () => {
  const NOW = sh(2026, 3, 4, 20)
  let w: World
  let all: Overview
  let g1: Overview
  let g2: Overview

  beforeAll(() => {
    w = openWorld(SH, NOW)
    const { run, recorder } = w
    const member = (room: string, id: string, leftAt: number | null = null) =>
      run(
        'INSERT INTO members (room_id, member_id, name, joined_at, left_at) VALUES (?, ?, ?, NULL, ?)',
        room,
        id,
        `name-${id}`,
        leftAt,
      )
    for (const id of ['a', 'b', 'c', 'f']) member(G1, id)
    member(G1, 'd', sh(2026, 3, 2, 9))
    member(G1, 'x', sh(2026, 2, 26, 7))
    member(G2, 'a')
    member(G2, 'e')

    // Joins and leaves (days in Shanghai):
    recorder.memberEvent(G1, 'x', 'join', sh(2026, 2, 25, 22)) // 02-25: before the range
    recorder.memberEvent(G1, 'x', 'leave', sh(2026, 2, 26, 7)) // 02-26
    recorder.memberEvent(G1, 'd', 'join', sh(2026, 2, 26, 8)) // 02-26
    recorder.memberEvent(G1, 'f', 'join', sh(2026, 2, 28, 23, 50)) // 02-28 (15:50 UTC)
    recorder.memberEvent(G2, 'e', 'join', sh(2026, 3, 1, 0, 5)) // 03-01 (= 02-28 16:05 UTC)
    recorder.memberEvent(G1, 'd', 'leave', sh(2026, 3, 2, 9)) // 03-02

    // Messages, flushed in two batches: the second adds to the rows of the first.
    const say = (room: string, id: string, at: number, times = 1) => {
      for (let i = 0; i < times; i++) recorder.message(room, id, at + i * 1000)
    }
    say(G1, 'c', sh(2026, 2, 25, 23, 59)) // 02-25: before the range
    say(G1, 'a', sh(2026, 2, 26, 9), 2) // 02-26
    say(G1, 'd', sh(2026, 2, 27, 12)) // 02-27 (d left later: still active that day)
    say(G1, 'a', sh(2026, 2, 28, 23, 30)) // 02-28 (15:30 UTC)
    recorder.flush()
    say(G1, 'a', sh(2026, 3, 1, 0, 30)) // 03-01 (= 02-28 16:30 UTC)
    say(G1, 'b', sh(2026, 3, 1, 10), 3) // 03-01
    say(G2, 'a', sh(2026, 3, 1, 11)) // 03-01, the same person in the other group
    say(G1, 'b', sh(2026, 3, 4, 8)) // 03-04
    say(G2, 'e', sh(2026, 3, 4, 19), 2) // 03-04
    say(G1, 'a', sh(2026, 2, 26, 9, 30)) // 02-26 again: same row as the first batch's
    recorder.flush()

    // Newcomer periods (SOP). Range start in ms is 2026-02-25 16:00 UTC.
    const newcomer = (room: string, id: string, joinedAt: number, status: string) =>
      run(
        "INSERT INTO sop_newcomers (room_id, member_id, name, sop_name, joined_at, expires_at, status) VALUES (?, ?, ?, 'sop', ?, ?, ?)",
        room,
        id,
        id,
        joinedAt,
        joinedAt + 72 * HOUR,
        status,
      )
    const done = (room: string, id: string, task: string, at: number) =>
      run(
        "INSERT INTO sop_task_completions (room_id, member_id, task_id, done_at, via) VALUES (?, ?, ?, ?, 'keyword')",
        room,
        id,
        task,
        at,
      )
    newcomer(G1, 'f', sh(2026, 2, 28, 23, 50), 'completed') // did both tasks in its period
    done(G1, 'f', 'intro', sh(2026, 2, 28, 23, 55))
    done(G1, 'f', 'rules', sh(2026, 3, 1, 1))
    newcomer(G1, 'd', sh(2026, 2, 26, 8), 'expired') // its only task came after expires_at
    done(G1, 'd', 'intro', sh(2026, 2, 26, 8) + 72 * HOUR + 1)
    newcomer(G2, 'e', sh(2026, 3, 1, 0, 5), 'active') // one task of two so far
    done(G2, 'e', 'intro', sh(2026, 3, 1, 10))
    newcomer(G2, 'z', sh(2026, 2, 26, 0, 0), 'active') // joined at the very first ms of the range
    done(G2, 'z', 'intro', sh(2026, 2, 26) - MINUTE) // before its period: does not count
    newcomer(G1, 'x', sh(2026, 2, 25, 22), 'completed') // before the range
    done(G1, 'x', 'intro', sh(2026, 2, 25, 22, 10))

    // Check-ins (the SOP's local day, here also Shanghai) with the streak reached that day.
    const checkin = (room: string, id: string, date: string, streak: number) =>
      run(
        'INSERT INTO checkins (room_id, member_id, day, day_number, streak, at) VALUES (?, ?, ?, ?, ?, 0)',
        room,
        id,
        date,
        day(date),
        streak,
      )
    // G1 a: 02-24 .. 03-02 daily, streak 1..7. In range: 02-26 .. 03-02 = 5, longest 7.
    for (let i = 0; i < 7; i++) checkin(G1, 'a', DayIndex.format(day('2026-02-24') + i), i + 1)
    checkin(G1, 'b', '2026-03-01', 1) // G1 b: 2 in range, longest 1
    checkin(G1, 'b', '2026-03-03', 1)
    checkin(G1, 'c', '2026-02-25', 29) // G1 c: 02-25 is out; 02-26 in with streak 30
    checkin(G1, 'c', '2026-02-26', 30)
    checkin(G2, 'a', '2026-03-02', 1) // G2 a: 3 in range, longest 3
    checkin(G2, 'a', '2026-03-03', 2)
    checkin(G2, 'a', '2026-03-04', 3)
    checkin(G2, 'e', '2026-02-25', 4) // G2 e: only before the range

    // Points.
    const points = (room: string, id: string, delta: number, at: number) =>
      run(
        "INSERT INTO points_ledger (room_id, member_id, delta, reason, at) VALUES (?, ?, ?, 'test', ?)",
        room,
        id,
        delta,
        at,
      )
    points(G1, 'a', 100, sh(2026, 2, 26) - 1) // 02-25 23:59:59.999: out
    points(G1, 'b', 1, sh(2026, 2, 26)) // the first ms of the range: in
    points(G1, 'a', 5, sh(2026, 2, 26, 9))
    points(G1, 'a', 5, sh(2026, 2, 27, 9))
    points(G1, 'a', -3, sh(2026, 3, 1, 0, 30))
    points(G2, 'e', 10, sh(2026, 3, 4, 19))
    points(G2, 'e', -2, sh(2026, 3, 4, 19, 30))

    // FAQ outcomes, through the recorder (days in Shanghai).
    const faq = (
      room: string,
      outcome: 'answered' | 'asked' | 'fallback' | 'unanswered',
      at: number,
      entryId?: string,
    ) => recorder.faqOutcome(room, entryId ? { outcome, entryId } : { outcome }, at)
    faq(G1, 'answered', sh(2026, 2, 25, 23, 30), 'shipping') // 02-25: out
    faq(G1, 'answered', sh(2026, 2, 26, 10), 'shipping')
    faq(G1, 'answered', sh(2026, 2, 27, 10), 'shipping')
    faq(G1, 'answered', sh(2026, 3, 1, 0, 10), 'shipping') // 03-01 (= 02-28 16:10 UTC)
    faq(G1, 'answered', sh(2026, 2, 27, 11), 'invoice')
    faq(G1, 'answered', sh(2026, 3, 2, 11), 'invoice')
    faq(G1, 'answered', sh(2026, 3, 2, 12), 'account')
    faq(G1, 'answered', sh(2026, 3, 3, 12), 'account')
    faq(G1, 'answered', sh(2026, 3, 3, 13), 'zoom')
    faq(G2, 'answered', sh(2026, 3, 4, 9), 'zoom')
    faq(G1, 'asked', sh(2026, 2, 27, 12))
    faq(G1, 'asked', sh(2026, 3, 1, 12))
    faq(G1, 'fallback', sh(2026, 3, 2, 12))
    faq(G1, 'unanswered', sh(2026, 2, 26, 12))
    faq(G1, 'unanswered', sh(2026, 2, 28, 12))
    faq(G1, 'unanswered', sh(2026, 3, 4, 12))
    faq(G2, 'unanswered', sh(2026, 3, 4, 12))
    recorder.flush()

    // Tickets.
    const ticket = (
      id: number,
      room: string,
      openedAt: number,
      t: {
        reply?: number
        resolve?: number
        rating?: number
        replyBreached?: boolean
        resolveBreached?: boolean
      },
    ) =>
      run(
        `INSERT INTO tickets (id, room_id, member_id, member_name, status, reason, priority, opened_at,
           first_response_at, resolved_at, rating, first_response_breached_at, resolution_breached_at)
         VALUES (?, ?, 'm', 'm', ?, 'keyword', 1, ?, ?, ?, ?, ?, ?)`,
        id,
        room,
        t.resolve === undefined ? 'open' : 'resolved',
        openedAt,
        t.reply === undefined ? null : openedAt + t.reply * MINUTE,
        t.resolve === undefined ? null : openedAt + t.resolve * MINUTE,
        t.rating ?? null,
        t.replyBreached ? openedAt + 15 * MINUTE : null,
        t.resolveBreached ? openedAt + 4 * HOUR : null,
      )
    ticket(1, G1, sh(2026, 2, 26, 10), { reply: 2, resolve: 60, rating: 5 })
    ticket(2, G1, sh(2026, 2, 27, 10), { reply: 4, resolve: 30, rating: 4 })
    ticket(3, G1, sh(2026, 3, 1, 0, 20), { reply: 10, resolveBreached: true }) // still open
    ticket(4, G1, sh(2026, 3, 2, 20), {
      reply: 30,
      resolve: 600,
      rating: 2,
      replyBreached: true,
      resolveBreached: true,
    })
    ticket(5, G1, sh(2026, 3, 3, 12), { replyBreached: true }) // no reply yet
    ticket(6, G2, sh(2026, 3, 4, 9), { resolve: 20, rating: 5 }) // resolved without a reply
    ticket(7, G1, sh(2026, 2, 25, 23), { reply: 1, resolve: 5, rating: 1 }) // 02-25: out

    // Polls.
    const poll = (id: number, room: string, firedAt: number, options: string[]) =>
      run(
        'INSERT INTO polls (id, room_id, topic_id, fired_at, closes_at, closed_at, options) VALUES (?, ?, ?, ?, ?, NULL, ?)',
        id,
        room,
        `topic-${id}`,
        firedAt,
        firedAt + 24 * HOUR,
        JSON.stringify(options),
      )
    const vote = (pollId: number, id: string, option: string) =>
      run('INSERT INTO poll_votes (poll_id, member_id, option, at) VALUES (?, ?, ?, 0)', pollId, id, option)
    poll(1, G1, sh(2026, 2, 20, 12), ['X', 'Y']) // before the range
    vote(1, 'a', 'X')
    poll(2, G1, sh(2026, 3, 1, 12), ['A', 'B', 'C'])
    vote(2, 'a', 'A')
    vote(2, 'b', 'B')
    vote(2, 'c', 'A')
    poll(3, G2, sh(2026, 3, 3, 12), ['是', '否'])
    vote(3, 'e', '否')

    const range = (room: string | null) => w.service.range(undefined, undefined, room)
    all = w.service.overview(range(null))
    g1 = w.service.overview(range(G1))
    g2 = w.service.overview(range(G2))
  })
  afterAll(() => w.close())

  it('defaults to the 7 days up to today, across the month end', () => {
    const r = w.service.range(undefined, undefined, null)
    expect(r).toEqual({
      fromDay: day('2026-02-26'),
      toDay: day('2026-03-04'),
      fromMs: utc(2026, 2, 25, 16),
      toMs: utc(2026, 3, 4, 16),
      today: day('2026-03-04'),
      roomId: null,
    })
    expect(all.range).toEqual({ from: '2026-02-26', to: '2026-03-04', days: 7, timezone: SH })
  })

  it('members: current now, joins and leaves on days of the range', () => {
    // Current: G1 a b c f + G2 a e = 6. Joins: d 02-26, f 02-28, e 03-01 = 3 (x joined 02-25).
    // Leaves: x 02-26, d 03-02 = 2.
    expect(all.members).toEqual({ current: 6, joins: 3, leaves: 2, net: 1 })
    expect(g1.members).toEqual({ current: 4, joins: 2, leaves: 2, net: 0 })
    expect(g2.members).toEqual({ current: 2, joins: 1, leaves: 0, net: 1 })
  })

  it('activity: distinct memberships, summed messages, rate over current members', () => {
    // Messages in range: G1 a 02-26 x3 (2 + 1 in the second batch), 02-28 x1, 03-01 x1 = 5;
    // G1 b 03-01 x3 + 03-04 x1 = 4; G1 d 02-27 x1; G2 a 03-01 x1; G2 e 03-04 x2. c's is on 02-25.
    // Total 5 + 4 + 1 + 1 + 2 = 13. Active memberships: G1 a, G1 b, G1 d, G2 a, G2 e = 5.
    // activeRate 5 / 6 current.
    // Per day (messages / active):
    //   02-26 3/1 (a)   02-27 1/1 (d)   02-28 1/1 (a at 23:30)   03-01 5/3 (G1 a, G1 b, G2 a)
    //   03-02 0/0       03-03 0/0       03-04 3/2 (G1 b, G2 e)
    // averageDailyActive = (1 + 1 + 1 + 3 + 0 + 0 + 2) / 7 = 8/7; messagesPerDay = 13/7.
    expect(all.activity).toEqual({
      activeMembers: 5,
      activeRate: 5 / 6,
      averageDailyActive: 8 / 7,
      messages: 13,
      messagesPerDay: 13 / 7,
      series: [
        { date: '2026-02-26', messages: 3, activeMembers: 1, joins: 1, leaves: 1 },
        { date: '2026-02-27', messages: 1, activeMembers: 1, joins: 0, leaves: 0 },
        { date: '2026-02-28', messages: 1, activeMembers: 1, joins: 1, leaves: 0 },
        { date: '2026-03-01', messages: 5, activeMembers: 3, joins: 1, leaves: 0 },
        { date: '2026-03-02', messages: 0, activeMembers: 0, joins: 0, leaves: 1 },
        { date: '2026-03-03', messages: 0, activeMembers: 0, joins: 0, leaves: 0 },
        { date: '2026-03-04', messages: 3, activeMembers: 2, joins: 0, leaves: 0 },
      ],
    })
    // G1: a 5, b 4, d 1 = 10 messages; active a, b, d = 3 of 4 current.
    // Per day: 02-26 3/1, 02-27 1/1, 02-28 1/1, 03-01 4/2, 03-04 1/1 -> (1+1+1+2+0+0+1)/7 = 6/7.
    expect(g1.activity).toMatchObject({ activeMembers: 3, activeRate: 3 / 4, messages: 10 })
    expect(g1.activity.averageDailyActive).toBeCloseTo(6 / 7, 12)
    expect(g1.activity.series.map((d) => [d.date, d.messages, d.activeMembers, d.joins, d.leaves])).toEqual([
      ['2026-02-26', 3, 1, 1, 1],
      ['2026-02-27', 1, 1, 0, 0],
      ['2026-02-28', 1, 1, 1, 0],
      ['2026-03-01', 4, 2, 0, 0],
      ['2026-03-02', 0, 0, 0, 1],
      ['2026-03-03', 0, 0, 0, 0],
      ['2026-03-04', 1, 1, 0, 0],
    ])
    // G2: a 1, e 2 = 3; active 2 of 2 -> 1. Per day: 03-01 1/1, 03-04 2/1 -> 2/7.
    expect(g2.activity).toMatchObject({ activeMembers: 2, activeRate: 1, messages: 3 })
    expect(g2.activity.averageDailyActive).toBeCloseTo(2 / 7, 12)
  })

  it('has one series entry per day, with zeros, for a range without any data', () => {
    // 2026-02-01 .. 2026-02-03: nothing was recorded. Three days, all zero; rates of nothing.
    const empty = w.service.overview(w.service.range('2026-02-01', '2026-02-03', null))
    expect(empty.activity.series).toEqual(
      ['2026-02-01', '2026-02-02', '2026-02-03'].map((date) => ({
        date,
        messages: 0,
        activeMembers: 0,
        joins: 0,
        leaves: 0,
      })),
    )
    expect(empty.activity).toMatchObject({ activeMembers: 0, messages: 0, averageDailyActive: 0 })
    // members.current is "now", whatever the range: still 6, so the rate is 0, not null.
    expect(empty.activity.activeRate).toBe(0)
    expect(empty.faq).toMatchObject({ questions: 0, answerRate: null, fallbackRate: null, topEntries: [] })
    expect(empty.handoff.firstResponse).toEqual({ count: 0, medianMs: null, p90Ms: null })
    expect(empty.handoff.csat.average).toBeNull()
    expect(empty.newcomers).toMatchObject({ joined: 0, firstTaskRate: null, allTasksRate: null })
  })

  it('retention in this fixture: day 7 of every join is after today, so D7 is an empty cohort', () => {
    // Joins: d 02-26, f 02-28, e 03-01 (today 03-04).
    // D1: all three have come. d posted 02-27 -> retained; f (03-01) and e (03-02) did not. 1 of 3.
    // D7: 02-26 + 7 = 03-05 > 03-04, all later too -> cohort 0, rate null. Same for D30.
    expect(all.retention).toEqual({
      d1: { cohort: 3, retained: 1, rate: 1 / 3 },
      d7: { cohort: 0, retained: 0, rate: null },
      d30: { cohort: 0, retained: 0, rate: null },
    })
  })

  it('newcomer funnel: periods started in the range, tasks within the period', () => {
    // Started in [02-26 00:00, 03-05 00:00) Shanghai: f, d, e, z (at exactly 02-26 00:00) = 4; x (02-25) out.
    // firstTask: f (tasks right after joining) and e (03-01 10:00) = 2. d's task came 1 ms after
    // expires_at, z's 1 minute before joining: neither counts.
    // allTasks: status completed = f = 1.
    expect(all.newcomers).toEqual({
      joined: 4,
      firstTask: 2,
      allTasks: 1,
      firstTaskRate: 0.5,
      allTasksRate: 0.25,
    })
    expect(g1.newcomers).toEqual({
      joined: 2,
      firstTask: 1,
      allTasks: 1,
      firstTaskRate: 0.5,
      allTasksRate: 0.5,
    })
    expect(g2.newcomers).toEqual({
      joined: 2,
      firstTask: 1,
      allTasks: 0,
      firstTaskRate: 0.5,
      allTasksRate: 0,
    })
  })

  it('check-ins: count, memberships, rate over members x days, streak buckets', () => {
    // In range: G1 a 5 (02-26 .. 03-02), G1 b 2, G1 c 1 (02-26), G2 a 3 = 11; G2 e none.
    // Memberships 4. Rate = 11 / (6 members x 7 days) = 11/42.
    // Longest streak in range: G1 a 7 (7-13), G1 b 1 (1), G1 c 30 (30+), G2 a 3 (2-6).
    expect(all.checkins).toEqual({
      checkins: 11,
      members: 4,
      rate: 11 / 42,
      streaks: [
        { label: '1', members: 1 },
        { label: '2-6', members: 1 },
        { label: '7-13', members: 1 },
        { label: '14-29', members: 0 },
        { label: '30+', members: 1 },
      ],
    })
    // G1: 5 + 2 + 1 = 8 by 3 memberships; rate 8 / (4 x 7) = 2/7.
    expect(g1.checkins).toMatchObject({ checkins: 8, members: 3 })
    expect(g1.checkins.rate).toBeCloseTo(2 / 7, 12)
    expect(g1.checkins.streaks.map((s) => s.members)).toEqual([1, 0, 1, 0, 1])
    // G2: 3 by 1; rate 3 / (2 x 7) = 3/14.
    expect(g2.checkins).toMatchObject({ checkins: 3, members: 1, rate: 3 / 14 })
    expect(g2.checkins.streaks.map((s) => s.members)).toEqual([0, 1, 0, 0, 0])
  })

  it('points issued and deducted', () => {
    // In range: +1 (b, first ms), +5, +5, -3 (G1 a), +10, -2 (G2 e); the +100 at 02-25 23:59:59.999 is out.
    // Issued 1 + 5 + 5 + 10 = 21; deducted 3 + 2 = 5.
    expect(all.points).toEqual({ issued: 21, deducted: 5 })
    expect(g1.points).toEqual({ issued: 11, deducted: 3 })
    expect(g2.points).toEqual({ issued: 10, deducted: 2 })
  })

  it('FAQ outcomes, rates and the most answered entries (ties by entry id)', () => {
    // Answered in range: shipping 3 (02-25 is out), invoice 2, account 2, zoom 2 (one per group) = 9.
    // Asked 2, fallback 1, unanswered 3 + 1 = 4. Questions 9 + 2 + 1 + 4 = 16.
    // Top: shipping 3, then the 2s by id: account, invoice, zoom.
    expect(all.faq).toEqual({
      questions: 16,
      answered: 9,
      asked: 2,
      fallback: 1,
      unanswered: 4,
      answerRate: 9 / 16,
      fallbackRate: 1 / 16,
      topEntries: [
        { entryId: 'shipping', answers: 3 },
        { entryId: 'account', answers: 2 },
        { entryId: 'invoice', answers: 2 },
        { entryId: 'zoom', answers: 2 },
      ],
    })
    // G1: answered 3 + 2 + 2 + 1 = 8, asked 2, fallback 1, unanswered 3 -> 14.
    expect(g1.faq).toEqual({
      questions: 14,
      answered: 8,
      asked: 2,
      fallback: 1,
      unanswered: 3,
      answerRate: 8 / 14,
      fallbackRate: 1 / 14,
      topEntries: [
        { entryId: 'shipping', answers: 3 },
        { entryId: 'account', answers: 2 },
        { entryId: 'invoice', answers: 2 },
        { entryId: 'zoom', answers: 1 },
      ],
    })
    // G2: answered 1 (zoom), unanswered 1.
    expect(g2.faq).toEqual({
      questions: 2,
      answered: 1,
      asked: 0,
      fallback: 0,
      unanswered: 1,
      answerRate: 0.5,
      fallbackRate: 0,
      topEntries: [{ entryId: 'zoom', answers: 1 }],
    })
  })

  it('handoff: an even count of first responses, p90, resolution, SLA breaches, CSAT', () => {
    // Opened in range: tickets 1-6 (7 was opened 02-25 23:00). Resolved: 1, 2, 4, 6 = 4.
    // First response over tickets with a reply: 1 (2 min), 2 (4), 3 (10), 4 (30); 5 and 6 have none.
    //   Median of 2, 4, 10, 30 = (4 + 10) / 2 = 7 min. p90: rank ceil(0.9 x 4) = 4 -> 30 min.
    // Resolution: 1 (60), 2 (30), 4 (600), 6 (20) -> sorted 20, 30, 60, 600: median (30 + 60) / 2 = 45,
    //   p90 rank 4 -> 600.
    // Breaches: first response 4, 5 = 2; resolution 3, 4 = 2.
    // CSAT: 5, 4, 2, 5 -> count 4, mean 16 / 4 = 4; one 2, one 4, two 5s.
    expect(all.handoff).toEqual({
      opened: 6,
      resolved: 4,
      firstResponse: { count: 4, medianMs: 7 * MINUTE, p90Ms: 30 * MINUTE },
      resolution: { count: 4, medianMs: 45 * MINUTE, p90Ms: 600 * MINUTE },
      slaBreaches: { firstResponse: 2, resolution: 2 },
      csat: {
        count: 4,
        average: 4,
        distribution: [
          { score: 1, count: 0 },
          { score: 2, count: 1 },
          { score: 3, count: 0 },
          { score: 4, count: 1 },
          { score: 5, count: 2 },
        ],
      },
    })
    // G1: tickets 1-5. Resolution 60, 30, 600 -> sorted 30, 60, 600: median 60, p90 rank ceil(2.7) = 3 -> 600.
    // CSAT 5, 4, 2: mean 11/3.
    expect(g1.handoff).toMatchObject({
      opened: 5,
      resolved: 3,
      firstResponse: { count: 4, medianMs: 7 * MINUTE, p90Ms: 30 * MINUTE },
      resolution: { count: 3, medianMs: 60 * MINUTE, p90Ms: 600 * MINUTE },
      slaBreaches: { firstResponse: 2, resolution: 2 },
    })
    expect(g1.handoff.csat.count).toBe(3)
    expect(g1.handoff.csat.average).toBeCloseTo(11 / 3, 12)
    expect(g1.handoff.csat.distribution.map((d) => d.count)).toEqual([0, 1, 0, 1, 1])
    // G2: ticket 6 only: no reply (median and p90 null), resolved in 20 min, rated 5.
    expect(g2.handoff).toMatchObject({
      opened: 1,
      resolved: 1,
      firstResponse: { count: 0, medianMs: null, p90Ms: null },
      resolution: { count: 1, medianMs: 20 * MINUTE, p90Ms: 20 * MINUTE },
      slaBreaches: { firstResponse: 0, resolution: 0 },
      csat: { count: 1, average: 5 },
    })
  })

  it('polls posted in the range, newest first, with the votes per option', () => {
    // Poll 1 (02-20) is out; poll 3 (03-03) is newer than poll 2 (03-01).
    expect(all.polls).toEqual([
      {
        id: 3,
        roomId: G2,
        topicId: 'topic-3',
        firedAt: sh(2026, 3, 3, 12),
        closedAt: null,
        options: ['是', '否'],
        votes: { 否: 1 },
        // Not a 0-10 scale: no NPS.
        nps: null,
      },
      {
        id: 2,
        roomId: G1,
        topicId: 'topic-2',
        firedAt: sh(2026, 3, 1, 12),
        closedAt: null,
        options: ['A', 'B', 'C'],
        votes: { A: 2, B: 1 },
        nps: null,
      },
    ])
    expect(g1.polls.map((p) => p.id)).toEqual([2])
    expect(g2.polls.map((p) => p.id)).toEqual([3])
  })

  it('groups table: one row per group, ordered by messages', () => {
    // G1: 4 members, active a b d = 3 (3/4), 10 messages, joins d f = 2, leaves x d = 2.
    // G2: 2 members, active a e = 2 (1), 3 messages, joins e = 1, leaves 0.
    const r = w.service.range(undefined, undefined, null)
    expect(w.service.groups(r)).toEqual([
      {
        id: G1,
        topic: '一群',
        leftAt: null,
        members: 4,
        activeMembers: 3,
        messages: 10,
        joins: 2,
        leaves: 2,
        activeRate: 0.75,
      },
      {
        id: G2,
        topic: '二群',
        leftAt: null,
        members: 2,
        activeMembers: 2,
        messages: 3,
        joins: 1,
        leaves: 0,
        activeRate: 1,
      },
    ])
    expect(w.service.groups(w.service.range(undefined, undefined, G2))).toEqual([
      {
        id: G2,
        topic: '二群',
        leftAt: null,
        members: 2,
        activeMembers: 2,
        messages: 3,
        joins: 1,
        leaves: 0,
        activeRate: 1,
      },
    ])
  })

  it('a range of one day (03-01) only counts that day', () => {
    // 03-01: G1 a 1 + G1 b 3 + G2 a 1 = 5 messages by 3 memberships; join e; FAQ: shipping (00:10),
    // asked (12:00) -> 2 questions; ticket 3 (00:20) with a 10-minute reply; points -3.
    const o = w.service.overview(w.service.range('2026-03-01', '2026-03-01', null))
    expect(o.range.days).toBe(1)
    expect(o.activity).toMatchObject({ messages: 5, activeMembers: 3, averageDailyActive: 3 })
    expect(o.members).toMatchObject({ joins: 1, leaves: 0 })
    expect(o.faq).toMatchObject({ questions: 2, answered: 1, asked: 1 })
    expect(o.handoff).toMatchObject({ opened: 1, firstResponse: { count: 1, medianMs: 10 * MINUTE } })
    expect(o.points).toEqual({ issued: 0, deducted: 3 })
    // Check-ins on 03-01: G1 a (streak 6), G1 b (1) -> 2 of 6 x 1 possible.
    expect(o.checkins).toMatchObject({ checkins: 2, members: 2, rate: 2 / 6 })
    expect(o.checkins.streaks.map((s) => s.members)).toEqual([1, 1, 0, 0, 0])
  })
})
