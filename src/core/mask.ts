import { maskEmails } from './mask-email.js'
import { maskNumbers } from './mask-numbers.js'

/**
 * Masks personal data in free text before it is stored, logged or sent to staff systems (PIPL:
 * minimum necessary). Mainland mobile numbers (`138****5678`, a +86/0086 prefix goes into the mask),
 * resident ID numbers (`110***********002X`), bank card numbers (first 4 and last 4 digits) and
 * e-mail addresses (`z***@qq.com`) keep only enough for a person to recognise their own, in the
 * forms people write them: grouped by spaces, dashes, dots, underscores, full-width or invisible
 * characters, with full-width digits, `＠` and `。`. See mask-numbers.ts and mask-email.ts.
 *
 * Linear in the text: member text is hostile input (issue #12), so nothing here backtracks.
 */
/** A digit (ASCII or full-width) or an at-sign (ASCII or full-width): nothing to mask without one. */
const MAY_HOLD_PERSONAL_DATA = /[0-9@\uff10-\uff19\uff20]/
/** The shortest number masked: a mobile number's 11 digits. */
const FEWEST_DIGITS = 11

export function maskPersonalData(text: string): string {
  // Most chat lines hold neither a digit nor an at-sign: one native scan and they go as they are.
  if (!MAY_HOLD_PERSONAL_DATA.test(text)) return text
  // Times, prices and dates have fewer digits than any number masked: count before reading runs.
  let digits = 0
  let at = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19)) digits++
    else if (c === 0x40 || c === 0xff20) at = true
  }
  // Numbers first: a user name can start inside a number written just before it
  // ("138 1234 5678abc@qq.com"), and masking the address first would leave the number's start.
  const numbersMasked = digits >= FEWEST_DIGITS ? maskNumbers(text) : text
  return at ? maskEmails(numbersMasked) : numbersMasked
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
