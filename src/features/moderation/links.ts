/**
 * Finds the hosts of links in chat text, including the ways ads write them to slip past a plain
 * URL pattern: without a scheme ("abc.top/x"), with full-width or small dots or "。" for ".", with
 * zero-width characters or a space before a dot. Bare words are treated as domains only with a
 * known top-level domain and no space after the dot, so "3.5", "v1.2" and sentences such as
 * "Thanks. So what" or "5 p.m. today" are not links.
 */
const TLDS =
  'com|cn|net|org|top|xyz|cc|io|me|vip|shop|site|link|info|club|app|online|store|tech|ltd|wang|ink|fun|icu|live|pro|biz|tv|co|hk|tw|mo|ai|asia|work|cloud|red|run|plus|life|group|world|today|email|space|website|press|host|im|ly|gl|gd|to|ws|so'
const SCHEME_URL = /\b(?:https?|ftp):\/\/([^\s/?#:]+)/giu
const BARE_HOST = new RegExp(
  `(?<![a-z0-9@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])? ?\\.)+(?:${TLDS}))(?![a-z0-9-])`,
  'giu',
)
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g

/** Folds look-alike dots, full-width forms and invisible characters: "ｘｘ．ｃｏｍ", "xx。com" read as xx.com. */
function foldDots(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/[。｡︒․]/g, '.')
    .toLowerCase()
}

/** The distinct hosts linked in `text`, lower case, in order of appearance. */
export function findLinkHosts(text: string): string[] {
  const folded = foldDots(text)
  if (!/[.:]/.test(folded)) return []
  const hosts: string[] = []
  for (const m of folded.matchAll(SCHEME_URL)) hosts.push((m[1] ?? '').replace(/\.$/, ''))
  const withoutUrls = folded.replace(SCHEME_URL, ' ')
  for (const m of withoutUrls.matchAll(BARE_HOST)) hosts.push((m[1] ?? '').replace(/\s/g, ''))
  return [...new Set(hosts.filter((h) => h.length > 0))]
}

/** The host of a URL (a link card's target), or undefined when it is not a URL. */
export function hostOf(url: string): string | undefined {
  try {
    // mailto:, data: and javascript: URLs have no host: the whole URL stands for it.
    return new URL(url).hostname.toLowerCase() || undefined
  } catch {
    return findLinkHosts(url)[0]
  }
}

/** True when `host` is an allowed domain or a subdomain of one. */
export function isAllowedHost(host: string, allowDomains: readonly string[]): boolean {
  return allowDomains.some((d) => host === d || host.endsWith(`.${d}`))
}
