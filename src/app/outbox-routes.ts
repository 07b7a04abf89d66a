import { z } from 'zod'
import { defineRoute, HttpError, type RouteDefinition } from '../core/route.js'
import type { ChatOutbox } from '../outbox/chat-outbox.js'

export interface OutboxRouteDeps {
  outbox: ChatOutbox
  /** Tells the paced sender to look at the queue now (revived chunks are due at once). */
  wake(): void
  now(): number
}

const roomId = z.string().trim().min(1).max(200)

/**
 * Dead chat sends (chunks given up after repeated failures, or because the bot left the group):
 * list them, masked, and queue them again. Admin only.
 */
export function createOutboxRoutes(deps: OutboxRouteDeps): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/outbox',
      summary: 'Dead chat sends, newest first, text masked, with the group name where known',
      query: z.strictObject({
        status: z.literal('dead', { error: 'only status=dead can be listed' }).default('dead'),
        roomId: roomId.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      handler: ({ query }) => {
        const filter = query.roomId ? { roomId: query.roomId } : {}
        return {
          status: 200,
          body: {
            items: deps.outbox.listDead({ ...filter, limit: query.limit }),
            total: deps.outbox.countDead(filter),
          },
        }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/outbox/:id/retry',
      summary: 'Queue one dead chat send again (attempts start over; it goes out at the next send slot)',
      params: z.strictObject({ id: z.coerce.number().int().min(1) }),
      body: z.strictObject({}),
      handler: ({ params }) => {
        if (!deps.outbox.retryDead(params.id, deps.now()))
          throw new HttpError(
            404,
            `no dead chat send with id ${params.id} (already sent, queued, or unknown)`,
          )
        deps.wake()
        return { status: 200, body: { retried: 1 } }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/outbox/retry',
      summary: 'Queue every dead chat send again, or those of one group (roomId)',
      body: z.strictObject({ roomId: roomId.optional() }),
      handler: ({ body }) => {
        const retried = deps.outbox.retryAllDead(body.roomId ? { roomId: body.roomId } : {}, deps.now())
        if (retried > 0) deps.wake()
        return { status: 200, body: { retried } }
      },
    }),
  ]
}
