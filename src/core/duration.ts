const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^(\d{1,6})(s|m|h|d|w)$/

/** Parses an operator duration such as `60s`, `30m`, `24h`, `3d`, `2w`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim())
  if (!match) return undefined
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? 0)
}
