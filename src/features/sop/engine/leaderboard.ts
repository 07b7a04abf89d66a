export interface CheckinScore {
  memberId: string
  name: string
  /** Check-in days in the ranking period. */
  days: number
  /** Current streak. */
  streak: number
}

/** Ranks by days, then streak, then name; equal scores share a rank ("1, 2, 2, 4"). */
export function rankCheckins(scores: CheckinScore[], top: number): (CheckinScore & { rank: number })[] {
  const sorted = [...scores]
    .filter((s) => s.days > 0)
    .sort((a, b) => b.days - a.days || b.streak - a.streak || a.name.localeCompare(b.name))
  const ranked: (CheckinScore & { rank: number })[] = []
  sorted.forEach((s, i) => {
    const previous = ranked[i - 1]
    const rank = previous && previous.days === s.days && previous.streak === s.streak ? previous.rank : i + 1
    ranked.push({ ...s, rank })
  })
  return ranked.filter((r) => r.rank <= top)
}
