/** A cancellable timer handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  cancel(): void
}

/**
 * The one source of time. Everything that reads the time or waits takes a Clock, so tests and the
 * simulator can move time instead of waiting for it.
 */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms))
    // Timers must never keep a stopping process alive; shutdown is explicit.
    t.unref()
    return { cancel: () => clearTimeout(t) }
  },
}

interface PendingTimer {
  at: number
  seq: number
  fn: () => void
}

/**
 * A clock that only moves when told to. `advance` fires due timers in time order, letting the
 * async work each one starts run before the next fires, so a chain of timers behaves as it would
 * in real time.
 */
export class ManualClock implements Clock {
  private current: number
  private seq = 0
  private timers: PendingTimer[] = []
  /**
   * Awaited after each fired timer, before the next one fires. The simulator sets it to "wait
   * until the work that timer started is done", so a simulated week runs like a real one.
   */
  afterTimer: (() => Promise<void>) | undefined

  constructor(start = Date.UTC(2026, 0, 5, 1, 0, 0)) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: PendingTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn }
    this.timers.push(timer)
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer)
      },
    }
  }

  /** The time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    let next: number | undefined
    for (const t of this.timers) if (next === undefined || t.at < next) next = t.at
    return next
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<number> {
    return this.advanceTo(this.current + ms)
  }

  async advanceTo(target: number): Promise<number> {
    for (;;) {
      const due = this.popDue(target)
      if (!due) break
      this.current = Math.max(this.current, due.at)
      due.fn()
      await flushMicrotasks()
      if (this.afterTimer) await this.afterTimer()
    }
    this.current = Math.max(this.current, target)
    await flushMicrotasks()
    return this.current
  }

  private popDue(target: number): PendingTimer | undefined {
    let best: PendingTimer | undefined
    for (const t of this.timers) {
      if (t.at > target) continue
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t
    }
    if (best) this.timers = this.timers.filter((t) => t !== best)
    return best
  }
}

/** Lets already-queued promise callbacks and I/O callbacks run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
