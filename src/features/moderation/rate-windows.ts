/**
 * Recent activity per member, in memory: message times for flood detection and the times of each
 * distinct text for repeats. Losing it on a restart only forgets the last few seconds or minutes,
 * which is why it is not stored. Entries older than the longest window are dropped as they are
 * passed, and idle members are swept now and then, so memory follows active members only.
 */
export class RateWindows {
  private readonly times = new Map<string, number[]>()
  private readonly texts = new Map<string, Map<string, number[]>>()
  private seen = 0
  /** The longest window asked for so far: a sweep never drops what some group's rule still needs. */
  private longest = 0

  /**
   * Records a message and answers whether it completes a flood (more than `flood.messages` within
   * `flood.within`) or a repeat (the same text `repeat.times` times within `repeat.within`). A
   * window that fired is cleared, so each further violation needs a new burst.
   */
  note(
    key: string,
    text: string,
    now: number,
    flood?: { messages: number; within: number },
    repeat?: { times: number; within: number },
  ): { flood: number; repeat: number } {
    const result = { flood: 0, repeat: 0 }
    if (flood) {
      const list = prune(this.times.get(key) ?? [], now - flood.within)
      list.push(now)
      if (list.length > flood.messages) {
        result.flood = list.length
        list.length = 0
      }
      this.times.set(key, list)
    }
    if (repeat && text.length > 0) {
      const byText = this.texts.get(key) ?? new Map<string, number[]>()
      for (const [t, list] of byText) if (prune(list, now - repeat.within).length === 0) byText.delete(t)
      const list = byText.get(text) ?? []
      list.push(now)
      if (list.length >= repeat.times) {
        result.repeat = list.length
        byText.delete(text)
      } else byText.set(text, list)
      this.texts.set(key, byText)
    }
    this.longest = Math.max(this.longest, flood?.within ?? 0, repeat?.within ?? 0)
    if (++this.seen % 10_000 === 0) this.sweep(now - this.longest)
    return result
  }

  /** Members tracked (for tests and metrics). */
  get size(): number {
    return new Set([...this.times.keys(), ...this.texts.keys()]).size
  }

  private sweep(before: number): void {
    for (const [key, list] of this.times) if (prune(list, before).length === 0) this.times.delete(key)
    for (const [key, byText] of this.texts) {
      for (const [t, list] of byText) if (prune(list, before).length === 0) byText.delete(t)
      if (byText.size === 0) this.texts.delete(key)
    }
  }
}

/** Drops times at or before `before` (the list is in time order); returns the same list. */
function prune(list: number[], before: number): number[] {
  let drop = 0
  while (drop < list.length && (list[drop] as number) <= before) drop++
  if (drop > 0) list.splice(0, drop)
  return list
}
