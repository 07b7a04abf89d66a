import { z } from 'zod'
import { contentMessage } from '../../config/content-messages.js'
import {
  groupMatchField,
  longTemplateField,
  regexField,
  templateField,
  textField,
} from '../../config/content-schema.js'
import { parseDuration } from '../../core/duration.js'
import { isValidTimeZone, parseLocalDateTime, validateCron } from '../../scheduler/calendar.js'

/**
 * The SOP file format: one schema gives validation (with file:line:col through the loader), the
 * TypeScript types and the reference in docs/sop.md. Strict objects: an unknown key is an error,
 * because a misspelt key would otherwise be silently ignored.
 */

const template = templateField

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text)
  if (ms === undefined || ms === 0) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a duration; write a number and a unit: 60s, 30m, 24h, 3d, 2w`,
    })
    return z.NEVER
  }
  return ms
})

const regex = regexField

const cron = z.string().superRefine((expr, ctx) => {
  const problem = validateCron(expr)
  if (problem) ctx.addIssue({ code: 'custom', message: `bad cron "${expr}": ${problem}` })
})

const id = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'ids use letters, digits, - and _ (at most 40)')
const words = z.array(z.string().trim().min(1)).min(1)
const points = z.number().int().min(0).max(100_000)

/** Media a member can post for a check-in or a task ("post a photo of your desk"). */
const mediaKind = z.enum(['image', 'video', 'file', 'voice', 'emoticon'])

const doneRule = z
  .strictObject({
    contains: words.optional(),
    equals: words.optional(),
    regex: regex.optional(),
    minLength: z.number().int().min(1).max(2000).optional(),
    /** Done by posting this kind of media (then the text rules cannot be used: media has no text). */
    kind: mediaKind.optional(),
  })
  .refine((r) => r.contains || r.equals || r.regex || r.minLength || r.kind, {
    message: 'a task needs at least one of contains, equals, regex, minLength, kind',
  })
  .refine((r) => !r.kind || !(r.contains || r.equals || r.regex || r.minLength), {
    error: () => contentMessage('task_kind_with_text'),
  })

const task = z.strictObject({
  id,
  title: textField('label'),
  done: doneRule.optional(),
  points: points.default(0),
})

const pollSpec = z.strictObject({
  question: template('group', 'options'),
  options: z.array(z.string().trim().min(1).max(20)).min(2).max(20),
  closesAfter: duration,
  result: template('group', 'question', 'average', 'votes', 'counts', 'top'),
})

const topic = z
  .strictObject({
    id,
    cron: cron.optional(),
    at: z.string().optional(),
    text: longTemplateField('group').optional(),
    poll: pollSpec.optional(),
  })
  .superRefine((t, ctx) => {
    if ((t.cron === undefined) === (t.at === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a topic needs exactly one of cron (repeating) or at (once)' })
    }
    if ((t.text === undefined) === (t.poll === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a topic needs exactly one of text or poll' })
    }
  })

const streakBonus = z.record(
  z.string().regex(/^[1-9]\d{0,3}$/, 'streak bonus keys are day counts like 7 or 30'),
  points,
)

export const sopSchema = z
  .strictObject({
    name: z.string().min(1).max(60),
    match: groupMatchField,
    timezone: z.string().default('Asia/Shanghai'),
    staff: z
      .strictObject({
        names: z.array(z.string().min(1)).default([]),
        ids: z.array(z.string().min(1)).default([]),
      })
      .default({ names: [], ids: [] }),
    welcome: z
      .strictObject({
        batchWindow: duration.prefault('60s'),
        text: longTemplateField('mentions', 'names', 'count', 'group', 'tasks', 'privacy'),
        notAgainWithin: duration.prefault('30d'),
      })
      .optional(),
    newcomer: z
      .strictObject({
        within: duration.prefault('3d'),
        tasks: z.array(task).min(1).max(20),
        taskDone: template('mention', 'name', 'task', 'points').optional(),
        reminders: z
          .array(z.strictObject({ after: duration, text: template('mention', 'name', 'pending', 'group') }))
          .default([]),
        completed: z
          .strictObject({
            text: template('mention', 'name', 'points', 'group'),
            tag: z.string().min(1).max(20).optional(),
          })
          .optional(),
      })
      .optional(),
    topics: z.array(topic).default([]),
    checkin: z
      .strictObject({
        keywords: words,
        /** Posting one of these (a photo: [image]) is a check-in too, for 运动/学习打卡 groups. */
        media: z.array(mediaKind).min(1).optional(),
        points: points.default(0),
        streakBonus: streakBonus.default({}),
        reply: template('mention', 'name', 'streak', 'days', 'points', 'earned'),
        already: template('mention', 'name', 'streak', 'days', 'points'),
        reminder: z
          .strictObject({ cron, text: template('pendingMentions', 'pendingCount', 'group') })
          .optional(),
        leaderboard: z
          .strictObject({
            cron,
            top: z.number().int().min(1).max(50).default(10),
            text: template('ranking', 'group'),
            line: template('rank', 'name', 'days', 'streak').prefault('{rank}. {name} {days}'),
          })
          .optional(),
      })
      .optional(),
    commands: z
      .strictObject({
        points: z
          .strictObject({ keywords: words, reply: template('mention', 'name', 'points', 'streak', 'days') })
          .optional(),
        completeTask: z
          .strictObject({ keywords: words, reply: template('mention', 'name', 'task', 'points') })
          .optional(),
      })
      .default({}),
  })
  // Whole-file checks run even when some field failed, so one pass reports every mistake; the
  // values may therefore be unparsed here and are checked defensively.
  .superRefine(
    (sop, ctx) => {
      const zoneOk = typeof sop.timezone === 'string' && isValidTimeZone(sop.timezone)
      // A non-text time zone was already reported by the field's own check.
      if (!zoneOk && typeof sop.timezone === 'string') {
        ctx.addIssue({
          code: 'custom',
          path: ['timezone'],
          message: `unknown time zone "${sop.timezone}" (use an IANA name such as Asia/Shanghai)`,
        })
      }
      reportDuplicates(sop.newcomer?.tasks, ['newcomer', 'tasks'], ctx)
      reportDuplicates(sop.topics, ['topics'], ctx)
      if (!zoneOk || !Array.isArray(sop.topics)) return
      sop.topics.forEach((t, i) => {
        if (typeof t?.at === 'string' && parseLocalDateTime(t.at, sop.timezone) === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['topics', i, 'at'],
            message: `"${t.at}" is not a date and time; write YYYY-MM-DD HH:mm`,
          })
        }
      })
    },
    {
      when: (payload) =>
        typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
    },
  )

function reportDuplicates(items: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (!Array.isArray(items)) return
  const seen = new Set<string>()
  items.forEach((item: { id?: unknown } | undefined, i) => {
    const id = item?.id
    if (typeof id !== 'string') return
    if (seen.has(id))
      ctx.addIssue({ code: 'custom', path: [...path, i, 'id'], message: `duplicate id "${id}"` })
    seen.add(id)
  })
}

export type SopDefinition = z.output<typeof sopSchema>
export type SopTask = NonNullable<SopDefinition['newcomer']>['tasks'][number]
export type SopTopic = SopDefinition['topics'][number]
