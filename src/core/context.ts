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

/**
 * Notes the stages leave each other (their values are documented where they are set). Kept
 * here so features agree on them without importing one another.
 *
 * - HANDOFF_ACTIVE_NOTE: the sender has an open ticket; SOP still works for them, the FAQ stays
 *   silent, and what no stage handled goes to the ticket.
 * - SOP_ACTION_NOTE: the SOP handled the message ('checkin', 'vote', 'points' or 'task').
 * - HANDOFF_REQUESTED_NOTE: a stage asks for a ticket for the sender ({ reason }), opened after
 *   the chain without a separate acknowledgement (the asking stage's reply says so).
 * - FALLBACK_REPLY_NOTE: a reply sent after the whole pipeline unless a later stage replaced it
 *   (the FAQ's "I cannot answer that yet" gives way to a ticket's acknowledgement).
 */
export const HANDOFF_ACTIVE_NOTE = 'handoffActive'
export const SOP_ACTION_NOTE = 'sopAction'
export const HANDOFF_REQUESTED_NOTE = 'handoffRequested'
export const FALLBACK_REPLY_NOTE = 'fallbackReply'
export type SopAction = 'checkin' | 'vote' | 'points' | 'task'
