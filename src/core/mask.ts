/**
 * Masks personal data in free text before it is stored, logged or sent to staff systems (PIPL:
 * minimum necessary). Chinese resident ID numbers (18 characters, checksum letter X allowed),
 * mainland mobile numbers (optionally +86-prefixed, optionally split by spaces or dashes), bank
 * card numbers (16-19 digits, optionally in groups) and e-mail addresses keep only enough for a
 * person to recognise their own.
 */
const ID_NUMBER =
  /(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)/g
const MOBILE = /(?<!\d)(?:(?:\+|00)?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)/g
// 16-19 digits, plain or in groups of four separated by a space or a dash.
const BANK_CARD = /(?<![\d*])(?:\d{4}[-\s]?){3}\d{4}(?:[-\s]?\d{1,3})?(?!\d)/g
const EMAIL = /([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g
const HAS_DIGIT_RUN = /\d{4}/

const FULL_WIDTH_DIGIT = /[０-９]/g
const HAS_FULL_WIDTH_DIGIT = /[０-９]/

export function maskPersonalData(text: string): string {
  // Chinese input methods often type full-width digits (１３８…); they are masked as digits.
  let out = HAS_FULL_WIDTH_DIGIT.test(text)
    ? text.replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    : text
  // Most chat lines carry no long digit run; skip the number patterns for them (hot path).
  if (HAS_DIGIT_RUN.test(out)) {
    out = out
      .replace(ID_NUMBER, (id) => `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`)
      .replace(MOBILE, (_m, head: string, _mid: string, tail: string) => `${head}****${tail}`)
      .replace(BANK_CARD, (card) => {
        const digits = card.replace(/\D/g, '')
        return `${digits.slice(0, 4)}${'*'.repeat(digits.length - 8)}${digits.slice(-4)}`
      })
  }
  // E-mail addresses last: a user name can start inside a number written just before it
  // ("138 1234 5678abc@qq.com"), and masking it first would leave the rest of the number unmasked.
  return out.includes('@')
    ? out.replace(EMAIL, (_m, first: string, domain: string) => `${first}***@${domain}`)
    : out
}

/** Keys that hold identifiers, not free text: a WeChat id may well look like a phone number. */
const ID_KEY = /^(?:id|mention)$|Id$|_id$/

/** Masks every free-text string inside a JSON-like value (webhook payloads); ids are left alone. */
export function maskDeep<T>(value: T): T {
  if (typeof value === 'string') return maskPersonalData(value) as T
  if (Array.isArray(value)) return value.map(maskDeep) as T
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = ID_KEY.test(k) ? v : maskDeep(v)
    return out as T
  }
  return value
}
