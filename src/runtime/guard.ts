import type { InboundMessage } from '../core/types.js'

export type GuardVerdict = 'accept' | 'self' | 'duplicate' | 'stale'

export interface GuardOptions {
  /** Messages older than this when they arrive are replays (after a restart or re-login). */
  staleAfterMs: number
  /** How many recent message ids to remember for duplicate detection. */
  remember?: number
}

/**
 * The first pipeline decision, made synchronously so that two concurrent deliveries of one event
 * cannot both pass: drops the bot's own messages, duplicates (same id, or the same sender, text
 * and send time under a new id) and stale replays.
 */
export class InboundGuard {
  private readonly ids = new Set<string>()
  /** Content fingerprints by send time: numbers hash cheaply, and a redelivery keeps its send time. */
  private readonly bySentAt = new Map<number, Fingerprint[]>()
  /** What was remembered, oldest first: an id, or a fingerprint. */
  private readonly order: (string | Fingerprint)[] = []
  private head = 0
  private readonly capacity: number

  constructor(private readonly options: GuardOptions) {
    this.capacity = options.remember ?? 50_000
  }

  check(message: InboundMessage, now: number): GuardVerdict {
    if (message.self) return 'self'
    if (message.sentAt < now - this.options.staleAfterMs) return 'stale'
    if (this.ids.has(message.id)) return 'duplicate'
    // Without text there is nothing to tell a redelivery from a burst by: nine photos sent in one
    // second are nine messages (platform send times often have second resolution).
    if (message.text.length === 0) {
      this.remember(message.id)
      return 'accept'
    }
    // Long pastes are told apart by length and a hash of their start: enough for redeliveries
    // (same sender, send time, kind and text), cheap to keep, and no copy of the text is held.
    const print: Fingerprint = {
      sentAt: message.sentAt,
      roomId: message.roomId,
      senderId: message.sender.id,
      length: message.text.length,
      hash: prefixHash(message.kind, message.text),
    }
    const sameTime = this.bySentAt.get(print.sentAt)
    if (sameTime?.some((p) => samePrint(p, print))) return 'duplicate'
    this.remember(message.id)
    if (sameTime) sameTime.push(print)
    else this.bySentAt.set(print.sentAt, [print])
    this.remember(print)
    return 'accept'
  }

  /** Refills the memory with ids already handled before a restart. */
  preload(ids: Iterable<string>): void {
    for (const id of ids) this.remember(id)
  }

  private remember(item: string | Fingerprint): void {
    if (typeof item === 'string') this.ids.add(item)
    this.order.push(item)
    // Two items per message (its id and its fingerprint).
    if (this.order.length - this.head > this.capacity * 2) {
      const evicted = this.order[this.head]
      this.head++
      if (typeof evicted === 'string') this.ids.delete(evicted)
      else if (evicted) this.forget(evicted)
      // Compact now and then so the array does not grow without bound.
      if (this.head > this.capacity) {
        this.order.splice(0, this.head)
        this.head = 0
      }
    }
  }

  private forget(print: Fingerprint): void {
    const list = this.bySentAt.get(print.sentAt)
    if (!list) return
    const at = list.indexOf(print)
    if (at >= 0) list.splice(at, 1)
    if (list.length === 0) this.bySentAt.delete(print.sentAt)
  }
}

interface Fingerprint {
  sentAt: number
  roomId: string
  senderId: string
  length: number
  hash: number
}

const samePrint = (a: Fingerprint, b: Fingerprint) =>
  a.hash === b.hash && a.length === b.length && a.senderId === b.senderId && a.roomId === b.roomId

/** FNV-1a over the kind and the first 200 UTF-16 units: bounded work for any length. */
function prefixHash(kind: string, text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < kind.length; i++) h = Math.imul(h ^ kind.charCodeAt(i), 0x01000193)
  const n = Math.min(text.length, 200)
  for (let i = 0; i < n; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}
