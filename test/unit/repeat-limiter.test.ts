import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { RepeatLimiter, repeatKey } from '../../src/core/repeat-limiter.js'

describe('RepeatLimiter', () => {
  it('logs the first hit, counts repeats within the interval, logs the next one with the count', async () => {
    const clock = new ManualClock()
    const limiter = new RepeatLimiter(clock, 60_000)
    expect(limiter.hit('k')).toEqual({ log: true, suppressed: 0 })
    await clock.advance(1_000)
    expect(limiter.hit('k')).toEqual({ log: false, suppressed: 1 })
    await clock.advance(1_000)
    expect(limiter.hit('k')).toEqual({ log: false, suppressed: 2 })
    await clock.advance(57_999) // 59,999 ms after the logged hit
    expect(limiter.hit('k')).toEqual({ log: false, suppressed: 3 })
    await clock.advance(1) // exactly the interval
    expect(limiter.hit('k')).toEqual({ log: true, suppressed: 3 })
    // The count starts over from the newly logged hit.
    expect(limiter.hit('k')).toEqual({ log: false, suppressed: 1 })
    await clock.advance(60_000)
    expect(limiter.hit('k')).toEqual({ log: true, suppressed: 1 })
    await clock.advance(60_000)
    expect(limiter.hit('k')).toEqual({ log: true, suppressed: 0 })
  })

  it('keeps distinct keys independent', async () => {
    const clock = new ManualClock()
    const limiter = new RepeatLimiter(clock, 10_000)
    expect(limiter.hit('a').log).toBe(true)
    expect(limiter.hit('b').log).toBe(true)
    expect(limiter.hit('a')).toEqual({ log: false, suppressed: 1 })
    expect(limiter.hit('a')).toEqual({ log: false, suppressed: 2 })
    await clock.advance(5_000)
    expect(limiter.hit('c')).toEqual({ log: true, suppressed: 0 })
    await clock.advance(5_000)
    expect(limiter.hit('a')).toEqual({ log: true, suppressed: 2 })
    expect(limiter.hit('b')).toEqual({ log: true, suppressed: 0 })
    expect(limiter.hit('c')).toEqual({ log: false, suppressed: 1 })
  })

  it('remembers at most maxKeys keys, forgetting the oldest', () => {
    const clock = new ManualClock()
    const limiter = new RepeatLimiter(clock, 60_000, 3)
    for (const key of ['a', 'b', 'c']) expect(limiter.hit(key).log).toBe(true)
    expect(limiter.hit('d').log).toBe(true) // 'a' is forgotten
    expect(limiter.hit('b').log).toBe(false)
    expect(limiter.hit('c').log).toBe(false)
    expect(limiter.hit('d').log).toBe(false)
    expect(limiter.hit('a').log).toBe(true) // logged again: it was forgotten; now 'b' goes
    expect(limiter.hit('b').log).toBe(true)
  })

  it('stays bounded under many distinct keys', () => {
    const clock = new ManualClock()
    const limiter = new RepeatLimiter(clock, 60_000, 100)
    for (let i = 0; i < 10_000; i++) limiter.hit(`key ${i}`)
    const seen = (limiter as unknown as { seen: Map<string, unknown> }).seen
    expect(seen.size).toBe(100)
    // The newest ones are the ones kept.
    expect(limiter.hit('key 9999').log).toBe(false)
    expect(limiter.hit('key 0').log).toBe(true)
  })
})

describe('repeatKey', () => {
  it('folds numbers and hex ids so the same error with different ids shares a key', () => {
    const a = repeatKey('platform', 'no payload for id 123abcdef0')
    const b = repeatKey('platform', 'no payload for id 99ffeedd11')
    expect(a).toBe(b)
    expect(a).toBe('platform|no payload for id #')
    expect(repeatKey('platform', 'retry 3 of 5')).toBe(repeatKey('platform', 'retry 12 of 50'))
  })

  it('keeps different codes and different texts apart', () => {
    expect(repeatKey('platform', 'no payload')).not.toBe(repeatKey('timeout', 'no payload'))
    expect(repeatKey('platform', 'no payload')).not.toBe(repeatKey('platform', 'room not found'))
  })

  it('cuts the text to 120 characters', () => {
    const key = repeatKey('platform', 'z'.repeat(10_000))
    expect(key).toBe(`platform|${'z'.repeat(120)}`)
    expect(repeatKey('platform', `${'z'.repeat(200)}A`)).toBe(repeatKey('platform', `${'z'.repeat(200)}B`))
  })
})
