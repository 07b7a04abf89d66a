import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client.js'
import { createTicketRepository } from '../../src/features/handoff/ticket-repository.js'
import { createModerationRepository } from '../../src/features/moderation/moderation-repository.js'

/**
 * Per-message lookups are cached in memory. What the cache must never do is answer with a state
 * the database no longer has: after the bot's own write, after another process's write (the
 * ban CLI works on the file directly), or after a rolled-back transaction.
 */
describe('cached per-message reads', () => {
  let dir: string
  let file: string
  let db: ReturnType<typeof openDatabase>

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-cache-'))
    file = join(dir, 'q.sqlite')
    db = openDatabase(file)
  })
  afterEach(() => {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const ban = {
    list: 'ads',
    memberId: 'wxid_x',
    memberName: null,
    reason: '广告',
    addedBy: '运营',
    addedAt: 1,
  }

  it('sees its own ban writes at once', () => {
    const repo = createModerationRepository(db)
    expect(repo.ban('ads', 'wxid_x')).toBeUndefined()
    repo.addBan(ban)
    expect(repo.ban('ads', 'wxid_x')?.reason).toBe('广告')
    repo.removeBan('ads', 'wxid_x')
    expect(repo.ban('ads', 'wxid_x')).toBeUndefined()
  })

  it('sees a ban another process committed to the same file', () => {
    const repo = createModerationRepository(db)
    expect(repo.ban('ads', 'wxid_x')).toBeUndefined()
    const other = new Database(file)
    other
      .prepare(
        "INSERT INTO bans (list, member_id, member_name, reason, added_by, added_at) VALUES ('ads', 'wxid_x', NULL, '命令行', 'cli', 2)",
      )
      .run()
    other.close()
    expect(repo.ban('ads', 'wxid_x')?.reason).toBe('命令行')
  })

  it('forgets a ticket read inside a transaction that rolled back', () => {
    const repo = createTicketRepository(db)
    expect(() =>
      repo.transaction(() => {
        repo.open('room', 'member', '甲', 'keyword', 1, 1)
        expect(repo.memberTickets('room', 'member').active?.memberId).toBe('member')
        throw new Error('rolled back')
      }),
    ).toThrow('rolled back')
    expect(repo.memberTickets('room', 'member')).toEqual({})
  })

  it('sees a ticket resolved by its own write', () => {
    const repo = createTicketRepository(db)
    const ticket = repo.open('room', 'member', '甲', 'keyword', 1, 1)
    expect(repo.memberTickets('room', 'member').active?.id).toBe(ticket.id)
    repo.resolve(ticket.id, 2, true)
    const after = repo.memberTickets('room', 'member')
    expect(after.active).toBeUndefined()
    expect(after.awaitingRating?.id).toBe(ticket.id)
    repo.rate(ticket.id, 5)
    expect(repo.memberTickets('room', 'member')).toEqual({})
  })
})
