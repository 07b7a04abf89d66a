/** Nearest-rank percentile of `sorted` (ascending), `p` in [0, 1]. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1] ?? 0
}

export function sortedCopy(samples: Float64Array, n = samples.length): Float64Array {
  return samples.slice(0, n).sort()
}

export interface StageSummary {
  count: number
  totalMs: number
  meanUs: number
  p50Us: number
  p99Us: number
  maxUs: number
}

interface StageSamples {
  samples: Float64Array
  n: number
  total: number
}

/**
 * Per-stage times as the pipeline reports them (ms per call), kept in preallocated typed arrays
 * so collecting them does not allocate per message.
 */
export class StageTimes {
  private readonly stages = new Map<string, StageSamples>()

  constructor(private readonly capacity: number) {}

  readonly record = (stage: string, ms: number): void => {
    let s = this.stages.get(stage)
    if (!s) {
      s = { samples: new Float64Array(this.capacity), n: 0, total: 0 }
      this.stages.set(stage, s)
    }
    if (s.n < this.capacity) s.samples[s.n] = ms
    s.n++
    s.total += ms
  }

  /** Per-stage numbers, in `order` (pipeline order) first, then any other stage seen. */
  summary(order: string[] = []): Record<string, StageSummary> {
    const out: Record<string, StageSummary> = {}
    const names = [
      ...order.filter((n) => this.stages.has(n)),
      ...[...this.stages.keys()].filter((n) => !order.includes(n)),
    ]
    for (const name of names) {
      const s = this.stages.get(name)
      if (!s) continue
      const kept = Math.min(s.n, this.capacity)
      const sorted = sortedCopy(s.samples, kept)
      out[name] = {
        count: s.n,
        totalMs: round(s.total, 3),
        meanUs: round((s.total / Math.max(1, s.n)) * 1000, 2),
        p50Us: round(percentile(sorted, 0.5) * 1000, 2),
        p99Us: round(percentile(sorted, 0.99) * 1000, 2),
        maxUs: round((sorted[kept - 1] ?? 0) * 1000, 1),
      }
    }
    return out
  }
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
