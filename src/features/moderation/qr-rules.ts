import { hostOf, isAllowedHost } from './links.js'

/**
 * What a QR code in a member's image points at. WeChat's own payloads are told apart because
 * they are the ads that matter most in Chinese groups: a personal card ("加我微信") and another
 * group's invite.
 */
export type QrKind = 'wechat_personal' | 'wechat_group' | 'wechat_pay' | 'wechat_official' | 'url' | 'text'

const WECHAT_PATTERNS: [QrKind, (url: URL) => boolean][] = [
  ['wechat_personal', (u) => u.hostname === 'u.wechat.com'],
  ['wechat_group', (u) => u.hostname === 'weixin.qq.com' && u.pathname.startsWith('/g/')],
  ['wechat_official', (u) => u.hostname === 'weixin.qq.com' && u.pathname.startsWith('/r/')],
  ['wechat_official', (u) => u.hostname === 'mp.weixin.qq.com'],
  ['wechat_pay', (u) => u.protocol === 'wxp:'],
]

export function classifyQr(text: string): QrKind {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return 'text'
  }
  for (const [kind, test] of WECHAT_PATTERNS) if (test(url)) return kind
  return url.protocol === 'http:' || url.protocol === 'https:' ? 'url' : 'text'
}

/**
 * The payload without scheme, lower-case host: what an allow-list entry is compared with
 * ("weixin.qq.com/g/AbCdEf" allows the group's own invite and nothing else).
 */
function target(text: string): string {
  try {
    const url = new URL(text.trim())
    if (url.protocol === 'http:' || url.protocol === 'https:')
      return `${url.hostname.toLowerCase()}${url.pathname}${url.search}`
    return text.trim()
  } catch {
    return text.trim()
  }
}

/**
 * The first QR payload the profile does not allow, or undefined. A payload is allowed when it
 * starts with an entry of `allow` (scheme left out), or when it is a web link to a domain the
 * profile's link rules allow.
 */
export function firstDisallowedQr(
  texts: readonly string[],
  allow: readonly string[],
  allowDomains: readonly string[],
): { text: string; kind: QrKind } | undefined {
  for (const text of texts) {
    const kind = classifyQr(text)
    const t = target(text)
    if (allow.some((a) => t.startsWith(a))) continue
    if (kind === 'url') {
      const host = hostOf(text.trim())
      if (host && isAllowedHost(host, allowDomains)) continue
    }
    return { text, kind }
  }
  return undefined
}
