import { maskPersonalData } from '../../core/mask.js'
import type { Member } from '../../core/types.js'
import type { Db } from '../../db/client.js'
import { ReadCache, transactionForgettingOnRollback } from '../../db/read-cache.js'

export interface NewcomerRow {
  roomId: string
  memberId: string
  name: string
  sopName: string
  joinedAt: number
  expiresAt: number
  status: 'active' | 'completed' | 'expired'
}

export interface PollRow {
  id: number
  roomId: string
  topicId: string
  firedAt: number
  closesAt: number
  options: string[]
}

/**
 * SQL of the SOP feature; the engine and the service never write SQL themselves. Member names and
 * points reasons are stored with personal numbers masked (a member may be named 王13812345678).
 */
export function createSopRepository(db: Db) {
  const sql = db.$client
  const q = {
    lastWelcome: sql.prepare(
      'SELECT max(welcomed_at) FROM sop_welcomes WHERE room_id = ? AND member_id = ? AND welcomed_at IS NOT NULL',
    ),
    queueWelcome: sql.prepare(
      'INSERT OR IGNORE INTO sop_welcomes (room_id, member_id, name, joined_at, suppressed) VALUES (?, ?, ?, ?, ?)',
    ),
    pendingWelcomes: sql.prepare(
      'SELECT room_id AS roomId, member_id AS id, name, joined_at AS joinedAt FROM sop_welcomes WHERE welcomed_at IS NULL AND suppressed = 0 ORDER BY joined_at',
    ),
    markWelcomed: sql.prepare(
      'UPDATE sop_welcomes SET welcomed_at = ? WHERE room_id = ? AND member_id = ? AND welcomed_at IS NULL AND suppressed = 0',
    ),
    dropPendingWelcomes: sql.prepare(
      'UPDATE sop_welcomes SET suppressed = 1 WHERE room_id = ? AND welcomed_at IS NULL AND suppressed = 0',
    ),
    roomNewcomers: sql.prepare(
      'SELECT room_id AS roomId, member_id AS memberId, name, sop_name AS sopName, joined_at AS joinedAt, expires_at AS expiresAt, status FROM sop_newcomers WHERE room_id = ?',
    ),
    upsertNewcomer: sql.prepare(
      `INSERT INTO sop_newcomers (room_id, member_id, name, sop_name, joined_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?, 'active')
       ON CONFLICT (room_id, member_id) DO UPDATE SET name = excluded.name, sop_name = excluded.sop_name,
         joined_at = excluded.joined_at, expires_at = excluded.expires_at, status = 'active', completed_at = NULL`,
    ),
    clearNewcomerProgress: sql.prepare(
      'DELETE FROM sop_task_completions WHERE room_id = ? AND member_id = ?',
    ),
    clearNewcomerReminders: sql.prepare('DELETE FROM sop_reminders_sent WHERE room_id = ? AND member_id = ?'),
    activeNewcomers: sql.prepare(
      `SELECT room_id AS roomId, member_id AS memberId, name, sop_name AS sopName, joined_at AS joinedAt, expires_at AS expiresAt, status
       FROM sop_newcomers WHERE status = 'active' ORDER BY joined_at`,
    ),
    completeNewcomer: sql.prepare(
      "UPDATE sop_newcomers SET status = 'completed', completed_at = ? WHERE room_id = ? AND member_id = ?",
    ),
    expireNewcomers: sql.prepare(
      "UPDATE sop_newcomers SET status = 'expired' WHERE status = 'active' AND expires_at <= ?",
    ),
    tasksDone: sql
      .prepare('SELECT task_id FROM sop_task_completions WHERE room_id = ? AND member_id = ?')
      .pluck(),
    markTaskDone: sql.prepare(
      'INSERT OR IGNORE INTO sop_task_completions (room_id, member_id, task_id, done_at, via) VALUES (?, ?, ?, ?, ?)',
    ),
    remindersSent: sql
      .prepare('SELECT reminder FROM sop_reminders_sent WHERE room_id = ? AND member_id = ?')
      .pluck(),
    markReminderSent: sql.prepare(
      'INSERT OR IGNORE INTO sop_reminders_sent (room_id, member_id, reminder, sent_at) VALUES (?, ?, ?, ?)',
    ),
    lastCheckin: sql.prepare(
      'SELECT day_number AS day, streak FROM checkins WHERE room_id = ? AND member_id = ? ORDER BY day_number DESC LIMIT 1',
    ),
    checkinCount: sql.prepare('SELECT count(*) FROM checkins WHERE room_id = ? AND member_id = ?').pluck(),
    insertCheckin: sql.prepare(
      'INSERT OR IGNORE INTO checkins (room_id, member_id, day, day_number, streak, at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    checkedInOn: sql.prepare('SELECT member_id FROM checkins WHERE room_id = ? AND day_number = ?').pluck(),
    recentCheckers: sql
      .prepare(
        'SELECT DISTINCT member_id FROM checkins WHERE room_id = ? AND day_number >= ? AND day_number < ?',
      )
      .pluck(),
    checkinScores: sql.prepare(
      `SELECT c.member_id AS memberId, count(*) AS days,
         (SELECT streak FROM checkins l WHERE l.room_id = c.room_id AND l.member_id = c.member_id ORDER BY day_number DESC LIMIT 1) AS streak
       FROM checkins c WHERE c.room_id = ? AND c.day_number > ? AND c.day_number <= ? GROUP BY c.member_id`,
    ),
    addPoints: sql.prepare(
      'INSERT INTO points_ledger (room_id, member_id, delta, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    balance: sql
      .prepare('SELECT coalesce(sum(delta), 0) FROM points_ledger WHERE room_id = ? AND member_id = ?')
      .pluck(),
    addTag: sql.prepare(
      'INSERT OR IGNORE INTO member_tags (room_id, member_id, tag, at) VALUES (?, ?, ?, ?)',
    ),
    createPoll: sql.prepare(
      'INSERT OR IGNORE INTO polls (room_id, topic_id, fired_at, closes_at, options) VALUES (?, ?, ?, ?, ?)',
    ),
    unclosedPolls: sql.prepare(
      'SELECT id, room_id AS roomId, topic_id AS topicId, fired_at AS firedAt, closes_at AS closesAt, options FROM polls WHERE room_id = ? AND closed_at IS NULL ORDER BY fired_at DESC',
    ),
    duePolls: sql.prepare(
      'SELECT id, room_id AS roomId, topic_id AS topicId, fired_at AS firedAt, closes_at AS closesAt, options FROM polls WHERE closed_at IS NULL AND closes_at <= ? ORDER BY closes_at',
    ),
    nextPollClose: sql.prepare('SELECT min(closes_at) FROM polls WHERE closed_at IS NULL').pluck(),
    closePoll: sql.prepare('UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL'),
    vote: sql.prepare(
      `INSERT INTO poll_votes (poll_id, member_id, option, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (poll_id, member_id) DO UPDATE SET option = excluded.option, at = excluded.at`,
    ),
    votes: sql.prepare('SELECT option FROM poll_votes WHERE poll_id = ?').pluck(),
    memberName: sql.prepare('SELECT name FROM members WHERE room_id = ? AND member_id = ?').pluck(),
  }
  const toPoll = (r: {
    id: number
    roomId: string
    topicId: string
    firedAt: number
    closesAt: number
    options: string
  }): PollRow => ({
    ...r,
    options: JSON.parse(r.options) as string[],
  })

  // Read on every message of a bound group; written only here (see ReadCache).
  const unclosedPolls = new ReadCache<PollRow[]>(sql)
  // A group's newcomer rows, held whole per group (a few hundred at most).
  const newcomers = new ReadCache<Map<string, NewcomerRow>>(sql)
  const loadNewcomers = (roomId: string) => () =>
    new Map((q.roomNewcomers.all(roomId) as NewcomerRow[]).map((row) => [row.memberId, row]))

  return {
    /** Runs `work` in one transaction (nested calls become savepoints), so a state change and the sends it causes commit together. */
    transaction<T>(work: () => T): T {
      return transactionForgettingOnRollback(sql, work)
    },

    lastWelcomedAt(roomId: string, memberId: string): number | undefined {
      return (q.lastWelcome.pluck().get(roomId, memberId) as number | null) ?? undefined
    },
    queueWelcome(roomId: string, member: Member, joinedAt: number, suppressed: boolean): void {
      q.queueWelcome.run(roomId, member.id, maskPersonalData(member.name), joinedAt, suppressed ? 1 : 0)
    },
    pendingWelcomes(): { roomId: string; id: string; name: string; joinedAt: number }[] {
      return q.pendingWelcomes.all() as { roomId: string; id: string; name: string; joinedAt: number }[]
    },
    /** Closes a group's pending welcomes: `welcomedIds` get the welcome time, the others are dropped. */
    closeWelcomes(roomId: string, welcomedIds: string[], now: number): void {
      for (const id of welcomedIds) q.markWelcomed.run(now, roomId, id)
      q.dropPendingWelcomes.run(roomId)
    },

    newcomer(roomId: string, memberId: string): NewcomerRow | undefined {
      return newcomers.get(roomId, loadNewcomers(roomId)).get(memberId)
    },
    /** Starts (or restarts) a member's newcomer period with no tasks done. */
    startNewcomer(row: Omit<NewcomerRow, 'status'>): void {
      const name = maskPersonalData(row.name)
      q.upsertNewcomer.run(row.roomId, row.memberId, name, row.sopName, row.joinedAt, row.expiresAt)
      newcomers.peek(row.roomId)?.set(row.memberId, { ...row, name, status: 'active' })
      q.clearNewcomerProgress.run(row.roomId, row.memberId)
      q.clearNewcomerReminders.run(row.roomId, row.memberId)
    },
    activeNewcomers(): NewcomerRow[] {
      return q.activeNewcomers.all() as NewcomerRow[]
    },
    completeNewcomer(roomId: string, memberId: string, now: number): void {
      q.completeNewcomer.run(now, roomId, memberId)
      const row = newcomers.peek(roomId)?.get(memberId)
      if (row) row.status = 'completed'
    },
    expireNewcomers(now: number): number {
      const changes = q.expireNewcomers.run(now).changes
      if (changes > 0) newcomers.clear()
      return changes
    },
    tasksDone(roomId: string, memberId: string): Set<string> {
      return new Set(q.tasksDone.all(roomId, memberId) as string[])
    },
    markTaskDone(roomId: string, memberId: string, taskId: string, now: number, via: string): boolean {
      return q.markTaskDone.run(roomId, memberId, taskId, now, via).changes > 0
    },
    remindersSent(roomId: string, memberId: string): Set<number> {
      return new Set(q.remindersSent.all(roomId, memberId) as number[])
    },
    markReminderSent(roomId: string, memberId: string, reminder: number, now: number): void {
      q.markReminderSent.run(roomId, memberId, reminder, now)
    },

    checkinHistory(
      roomId: string,
      memberId: string,
    ): { lastDay?: number; lastStreak: number; totalDays: number } {
      const last = q.lastCheckin.get(roomId, memberId) as { day: number; streak: number } | undefined
      const totalDays = q.checkinCount.get(roomId, memberId) as number
      return last ? { lastDay: last.day, lastStreak: last.streak, totalDays } : { lastStreak: 0, totalDays }
    },
    recordCheckin(
      roomId: string,
      memberId: string,
      day: string,
      dayNumber: number,
      streak: number,
      now: number,
    ): boolean {
      return q.insertCheckin.run(roomId, memberId, day, dayNumber, streak, now).changes > 0
    },
    checkedInOn(roomId: string, dayNumber: number): Set<string> {
      return new Set(q.checkedInOn.all(roomId, dayNumber) as string[])
    },
    /** Members who checked in on any of the `days` days before `dayNumber`. */
    recentCheckers(roomId: string, dayNumber: number, days: number): string[] {
      return q.recentCheckers.all(roomId, dayNumber - days, dayNumber) as string[]
    },
    /** Check-in days per member in (fromDay, toDay], with their current streak. */
    checkinScores(
      roomId: string,
      fromDay: number,
      toDay: number,
    ): { memberId: string; days: number; streak: number }[] {
      return q.checkinScores.all(roomId, fromDay, toDay) as {
        memberId: string
        days: number
        streak: number
      }[]
    },

    addPoints(
      roomId: string,
      memberId: string,
      delta: number,
      reason: string,
      now: number,
      actor?: string,
    ): void {
      // A reason or staff name typed into the console may hold a phone number.
      const by = actor === undefined ? null : maskPersonalData(actor)
      q.addPoints.run(roomId, memberId, delta, maskPersonalData(reason), by, now)
    },
    balance(roomId: string, memberId: string): number {
      return q.balance.get(roomId, memberId) as number
    },
    addTag(roomId: string, memberId: string, tag: string, now: number): void {
      q.addTag.run(roomId, memberId, tag, now)
    },

    createPoll(roomId: string, topicId: string, firedAt: number, closesAt: number, options: string[]): void {
      unclosedPolls.delete(roomId)
      q.createPoll.run(roomId, topicId, firedAt, closesAt, JSON.stringify(options))
    },
    /** The group's newest poll still open at `now`. */
    openPoll(roomId: string, now: number): PollRow | undefined {
      const polls = unclosedPolls.get(roomId, () =>
        (q.unclosedPolls.all(roomId) as Parameters<typeof toPoll>[0][]).map(toPoll),
      )
      return polls.find((p) => p.closesAt > now)
    },
    duePolls(now: number): PollRow[] {
      return (q.duePolls.all(now) as Parameters<typeof toPoll>[0][]).map(toPoll)
    },
    nextPollClose(): number | undefined {
      return (q.nextPollClose.get() as number | null) ?? undefined
    },
    closePoll(id: number, now: number): boolean {
      unclosedPolls.clear()
      return q.closePoll.run(now, id).changes > 0
    },
    vote(pollId: number, memberId: string, option: string, now: number): void {
      q.vote.run(pollId, memberId, option, now)
    },
    votes(pollId: number): string[] {
      return q.votes.all(pollId) as string[]
    },
    memberName(roomId: string, memberId: string): string | undefined {
      return (q.memberName.get(roomId, memberId) as string | undefined) ?? undefined
    },
  }
}

export type SopRepository = ReturnType<typeof createSopRepository>
