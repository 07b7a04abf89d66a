import type { Clock } from '../core/clock.js'
import type { EventBus, MembershipSource } from '../core/event-bus.js'
import type { Logger } from '../core/logger.js'
import type { Member, Room } from '../core/types.js'
import type { MembershipRepository } from '../db/membership-repository.js'

/** The part of the platform the tracker reads. */
export interface MemberDirectory {
  rooms(): Promise<Room[]>
  members(roomId: string): Promise<Member[]>
}

/**
 * Decides who joined and left, whichever way the bot learns it. Platforms drop `room-join`
 * events (reconnects, puppet restarts), so a periodic member-list diff backs the events up. All
 * work on one group is serialised, so an event and a diff racing each other still report each
 * arrival to the features exactly once.
 */
export class MembershipTracker {
  private readonly lastSoonAt = new Map<string, number>()
  private readonly locks = new Map<string, Promise<unknown>>()
  /** Active member ids per known room: the hot path asks "do we know this sender?" per message. */
  private readonly activeCache = new Map<string, Set<string>>()

  constructor(
    private readonly repo: MembershipRepository,
    private readonly directory: MemberDirectory,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The bot itself was added to a group: everyone already there is the baseline, not newcomers. */
  botJoinedRoom(room: Room): Promise<void> {
    return this.withRoom(room.id, async () => {
      const present = await this.directory.members(room.id)
      await this.baseline(room, present)
    })
  }

  /**
   * The bot was removed from a group. Its members are not reported as leaving one by one (they
   * did not leave); the features hear `roomLost` and stop working there.
   */
  botLeftRoom(room: Room): Promise<void> {
    return this.withRoom(room.id, async () => {
      const now = this.clock.now()
      this.repo.markRoomLeft(room.id, now)
      // Unknown again: if the bot turns out to be back (a message, the member list, a join), the
      // group gets a fresh baseline, not a join for everyone in it.
      this.activeCache.delete(room.id)
      this.log.warn({ roomId: room.id, topic: room.topic }, 'the bot was removed from a group')
      await this.bus.emit('roomLost', { room, at: now })
    })
  }

  joined(room: Room, arrivals: Member[], source: MembershipSource, inviterId?: string): Promise<Member[]> {
    return this.withRoom(room.id, async () => {
      if (!this.active(room.id)) {
        // First sight of this group: everyone but the arrivals was already there.
        const arriving = new Set(arrivals.map((m) => m.id))
        const present = await this.directory.members(room.id)
        await this.baseline(
          room,
          present.filter((m) => !arriving.has(m.id)),
        )
      }
      return this.recordArrivals(room, arrivals, source, inviterId)
    })
  }

  left(room: Room, leavers: Member[], source: MembershipSource): Promise<Member[]> {
    return this.withRoom(room.id, () => this.recordDepartures(room, leavers, source))
  }

  /** A group got a new name: store it, then tell the features (SOP binding follows the name). */
  renamed(room: Room, oldTopic: string): Promise<void> {
    return this.withRoom(room.id, async () => {
      this.repo.upsertRoom(room, this.clock.now())
      await this.bus.emit('roomTopicChanged', { room, oldTopic, at: this.clock.now() })
    })
  }

  /** Diffs every group's member list against what the bot knows. */
  async reconcileAll(): Promise<void> {
    for (const room of await this.directory.rooms()) {
      try {
        await this.reconcileRoom(room)
      } catch (error) {
        this.log.warn({ err: error, roomId: room.id }, 'member reconciliation failed for room')
      }
    }
  }

  reconcileRoom(room: Room): Promise<void> {
    return this.withRoom(room.id, async () => {
      const present = await this.directory.members(room.id)
      const known = this.active(room.id)
      if (!known) {
        await this.baseline(room, present)
        return
      }
      const presentIds = new Set(present.map((m) => m.id))
      const arrivals = present.filter((m) => !known.has(m.id))
      // An empty list for a group we know has members is a platform hiccup, not everyone leaving
      // (departures are also reported by room-leave events); acting on it would re-welcome them.
      const leavers =
        present.length === 0 && known.size > 0
          ? []
          : [...known].filter((id) => !presentIds.has(id)).map((id) => ({ id, name: '' }))
      if (arrivals.length > 0) await this.recordArrivals(room, arrivals, 'reconcile')
      if (leavers.length > 0) await this.recordDepartures(room, leavers, 'reconcile')
    })
  }

  /**
   * A message came from someone the bot does not know (or from a group it has not seen): a join
   * was probably missed, so look at that group's member list now, not at the next periodic pass.
   */
  noteSender(room: Room, memberId: string): void {
    if (this.activeCache.get(room.id)?.has(memberId)) return
    const now = this.clock.now()
    const last = this.lastSoonAt.get(room.id)
    // At most one early look per group per minute: a member the platform's list omits must not
    // turn every message of theirs into a member-list call.
    if (last !== undefined && now - last < 60_000) return
    const known = this.active(room.id)
    if (known?.has(memberId)) return
    this.lastSoonAt.set(room.id, now)
    this.clock.setTimeout(() => {
      this.reconcileRoom(room).catch((error) =>
        this.log.warn({ err: error, roomId: room.id }, 'reconcile failed'),
      )
    }, 0)
  }

  private async recordArrivals(
    room: Room,
    arrivals: Member[],
    source: MembershipSource,
    inviterId?: string,
  ): Promise<Member[]> {
    const now = this.clock.now()
    this.repo.upsertRoom(room, now)
    const known = this.ensureCache(room.id)
    const fresh = arrivals.filter((m) => !known.has(m.id))
    this.repo.markPresent(room.id, fresh, now)
    for (const m of fresh) known.add(m.id)
    if (fresh.length > 0) {
      this.log.info({ roomId: room.id, memberIds: fresh.map((m) => m.id), source }, 'members joined')
      await this.bus.emit('memberJoined', {
        room,
        members: fresh,
        source,
        at: now,
        ...(inviterId ? { inviterId } : {}),
      })
    }
    return fresh
  }

  private async recordDepartures(room: Room, leavers: Member[], source: MembershipSource): Promise<Member[]> {
    const now = this.clock.now()
    const known = this.active(room.id)
    if (!known) return []
    const gone = leavers.filter((m) => known.has(m.id))
    for (const m of gone) {
      this.repo.markLeft(room.id, m.id, now)
      known.delete(m.id)
    }
    if (gone.length > 0) {
      this.log.info({ roomId: room.id, memberIds: gone.map((m) => m.id), source }, 'members left')
      await this.bus.emit('memberLeft', { room, members: gone, source, at: now })
    }
    return gone
  }

  private async baseline(room: Room, present: Member[]): Promise<void> {
    // A group the bot was removed from and is back in is new again to the features.
    const firstSight =
      this.repo.isRoomLeft(room.id) || (!this.activeCache.has(room.id) && !this.repo.hasRoom(room.id))
    this.repo.upsertRoom(room, this.clock.now())
    const known = this.ensureCache(room.id)
    const unseen = present.filter((m) => !known.has(m.id))
    this.repo.markPresent(room.id, unseen, null)
    for (const m of unseen) known.add(m.id)
    this.log.info({ roomId: room.id, members: present.length }, 'member baseline recorded')
    if (firstSight) await this.bus.emit('roomDiscovered', { room, at: this.clock.now() })
  }

  private active(roomId: string): Set<string> | undefined {
    const cached = this.activeCache.get(roomId)
    if (cached) return cached
    if (!this.repo.hasRoom(roomId) || this.repo.isRoomLeft(roomId)) return undefined
    const loaded = this.repo.activeMemberIds(roomId)
    this.activeCache.set(roomId, loaded)
    return loaded
  }

  private ensureCache(roomId: string): Set<string> {
    const existing = this.active(roomId)
    if (existing) return existing
    const created = new Set<string>()
    this.activeCache.set(roomId, created)
    return created
  }

  private withRoom<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(roomId) ?? Promise.resolve()
    const run = previous.then(work, work)
    const settled = run.catch(() => undefined)
    this.locks.set(roomId, settled)
    settled.then(() => {
      if (this.locks.get(roomId) === settled) this.locks.delete(roomId)
    })
    return run
  }
}
