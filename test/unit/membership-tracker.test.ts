import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import { EventBus } from '../../src/core/event-bus.js'
import { silentLogger } from '../../src/core/logger.js'
import type { Member } from '../../src/core/types.js'
import { openDatabase } from '../../src/db/client.js'
import { createMembershipRepository } from '../../src/db/membership-repository.js'
import { MembershipTracker } from '../../src/runtime/membership.js'

describe('MembershipTracker', () => {
  it('does not read an empty member list as everyone leaving (and so never re-welcomes them)', async () => {
    const db = openDatabase(':memory:')
    const lists: Member[][] = [
      [
        { id: 'a', name: 'A' },
        { id: 'b', name: 'B' },
      ],
      [],
      [
        { id: 'a', name: 'A' },
        { id: 'b', name: 'B' },
      ],
    ]
    const room = { id: 'r@chatroom', topic: 'r' }
    const directory = { rooms: async () => [room], members: async () => lists.shift() ?? [] }
    const bus = new EventBus(() => {})
    const events: string[] = []
    bus.on('memberJoined', 't', (e) => void events.push(`join ${e.members.map((m) => m.id)}`))
    bus.on('memberLeft', 't', (e) => void events.push(`leave ${e.members.map((m) => m.id)}`))
    const tracker = new MembershipTracker(
      createMembershipRepository(db),
      directory,
      bus,
      new ManualClock(),
      silentLogger,
    )
    await tracker.reconcileAll()
    await tracker.reconcileAll()
    await tracker.reconcileAll()
    expect(events).toEqual([])
    db.$client.close()
  })
})
