import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Outbound webhook deliveries: written in the same transaction as the state change that causes
 * them; `id` is the `webhook-id`, stable across retries, so receivers can dedupe.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpoint: text('endpoint').notNull(),
    eventType: text('event_type').notNull(),
    /** The exact body sent (JSON text), so every retry signs and sends the same bytes. */
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'dead'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
    lastError: text('last_error'),
  },
  (t) => [index('webhook_deliveries_due').on(t.status, t.nextAttemptAt)],
)

/** Every attempt, for operators asking "did it go out, and what did the receiver say?". */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: text('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    at: integer('at').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId)],
)

/** Ids of signed inbound webhooks already accepted: a replay of one is rejected. */
export const inboundWebhookIds = sqliteTable('inbound_webhook_ids', {
  id: text('id').primaryKey(),
  receivedAt: integer('received_at').notNull(),
})
