import { AsyncLocalStorage } from 'node:async_hooks'
import type { SendPort } from '../core/feature.js'
import type { OutgoingMessage } from '../core/types.js'

interface Caused {
  roomId: string
  senderId: string
  ids: number[]
}

/** How many recent messages' sends are remembered (a recall comes within two minutes). */
const REMEMBER = 2_000

/**
 * The SendPort features get: it notes which inbound message each send answers, so a member who
 * recalls a message takes back the bot's answer too while it is still queued. The message being
 * handled is carried by AsyncLocalStorage, so a stage that awaits (a removal) still attributes
 * its sends to the right message when other messages are handled meanwhile.
 */
export class AttributedSender implements SendPort {
  private readonly current = new AsyncLocalStorage<Caused & { messageId: string }>()
  private readonly caused = new Map<string, Caused>()

  constructor(private readonly sender: SendPort) {}

  send(roomId: string, message: OutgoingMessage): number[] {
    const ids = this.sender.send(roomId, message)
    const handling = this.current.getStore()
    if (handling) {
      handling.ids.push(...ids)
      if (!this.caused.has(handling.messageId)) {
        this.caused.set(handling.messageId, handling)
        if (this.caused.size > REMEMBER) this.caused.delete(this.caused.keys().next().value as string)
      }
    }
    return ids
  }

  /** Runs `work` (a message's pipeline) with its sends attributed to the message. */
  within<T>(messageId: string, roomId: string, senderId: string, work: () => T): T {
    return this.current.run({ messageId, roomId, senderId, ids: [] }, work)
  }

  /** The outbox ids sent because of a member's message in a group (none for another member's). */
  sentFor(messageId: string, roomId: string, senderId: string): number[] {
    const caused = this.caused.get(messageId)
    return caused && caused.roomId === roomId && caused.senderId === senderId ? caused.ids : []
  }
}
