import type { AlertPort, SendPort } from '../../core/feature.js'
import type { Logger } from '../../core/logger.js'
import { renderTemplate, type TemplateValue } from '../../core/template.js'
import type { OutgoingMessage } from '../../core/types.js'
import type { AnalyticsService, Overview } from './analytics-service.js'
import { DayIndex } from './day-index.js'
import type { AnalyticsConfig } from './schema.js'
import { change } from './stats.js'

type ReportConfig = NonNullable<AnalyticsConfig['report']>
type Figure = keyof ReportConfig['labels']

const percent = (v: number | null) => (v === null ? '-' : `${Math.round(v * 100)}%`)
const minutes = (ms: number | null) => (ms === null ? '-' : String(Math.round(ms / 60_000)))
const signed = (v: number | null) => (v === null ? '-' : `${v >= 0 ? '+' : ''}${Math.round(v * 100)}%`)

/** The figures compared week over week, as numbers (for the change) and as shown. */
function figures(o: Overview, members: number): Record<Figure, { value: number | null; shown: string }> {
  const n = (v: number) => ({ value: v, shown: String(v) })
  return {
    members: n(members),
    activeMembers: n(o.activity.activeMembers),
    messages: n(o.activity.messages),
    joins: n(o.members.joins),
    faqAnswerRate: { value: o.faq.answerRate, shown: percent(o.faq.answerRate) },
    handoffs: n(o.handoff.opened),
  }
}

export interface WeeklyReport {
  from: string
  to: string
  text: OutgoingMessage
  /** The same report as one plain string (webhooks). */
  plain: string
  figures: Record<string, { value: number | null; previous: number | null; change: number | null }>
}

/**
 * The weekly report: the 7 local days before the day it runs, against the 7 days before those,
 * for every group together.
 */
export function buildWeeklyReport(
  service: AnalyticsService,
  config: ReportConfig,
  fireTime: number,
  groups: number,
): WeeklyReport {
  const today = service.days.dayOf(fireTime)
  const firstDay = today - 7
  // Only whole days count for retention: a cohort's day N must fall within the reported week.
  const at = (from: number) => ({
    ...service.range(DayIndex.format(from), DayIndex.format(from + 6), null),
    today: firstDay + 6,
  })
  const week = service.overview(at(firstDay))
  const before = service.overview(at(firstDay - 7))
  // Members at the end of each week: today's count less the net joins since.
  const atWeekEnd = week.members.current - service.netJoins(firstDay + 7, today)
  const now = figures(week, atWeekEnd)
  const prev = figures(before, atWeekEnd - week.members.net)
  const keys = Object.keys(config.labels) as Figure[]
  const changes = keys
    .map((k) =>
      renderTemplate(config.changeLine, {
        label: config.labels[k],
        value: now[k].shown,
        change: signed(change(now[k].value, prev[k].value)),
      }).parts.join(''),
    )
    .join('\n')
  const values: Record<string, TemplateValue> = {
    from: week.range.from,
    to: week.range.to,
    groups,
    members: atWeekEnd,
    joins: week.members.joins,
    leaves: week.members.leaves,
    activeMembers: week.activity.activeMembers,
    activeRate: percent(week.activity.activeRate),
    messages: week.activity.messages,
    // D1 of this week's newcomers; D7 of the week before's, whose day 7 fell in this week.
    retentionD1: percent(week.retention.d1.rate),
    retentionD7: percent(before.retention.d7.rate),
    faqAnswerRate: percent(week.faq.answerRate),
    handoffs: week.handoff.opened,
    firstResponseMedian: minutes(week.handoff.firstResponse.medianMs),
    csat: week.handoff.csat.average === null ? '-' : week.handoff.csat.average.toFixed(1),
    changes,
  }
  const text = renderTemplate(config.text, values)
  return {
    from: week.range.from,
    to: week.range.to,
    text,
    plain: text.parts.map((p) => (typeof p === 'string' ? p : '')).join(''),
    figures: Object.fromEntries(
      keys.map((k) => [
        k,
        { value: now[k].value, previous: prev[k].value, change: change(now[k].value, prev[k].value) },
      ]),
    ),
  }
}

/** Posts the report where the config says: the operators' group and/or the staff webhooks. */
export function postWeeklyReport(
  report: WeeklyReport,
  config: ReportConfig,
  deps: { sender: SendPort; alerts: AlertPort; log: Logger },
): void {
  if (config.group) deps.sender.send(config.group, report.text)
  if (config.webhook)
    deps.alerts.publish('analytics.weekly_report', {
      from: report.from,
      to: report.to,
      text: report.plain,
      markdown: toMarkdown(report.plain),
      figures: report.figures,
    })
  deps.log.info(
    { from: report.from, to: report.to, group: config.group, webhook: config.webhook },
    'weekly report posted',
  )
}

/** The text report as markdown: its first line as the title, the rest as lines. */
function toMarkdown(plain: string): string {
  const [title = '', ...rest] = plain.split('\n')
  return [`### ${title}`, ...rest.map((l) => (l.trim() ? `- ${l}` : ''))].join('\n')
}
