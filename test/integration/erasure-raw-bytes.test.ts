import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Strings that occur nowhere else: a member's nickname and something they wrote.
const NAME = '慕容紫烟'
const SECRET_TEXT = '我家的门锁密码是紫罗兰二七九号'
const LATER_TEXT = '明天带上蓝鲸图书馆的借书证'
const FILES = ['qunbot.sqlite', 'qunbot.sqlite-wal', 'qunbot.sqlite-shm']

/** Which of the database's files hold `needle` anywhere in their raw bytes (free pages, old WAL frames). */
function filesHolding(dataDir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8')
  return FILES.filter((f) => existsSync(join(dataDir, f)) && readFileSync(join(dataDir, f)).includes(bytes))
}

/**
 * Erasure must leave no copy of the member in the files on disk: not in SQLite's free pages or
 * the unused parts of pages (secure_delete), not in older frames of the write-ahead log (a
 * checkpoint that truncates it). The bot keeps running: this is what a disk image taken right
 * after a deletion request would show.
 */
describe('erasure leaves no trace in the raw database files', { timeout: 60_000 }, () => {
  let app: TestApp
  let memberId: string
  let roomId: string
  let otherId: string

  beforeAll(async () => {
    app = await startTestApp()
    const room = app.sim.world.createRoom('存储测试群', ['群友甲'])
    roomId = room.id
    otherId = room.members[0]?.id ?? ''
    await app.sim.settle()
    memberId = app.sim.world.addMember(roomId, NAME).id
    await app.sim.settle()
    app.sim.world.say(roomId, memberId, SECRET_TEXT)
    await app.sim.settle()
    app.runtime.messageLog.flush()
    for (const f of app.features) f.flush?.()
    // What was written so far reaches the main file; what follows stays in the WAL.
    app.db.$client.pragma('wal_checkpoint(TRUNCATE)')
    app.sim.world.say(roomId, memberId, LATER_TEXT)
    await app.sim.settle()
    app.runtime.messageLog.flush()
    for (const f of app.features) f.flush?.()
  })

  afterAll(async () => {
    await app?.close()
  })

  it('holds the member in the files before the erasure (the scan sees what is there)', () => {
    const dir = app.config.dataDir
    expect(filesHolding(dir, memberId)).toContain('qunbot.sqlite')
    expect(filesHolding(dir, SECRET_TEXT)).toContain('qunbot.sqlite')
    expect(filesHolding(dir, LATER_TEXT)).toEqual(['qunbot.sqlite-wal'])
    expect(filesHolding(dir, NAME).length).toBeGreaterThan(0)
  })

  it('after the erasure, neither the database nor its WAL and shm files hold the id, name or texts', async () => {
    const res = await app.api('DELETE', `/api/members/${encodeURIComponent(memberId)}`)
    expect(res.status).toBe(200)
    expect(res.body.deleted.messages).toBe(2)
    const dir = app.config.dataDir
    for (const needle of [memberId, NAME, SECRET_TEXT, LATER_TEXT])
      expect(filesHolding(dir, needle), needle).toEqual([])
    // The bot goes on working on the same files.
    app.sim.world.say(roomId, otherId, '还在吗')
    await app.sim.settle()
    app.runtime.messageLog.flush()
    expect(app.db.$client.prepare("SELECT count(*) FROM messages WHERE text = '还在吗'").pluck().get()).toBe(
      1,
    )
  })
})
