/**
 * Failed token checks per client, in fixed one-minute windows. Past the limit a client is refused
 * (429) until its window ends, so guessing the admin token costs a minute per few guesses instead
 * of nothing. Memory is bounded: old windows are dropped when the table grows.
 */
export class AuthFailureLimiter {
  private readonly clients = new Map<string, { since: number; failures: number; logged: boolean }>()

  constructor(
    private readonly limitPerMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {}

  /** Milliseconds until the client may try again, or 0 when it may try now. */
  blockedFor(client: string): number {
    const entry = this.current(client)
    if (!entry || entry.failures < this.limitPerMinute) return 0
    return Math.max(1, entry.since + 60_000 - this.now())
  }

  /** Counts a failure; true the first time in a window that the client reaches the limit. */
  fail(client: string): boolean {
    const now = this.now()
    let entry = this.current(client)
    if (!entry) {
      if (this.clients.size >= this.maxClients) this.prune(now)
      entry = { since: now, failures: 0, logged: false }
      this.clients.set(client, entry)
    }
    entry.failures++
    if (entry.failures >= this.limitPerMinute && !entry.logged) {
      entry.logged = true
      return true
    }
    return false
  }

  private current(client: string) {
    const entry = this.clients.get(client)
    if (entry && this.now() - entry.since >= 60_000) {
      this.clients.delete(client)
      return undefined
    }
    return entry
  }

  private prune(now: number): void {
    for (const [client, entry] of this.clients) if (now - entry.since >= 60_000) this.clients.delete(client)
    // Still full (a flood from many addresses): forget the oldest half rather than grow.
    if (this.clients.size >= this.maxClients) {
      let drop = Math.floor(this.clients.size / 2)
      for (const client of this.clients.keys()) {
        if (drop-- <= 0) break
        this.clients.delete(client)
      }
    }
  }
}
