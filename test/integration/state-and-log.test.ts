import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InboundMessage } from '../../src/core/types.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/**
 * What a crash at this instant would leave: the database file and its write-ahead log as they
 * are on disk now (the -shm index is rebuilt from the log on open, as after a power cut).
 */
function crashImage(dataDir: string, into: string, n: number): string {
  const file = join(into, `image-${n}.sqlite`)
  copyFileSync(join(dataDir, 'qunbot.sqlite'), file)
  if (existsSync(join(dataDir, 'qunbot.sqlite-wal')))
    copyFileSync(join(dataDir, 'qunbot.sqlite-wal'), `${file}-wal`)
  return file
}

interface Effects {
  checkins: number
  tasks: number
  tickets: number
  /** Effects whose causing message is not in the image. */
  orphans: string[]
}

/** Every effect of a member's message in the image, and those whose message is missing. */
function effectsIn(file: string): Effects {
  const db = new Database(file)
  try {
    const hasMessage = db.prepare(
      "SELECT 1 FROM messages WHERE room_id = ? AND sender_id = ? AND text LIKE '%' || ? || '%'",
    )
    const orphans: string[] = []
    const checkins = db.prepare('SELECT room_id, member_id FROM checkins').all() as {
      room_id: string
      member_id: string
    }[]
    for (const c of checkins)
      if (!hasMessage.get(c.room_id, c.member_id, '打卡')) orphans.push(`check-in of ${c.member_id}`)
    const tasks = db
      .prepare("SELECT room_id, member_id, task_id FROM sop_task_completions WHERE via = 'message'")
      .all() as { room_id: string; member_id: string; task_id: string }[]
    for (const t of tasks)
      if (!hasMessage.get(t.room_id, t.member_id, '已读群规')) orphans.push(`task of ${t.member_id}`)
    const tickets = db.prepare('SELECT room_id, member_id FROM tickets').all() as {
      room_id: string
      member_id: string
    }[]
    for (const t of tickets)
      if (!hasMessage.get(t.room_id, t.member_id, '转人工')) orphans.push(`ticket of ${t.member_id}`)
    return { checkins: checkins.length, tasks: tasks.length, tickets: tickets.length, orphans }
  } finally {
    db.close()
  }
}

/**
 * A message whose effects commit (a check-in, a newcomer task, a ticket) has its message row in
 * the same commit: a crash image taken right after each message is handled never holds an
 * effect without the message that caused it. Before the commit window, check-ins committed at
 * once and their messages 50 ms later, so a SIGKILL left check-ins with no messages.
 */
describe('state and message log commit together', { timeout: 60_000 }, () => {
  const imagesDir = mkdtempSync(join(tmpdir(), 'qunbot-crash-image-'))
  let app: TestApp
  const afterEach: Effects[] = []

  beforeAll(async () => {
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('读书会·提交测试群', ['老成员'])
    await app.sim.settle()
    const newcomers = Array.from({ length: 10 }, (_, i) => app.sim.world.addMember(room.id, `新人${i}`))
    await app.sim.settle()
    // A crash image right after each message's pipeline, before the test lets anything else run.
    const handle = app.runtime.handleMessage.bind(app.runtime)
    let n = 0
    app.runtime.handleMessage = async (message: InboundMessage) => {
      await handle(message)
      afterEach.push(effectsIn(crashImage(app.config.dataDir, imagesDir, n++)))
    }
    for (const member of newcomers) {
      app.sim.world.say(room.id, member.id, '打卡')
      app.sim.world.say(room.id, member.id, '已读群规')
      app.sim.world.say(room.id, member.id, '转人工')
    }
    await app.sim.settle()
  })

  afterAll(async () => {
    await app?.close()
    rmSync(imagesDir, { recursive: true, force: true })
  })

  it('never holds an effect without its message', () => {
    // The bot's own lines pass through too (and are dropped by the guard).
    expect(afterEach.length).toBeGreaterThanOrEqual(30)
    expect(afterEach.flatMap((e) => e.orphans)).toEqual([])
  })

  it('holds every effect once the replies went out (the check above saw real rows)', () => {
    // Each reply leaves only after the commit that holds its state change.
    const final = effectsIn(crashImage(app.config.dataDir, imagesDir, 99))
    expect(final).toEqual({ checkins: 10, tasks: 10, tickets: 10, orphans: [] })
    expect(Math.max(...afterEach.map((e) => e.checkins))).toBeGreaterThan(0)
  })
})
