import { z } from 'zod'
import { defineRoute, HttpError, type RouteDefinition } from '../../core/route.js'
import type { MemberRights } from './member-rights.js'

const memberParams = z.strictObject({
  id: z.string().trim().min(1, 'a member id is required (the WeChat id, as in the members list)'),
})
const actorField = z.string().trim().min(1).max(100).optional()

const unknownMember = (id: string) => new HttpError(404, `nothing is stored about member ${id}`)

/** Members' rights: a copy of their data, and its erasure. Admin only. */
export function createPrivacyRoutes(rights: MemberRights): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/members/:id/export',
      summary: 'Everything stored about a member (PIPL access request), as JSON; 404 when nothing is',
      params: memberParams,
      handler: ({ params }) => {
        const data = rights.export(params.id)
        if (!data) throw unknownMember(params.id)
        return { status: 200, body: data }
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/members/:id',
      summary:
        "Erase a member's data: personal rows deleted, tickets and moderation log anonymised, bans kept under a hash",
      params: memberParams,
      query: z.strictObject({ actor: actorField }),
      body: z.strictObject({ actor: actorField }),
      handler: ({ params, query, body }) => {
        const report = rights.erase(params.id, body.actor ?? query.actor ?? 'admin')
        if (!report) throw unknownMember(params.id)
        return { status: 200, body: report }
      },
    }),
  ]
}
