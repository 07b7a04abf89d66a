import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { InboundMessage } from '../../src/core/types.js'
import { openDatabase } from '../../src/db/client.js'
import { commitOpenWindow } from '../../src/db/commit-window.js'
import { MessageLog } from '../../src/db/message-log.js'

const message = (id: string, text = '你好'): InboundMessage => ({
  id,
  kind: 'text',
  roomId: 'room-1',
  roomTopic: '测试群',
  sender: { id: 'm1', name: '甲' },
  text,
  mentionsBot: false,
  mentionIds: [],
  self: false,
  sentAt: 1,
})

/** What another process (or the file after a crash) sees: committed rows only. */
const committedIds = (file: string): string[] => {
  const reader = new Database(file, { readonly: true })
  try {
    return reader.prepare('SELECT id FROM messages ORDER BY id').pluck().all() as string[]
  } finally {
    reader.close()
  }
}

describe('the commit window', () => {
  let dir: string
  let file: string
  let db: ReturnType<typeof openDatabase>
  let commits: number[]

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-window-'))
    file = join(dir, 'q.sqlite')
    db = openDatabase(file)
    commits = []
  })
  afterEach(() => {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const log = (options: { maxBatch?: number; maxDelayMs?: number } = {}) =>
    new MessageLog(db, {
      maxDelayMs: options.maxDelayMs ?? 60_000,
      ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
      onFlush: (kind, rows) => {
        if (kind === 'messages') commits.push(rows)
      },
    })

  it('keeps messages out of the file until the window commits, then writes them in one commit', () => {
    const messages = log()
    for (const id of ['a', 'b', 'c']) messages.record(message(id), '你好', 1)
    expect(committedIds(file)).toEqual([])
    commitOpenWindow(db.$client)
    expect(committedIds(file)).toEqual(['a', 'b', 'c'])
    expect(commits).toEqual([3])
  })

  it('commits by itself once the window holds maxBatch messages', () => {
    const messages = log({ maxBatch: 2 })
    for (const id of ['a', 'b', 'c']) messages.record(message(id), '你好', 1)
    expect(committedIds(file)).toEqual(['a', 'b'])
    expect(messages.pending).toBe(1)
  })

  it('commits by itself after maxDelayMs', async () => {
    const messages = log({ maxDelayMs: 5 })
    messages.record(message('a'), '你好', 1)
    const deadline = Date.now() + 5_000
    while (committedIds(file).length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5))
    expect(committedIds(file)).toEqual(['a'])
  })

  it('commits a feature transaction with the message, and a failed one only loses its own writes', () => {
    const messages = log()
    db.$client.exec('CREATE TABLE effects (id TEXT)')
    const effect = db.$client.transaction((id: string, fail: boolean) => {
      db.$client.prepare('INSERT INTO effects VALUES (?)').run(id)
      if (fail) throw new Error('the feature changed its mind')
    })
    messages.record(message('a'), '打卡', 1)
    effect('a', false)
    messages.record(message('b'), '打卡', 1)
    expect(() => effect('b', true)).toThrow('changed its mind')
    expect(db.$client.inTransaction).toBe(true)
    messages.flush()
    expect(committedIds(file)).toEqual(['a', 'b'])
    expect(db.$client.prepare('SELECT id FROM effects').pluck().all()).toEqual(['a'])
  })

  it('writes the rows of a failed commit again with the next window', () => {
    const messages = log()
    messages.record(message('a'), '你好', 1)
    // Roll back underneath the window, as a failed COMMIT would.
    db.$client.exec('ROLLBACK')
    commitOpenWindow(db.$client)
    expect(committedIds(file)).toEqual([])
    messages.record(message('b'), '你好', 1)
    messages.flush()
    expect(committedIds(file)).toEqual(['a', 'b'])
  })
})
