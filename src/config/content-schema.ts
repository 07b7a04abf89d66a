import { z } from 'zod'
import { parseTemplate, type Template } from '../core/template.js'
import { checkSecret, type SecretCheck } from '../outbox/webhooks/standard-webhooks.js'
import { contentMessage, NEW_SECRET_COMMAND } from './content-messages.js'
import {
  compileOperatorPattern,
  isPatternProblem,
  type OperatorPattern,
  rememberingAnswers,
} from './operator-pattern.js'

export type { OperatorPattern } from './operator-pattern.js'

/**
 * A regular expression written by an operator, compiled case-insensitively on the linear-time
 * RE2 engine; backreferences, lookaround and bad syntax are problems at load.
 */
export const regexField = z.string().transform((source, ctx): OperatorPattern => {
  const compiled = compileOperatorPattern(source)
  if (!isPatternProblem(compiled)) return compiled
  const { kind, ...values } = compiled
  ctx.addIssue({ code: 'custom', message: contentMessage(`pattern_${kind}`, values) })
  return z.NEVER
})

/** A pattern on group names: the same names come back on every message, so answers are kept. */
export const groupNamePatternField = regexField.transform((pattern) => rememberingAnswers(pattern))

/**
 * How long an operator's text may be, in characters (code points), by what it is: `label` for
 * short words put inside other texts (reasons, labels, task titles), `message` for what the bot
 * says in a group, `long` for the few texts that are a whole page (privacy notice, welcome,
 * scheduled posts, FAQ answers, the weekly report). The outbox sends 2,000 bytes per chat message,
 * so a long text is at most about three messages of Chinese.
 */
export const TEXT_LIMITS = { label: 100, message: 1000, long: 2000 } as const
export type TextSize = keyof typeof TEXT_LIMITS

/** The problem with a text over its size, or undefined; counts cheaply past any plausible size. */
function tooLong(text: string, size: TextSize): string | undefined {
  const max = TEXT_LIMITS[size]
  // A code point is one or two UTF-16 units: no need to count a text whose units already decide.
  if (text.length <= max) return undefined
  const length = text.length > max * 2 ? text.length : [...text].length
  if (length <= max) return undefined
  return contentMessage('text_too_long', { length, max })
}

/** An operator's plain text (a label, a reason, an answer), non-empty and within its size. */
export const textField = (size: TextSize) =>
  z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const problem = tooLong(text, size)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })

function sizedTemplateField(size: TextSize, variables: string[]) {
  return z.string().transform((source, ctx): Template => {
    const long = tooLong(source, size)
    if (long) {
      ctx.addIssue({ code: 'custom', message: long })
      return z.NEVER
    }
    const parsed = parseTemplate(source, variables)
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error })
      return z.NEVER
    }
    return parsed
  })
}

/**
 * A message template that may use only `variables`; any other `{name}` is an error at load time,
 * and so is a text over TEXT_LIMITS.message.
 */
export const templateField = (...variables: string[]) => sizedTemplateField('message', variables)

/** A template that is a whole page (privacy notice, welcome, scheduled post): TEXT_LIMITS.long. */
export const longTemplateField = (...variables: string[]) => sizedTemplateField('long', variables)

/**
 * A Standard Webhooks signing secret as written in a file: `whsec_` + base64 of 24 to 64 bytes,
 * or `env:NAME` to read it from the environment when the file is loaded. Returns the secret, or
 * the problem to report at the line that names it (a missing variable, a bad value).
 */
export function resolveWebhookSecret(written: string): { secret: string } | { problem: string } {
  const name = written.startsWith('env:') ? written.slice(4) : undefined
  const secret = name === undefined ? written : process.env[name]
  if (name !== undefined && !secret) return { problem: contentMessage('secret_env_missing', { name }) }
  const checked = checkSecret(secret ?? '')
  if (checked.ok) return { secret: secret as string }
  const problem = secretProblem(checked)
  return { problem: name === undefined ? problem : contentMessage('secret_env_bad', { name, problem }) }
}

/** A signing secret field (see resolveWebhookSecret); the value is the secret itself. */
export const webhookSecretField = z.string().transform((written, ctx): string => {
  const resolved = resolveWebhookSecret(written)
  if ('secret' in resolved) return resolved.secret
  ctx.addIssue({ code: 'custom', message: resolved.problem })
  return z.NEVER
})

function secretProblem(checked: Exclude<SecretCheck, { ok: true }>): string {
  const command = NEW_SECRET_COMMAND
  if (checked.problem === 'length') return contentMessage('secret_length', { bytes: checked.bytes, command })
  return contentMessage(checked.problem === 'format' ? 'secret_format' : 'secret_base64', { command })
}

/**
 * Which groups a piece of content applies to: a list of group ids, or a pattern on the group's
 * name. SOPs and moderation profiles share it, so operators learn one way to say "these groups".
 */
export const groupMatchField = z
  .strictObject({ topic: groupNamePatternField.optional(), groups: z.array(z.string().min(1)).optional() })
  .refine((m) => m.topic || m.groups?.length, {
    message: 'match needs a topic pattern or a list of group ids',
  })

export type GroupMatch = z.output<typeof groupMatchField>

/**
 * The first item for a group: one that lists the group's id wins, then the first (in order) whose
 * topic pattern matches the group's name.
 */
export function findByMatch<T>(
  room: { id: string; topic: string },
  items: readonly T[],
  matchOf: (item: T) => GroupMatch | undefined,
): T | undefined {
  return (
    items.find((i) => matchOf(i)?.groups?.includes(room.id)) ??
    items.find((i) => matchOf(i)?.topic?.test(room.topic) === true)
  )
}
