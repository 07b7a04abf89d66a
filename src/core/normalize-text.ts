/**
 * Folds the ways people type the same words: full-width forms (ＡＢＣ１２３，！) become
 * half-width (NFKC), letters lower case, runs of white space one space, and the ends trimmed.
 */
export const normalizeText = memoized((text) =>
  text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim(),
)

const LEADING_EDGE = /^[\s\p{P}\p{S}]+/u
const EDGE_CHARACTER = /^[\s\p{P}\p{S}]$/u

/** normalizeText, and punctuation, symbols and emoji removed from both ends ("打卡！！👍" -> "打卡"). */
export const normalizeCommand = memoized((text) => {
  const folded = normalizeText(text)
  const start = LEADING_EDGE.exec(folded)?.[0].length ?? 0
  // The tail is walked back by hand rather than matched with /[\s\p{P}\p{S}]+$/: that pattern
  // restarts at every symbol of "a ! ! ! ... a" and costs seconds on a 60,000-character message.
  let end = folded.length
  while (end > start) {
    const width = end - start >= 2 && isSurrogatePair(folded, end - 2) ? 2 : 1
    if (!EDGE_CHARACTER.test(folded.slice(end - width, end))) break
    end -= width
  }
  return folded.slice(start, end)
})

/** Strings up to this length are remembered: keywords, options and most chat lines. */
const SHORT = 32
const SHORT_ENTRIES = 4096

/**
 * Remembers `fold`'s results (a pure function of the text). Every stage folds the same message, and the operator's keywords,
 * options and task words are folded again for each message they are compared with: short strings
 * are kept in a bounded map (emptied when full), and the last long one on its own.
 */
export function memoized(fold: (text: string) => string): (text: string) => string {
  const short = new Map<string, string>()
  let lastIn = ''
  let lastOut = ''
  return (text) => {
    if (text.length > SHORT) {
      if (text !== lastIn) {
        lastOut = fold(text)
        lastIn = text
      }
      return lastOut
    }
    let out = short.get(text)
    if (out === undefined) {
      out = fold(text)
      if (short.size >= SHORT_ENTRIES) short.clear()
      short.set(text, out)
    }
    return out
  }
}

function isSurrogatePair(text: string, at: number): boolean {
  const high = text.charCodeAt(at)
  const low = text.charCodeAt(at + 1)
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff
}
