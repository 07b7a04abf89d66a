import { describe, expect, it } from 'vitest'
import type { InboundMessage } from '../../src/core/types.js'
import { InboundGuard } from '../../src/runtime/guard.js'

const now = 1_800_000_000_000
const msg = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  id: 'm1',
  kind: 'text',
  roomId: 'r@chatroom',
  roomTopic: 't',
  sender: { id: 'u1', name: 'A' },
  text: 'hello',
  mentionIds: [],
  mentionsBot: false,
  sentAt: now - 1000,
  self: false,
  ...over,
})

describe('InboundGuard', () => {
  it('accepts a message once and drops its redelivery', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000 })
    expect(guard.check(msg(), now)).toBe('accept')
    expect(guard.check(msg(), now)).toBe('duplicate')
  })

  it('drops a redelivery under a new id (same sender, text and send time)', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000 })
    expect(guard.check(msg(), now)).toBe('accept')
    expect(guard.check(msg({ id: 'm1-again' }), now)).toBe('duplicate')
    expect(guard.check(msg({ id: 'm2', sentAt: now - 500 }), now)).toBe('accept')
  })

  it("drops the bot's own messages and stale replays", () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000 })
    expect(guard.check(msg({ self: true }), now)).toBe('self')
    expect(guard.check(msg({ id: 'old', sentAt: now - 61_000 }), now)).toBe('stale')
  })

  it('remembers preloaded ids and forgets the oldest past its capacity', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000, remember: 4 })
    guard.preload(['p1'])
    expect(guard.check(msg({ id: 'p1', text: 'x' }), now)).toBe('duplicate')
    for (let i = 0; i < 10; i++) guard.check(msg({ id: `n${i}`, text: `t${i}` }), now)
    expect(guard.check(msg({ id: 'p1', text: 'y' }), now)).toBe('accept')
  })

  it('tells apart messages sent in the same millisecond by other members, groups or texts', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000 })
    expect(guard.check(msg(), now)).toBe('accept')
    expect(guard.check(msg({ id: 'b', sender: { id: 'u2', name: 'B' } }), now)).toBe('accept')
    expect(guard.check(msg({ id: 'c', roomId: 'other@chatroom' }), now)).toBe('accept')
    expect(guard.check(msg({ id: 'd', text: 'hellp' }), now)).toBe('accept')
    expect(guard.check(msg({ id: 'e', text: 'hello!' }), now)).toBe('accept')
    // Each of them redelivered under yet another id is a duplicate.
    expect(guard.check(msg({ id: 'b2', sender: { id: 'u2', name: 'B' } }), now)).toBe('duplicate')
    expect(guard.check(msg({ id: 'd2', text: 'hellp' }), now)).toBe('duplicate')
  })

  it('forgets fingerprints with their messages, so a send time seen long ago is accepted again', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000, remember: 2 })
    expect(guard.check(msg({ id: 'a', text: 'same' }), now)).toBe('accept')
    guard.check(msg({ id: 'b', text: 'x', sentAt: now - 10 }), now)
    guard.check(msg({ id: 'c', text: 'y', sentAt: now - 20 }), now)
    expect(guard.check(msg({ id: 'a2', text: 'same' }), now)).toBe('accept')
  })
})

describe('InboundGuard with messages that have no text', () => {
  it('accepts a burst of photos in one second from one member, and drops each redelivery by id', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000 })
    const photo = (id: string) => msg({ id, kind: 'image', text: '', media: {} })
    for (let i = 0; i < 9; i++) expect(guard.check(photo(`p${i}`), now)).toBe('accept')
    expect(guard.check(photo('p3'), now)).toBe('duplicate')
  })

  it('tells a card from text with the same words', () => {
    const guard = new InboundGuard({ staleAfterMs: 60_000 })
    expect(guard.check(msg({ id: 'a', text: '报名' }), now)).toBe('accept')
    expect(guard.check(msg({ id: 'b', kind: 'link', text: '报名' }), now)).toBe('accept')
  })
})
