import type { Logger } from './logger.js'
import type { InboundMessage, OutgoingMessage, Room } from './types.js'

/**
 * What every pipeline stage sees for one inbound group message. `reply` and `send` only enqueue:
 * the paced sender is the one path that talks to the platform.
 */
export interface MessageContext {
  readonly message: InboundMessage
  readonly room: Room
  /** Clock time when the message entered the pipeline (epoch ms). */
  readonly now: number
  readonly log: Logger
  /** Sends `text` into the group with a real @mention of the sender, and marks the message answered. */
  reply(text: string): void
  /** Sends any message into this group without marking the message answered. */
  send(message: OutgoingMessage): void
  /** True once a stage has answered this message. */
  readonly answered: boolean
  /** Scratch space stages use to leave notes for later stages (for example `moderated`). */
  readonly notes: Map<string, unknown>
}

/**
 * The note the FAQ leaves on every question it considered, for analytics: answered (with the
 * entry), asked (offered choices), fallback (said it cannot answer), unanswered (stayed silent).
 */
export const FAQ_OUTCOME_NOTE = 'faqOutcome'
export interface FaqOutcomeNote {
  outcome: 'answered' | 'asked' | 'fallback' | 'unanswered'
  entryId?: string
}
