import { randomBytes } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { Clock } from '../../core/clock.js'
import type { Logger } from '../../core/logger.js'
import { hashMemberId } from '../../core/member-hash.js'
import { type Db, truncateWal } from '../../db/client.js'
import { forgetCachedReads } from '../../db/read-cache.js'

/**
 * A table holding rows about members: how a member's rows are found, and what erasure does with
 * them. The one list both export and erasure read, so a table added here is covered by both.
 */
export interface MemberTable {
  table: string
  /** SQL condition selecting the member's rows; binds `@id` (the member id) and `@hash` (its hash). */
  where: string
  /**
   * - `delete`: the member's personal data, deleted.
   * - `anonymise`: kept for audit under an anonymous id and name (tickets, the moderation log).
   * - `hash`: a ban, kept under the one-way hash of the id so it outlives the erasure.
   * - `scrub`: records that mention the member (staff alerts, bot messages); the generic scrub
   *   replaces the id and names in them.
   */
  erasure: 'delete' | 'anonymise' | 'hash' | 'scrub'
  /** The column holding the member's display name, collected before erasure to scrub it elsewhere. */
  nameColumn?: string
  /**
   * A text column that mentions members by id (JSON of alerts or message parts): a row is the
   * member's when their id stands there as a whole id, not as part of a longer one.
   */
  mentionsIn?: string
}

const byMember = (table: string, nameColumn?: string): MemberTable => ({
  table,
  where: 'member_id = @id',
  erasure: 'delete',
  ...(nameColumn ? { nameColumn } : {}),
})

/** The events of the member's tickets (found through the tickets, so before those are anonymised). */
const OF_MEMBER_TICKETS = 'ticket_id IN (SELECT id FROM tickets WHERE member_id = @id)'

export const MEMBER_TABLES: readonly MemberTable[] = [
  byMember('members', 'name'),
  { table: 'messages', where: 'sender_id = @id', erasure: 'delete' },
  // Screenshots and files the member sent into tickets.
  { table: 'media_files', where: 'sender_id = @id', erasure: 'delete' },
  byMember('sop_welcomes', 'name'),
  byMember('sop_newcomers', 'name'),
  byMember('sop_task_completions'),
  byMember('sop_reminders_sent'),
  byMember('checkins'),
  byMember('points_ledger'),
  byMember('member_tags'),
  byMember('poll_votes'),
  // "Told staff once that this banned member could not be removed" markers.
  { table: 'room_markers', where: "marker = 'ban_remove_failed:' || @id", erasure: 'delete' },
  byMember('activity_days'),
  byMember('member_events'),
  { table: 'tickets', where: 'member_id = @id', erasure: 'anonymise', nameColumn: 'member_name' },
  { table: 'ticket_events', where: OF_MEMBER_TICKETS, erasure: 'anonymise' },
  { table: 'moderation_actions', where: 'member_id = @id', erasure: 'anonymise', nameColumn: 'member_name' },
  { table: 'bans', where: 'member_id IN (@id, @hash)', erasure: 'hash', nameColumn: 'member_name' },
  { table: 'webhook_deliveries', where: 'instr(body, @id) > 0', erasure: 'scrub', mentionsIn: 'body' },
  { table: 'chat_outbox', where: 'instr(parts, @id) > 0', erasure: 'scrub', mentionsIn: 'parts' },
]

/** Everything stored about a member (GET /api/members/:id/export, `qunbot member export`). */
export interface MemberExport {
  memberId: string
  /** ISO time of the export. */
  exportedAt: string
  /** The display names the member was known by. */
  names: string[]
  /** Rows per table, as stored (column names as in the database); tables without rows are left out. */
  tables: Record<string, Record<string, unknown>[]>
}

/** What an erasure did (DELETE /api/members/:id, `qunbot member delete`). */
export interface ErasureReport {
  memberId: string
  /** The id that replaces the member's in the records kept for audit. */
  anonymousId: string
  /** ISO time of the erasure. */
  erasedAt: string
  actor: string
  /** Rows deleted per table (tables with none are left out). */
  deleted: Record<string, number>
  /** Rows kept but changed per table: anonymised, hashed or scrubbed (tables with none are left out). */
  anonymised: Record<string, number>
}

export interface MemberRights {
  /** Undefined when nothing is stored about the member. */
  export(memberId: string): MemberExport | undefined
  /** Undefined when nothing is stored about the member (nothing is changed then). */
  erase(memberId: string, actor: string): ErasureReport | undefined
}

type Row = Record<string, unknown>
type Key = Array<string | number | bigint | null>

interface UserTable {
  name: string
  textColumns: string[]
  /** Columns identifying a row: rowid, or the primary key of a WITHOUT ROWID table. */
  keyColumns: string[]
}

// Names shorter than this are not replaced in free text: a one-character name (王, A) occurs
// inside countless unrelated words and messages, and replacing it everywhere would corrupt other
// members' records. The member's own rows are still deleted or anonymised in full.
const MIN_SCRUBBED_NAME_LENGTH = 2

// Characters of member ids (wxid_..., custom WeChat ids, wechat4u's @...): an id found next to
// one of them is part of a longer id, someone else's.
const ID_CHAR = '[A-Za-z0-9_@-]'

const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`
const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1)
const regexEscaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** The member id as a whole id in a text (not inside a longer id). */
const idSource = (memberId: string) => `(?<!${ID_CHAR})${regexEscaped(memberId)}(?!${ID_CHAR})`
/**
 * A name as a name: not run into other letters or digits, as in "@张三 ", "张三：" or a JSON
 * string. Inside running text ("谢谢老师的讲解", "张老师") the same characters are other words, or
 * other people, and are left alone.
 */
const nameSource = (name: string) => `(?<![\\p{L}\\p{N}])${regexEscaped(name)}(?![\\p{L}\\p{N}])`

/**
 * Columns that name other things or other people: the erased member's own rows there are deleted
 * or anonymised by the table list above, so a name still found in them is somebody else's (or a
 * group's) and only the id is replaced.
 */
const NAME_COLUMNS_OF_OTHERS = new Set([
  'rooms.topic',
  'members.name',
  'sop_welcomes.name',
  'sop_newcomers.name',
  'tickets.member_name',
  'moderation_actions.member_name',
  'bans.member_name',
])

/**
 * Members' rights under PIPL: a copy of everything stored about a member, and its erasure. Erasure
 * deletes personal data, keeps the tickets and the moderation log anonymised for audit, keeps bans
 * under a one-way hash of the id, and then replaces the id and the member's names in every text
 * column of every table, so no trace of the member is left in alerts, outbox rows or other
 * members' messages.
 */
export function createMemberRights(
  db: Db,
  clock: Clock,
  log: Logger,
  options: { anonymousName?: string; beforeRead: () => void },
): MemberRights {
  const sqlite = db.$client
  const select = MEMBER_TABLES.map((t) => ({
    ...t,
    rows: sqlite.prepare(`SELECT * FROM ${quoteId(t.table)} WHERE ${t.where}`),
  }))
  const names = MEMBER_TABLES.flatMap((t) =>
    t.nameColumn
      ? [
          {
            ...t,
            nameColumn: t.nameColumn,
            // Someone else known by the same name: see `scrubbedNames`.
            sharedBy: sqlite
              .prepare(
                `SELECT 1 FROM ${quoteId(t.table)} WHERE ${quoteId(t.nameColumn)} = @name AND NOT (${t.where})`,
              )
              .pluck(),
          },
        ]
      : [],
  )

  /** The member's rows in every declared table, or undefined when nothing identifies them. */
  function locate(memberId: string): Map<string, Row[]> | undefined {
    const binds = { id: memberId, hash: hashMemberId(memberId) }
    const found = new Map<string, Row[]>()
    const mentions = new RegExp(idSource(memberId))
    for (const t of select) {
      const column = t.mentionsIn
      let rows = t.rows.all(binds) as Row[]
      if (column) rows = rows.filter((r) => mentions.test(String(r[column])))
      if (rows.length > 0) found.set(t.table, rows)
    }
    // A ban kept under the hash alone is what erasure leaves on purpose: it does not make the
    // member known again (an erased member's export is a 404, and erasing again changes nothing).
    const known = [...found].some(
      ([table, rows]) => table !== 'bans' || rows.some((r) => r.member_id === memberId),
    )
    return known ? found : undefined
  }

  function namesIn(found: Map<string, Row[]>): string[] {
    const all = new Set<string>()
    for (const t of names)
      for (const row of found.get(t.table) ?? []) {
        const name = row[t.nameColumn]
        if (typeof name === 'string' && name !== '') all.add(name)
      }
    return [...all]
  }

  /**
   * The names replaced in free text: long enough to be specific, and not also the name of someone
   * else in the records (two members called 小明: replacing 小明 everywhere would rename the other
   * one in their own records; such a name no longer points at the erased member alone).
   */
  function scrubbedNames(memberId: string, all: string[]): { scrubbed: string[]; shared: string[] } {
    const binds = { id: memberId, hash: hashMemberId(memberId) }
    const scrubbed: string[] = []
    const shared: string[] = []
    for (const name of all) {
      if ([...name].length < MIN_SCRUBBED_NAME_LENGTH) continue
      if (names.some((t) => t.sharedBy.get({ ...binds, name }) !== undefined)) shared.push(name)
      else scrubbed.push(name)
    }
    return { scrubbed, shared }
  }

  return {
    export(memberId) {
      options.beforeRead()
      const found = locate(memberId)
      if (!found) return undefined
      const result: MemberExport = {
        memberId,
        exportedAt: new Date(clock.now()).toISOString(),
        names: namesIn(found),
        // Files (screenshots sent into tickets) as base64, not JSON arrays of numbers.
        tables: Object.fromEntries(
          [...found].map(([table, rows]) => [
            table,
            rows.map((row) =>
              Object.fromEntries(
                Object.entries(row).map(([k, v]) => [
                  k,
                  Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v,
                ]),
              ),
            ),
          ]),
        ),
      }
      log.info(
        { memberId, rows: Object.fromEntries([...found].map(([t, rows]) => [t, rows.length])) },
        'member data exported',
      )
      return result
    },

    erase(memberId, actor) {
      options.beforeRead()
      const anonymousId = `anon_${randomBytes(8).toString('hex')}`
      const anonymousName = options.anonymousName ?? anonymousId
      const run = sqlite.transaction((): ErasureReport | undefined => {
        const found = locate(memberId)
        if (!found) return undefined
        const { scrubbed, shared } = scrubbedNames(memberId, namesIn(found))
        const binds = {
          id: memberId,
          hash: hashMemberId(memberId),
          anonId: anonymousId,
          anonName: anonymousName,
          now: clock.now(),
        }
        const deleted: Record<string, number> = {}
        const changed = new Map<string, Set<string>>()
        const touch = (table: string, keys: Key[]) => {
          if (keys.length === 0) return
          const set = changed.get(table) ?? new Set<string>()
          for (const k of keys) set.add(JSON.stringify(k))
          changed.set(table, set)
        }
        const returning = (sql: string, params: object): Key[] =>
          sqlite.prepare(`${sql} RETURNING rowid`).raw().all(params) as Key[]

        // The per-group daily sums lose what the member contributed, so they agree with the
        // member rows that are about to go.
        sqlite
          .prepare(
            `UPDATE room_days SET messages = room_days.messages - a.messages, active_members = room_days.active_members - 1
             FROM (SELECT room_id, day, messages FROM activity_days WHERE member_id = @id) AS a
             WHERE room_days.room_id = a.room_id AND room_days.day = a.day`,
          )
          .run(binds)
        for (const t of MEMBER_TABLES.filter((m) => m.erasure === 'delete')) {
          const n = sqlite.prepare(`DELETE FROM ${quoteId(t.table)} WHERE ${t.where}`).run(binds).changes
          if (n > 0) deleted[t.table] = n
        }
        // Events first: they are found through the tickets' member id, which changes next. The
        // member's own lines in the transcript are their words, not an audit fact: the line
        // stays (when, what kind), its text goes. A name inside Chinese text ("我是李小龙") has no
        // word boundary the name scrub below could rely on.
        touch(
          'ticket_events',
          returning(
            `UPDATE ticket_events SET text = NULL WHERE actor = @id AND kind IN ('member_message', 'member_action', 'earlier_message') AND text IS NOT NULL AND ${OF_MEMBER_TICKETS}`,
            binds,
          ),
        )
        touch(
          'ticket_events',
          returning(
            `UPDATE ticket_events SET actor = @anonId WHERE actor = @id AND ${OF_MEMBER_TICKETS}`,
            binds,
          ),
        )
        for (const name of namesIn(found))
          touch(
            'ticket_events',
            returning(
              `UPDATE ticket_events SET actor = @anonName WHERE actor = @name AND ${OF_MEMBER_TICKETS}`,
              {
                ...binds,
                name,
              },
            ),
          )
        // An open ticket is closed: staff could no longer reach an erased member.
        touch(
          'tickets',
          returning(
            `UPDATE tickets SET member_id = @anonId, member_name = @anonName, rating_asked_at = NULL,
               resolved_at = CASE WHEN status IN ('open', 'assigned', 'waiting_member') THEN @now ELSE resolved_at END,
               status = CASE WHEN status IN ('open', 'assigned', 'waiting_member') THEN 'resolved' ELSE status END
             WHERE member_id = @id`,
            binds,
          ),
        )
        touch(
          'moderation_actions',
          returning(
            'UPDATE moderation_actions SET member_id = @anonId, member_name = @anonName WHERE member_id = @id',
            binds,
          ),
        )
        // The ban stays, under the hash; an older hashed entry on the same list is superseded.
        touch(
          'bans',
          returning(
            `UPDATE OR REPLACE bans SET member_id = @hash, member_name = NULL
             WHERE member_id = @id OR (member_id = @hash AND member_name IS NOT NULL)`,
            binds,
          ),
        )
        const replacements = new Map<string, string>()
        for (const name of scrubbed) {
          replacements.set(name, anonymousName)
          // Inside JSON (webhook bodies, outbox parts) a name with quotes or backslashes is escaped.
          replacements.set(jsonEscaped(name), jsonEscaped(anonymousName))
        }
        // Set last: should a name equal the id, the id's (whole-id) rule wins.
        replacements.set(memberId, anonymousId)
        const scrub = { memberId, replacements }
        for (const table of userTables(sqlite)) touch(table.name, scrubTable(sqlite, table, scrub))

        const anonymised = Object.fromEntries([...changed].map(([table, keys]) => [table, keys.size]))
        if (shared.length > 0)
          log.warn(
            { memberId, names: shared.length },
            'names also used by other members were not replaced in free text',
          )
        return {
          memberId,
          anonymousId,
          erasedAt: new Date(clock.now()).toISOString(),
          actor,
          deleted,
          anonymised,
        }
      })
      const report = run()
      if (!report) return report
      // The member's rows changed under every repository's cached reads.
      forgetCachedReads(sqlite)
      // secure_delete zeroes the rows in the new page versions; the older ones, with the member's
      // data, are still frames of the write-ahead log until it is checkpointed and truncated.
      const walTruncated = truncateWal(sqlite)
      log.info(
        { memberId, anonymousId, actor, deleted: report.deleted, anonymised: report.anonymised },
        'member data erased',
      )
      if (!walTruncated)
        log.warn(
          { memberId },
          'another process was reading the database: the erased rows stay in the write-ahead log until its next checkpoint',
        )
      return report
    },
  }
}

/** Every table of the database but SQLite's own and drizzle's migration journal, with its text columns. */
export function userTables(sqlite: Database.Database): UserTable[] {
  const tables = sqlite
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'table'
       AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != '__drizzle_migrations' ORDER BY name`,
    )
    .all() as { name: string; sql: string | null }[]
  return tables.map(({ name, sql }) => {
    const columns = sqlite.pragma(`table_info(${quoteId(name)})`) as {
      name: string
      type: string
      pk: number
    }[]
    const withoutRowid = /\bWITHOUT\s+ROWID\b/i.test(sql ?? '')
    return {
      name,
      // SQLite's TEXT affinity: a declared type containing CHAR, CLOB or TEXT.
      textColumns: columns.filter((c) => /CHAR|CLOB|TEXT/i.test(c.type)).map((c) => c.name),
      keyColumns: withoutRowid
        ? columns
            .filter((c) => c.pk > 0)
            .sort((a, b) => a.pk - b.pk)
            .map((c) => c.name)
        : ['rowid'],
    }
  })
}

/**
 * Replaces the member id (as a whole id) and the keys of `replacements` in every text column of
 * the table, in one pass per value: longest first, so a name inside another is not replaced
 * half-way, and a replacement is never replaced again. Returns the keys of the rows changed.
 */
function scrubTable(
  sqlite: Database.Database,
  table: UserTable,
  { memberId, replacements }: { memberId: string; replacements: Map<string, string> },
): Key[] {
  const needles = [...replacements.keys()].filter((n) => n !== '').sort((a, b) => b.length - a.length)
  if (table.textColumns.length === 0 || needles.length === 0) return []
  const pattern = new RegExp(
    needles.map((n) => (n === memberId ? idSource(n) : nameSource(n))).join('|'),
    'gu',
  )
  const idOnly = new RegExp(idSource(memberId), 'g')
  const patternOf = table.textColumns.map((c) =>
    NAME_COLUMNS_OF_OTHERS.has(`${table.name}.${c}`) ? idOnly : pattern,
  )
  const keys = table.keyColumns.map((c, i) => `${c === 'rowid' ? 'rowid' : quoteId(c)} AS k${i}`)
  const cols = table.textColumns.map(quoteId)
  // A cheap filter in SQL; the pattern then decides (an id inside a longer id is not the member's).
  const where = cols.flatMap((c) => needles.map(() => `instr(${c}, ?) > 0`)).join(' OR ')
  const rows = sqlite
    .prepare(`SELECT ${[...keys, ...cols].join(', ')} FROM ${quoteId(table.name)} WHERE ${where}`)
    .raw()
    .all(...cols.flatMap(() => needles)) as unknown[][]
  if (rows.length === 0) return []
  const keyCount = table.keyColumns.length
  const update = sqlite.prepare(
    `UPDATE ${quoteId(table.name)} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE ${table.keyColumns
      .map((c) => `${c === 'rowid' ? 'rowid' : quoteId(c)} IS ?`)
      .join(' AND ')}`,
  )
  const changed: Key[] = []
  for (const row of rows) {
    const before = row.slice(keyCount)
    const after = before.map((v, i) =>
      typeof v === 'string' ? v.replace(patternOf[i] as RegExp, (m) => replacements.get(m) ?? m) : v,
    )
    if (after.every((v, i) => v === before[i])) continue
    const key = row.slice(0, keyCount) as Key
    update.run(...after, ...key)
    changed.push(key)
  }
  return changed
}
