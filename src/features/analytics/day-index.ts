import { DateTime } from 'luxon'
import { dayNumber, localDay } from '../../scheduler/calendar.js'

/**
 * Local calendar days in one time zone, as day numbers (days since 1970-01-01 of the local date).
 * The bounds of the last day seen are cached, so the per-message cost is two comparisons.
 */
export class DayIndex {
  private start = 0
  private end = -1
  private current = 0

  constructor(readonly timeZone: string) {}

  /** The local day of epoch-ms `t`. */
  dayOf(t: number): number {
    if (t >= this.start && t < this.end) return this.current
    const local = DateTime.fromMillis(t, { zone: this.timeZone }).startOf('day')
    this.start = local.toMillis()
    this.end = local.plus({ days: 1 }).toMillis()
    this.current = dayNumber(localDay(t, this.timeZone))
    return this.current
  }

  /** The epoch ms at which local day `day` starts. */
  startOf(day: number): number {
    return DateTime.fromISO(DayIndex.format(day), { zone: this.timeZone }).startOf('day').toMillis()
  }

  /** A day number as "YYYY-MM-DD". */
  static format(day: number): string {
    return new Date(day * 86_400_000).toISOString().slice(0, 10)
  }

  /** "YYYY-MM-DD" to a day number. */
  static parse(date: string): number {
    return dayNumber(date)
  }
}
