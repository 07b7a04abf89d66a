import { randomUUID } from 'node:crypto'
import { maskPersonalData } from '../../core/mask.js'
import type { Db } from '../../db/client.js'
import { commitOpenWindow } from '../../db/commit-window.js'

export interface DeliveryRow {
  id: string
  endpoint: string
  eventType: string
  body: string
  attempts: number
  nextAttemptAt: number
}

export interface DeliveryStatus extends DeliveryRow {
  status: 'pending' | 'delivered' | 'dead'
  createdAt: number
  deliveredAt: number | null
  lastError: string | null
}

/**
 * The durable queue of outbound webhooks. `enqueue` is synchronous and joins the caller's
 * transaction, so a ticket change and its webhooks commit (or roll back) together.
 */
export function createWebhookOutbox(db: Db) {
  const sql = db.$client
  const insert = sql.prepare(
    "INSERT INTO webhook_deliveries (id, endpoint, event_type, body, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
  )
  const due = sql.prepare(
    "SELECT id, endpoint, event_type AS eventType, body, attempts, next_attempt_at AS nextAttemptAt FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?",
  )
  const nextDue = sql
    .prepare("SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'")
    .pluck()
  const attempt = sql.prepare(
    'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const delivered = sql.prepare(
    "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
  )
  const retry = sql.prepare(
    'UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?',
  )
  const dead = sql.prepare(
    "UPDATE webhook_deliveries SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?",
  )
  const list = sql.prepare(
    'SELECT id, endpoint, event_type AS eventType, body, status, attempts, next_attempt_at AS nextAttemptAt, created_at AS createdAt, delivered_at AS deliveredAt, last_error AS lastError FROM webhook_deliveries WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC LIMIT ?',
  )
  const attemptsOf = sql.prepare(
    'SELECT attempt, at, status_code AS statusCode, error, duration_ms AS durationMs FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt',
  )

  return {
    /** Queues one delivery; returns its webhook-id. */
    enqueue(endpoint: string, eventType: string, body: string, now: number): string {
      const id = `msg_${randomUUID().replace(/-/g, '')}`
      insert.run(id, endpoint, eventType, body, now, now)
      return id
    },
    /** Deliveries to post now. Commits first: a webhook never tells of a change not yet on disk. */
    due(now: number, limit = 20): DeliveryRow[] {
      commitOpenWindow(sql)
      return due.all(now, limit) as DeliveryRow[]
    },
    nextDueAt(): number | undefined {
      return (nextDue.get() as number | null) ?? undefined
    },
    logAttempt(
      id: string,
      n: number,
      at: number,
      statusCode: number | null,
      error: string | null,
      durationMs: number,
    ): void {
      attempt.run(id, n, at, statusCode, error === null ? null : storedError(error), Math.round(durationMs))
    },
    markDelivered(id: string, attempts: number, now: number): void {
      delivered.run(attempts, now, id)
    },
    reschedule(id: string, attempts: number, next: number, error: string): void {
      retry.run(attempts, next, storedError(error), id)
    },
    markDead(id: string, attempts: number, error: string): void {
      dead.run(attempts, storedError(error), id)
    },
    list(status: 'pending' | 'delivered' | 'dead' | undefined, limit = 100): DeliveryStatus[] {
      return list.all(status ?? null, status ?? null, limit) as DeliveryStatus[]
    },
    attempts(id: string): {
      attempt: number
      at: number
      statusCode: number | null
      error: string | null
      durationMs: number
    }[] {
      return attemptsOf.all(id) as {
        attempt: number
        at: number
        statusCode: number | null
        error: string | null
        durationMs: number
      }[]
    },
  }
}

export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>

const ERROR_CHARS = 1_000

/**
 * An attempt's error as stored and shown: it can quote what the receiver sent (a redirect's
 * Location with a phone number in its query), so it is masked, and bounded like other evidence
 * (masked before it is shortened, so no number is cut in half).
 */
function storedError(error: string): string {
  return maskPersonalData(error.slice(0, ERROR_CHARS + 320)).slice(0, ERROR_CHARS)
}
