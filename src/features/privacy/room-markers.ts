import type { Db } from '../../db/client.js'

/** Things done once per group (room_markers): `mark` is true only the first time. */
export function createRoomMarkers(db: Db) {
  const insert = db.$client.prepare(
    'INSERT OR IGNORE INTO room_markers (room_id, marker, at) VALUES (?, ?, ?)',
  )
  const has = db.$client.prepare('SELECT 1 FROM room_markers WHERE room_id = ? AND marker = ?').pluck()
  return {
    mark(roomId: string, marker: string, at: number): boolean {
      return insert.run(roomId, marker, at).changes > 0
    },
    has(roomId: string, marker: string): boolean {
      return has.get(roomId, marker) !== undefined
    },
  }
}

export type RoomMarkers = ReturnType<typeof createRoomMarkers>
