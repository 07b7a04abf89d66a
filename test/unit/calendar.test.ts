import { CronExpressionParser } from 'cron-parser'
import { describe, expect, it } from 'vitest'
import {
  cronSchedule,
  dayNumber,
  isValidTimeZone,
  localDay,
  onceSchedule,
  parseLocalDateTime,
  validateCron,
} from '../../src/scheduler/calendar.js'

const NY = 'America/New_York'
const SH = 'Asia/Shanghai'
const HOUR = 3_600_000
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString())

/** Fire times in [from, to] by walking forward from `from`, each one via the schedule. */
function fireTimes(schedule: ReturnType<typeof cronSchedule>, from: number, to: number): number[] {
  const out: number[] = []
  for (let t = schedule.nextAfter(from - 1); t !== undefined && t <= to; t = schedule.nextAfter(t))
    out.push(t)
  return out
}

describe('cronSchedule', () => {
  it('finds the next and previous Monday 20:00 in Asia/Shanghai', () => {
    const weekly = cronSchedule('0 20 * * 1', SH)
    const monday20 = Date.UTC(2026, 10, 23, 12, 0) // Mon 2026-11-23 20:00 +08:00
    expect(weekly.nextAfter(Date.UTC(2026, 10, 23, 11, 0))).toBe(monday20)
    expect(weekly.nextAfter(monday20 - 1)).toBe(monday20)
    expect(weekly.nextAfter(monday20)).toBe(monday20 + 7 * 24 * HOUR)
    expect(weekly.lastAtOrBefore(monday20)).toBe(monday20)
    expect(weekly.lastAtOrBefore(monday20 + 90_500)).toBe(monday20)
    expect(weekly.lastAtOrBefore(monday20 - 1)).toBe(monday20 - 7 * 24 * HOUR)
  })

  it('works in minutes for step expressions', () => {
    const every5 = cronSchedule('*/5 * * * *', SH)
    const t = Date.UTC(2026, 10, 23, 11, 2, 30)
    expect(iso(every5.nextAfter(t))).toBe('2026-11-23T11:05:00.000Z')
    expect(iso(every5.lastAtOrBefore(t))).toBe('2026-11-23T11:00:00.000Z')
  })

  it.each([
    ['30 1 * * *', ['2026-03-07T06:30', '2026-03-08T06:30', '2026-03-09T05:30', '2026-03-10T05:30']],
    ['0 9 * * *', ['2026-03-07T14:00', '2026-03-08T13:00', '2026-03-09T13:00', '2026-03-10T13:00']],
    ['30 2 * * *', ['2026-03-07T07:30', '2026-03-08T07:30', '2026-03-09T06:30', '2026-03-10T06:30']],
  ])('fires "%s" once per local day across the spring DST change in New York', (expr, expected) => {
    const times = fireTimes(cronSchedule(expr, NY), Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 11))
    expect(times.map(iso)).toEqual(expected.map((t) => `${t}:00.000Z`))
    expect(times.map((t) => dayNumber(localDay(t, NY)) - dayNumber('2026-03-07'))).toEqual([0, 1, 2, 3])
  })

  it.each([
    ['30 1 * * *', ['2026-10-31T05:30', '2026-11-01T05:30', '2026-11-02T06:30', '2026-11-03T06:30']],
    ['0 9 * * *', ['2026-10-31T13:00', '2026-11-01T14:00', '2026-11-02T14:00', '2026-11-03T14:00']],
  ])('fires "%s" once per local day across the autumn DST change in New York', (expr, expected) => {
    const times = fireTimes(cronSchedule(expr, NY), Date.UTC(2026, 9, 31), Date.UTC(2026, 10, 4))
    expect(times.map(iso)).toEqual(expected.map((t) => `${t}:00.000Z`))
    expect(times.map((t) => dayNumber(localDay(t, NY)) - dayNumber('2026-10-31'))).toEqual([0, 1, 2, 3])
  })

  it('does not fire the repeated 01:30 again when asked from inside the repeated hour', () => {
    const daily = cronSchedule('30 1 * * *', NY)
    const firstOneThirty = Date.UTC(2026, 10, 1, 5, 30) // 01:30 EDT; 06:30Z is 01:30 EST
    expect(iso(daily.nextAfter(Date.UTC(2026, 10, 1, 6, 0)))).toBe('2026-11-02T06:30:00.000Z')
    expect(daily.lastAtOrBefore(Date.UTC(2026, 10, 1, 6, 45))).toBe(firstOneThirty)
    expect(daily.lastAtOrBefore(Date.UTC(2026, 10, 1, 12, 0))).toBe(firstOneThirty)
  })

  it('keeps a time skipped by the spring change, whichever side it is asked from', () => {
    const daily = cronSchedule('30 2 * * *', NY)
    const moved = Date.UTC(2026, 2, 8, 7, 30) // 02:30 does not exist; runs at 03:30 EDT
    expect(daily.nextAfter(Date.UTC(2026, 2, 8, 7, 10))).toBe(moved)
    expect(daily.lastAtOrBefore(Date.UTC(2026, 2, 8, 8, 0))).toBe(moved)
    expect(daily.lastAtOrBefore(Date.UTC(2026, 2, 9, 0, 0))).toBe(moved)
  })

  it('agrees with a forward walk from far away at any moment around a DST change', () => {
    const cases: Array<[string, string, number]> = [
      ['30 1 * * *', NY, Date.UTC(2026, 10, 1, 6)],
      ['*/30 * * * *', NY, Date.UTC(2026, 10, 1, 6)],
      ['30 2 * * *', NY, Date.UTC(2026, 2, 8, 7)],
      ['0 2,3 * * *', NY, Date.UTC(2026, 2, 8, 7)],
      ['15 1 * * 0', NY, Date.UTC(2026, 10, 1, 6)],
    ]
    for (const [expr, tz, shift] of cases) {
      const walk = CronExpressionParser.parse(expr, { currentDate: new Date(shift - 10 * 24 * HOUR), tz })
      const expected: number[] = []
      while (expected.length === 0 || (expected.at(-1) ?? 0) < shift + 3 * 24 * HOUR)
        expected.push(walk.next().getTime())
      const schedule = cronSchedule(expr, tz)
      for (let t = shift - 15 * HOUR; t < shift + 15 * HOUR; t += 17 * 60_000 + 13_000) {
        const next = expected.find((e) => e > t)
        const last = expected.findLast((e) => e <= t)
        expect([expr, iso(t), iso(schedule.nextAfter(t))]).toEqual([expr, iso(t), iso(next)])
        expect([expr, iso(t), iso(schedule.lastAtOrBefore(t))]).toEqual([expr, iso(t), iso(last)])
      }
    }
  })

  it('throws on an invalid expression or zone', () => {
    expect(() => cronSchedule('0 20 * *', SH)).toThrow(/5 fields/)
    expect(() => cronSchedule('0 20 * * 1', 'Mars/Olympus')).toThrow(/time zone/)
  })
})

describe('validateCron', () => {
  it.each(['0 20 * * 1', '*/5 * * * *', '0 9 * * THU', '0 9 1-7 * MON-FRI', ' 30  1 * * * '])(
    'accepts "%s"',
    (expr) => {
      expect(validateCron(expr)).toBeUndefined()
    },
  )

  it.each([
    ['0 0 20 * * 1', /5 fields.*got 6/],
    ['0 20 * *', /got 4/],
    ['', /got 0/],
    ['@weekly', /got 1/],
    ['H 20 * * 1', /H/],
    ['H/5 * * * *', /H/],
    ['61 * * * *', /61/],
    ['0 20 * * 8', /range/],
    ['0 0 31 2 *', /day of month/],
    ['0 20 * * funday', /alias/],
  ])('rejects "%s" with a reason', (expr, reason) => {
    expect(validateCron(expr)).toMatch(reason)
  })
})

describe('onceSchedule', () => {
  it('has exactly one fire time', () => {
    const at = Date.UTC(2026, 11, 1, 12)
    const once = onceSchedule(at)
    expect(once.nextAfter(at - 1)).toBe(at)
    expect(once.nextAfter(at)).toBeUndefined()
    expect(once.lastAtOrBefore(at - 1)).toBeUndefined()
    expect(once.lastAtOrBefore(at)).toBe(at)
    expect(once.lastAtOrBefore(at + 1e9)).toBe(at)
  })

  it("is one object per fire time, so the scheduler keeps its jobs' next times on a rebind", () => {
    const at = Date.UTC(2026, 11, 1, 12)
    expect(onceSchedule(at)).toBe(onceSchedule(at))
    expect(onceSchedule(at + 1)).not.toBe(onceSchedule(at))
    expect(onceSchedule(at + 1).nextAfter(at)).toBe(at + 1)
  })
})

describe('isValidTimeZone (answers kept)', () => {
  it('answers the same on a repeated question, for valid and unknown zones', () => {
    for (let i = 0; i < 2; i++) {
      expect(isValidTimeZone(SH)).toBe(true)
      expect(isValidTimeZone('Mars/Olympus')).toBe(false)
      expect(isValidTimeZone('')).toBe(false)
    }
  })
})

describe('parseLocalDateTime', () => {
  it.each([
    '2026-12-01 20:00',
    '2026-12-01T20:00',
    '2026-12-01 20:00:00',
    '2026-12-01T20:00:00',
    ' 2026-12-01 20:00 ',
  ])('reads "%s" in the zone', (text) => {
    expect(parseLocalDateTime(text, SH)).toBe(Date.UTC(2026, 11, 1, 12, 0))
  })

  it('keeps seconds and uses the zone offset of that date', () => {
    expect(parseLocalDateTime('2026-12-01 20:00:30', SH)).toBe(Date.UTC(2026, 11, 1, 12, 0, 30))
    expect(parseLocalDateTime('2026-07-01 20:00', NY)).toBe(Date.UTC(2026, 6, 2, 0, 0))
    expect(parseLocalDateTime('2026-12-01 20:00', NY)).toBe(Date.UTC(2026, 11, 2, 1, 0))
  })

  it('moves a time skipped by DST forward, like cron', () => {
    expect(parseLocalDateTime('2026-03-08 02:30', NY)).toBe(Date.UTC(2026, 2, 8, 7, 30))
  })

  it.each([
    ['2026-02-30 20:00', SH],
    ['2026-12-01 24:00', SH],
    ['2026-12-01 20:61', SH],
    ['2026/12/01 20:00', SH],
    ['2026-12-1 20:00', SH],
    ['tomorrow', SH],
    ['', SH],
    ['2026-12-01 20:00', 'Mars/Olympus'],
  ])('rejects "%s" in %s', (text, tz) => {
    expect(parseLocalDateTime(text, tz)).toBeUndefined()
  })
})

describe('time zones and local days', () => {
  it('knows IANA zones', () => {
    expect(isValidTimeZone(SH)).toBe(true)
    expect(isValidTimeZone(NY)).toBe(true)
    expect(isValidTimeZone('UTC')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus')).toBe(false)
    expect(isValidTimeZone('')).toBe(false)
  })

  it('gives the local calendar date', () => {
    expect(localDay(Date.UTC(2026, 10, 23, 15, 59), SH)).toBe('2026-11-23')
    expect(localDay(Date.UTC(2026, 10, 23, 16, 0), SH)).toBe('2026-11-24')
    expect(localDay(Date.UTC(2026, 2, 8, 4, 59), NY)).toBe('2026-03-07')
    expect(localDay(Date.UTC(2026, 2, 8, 5, 0), NY)).toBe('2026-03-08')
  })

  it('counts calendar days, one per local day even when the day is 23 or 25 hours long', () => {
    expect(dayNumber('1970-01-01')).toBe(0)
    expect(dayNumber('1970-01-02')).toBe(1)
    expect(dayNumber('2026-03-01')).toBe(dayNumber('2026-02-28') + 1)
    expect(dayNumber('2028-03-01')).toBe(dayNumber('2028-02-28') + 2)
    // Local midnights around both 2026 changes in New York: 23 h and 25 h apart.
    const midnights = [
      Date.UTC(2026, 2, 7, 5),
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 9, 4),
      Date.UTC(2026, 9, 31, 4),
      Date.UTC(2026, 10, 1, 4),
      Date.UTC(2026, 10, 2, 5),
    ]
    const days = midnights.map((t) => dayNumber(localDay(t, NY)))
    expect(days.slice(1, 3).map((d, i) => d - (days[i] ?? 0))).toEqual([1, 1])
    expect(days.slice(4, 6).map((d, i) => d - (days[i + 3] ?? 0))).toEqual([1, 1])
    // The last minute of each of those local days is still the same day.
    for (const t of midnights.slice(1))
      expect(dayNumber(localDay(t - 60_000, NY))).toBe(dayNumber(localDay(t, NY)) - 1)
  })

  it('rejects a malformed day', () => {
    expect(() => dayNumber('2026-3-8')).toThrow(/YYYY-MM-DD/)
  })
})
