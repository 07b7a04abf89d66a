/**
 * Masks personal numbers in free text before it is stored or logged (PIPL: minimum necessary).
 * Chinese resident ID numbers (18 characters, checksum letter X allowed) and mainland mobile
 * numbers (optionally +86-prefixed, optionally split by spaces or dashes) keep only enough
 * characters for a person to recognise their own number.
 */
const ID_NUMBER =
  /(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)/g
const MOBILE = /(?<!\d)(?:(?:\+|00)?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)/g
const HAS_DIGIT_RUN = /\d{4}/

export function maskPersonalData(text: string): string {
  // Most chat lines carry no long digit run; skip the regexes for them (hot path).
  if (!HAS_DIGIT_RUN.test(text)) return text
  return text
    .replace(ID_NUMBER, (id) => `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`)
    .replace(MOBILE, (_m, head: string, _mid: string, tail: string) => `${head}****${tail}`)
}
