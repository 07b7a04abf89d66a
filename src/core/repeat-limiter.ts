import type { Clock } from './clock.js'

/**
 * Keeps a repeating log line to one per interval: the first occurrence of a key is logged, the
 * next ones within `intervalMs` are only counted, and the first one after the interval is logged
 * with that count. A gateway that fails the same way a hundred times a minute writes one line a
 * minute, not a hundred.
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, { loggedAt: number; suppressed: number }>()

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    /** Distinct keys remembered; the oldest is forgotten past this, so hostile text cannot grow it. */
    private readonly maxKeys = 500,
  ) {}

  /**
   * Whether to log this occurrence now, and how many of the same key were left out since the
   * last one logged.
   */
  hit(key: string): { log: boolean; suppressed: number } {
    const now = this.clock.now()
    const entry = this.seen.get(key)
    if (entry && now - entry.loggedAt < this.intervalMs) {
      entry.suppressed++
      return { log: false, suppressed: entry.suppressed }
    }
    const suppressed = entry?.suppressed ?? 0
    this.seen.delete(key)
    this.seen.set(key, { loggedAt: now, suppressed: 0 })
    if (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value
      if (oldest !== undefined) this.seen.delete(oldest)
    }
    return { log: true, suppressed }
  }
}

/** A key for "the same error": ids, numbers and hex runs folded, cut to 120 characters. */
export function repeatKey(code: string, message: string): string {
  return `${code}|${message
    .slice(0, 160)
    .replace(/[0-9a-f]{6,}|\d+/gi, '#')
    .slice(0, 120)}`
}
