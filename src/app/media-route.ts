import { z } from 'zod'
import { defineRoute, HttpError, type RouteDefinition } from '../core/route.js'
import type { MediaStore } from '../media/media-store.js'

/**
 * GET /api/media/:messageId: a file a member sent into a ticket, for staff (admin or staff token).
 * Images are shown inline; anything else is a download, so nothing a member sent renders as a
 * page in the console's origin.
 */
export function createMediaRoute(store: MediaStore): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/api/media/:messageId',
    summary:
      'A file a member sent into a ticket (image inline, other kinds as a download); 404 until it is kept',
    auth: 'staff',
    params: z.strictObject({ messageId: z.string().min(1).max(200) }),
    handler: ({ params }) => {
      const file = store.get(params.messageId)
      if (!file)
        throw new HttpError(
          404,
          `no kept file for message ${params.messageId} (not sent into a ticket, not fetched yet, or purged)`,
        )
      const inline = file.mime.startsWith('image/')
      const name = encodeURIComponent(file.name || `${file.kind}-${file.messageId}`)
      return {
        status: 200,
        contentType: file.mime,
        body: file.bytes,
        headers: {
          'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${name}`,
          'cache-control': 'private, max-age=3600',
        },
      }
    },
  })
}
