import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { silentLogger } from '../../src/core/logger.js'
import { hashMemberId } from '../../src/core/member-hash.js'
import { type Db, openDatabase } from '../../src/db/client.js'
import { createMemberRights, type MemberRights } from '../../src/features/privacy/member-rights.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const root = new URL('../..', import.meta.url).pathname
const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXF1bmJvdC1wcml2YWN5'
const ANONYMOUS = '已注销成员'
// sop/example.yaml binds groups whose name starts with 读书会; 群主小王 is its staff.
const GROUP = '读书会·隐私测试群'
const ERASED = '李小龙'
const OTHER = '周星星'

type Row = Record<string, unknown>

/** Every table of the database (SQLite's own excepted) with its columns: the generic scan. */
function allColumns(db: Db): { table: string; columns: string[] }[] {
  const tables = db.$client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[]
  return tables.map((table) => ({
    table,
    columns: (db.$client.pragma(`table_info("${table}")`) as { name: string }[]).map((c) => c.name),
  }))
}

/** The rows of every table in which any column, as text, contains `needle`. */
function rowsContaining(db: Db, needle: string): Map<string, Row[]> {
  const found = new Map<string, Row[]>()
  for (const { table, columns } of allColumns(db)) {
    const where = columns.map((c) => `instr(CAST("${c}" AS TEXT), @needle) > 0`).join(' OR ')
    const rows = db.$client.prepare(`SELECT * FROM "${table}" WHERE ${where}`).all({ needle }) as Row[]
    if (rows.length > 0) found.set(table, rows)
  }
  return found
}

const tablesContaining = (db: Db, needle: string) => [...rowsContaining(db, needle).keys()].sort()

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI on the stopped bot's data dir. */
function cli(env: Record<string, string>, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/**
 * A member's data through real flows (SOP welcome, newcomer tasks, check-in, handoff with staff
 * alerts), then export and erasure through the API and the CLI, checked by scanning every column
 * of every table.
 */
describe('members’ rights: export and erasure', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-privacy-'))
  const privacyFile = join(dir, 'privacy.yaml')
  let app: TestApp
  let roomId: string
  let erasedId: string
  let otherId: string
  let exported: { memberId: string; names: string[]; tables: Record<string, Row[]> }

  const say = async (memberId: string, text: string) => {
    app.sim.world.say(roomId, memberId, text)
    await app.sim.settle()
  }
  /** Buffered message rows written, so the scans see what the bot has stored. */
  const flush = () => app.runtime.messageLog.flush()

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'triggers:',
        '  keywords: [转人工]',
        'staff: { names: [群主小王] }',
        'texts:',
        '  opened: "{mention} 已转人工"',
        '  askRating: "{mention} 请打分 1-5"',
        '  thanks: "{mention} 谢谢"',
        // Nothing listens there: the deliveries stay pending or fail, which is all this test needs.
        'webhooks:',
        `  - { name: staff, url: "http://127.0.0.1:9/staff", secret: "${SECRET}", events: ["*"], allowPrivate: true }`,
        `  - { name: wecom, url: "http://127.0.0.1:9/wecom", secret: "${SECRET}", events: [handoff.opened], format: wecom, allowPrivate: true }`,
      ].join('\n'),
    )
    writeFileSync(privacyFile, `erasure:\n  anonymousName: ${ANONYMOUS}\n`)
    app = await startTestApp({
      QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'),
      QUNBOT_PRIVACY_FILE: privacyFile,
      QUNBOT_SEND_JITTER_MS: '0',
    })
    const room = app.sim.world.createRoom(GROUP, ['群主小王', OTHER])
    roomId = room.id
    otherId = room.members.find((m) => m.name === OTHER)?.id ?? ''
    await app.sim.settle()

    // A newcomer: welcomed (after the 60 s batch window), does both tasks, checks in, asks for a person.
    erasedId = app.sim.world.addMember(roomId, ERASED).id
    await app.sim.advance(61_000)
    await say(erasedId, '大家好，我是李小龙，喜欢读历史书')
    await say(erasedId, '已读群规')
    await say(erasedId, '打卡')
    await say(erasedId, '我要转人工')
    await say(erasedId, '课程打不开怎么办')
    const ticket = (await app.api('GET', '/api/handoff/tickets?status=open')).body.tickets[0]
    expect(
      (
        await app.api('POST', `/api/handoff/tickets/${ticket.id}/reply`, {
          text: '请更新 app',
          staff: '客服小王',
        })
      ).status,
    ).toBe(200)
    await app.sim.settle()
    // The other member checks in, asks for a person, and talks about the erased one by name.
    await say(otherId, '打卡')
    await say(otherId, '转人工')
    await say(otherId, `@${ERASED} 你好，欢迎`)

    // The moderation feature is written separately: its log and ban lists are filled directly.
    const sql = (text: string, ...params: unknown[]) => app.db.$client.prepare(text).run(...params)
    const now = app.clock.now()
    for (const [id, name] of [
      [erasedId, ERASED],
      [otherId, OTHER],
    ])
      sql(
        `INSERT INTO moderation_actions (room_id, member_id, member_name, rule, action, evidence, at)
         VALUES (?, ?, ?, 'words', 'warn', ?, ?)`,
        roomId,
        id,
        name,
        `${name} 说了 傻瓜`,
        now,
      )
    sql(
      "INSERT INTO bans (list, member_id, member_name, reason, added_by, added_at) VALUES ('global', ?, ?, 'spam', '群主小王', ?)",
      erasedId,
      ERASED,
      now,
    )
    sql(
      'INSERT INTO polls (id, room_id, topic_id, fired_at, closes_at, options) VALUES (1, ?, \'satisfaction\', ?, ?, \'["1","5"]\')',
      roomId,
      now,
      now + 86_400_000,
    )
    for (const id of [erasedId, otherId])
      sql("INSERT INTO poll_votes (poll_id, member_id, option, at) VALUES (1, ?, '5', ?)", id, now)

    // They leave the group and ask for their data, then for its deletion.
    app.sim.world.removeMember(roomId, erasedId)
    await app.sim.settle()
    flush()
  })

  afterAll(async () => {
    if (app) {
      await app.stop()
      rmSync(app.config.dataDir, { recursive: true, force: true })
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('exports the member’s rows from every table that holds their id', async () => {
    const holding = tablesContaining(app.db, erasedId)
    // The flows above did run: the id is in the tables of each feature.
    expect(holding).toEqual(
      expect.arrayContaining([
        'bans',
        'chat_outbox',
        'checkins',
        'member_tags',
        'members',
        'messages',
        'moderation_actions',
        'points_ledger',
        'poll_votes',
        'sop_newcomers',
        'sop_task_completions',
        'sop_welcomes',
        'ticket_events',
        'tickets',
        'webhook_deliveries',
      ]),
    )
    const res = await app.api('GET', `/api/members/${erasedId}/export`)
    expect(res.status).toBe(200)
    exported = res.body
    expect(exported.memberId).toBe(erasedId)
    expect(exported.names).toContain(ERASED)
    for (const table of holding)
      expect(exported.tables[table], table).toEqual(expect.arrayContaining([expect.anything()]))
    // Only the member's own rows: none of the other member's.
    expect(exported.tables.members).toEqual([expect.objectContaining({ member_id: erasedId, name: ERASED })])
    expect(exported.tables.checkins?.every((r) => r.member_id === erasedId)).toBe(true)
    expect(exported.tables.tickets?.every((r) => r.member_id === erasedId)).toBe(true)
    expect(JSON.stringify(exported)).not.toContain(otherId)
  })

  it('erases the member: no trace of the id or name left, audit records anonymised, the ban kept hashed', async () => {
    const count = (text: string) => app.db.$client.prepare(text).pluck().get() as number
    const ticketsBefore = count('SELECT count(*) FROM tickets')
    const erasedTickets = count(`SELECT count(*) FROM tickets WHERE member_id = '${erasedId}'`)
    expect(erasedTickets).toBe(1)
    // The other member's records that do not mention the erased one must come out unchanged (those
    // that do are scrubbed: before, they name the erased member; after, the anonymous stand-in).
    const otherRows = (...mentions: string[]) =>
      Object.fromEntries(
        [...rowsContaining(app.db, otherId)].map(([t, rows]) => [
          t,
          rows.filter((r) => !mentions.some((m) => JSON.stringify(r).includes(m))),
        ]),
      )
    const otherBefore = otherRows(erasedId, ERASED)
    const otherCounts = () =>
      Object.fromEntries([...rowsContaining(app.db, otherId)].map(([t, rows]) => [t, rows.length]))
    const otherCountsBefore = otherCounts()
    expect(Object.keys(otherBefore)).toEqual(expect.arrayContaining(['checkins', 'members', 'tickets']))

    const sums = () =>
      app.db.$client
        .prepare(
          'SELECT (SELECT sum(messages) FROM room_days) AS groupDays, (SELECT sum(messages) FROM activity_days) AS memberDays, (SELECT sum(active_members) FROM room_days) AS active, (SELECT count(*) FROM activity_days) AS rows',
        )
        .get() as { groupDays: number; memberDays: number; active: number; rows: number }
    app.runtime.messageLog.flush()
    for (const f of app.features) f.flush?.()
    const before = sums()
    expect(before.groupDays).toBeGreaterThan(0)
    const res = await app.api('DELETE', `/api/members/${erasedId}?actor=dpo`)
    expect(res.status).toBe(200)
    // The per-group daily sums lose exactly the erased member's share.
    const after = sums()
    expect(after.groupDays).toBe(after.memberDays)
    expect(after.active).toBe(after.rows)
    expect(after.groupDays).toBeLessThan(before.groupDays)
    const report = res.body
    expect(report).toMatchObject({
      memberId: erasedId,
      actor: 'dpo',
      anonymousId: expect.stringMatching(/^anon_[0-9a-f]+$/),
    })
    expect(report.deleted).toMatchObject({
      members: 1,
      sop_welcomes: 1,
      sop_newcomers: 1,
      checkins: 1,
      poll_votes: 1,
    })
    expect(report.deleted.messages).toBe(exported.tables.messages?.length)
    expect(report.anonymised).toMatchObject({ tickets: 1, moderation_actions: 1, bans: 1 })

    flush()
    expect(tablesContaining(app.db, erasedId)).toEqual([])
    expect(tablesContaining(app.db, ERASED)).toEqual([])

    expect(count('SELECT count(*) FROM tickets')).toBe(ticketsBefore)
    expect(
      app.db.$client
        .prepare('SELECT member_id, member_name FROM tickets WHERE member_id = ?')
        .all(report.anonymousId),
    ).toEqual([{ member_id: report.anonymousId, member_name: ANONYMOUS }])
    expect(
      count(
        `SELECT count(*) FROM ticket_events WHERE ticket_id IN (SELECT id FROM tickets WHERE member_id = '${report.anonymousId}')`,
      ),
    ).toBe(exported.tables.ticket_events?.length)
    expect(
      app.db.$client
        .prepare('SELECT member_name, evidence FROM moderation_actions WHERE member_id = ?')
        .all(report.anonymousId),
    ).toEqual([{ member_name: ANONYMOUS, evidence: `${ANONYMOUS} 说了 傻瓜` }])
    expect(app.db.$client.prepare('SELECT list, member_id, member_name FROM bans').all()).toEqual([
      { list: 'global', member_id: hashMemberId(erasedId), member_name: null },
    ])

    expect(otherCounts()).toEqual(otherCountsBefore)
    expect(otherRows(report.anonymousId, ANONYMOUS)).toEqual(otherBefore)
  })

  it('answers 404 to an export or erasure of the erased member, and of an unknown one', async () => {
    expect((await app.api('GET', `/api/members/${erasedId}/export`)).status).toBe(404)
    expect((await app.api('DELETE', `/api/members/${erasedId}`)).status).toBe(404)
    const unknown = await app.api('GET', '/api/members/wxid_nobody/export')
    expect(unknown).toMatchObject({ status: 404, body: { message: expect.stringContaining('wxid_nobody') } })
    const blank = await app.api('GET', '/api/members/%20/export')
    expect(blank.status).toBe(400)
    expect(blank.body.message).toContain('member id is required')
  })

  it('exports and erases through the CLI on the stopped bot’s database', async () => {
    await app.stop()
    const env = { QUNBOT_DATA_DIR: app.config.dataDir, QUNBOT_PRIVACY_FILE: privacyFile }
    const [exportOther, exportErased, deleteWithoutYes] = await Promise.all([
      cli(env, ['member', 'export', otherId]),
      cli(env, ['member', 'export', erasedId]),
      cli(env, ['member', 'delete', otherId]),
    ])
    expect(exportOther.stderr).toBe('')
    expect(exportOther.status).toBe(0)
    const data = JSON.parse(exportOther.stdout)
    expect(data).toMatchObject({ memberId: otherId, names: [OTHER] })
    expect(data.tables.checkins).toHaveLength(1)

    expect(exportErased.status).toBe(1)
    expect(exportErased.stderr).toContain(`nothing is stored about member ${erasedId}`)

    expect(deleteWithoutYes.status).toBe(2)
    expect(deleteWithoutYes.stderr).toContain('--yes')

    const deleted = await cli(env, ['member', 'delete', otherId, '--yes'])
    expect(deleted.status).toBe(0)
    expect(JSON.parse(deleted.stdout)).toMatchObject({
      memberId: otherId,
      deleted: { members: 1, checkins: 1 },
    })
    const again = await cli(env, ['member', 'export', otherId])
    expect(again.status).toBe(1)
  })
})

/** Erasure's text rules on a database filled by hand, where the flows above cannot reach. */
describe('erasure of ids and names inside other records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-erasure-'))
  const warnings: string[] = []
  const log = { ...silentLogger, warn: (_: object | string, msg?: string) => warnings.push(msg ?? '') }
  let db: Db
  let rights: MemberRights
  const sql = (text: string, ...params: unknown[]) => db.$client.prepare(text).run(...params)
  const column = (text: string, ...params: unknown[]) =>
    db.$client
      .prepare(text)
      .pluck()
      .all(...params)
  afterAll(() => {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  })

  beforeAll(() => {
    db = openDatabase(join(dir, 'qunbot.sqlite'))
    rights = createMemberRights(db, new ManualClock(0), log, {
      anonymousName: ANONYMOUS,
      beforeRead: () => {},
    })
    sql("INSERT INTO rooms (id, topic, first_seen_at, updated_at) VALUES ('r1', '群', 0, 0)")
    const member = (id: string, name: string) =>
      sql("INSERT INTO members (room_id, member_id, name) VALUES ('r1', ?, ?)", id, name)
    const message = (id: string, sender: string, text: string) =>
      sql(
        "INSERT INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, 'r1', ?, ?, 0, 0, 0)",
        id,
        sender,
        text,
      )
    // wxid_ab is erased; wxid_abc (an id that starts with the erased one) and 王 stay.
    member('wxid_ab', '阿"强"')
    member('wxid_abc', '小明')
    member('wxid_w', '王')
    message('m1', 'wxid_abc', '阿"强" 和 王 都来了')
    sql(
      "INSERT INTO chat_outbox (room_id, parts, status, not_before, created_at) VALUES ('r1', ?, 'sent', 0, 0)",
      JSON.stringify([{ mention: 'wxid_abc', name: '小明' }, ' 你好']),
    )
    sql(
      "INSERT INTO webhook_deliveries (id, endpoint, event_type, body, status, next_attempt_at, created_at) VALUES ('d1', 'staff', 'x', ?, 'pending', 0, 0)",
      JSON.stringify({ memberId: 'wxid_ab', memberName: '阿"强"', other: 'wxid_abc' }),
    )
    // 王 is erased too, later: a one-character name, and a name 小明 that wxid_abc also has.
    sql("INSERT INTO sop_welcomes (room_id, member_id, name, joined_at) VALUES ('r1', 'wxid_w', '小明', 0)")
    // Only a hashed ban is left of someone erased earlier.
    sql(
      "INSERT INTO bans (list, member_id, reason, added_by, added_at) VALUES ('global', ?, 'spam', 'admin', 0)",
      hashMemberId('wxid_gone'),
    )
  })

  it('replaces an id only as a whole id, and a name also inside JSON', () => {
    expect(rights.export('wxid_ab')?.tables).toEqual({
      members: [expect.objectContaining({ member_id: 'wxid_ab' })],
      webhook_deliveries: [expect.objectContaining({ id: 'd1' })],
    })
    const report = rights.erase('wxid_ab', 'test')
    expect(report?.deleted).toEqual({ members: 1 })
    expect(report?.anonymised).toEqual({ messages: 1, webhook_deliveries: 1 })
    expect(column('SELECT member_id FROM members ORDER BY member_id')).toEqual(['wxid_abc', 'wxid_w'])
    expect(column('SELECT text FROM messages')).toEqual([`${ANONYMOUS} 和 王 都来了`])
    expect(JSON.parse(column('SELECT body FROM webhook_deliveries')[0] as string)).toEqual({
      memberId: report?.anonymousId,
      memberName: ANONYMOUS,
      other: 'wxid_abc',
    })
    expect(column('SELECT parts FROM chat_outbox')).toEqual([
      JSON.stringify([{ mention: 'wxid_abc', name: '小明' }, ' 你好']),
    ])
  })

  it('leaves one-character names and names someone else has in other records', () => {
    const report = rights.erase('wxid_w', 'test')
    expect(report?.deleted).toEqual({ members: 1, sop_welcomes: 1 })
    expect(column('SELECT text FROM messages')).toEqual([`${ANONYMOUS} 和 王 都来了`])
    expect(column('SELECT name FROM members')).toEqual(['小明'])
    expect(warnings).toEqual(['names also used by other members were not replaced in free text'])
  })

  it('replaces a name where it is a name, not inside other words, other people or group names', () => {
    sql("INSERT INTO rooms (id, topic, first_seen_at, updated_at) VALUES ('r2', '老师答疑群', 0, 0)")
    sql("INSERT INTO members (room_id, member_id, name) VALUES ('r2', 'wxid_t', '老师')")
    sql("INSERT INTO members (room_id, member_id, name) VALUES ('r2', 'wxid_z', '张老师')")
    const say = (id: string, text: string) =>
      sql(
        "INSERT INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, 'r2', 'wxid_z', ?, 0, 0, 0)",
        id,
        text,
      )
    say('t1', '谢谢老师的讲解')
    say('t2', '@老师 明天见')
    rights.erase('wxid_t', 'test')
    expect(column("SELECT topic FROM rooms WHERE id = 'r2'")).toEqual(['老师答疑群'])
    expect(column("SELECT name FROM members WHERE room_id = 'r2'")).toEqual(['张老师'])
    expect(column("SELECT text FROM messages WHERE id IN ('t1', 't2') ORDER BY id")).toEqual([
      '谢谢老师的讲解',
      `@${ANONYMOUS} 明天见`,
    ])
  })

  it('does not count a ban kept under a hash as data about the member', () => {
    expect(rights.export('wxid_gone')).toBeUndefined()
    expect(rights.erase('wxid_gone', 'test')).toBeUndefined()
    expect(column('SELECT member_id FROM bans')).toEqual([hashMemberId('wxid_gone')])
  })
})
