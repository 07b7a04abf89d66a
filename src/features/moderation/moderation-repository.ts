import { maskPersonalData } from '../../core/mask.js'
import { HASH_PREFIX, hashMemberId } from '../../core/member-hash.js'
import type { Db } from '../../db/client.js'
import { ReadCache } from '../../db/read-cache.js'

/** A violation's outcome, strongest first: what the bot did about it. */
export const VIOLATION_ACTIONS = ['remove', 'remove_failed', 'alert', 'warn'] as const
export type ViolationAction = (typeof VIOLATION_ACTIONS)[number]
export type ModerationAction = ViolationAction | 'ban_removed' | 'ban_remove_failed'

export interface ActionRow {
  id: number
  roomId: string
  /** The group's name as last seen (null if the group is unknown). */
  roomTopic: string | null
  memberId: string
  memberName: string
  rule: string
  action: ModerationAction
  evidence: string
  messageId: string | null
  /** When the member took back the message the action was about (null: not recalled). */
  recalledAt: number | null
  at: number
  undoneAt: number | null
  undoneBy: string | null
}

export interface BanRow {
  list: string
  memberId: string
  memberName: string | null
  reason: string
  addedBy: string
  addedAt: number
}

const ACTION_COLUMNS =
  'id, room_id AS roomId, (SELECT topic FROM rooms WHERE rooms.id = room_id) AS roomTopic, member_id AS memberId, member_name AS memberName, rule, action, evidence, message_id AS messageId, (SELECT recalled_at FROM messages WHERE messages.id = message_id) AS recalledAt, at, undone_at AS undoneAt, undone_by AS undoneBy'
const COUNTED = VIOLATION_ACTIONS.map((a) => `'${a}'`).join(', ')

/**
 * The moderation log and the ban lists (prepared statements: the log is written on the message
 * path). Names, reasons and staff names are stored with personal numbers masked; ids are not.
 * Evidence comes masked (the service masks before it shortens it, so no number is cut in half).
 */
export function createModerationRepository(db: Db) {
  const sql = db.$client
  const insert = sql.prepare(
    'INSERT INTO moderation_actions (room_id, member_id, member_name, rule, action, evidence, message_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const counted = sql
    .prepare(
      `SELECT count(*) FROM moderation_actions WHERE room_id = ? AND member_id = ? AND at > ? AND undone_at IS NULL AND action IN (${COUNTED})`,
    )
    .pluck()
  const byId = sql.prepare(`SELECT ${ACTION_COLUMNS} FROM moderation_actions WHERE id = ?`)
  const undo = sql.prepare(
    'UPDATE moderation_actions SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL',
  )
  const joinedAt = sql
    .prepare('SELECT joined_at FROM members WHERE room_id = ? AND member_id = ? AND left_at IS NULL')
    .pluck()
  const banListOf = sql.prepare(
    'SELECT list, member_id AS memberId, member_name AS memberName, reason, added_by AS addedBy, added_at AS addedAt FROM bans WHERE list = ?',
  )
  const banUpsert = sql.prepare(
    'INSERT INTO bans (list, member_id, member_name, reason, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (list, member_id) DO UPDATE SET reason = excluded.reason, added_by = excluded.added_by, added_at = excluded.added_at, member_name = coalesce(excluded.member_name, bans.member_name)',
  )
  const banDelete = sql.prepare('DELETE FROM bans WHERE list = ? AND member_id IN (?, ?)')
  const banList = sql.prepare(
    'SELECT list, member_id AS memberId, member_name AS memberName, reason, added_by AS addedBy, added_at AS addedAt FROM bans WHERE (? IS NULL OR list = ?) ORDER BY list, added_at DESC',
  )

  // Looked up on every message of a group with a ban list, and bans are few and change rarely: a
  // list is held in memory whole, by member id (see ReadCache). Erased members' bans are keyed by
  // the hash of their id; the hash is only computed when the list holds such a ban.
  const bans = new ReadCache<{ byMember: Map<string, BanRow>; hashed: boolean }>(sql)
  const loadList = (list: string) => () => {
    const byMember = new Map<string, BanRow>()
    for (const row of banListOf.all(list) as BanRow[]) byMember.set(row.memberId, row)
    return { byMember, hashed: [...byMember.keys()].some((id) => id.startsWith(HASH_PREFIX)) }
  }
  return {
    log(row: Omit<ActionRow, 'id' | 'roomTopic' | 'recalledAt' | 'undoneAt' | 'undoneBy'>): number {
      return Number(
        insert.run(
          row.roomId,
          row.memberId,
          maskPersonalData(row.memberName),
          row.rule,
          row.action,
          row.evidence,
          row.messageId,
          row.at,
        ).lastInsertRowid,
      )
    },
    /** Violations of a member in a group since `since` that still count (not undone). */
    countViolations(roomId: string, memberId: string, since: number): number {
      return counted.get(roomId, memberId, since) as number
    },
    get(id: number): ActionRow | undefined {
      return byId.get(id) as ActionRow | undefined
    },
    undo(id: number, at: number, by: string): boolean {
      return undo.run(at, maskPersonalData(by), id).changes > 0
    },
    /** Newest first; filters are optional. */
    list(filter: { roomId?: string; memberId?: string; since?: number; limit: number }): ActionRow[] {
      const where: string[] = []
      const args: (string | number)[] = []
      if (filter.roomId) where.push('room_id = ?') && args.push(filter.roomId)
      if (filter.memberId) where.push('member_id = ?') && args.push(filter.memberId)
      if (filter.since !== undefined) where.push('at >= ?') && args.push(filter.since)
      const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
      return sql
        .prepare(
          `SELECT ${ACTION_COLUMNS} FROM moderation_actions ${clause} ORDER BY at DESC, id DESC LIMIT ?`,
        )
        .all(...args, filter.limit) as ActionRow[]
    },
    /** When the member joined the group (null for members there before the bot). */
    joinedAt(roomId: string, memberId: string): number | null {
      return (joinedAt.get(roomId, memberId) as number | null | undefined) ?? null
    },
    /** The ban, matched by id or by the hash an erased member's ban keeps. */
    ban(list: string, memberId: string): BanRow | undefined {
      const { byMember, hashed } = bans.get(list, loadList(list))
      return byMember.get(memberId) ?? (hashed ? byMember.get(hashMemberId(memberId)) : undefined)
    },
    addBan(row: BanRow): void {
      bans.clear()
      banUpsert.run(
        row.list,
        row.memberId,
        row.memberName === null ? null : maskPersonalData(row.memberName),
        maskPersonalData(row.reason),
        maskPersonalData(row.addedBy),
        row.addedAt,
      )
    },
    removeBan(list: string, memberId: string): boolean {
      bans.clear()
      return banDelete.run(list, memberId, hashMemberId(memberId)).changes > 0
    },
    bans(list?: string): BanRow[] {
      return banList.all(list ?? null, list ?? null) as BanRow[]
    },
  }
}

export type ModerationRepository = ReturnType<typeof createModerationRepository>
