import { and, eq, isNull } from 'drizzle-orm'
import type { Member, Room } from '../core/types.js'
import type { Db } from './client.js'
import { members, rooms } from './schema.js'

/** Rooms and their members as the bot knows them. Every call is synchronous and atomic. */
export function createMembershipRepository(db: Db) {
  return {
    hasRoom(roomId: string): boolean {
      return db.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, roomId)).get() !== undefined
    },

    listRooms(): Room[] {
      return db.select({ id: rooms.id, topic: rooms.topic }).from(rooms).all()
    },

    upsertRoom(room: Room, now: number): void {
      db.insert(rooms)
        .values({ id: room.id, topic: room.topic, firstSeenAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: rooms.id, set: { topic: room.topic, updatedAt: now } })
        .run()
    },

    activeMemberIds(roomId: string): Set<string> {
      const rows = db
        .select({ id: members.memberId })
        .from(members)
        .where(and(eq(members.roomId, roomId), isNull(members.leftAt)))
        .all()
      return new Set(rows.map((r) => r.id))
    },

    isActiveMember(roomId: string, memberId: string): boolean {
      const row = db
        .select({ leftAt: members.leftAt })
        .from(members)
        .where(and(eq(members.roomId, roomId), eq(members.memberId, memberId)))
        .get()
      return row !== undefined && row.leftAt === null
    },

    /** Records a member as present; `joinedAt` null marks a baseline member seen on first sight of the room. */
    markPresent(roomId: string, member: Member, joinedAt: number | null): void {
      db.insert(members)
        .values({ roomId, memberId: member.id, name: member.name, joinedAt, leftAt: null })
        .onConflictDoUpdate({
          target: [members.roomId, members.memberId],
          set: { name: member.name, joinedAt, leftAt: null },
        })
        .run()
    },

    markLeft(roomId: string, memberId: string, now: number): void {
      db.update(members)
        .set({ leftAt: now })
        .where(and(eq(members.roomId, roomId), eq(members.memberId, memberId)))
        .run()
    },

    activeMembers(roomId: string): Member[] {
      return db
        .select({ id: members.memberId, name: members.name })
        .from(members)
        .where(and(eq(members.roomId, roomId), isNull(members.leftAt)))
        .all()
    },
  }
}

export type MembershipRepository = ReturnType<typeof createMembershipRepository>
