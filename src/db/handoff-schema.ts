import { blob, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** A member handed to a person: at most one open ticket per (group, member). */
export const tickets = sqliteTable(
  'tickets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    memberName: text('member_name').notNull(),
    status: text('status', {
      enum: ['open', 'assigned', 'waiting_member', 'resolved', 'returned_to_bot'],
    }).notNull(),
    reason: text('reason').notNull(),
    /** complaint (2) before question (1). */
    priority: integer('priority').notNull(),
    assignee: text('assignee'),
    openedAt: integer('opened_at').notNull(),
    firstResponseAt: integer('first_response_at'),
    resolvedAt: integer('resolved_at'),
    /** Set while the bot waits for the member's 1-5 rating after resolving. */
    ratingAskedAt: integer('rating_asked_at'),
    rating: integer('rating'),
    /** When each SLA breach was reported (once per breach). */
    firstResponseBreachedAt: integer('first_response_breached_at'),
    resolutionBreachedAt: integer('resolution_breached_at'),
  },
  (t) => [
    index('tickets_member').on(t.roomId, t.memberId, t.status),
    index('tickets_status').on(t.status, t.openedAt),
  ],
)

/** The audit trail and transcript of a ticket (texts masked). */
export const ticketEvents = sqliteTable(
  'ticket_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ticketId: integer('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    /** opened, earlier_message, member_message, member_action (the SOP handled it), staff_reply, assigned, resolved, reopened, returned, rating */
    kind: text('kind').notNull(),
    actor: text('actor'),
    text: text('text'),
    /** The member's message this line is (media lines: its file is served at /api/media/:id). */
    messageId: text('message_id'),
  },
  (t) => [index('ticket_events_ticket').on(t.ticketId, t.at)],
)

/**
 * Media a member sent into a ticket (a screenshot for staff), fetched once and kept for the
 * transcripts' retention period; erased with the member. Only media that reached a ticket is
 * stored: the message log keeps the kind and name, never bytes.
 */
export const mediaFiles = sqliteTable('media_files', {
  messageId: text('message_id').primaryKey(),
  roomId: text('room_id').notNull(),
  senderId: text('sender_id').notNull(),
  kind: text('kind').notNull(),
  /** Masked. */
  name: text('name').notNull(),
  mime: text('mime').notNull(),
  size: integer('size').notNull(),
  bytes: blob('bytes', { mode: 'buffer' }).notNull(),
  storedAt: integer('stored_at').notNull(),
})
