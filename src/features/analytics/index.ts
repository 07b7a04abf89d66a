import { loadYamlFileOrDefaults } from '../../config/load-yaml.js'
import { FAQ_OUTCOME_NOTE, type FaqOutcomeNote } from '../../core/context.js'
import type { AlertPort, Feature, FeatureDeps } from '../../core/feature.js'
import { MEMBER_POST_KINDS } from '../../core/types.js'
import { cronSchedule } from '../../scheduler/calendar.js'
import { ActivityRecorder } from './activity-recorder.js'
import { createAnalyticsRoutes } from './analytics-routes.js'
import { AnalyticsService } from './analytics-service.js'
import { DayIndex } from './day-index.js'
import { createMetricsRepository } from './metrics-repository.js'
import { type AnalyticsConfig, analyticsConfigSchema } from './schema.js'
import { buildWeeklyReport, postWeeklyReport } from './weekly-report.js'

/**
 * Analytics: records activity, joins and leaves and FAQ outcomes as rollups, computes the
 * operators' figures from them (docs/metrics.md), serves them to the console and as CSV, and
 * posts the weekly report. It is the first stage, so it counts every accepted message, also those
 * a later stage stops.
 */
export function createAnalyticsFeature(
  deps: FeatureDeps & { alerts: AlertPort },
): Feature & { service: AnalyticsService; recorder: ActivityRecorder } {
  const log = deps.log.child({ feature: 'analytics' })
  const file = deps.content.analyticsFile
  const config: AnalyticsConfig = loadYamlFileOrDefaults(file, analyticsConfigSchema)
  const repo = createMetricsRepository(deps.db)
  const service = new AnalyticsService(repo, deps.clock, config.timezone)
  const recorder = new ActivityRecorder(deps.db, new DayIndex(config.timezone), 5_000, (error) =>
    log.error({ err: error }, 'writing analytics rollups failed; will retry'),
  )
  return {
    name: 'analytics',
    service,
    recorder,
    sees: MEMBER_POST_KINDS,
    middleware: async (ctx, next) => {
      recorder.message(ctx.room.id, ctx.message.sender.id, ctx.now)
      await next()
      const faq = ctx.notes.get(FAQ_OUTCOME_NOTE) as FaqOutcomeNote | undefined
      if (faq) recorder.faqOutcome(ctx.room.id, faq, ctx.now)
    },
    on: {
      memberJoined: (e) => {
        for (const m of e.members) recorder.memberEvent(e.room.id, m.id, 'join', e.at)
      },
      memberLeft: (e) => {
        for (const m of e.members) recorder.memberEvent(e.room.id, m.id, 'leave', e.at)
      },
    },
    routes: createAnalyticsRoutes(
      service,
      (id) => repo.room(id) !== undefined,
      () => recorder.flush(),
    ),
    start() {
      const report = config.report
      if (!report || (!report.group && !report.webhook)) return
      deps.jobs.setJobs('analytics', [
        {
          kind: 'calendar',
          key: 'analytics:weekly-report',
          schedule: cronSchedule(report.cron, config.timezone),
          run: (fireTime) => {
            recorder.flush()
            const built = buildWeeklyReport(service, report, fireTime, deps.directory.rooms().length)
            postWeeklyReport(built, report, { sender: deps.sender, alerts: deps.alerts, log })
          },
        },
      ])
    },
    flush: () => recorder.flush(),
    stop() {
      recorder.flush()
    },
  }
}
