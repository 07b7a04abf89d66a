import type { Db } from '../db/client.js'
import type { Clock } from './clock.js'
import type { MessageContext } from './context.js'
import type { BotEventHandlers } from './event-bus.js'
import type { JobPort } from './jobs.js'
import type { Logger } from './logger.js'
import type { Middleware } from './pipeline.js'
import type { RouteDefinition } from './route.js'
import type { Member, OutgoingMessage, Room } from './types.js'

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

/** What the composition root hands every feature factory. */
export interface FeatureDeps {
  clock: Clock
  log: Logger
  sender: SendPort
  db: Db
  jobs: JobPort
  directory: MemberDirectoryPort
  /** Where operators' content lives. */
  content: { sopDir: string; kbDir: string; handoffFile: string }
}

/**
 * A plug-in. A new feature is one folder plus one line in `src/features/index.ts`; the core does
 * not change for it.
 */
export interface Feature {
  name: string
  /** Runs in the message pipeline after guard and record, in registration order. */
  middleware?: Middleware<MessageContext>
  /** Non-message events: joins, leaves, topic changes, login changes. */
  on?: BotEventHandlers
  routes?: RouteDefinition[]
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}
