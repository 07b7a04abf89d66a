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
 * What a group message is. `text` and `quote` (a reply to an earlier message) carry typed text;
 * `link`, `mini_program` and `contact_card` are shared cards (see `card`); `image`, `file`,
 * `voice`, `video` and `emoticon` are media (see `media`); `recalled` says a member took an
 * earlier message back (see `recalledId`); `system` is a notice the platform posts in the group;
 * `other` is every remaining platform kind (location, transfer, red envelope, chat history, ...).
 */
export type MessageKind =
  | 'text'
  | 'quote'
  | 'image'
  | 'file'
  | 'voice'
  | 'video'
  | 'emoticon'
  | 'link'
  | 'mini_program'
  | 'contact_card'
  | 'recalled'
  | 'system'
  | 'other'

export const MESSAGE_KINDS: readonly MessageKind[] = [
  'text',
  'quote',
  'image',
  'file',
  'voice',
  'video',
  'emoticon',
  'link',
  'mini_program',
  'contact_card',
  'recalled',
  'system',
  'other',
]

/** The kinds whose `text` a member typed: what text commands, FAQ and SOP read. */
export const TYPED_KINDS: readonly MessageKind[] = ['text', 'quote']

/** What a member posted: every kind but a recall and a platform notice (activity counts these). */
export const MEMBER_POST_KINDS: readonly MessageKind[] = MESSAGE_KINDS.filter(
  (k) => k !== 'recalled' && k !== 'system',
)

/** The kinds that carry a file the platform can fetch. */
export type MediaKind = 'image' | 'file' | 'voice' | 'video' | 'emoticon'
export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'file', 'voice', 'video', 'emoticon']
export const isMediaKind = (kind: MessageKind): kind is MediaKind =>
  (MEDIA_KINDS as readonly string[]).includes(kind)

/** What is known about a media message without fetching it (never the bytes). */
export interface MediaInfo {
  /** The file name the platform reports, when it reports one. */
  name?: string
  /** Size in bytes, when the platform reports it. */
  size?: number
  /** A voice or video message's length in seconds, when reported. */
  seconds?: number
}

/**
 * A message received in a group, already translated from the platform's shape. For kinds
 * without typed text, `text` is what a person would read in its place: a card's title, a file's
 * name, or empty.
 */
export interface InboundMessage {
  /** The platform's message id: stable across duplicate deliveries. */
  id: string
  kind: MessageKind
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
  /** Present for `link`, `mini_program` and `contact_card`. */
  card?: SharedCard
  /** Present for media kinds. */
  media?: MediaInfo
  /** For `quote`: the quoted message's id, where the platform gives it. */
  quotedId?: string
  /** For `recalled`: the id of the message taken back. */
  recalledId?: string
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
