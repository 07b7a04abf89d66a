/**
 * The statistics the metrics use, defined once (docs/metrics.md): the median of an even count is
 * the mean of the two middle values; p90 is the nearest-rank value (the smallest value with at
 * least 90 % of the values at or below it).
 */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(p * sorted.length))
  return sorted[rank - 1] as number
}

/** part / whole, or null when there is nothing to divide by (shown as "-", never as 0 %). */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null
}

/** Relative change from `before` to `now`, or null when `before` is 0. */
export function change(now: number | null, before: number | null): number | null {
  if (now === null || before === null || before === 0) return null
  return (now - before) / before
}

/**
 * Net Promoter Score of votes on a 0-10 scale: % promoters (9-10) minus % detractors (0-6), from
 * -100 to 100; null when there are no votes or the options are not the numbers 0 to 10.
 */
export function netPromoterScore(options: readonly string[], votes: Record<string, number>): number | null {
  const scale = options.map((o) => o.trim())
  if (scale.length !== 11 || scale.some((o, i) => o !== String(i))) return null
  let total = 0
  let score = 0
  for (const [option, n] of Object.entries(votes)) {
    const value = Number(option.trim())
    total += n
    if (value >= 9) score += n
    else if (value <= 6) score -= n
  }
  return total > 0 ? Math.round((score / total) * 100) : null
}
