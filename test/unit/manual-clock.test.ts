import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'

describe('ManualClock', () => {
  it('fires timers in time order as time moves, including ones scheduled on the way', async () => {
    const clock = new ManualClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200)
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`)
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 50)
    }, 100)
    const cancelled = clock.setTimeout(() => fired.push('never'), 120)
    cancelled.cancel()
    expect(await clock.advance(1000)).toBe(1000)
    expect(fired).toEqual(['a@100', 'c@150', 'b@200'])
  })

  it('does not fire timers that are not yet due', async () => {
    const clock = new ManualClock(0)
    let fired = false
    clock.setTimeout(() => (fired = true), 500)
    await clock.advance(499)
    expect(fired).toBe(false)
    expect(clock.nextTimerAt()).toBe(500)
  })
})
