/**
 * Folds the ways people type the same words: full-width forms (ＡＢＣ１２３，！) become
 * half-width (NFKC), letters lower case, runs of white space one space, and the ends trimmed.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()
}

const EDGE_PUNCTUATION = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu

/** normalizeText, and punctuation, symbols and emoji removed from both ends ("打卡！！👍" -> "打卡"). */
export function normalizeCommand(text: string): string {
  return normalizeText(text).replace(EDGE_PUNCTUATION, '')
}
