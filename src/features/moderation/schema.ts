import { statSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { contentMessage } from '../../config/content-messages.js'
import { groupMatchField, templateField, textField } from '../../config/content-schema.js'
import { parseDuration } from '../../core/duration.js'

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text)
  if (!ms) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; write 10s, 30m, 24h, 7d` })
    return z.NEVER
  }
  return ms
})

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?:[a-z0-9-]+\.)+[a-z]{2,}$/, 'write a domain such as example.com (its subdomains are included)')

/** What the bot says; `{mention}` @mentions the member. */
const texts = z.strictObject({
  /** A public warning in place of deleting the message (the bot cannot delete others' messages). */
  warning: templateField('mention', 'reason', 'count', 'limit'),
  /** Posted after a member is removed. */
  removed: templateField('name', 'reason').optional(),
  /** Posted when a banned member who joined is removed. */
  banned: templateField('name').optional(),
  /** Why, per rule, for `{reason}`. */
  reasons: z.strictObject({
    words: textField('label'),
    links: textField('label'),
    cards: textField('label'),
    flood: textField('label'),
    repeat: textField('label'),
    newcomer: textField('label'),
    /** Needed when the profile has a qrCodes rule. */
    qrCodes: textField('label').optional(),
  }),
})

/** A profile: the rules of the groups it matches. Word list files are read relative to the folder. */
const profile = (dir: string) =>
  z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'names use letters, digits, - and _'),
      /** Same as an SOP's match; a profile without match is the default for every other group. */
      match: groupMatchField.optional(),
      /** Groups whose profiles name the same list share bans: banned in one, removed from all. */
      banList: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/)
        .optional(),
      words: z
        .strictObject({
          /** Files of one word per line (# starts a comment), relative to the moderation folder. */
          files: z
            .array(
              z
                .string()
                .min(1)
                .refine((f) => isFile(join(dir, f)), {
                  message: `word list not found in ${dir} (or not a file)`,
                }),
            )
            .default([]),
          list: z.array(z.string().trim().min(1)).default([]),
        })
        .optional(),
      links: z
        .strictObject({
          /** Links to these domains (and their subdomains) are fine; every other link is a violation. */
          allowDomains: z.array(domain).default([]),
          /** Mini-programs and contact cards (名片): block or allow. */
          miniPrograms: z.enum(['block', 'allow']).default('block'),
          contactCards: z.enum(['block', 'allow']).default('block'),
        })
        .optional(),
      /** More than `messages` messages from one member within `within` is flooding. */
      flood: z.strictObject({ messages: z.number().int().min(2).max(100), within: duration }).optional(),
      /** The same text `times` times from one member within `within`. */
      repeat: z
        .strictObject({
          times: z.number().int().min(2).max(50),
          within: duration,
          /** Shorter texts ("好", "+1", "收到") are never repeats: people say them again and again. */
          minLength: z.number().int().min(1).max(100).default(5),
        })
        .optional(),
      /**
       * QR codes in images (posters with a personal or another group's QR are the main ad channel):
       * `warn` counts a violation like the other rules, `remove` removes at once, `allow` only
       * logs nothing. Codes starting with an `allow` entry (scheme left out: the group's own
       * invite "weixin.qq.com/g/...", the brand's account) and web links to `links.allowDomains`
       * are fine.
       */
      qrCodes: z
        .strictObject({
          action: z.enum(['allow', 'warn', 'remove']),
          allow: z.array(z.string().trim().min(3).max(500)).default([]),
        })
        .optional(),
      /** Members who joined less than `period` ago may not post links or cards at all (even allowed ones). */
      newcomers: z.strictObject({ period: duration, noLinks: z.boolean().default(true) }).optional(),
      escalation: z
        .strictObject({
          /** A violation stops counting this long after it happened. */
          decayAfter: duration.prefault('7d'),
          /** From this many counted violations on, staff are alerted (0: never). */
          alertStaffAt: z.number().int().min(0).max(100).default(2),
          /** At this many the member is removed (0: never). */
          removeAt: z.number().int().min(0).max(100).default(3),
          /** A removed member is added to the profile's ban list. */
          banOnRemove: z.boolean().default(true),
        })
        .prefault({}),
      texts,
    })
    .superRefine((p, ctx) => {
      if (p.qrCodes && p.qrCodes.action !== 'allow' && !p.texts.reasons.qrCodes)
        ctx.addIssue({
          code: 'custom',
          path: ['texts', 'reasons'],
          message: contentMessage('qr_reason_missing'),
        })
    })

/** `moderation/rules.yaml`. Reference: docs/moderation.md. */
export const moderationRulesSchema = (dir: string) =>
  z
    .strictObject({
      /** Never actioned: staff and admins. Ids are safer than names, which members can change. */
      whitelist: z
        .strictObject({
          ids: z.array(z.string().min(1)).default([]),
          names: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
      profiles: z.array(profile(dir)).min(1),
    })
    .superRefine((rules, ctx) => {
      const names = new Set<string>()
      rules.profiles.forEach((p, i) => {
        if (names.has(p.name))
          ctx.addIssue({
            code: 'custom',
            path: ['profiles', i, 'name'],
            message: `profile ${p.name} is defined twice`,
          })
        names.add(p.name)
      })
      const defaults = rules.profiles.filter((p) => !p.match)
      if (defaults.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['profiles'],
          message: 'only one profile may leave out match (the default for all other groups)',
        })
    })

export type ModerationRules = z.output<ReturnType<typeof moderationRulesSchema>>
export type ModerationProfile = ModerationRules['profiles'][number]
export type RuleName = keyof ModerationProfile['texts']['reasons']

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
