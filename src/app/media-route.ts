import { z } from 'zod'
import { defineRoute, HttpError, type RouteDefinition } from '../core/route.js'
import { fileResult, type MediaStore } from '../media/media-store.js'

/** GET /api/media/:messageId: a file a member sent into a ticket, for staff (admin or staff token). */
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
      return fileResult(file.bytes, file.name || `${file.kind}-${file.messageId}`)
    },
  })
}
