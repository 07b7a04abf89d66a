import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

// `day` columns are local calendar days in the analytics time zone, as days since 1970-01-01
// (see calendar.ts dayNumber), so "the day after" is day + 1 whatever the month or DST.

/**
 * One row per member, group and local day the member posted: the rollup activity metrics read,
 * so they never scan the message table (which retention empties after 30 days anyway).
 */
export const activityDays = sqliteTable(
  'activity_days',
  {
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    day: integer('day').notNull(),
    messages: integer('messages').notNull(),
  },
  // No index on day alone: given one, the planner reads a range of days through it and sorts,
  // several times slower than walking this key in order (measured on the seed:large database).
  (t) => [primaryKey({ columns: [t.roomId, t.memberId, t.day] })],
)

/**
 * Per group and local day: messages and active memberships, kept with activity_days so daily
 * series and per-group totals read a few thousand rows instead of the member rows.
 */
export const roomDays = sqliteTable(
  'room_days',
  {
    roomId: text('room_id').notNull(),
    day: integer('day').notNull(),
    messages: integer('messages').notNull(),
    activeMembers: integer('active_members').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.day] }), index('room_days_day').on(t.day)],
)

/** Joins and leaves as they happened (the members table only holds the current state). */
export const memberEvents = sqliteTable(
  'member_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    memberId: text('member_id').notNull(),
    /** join or leave */
    kind: text('kind').notNull(),
    at: integer('at').notNull(),
    day: integer('day').notNull(),
  },
  (t) => [
    index('member_events_day').on(t.day, t.roomId),
    index('member_events_member').on(t.roomId, t.memberId),
  ],
)

/** What the FAQ did with each question it considered (no text, no member). */
export const faqOutcomes = sqliteTable(
  'faq_outcomes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    /** answered, asked (offered choices), unanswered (said nothing), fallback (said it cannot answer) */
    outcome: text('outcome').notNull(),
    entryId: text('entry_id'),
    at: integer('at').notNull(),
    day: integer('day').notNull(),
  },
  // Covering: the FAQ figures read the index alone.
  (t) => [index('faq_outcomes_day').on(t.day, t.roomId, t.outcome, t.entryId)],
)
