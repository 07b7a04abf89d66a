import { DateTime } from 'luxon'
import type { HandoffConfig } from './schema.js'

type BusinessHours = NonNullable<HandoffConfig['businessHours']>

/**
 * The time `duration` of business hours after `start`: an SLA of 15 minutes on a ticket opened at
 * 20:55 with hours 09:00-21:00 runs out at 09:10 the next open day. Without business hours, plain
 * elapsed time.
 */
export function addBusinessTime(start: number, duration: number, hours: BusinessHours | undefined): number {
  if (!hours) return start + duration
  const [sh = 0, sm = 0] = hours.start.split(':').map(Number)
  const [eh = 0, em = 0] = hours.end.split(':').map(Number)
  let left = duration
  let day = DateTime.fromMillis(start, { zone: hours.timezone }).startOf('day')
  // Bounded: an SLA longer than a year of business days is a configuration mistake.
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    if (!hours.days.includes(day.weekday)) continue
    const open = day.set({ hour: sh, minute: sm }).toMillis()
    const close = day.set({ hour: eh, minute: em }).toMillis()
    const from = Math.max(open, start)
    if (from >= close) continue
    if (from + left <= close) return from + left
    left -= close - from
  }
  return start + duration
}
