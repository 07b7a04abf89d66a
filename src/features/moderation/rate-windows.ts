/**
 * Recent activity per member, in memory: message times for flood detection and the times of each
 * distinct text for repeats. Losing it on a restart only forgets the last few seconds or minutes,
 * which is why it is not stored. Entries older than the longest window are dropped as they are
 * passed, and idle members are swept now and then, so memory follows active members only.
 */
export class RateWindows {
  private readonly times = new Map<string, number[]>()
  private readonly texts = new Map<string, RecentTexts>()
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
      const recent = this.texts.get(key) ?? new RecentTexts()
      recent.expire(now - repeat.within)
      const count = recent.add(text, now)
      if (count >= repeat.times) {
        result.repeat = count
        recent.forget(text)
      }
      this.texts.set(key, recent)
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
    for (const [key, recent] of this.texts) {
      recent.expire(before)
      if (recent.empty) this.texts.delete(key)
    }
  }
}

/**
 * One member's recent texts in the order they came, with a count per distinct text. Expiring walks
 * from the oldest end and stops at the first text still inside the window, so a message costs the
 * texts that left the window since the last one, not every text the member sent within it.
 */
class RecentTexts {
  /** Each queued copy points at its text's tally, so copies from before a forget() count nowhere. */
  private readonly order: { tally: Tally; at: number }[] = []
  private head = 0
  private readonly tallies = new Map<string, Tally>()

  get empty(): boolean {
    return this.tallies.size === 0
  }

  /** Adds a text; answers how many times it is now in the window. */
  add(text: string, at: number): number {
    let tally = this.tallies.get(text)
    if (!tally) {
      tally = { text, count: 0 }
      this.tallies.set(text, tally)
    }
    tally.count++
    this.order.push({ tally, at })
    return tally.count
  }

  /** A repeat that fired starts over: earlier copies no longer count towards the next one. */
  forget(text: string): void {
    this.tallies.delete(text)
  }

  expire(before: number): void {
    const order = this.order
    while (this.head < order.length) {
      const oldest = order[this.head] as { tally: Tally; at: number }
      if (oldest.at > before) break
      this.head++
      const { tally } = oldest
      if (--tally.count === 0 && this.tallies.get(tally.text) === tally) this.tallies.delete(tally.text)
    }
    if (this.head > 64 && this.head * 2 > order.length) {
      order.splice(0, this.head)
      this.head = 0
    }
  }
}

interface Tally {
  text: string
  count: number
}

/** Drops times at or before `before` (the list is in time order); returns the same list. */
function prune(list: number[], before: number): number[] {
  let drop = 0
  while (drop < list.length && (list[drop] as number) <= before) drop++
  if (drop > 0) list.splice(0, drop)
  return list
}
