import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Questions the bot could not answer (text masked), for the operators' gap report. */
export const faqGaps = sqliteTable(
  'faq_gaps',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    roomId: text('room_id').notNull(),
    text: text('text').notNull(),
    /** Topic tokens, space-separated; empty when they are to be computed when the report is read. */
    tokens: text('tokens').notNull(),
    reason: text('reason').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('faq_gaps_at').on(t.at)],
)
