import { z } from 'zod'
import type { Clock } from '../../core/clock.js'
import { defineRoute, HttpError, type RouteDefinition } from '../../core/route.js'
import type { ModerationRepository } from './moderation-repository.js'
import type { ModerationService } from './moderation-service.js'
import type { RuleBook } from './rule-book.js'

const listName = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'a ban list name uses letters, digits, - and _')

export function createModerationRoutes(
  service: ModerationService,
  rules: RuleBook,
  repo: ModerationRepository,
  clock: Clock,
  reload: () => { ok: boolean },
): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/moderation/status',
      summary: 'Moderation rules in force (profiles, word counts) and problems of the last reload',
      handler: () => ({
        status: 200,
        body: {
          enabled: rules.enabled,
          ...rules.summary(),
          problems: rules.problems.map((p) => ({
            ...p,
            text: `${p.file}:${p.line}:${p.column} ${p.message}`,
          })),
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/moderation/reload',
      summary: 'Read moderation/rules.yaml and the word lists now (changes are also picked up automatically)',
      handler: () => {
        const result = reload()
        return { status: result.ok ? 200 : 422, body: { ok: result.ok, problems: rules.problems } }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/moderation/log',
      summary:
        'Moderation actions, newest first, with rule, masked evidence, member and group, and recalledAt when the member took the message back',
      auth: 'staff',
      query: z.strictObject({
        roomId: z.string().min(1).optional(),
        memberId: z.string().min(1).optional(),
        since: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      handler: ({ query }) => ({
        status: 200,
        body: {
          actions: repo.list({
            limit: query.limit,
            ...(query.roomId ? { roomId: query.roomId } : {}),
            ...(query.memberId ? { memberId: query.memberId } : {}),
            ...(query.since !== undefined ? { since: query.since } : {}),
          }),
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/moderation/actions/:id/undo',
      summary: 'Mark a warning as a false positive: it stops counting towards escalation',
      auth: 'staff',
      params: z.strictObject({ id: z.coerce.number().int().min(1) }),
      body: z.strictObject({ by: z.string().trim().min(1).max(60) }),
      handler: ({ params, body }) => {
        const result = service.undo(params.id, body.by, clock.now())
        if (!result.ok) throw new HttpError(repo.get(params.id) ? 409 : 404, result.reason)
        return { status: 200, body: { action: result.row } }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/bans',
      summary: 'Ban list entries (all lists, or one with ?list=)',
      query: z.strictObject({ list: listName.optional() }),
      handler: ({ query }) => ({ status: 200, body: { bans: repo.bans(query.list) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/bans',
      summary: 'Ban a member on a list: removed now from every group of the list, and on any later join',
      body: z.strictObject({
        list: listName,
        memberId: z.string().trim().min(1),
        memberName: z.string().trim().min(1).max(64).optional(),
        reason: z.string().trim().min(1).max(500),
        by: z.string().trim().min(1).max(60).default('admin'),
      }),
      handler: async ({ body }) => {
        const now = clock.now()
        repo.addBan({
          list: body.list,
          memberId: body.memberId,
          memberName: body.memberName ?? null,
          reason: body.reason,
          addedBy: body.by,
          addedAt: now,
        })
        const removedFrom = await service.enforceBanEverywhere(body.list, body.memberId, now)
        return { status: 201, body: { ban: repo.ban(body.list, body.memberId), removedFrom } }
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/bans/:list/:memberId',
      summary: 'Lift a ban (the member may join again; nobody is re-added automatically)',
      params: z.strictObject({ list: listName, memberId: z.string().min(1) }),
      handler: ({ params }) => {
        if (!repo.removeBan(params.list, params.memberId))
          throw new HttpError(404, `${params.memberId} is not on ban list ${params.list}`)
        return { status: 204 }
      },
    }),
  ]
}
