import { z } from 'zod'
import { longTemplateField, templateField, textField } from '../../config/content-schema.js'
import { isValidTimeZone, validateCron } from '../../scheduler/calendar.js'

/** `analytics.yaml`: the time zone days are counted in, and the weekly report. */
export const analyticsConfigSchema = z.strictObject({
  /** Days, weeks and retention are counted in this zone's calendar. */
  timezone: z.string().refine(isValidTimeZone, 'unknown time zone').default('Asia/Shanghai'),
  report: z
    .strictObject({
      /** When the report is posted (cron, in `timezone`); it covers the 7 local days before. */
      cron: z
        .string()
        .superRefine((expr, ctx) => {
          const problem = validateCron(expr)
          if (problem) ctx.addIssue({ code: 'custom', message: `bad cron "${expr}": ${problem}` })
        })
        .default('0 9 * * 1'),
      /** The operators' group (id) the text report is posted in. */
      group: z.string().min(1).optional(),
      /** Also send it to the webhook endpoints of handoff.yaml (event analytics.weekly_report). */
      webhook: z.boolean().default(false),
      /** The report. Every figure has its own variable; `{changes}` lists week-over-week changes. */
      text: longTemplateField(
        'from',
        'to',
        'groups',
        'members',
        'joins',
        'leaves',
        'activeMembers',
        'activeRate',
        'messages',
        'retentionD1',
        'retentionD7',
        'faqAnswerRate',
        'handoffs',
        'firstResponseMedian',
        'csat',
        'changes',
      ),
      /** How one week-over-week change is written: `{label}`, `{value}`, `{change}` (e.g. +12%). */
      changeLine: templateField('label', 'value', 'change').prefault('{label} {value}（{change}）'),
      /** Labels of the figures in `{changes}` (also the markdown report's rows). */
      labels: z.strictObject({
        members: textField('label'),
        activeMembers: textField('label'),
        messages: textField('label'),
        joins: textField('label'),
        faqAnswerRate: textField('label'),
        handoffs: textField('label'),
      }),
    })
    .optional(),
})

export type AnalyticsConfig = z.output<typeof analyticsConfigSchema>
