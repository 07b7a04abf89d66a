import { z } from 'zod'
import type { Clock } from '../../core/clock.js'
import { defineRoute, type RouteDefinition } from '../../core/route.js'
import { describeDecision } from './describe-decision.js'
import type { FaqService } from './faq-service.js'
import type { GapReport } from './gap-report.js'
import type { KbLibrary } from './kb-library.js'

export function createFaqRoutes(
  service: FaqService,
  library: KbLibrary,
  gaps: GapReport,
  clock: Clock,
): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/faq/status',
      summary: 'Knowledge files, their problems, the number of live entries and answer counts',
      handler: () => ({
        status: 200,
        body: {
          entries: library.index().size,
          files: library.files().map((f) => ({
            ...f,
            problems: f.problems.map((p) => ({ ...p, text: `${p.file}:${p.line}:${p.column} ${p.message}` })),
          })),
          stats: service.stats,
        },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/api/faq/reload',
      summary: 'Read the knowledge folder now (changes are also picked up automatically)',
      handler: () => {
        service.reload(clock.now())
        return { status: 200, body: { entries: library.index().size } }
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/faq/ask',
      summary: 'The decision the bot would make for a group message (nothing is sent)',
      body: z.strictObject({ text: z.string().min(1).max(2000), mention: z.boolean().optional() }),
      handler: ({ body }) => ({
        status: 200,
        body: describeDecision(service.decide(body.text, body.mention ?? false)),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/faq/gaps',
      summary: 'Unanswered questions grouped by similarity, most asked first',
      query: z.strictObject({
        days: z.coerce.number().int().min(1).max(365).default(30),
        limit: z.coerce.number().int().min(1).max(200).default(20),
      }),
      handler: ({ query }) => ({
        status: 200,
        body: { clusters: gaps.clusters(clock.now() - query.days * 86_400_000, query.limit) },
      }),
    }),
  ]
}
