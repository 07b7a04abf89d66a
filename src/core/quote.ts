/**
 * WeChat shows a reply to an earlier message (引用) as the quoted line, a dashed rule, then the
 * reply; puppets that have no quote field deliver exactly that text:
 *
 *   「张三：原来的话」
 *   - - - - - - - - - - - - - - -
 *   回复的内容
 *
 * Split by searching, not by a pattern with nested repetition: member text is hostile, and this
 * runs on every text message (linear in its length).
 */
const RULE_START = '\n- - - - -'

export interface ParsedQuote {
  /** What was quoted, as WeChat shows it ("张三：原来的话"). */
  quoted: string
  /** What the member wrote. */
  reply: string
}

export function parseQuote(text: string): ParsedQuote | undefined {
  if (!text.startsWith('「')) return undefined
  const rule = text.indexOf(RULE_START)
  if (rule < 0) return undefined
  const close = text.lastIndexOf('」', rule)
  if (close < 1) return undefined
  const lineEnd = text.indexOf('\n', rule + 1)
  if (lineEnd < 0) return undefined
  // The rule line is dashes and spaces only.
  for (let i = rule + 1; i < lineEnd; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x2d && c !== 0x20) return undefined
  }
  return { quoted: text.slice(1, close), reply: text.slice(lineEnd + 1).trim() }
}
