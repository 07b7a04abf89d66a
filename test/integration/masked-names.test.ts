import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

/**
 * Issue #12: "a member named 王13812345678 is stored raw in several tables; so are staff-entered
 * reasons and names". Names are personal text like messages: they are masked where their rows are
 * written, and the database file (with its WAL) never holds the number.
 */
describe('names and staff-entered texts are stored masked', () => {
  let app: TestApp | undefined
  afterEach(async () => app?.close())

  it('keeps a nickname, a group name and a staff reason with a phone number out of the database file', async () => {
    app = await startTestApp()
    const room = app.sim.world.createRoom('王总13812345678的客户群', ['王13812345678', '李 155.0000.2222'])
    await app.sim.settle()
    const [wang, li] = room.members
    app.sim.world.say(room.id, wang?.id ?? '', '大家好')
    app.sim.world.say(room.id, li?.id ?? '', '收到')
    await app.sim.settle()
    const adjust = await app.api('POST', '/api/points/adjust', {
      roomId: room.id,
      memberId: wang?.id,
      delta: 5,
      reason: '补录，电话 139 8765 4321',
      actor: '客服 186-0000-1111',
    })
    expect(adjust.status).toBe(201)
    const dir = app.config.dataDir
    await app.stop()

    const db = new Database(join(dir, 'qunbot.sqlite'), { readonly: true })
    const names = db.prepare('SELECT name FROM members ORDER BY name').pluck().all()
    const topic = db.prepare('SELECT topic FROM rooms').pluck().get()
    const ledger = db.prepare('SELECT reason, actor FROM points_ledger').get()
    db.close()
    expect(names).toEqual(['李 155****2222', '王138****5678'])
    expect(topic).toBe('王总138****5678的客户群')
    expect(ledger).toEqual({ reason: 'adjust:补录，电话 139****4321', actor: '客服 186****1111' })

    // The raw bytes of the database and whatever WAL is left: no row, page or log frame has them.
    for (const file of readdirSync(dir).filter((f) => f.startsWith('qunbot.sqlite'))) {
      const bytes = readFileSync(join(dir, file)).toString('utf8')
      for (const raw of ['13812345678', '155.0000.2222', '139 8765 4321', '186-0000-1111'])
        expect(bytes.includes(raw), `${raw} in ${file}`).toBe(false)
    }
  })
})
