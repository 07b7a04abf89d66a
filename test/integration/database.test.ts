import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { QunbotError } from '../../src/core/errors.js'
import { openDatabase } from '../../src/db/client.js'

describe('openDatabase', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-db-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('creates the file, applies migrations and sets the PRAGMAs', () => {
    const db = openDatabase(join(dir, 'nested', 'q.sqlite'))
    const sqlite = db.$client
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000)
    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all()
    expect(tables).toEqual(expect.arrayContaining(['chat_outbox', 'members', 'messages', 'rooms']))
    sqlite.close()
    // Opening again applies nothing twice.
    openDatabase(join(dir, 'nested', 'q.sqlite')).$client.close()
  })

  it('fails with QB_DB_MIGRATION and the reason when a migration cannot apply', () => {
    const file = join(dir, 'broken.sqlite')
    const raw = new Database(file)
    raw.exec('CREATE TABLE rooms (something_else TEXT)')
    raw.close()
    let caught: unknown
    try {
      openDatabase(file)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(QunbotError)
    expect((caught as QunbotError).code).toBe('QB_DB_MIGRATION')
    expect((caught as QunbotError).message).toMatch(/broken\.sqlite.*rooms/s)
  })
})
