import type { ManualClock } from '../../core/clock.js'
import type { IdleTracker } from '../../core/idle-tracker.js'
import type { PacedSender } from '../paced-sender.js'

export interface SettleParts {
  clock: ManualClock
  trackers: IdleTracker[]
  sender: PacedSender
}

export class SettleTimeout extends Error {}

/** Waits until no tracked event is in flight and no send is under way. */
export async function waitQuiet(parts: SettleParts, deadline: number): Promise<void> {
  for (;;) {
    const busy = parts.trackers.filter((t) => t.busy)
    if (busy.length === 0) {
      await parts.sender.whenQuiet()
      if (!parts.trackers.some((t) => t.busy)) return
      continue
    }
    await withDeadline(Promise.all(busy.map((t) => t.whenIdle())), deadline)
  }
}

/**
 * Runs the simulated world until nothing is left to do: every injected event handled and the send
 * queue empty. Pacing waits are served by moving the simulated clock to the next send time, so
 * transcripts show real gaps while the caller waits only for the CPU. Returns the clock time.
 */
export async function settle(parts: SettleParts, limitMs = 15_000): Promise<number> {
  const deadline = Date.now() + limitMs
  for (;;) {
    await waitQuiet(parts, deadline)
    await parts.clock.advance(0)
    await waitQuiet(parts, deadline)
    const due = parts.sender.nextDueAt()
    if (due === undefined) return parts.clock.now()
    if (Date.now() > deadline)
      throw new SettleTimeout(`not settled after ${limitMs} ms: the send queue keeps work`)
    if (due > parts.clock.now()) await parts.clock.advanceTo(due)
    else parts.sender.wake()
  }
}

async function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SettleTimeout('not settled in time: an event is still being handled')),
      Math.max(0, deadline - Date.now()),
    )
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
