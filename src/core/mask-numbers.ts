/**
 * Personal numbers in free text (mainland mobile numbers, resident ID numbers, bank card numbers),
 * found in one pass without a backtracking regex, so a member's message costs time in proportion to
 * its length whatever it holds.
 *
 * People write these numbers in groups: `138 1234 5678`, `155.0000.2222`, `110105 19491231 002X`,
 * `6222 0212 3456 7890`, `622202 1234567890123`, with an invisible zero-width character inside or
 * with full-width digits from a Chinese input method. So the text is read as *runs*: groups of digits
 * joined by at most three separator characters. Within a run, whole groups are combined into
 * recognised numbers by dynamic programming that covers as many digits as possible: whichever way a
 * run could be read, every digit of a real number ends up masked (a greedy reading could find a
 * mobile inside a card's groups, or let a card swallow the start of a mobile written after it).
 *
 * Checksums keep false positives visible: an 18-digit order id fails the ID checksum (or its date),
 * a 16-19 digit order number fails the Luhn check, and dates, prices, times and timestamps are too
 * short or split by characters that are not separators (`,` `:` `/`).
 */

/** The longest number recognised: a 19-digit card (a `0086`-prefixed mobile has 15). */
const MAX_DIGITS = 19
/** Separator characters allowed between two groups of one number. */
const MAX_SEPARATORS = 3

/** 0-9 for an ASCII or full-width digit, else -1. */
function digitAt(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 0xff10 && code <= 0xff19) return code - 0xff10
  return -1
}

/** Invisible characters: inside a group they are skipped, between groups they count as separators. */
export function isZeroWidth(code: number): boolean {
  return (code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff
}

/**
 * Characters people put between the groups of a number: space, `-`, `.`, `_`, the dashes and
 * hyphens a phone keyboard or a word processor makes, their full-width forms, no-break space.
 * Not `,` `:` `/` (prices, times, dates) and not `。` (it ends a sentence: the next one may start
 * with an unrelated number).
 */
function isSeparator(code: number): boolean {
  switch (code) {
    case 0x20: // space
    case 0x2d: // -
    case 0x2e: // .
    case 0x5f: // _
    case 0xa0: // no-break space
    case 0x2010: // hyphen
    case 0x2011: // non-breaking hyphen
    case 0x2012: // figure dash
    case 0x2013: // en dash
    case 0x2014: // em dash
    case 0x2212: // minus sign
    case 0x3000: // ideographic (full-width) space
    case 0xff0d: // full-width hyphen-minus
    case 0xff0e: // full-width full stop
    case 0xff3f: // full-width low line
      return true
    default:
      return isZeroWidth(code)
  }
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const NONE = 0
const MOBILE = 1
const ID = 2
const CARD = 3

/**
 * One run's groups and the choice made for them, in buffers reused between calls (masking is
 * synchronous) and grown by doubling: a 60,000-character message costs no allocation per group.
 */
let capacity = 64
/** Text index of each group's first digit, and one past its last digit. */
let groupStart = new Int32Array(capacity)
let groupEnd = new Int32Array(capacity)
/** Index into `digits` of each group's first digit; entry g+1 closes group g. */
let offset = new Int32Array(capacity + 1)
/** Per group end: best digit coverage, the chosen segment's first group (or -1) and its kind. */
let best = new Int32Array(capacity + 1)
let from = new Int32Array(capacity + 1)
let kindOf = new Uint8Array(capacity + 1)
/** The run's digit values in order (one per digit, so at least as long as the groups). */
let digits = new Uint8Array(capacity)
let groups = 0
let digitCount = 0
/** Index into the text of the X/x that ends the run's last group, or -1. */
let checkX = -1

function grow(): void {
  capacity *= 2
  const widen = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T, n: number): T => {
    const next = make(n)
    next.set(old)
    return next
  }
  groupStart = widen(groupStart, (n) => new Int32Array(n), capacity)
  groupEnd = widen(groupEnd, (n) => new Int32Array(n), capacity)
  offset = widen(offset, (n) => new Int32Array(n), capacity + 1)
  best = new Int32Array(capacity + 1)
  from = new Int32Array(capacity + 1)
  kindOf = new Uint8Array(capacity + 1)
  digits = widen(digits, (n) => new Uint8Array(n), capacity)
}

const at32 = (a: Int32Array, i: number): number => a[i] ?? 0
const digit = (i: number): number => digits[i] ?? 0
const count = (g: number): number => at32(offset, g + 1) - at32(offset, g)

/** Masks every mobile, resident ID and bank card number in `text`; other text is returned as it is. */
export function maskNumbers(text: string): string {
  let out = ''
  let copied = 0
  let i = 0
  const n = text.length
  while (i < n) {
    if (digitAt(text.charCodeAt(i)) < 0) {
      i++
      continue
    }
    i = readRun(text, i)
    if (digitCount < 11 || !chooseSegments()) continue
    out += maskRun(text, copied)
    copied = lastCopied
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/** Reads the run starting at a digit at `i`; returns the index just after it. */
function readRun(text: string, i: number): number {
  groups = 0
  digitCount = 0
  checkX = -1
  offset[0] = 0
  const n = text.length
  let pos = i
  for (;;) {
    // One group: digits, with zero-width characters between them skipped.
    if (groups === capacity) grow()
    groupStart[groups] = pos
    let last = pos
    while (pos < n) {
      const code = text.charCodeAt(pos)
      const d = digitAt(code)
      if (d >= 0) {
        if (digitCount === capacity) grow()
        digits[digitCount++] = d
        last = pos
        pos++
      } else if (isZeroWidth(code) && pos + 1 < n && digitAt(text.charCodeAt(pos + 1)) >= 0) {
        pos++
      } else break
    }
    groupEnd[groups] = last + 1
    groups++
    offset[groups] = digitCount
    pos = last + 1
    // An ID number's check character ends the run.
    const after = pos < n ? text.charCodeAt(pos) : 0
    if (after === 0x58 || after === 0x78) {
      checkX = pos
      return pos + 1
    }
    // Up to MAX_SEPARATORS separator characters, then a digit, continue the run.
    let sep = pos
    while (sep < n && sep - pos < MAX_SEPARATORS && isSeparator(text.charCodeAt(sep))) sep++
    if (sep === pos || sep >= n || digitAt(text.charCodeAt(sep)) < 0) return pos
    pos = sep
  }
}

/**
 * Dynamic programming over the run's groups: best[e] is the most digits groups 0..e-1 can have
 * covered by recognised numbers made of whole consecutive groups. False when nothing is recognised.
 */
function chooseSegments(): boolean {
  best[0] = 0
  for (let end = 1; end <= groups; end++) {
    // Leaving group end-1 unmasked is always possible.
    let top = at32(best, end - 1)
    let start = -1
    let kind = NONE
    let total = 0
    const withX = end === groups && checkX >= 0
    for (let first = end - 1; first >= 0; first--) {
      const size = count(first)
      total += size
      if (total + (withX ? 1 : 0) > MAX_DIGITS) break
      const found = total >= 11 ? recognise(first, end, total, withX) : NONE
      if (found !== NONE) {
        const covered = at32(best, first) + total + (found === ID && withX ? 1 : 0)
        if (covered > top) {
          top = covered
          start = first
          kind = found
        }
      }
      // Every number has groups of three digits or more before its last group (a mobile's 86
      // country code excepted, which comes first): a shorter group ends the search further back.
      // This keeps '1 1 1 1 ...' at two steps a group.
      if (size < 3 && first < end - 1) break
    }
    best[end] = top
    from[end] = start
    kindOf[end] = kind
  }
  return at32(best, groups) > 0
}

/** Where the last maskRun stopped copying the text (one past the last masked number). */
let lastCopied = 0
/** Chosen segments, collected back to front. */
let stack = new Int32Array(16)

/** The text from `copied` to the run's last masked number, with the chosen numbers masked. */
function maskRun(text: string, copied: number): string {
  let top = 0
  for (let end = groups; end > 0; ) {
    const first = at32(from, end)
    if (first < 0) {
      end--
      continue
    }
    if (top === stack.length) {
      const next = new Int32Array(stack.length * 2)
      next.set(stack)
      stack = next
    }
    stack[top++] = end
    end = first
  }
  let out = ''
  let at = copied
  while (top > 0) {
    const end = at32(stack, --top)
    const first = at32(from, end)
    const kind = kindOf[end] ?? NONE
    let begin = at32(groupStart, first)
    let finish = at32(groupEnd, end - 1)
    const lo = at32(offset, first)
    const hi = at32(offset, end)
    let masked: string
    if (kind === MOBILE) {
      // The country code (and a + before it) goes into the mask: 138****5678.
      if (hi - lo > 11 && first === 0 && isPlus(text.charCodeAt(begin - 1))) begin--
      masked = `${spell(hi - 11, hi - 8)}****${spell(hi - 4, hi)}`
    } else if (kind === ID) {
      if (hi - lo === 17) {
        finish = checkX + 1
        masked = `${spell(lo, lo + 3)}***********${spell(hi - 3, hi)}${text[checkX]}`
      } else masked = `${spell(lo, lo + 3)}***********${spell(hi - 4, hi)}`
    } else {
      masked = `${spell(lo, lo + 4)}${'*'.repeat(hi - lo - 8)}${spell(hi - 4, hi)}`
    }
    out += text.slice(at, begin) + masked
    at = finish
  }
  lastCopied = at
  return out
}

/** Digits lo..hi-1 of the run as ASCII. */
function spell(lo: number, hi: number): string {
  let s = ''
  for (let k = lo; k < hi; k++) s += String.fromCharCode(48 + digit(k))
  return s
}

function isPlus(code: number): boolean {
  return code === 0x2b || code === 0xff0b
}

/** What the groups first..end-1 (total digits, plus the run's X when `withX`) are, if anything. */
function recognise(first: number, end: number, total: number, withX: boolean): number {
  const at = at32(offset, first)
  // Before its last group, an ID number has groups of three digits or more.
  const shortFirst = count(first) < 3 && first < end - 1
  if ((withX ? total === 17 : total === 18) && !shortFirst && isIdNumber(at, withX)) return ID
  if ((total === 11 || total === 13 || total === 15) && isMobile(first, end, at, total)) return MOBILE
  if (total >= 16 && total <= 19 && isCardGrouping(first, end) && luhn(at, total)) return CARD
  return NONE
}

/**
 * 1[3-9] and nine more digits, optionally after 86 or 0086. Each group has at least three digits
 * (138 1234 5678, 1381234 5678), except a first group that is the country code alone (86 138...):
 * a list of small numbers (1 3 5 7 9 11 13 15) is not a phone number.
 */
function isMobile(first: number, end: number, at: number, total: number): boolean {
  const prefix = total - 11
  if (prefix === 2 && !(digit(at) === 8 && digit(at + 1) === 6)) return false
  if (prefix === 4 && !(digit(at) === 0 && digit(at + 1) === 0 && digit(at + 2) === 8 && digit(at + 3) === 6))
    return false
  if (digit(at + prefix) !== 1 || digit(at + prefix + 1) < 3) return false
  for (let g = first; g < end; g++) {
    const size = count(g)
    if (size < 3 && !(g === first && size === prefix)) return false
  }
  return true
}

/** GB 11643: area (first digit 1-9), a real birth date from 1800 to 2099, MOD 11-2 check character. */
function isIdNumber(at: number, withX: boolean): boolean {
  if (digit(at) === 0) return false
  const century = digit(at + 6) * 10 + digit(at + 7)
  if (century < 18 || century > 20) return false
  const year = century * 100 + digit(at + 8) * 10 + digit(at + 9)
  const month = digit(at + 10) * 10 + digit(at + 11)
  const day = digit(at + 12) * 10 + digit(at + 13)
  if (month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] ?? 0)) return false
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false
  let sum = 0
  for (let k = 0; k < 17; k++) sum += digit(at + k) * (ID_WEIGHTS[k] ?? 0)
  const check = ID_CHECK.charCodeAt(sum % 11)
  return withX ? check === 0x58 : check === 48 + digit(at + 17)
}

/** Plain, 4-4-4-4 (a shorter last group for 17-19 digits), or 6 then 10-13 (622202 1234567890123). */
function isCardGrouping(first: number, end: number): boolean {
  const parts = end - first
  if (parts === 1) return true
  if (parts === 2) {
    const tail = count(first + 1)
    return count(first) === 6 && tail >= 10 && tail <= 13
  }
  if (parts < 4) return false
  for (let g = first; g < end - 1; g++) if (count(g) !== 4) return false
  return count(end - 1) <= 4
}

function luhn(at: number, total: number): boolean {
  let sum = 0
  for (let k = 0; k < total; k++) {
    let d = digit(at + total - 1 - k)
    if (k % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}
