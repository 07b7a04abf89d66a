/**
 * E-mail addresses in free text, found from each at-sign (`@` or the full-width `＠`) outwards with
 * bounded scans, never by a pattern tried at every position: a regex like `\w[\w.]*@...` restarts
 * at each letter of a long word and took 2.6 s on 60,000 `a` followed by `@` (issue #12).
 * Each character is looked at a bounded number of times, so the cost is linear in the text.
 */

/** RFC 5321 limits: a local part has at most 64 characters, a domain at most 253. */
const MAX_LOCAL = 64
const MAX_DOMAIN = 253

function isAt(code: number): boolean {
  return code === 0x40 || code === 0xff20
}

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || isLetter(code)
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

/** A-Z a-z 0-9 . _ % + - */
function isLocalChar(code: number): boolean {
  return isAlnum(code) || code === 0x2e || code === 0x5f || code === 0x25 || code === 0x2b || code === 0x2d
}

/** `.`, and the full stops a Chinese input method types instead: `。` `．` `｡`. */
function isDot(code: number): boolean {
  return code === 0x2e || code === 0x3002 || code === 0xff0e || code === 0xff61
}

/**
 * Masks every e-mail address: the first character of the user name stays, the rest of it is
 * replaced by `***`, and the domain is kept with ASCII `@` and dots (`z***@qq.com`).
 */
export function maskEmails(text: string): string {
  let out = ''
  let copied = 0
  const n = text.length
  for (let at = 0; at < n; at++) {
    if (!isAt(text.charCodeAt(at))) continue
    // Back over the user name, no further than the previous address or MAX_LOCAL characters.
    let start = at
    while (start > copied && at - start < MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--
    while (start < at && !isAlnum(text.charCodeAt(start))) start++
    if (start === at) continue
    const end = domainEnd(text, at + 1)
    if (end < 0) continue
    out += `${text.slice(copied, start)}${text[start]}***@${asciiDots(text.slice(at + 1, end))}`
    copied = end
    at = end - 1
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/**
 * The end of the longest domain starting at `from` (labels of A-Z a-z 0-9 -, separated by dots,
 * ending in a dot and at least two letters), or -1 when there is none.
 */
function domainEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN)
  let end = -1
  let dot = -1
  let letters = 0
  for (let i = from; i < limit; i++) {
    const code = text.charCodeAt(i)
    if (isDot(code)) {
      dot = i
      letters = 0
    } else if (isLetter(code)) {
      if (letters >= 0) letters++
      if (dot > from && letters >= 2) end = i + 1
    } else if (isAlnum(code) || code === 0x2d) {
      // A digit or a hyphen: this label is not a top-level domain.
      letters = -1
    } else break
  }
  return end
}

function asciiDots(domain: string): string {
  let out = ''
  for (const ch of domain) out += isDot(ch.charCodeAt(0)) ? '.' : ch
  return out
}
