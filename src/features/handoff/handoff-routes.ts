import { z } from 'zod'
import type { Clock } from '../../core/clock.js'
import { defineRoute, HttpError, type RouteDefinition } from '../../core/route.js'
import type { WebhookOutbox } from '../../outbox/webhooks/webhook-outbox.js'
import type { HandoffError, HandoffService } from './handoff-service.js'
import type { Ticket, TicketRepository } from './ticket-repository.js'

const idParams = z.strictObject({ id: z.coerce.number().int().min(1) })
const staffBody = z.strictObject({ staff: z.string().trim().min(1).max(64).default('staff') })

function result(outcome: Ticket | HandoffError) {
  if (outcome === 'not-found') throw new HttpError(404, 'no such ticket')
  if (outcome === 'closed')
    throw new HttpError(409, 'the ticket is not open (or the member already has another open ticket)')
  if (outcome === 'not-resolved') throw new HttpError(409, 'the ticket is not resolved')
  if (outcome === 'group-left')
    throw new HttpError(409, "the bot is no longer in the ticket's group: nothing can be posted there")
  if (outcome === 'member-left')
    throw new HttpError(409, 'the member has left the group: a reply would @mention someone outside it')
  if (outcome === 'mentions-everyone')
    throw new HttpError(422, 'the reply would @mention everyone (@所有人, @all): remove it and send again')
  return { status: 200, body: { ticket: outcome } }
}

const staffName = z.string().min(1).max(64).default('staff')
const inboundBody = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('reply'),
    ticketId: z.number().int().min(1),
    text: z.string().trim().min(1).max(2000),
    staff: staffName,
  }),
  z.strictObject({ action: z.literal('claim'), ticketId: z.number().int().min(1), staff: staffName }),
  z.strictObject({ action: z.literal('resolve'), ticketId: z.number().int().min(1), staff: staffName }),
])

/** Accepts a signed inbound webhook once: verifies it and remembers its id. */
export interface InboundGate {
  accept(
    headers: Record<string, string | string[] | undefined>,
    rawBody: string,
  ): { ok: true } | { ok: false; reason: string }
}

/** The staff API: list tickets, open one, claim, reply into the group, resolve, return, reopen. */
export function createHandoffRoutes(
  service: HandoffService,
  repo: TicketRepository,
  clock: Clock,
  inbound?: InboundGate,
  outbox?: WebhookOutbox,
): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/webhooks/deliveries',
      summary: 'Outbound webhook deliveries (pending, delivered, dead) with every attempt',
      query: z.strictObject({
        status: z.enum(['pending', 'delivered', 'dead']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      handler: ({ query }) => ({
        status: 200,
        body: {
          deliveries: (outbox?.list(query.status, query.limit) ?? []).map((d) => ({
            ...d,
            attemptLog: outbox?.attempts(d.id) ?? [],
          })),
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/inbound',
      summary: 'Signed webhook from a staff system: reply, claim or resolve (Standard Webhooks signature)',
      auth: 'public',
      body: inboundBody,
      bodyLimit: 64 * 1024,
      handler: ({ body, headers, rawBody }) => {
        if (!inbound)
          throw new HttpError(404, 'inbound webhooks are not configured (handoff.yaml: inbound.secrets)')
        const accepted = inbound.accept(headers, rawBody)
        if (!accepted.ok) throw new HttpError(401, `webhook rejected: ${accepted.reason}`)
        const now = clock.now()
        if (body.action === 'reply') return result(service.reply(body.ticketId, body.staff, body.text, now))
        if (body.action === 'claim') return result(service.claim(body.ticketId, body.staff, now))
        return result(service.resolve(body.ticketId, body.staff, now))
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/handoff/tickets',
      auth: 'staff',
      summary: 'Tickets, complaints first then oldest first',
      query: z.strictObject({
        status: z.enum(['open', 'assigned', 'waiting_member', 'resolved', 'returned_to_bot']).optional(),
        roomId: z.string().min(1).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      handler: ({ query }) => ({ status: 200, body: { tickets: repo.list(query) } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/handoff/tickets/:id',
      auth: 'staff',
      summary: 'One ticket with its audit trail and transcript (masked)',
      params: idParams,
      handler: ({ params }) => {
        const ticket = repo.get(params.id)
        if (!ticket) throw new HttpError(404, 'no such ticket')
        return { status: 200, body: { ticket, events: repo.events(params.id) } }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/tickets',
      auth: 'staff',
      summary: 'Open a ticket for a member of a group the bot is in (or get their open one)',
      // The group's topic and the member's name come from the membership tables, not the caller.
      body: z.strictObject({
        roomId: z.string().min(1),
        memberId: z.string().min(1),
        reason: z.string().trim().min(1).max(200),
        priority: z.enum(['question', 'complaint']).default('question'),
      }),
      handler: ({ body }) => {
        const ticket = service.openFor(
          body.roomId,
          body.memberId,
          `api:${body.reason}`,
          body.priority === 'complaint' ? 2 : 1,
          clock.now(),
        )
        if (ticket === 'unknown-group')
          throw new HttpError(404, `no such group: the bot is not in group ${body.roomId}`)
        if (ticket === 'unknown-member')
          throw new HttpError(404, `no such member: ${body.memberId} is not in group ${body.roomId}`)
        return { status: 201, body: { ticket } }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/tickets/:id/claim',
      auth: 'staff',
      summary: 'Take a ticket',
      params: idParams,
      body: staffBody,
      handler: ({ params, body }) => result(service.claim(params.id, body.staff, clock.now())),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/tickets/:id/reply',
      auth: 'staff',
      summary: 'Reply: the bot posts the text into the group, @mentioning the member',
      params: idParams,
      body: z.strictObject({
        text: z.string().trim().min(1).max(2000),
        staff: z.string().trim().min(1).max(64).default('staff'),
      }),
      handler: ({ params, body }) => result(service.reply(params.id, body.staff, body.text, clock.now())),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/tickets/:id/resolve',
      auth: 'staff',
      summary: 'Close the ticket; the bot asks the member for a 1-5 rating',
      params: idParams,
      body: staffBody,
      handler: ({ params, body }) => result(service.resolve(params.id, body.staff, clock.now())),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/tickets/:id/return',
      auth: 'staff',
      summary: 'Give the member back to the bot without a rating',
      params: idParams,
      body: staffBody,
      handler: ({ params, body }) => result(service.returnToBot(params.id, body.staff, clock.now())),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/handoff/tickets/:id/reopen',
      auth: 'staff',
      summary: 'Open a closed ticket again',
      params: idParams,
      body: staffBody,
      handler: ({ params, body }) => result(service.reopen(params.id, body.staff, clock.now())),
    }),
  ]
}
