import { z } from 'zod'
import { groupNamePatternField, templateField, textField } from '../../config/content-schema.js'

/** One FAQ entry of a knowledge file (`knowledge/*.yaml` is a list of these). */
export const kbEntrySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'ids use letters, digits, - and _ (at most 60)'),
  q: z.string().trim().min(2).max(200),
  keywords: z.array(z.string().trim().min(1).max(30)).min(1).max(30),
  similar: z.array(z.string().trim().min(2).max(200)).max(50).default([]),
  a: z.string().trim().pipe(textField('long')),
  /** Only groups matching this get the answer (default: every group). */
  groups: z
    .strictObject({ topic: groupNamePatternField.optional(), ids: z.array(z.string().min(1)).optional() })
    .optional(),
  /** Answer and also hand the member to a person. */
  handoff: z.boolean().default(false),
})

export const kbFileSchema = z.array(kbEntrySchema).superRefine((entries, ctx) => {
  const seen = new Set<string>()
  entries.forEach((entry, i) => {
    if (seen.has(entry.id))
      ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate id "${entry.id}"` })
    seen.add(entry.id)
  })
})

const template = templateField

/**
 * `knowledge/_settings.yaml`: how sure the bot must be, and the texts it uses when it is not.
 * Without the texts the bot simply stays silent in those cases.
 */
export const faqSettingsSchema = z.strictObject({
  /** Minimum score (0..1) to answer. */
  threshold: z.number().min(0).max(1).default(0.55),
  /** When the runner-up scores within this of the best, ask which one is meant. */
  margin: z.number().min(0).max(1).default(0.08),
  /** The same entry is not answered again in one group within this many seconds. */
  cooldownSeconds: z.number().int().min(0).max(86_400).default(600),
  texts: z
    .strictObject({
      /** Asked when two entries are close: {choices} is a numbered list. */
      choose: template('choices').optional(),
      /** Said to an @mention with no match (not when the message opens a ticket). */
      noMatch: template('mention').optional(),
      /** Added to the answer of an entry marked `handoff: true`: a person will follow up. */
      handoffFollowUp: textField('message').optional(),
    })
    .default({}),
})

export type KbEntry = z.output<typeof kbEntrySchema>
export type FaqSettings = z.output<typeof faqSettingsSchema>
