import type { MessagePart, OutgoingMessage } from '../core/types.js'

/** WeChat drops or truncates very long texts; 2000 UTF-8 bytes per message is safely inside its limit. */
export const MAX_MESSAGE_BYTES = 2000
/** Room for "@" + a WeChat nickname (at most 16 characters of up to 4 bytes) + separator. */
const MENTION_BYTES = 70

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8')

/**
 * Splits a message into chunks of at most `maxBytes` UTF-8 bytes. It breaks between lines when it
 * can and between characters (never inside a surrogate pair) when a single line is too long.
 * Mentions are never split and stay in the chunk where they stand.
 */
export function splitMessage(message: OutgoingMessage, maxBytes = MAX_MESSAGE_BYTES): OutgoingMessage[] {
  const chunks: MessagePart[][] = []
  let current: MessagePart[] = []
  let used = 0

  const close = () => {
    trimTrailingNewline(current)
    if (current.some((p) => typeof p !== 'string' || p.length > 0)) chunks.push(current)
    current = []
    used = 0
  }
  const add = (piece: MessagePart, bytes: number) => {
    if (used + bytes > maxBytes && used > 0) close()
    const last = current[current.length - 1]
    if (typeof piece === 'string' && typeof last === 'string') current[current.length - 1] = last + piece
    else current.push(piece)
    used += bytes
  }

  for (const part of message.parts) {
    if (typeof part !== 'string') {
      add(part, MENTION_BYTES)
      continue
    }
    for (const line of splitKeepingNewlines(part)) {
      const bytes = byteLength(line)
      if (bytes <= maxBytes) {
        add(line, bytes)
        continue
      }
      for (const piece of splitByCharacters(line, maxBytes)) add(piece, byteLength(piece))
    }
  }
  close()
  return chunks.map((parts) => ({ parts }))
}

function splitKeepingNewlines(text: string): string[] {
  const lines = text.split('\n')
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\n` : line)).filter((l) => l.length > 0)
}

function splitByCharacters(text: string, maxBytes: number): string[] {
  const out: string[] = []
  let piece = ''
  let used = 0
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    if (used + bytes > maxBytes) {
      out.push(piece)
      piece = ''
      used = 0
    }
    piece += ch
    used += bytes
  }
  if (piece) out.push(piece)
  return out
}

function trimTrailingNewline(parts: MessagePart[]): void {
  const last = parts[parts.length - 1]
  if (typeof last !== 'string' || !last.endsWith('\n')) return
  // A loop, not /\n+$/: that pattern restarts at every line break of a run followed by text.
  let end = last.length
  while (end > 0 && last[end - 1] === '\n') end--
  parts[parts.length - 1] = last.slice(0, end)
}

/** UTF-8 size of a chunk as sent, counting each mention at its reserved size. */
export function chunkBytes(message: OutgoingMessage): number {
  return message.parts.reduce((n, p) => n + (typeof p === 'string' ? byteLength(p) : MENTION_BYTES), 0)
}
