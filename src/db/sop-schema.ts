import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Tables of the SOP feature. Times are epoch ms from the injected Clock.

/** Joins waiting for (or given) a welcome; a batch is every pending row of a group. */
export const sopWelcomes = sqliteTable(
  'sop_welcomes',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    name: text('name').notNull(),
    joinedAt: integer('joined_at').notNull(),
    welcomedAt: integer('welcomed_at'),
    /** True when the join fell inside the quiet period after an earlier welcome: never welcomed. */
    suppressed: integer('suppressed', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.memberId, t.joinedAt] }),
    index('sop_welcomes_pending').on(t.welcomedAt),
  ],
)

/** A member's newcomer period in a group. */
export const sopNewcomers = sqliteTable(
  'sop_newcomers',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    name: text('name').notNull(),
    sopName: text('sop_name').notNull(),
    joinedAt: integer('joined_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    status: text('status', { enum: ['active', 'completed', 'expired'] }).notNull(),
    completedAt: integer('completed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.memberId] }),
    index('sop_newcomers_status').on(t.status, t.expiresAt),
  ],
)

export const sopTaskCompletions = sqliteTable(
  'sop_task_completions',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    taskId: text('task_id').notNull(),
    doneAt: integer('done_at').notNull(),
    /** message, staff or api */
    via: text('via').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.memberId, t.taskId] })],
)

export const sopRemindersSent = sqliteTable(
  'sop_reminders_sent',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    reminder: integer('reminder').notNull(),
    sentAt: integer('sent_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.memberId, t.reminder] })],
)

/** One row per member per local day (in the SOP's time zone). */
export const checkins = sqliteTable(
  'checkins',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    day: text('day').notNull(),
    dayNumber: integer('day_number').notNull(),
    streak: integer('streak').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.memberId, t.day] }),
    index('checkins_room_day').on(t.roomId, t.dayNumber),
    // Covering, for the analytics' check-in figures over a range of days.
    index('checkins_day').on(t.dayNumber, t.roomId, t.memberId, t.streak),
  ],
)

/** Append-only: balances are sums over it. */
export const pointsLedger = sqliteTable(
  'points_ledger',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    delta: integer('delta').notNull(),
    reason: text('reason').notNull(),
    actor: text('actor'),
    at: integer('at').notNull(),
  },
  (t) => [
    index('points_ledger_member').on(t.roomId, t.memberId),
    // Covering, for the analytics' points figures over a time range.
    index('points_ledger_at').on(t.at, t.roomId, t.delta),
  ],
)

export const memberTags = sqliteTable(
  'member_tags',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    tag: text('tag').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.memberId, t.tag] })],
)

export const polls = sqliteTable(
  'polls',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    topicId: text('topic_id').notNull(),
    firedAt: integer('fired_at').notNull(),
    closesAt: integer('closes_at').notNull(),
    closedAt: integer('closed_at'),
    /** JSON string[] */
    options: text('options').notNull(),
  },
  (t) => [
    uniqueIndex('polls_fire').on(t.roomId, t.topicId, t.firedAt),
    index('polls_open').on(t.closedAt, t.closesAt),
  ],
)

export const pollVotes = sqliteTable(
  'poll_votes',
  {
    pollId: integer('poll_id')
      .notNull()
      .references(() => polls.id, { onDelete: 'cascade' }),
    memberId: text('member_id').notNull(),
    option: text('option').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pollId, t.memberId] })],
)
