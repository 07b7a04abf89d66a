import { and, count, eq, inArray } from 'drizzle-orm'
import { maskDeep, maskPersonalData } from '../core/mask.js'
import type { MessagePart, OutgoingMessage } from '../core/types.js'
import type { Db } from '../db/client.js'
import { commitOpenWindow } from '../db/commit-window.js'
import { chatOutbox } from '../db/schema.js'

/** A chunk given up after repeated failures (or because the bot left the group), as shown to operators. */
export interface DeadSend {
  id: number
  roomId: string
  /** The group's name where the bot has seen it, else null. */
  roomTopic: string | null
  /** The chunk's text (mentions as `@name`), personal numbers masked. */
  text: string
  attempts: number
  /** The last failure, masked like the text. */
  lastError: string | null
  createdAt: number
}

/** The chunk as one line of text: strings as they are, mentions as `@name` (or `@id`). */
export function partsText(parts: MessagePart[]): string {
  return parts.map((part) => (typeof part === 'string' ? part : `@${part.name ?? part.mention}`)).join('')
}

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

  // Dead rows may still hold the text as written (personal numbers included): mask on the way out.
  const deadRows = db.$client.prepare(`
    SELECT o.id, o.room_id, r.topic, o.parts, o.attempts, o.last_error, o.created_at
    FROM chat_outbox o LEFT JOIN rooms r ON r.id = o.room_id
    WHERE o.status = 'dead' AND (@roomId IS NULL OR o.room_id = @roomId)
    ORDER BY o.id DESC LIMIT @limit`)
  const deadCount = db.$client.prepare(
    `SELECT COUNT(*) AS n FROM chat_outbox WHERE status = 'dead' AND (@roomId IS NULL OR room_id = @roomId)`,
  )
  // Attempts start again from 0; last_error stays so an operator can still see what went wrong.
  const reviveOne = db.$client.prepare(
    `UPDATE chat_outbox SET status = 'pending', attempts = 0, not_before = @now WHERE id = @id AND status = 'dead'`,
  )
  const reviveAll = db.$client.prepare(
    `UPDATE chat_outbox SET status = 'pending', attempts = 0, not_before = @now
     WHERE status = 'dead' AND (@roomId IS NULL OR room_id = @roomId)`,
  )

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

    /**
     * Marks a chunk as going out now and commits: the mark, and the state change that queued the
     * chunk (which may still be in the open commit window), are on disk before the platform call.
     */
    markSending(id: number): void {
      db.update(chatOutbox).set({ status: 'sending' }).where(eq(chatOutbox.id, id)).run()
      commitOpenWindow(db.$client)
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

    /**
     * Withdraws queued chunks that are no longer wanted (their message was recalled): status
     * `cancelled`, not dead-lettered, since nobody should send them again. Chunks already being
     * sent or sent stay as they are; returns how many were withdrawn.
     */
    cancel(ids: readonly number[], reason: string): number {
      if (ids.length === 0) return 0
      return db
        .update(chatOutbox)
        .set({ status: 'cancelled', lastError: reason })
        .where(and(inArray(chatOutbox.id, [...ids]), eq(chatOutbox.status, 'pending')))
        .run().changes
    },

    /** After a crash: chunks that were being sent go back to the queue (at most one resend each). */
    requeueInterrupted(): number {
      return db.update(chatOutbox).set({ status: 'pending' }).where(eq(chatOutbox.status, 'sending')).run()
        .changes
    },

    /** Dead-lettered chunks, newest first, text and error masked, with the group's name where known. */
    listDead(options: { roomId?: string; limit: number }): DeadSend[] {
      const rows = deadRows.all({ roomId: options.roomId ?? null, limit: options.limit }) as {
        id: number
        room_id: string
        topic: string | null
        parts: string
        attempts: number
        last_error: string | null
        created_at: number
      }[]
      return rows.map((row) => ({
        id: row.id,
        roomId: row.room_id,
        roomTopic: row.topic,
        text: maskPersonalData(partsText(JSON.parse(row.parts) as MessagePart[])),
        attempts: row.attempts,
        lastError: row.last_error === null ? null : maskPersonalData(row.last_error),
        createdAt: row.created_at,
      }))
    },

    /** How many chunks are dead (in one group, or in all). */
    countDead(options: { roomId?: string } = {}): number {
      return (deadCount.get({ roomId: options.roomId ?? null }) as { n: number }).n
    },

    /**
     * Queues a dead chunk again, due at `now` with its attempts reset (the last error is kept).
     * False when there is no dead chunk with that id (missing, pending, or already sent).
     */
    retryDead(id: number, now: number): boolean {
      return reviveOne.run({ id, now }).changes === 1
    },

    /** Queues every dead chunk again (of one group, or of all); returns how many. */
    retryAllDead(options: { roomId?: string }, now: number): number {
      return reviveAll.run({ roomId: options.roomId ?? null, now }).changes
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
