import { and, count, eq, inArray } from 'drizzle-orm'
import { maskDeep } from '../core/mask.js'
import type { MessagePart, OutgoingMessage } from '../core/types.js'
import type { Db } from '../db/client.js'
import { chatOutbox } from '../db/schema.js'

export interface QueuedChunk {
  id: number
  roomId: string
  message: OutgoingMessage
  attempts: number
  notBefore: number
}

/**
 * The durable queue behind the paced sender. Enqueueing commits before anything is sent; the
 * sender marks a row `sending` before the platform call and `sent` after it, so a crash in
 * between resends at most that one chunk.
 */
export function createChatOutbox(db: Db) {
  const insert = db.$client.prepare(
    `INSERT INTO chat_outbox (room_id, parts, status, attempts, not_before, created_at) VALUES (?, ?, 'pending', 0, ?, ?)`,
  )
  const enqueueAll = db.$client.transaction(
    (roomId: string, chunks: OutgoingMessage[], now: number): number[] =>
      chunks.map((chunk) =>
        Number(insert.run(roomId, JSON.stringify(chunk.parts), now, now).lastInsertRowid),
      ),
  )

  const nextDue = db.$client.prepare(`
    SELECT o.id, o.room_id, o.parts, o.attempts, o.not_before FROM chat_outbox o
    WHERE o.status = 'pending' AND o.not_before <= ?
      AND NOT EXISTS (SELECT 1 FROM chat_outbox p
                      WHERE p.room_id = o.room_id AND p.status IN ('pending', 'sending') AND p.id < o.id)
    ORDER BY o.id LIMIT 1`)
  // Only chunks at the head of their group's queue can go; a chunk waiting behind one in backoff
  // must not make the sender wake in a loop until that backoff ends.
  const minNotBefore = db.$client.prepare(`
    SELECT MIN(o.not_before) AS t FROM chat_outbox o
    WHERE o.status = 'pending'
      AND NOT EXISTS (SELECT 1 FROM chat_outbox p
                      WHERE p.room_id = o.room_id AND p.status IN ('pending', 'sending') AND p.id < o.id)`)

  return {
    enqueue(roomId: string, chunks: OutgoingMessage[], now: number): number[] {
      return enqueueAll(roomId, chunks, now)
    },

    /**
     * The oldest chunk that may go now. A group's chunks leave in order: a chunk waits while an
     * older one for the same group is still queued (for example in retry backoff), but other
     * groups are not held up by it.
     */
    next(now: number): QueuedChunk | undefined {
      const row = nextDue.get(now) as
        | { id: number; room_id: string; parts: string; attempts: number; not_before: number }
        | undefined
      if (!row) return undefined
      return {
        id: row.id,
        roomId: row.room_id,
        message: { parts: JSON.parse(row.parts) as MessagePart[] },
        attempts: row.attempts,
        notBefore: row.not_before,
      }
    },

    /** The earliest time any queued chunk may be tried, or undefined when the queue is empty. */
    earliestNotBefore(): number | undefined {
      return (minNotBefore.get() as { t: number | null }).t ?? undefined
    },

    markSending(id: number): void {
      db.update(chatOutbox).set({ status: 'sending' }).where(eq(chatOutbox.id, id)).run()
    },

    /**
     * Marks a chunk sent and masks personal numbers in the copy kept: the text was needed only
     * until it went out (a staff reply may carry a phone number the member asked for).
     */
    markSent(id: number, now: number): void {
      db.transaction((tx) => {
        const row = tx.select({ parts: chatOutbox.parts }).from(chatOutbox).where(eq(chatOutbox.id, id)).get()
        const masked = row ? JSON.stringify(maskDeep(JSON.parse(row.parts) as unknown)) : undefined
        tx.update(chatOutbox)
          .set({ status: 'sent', sentAt: now, lastError: null, ...(masked ? { parts: masked } : {}) })
          .where(eq(chatOutbox.id, id))
          .run()
      })
    },

    /** Puts a chunk back in the queue, to be tried again no earlier than `notBefore`. */
    markRetry(id: number, error: string, notBefore: number, countAttempt: boolean): void {
      const row = db
        .select({ attempts: chatOutbox.attempts })
        .from(chatOutbox)
        .where(eq(chatOutbox.id, id))
        .get()
      db.update(chatOutbox)
        .set({
          status: 'pending',
          lastError: error,
          notBefore,
          attempts: (row?.attempts ?? 0) + (countAttempt ? 1 : 0),
        })
        .where(eq(chatOutbox.id, id))
        .run()
    },

    markDead(id: number, error: string, attempts: number): void {
      db.update(chatOutbox)
        .set({ status: 'dead', lastError: error, attempts })
        .where(eq(chatOutbox.id, id))
        .run()
    },

    /** Gives up every queued chunk for a group (the bot was removed from it); returns how many. */
    discardRoom(roomId: string, reason: string): number {
      return db
        .update(chatOutbox)
        .set({ status: 'dead', lastError: reason })
        .where(and(eq(chatOutbox.roomId, roomId), eq(chatOutbox.status, 'pending')))
        .run().changes
    },

    /** After a crash: chunks that were being sent go back to the queue (at most one resend each). */
    requeueInterrupted(): number {
      return db.update(chatOutbox).set({ status: 'pending' }).where(eq(chatOutbox.status, 'sending')).run()
        .changes
    },

    pendingCount(): number {
      return (
        db
          .select({ n: count() })
          .from(chatOutbox)
          .where(inArray(chatOutbox.status, ['pending', 'sending']))
          .get()?.n ?? 0
      )
    },
  }
}

export type ChatOutbox = ReturnType<typeof createChatOutbox>
