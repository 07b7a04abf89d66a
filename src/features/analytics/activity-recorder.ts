import type { FaqOutcomeNote } from '../../core/context.js'
import type { Db } from '../../db/client.js'
import type { DayIndex } from './day-index.js'

interface PendingDay {
  roomId: string
  memberId: string
  day: number
  messages: number
}

interface PendingOutcome extends FaqOutcomeNote {
  roomId: string
  at: number
  day: number
}

/**
 * Writes the analytics rollups: member activity per local day (and its per-group sums in
 * room_days) and FAQ outcomes, summed in
 * memory and written together every few seconds (one commit, not one per message, on the hot
 * path), and joins and leaves as they happen. A crash loses at most the last few seconds of
 * counts, never a message: the messages themselves are stored by the runtime.
 */
export class ActivityRecorder {
  private days = new Map<string, PendingDay>()
  private outcomes: PendingOutcome[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly write: (days: Iterable<PendingDay>, outcomes: PendingOutcome[]) => void
  private readonly insertEvent

  constructor(
    db: Db,
    private readonly dayIndex: DayIndex,
    private readonly delayMs = 5_000,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    const sql = db.$client
    const insertDay = sql.prepare(
      'INSERT OR IGNORE INTO activity_days (room_id, member_id, day, messages) VALUES (?, ?, ?, ?)',
    )
    const addToDay = sql.prepare(
      'UPDATE activity_days SET messages = messages + ? WHERE room_id = ? AND member_id = ? AND day = ?',
    )
    const upsertRoomDay = sql.prepare(
      'INSERT INTO room_days (room_id, day, messages, active_members) VALUES (?, ?, ?, ?) ON CONFLICT (room_id, day) DO UPDATE SET messages = messages + excluded.messages, active_members = active_members + excluded.active_members',
    )
    const insertOutcome = sql.prepare(
      'INSERT INTO faq_outcomes (room_id, outcome, entry_id, at, day) VALUES (?, ?, ?, ?, ?)',
    )
    this.insertEvent = sql.prepare(
      'INSERT INTO member_events (room_id, member_id, kind, at, day) VALUES (?, ?, ?, ?, ?)',
    )
    this.write = sql.transaction((days: Iterable<PendingDay>, outcomes: PendingOutcome[]) => {
      for (const d of days) {
        // A new (member, day) row is one more active membership that day in the group.
        const fresh = insertDay.run(d.roomId, d.memberId, d.day, d.messages).changes
        if (!fresh) addToDay.run(d.messages, d.roomId, d.memberId, d.day)
        upsertRoomDay.run(d.roomId, d.day, d.messages, fresh)
      }
      for (const o of outcomes) insertOutcome.run(o.roomId, o.outcome, o.entryId ?? null, o.at, o.day)
    })
  }

  message(roomId: string, memberId: string, at: number): void {
    const day = this.dayIndex.dayOf(at)
    const key = `${roomId}\u0000${memberId}\u0000${day}`
    const pending = this.days.get(key)
    if (pending) pending.messages++
    else this.days.set(key, { roomId, memberId, day, messages: 1 })
    this.schedule()
  }

  faqOutcome(roomId: string, note: FaqOutcomeNote, at: number): void {
    this.outcomes.push({ ...note, roomId, at, day: this.dayIndex.dayOf(at) })
    this.schedule()
  }

  memberEvent(roomId: string, memberId: string, kind: 'join' | 'leave', at: number): void {
    this.insertEvent.run(roomId, memberId, kind, at, this.dayIndex.dayOf(at))
  }

  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.days.size === 0 && this.outcomes.length === 0) return
    const days = this.days
    const outcomes = this.outcomes
    try {
      this.write(days.values(), outcomes)
      this.days = new Map()
      this.outcomes = []
    } catch (error) {
      // Kept, and tried again with the next flush.
      this.onError(error)
      this.schedule()
    }
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => this.flush(), this.delayMs)
    this.timer.unref()
  }
}
