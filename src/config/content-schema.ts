import { z } from 'zod'
import { parseTemplate, type Template } from '../core/template.js'

/** A regular expression written by an operator, compiled case-insensitively, with the reason when it is not valid. */
export const regexField = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source, 'iu')
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` })
    return z.NEVER
  }
})

/** A message template that may use only `variables`; any other `{name}` is an error at load time. */
export const templateField = (...variables: string[]) =>
  z.string().transform((source, ctx): Template => {
    const parsed = parseTemplate(source, variables)
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error })
      return z.NEVER
    }
    return parsed
  })

/**
 * Which groups a piece of content applies to: a list of group ids, or a pattern on the group's
 * name. SOPs and moderation profiles share it, so operators learn one way to say "these groups".
 */
export const groupMatchField = z
  .strictObject({ topic: regexField.optional(), groups: z.array(z.string().min(1)).optional() })
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
