import { isPeerQuestion, isQuestion } from './intent.js'
import type { KbEntry } from './schema.js'
import { addUserWords, contentWords, cutFolded, foldText, topicTokens } from './text.js'

interface IndexedEntry {
  entry: KbEntry
  /** Tokens of the question and of each similar phrasing. */
  phrasings: string[][]
  /** Each phrasing's total token weight (IDF), for the share of it a message contains. */
  phrasingWeights: number[]
  /** Every token of the entry, keywords' tokens included. */
  all: Set<string>
}

/** A knowledge base prepared for matching: token statistics, an inverted index, keyword lookup. */
export interface FaqIndex {
  size: number
  entries: IndexedEntry[]
  byToken: Map<string, number[]>
  byKeyword: Map<string, number[]>
  /** Keywords longer than the substring window, checked with includes(). */
  longKeywords: { keyword: string; entry: number }[]
  idf: Map<string, number>
  unknownIdf: number
  /** Per-entry accumulator reused by every match (zeroed after use). */
  scratch: Float64Array
}

/** Keywords up to this many characters are found by substring lookup; longer ones by scanning. */
const KEYWORD_WINDOW = 12

export function buildIndex(entries: readonly KbEntry[]): FaqIndex {
  addUserWords(entries.flatMap((e) => e.keywords))
  const indexed: IndexedEntry[] = entries.map((entry) => {
    const phrasings = [entry.q, ...entry.similar].map((p) => [...new Set(topicTokens(p))])
    const all = new Set(phrasings.flat())
    for (const k of entry.keywords) for (const t of topicTokens(k)) all.add(t)
    return { entry, phrasings, phrasingWeights: [], all }
  })
  const byToken = new Map<string, number[]>()
  const byKeyword = new Map<string, number[]>()
  const longKeywords: { keyword: string; entry: number }[] = []
  indexed.forEach((e, i) => {
    for (const t of e.all) {
      const list = byToken.get(t)
      if (list) list.push(i)
      else byToken.set(t, [i])
    }
    for (const raw of e.entry.keywords) {
      const k = foldText(raw)
      if (!k) continue
      if ([...k].length > KEYWORD_WINDOW) longKeywords.push({ keyword: k, entry: i })
      else {
        const list = byKeyword.get(k) ?? []
        if (!list.includes(i)) list.push(i)
        byKeyword.set(k, list)
      }
    }
  })
  const n = indexed.length
  const idf = new Map<string, number>()
  for (const [t, list] of byToken) idf.set(t, Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5)))
  for (const e of indexed)
    e.phrasingWeights = e.phrasings.map((p) => p.reduce((sum, t) => sum + (idf.get(t) ?? 0), 0))
  return {
    size: n,
    entries: indexed,
    byToken,
    byKeyword,
    longKeywords,
    idf,
    unknownIdf: Math.log(1 + (n + 0.5) / 0.5),
    scratch: new Float64Array(n),
  }
}

export interface Candidate {
  entry: KbEntry
  score: number
  keywordHit: boolean
}

/**
 * Scores entries against a message. Evidence: the entry's keywords appearing in the message, and
 * token overlap weighted by rarity (IDF) both ways: how much of the message the entry explains,
 * and how much of the entry's best phrasing the message contains. A keyword alone is strong
 * evidence; without one, the message and a phrasing must largely coincide.
 */
/** Entries scored in full per message: the ones explaining most of it. */
const CANDIDATE_POOL = 48

export function rank(
  index: FaqIndex,
  text: string,
  allow: (entry: KbEntry) => boolean = () => true,
): Candidate[] {
  if (index.size === 0) return []
  const folded = foldText(text)
  if (!folded) return []
  const words = cutFolded(folded)
  const query = [...new Set(contentWords(words))]
  const querySet = new Set(query)
  const weight = (t: string) => index.idf.get(t) ?? index.unknownIdf
  const queryWeight = query.reduce((s, t) => s + weight(t), 0)

  // How much of the message each entry explains, summed through the inverted index into a
  // scratch array (a large knowledge base has thousands of entries sharing a common word, and a
  // Map per message costs more than the arithmetic).
  const acc = index.scratch
  const touched: number[] = []
  for (const t of query) {
    const w = weight(t)
    for (const i of index.byToken.get(t) ?? []) {
      if (acc[i] === 0) touched.push(i)
      acc[i] = (acc[i] ?? 0) + w
    }
  }
  const explainedBy = (i: number) => acc[i] ?? 0
  const keywordHits = findKeywords(index, folded, words)
  // Score in full only the entries that explain most of the message, and the best keyword hits.
  let pool = touched.filter((i) => explainedBy(i) >= 0.3 * queryWeight)
  if (pool.length > CANDIDATE_POOL)
    pool = pool.sort((a, b) => explainedBy(b) - explainedBy(a)).slice(0, CANDIDATE_POOL)
  const hits = [...keywordHits]
  if (hits.length > CANDIDATE_POOL) hits.sort((a, b) => explainedBy(b) - explainedBy(a))
  const candidates = new Set<number>([...pool, ...hits.slice(0, CANDIDATE_POOL)])
  const explained = new Map<number, number>()
  for (const i of candidates) explained.set(i, explainedBy(i))
  for (const i of touched) acc[i] = 0

  const ranked: Candidate[] = []
  for (const i of candidates) {
    const e = index.entries[i]
    if (!e || !allow(e.entry)) continue
    const coverQuery = queryWeight > 0 ? (explained.get(i) ?? 0) / queryWeight : 0
    let coverPhrasing = 0
    e.phrasings.forEach((p, j) => {
      const total = e.phrasingWeights[j] ?? 0
      if (total <= 0) return
      let present = 0
      for (const t of p) if (querySet.has(t)) present += weight(t)
      coverPhrasing = Math.max(coverPhrasing, present / total)
    })
    const keywordHit = keywordHits.has(i)
    const overlap = (coverQuery + coverPhrasing) / 2
    const score = keywordHit
      ? 0.55 + 0.45 * Math.max(coverQuery, overlap)
      : 0.9 * overlap * Math.min(1, coverQuery * 1.25)
    ranked.push({ entry: e.entry, score: Math.round(score * 1000) / 1000, keywordHit })
  }
  return ranked.sort(
    (a, b) => b.score - a.score || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0),
  )
}

function findKeywords(index: FaqIndex, folded: string, words: string[]): Set<number> {
  const hits = new Set<number>()
  // A keyword counts only where a word starts: 续费 must not match inside 手续费.
  let offset = 0
  const starts: number[] = []
  for (const word of words) {
    starts.push(offset)
    offset += [...word].length
  }
  const chars = [...folded]
  for (const start of starts) {
    let piece = ''
    for (let len = 1; len <= KEYWORD_WINDOW && start + len <= chars.length; len++) {
      piece += chars[start + len - 1]
      const list = index.byKeyword.get(piece)
      if (list) for (const i of list) hits.add(i)
    }
  }
  for (const { keyword, entry } of index.longKeywords) if (folded.includes(keyword)) hits.add(entry)
  return hits
}

export interface MatchOptions {
  /** The message @mentions the bot: answer even without question words. */
  mentioned: boolean
  threshold: number
  margin: number
  allow?: (entry: KbEntry) => boolean
}

export type FaqDecision =
  | { kind: 'answer'; entry: KbEntry; score: number; reason: string }
  | { kind: 'choose'; candidates: Candidate[]; reason: string }
  | { kind: 'none'; reason: 'not-a-question' | 'no-match' | 'below-threshold'; best?: Candidate }

/** Characters of a message the FAQ looks at. */
const MAX_QUESTION_CHARS = 160

/** A question put to the other members needs this much confidence (unless the bot is @mentioned). */
const PEER_QUESTION_THRESHOLD = 0.9

/** What the bot should do with a group message, before cooldowns and texts. */
export function decide(index: FaqIndex, fullText: string, options: MatchOptions): FaqDecision {
  // A question fits in a few lines; a pasted essay is not one, and only its start is looked at.
  const text = fullText.length > MAX_QUESTION_CHARS ? fullText.slice(0, MAX_QUESTION_CHARS) : fullText
  if (!options.mentioned && !isQuestion(text)) return { kind: 'none', reason: 'not-a-question' }
  const ranked = rank(index, text, options.allow)
  const [best, second] = ranked
  if (!best) return { kind: 'none', reason: 'no-match' }
  const threshold =
    !options.mentioned && isPeerQuestion(text)
      ? Math.max(options.threshold, PEER_QUESTION_THRESHOLD)
      : options.threshold
  if (best.score < threshold) return { kind: 'none', reason: 'below-threshold', best }
  if (second && second.score >= options.threshold && best.score - second.score < options.margin) {
    const close = ranked
      .filter((c) => c.score >= options.threshold && best.score - c.score < options.margin)
      .slice(0, 3)
    return {
      kind: 'choose',
      candidates: close,
      reason: `ambiguous: ${close.map((c) => `${c.entry.id} ${c.score}`).join(', ')}`,
    }
  }
  return {
    kind: 'answer',
    entry: best.entry,
    score: best.score,
    reason: best.keywordHit ? 'keyword and overlap' : 'overlap',
  }
}
