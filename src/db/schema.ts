import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

// All times are epoch milliseconds computed in TypeScript from the injected Clock.

/** Groups the bot has seen. */
export const rooms = sqliteTable('rooms', {
  id: text('id').primaryKey(),
  topic: text('topic').notNull(),
  firstSeenAt: integer('first_seen_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** When the bot's account was removed from the group (null while it is in it). */
  leftAt: integer('left_at'),
})

/**
 * Group membership as the bot knows it: the source of truth for "who joined". `joinedAt` is null
 * for members who were already there when the bot first saw the group (the baseline).
 */
export const members = sqliteTable(
  'members',
  {
    roomId: text('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    memberId: text('member_id').notNull(),
    name: text('name').notNull(),
    joinedAt: integer('joined_at'),
    leftAt: integer('left_at'),
    lastSeenAt: integer('last_seen_at'),
    messageCount: integer('message_count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.memberId] })],
)

/** Inbound group messages, text masked before it is written. */
export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    roomId: text('room_id').notNull(),
    senderId: text('sender_id').notNull(),
    text: text('text').notNull(),
    mentionsBot: integer('mentions_bot', { mode: 'boolean' }).notNull(),
    sentAt: integer('sent_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** text, quote, image, file, voice, ... (core/types.ts MessageKind). */
    kind: text('kind').notNull().default('text'),
    /** A media message's file name (masked) and size, when the platform reports them; never the bytes. */
    mediaName: text('media_name'),
    mediaSize: integer('media_size'),
    /** When the member took the message back (its text is blanked then). */
    recalledAt: integer('recalled_at'),
  },
  (t) => [
    // The sender rides along so a member's recent messages in a group (the context a new ticket
    // shows staff) are found in the index without reading every row of the group's hour. Not an
    // index led by sender: its inserts land on random pages and every message would pay for it.
    index('messages_room_received_sender').on(t.roomId, t.receivedAt, t.senderId),
    index('messages_received').on(t.receivedAt),
  ],
)

/**
 * Durable queue of chat sends. A row is written (and committed) before anything is sent, so a
 * crash loses no accepted send; a row left `sending` by a crash is retried once at start.
 */
export const chatOutbox = sqliteTable(
  'chat_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    /** JSON of the chunk's MessagePart[]. */
    parts: text('parts').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'dead', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    notBefore: integer('not_before').notNull(),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
    lastError: text('last_error'),
  },
  (t) => [index('chat_outbox_status_id').on(t.status, t.id)],
)

/**
 * The at-most-once record of calendar jobs: a (job, fire time) row is claimed as `running` before
 * the job runs and is never claimed again, so a crash mid-run or a second scheduler cannot repeat
 * it. `skipped` marks fire times deliberately not run (missed beyond grace, or superseded).
 */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    jobKey: text('job_key').notNull(),
    fireAt: integer('fire_at').notNull(),
    status: text('status', { enum: ['running', 'done', 'failed', 'skipped'] }).notNull(),
    claimedAt: integer('claimed_at').notNull(),
    finishedAt: integer('finished_at'),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.fireAt] })],
)

/** When each calendar job was first scheduled: fire times before it are never caught up. */
export const jobRegistry = sqliteTable('job_registry', {
  jobKey: text('job_key').primaryKey(),
  firstSeenAt: integer('first_seen_at').notNull(),
})

/**
 * Saved versions of operators' files (SOP, knowledge, rules, settings) written through the API:
 * the last 20 per file, for the history, diffs and restore. `version` is a hash of the text.
 */
export const configVersions = sqliteTable(
  'config_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    version: text('version').notNull(),
    text: text('text').notNull(),
    savedAt: integer('saved_at').notNull(),
    savedBy: text('saved_by').notNull(),
  },
  (t) => [index('config_versions_file').on(t.kind, t.name, t.id)],
)

export * from './analytics-schema.js'
export * from './faq-schema.js'
export * from './handoff-schema.js'
export * from './moderation-schema.js'
export * from './sop-schema.js'
export * from './webhook-schema.js'
