import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Every moderation action, with its evidence masked: the moderation log. Warnings count towards
 * escalation until they decay or staff undo them (a false positive).
 */
export const moderationActions = sqliteTable(
  'moderation_actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    memberName: text('member_name').notNull(),
    /** words, links, cards, flood, repeat, newcomer, ban */
    rule: text('rule').notNull(),
    /** warn, alert, remove, remove_failed, ban_removed */
    action: text('action').notNull(),
    /** What triggered it, masked: the word found, the link's domain, the message count. */
    evidence: text('evidence').notNull(),
    messageId: text('message_id'),
    at: integer('at').notNull(),
    undoneAt: integer('undone_at'),
    undoneBy: text('undone_by'),
  },
  (t) => [
    index('moderation_actions_member').on(t.roomId, t.memberId, t.at),
    index('moderation_actions_at').on(t.at),
  ],
)

/**
 * Shared ban lists: a member on a list is removed from every group whose rules name that list.
 * After a member's data is erased the entry keeps only a one-way hash of their id, so the ban
 * survives without the id.
 */
export const bans = sqliteTable(
  'bans',
  {
    list: text('list').notNull(),
    memberId: text('member_id').notNull(),
    memberName: text('member_name'),
    reason: text('reason').notNull(),
    addedBy: text('added_by').notNull(),
    addedAt: integer('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.list, t.memberId] })],
)

/** Things done once per group: the privacy notice posted, "no right to remove" reported. */
export const roomMarkers = sqliteTable(
  'room_markers',
  {
    roomId: text('room_id').notNull(),
    marker: text('marker').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.marker] })],
)
