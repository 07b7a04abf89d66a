import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BotEvents } from '../../src/core/event-bus.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

describe('membership: events and reconciliation', () => {
  let app: TestApp
  let joined: BotEvents['memberJoined'][]
  let left: BotEvents['memberLeft'][]
  const interval = 300_000

  beforeEach(async () => {
    app = await startTestApp({ QUNBOT_RECONCILE_INTERVAL_MS: String(interval) })
    joined = []
    left = []
    app.runtime.bus.on('memberJoined', 'test', (e) => void joined.push(e))
    app.runtime.bus.on('memberLeft', 'test', (e) => void left.push(e))
  })
  afterEach(async () => app.close())

  it('treats the members present when the bot joins as the baseline, not as newcomers', async () => {
    app.sim.world.createRoom('老群', ['甲', '乙', '丙'])
    await app.sim.settle()
    await app.sim.advance(interval)
    expect(joined).toEqual([])
  })

  it('reports a member whose join event was lost exactly once, after reconciliation', async () => {
    const room = app.sim.world.createRoom('新群', ['甲'])
    await app.sim.settle()
    const silent = app.sim.world.addMember(room.id, '悄悄进群', true)
    await app.sim.settle()
    expect(joined).toEqual([])
    await app.sim.advance(interval)
    await app.sim.advance(interval)
    expect(joined.map((e) => [e.source, e.members.map((m) => m.id)])).toEqual([['reconcile', [silent.id]]])
  })

  it('reports a join seen by both the event and a reconciliation once', async () => {
    const room = app.sim.world.createRoom('新群', ['甲'])
    await app.sim.settle()
    const member = app.sim.world.addMember(room.id, '正常进群')
    await Promise.all([app.sim.settle(), app.runtime.membership.reconcileAll()])
    await app.sim.advance(interval)
    expect(joined.flatMap((e) => e.members.map((m) => m.id))).toEqual([member.id])
  })

  it('reports leaves from events and from reconciliation', async () => {
    const room = app.sim.world.createRoom('群', ['甲', '乙'])
    await app.sim.settle()
    const [a] = room.members
    app.sim.world.removeMember(room.id, a?.id ?? '')
    await app.sim.settle()
    expect(left.map((e) => [e.source, e.members.map((m) => m.id)])).toEqual([['event', [a?.id]]])
  })

  it('looks at the member list early when an unknown member speaks', async () => {
    const room = app.sim.world.createRoom('群', ['甲'])
    await app.sim.settle()
    const silent = app.sim.world.addMember(room.id, '没有事件', true)
    app.sim.world.say(room.id, silent.id, '大家好')
    await app.sim.settle()
    expect(joined.map((e) => e.members.map((m) => m.name))).toEqual([['没有事件']])
  })
})
