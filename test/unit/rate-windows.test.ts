import { describe, expect, it } from 'vitest'
import { RateWindows } from '../../src/features/moderation/rate-windows.js'

const S = 1000
const flood = { messages: 3, within: 10 * S }
const repeat = { times: 3, within: 60 * S }

/** Notes each time for one key and text, returning what each note answered. */
function run(
  w: RateWindows,
  key: string,
  notes: [at: number, text: string][],
  f?: { messages: number; within: number },
  r?: { times: number; within: number },
) {
  return notes.map(([at, text]) => w.note(key, text, at, f, r))
}

describe('RateWindows flood', () => {
  it('fires on the message that makes more than N within T, then needs a fresh burst', () => {
    const w = new RateWindows()
    const floods = run(
      w,
      'm',
      [0, 1, 2, 3, 4, 5, 6, 7].map((i): [number, string] => [i * S, `text ${i}`]),
      flood,
    ).map((r) => r.flood)
    // The 4th message is the first "more than 3"; the window is then cleared, so the 5th to
    // 7th are a new count and the 8th fires again.
    expect(floods).toEqual([0, 0, 0, 4, 0, 0, 0, 4])
  })

  it('counts a message exactly T old as outside the window', () => {
    const w = new RateWindows()
    const floods = run(
      w,
      'm',
      [
        [0, 'a'],
        [1 * S, 'b'],
        [2 * S, 'c'],
        [10 * S, 'd'], // the one at 0 is exactly 10 s old: 3 within the window, no flood
        [10.5 * S, 'e'], // 1 s, 2 s, 10 s, 10.5 s: 4 within 10 s
      ],
      flood,
    ).map((r) => r.flood)
    expect(floods).toEqual([0, 0, 0, 0, 4])
  })

  it('never fires for messages spread out beyond T', () => {
    const w = new RateWindows()
    const notes = Array.from({ length: 200 }, (_, i): [number, string] => [i * 5 * S, `msg ${i}`])
    expect(run(w, 'm', notes, flood).some((r) => r.flood > 0)).toBe(false)
    // The same number of messages in a burst does fire: the spreading is what kept it quiet.
    const burst = Array.from({ length: 200 }, (_, i): [number, string] => [10_000 * S + i, `msg ${i}`])
    expect(run(w, 'm', burst, flood).filter((r) => r.flood > 0)).toHaveLength(50)
  })

  it('reports nothing without a flood rule', () => {
    const w = new RateWindows()
    const notes = Array.from({ length: 20 }, (_, i): [number, string] => [i, `t${i}`])
    expect(run(w, 'm', notes).every((r) => r.flood === 0 && r.repeat === 0)).toBe(true)
  })
})

describe('RateWindows repeat', () => {
  it('fires at exactly `times` identical texts within the window, then starts over', () => {
    const w = new RateWindows()
    const repeats = run(
      w,
      'm',
      [
        [0, '免费领取红包'],
        [10 * S, '免费领取红包'],
        [20 * S, '免费领取红包'],
        [30 * S, '免费领取红包'],
        [40 * S, '免费领取红包'],
        [50 * S, '免费领取红包'],
      ],
      undefined,
      repeat,
    ).map((r) => r.repeat)
    expect(repeats).toEqual([0, 0, 3, 0, 0, 3])
  })

  it('does not fire for different texts', () => {
    const w = new RateWindows()
    const texts = ['早上好大家', '今天读什么', '早上好大家', '今天读什么', '晚上好大家', '周末愉快呀']
    const repeats = run(
      w,
      'm',
      texts.map((t, i): [number, string] => [i * S, t]),
      undefined,
      repeat,
    )
    expect(repeats.map((r) => r.repeat)).toEqual([0, 0, 0, 0, 0, 0])
    // A third copy of one of them does.
    expect(w.note('m', '早上好大家', 7 * S, undefined, repeat).repeat).toBe(3)
  })

  it('forgets copies older than the window', () => {
    const w = new RateWindows()
    const repeats = run(
      w,
      'm',
      [
        [0, 'same text'],
        [30 * S, 'same text'],
        [60 * S, 'same text'], // the first is exactly 60 s old: only 2 count
        [61 * S, 'same text'], // 30 s, 60 s, 61 s
        [200 * S, 'same text'],
        [300 * S, 'same text'],
        [400 * S, 'same text'],
      ],
      undefined,
      repeat,
    ).map((r) => r.repeat)
    expect(repeats).toEqual([0, 0, 0, 3, 0, 0, 0])
  })

  it('ignores an empty text (too short to be a repeat)', () => {
    const w = new RateWindows()
    const repeats = run(
      w,
      'm',
      Array.from({ length: 10 }, (_, i): [number, string] => [i, '']),
      undefined,
      repeat,
    )
    expect(repeats.every((r) => r.repeat === 0)).toBe(true)
    expect(w.size).toBe(0)
  })

  it('answers flood and repeat on the same message', () => {
    const w = new RateWindows()
    const results = run(
      w,
      'm',
      [0, 1, 2, 3].map((i): [number, string] => [i * S, i < 1 ? 'other' : 'again and again']),
      flood,
      repeat,
    )
    expect(results).toEqual([
      { flood: 0, repeat: 0 },
      { flood: 0, repeat: 0 },
      { flood: 0, repeat: 0 },
      { flood: 4, repeat: 3 },
    ])
  })
})

describe('RateWindows keys', () => {
  it('keeps each member apart', () => {
    const w = new RateWindows()
    // Alternating members, four messages each within 10 s: each one floods on their own 4th.
    const results: string[] = []
    for (let i = 0; i < 8; i++) {
      const key = i % 2 === 0 ? 'room\u0000alice' : 'room\u0000bob'
      const r = w.note(key, '同一句话重复发', i * S, flood, repeat)
      results.push(`${key.split('\u0000')[1]}:${r.flood}/${r.repeat}`)
    }
    expect(results).toEqual([
      'alice:0/0',
      'bob:0/0',
      'alice:0/0',
      'bob:0/0',
      'alice:0/3',
      'bob:0/3',
      'alice:4/0',
      'bob:4/0',
    ])
    expect(w.size).toBe(2)
  })

  it('keeps the same member in two groups apart', () => {
    const w = new RateWindows()
    for (let i = 0; i < 3; i++) expect(w.note('g1\u0000m', `a${i}`, i, flood).flood).toBe(0)
    for (let i = 0; i < 3; i++) expect(w.note('g2\u0000m', `b${i}`, i, flood).flood).toBe(0)
    expect(w.note('g1\u0000m', 'a3', 3, flood).flood).toBe(4)
  })
})

describe('RateWindows sweep', () => {
  it('drops idle members after 10,000 notes and keeps those inside the longest window', () => {
    const w = new RateWindows()
    const longRepeat = { times: 2, within: 60 * S }
    let notes = 0
    // 100 members who spoke once at t=0, with both rules (the longest window is 60 s).
    for (let i = 0; i < 100; i++, notes++) w.note(`idle-${i}`, `hello from ${i}`, 0, flood, longRepeat)
    // One member at t=50 s: outside the 10 s flood window by the sweep at t=100 s, but inside 60 s.
    w.note('recent', 'the same message', 50 * S, flood, longRepeat)
    notes++
    expect(w.size).toBe(101)

    // A busy member fills up the notes until just before the 10,000th.
    const busy = { messages: 1_000_000, within: 10 * S }
    while (notes < 9_999) {
      w.note('busy', '', 100 * S, busy)
      notes++
    }
    expect(w.size).toBe(102)
    // The 10,000th note sweeps everything at or before 100 s - 60 s.
    w.note('busy', '', 100 * S, busy)
    expect(w.size).toBe(2)

    // The kept member's window is intact: their second copy within 60 s is still a repeat.
    expect(w.note('recent', 'the same message', 100 * S, flood, longRepeat).repeat).toBe(2)
    // A swept member starts from nothing: their text seen again is not a repeat.
    expect(w.note('idle-0', 'hello from 0', 100 * S, flood, longRepeat).repeat).toBe(0)
    expect(w.size).toBe(3)
  })

  it('sweeps again at the next 10,000 notes', () => {
    const w = new RateWindows()
    const f = { messages: 1_000_000, within: 10 * S }
    for (let i = 0; i < 10_000; i++) w.note(`m${i}`, '', 0, f)
    // The sweep at the 10,000th note ran at t=0: nothing was older than the window yet.
    expect(w.size).toBe(10_000)
    for (let i = 0; i < 9_999; i++) w.note('late', '', 20 * S, f)
    expect(w.size).toBe(10_001)
    w.note('late', '', 20 * S, f)
    expect(w.size).toBe(1)
  })
})

describe('RateWindows repeats after a fired repeat', () => {
  it('copies from before the repeat fired do not count against later ones as they expire', () => {
    const w = new RateWindows()
    const repeat = { times: 3, within: 10_000 }
    // Three copies at 0, 1, 2 s fire; the next copies start a new count.
    expect(w.note('m', 'buy', 0, undefined, repeat).repeat).toBe(0)
    expect(w.note('m', 'buy', 1_000, undefined, repeat).repeat).toBe(0)
    expect(w.note('m', 'buy', 2_000, undefined, repeat).repeat).toBe(3)
    expect(w.note('m', 'buy', 9_000, undefined, repeat).repeat).toBe(0)
    expect(w.note('m', 'buy', 10_500, undefined, repeat).repeat).toBe(0)
    // At 12.5 s the fired copies have expired; the two after them are still in the window, so a
    // third fires now (a count lowered by the expired copies would miss it).
    expect(w.note('m', 'buy', 12_500, undefined, repeat).repeat).toBe(3)
  })

  it('a member sending many distinct texts costs the texts that expire, not all in the window', () => {
    const w = new RateWindows()
    const repeat = { times: 3, within: 60_000 }
    const started = performance.now()
    for (let i = 0; i < 50_000; i++) w.note('m', `text ${i}`, i, undefined, repeat)
    // Linear: well under a second; the old per-message walk over every text took minutes.
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(w.note('m', 'text 49999', 50_000, undefined, repeat).repeat).toBe(0)
    expect(w.note('m', 'text 49999', 50_001, undefined, repeat).repeat).toBe(3)
  })
})
