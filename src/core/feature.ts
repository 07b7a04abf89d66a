import type { Db } from '../db/client.js'
import type { Clock } from './clock.js'
import type { MessageContext } from './context.js'
import type { BotEventHandlers } from './event-bus.js'
import type { JobPort } from './jobs.js'
import type { Logger } from './logger.js'
import type { Middleware } from './pipeline.js'
import type { RouteDefinition } from './route.js'
import type { InboundMessage, Member, MessageKind, OutgoingMessage, Room } from './types.js'

/** How features send: enqueue into the durable, paced outbox. */
export interface SendPort {
  /** Queues a message for a group; returns the outbox ids of its chunks. */
  send(roomId: string, message: OutgoingMessage): number[]
}

/** The groups and members the bot knows, read from storage. */
export interface MemberDirectoryPort {
  rooms(): Room[]
  activeMembers(roomId: string): Member[]
}

/** What features may do to a group's membership. */
export interface GroupControlPort {
  /**
   * Removes a member from a group. Rejects with NoRemoveRightError (core/errors) when the bot's
   * account is not the group's owner or an admin (or the platform cannot remove at all).
   */
  removeMember(roomId: string, memberId: string): Promise<void>
}

/** Staff alerts: the handoff feature's signed webhooks, so staff get everything in one place. */
export interface AlertPort {
  /** Queues `payload` for every endpoint that takes `eventType`; joins the caller's transaction. */
  publish(eventType: string, payload: unknown): string[]
}

/**
 * Media bytes, only when a feature needs them: fetched from the platform on demand (with a size
 * cap and a timeout) and decoded in a worker thread, never on the message path.
 */
export interface MediaPort {
  /**
   * Looks for QR codes in an image message and calls `onResult` with their texts ([] for none).
   * Returns at once; the work runs after the message is handled. A failure (too large, gone,
   * not an image, timed out) is logged and `onResult` is not called.
   */
  qrCodes(message: InboundMessage, onResult: (texts: string[]) => void | Promise<void>): void
  /**
   * Keeps a media message's file (sent into a ticket, for staff): fetched once, off the message
   * path, and served at `GET /api/media/:messageId`. A failure is logged.
   */
  keep(message: InboundMessage): void
}

/** What the composition root hands every feature factory. */
export interface FeatureDeps {
  clock: Clock
  log: Logger
  sender: SendPort
  db: Db
  jobs: JobPort
  directory: MemberDirectoryPort
  groups: GroupControlPort
  media: MediaPort
  /** Writes buffered message records now (before an export or erasure reads the tables). */
  records: { flush(): void }
  /** Where operators' content lives. */
  content: {
    sopDir: string
    kbDir: string
    handoffFile: string
    moderationDir: string
    privacyFile: string
    analyticsFile: string
  }
}

/**
 * A plug-in. A new feature is one folder plus one line in `src/features/index.ts`; the core does
 * not change for it.
 */
export interface Feature {
  name: string
  /** Runs in the message pipeline after guard and record, in registration order. */
  middleware?: Middleware<MessageContext>
  /**
   * The message kinds the middleware is given; the others pass it by. Default: typed text only
   * (`text` and `quote`), so a text feature never has to think about images or recalls, and the
   * text path pays nothing for the other kinds. `'all'` for features that look at every message.
   */
  sees?: readonly MessageKind[] | 'all'
  /** Non-message events: joins, leaves, topic changes, login changes. */
  on?: BotEventHandlers
  routes?: RouteDefinition[]
  /** Writes what the feature buffers in memory (rollups, gaps) now: before exports and erasure. */
  flush?(): void
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}
