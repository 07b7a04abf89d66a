import { z } from 'zod'
import { longTemplateField } from '../../config/content-schema.js'
import { parseDuration } from '../../core/duration.js'
import { isValidTimeZone } from '../../scheduler/calendar.js'

const DAY_MS = 86_400_000

/** A retention period: at least a day, since the purge runs daily. */
const retention = z.string().transform((text, ctx) => {
  const ms = parseDuration(text)
  if (!ms || ms < DAY_MS) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a retention period; write 7d, 30d, 26w (at least 1d)`,
    })
    return z.NEVER
  }
  return ms
})

/**
 * `privacy.yaml`: what members are told about their data (PIPL notice), how long each kind of
 * data is kept, and how an erased member is shown in the records kept for audit.
 */
export const privacyConfigSchema = z.strictObject({
  notice: z
    .strictObject({
      /**
       * What is collected, why, for how long, and how to ask for export or deletion.
       * `{messagesDays}` and `{transcriptsDays}` are the retention periods in days.
       */
      text: longTemplateField('messagesDays', 'transcriptsDays', 'group'),
      /** Post the notice when the bot first sees a group (once per group). */
      onJoin: z.boolean().default(true),
      /** Add the notice to SOP welcome messages (where the welcome does not place `{privacy}` itself). */
      inWelcome: z.boolean().default(true),
    })
    .optional(),
  retention: z
    .strictObject({
      /** Inbound group messages (text already masked). */
      messages: retention.prefault('30d'),
      /** Handoff transcripts: the messages inside tickets; the tickets themselves stay, anonymised by erasure only. */
      transcripts: retention.prefault('180d'),
      /** Outbound chat and webhook delivery records, with their attempts; inbound webhook ids. */
      deliveryLogs: retention.prefault('30d'),
      /** The moderation log. */
      moderationLog: retention.prefault('180d'),
      /** Analytics rollups: who was active on which day, joins and leaves, FAQ outcomes. */
      analytics: retention.prefault('400d'),
      /** Unanswered questions kept for the FAQ gap report. */
      faqGaps: retention.prefault('90d'),
      /** Local time of the daily purge. */
      purgeAt: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'write a time as HH:mm')
        .default('04:00'),
      timezone: z.string().refine(isValidTimeZone, 'unknown time zone').default('Asia/Shanghai'),
    })
    .prefault({}),
  erasure: z
    .strictObject({
      /** The name erased members get in the records kept for audit (tickets, moderation log). */
      anonymousName: z.string().min(1).max(40),
    })
    .optional(),
})

export type PrivacyConfig = z.output<typeof privacyConfigSchema>
export type RetentionKind = Exclude<keyof PrivacyConfig['retention'], 'purgeAt' | 'timezone'>
