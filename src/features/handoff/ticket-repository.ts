import { maskPersonalData } from '../../core/mask.js'
import type { Db } from '../../db/client.js'
import { ReadCache, transactionForgettingOnRollback } from '../../db/read-cache.js'

export type TicketStatus = 'open' | 'assigned' | 'waiting_member' | 'resolved' | 'returned_to_bot'
export const ACTIVE: readonly TicketStatus[] = ['open', 'assigned', 'waiting_member']

export interface Ticket {
  id: number
  roomId: string
  memberId: string
  memberName: string
  status: TicketStatus
  reason: string
  priority: number
  assignee: string | null
  openedAt: number
  firstResponseAt: number | null
  resolvedAt: number | null
  ratingAskedAt: number | null
  rating: number | null
  firstResponseBreachedAt: number | null
  resolutionBreachedAt: number | null
}

const COLUMNS = `id, room_id AS roomId, member_id AS memberId, member_name AS memberName, status, reason, priority,
  assignee, opened_at AS openedAt, first_response_at AS firstResponseAt, resolved_at AS resolvedAt,
  rating_asked_at AS ratingAskedAt, rating, first_response_breached_at AS firstResponseBreachedAt,
  resolution_breached_at AS resolutionBreachedAt`

/** What a member's message may belong to: their open ticket, or a resolved one awaiting a rating. */
export interface MemberTickets {
  active?: Ticket
  awaitingRating?: Ticket
}

/** A line of a ticket's audit trail and transcript. */
export interface TicketEvent {
  at: number
  kind: string
  actor: string | null
  text: string | null
  /** The member's message the line is: a media line's file is at /api/media/:messageId. */
  messageId: string | null
  /** The kept file's type (image/png, ...); null until it is fetched, or for text lines. */
  mediaMime: string | null
}

/** How far back the messages shown to staff with a new ticket go. */
const RECENT_CONTEXT_MS = 60 * 60_000

/** Events whose actor is the member (an id, kept as it is); in every other event it is a staff name. */
const MEMBER_EVENTS = new Set(['member_message', 'member_action', 'earlier_message', 'opened', 'rating'])

/**
 * Tickets and their audit trail. Names, reasons and event texts are stored with personal numbers
 * masked (a member named 王13812345678, a staff name typed into the console); ids are not.
 */
export function createTicketRepository(db: Db) {
  const sql = db.$client
  const q = {
    active: sql.prepare(
      `SELECT ${COLUMNS} FROM tickets WHERE room_id = ? AND member_id = ? AND status IN ('open', 'assigned', 'waiting_member') LIMIT 1`,
    ),
    // The one per-message lookup: the member's open ticket and the last resolved one still waiting for a rating.
    memberTickets: sql.prepare(
      `SELECT ${COLUMNS} FROM tickets WHERE room_id = ? AND member_id = ?
         AND (status IN ('open', 'assigned', 'waiting_member')
              OR (status = 'resolved' AND rating_asked_at IS NOT NULL AND rating IS NULL))
       ORDER BY resolved_at DESC`,
    ),
    memberTicketsAll: sql.prepare(
      `SELECT ${COLUMNS} FROM tickets
       WHERE status IN ('open', 'assigned', 'waiting_member')
          OR (status = 'resolved' AND rating_asked_at IS NOT NULL AND rating IS NULL)
       ORDER BY resolved_at DESC`,
    ),
    byId: sql.prepare(`SELECT ${COLUMNS} FROM tickets WHERE id = ?`),
    list: sql.prepare(
      `SELECT ${COLUMNS} FROM tickets WHERE (? IS NULL OR status = ?) AND (? IS NULL OR room_id = ?) ORDER BY priority DESC, opened_at LIMIT ?`,
    ),
    insert: sql.prepare(
      "INSERT INTO tickets (room_id, member_id, member_name, status, reason, priority, opened_at) VALUES (?, ?, ?, 'open', ?, ?, ?)",
    ),
    event: sql.prepare(
      'INSERT INTO ticket_events (ticket_id, at, kind, actor, text, message_id) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    events: sql.prepare(
      `SELECT e.at, e.kind, e.actor, e.text, e.message_id AS messageId, m.mime AS mediaMime
       FROM ticket_events e LEFT JOIN media_files m ON m.message_id = e.message_id
       WHERE e.ticket_id = ? ORDER BY e.at, e.id`,
    ),
    setStatus: sql.prepare('UPDATE tickets SET status = ? WHERE id = ?'),
    assign: sql.prepare("UPDATE tickets SET status = 'assigned', assignee = ? WHERE id = ?"),
    firstResponse: sql.prepare(
      'UPDATE tickets SET first_response_at = coalesce(first_response_at, ?) WHERE id = ?',
    ),
    resolve: sql.prepare(
      "UPDATE tickets SET status = 'resolved', resolved_at = ?, rating_asked_at = ? WHERE id = ?",
    ),
    reopen: sql.prepare(
      "UPDATE tickets SET status = 'open', resolved_at = NULL, rating_asked_at = NULL WHERE id = ?",
    ),
    rate: sql.prepare('UPDATE tickets SET rating = ? WHERE id = ? AND rating IS NULL'),
    recentMessages: sql.prepare(
      'SELECT text, sent_at AS at FROM messages WHERE room_id = ? AND sender_id = ? AND received_at < ? AND received_at >= ? ORDER BY received_at DESC LIMIT ?',
    ),
    activeAll: sql.prepare(
      `SELECT ${COLUMNS} FROM tickets WHERE status IN ('open', 'assigned', 'waiting_member')`,
    ),
    breachFirst: sql.prepare(
      'UPDATE tickets SET first_response_breached_at = ? WHERE id = ? AND first_response_breached_at IS NULL',
    ),
    breachResolution: sql.prepare(
      'UPDATE tickets SET resolution_breached_at = ? WHERE id = ? AND resolution_breached_at IS NULL',
    ),
  }
  // A member's open ticket is looked up on every message, and most members have none: every
  // member with an open or awaiting-rating ticket is held in memory (loaded once, a few hundred
  // rows), and a ticket write updates its member's entry (see ReadCache).
  const withTickets = new ReadCache<Map<string, MemberTickets>>(sql)
  const memberKey = (roomId: string, memberId: string) => `${roomId}\u0000${memberId}`
  // Rows come newest resolution first: the first active and the first awaiting-rating one count.
  const addTo = (entry: MemberTickets, t: Ticket) => {
    if (ACTIVE.includes(t.status)) entry.active ??= t
    else entry.awaitingRating ??= t
  }
  const loadAll = () => {
    const map = new Map<string, MemberTickets>()
    for (const t of q.memberTicketsAll.all() as Ticket[]) {
      const key = memberKey(t.roomId, t.memberId)
      const entry = map.get(key) ?? {}
      addTo(entry, t)
      map.set(key, entry)
    }
    return map
  }
  const refresh = (ticketId: number) => {
    const map = withTickets.peek('')
    if (!map) return
    const ticket = q.byId.get(ticketId) as Ticket | undefined
    if (!ticket) return withTickets.clear()
    const entry: MemberTickets = {}
    for (const t of q.memberTickets.all(ticket.roomId, ticket.memberId) as Ticket[]) addTo(entry, t)
    const key = memberKey(ticket.roomId, ticket.memberId)
    if (entry.active || entry.awaitingRating) map.set(key, entry)
    else map.delete(key)
  }
  const changed = <T>(ticketId: number, result: T): T => {
    refresh(ticketId)
    return result
  }
  return {
    transaction<T>(work: () => T): T {
      return transactionForgettingOnRollback(sql, work)
    },
    active(roomId: string, memberId: string): Ticket | undefined {
      return q.active.get(roomId, memberId) as Ticket | undefined
    },
    /** What a member's message may belong to: their open ticket, or a resolved one awaiting a rating. */
    memberTickets(roomId: string, memberId: string): MemberTickets {
      return withTickets.get('', loadAll).get(memberKey(roomId, memberId)) ?? {}
    },
    get(id: number): Ticket | undefined {
      return q.byId.get(id) as Ticket | undefined
    },
    list(filter: { status?: TicketStatus; roomId?: string; limit?: number }): Ticket[] {
      const s = filter.status ?? null
      const r = filter.roomId ?? null
      return q.list.all(s, s, r, r, filter.limit ?? 100) as Ticket[]
    },
    open(
      roomId: string,
      memberId: string,
      memberName: string,
      reason: string,
      priority: number,
      now: number,
    ): Ticket {
      const id = Number(
        q.insert.run(roomId, memberId, maskPersonalData(memberName), maskPersonalData(reason), priority, now)
          .lastInsertRowid,
      )
      refresh(id)
      return this.get(id) as Ticket
    },
    event(
      ticketId: number,
      at: number,
      kind: string,
      actor: string | null,
      text: string | null,
      messageId: string | null = null,
    ): void {
      const staff = actor !== null && !MEMBER_EVENTS.has(kind)
      q.event.run(
        ticketId,
        at,
        kind,
        staff ? maskPersonalData(actor) : actor,
        text && maskPersonalData(text),
        messageId,
      )
    },
    events(ticketId: number): TicketEvent[] {
      return q.events.all(ticketId) as TicketEvent[]
    },
    setStatus(id: number, status: TicketStatus): void {
      changed(id, q.setStatus.run(status, id))
    },
    assign(id: number, assignee: string): void {
      changed(id, q.assign.run(maskPersonalData(assignee), id))
    },
    firstResponse(id: number, at: number): void {
      changed(id, q.firstResponse.run(at, id))
    },
    resolve(id: number, at: number, askRating: boolean): void {
      changed(id, q.resolve.run(at, askRating ? at : null, id))
    },
    reopen(id: number): void {
      changed(id, q.reopen.run(id))
    },
    /**
     * The member's last messages in the hour before `before` (already masked when stored), oldest
     * first. The group's hour is walked in the index, which holds the sender, so only the
     * member's own rows are read.
     */
    recentMessages(
      roomId: string,
      memberId: string,
      before: number,
      limit = 5,
    ): { text: string; at: number }[] {
      return (
        q.recentMessages.all(roomId, memberId, before, before - RECENT_CONTEXT_MS, limit) as {
          text: string
          at: number
        }[]
      ).reverse()
    },
    activeTickets(): Ticket[] {
      return q.activeAll.all() as Ticket[]
    },
    /** Records a breach; false when it was already recorded (so it is reported once). */
    markBreached(id: number, kind: 'first_response' | 'resolution', now: number): boolean {
      return (
        changed(id, (kind === 'first_response' ? q.breachFirst : q.breachResolution).run(now, id)).changes > 0
      )
    },
    rate(id: number, rating: number): boolean {
      return changed(id, q.rate.run(rating, id)).changes > 0
    },
  }
}

export type TicketRepository = ReturnType<typeof createTicketRepository>
