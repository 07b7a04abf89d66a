import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plainText } from '../../src/core/types.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

type Group = { id: string; members: number; leftAt: number | null }

/**
 * The bot's account removed from a group, and added back: the group stops counting (members,
 * SOP binding, queued sends), and comes back as a new group.
 */
describe('the bot removed from a group', () => {
  let app: TestApp
  let kept: string
  let lost: string

  const groups = async () => (await app.api('GET', '/api/analytics/overview')).body.groups as Group[]
  const bound = async () =>
    ((await app.api('GET', '/api/sop/status')).body.groups as { roomId: string }[]).map((g) => g.roomId)
  const outbox = () =>
    app.db.$client
      .prepare('SELECT status, last_error AS error FROM chat_outbox WHERE room_id = ?')
      .all(lost) as {
      status: string
      error: string | null
    }[]

  beforeAll(async () => {
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    kept = (await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['甲', '乙'] })).body.id
    lost = (await app.api('POST', '/api/sim/rooms', { topic: '读书会二群', members: ['丙', '丁', '戊'] }))
      .body.id
    await app.api('POST', '/api/sim/settle')
  })
  afterAll(() => app.close())

  it('counts the group until then', async () => {
    expect(await bound()).toEqual(expect.arrayContaining([kept, lost]))
    const before = await groups()
    expect(before.find((g) => g.id === lost)).toMatchObject({ members: 3, leftAt: null })
    expect((await app.api('GET', '/api/analytics/overview')).body.members.current).toBe(5)
  })

  it('drops the group: no members, no SOP, queued sends given up, others untouched', async () => {
    // Two sends for the group: the first goes out at once, the second waits for the pacing gap
    // (the simulated clock has not moved) when the bot is removed.
    app.sender.send(lost, plainText('第一条'))
    app.sender.send(lost, plainText('第二条'))
    await app.sender.whenQuiet()
    expect((await app.api('DELETE', `/api/sim/rooms/${lost}/bot`)).status).toBe(204)
    await app.api('POST', '/api/sim/settle')

    expect(outbox()).toEqual([
      { status: 'sent', error: null },
      { status: 'dead', error: 'the bot is no longer in the group' },
    ])
    expect(await bound()).toEqual([kept])
    const after = await groups()
    expect(after.find((g) => g.id === lost)).toMatchObject({ members: 0, leftAt: app.clock.now() })
    expect(after.find((g) => g.id === kept)).toMatchObject({ members: 2, leftAt: null })
    expect((await app.api('GET', '/api/analytics/overview')).body.members.current).toBe(2)
    // Nobody is reported as having left: they did not, the bot did.
    expect((await app.api('GET', '/api/analytics/overview')).body.members.leaves).toBe(0)

    // The periodic member-list check does not bring the group back, nor report joins.
    await app.runtime.membership.reconcileAll()
    await app.api('POST', '/api/sim/settle')
    expect((await groups()).find((g) => g.id === lost)).toMatchObject({
      members: 0,
      leftAt: expect.any(Number),
    })
    expect((await app.api('GET', '/api/analytics/overview')).body.members.joins).toBe(0)
    // And the simulated group shows the bot nothing any more.
    const from = (await app.api('GET', '/api/sim/rooms')).body.rooms.find(
      (r: { id: string }) => r.id === lost,
    ).members[0].id
    expect((await app.api('POST', `/api/sim/rooms/${lost}/messages`, { from, text: '还在吗' })).status).toBe(
      404,
    )
  })

  it('takes the group back as new when the bot is added again', async () => {
    expect((await app.api('POST', `/api/sim/rooms/${lost}/bot`)).status).toBe(204)
    await app.api('POST', '/api/sim/settle')
    expect(await bound()).toEqual(expect.arrayContaining([kept, lost]))
    expect((await groups()).find((g) => g.id === lost)).toMatchObject({ members: 3, leftAt: null })
    // The members there are the baseline again, not newcomers.
    expect((await app.api('GET', '/api/analytics/overview')).body.members).toMatchObject({
      current: 5,
      joins: 0,
    })
  })
})
