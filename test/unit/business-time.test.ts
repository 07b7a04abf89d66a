import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { addBusinessTime } from '../../src/features/handoff/business-time.js'
import { nextOpening } from '../../src/features/handoff/handoff-service.js'

const zone = 'Asia/Shanghai'
const at = (s: string) => DateTime.fromFormat(s, 'yyyy-MM-dd HH:mm', { zone }).toMillis()
const show = (t: number) => DateTime.fromMillis(t, { zone }).toFormat('yyyy-MM-dd HH:mm')
const hours = { timezone: zone, days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }

describe('addBusinessTime', () => {
  it.each([
    ['2026-11-23 10:00', 15, '2026-11-23 10:15'], // Monday, inside hours
    ['2026-11-23 17:55', 15, '2026-11-24 09:10'], // runs over the evening
    ['2026-11-23 20:00', 15, '2026-11-24 09:15'], // opened after hours
    ['2026-11-27 17:50', 30, '2026-11-30 09:20'], // Friday evening to Monday morning
    ['2026-11-28 12:00', 60, '2026-11-30 10:00'], // opened on Saturday
    ['2026-11-23 10:00', 600, '2026-11-24 11:00'], // ten business hours
  ])('%s + %i min -> %s', (start, minutes, expected) => {
    expect(show(addBusinessTime(at(start), minutes * 60_000, hours))).toBe(expected)
  })

  it('is plain elapsed time without business hours', () => {
    expect(addBusinessTime(1000, 60_000, undefined)).toBe(61_000)
  })
})

describe('nextOpening', () => {
  it.each([
    ['2026-11-23 10:00', undefined], // Monday, open
    ['2026-11-23 18:30', '2026-11-24 09:00'], // Monday evening
    ['2026-11-24 07:00', '2026-11-24 09:00'], // Tuesday early
    ['2026-11-27 19:00', '2026-11-30 09:00'], // Friday evening -> Monday
    ['2026-11-29 12:00', '2026-11-30 09:00'], // Sunday
  ])('%s -> %s', (now, expected) => {
    const next = nextOpening(hours, at(now))
    expect(next === undefined ? undefined : show(next)).toBe(expected)
  })
  it('answers every second of a minute the same, and changes across the opening minute', () => {
    // The answer is kept per minute: 08:59:00..08:59:59 all wait for 09:00, 09:00:00 is open.
    const nine = at('2026-11-24 09:00')
    for (let s = 60; s >= 1; s--) expect(nextOpening(hours, nine - s * 1000)).toBe(nine)
    expect(nextOpening(hours, nine)).toBeUndefined()
    expect(nextOpening(hours, nine + 59_999)).toBeUndefined()
    // Another hours setting in the same minute is not answered from the kept one.
    expect(nextOpening({ ...hours, start: '10:00' }, nine)).toBe(at('2026-11-24 10:00'))
  })
})
