import { normalizeCommand, normalizeText } from '../../../core/normalize-text.js'

/**
 * A check-in is a message that is one of the keywords, or starts with one followed by a space or
 * punctuation ("打卡 今天读了30页"): people add a note to their check-in, but "打卡机坏了" is not one.
 */
export function isKeywordMessage(text: string, keywords: readonly string[]): boolean {
  const normalized = normalizeCommand(text)
  return keywords.some((keyword) => {
    const k = normalizeCommand(keyword)
    // A keyword of only symbols (an emoji) must be the whole message.
    if (!k) return normalizeText(text) === normalizeText(keyword)
    if (!normalized.startsWith(k)) return false
    const rest = normalized.slice(k.length)
    return rest === '' || /^[\s\p{P}\p{S}]/u.test(rest)
  })
}

export interface CheckinHistory {
  /** Day number (days since epoch of the local calendar date) of the last check-in. */
  lastDay?: number
  lastStreak: number
  totalDays: number
}

export type CheckinDecision =
  | { kind: 'already' }
  | { kind: 'new'; streak: number; totalDays: number; awards: { delta: number; reason: string }[] }

/**
 * One check-in per local day: a check-in on the day after the last one extends the streak, a gap
 * starts a new streak at 1. Points for the check-in, plus a bonus when the streak reaches exactly
 * one of the bonus lengths (so a 7-day bonus is paid once per streak).
 */
export function decideCheckin(
  history: CheckinHistory,
  today: number,
  rules: { points: number; streakBonus: Record<string, number> },
): CheckinDecision {
  // "Later than today" happens when the time zone is edited westward or the clock steps back.
  if (history.lastDay !== undefined && history.lastDay >= today) return { kind: 'already' }
  const streak = history.lastDay === today - 1 ? history.lastStreak + 1 : 1
  const awards: { delta: number; reason: string }[] = []
  if (rules.points > 0) awards.push({ delta: rules.points, reason: 'checkin' })
  const bonus = rules.streakBonus[String(streak)]
  if (bonus) awards.push({ delta: bonus, reason: `streak-bonus:${streak}` })
  return { kind: 'new', streak, totalDays: history.totalDays + 1, awards }
}
