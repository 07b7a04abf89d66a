import { maskPersonalData } from '../core/mask.js'
import type { RouteResult } from '../core/route.js'
import type { InboundMessage } from '../core/types.js'
import type { Db } from '../db/client.js'

export interface StoredMedia {
  messageId: string
  roomId: string
  senderId: string
  kind: string
  name: string
  mime: string
  size: number
  bytes: Buffer
  storedAt: number
}

/**
 * What the bytes are, from their first bytes, never from the member's file name: only image types
 * a browser shows are served as such; everything else is a download (no HTML or SVG from a
 * member ever renders in the console).
 */
export function sniffMime(bytes: Uint8Array): string {
  const b = (i: number) => bytes[i] ?? -1
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'image/jpeg'
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'image/png'
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46) return 'image/gif'
  if (b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45)
    return 'image/webp'
  return 'application/octet-stream'
}

/**
 * A member's file as an HTTP answer: an image the browser may show inline, anything else as a
 * download, so nothing a member sent renders as a page in the console's origin.
 */
export function fileResult(bytes: Buffer, name: string): RouteResult {
  const mime = sniffMime(bytes)
  const disposition = mime.startsWith('image/') ? 'inline' : 'attachment'
  return {
    status: 200,
    contentType: mime,
    body: bytes,
    headers: {
      'content-disposition': `${disposition}; filename*=UTF-8''${encodeURIComponent(name)}`,
      'cache-control': 'private, max-age=3600',
    },
  }
}

/** media_files: the bytes of media sent into tickets (see the table's comment). */
export function createMediaStore(db: Db) {
  const sql = db.$client
  const insert = sql.prepare(
    `INSERT OR IGNORE INTO media_files (message_id, room_id, sender_id, kind, name, mime, size, bytes, stored_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const byId = sql.prepare(
    'SELECT message_id AS messageId, room_id AS roomId, sender_id AS senderId, kind, name, mime, size, bytes, stored_at AS storedAt FROM media_files WHERE message_id = ?',
  )
  return {
    save(message: InboundMessage, bytes: Uint8Array, now: number): void {
      insert.run(
        message.id,
        message.roomId,
        message.sender.id,
        message.kind,
        maskPersonalData(message.media?.name ?? ''),
        sniffMime(bytes),
        bytes.length,
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        now,
      )
    },
    get(messageId: string): StoredMedia | undefined {
      return byId.get(messageId) as StoredMedia | undefined
    },
  }
}

export type MediaStore = ReturnType<typeof createMediaStore>
