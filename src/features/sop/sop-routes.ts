import { z } from 'zod'
import type { Clock } from '../../core/clock.js'
import { defineRoute, HttpError, type RouteDefinition } from '../../core/route.js'
import type { SopLibrary } from './sop-library.js'
import type { SopRepository } from './sop-repository.js'
import type { SopService } from './sop-service.js'

/** The SOP and points API. */
export function createSopRoutes(
  service: SopService,
  library: SopLibrary,
  repo: SopRepository,
  clock: Clock,
): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/sop/status',
      summary: 'Loaded SOP files, their validation problems, and which group runs which SOP',
      handler: () => ({
        status: 200,
        body: {
          files: library.files().map((f) => ({
            ...f,
            problems: f.problems.map((p) => ({ ...p, text: `${p.file}:${p.line}:${p.column} ${p.message}` })),
          })),
          groups: service.groups(),
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sop/reload',
      summary: 'Read the SOP folder now (changes are also picked up automatically)',
      handler: () => {
        service.reload()
        return { status: 200, body: { files: library.files().map((f) => ({ file: f.file, ok: f.ok })) } }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/sop/tasks/complete',
      summary: "Mark a newcomer's task done (as staff would in the group)",
      body: z.strictObject({
        roomId: z.string().min(1),
        memberId: z.string().min(1),
        taskId: z.string().min(1),
      }),
      handler: ({ body }) => {
        const result = service.completeTaskById(body.roomId, body.memberId, body.taskId, clock.now())
        if (result === 'unknown-group') throw new HttpError(404, `group ${body.roomId} runs no SOP`)
        if (result === 'unknown-task')
          throw new HttpError(404, `the group's SOP has no task "${body.taskId}"`)
        if (result === 'not-newcomer')
          throw new HttpError(409, `member ${body.memberId} is not an active newcomer in this group`)
        return {
          status: 200,
          body: { done: true, tasksDone: [...repo.tasksDone(body.roomId, body.memberId)] },
        }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/points/adjust',
      summary: "Add or remove points (staff adjustment, recorded in the member's ledger)",
      body: z.strictObject({
        roomId: z.string().min(1),
        memberId: z.string().min(1),
        delta: z
          .number()
          .int()
          .min(-100_000)
          .max(100_000)
          .refine((d) => d !== 0, 'delta must not be 0'),
        reason: z.string().trim().min(1).max(200),
        actor: z.string().trim().min(1).max(64).optional(),
      }),
      handler: ({ body }) => {
        repo.addPoints(
          body.roomId,
          body.memberId,
          body.delta,
          `adjust:${body.reason}`,
          clock.now(),
          body.actor ?? 'api',
        )
        return { status: 201, body: { balance: repo.balance(body.roomId, body.memberId) } }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/points/:roomId/:memberId',
      summary: "A member's balance in a group",
      params: z.strictObject({ roomId: z.string().min(1), memberId: z.string().min(1) }),
      handler: ({ params }) => ({
        status: 200,
        body: { balance: repo.balance(params.roomId, params.memberId) },
      }),
    }),
  ]
}
