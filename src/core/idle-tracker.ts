/**
 * Counts work in flight (inbound events, pipeline runs) so that the simulator's settle and a
 * graceful shutdown can wait until everything accepted has been handled.
 */
export class IdleTracker {
  private inFlight = 0
  private waiters: (() => void)[] = []

  begin(): () => void {
    this.inFlight++
    let done = false
    return () => {
      if (done) return
      done = true
      this.inFlight--
      if (this.inFlight === 0) {
        const waiters = this.waiters
        this.waiters = []
        for (const w of waiters) w()
      }
    }
  }

  get busy(): boolean {
    return this.inFlight > 0
  }

  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }
}
