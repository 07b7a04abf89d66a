import type { FaqDecision } from './matcher.js'

/** The CLI and API form of a decision: `{match: {id, score, answer} | null, reason}`. */
export function describeDecision(decision: FaqDecision): {
  match: { id: string; score: number; answer: string } | null
  reason: string
  candidates?: { id: string; score: number }[]
} {
  if (decision.kind === 'answer') {
    return {
      match: { id: decision.entry.id, score: decision.score, answer: decision.entry.a },
      reason: decision.reason,
    }
  }
  if (decision.kind === 'choose') {
    return {
      match: null,
      reason: decision.reason,
      candidates: decision.candidates.map((c) => ({ id: c.entry.id, score: c.score })),
    }
  }
  return {
    match: null,
    reason: decision.best
      ? `${decision.reason} (best ${decision.best.entry.id} ${decision.best.score})`
      : decision.reason,
  }
}
