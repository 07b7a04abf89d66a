import { CronExpressionParser } from 'cron-parser'
import { DateTime, IANAZone } from 'luxon'
import type { Schedule } from '../core/jobs.js'

// nextAfter(t) is the first fire time strictly after t; lastAtOrBefore(t) the last one at or before t.
export type { Schedule }

// Longer than any DST change (1 h almost everywhere, 2 h at most) plus the hour it repeats or skips.
const SHIFT_MARGIN_MS = 3 * 3_600_000
// Beyond this, two offset changes could cancel out between two fire times.
const MAX_UNCHECKED_SPAN_MS = 60 * 86_400_000

/**
 * Returns why a cron expression is not accepted, or undefined if it is. Only the classic five
 * fields (minute hour day-of-month month day-of-week) are accepted: jobs run with minute
 * precision, and `H` would make the fire times depend on a hash seed nobody sees.
 */
export function validateCron(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/).filter(Boolean)
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`
  }
  if (fields.some((f) => /(^|[^A-Za-z])H($|[^A-Za-z])/.test(f)))
    return 'the H (hash) randomiser is not supported'
  try {
    CronExpressionParser.parse(fields.join(' '), { currentDate: new Date(0), tz: 'UTC' }).next()
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  return undefined
}

/**
 * The fire times of a five-field cron expression in an IANA time zone. Throws on an invalid
 * expression or zone; check them first with {@link validateCron} and {@link isValidTimeZone}.
 *
 * Near a DST change cron-parser's answer depends on where it starts counting (started inside a
 * repeated hour, "30 1 * * *" fires a second time; started inside a skipped hour, it misses the
 * moved fire time). Both methods here agree with counting forward from well before the change,
 * so a daily job fires exactly once per local day whenever the scheduler (re)starts.
 */
export function cronSchedule(expr: string, timeZone: string): Schedule {
  const key = `${expr}\u0000${timeZone}`
  let schedule = schedules.get(key)
  if (!schedule) {
    schedule = rememberLastAnswers(buildCronSchedule(expr, timeZone))
    if (schedules.size >= 1_000) schedules.clear()
    schedules.set(key, schedule)
  }
  return schedule
}

/**
 * One Schedule per (expression, zone): 500 groups on one SOP share their topics' schedules, and
 * the scheduler keeps a job's next fire time while its schedule is the same object, so binding
 * a new group does not make it recount every other group's cron times (the bench's start with
 * 500 groups spent two minutes doing that).
 */
const schedules = new Map<string, Schedule>()

/** Jobs added together ask the same schedule about the same moment: answer repeats from memory. */
function rememberLastAnswers(schedule: Schedule): Schedule {
  const memo = (fn: (t: number) => number | undefined) => {
    let lastT = Number.NaN
    let last: number | undefined
    return (t: number) => {
      if (t !== lastT) {
        last = fn(t)
        lastT = t
      }
      return last
    }
  }
  return { nextAfter: memo(schedule.nextAfter), lastAtOrBefore: memo(schedule.lastAtOrBefore) }
}

function buildCronSchedule(expr: string, timeZone: string): Schedule {
  const reason = validateCron(expr)
  if (reason) throw new Error(`invalid cron expression "${expr}": ${reason}`)
  if (!isValidTimeZone(timeZone)) throw new Error(`unknown time zone "${timeZone}"`)
  const zone = IANAZone.create(timeZone)
  const fields = expr.trim().split(/\s+/).join(' ')
  const iterate = (from: number) =>
    CronExpressionParser.parse(fields, { currentDate: new Date(from), tz: timeZone })
  const attempt = (fn: () => number): number | undefined => {
    try {
      return fn()
    } catch {
      return undefined // no such time (cron-parser gives up after its loop limit)
    }
  }
  const shiftBetween = (a: number, b: number) =>
    b - a > MAX_UNCHECKED_SPAN_MS || zone.offset(a) !== zone.offset(b)
  const rawLast = (t: number) =>
    attempt(() =>
      iterate(t + 1)
        .prev()
        .getTime(),
    )

  const nextAfter = (t: number): number | undefined => {
    if (!shiftBetween(t - SHIFT_MARGIN_MS, t + SHIFT_MARGIN_MS))
      return attempt(() => iterate(t).next().getTime())
    return attempt(() => {
      const it = iterate(t - SHIFT_MARGIN_MS)
      for (;;) {
        const n = it.next().getTime()
        if (n > t) return n
      }
    })
  }

  const lastAtOrBefore = (t: number): number | undefined => {
    let p = rawLast(t)
    if (p === undefined || !shiftBetween(p - SHIFT_MARGIN_MS, t + SHIFT_MARGIN_MS)) return p
    // Counting backwards is not trustworthy across the change: confirm by counting forward.
    while (p !== undefined) {
      let last: number | undefined
      for (let n = nextAfter(p - 1); n !== undefined && n <= t; n = nextAfter(n)) last = n
      if (last !== undefined) return last
      p = rawLast(p - 1)
    }
    return undefined
  }

  return { nextAfter, lastAtOrBefore }
}

/** One Schedule per fire time, shared like cron schedules (see `schedules`). */
const onceSchedules = new Map<number, Schedule>()

/** A schedule with one fire time. */
export function onceSchedule(at: number): Schedule {
  let schedule = onceSchedules.get(at)
  if (!schedule) {
    schedule = {
      nextAfter: (t) => (at > t ? at : undefined),
      lastAtOrBefore: (t) => (at <= t ? at : undefined),
    }
    if (onceSchedules.size >= 1_000) onceSchedules.clear()
    onceSchedules.set(at, schedule)
  }
  return schedule
}

const LOCAL_FORMATS = [
  'yyyy-MM-dd HH:mm',
  'yyyy-MM-dd HH:mm:ss',
  "yyyy-MM-dd'T'HH:mm",
  "yyyy-MM-dd'T'HH:mm:ss",
]

/**
 * Reads "2026-12-01 20:00" (or with "T", or with ":ss") as a wall-clock time in an IANA zone.
 * A time skipped by a DST change moves forward by the change, as cron does. Returns undefined
 * for text in another shape, impossible dates or times, or an unknown zone.
 */
export function parseLocalDateTime(text: string, timeZone: string): number | undefined {
  // Each bound group's SOP asks again on every rebind, and luxon's parser is slow: answers kept.
  const key = `${text}\u0000${timeZone}`
  if (parsedLocalTimes.has(key)) return parsedLocalTimes.get(key)
  const parsed = parseLocalDateTimeNow(text, timeZone)
  if (parsedLocalTimes.size >= 1_000) parsedLocalTimes.clear()
  parsedLocalTimes.set(key, parsed)
  return parsed
}

const parsedLocalTimes = new Map<string, number | undefined>()

function parseLocalDateTimeNow(text: string, timeZone: string): number | undefined {
  if (!isValidTimeZone(timeZone)) return undefined
  const trimmed = text.trim()
  for (const format of LOCAL_FORMATS) {
    const parsed = DateTime.fromFormat(trimmed, format, { zone: timeZone })
    if (!parsed.isValid) continue
    // luxon reads "24:00" as midnight of the next day; nobody means that.
    if (parsed.toFormat('yyyy-MM-dd') !== trimmed.slice(0, 10)) return undefined
    return parsed.toMillis()
  }
  return undefined
}

/** Zone names already checked: luxon builds an Intl.DateTimeFormat for every check. */
const zoneValidity = new Map<string, boolean>()

/** True for an IANA zone name the runtime knows, e.g. "Asia/Shanghai". */
export function isValidTimeZone(tz: string): boolean {
  let valid = zoneValidity.get(tz)
  if (valid === undefined) {
    valid = tz.length > 0 && IANAZone.isValidZone(tz)
    if (zoneValidity.size >= 1_000) zoneValidity.clear()
    zoneValidity.set(tz, valid)
  }
  return valid
}

// Building an Intl.DateTimeFormat costs far more than using one, and localDay runs per message.
const dayFormatters = new Map<string, Intl.DateTimeFormat>()

/** The calendar date of `t` in `timeZone`, as "YYYY-MM-DD". */
export function localDay(t: number, timeZone: string): string {
  let formatter = dayFormatters.get(timeZone)
  if (!formatter) {
    // en-CA formats dates as YYYY-MM-DD.
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
    dayFormatters.set(timeZone, formatter)
  }
  return formatter.format(t)
}

/**
 * Days since 1970-01-01 of a "YYYY-MM-DD" date, counted on the calendar (not in elapsed time),
 * so consecutive local days differ by exactly 1 even across a DST change.
 */
export function dayNumber(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) throw new Error(`not a YYYY-MM-DD date: "${day}"`)
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / 86_400_000
}
