import { describe, expect, it } from 'vitest'
import { DayIndex } from '../../src/features/analytics/day-index.js'

const SH = 'Asia/Shanghai' // UTC+8 all year
const NY = 'America/New_York' // UTC-5, UTC-4 from 2026-03-08 02:00 to 2026-11-01 02:00 local
const UTC = 'UTC'
const HOUR = 3_600_000
const MINUTE = 60_000

const day = (date: string) => DayIndex.parse(date)
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) =>
  Date.UTC(y, mo - 1, d, h, mi, s, ms)

describe('DayIndex.parse and format', () => {
  it('numbers days from 1970-01-01', () => {
    expect(day('1970-01-01')).toBe(0)
    expect(day('1970-01-02')).toBe(1)
    expect(day('1969-12-31')).toBe(-1)
    // 56 years of 365 days plus 14 leap days (1972, 1976, ..., 2024) = 20 454
    expect(day('2026-01-01')).toBe(56 * 365 + 14)
  })

  it('round-trips every day of a leap and a common year and more', () => {
    for (let d = day('2025-12-25'); d <= day('2029-01-05'); d++) {
      expect(DayIndex.parse(DayIndex.format(d))).toBe(d)
    }
    for (const date of ['1969-12-31', '1970-01-01', '2000-02-29', '2026-12-31', '2028-02-29', '2099-12-31'])
      expect(DayIndex.format(DayIndex.parse(date))).toBe(date)
  })

  it('counts across month and year ends as plain +1', () => {
    expect(day('2026-02-01') - day('2026-01-31')).toBe(1)
    expect(DayIndex.format(day('2026-01-31') + 1)).toBe('2026-02-01')
    // 2026 is a common year: Feb 28 is followed by Mar 1.
    expect(DayIndex.format(day('2026-02-28') + 1)).toBe('2026-03-01')
    expect(day('2026-03-01') - day('2026-02-28')).toBe(1)
    // 2028 is a leap year: Feb 28 -> Feb 29 -> Mar 1.
    expect(DayIndex.format(day('2028-02-28') + 1)).toBe('2028-02-29')
    expect(DayIndex.format(day('2028-02-29') + 1)).toBe('2028-03-01')
    expect(day('2028-03-01') - day('2028-02-28')).toBe(2)
    expect(DayIndex.format(day('2026-04-30') + 1)).toBe('2026-05-01')
    expect(DayIndex.format(day('2026-12-31') + 1)).toBe('2027-01-01')
    // Day 30 after 31 January 2026: Feb has 28 days, so Feb 1 is +1, Mar 1 is +29, Mar 2 is +30.
    expect(DayIndex.format(day('2026-01-31') + 30)).toBe('2026-03-02')
  })

  it('rejects text that is not YYYY-MM-DD', () => {
    expect(() => DayIndex.parse('2026-2-1')).toThrow()
    expect(() => DayIndex.parse('2026/02/01')).toThrow()
    expect(() => DayIndex.parse('')).toThrow()
  })
})

describe('DayIndex.dayOf', () => {
  it('puts 23:30 local on that local day, whatever the UTC date', () => {
    // 2026-01-31 23:30 in Shanghai = 2026-01-31 15:30 UTC: 31 January in both.
    const t1 = utc(2026, 1, 31, 15, 30)
    expect(new DayIndex(SH).dayOf(t1)).toBe(day('2026-01-31'))
    expect(new DayIndex(UTC).dayOf(t1)).toBe(day('2026-01-31'))
    // 2026-02-01 00:10 in Shanghai = 2026-01-31 16:10 UTC: 1 February in Shanghai, 31 January in UTC.
    const t2 = utc(2026, 1, 31, 16, 10)
    expect(new DayIndex(SH).dayOf(t2)).toBe(day('2026-02-01'))
    expect(new DayIndex(UTC).dayOf(t2)).toBe(day('2026-01-31'))
    expect(new DayIndex(NY).dayOf(t2)).toBe(day('2026-01-31')) // 11:10 EST
    // 2026-03-08 23:30 in New York (EDT, UTC-4) = 2026-03-09 03:30 UTC = 11:30 in Shanghai.
    const t3 = utc(2026, 3, 9, 3, 30)
    expect(new DayIndex(NY).dayOf(t3)).toBe(day('2026-03-08'))
    expect(new DayIndex(UTC).dayOf(t3)).toBe(day('2026-03-09'))
    expect(new DayIndex(SH).dayOf(t3)).toBe(day('2026-03-09'))
    // 2026-11-01 23:30 in New York (EST again, UTC-5) = 2026-11-02 04:30 UTC.
    const t4 = utc(2026, 11, 2, 4, 30)
    expect(new DayIndex(NY).dayOf(t4)).toBe(day('2026-11-01'))
    expect(new DayIndex(UTC).dayOf(t4)).toBe(day('2026-11-02'))
    // 01:30 happens twice in New York on 2026-11-01 (05:30 UTC in EDT, 06:30 UTC in EST): one day.
    const ny = new DayIndex(NY)
    expect(ny.dayOf(utc(2026, 11, 1, 5, 30))).toBe(day('2026-11-01'))
    expect(ny.dayOf(utc(2026, 11, 1, 6, 30))).toBe(day('2026-11-01'))
  })

  it('does not carry a cached day across midnight, forwards or backwards', () => {
    // Shanghai midnight starting 2026-02-01 is 2026-01-31 16:00 UTC.
    const midnight = utc(2026, 1, 31, 16)
    const sh = new DayIndex(SH)
    const jan31 = day('2026-01-31')
    const feb1 = day('2026-02-01')
    const calls: Array<[number, number]> = [
      [midnight - 30 * MINUTE, jan31], // 23:30
      [midnight - 1, jan31], // 23:59:59.999
      [midnight, feb1], // 00:00 exactly
      [midnight + 1, feb1],
      [midnight - 1, jan31], // back again
      [midnight - 24 * HOUR, jan31], // 2026-01-31 00:00: first ms of the cached day
      [midnight - 24 * HOUR - 1, day('2026-01-30')], // last ms of the day before
      [midnight + 10 * MINUTE, feb1],
      [midnight + 24 * HOUR - 1, feb1], // 2026-02-01 23:59:59.999
      [midnight + 24 * HOUR, day('2026-02-02')],
      [midnight - 1, jan31],
    ]
    for (const [t, expected] of calls) expect(sh.dayOf(t)).toBe(expected)

    // The same instants in UTC: midnight UTC is 8 hours later.
    const u = new DayIndex(UTC)
    expect(u.dayOf(midnight)).toBe(jan31)
    expect(u.dayOf(utc(2026, 2, 1) - 1)).toBe(jan31)
    expect(u.dayOf(utc(2026, 2, 1))).toBe(feb1)
    expect(u.dayOf(midnight)).toBe(jan31)
  })

  it('caches a 23-hour and a 25-hour day with their true length', () => {
    const ny = new DayIndex(NY)
    // 2026-03-08 starts at 00:00 EST = 05:00 UTC and has 23 hours: 2026-03-09 starts at 00:00 EDT = 04:00 UTC.
    expect(ny.dayOf(utc(2026, 3, 8, 5))).toBe(day('2026-03-08'))
    // 2026-03-09 00:30 EDT = 04:30 UTC: a 24-hour cache from 05:00 UTC would still say 8 March.
    expect(ny.dayOf(utc(2026, 3, 9, 4, 30))).toBe(day('2026-03-09'))
    expect(ny.dayOf(utc(2026, 3, 9, 4) - 1)).toBe(day('2026-03-08'))
    expect(ny.dayOf(utc(2026, 3, 9, 4))).toBe(day('2026-03-09'))

    // 2026-11-01 starts at 00:00 EDT = 04:00 UTC and has 25 hours: 2026-11-02 starts at 00:00 EST = 05:00 UTC.
    expect(ny.dayOf(utc(2026, 11, 1, 4))).toBe(day('2026-11-01'))
    // 2026-11-01 23:30 EST = 2026-11-02 04:30 UTC: a 24-hour cache would already say 2 November.
    expect(ny.dayOf(utc(2026, 11, 2, 4, 30))).toBe(day('2026-11-01'))
    expect(ny.dayOf(utc(2026, 11, 2, 5) - 1)).toBe(day('2026-11-01'))
    expect(ny.dayOf(utc(2026, 11, 2, 5))).toBe(day('2026-11-02'))
    expect(ny.dayOf(utc(2026, 11, 1, 4) - 1)).toBe(day('2026-10-31'))
  })
})

describe('DayIndex.startOf', () => {
  it('is local midnight in epoch ms', () => {
    // Shanghai midnight is 16:00 UTC the day before, also across a month end.
    expect(new DayIndex(SH).startOf(day('2026-02-01'))).toBe(utc(2026, 1, 31, 16))
    expect(new DayIndex(SH).startOf(day('2026-03-01'))).toBe(utc(2026, 2, 28, 16))
    expect(new DayIndex(UTC).startOf(day('2026-02-01'))).toBe(utc(2026, 2, 1))
    expect(new DayIndex(NY).startOf(day('2026-01-31'))).toBe(utc(2026, 1, 31, 5))
  })

  it('gives days of 23 and 25 hours across the New York DST changes', () => {
    const ny = new DayIndex(NY)
    const length = (date: string) => ny.startOf(day(date) + 1) - ny.startOf(day(date))
    // Spring forward: 2026-03-08 00:00 EST = 05:00 UTC; 2026-03-09 00:00 EDT = 04:00 UTC.
    expect(ny.startOf(day('2026-03-08'))).toBe(utc(2026, 3, 8, 5))
    expect(ny.startOf(day('2026-03-09'))).toBe(utc(2026, 3, 9, 4))
    expect(length('2026-03-08')).toBe(23 * HOUR)
    expect(length('2026-03-07')).toBe(24 * HOUR)
    expect(length('2026-03-09')).toBe(24 * HOUR)
    // Fall back: 2026-11-01 00:00 EDT = 04:00 UTC; 2026-11-02 00:00 EST = 05:00 UTC.
    expect(ny.startOf(day('2026-11-01'))).toBe(utc(2026, 11, 1, 4))
    expect(ny.startOf(day('2026-11-02'))).toBe(utc(2026, 11, 2, 5))
    expect(length('2026-11-01')).toBe(25 * HOUR)
    expect(length('2026-10-31')).toBe(24 * HOUR)
    // Shanghai and UTC have no DST: every day has 24 hours.
    for (const zone of [SH, UTC]) {
      const idx = new DayIndex(zone)
      expect(idx.startOf(day('2026-03-09')) - idx.startOf(day('2026-03-08'))).toBe(24 * HOUR)
      expect(idx.startOf(day('2026-11-02')) - idx.startOf(day('2026-11-01'))).toBe(24 * HOUR)
    }
  })

  it('agrees with dayOf: startOf(d) is on day d and the ms before it on d - 1', () => {
    for (const zone of [SH, UTC, NY]) {
      const idx = new DayIndex(zone)
      for (let d = day('2026-01-29'); d <= day('2026-03-10'); d++) {
        expect(idx.dayOf(idx.startOf(d))).toBe(d)
        expect(idx.dayOf(idx.startOf(d) - 1)).toBe(d - 1)
      }
      for (let d = day('2026-10-29'); d <= day('2026-11-04'); d++) {
        expect(idx.dayOf(idx.startOf(d) - 1)).toBe(d - 1)
        expect(idx.dayOf(idx.startOf(d))).toBe(d)
      }
    }
  })
})
