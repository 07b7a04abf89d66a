import { z } from 'zod'
import { defineRoute, HttpError, type RouteDefinition } from '../../core/route.js'
import type { AnalyticsService } from './analytics-service.js'
import { toCsv } from './csv.js'

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'write a date as YYYY-MM-DD')
  // Date.parse rolls 2026-02-30 over to 2026-03-02: only a real date formats back to itself.
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`)
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d
  }, 'not a calendar date')
const rangeQuery = z
  .strictObject({ from: date.optional(), to: date.optional(), group: z.string().min(1).optional() })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  // Both days are included: 366 days end 365 days after the first.
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) < 366 * 86_400_000, {
    message: 'a range is at most 366 days',
    path: ['to'],
  })

/** Header of a table that has no rows (a CSV otherwise takes its header from the first row). */
const EMPTY_TABLE_COLUMNS: Record<string, string[]> = {
  groups: ['id', 'topic', 'leftAt', 'members', 'joins', 'leaves', 'activeMembers', 'messages', 'activeRate'],
  polls: ['pollId', 'roomId', 'topicId', 'firedAt', 'closed', 'option', 'votes'],
}

/** The tables the dashboard shows, each also as CSV. */
const TABLES = [
  'daily',
  'groups',
  'retention',
  'funnel',
  'faq',
  'handoff',
  'csat',
  'streaks',
  'polls',
] as const
type Table = (typeof TABLES)[number]

export function createAnalyticsRoutes(
  service: AnalyticsService,
  roomExists: (id: string) => boolean,
  /** Writes buffered counts first, so a figure includes the last few seconds. */
  flush: () => void,
): RouteDefinition[] {
  const rangeFor = (q: z.output<typeof rangeQuery>, roomId: string | null) => {
    if (roomId && !roomExists(roomId)) throw new HttpError(404, `no group ${roomId}`)
    const r = service.range(q.from, q.to, roomId)
    // `from` alone runs to today, which the query schema cannot check.
    if (r.fromDay > r.toDay) throw new HttpError(400, 'from must not be after to')
    if (r.toDay - r.fromDay >= 366) throw new HttpError(400, 'a range is at most 366 days')
    flush()
    return r
  }
  return [
    defineRoute({
      method: 'GET',
      path: '/api/analytics/overview',
      summary: 'Every figure for a range of local days (default the last 7), all groups or ?group=<id>',
      query: rangeQuery,
      handler: ({ query }) => {
        const r = rangeFor(query, query.group ?? null)
        const scan = service.scan(r)
        return {
          status: 200,
          body: { ...service.overview(r, scan), groups: query.group ? undefined : service.groups(r, scan) },
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/analytics/groups/:id',
      summary: "One group's figures for a range of local days",
      params: z.strictObject({ id: z.string().min(1) }),
      query: rangeQuery.refine((q) => !q.group, { message: 'the group is in the path', path: ['group'] }),
      handler: ({ params, query }) => {
        const r = rangeFor(query, params.id)
        const scan = service.scan(r)
        return { status: 200, body: { group: service.groups(r, scan)[0], ...service.overview(r, scan) } }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/analytics/csv/:table',
      summary: `A dashboard table as CSV (UTF-8): ${TABLES.join(', ')}`,
      params: z.strictObject({ table: z.enum(TABLES) }),
      query: rangeQuery,
      handler: ({ params, query }) => {
        const r = rangeFor(query, query.group ?? null)
        return {
          status: 200,
          contentType: 'text/csv; charset=utf-8',
          body: toCsv(tableRows(service, r, params.table), EMPTY_TABLE_COLUMNS[params.table]),
        }
      },
    }),
  ]
}

function tableRows(
  service: AnalyticsService,
  r: ReturnType<AnalyticsService['range']>,
  table: Table,
): Record<string, unknown>[] {
  if (table === 'groups') return service.groups(r)
  const o = service.overview(r)
  switch (table) {
    case 'daily':
      return o.activity.series
    case 'retention':
      return (['d1', 'd7', 'd30'] as const).map((k) => ({ day: k, ...o.retention[k] }))
    case 'funnel':
      return [o.newcomers]
    case 'faq':
      return [
        {
          entryId: '(all)',
          answers: o.faq.answered,
          questions: o.faq.questions,
          answerRate: o.faq.answerRate,
        },
        ...o.faq.topEntries,
      ]
    case 'handoff':
      return [
        {
          opened: o.handoff.opened,
          resolved: o.handoff.resolved,
          firstResponseMedianMs: o.handoff.firstResponse.medianMs,
          firstResponseP90Ms: o.handoff.firstResponse.p90Ms,
          resolutionMedianMs: o.handoff.resolution.medianMs,
          resolutionP90Ms: o.handoff.resolution.p90Ms,
          firstResponseBreaches: o.handoff.slaBreaches.firstResponse,
          resolutionBreaches: o.handoff.slaBreaches.resolution,
          csatAverage: o.handoff.csat.average,
        },
      ]
    case 'csat':
      return o.handoff.csat.distribution
    case 'streaks':
      return o.checkins.streaks
    case 'polls':
      return o.polls.flatMap((p) =>
        p.options.map((option) => ({
          pollId: p.id,
          roomId: p.roomId,
          topicId: p.topicId,
          firedAt: new Date(p.firedAt).toISOString(),
          closed: p.closedAt !== null,
          option,
          votes: p.votes[option] ?? 0,
        })),
      )
  }
}
