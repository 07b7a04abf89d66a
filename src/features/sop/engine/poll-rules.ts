import { normalizeCommand, normalizeText } from '../../../core/normalize-text.js'

/**
 * A vote is a message that is exactly one of the options (full-width forms, case and spacing
 * folded). Stray punctuation around it ("3！") is forgiven only when that leaves one option, so
 * options that differ only in punctuation or sign (👍/👎, -1/1, A+/A) are never merged.
 */
export function readVote(text: string, options: readonly string[]): string | undefined {
  const exact = normalizeText(text)
  const direct = options.find((o) => normalizeText(o) === exact)
  if (direct !== undefined) return direct
  const loose = normalizeCommand(text)
  if (!loose) return undefined
  const candidates = options.filter((o) => normalizeCommand(o) === loose)
  return candidates.length === 1 ? candidates[0] : undefined
}

export interface PollTally {
  votes: number
  counts: { option: string; votes: number }[]
  /** Mean of the votes when every option is a number (a 1-5 rating), else undefined. */
  average?: number
  /** The option(s) with the most votes, joined with "/". */
  top: string
}

/** Counts one vote per member; the caller keeps only each member's last vote. */
export function tallyPoll(options: readonly string[], votes: Iterable<string>): PollTally {
  const counts = new Map(options.map((o) => [o, 0]))
  let total = 0
  for (const v of votes) {
    if (!counts.has(v)) continue
    counts.set(v, (counts.get(v) ?? 0) + 1)
    total++
  }
  const list = options.map((option) => ({ option, votes: counts.get(option) ?? 0 }))
  const max = Math.max(0, ...list.map((c) => c.votes))
  const numeric = options.every((o) => /^-?\d+(\.\d+)?$/.test(o))
  const sum = list.reduce((s, c) => s + Number(c.option) * c.votes, 0)
  return {
    votes: total,
    counts: list,
    ...(numeric && total > 0 ? { average: Math.round((sum / total) * 10) / 10 } : {}),
    top:
      max === 0
        ? ''
        : list
            .filter((c) => c.votes === max)
            .map((c) => c.option)
            .join('/'),
  }
}
