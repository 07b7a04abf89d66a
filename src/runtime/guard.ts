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
  private readonly seen = new Set<string>()
  private readonly order: string[] = []
  private head = 0
  private readonly capacity: number

  constructor(private readonly options: GuardOptions) {
    this.capacity = options.remember ?? 50_000
  }

  check(message: InboundMessage, now: number): GuardVerdict {
    if (message.self) return 'self'
    if (message.sentAt < now - this.options.staleAfterMs) return 'stale'
    // Long pastes are keyed by length and prefix: enough to tell redeliveries apart, cheap to keep.
    const contentKey = `${message.roomId}\u0000${message.sender.id}\u0000${message.sentAt}\u0000${message.text.length}\u0000${message.text.slice(0, 200)}`
    if (this.seen.has(message.id) || this.seen.has(contentKey)) return 'duplicate'
    this.remember(message.id)
    this.remember(contentKey)
    return 'accept'
  }

  /** Refills the memory with ids already handled before a restart. */
  preload(ids: Iterable<string>): void {
    for (const id of ids) this.remember(id)
  }

  private remember(key: string): void {
    this.seen.add(key)
    this.order.push(key)
    if (this.order.length - this.head > this.capacity) {
      const evicted = this.order[this.head]
      this.head++
      if (evicted !== undefined) this.seen.delete(evicted)
      // Compact now and then so the array does not grow without bound.
      if (this.head > this.capacity) {
        this.order.splice(0, this.head)
        this.head = 0
      }
    }
  }
}
