/** A member of a group as the platform reports them. */
export interface Member {
  id: string
  name: string
}

/** A group (WeChat "room"). */
export interface Room {
  id: string
  topic: string
}

/** What a shared card carries: a link card (url), a mini-program or a contact card (名片). */
export interface SharedCard {
  kind: 'link' | 'mini_program' | 'contact_card'
  title: string
  url?: string
}

/**
 * A message received in a group, already translated from the platform's shape: text, or a shared
 * card (then `text` is the card's title and `card` says what it is).
 */
export interface InboundMessage {
  /** The platform's message id: stable across duplicate deliveries. */
  id: string
  roomId: string
  roomTopic: string
  sender: Member
  /** Text with the bot's own @mention removed. */
  text: string
  /** Ids of members @mentioned in the message. */
  mentionIds: string[]
  /** True when the message @mentions the bot. */
  mentionsBot: boolean
  /** When the platform says the message was sent (epoch ms). */
  sentAt: number
  /** True for messages the bot's own account sent. */
  self: boolean
  /** Present when the message is a shared card rather than typed text. */
  card?: SharedCard
}

/** A piece of outgoing text: plain text, or a real @mention of a member. */
export type MessagePart = string | { mention: string; name?: string }

/** What a feature asks to send into a group. */
export interface OutgoingMessage {
  parts: MessagePart[]
}

/** Builds an outgoing message that @mentions `memberIds` first, then says `text`. */
export function mentionThenText(memberIds: string[], text: string): OutgoingMessage {
  const parts: MessagePart[] = []
  for (const id of memberIds) parts.push({ mention: id }, ' ')
  parts.push(text)
  return { parts }
}

export function plainText(text: string): OutgoingMessage {
  return { parts: [text] }
}

export type LoginState = 'starting' | 'scan' | 'logged_in' | 'logged_out'

export interface LoginStatus {
  state: LoginState
  /** The QR code payload to scan while state is `scan`. */
  qrcode?: string
  user?: Member
}

/**
 * The account's connection as the platform's supervisor sees it: `starting` (connecting, no
 * answer yet), `login_required` (the gateway waits for a QR scan), `online` (logged in, events
 * flowing) or `offline` (the gateway is unreachable or refused us; the supervisor retries).
 */
export type ConnectionState = 'starting' | 'login_required' | 'online' | 'offline'

/** What the supervisor publishes; health, metrics, alerts, the sender and the console read it. */
export interface ConnectionStatus {
  state: ConnectionState
  /** When this state began (epoch ms). */
  since: number
  /**
   * When the current outage began: the first failure since the account was last online (or since
   * start, when it never was). Kept through retries and QR states until it is online again.
   */
  offlineSince?: number
  /** The last connection failure, classified (see platform/connection-errors.ts). */
  lastError?: { code: string; message: string; at: number }
  /** When the supervisor tries again, while `offline`. */
  nextRetryAt?: number
  /** The QR payload to scan while `login_required`, when the gateway sent one, and when it came. */
  qrcode?: string
  qrcodeAt?: number
  /** Restarts of the connection since the process started. */
  restarts: number
  user?: Member
}
