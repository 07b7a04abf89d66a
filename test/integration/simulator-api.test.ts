import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

describe('simulator API', () => {
  let app: TestApp
  beforeEach(async () => {
    app = await startTestApp({ QUNBOT_SEND_MIN_GAP_MS: '2000', QUNBOT_SEND_JITTER_MS: '500' })
  })
  afterEach(async () => app.close())

  it('creates a room, adds members, posts and reads the transcript using settle', async () => {
    const created = await app.api('POST', '/api/sim/rooms', { topic: '读书会·测试群', members: ['张三'] })
    expect(created.status).toBe(201)
    const roomId = created.body.id as string
    const added = await app.api('POST', `/api/sim/rooms/${roomId}/members`, { name: '李四' })
    expect(added.status).toBe(201)
    const lisi = added.body.id as string

    const posted = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, {
      from: lisi,
      text: 'ping',
      mentionBot: true,
    })
    expect(posted.status).toBe(202)
    await app.api('POST', '/api/sim/settle')

    const { body } = await app.api('GET', `/api/sim/rooms/${roomId}/messages`)
    expect(body.messages.map((m: { text: string; self: boolean }) => [m.self, m.text])).toEqual([
      [false, '@小Q助手\u2005ping'],
      [true, '@李四 pong'],
    ])
    const rooms = await app.api('GET', '/api/sim/rooms')
    expect(rooms.body.rooms[0].members.map((m: { name: string }) => m.name)).toEqual(['张三', '李四'])
  })
})
