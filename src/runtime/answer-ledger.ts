/** How many recent messages' answers are remembered (a recall comes within two minutes). */
const REMEMBER = 2_000

interface Answered {
  roomId: string
  senderId: string
  ids: number[]
}

/**
 * Which outbox chunks answered which inbound message, so a member who recalls a question takes
 * the bot's still-queued answer back too. Only answers count: what a stage sends through the
 * message's context (`ctx.reply`, `ctx.send`: FAQ answers and offers, pong). Warnings, ticket
 * acknowledgements and check-in confirmations report something that already happened and stay.
 *
 * Explicit, not AsyncLocalStorage: on Node 20 an active AsyncLocalStorage slows every promise in
 * the process, which cost the bench a quarter of its throughput.
 */
export class AnswerLedger {
  private readonly answered = new Map<string, Answered>()

  note(messageId: string, roomId: string, senderId: string, ids: readonly number[]): void {
    const entry = this.answered.get(messageId)
    if (entry) {
      entry.ids.push(...ids)
      return
    }
    this.answered.set(messageId, { roomId, senderId, ids: [...ids] })
    if (this.answered.size > REMEMBER) this.answered.delete(this.answered.keys().next().value as string)
  }

  /** The chunks that answered a member's message in a group (none for another member's). */
  answersTo(messageId: string, roomId: string, senderId: string): number[] {
    const entry = this.answered.get(messageId)
    return entry && entry.roomId === roomId && entry.senderId === senderId ? entry.ids : []
  }
}
