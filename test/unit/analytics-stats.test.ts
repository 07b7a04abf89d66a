import { describe, expect, it } from 'vitest'
import { change, median, nearestRank, netPromoterScore, rate } from '../../src/features/analytics/stats.js'

// docs/metrics.md: the median of an even count is the mean of the two middle values; p90 is the
// nearest-rank value (the smallest value with at least 90 % of the values at or below it).

describe('median', () => {
  it('is the middle value of an odd count', () => {
    // 1 3 [5] 7 9
    expect(median([1, 3, 5, 7, 9])).toBe(5)
  })

  it('is the mean of the two middle values of an even count', () => {
    // 2 [4 10] 30 -> (4 + 10) / 2 = 7
    expect(median([2, 4, 10, 30])).toBe(7)
    // 1 [2 3] 4 -> 2.5: the mean may fall between two whole values
    expect(median([1, 2, 3, 4])).toBe(2.5)
    // [1 2] -> 1.5
    expect(median([1, 2])).toBe(1.5)
  })

  it('sorts its input numerically (not as strings) and leaves the input alone', () => {
    // Sorted: 2 4 10 30 (a string sort would give 10 2 30 4 -> (2 + 30) / 2 = 16)
    const input = [30, 10, 2, 4]
    expect(median(input)).toBe(7)
    expect(input).toEqual([30, 10, 2, 4])
    // Sorted: 1 5 9 100 1000 -> 9
    expect(median([1000, 9, 100, 1, 5])).toBe(9)
  })

  it('is the value itself for one value and null for none', () => {
    expect(median([42])).toBe(42)
    expect(median([])).toBeNull()
  })
})

describe('nearestRank p90', () => {
  const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

  it('with 10 values is the 9th smallest', () => {
    // rank = ceil(0.9 * 10) = 9: 9 of the 10 values (90 %) are at or below 9; 8 would cover 80 %.
    expect(nearestRank(oneTo(10), 0.9)).toBe(9)
  })

  it('with 11 values is the 10th smallest', () => {
    // rank = ceil(0.9 * 11) = ceil(9.9) = 10: the 9th covers only 9/11 = 81.8 %, the 10th 90.9 %.
    expect(nearestRank(oneTo(11), 0.9)).toBe(10)
  })

  it('with 4 values is the largest (the handoff example)', () => {
    // rank = ceil(3.6) = 4; 3 of 4 would be 75 %.
    expect(nearestRank([10, 2, 30, 4], 0.9)).toBe(30)
  })

  it('with 20 values is the 18th smallest, in any input order', () => {
    // rank = ceil(18) = 18 exactly (no float rounding up to 19)
    const shuffled = oneTo(20)
      .map((v) => v * 100)
      .reverse()
    expect(nearestRank(shuffled, 0.9)).toBe(1800)
  })

  it('with one value is that value, and null without values', () => {
    expect(nearestRank([7], 0.9)).toBe(7)
    expect(nearestRank([], 0.9)).toBeNull()
  })
})

describe('rate', () => {
  it('divides part by whole', () => {
    expect(rate(3, 4)).toBe(0.75)
    expect(rate(0, 4)).toBe(0)
  })

  it('is null when there is nothing to divide by', () => {
    expect(rate(0, 0)).toBeNull()
    expect(rate(5, 0)).toBeNull()
  })
})

describe('change', () => {
  it('is (now - before) / before', () => {
    // 10 -> 12: +2 / 10 = +0.2
    expect(change(12, 10)).toBeCloseTo(0.2, 12)
    // 10 -> 10: 0
    expect(change(10, 10)).toBe(0)
  })

  it('is negative for a decrease', () => {
    // 8 -> 6: -2 / 8 = -0.25
    expect(change(6, 8)).toBe(-0.25)
    // 5 -> 0: -100 %
    expect(change(0, 5)).toBe(-1)
  })

  it('is null when before is 0 or either side is unknown', () => {
    expect(change(3, 0)).toBeNull()
    expect(change(0, 0)).toBeNull()
    expect(change(null, 4)).toBeNull()
    expect(change(4, null)).toBeNull()
  })
})

describe('netPromoterScore', () => {
  const scale = Array.from({ length: 11 }, (_, i) => String(i))
  it('is % promoters (9-10) minus % detractors (0-6), passives (7-8) counting only in the total', () => {
    // 3 promoters, 2 passives, 5 detractors of 10 votes: 30 % - 50 % = -20.
    expect(netPromoterScore(scale, { '10': 2, '9': 1, '8': 1, '7': 1, '6': 3, '0': 2 })).toBe(-20)
    // All promoters: 100; all detractors: -100.
    expect(netPromoterScore(scale, { '9': 4 })).toBe(100)
    expect(netPromoterScore(scale, { '3': 1 })).toBe(-100)
  })
  it('is null without votes, or for a poll that is not a 0-10 scale', () => {
    expect(netPromoterScore(scale, {})).toBeNull()
    expect(netPromoterScore(['1', '2', '3', '4', '5'], { '5': 3 })).toBeNull()
    expect(netPromoterScore(['好', '不好'], { 好: 1 })).toBeNull()
  })
})
