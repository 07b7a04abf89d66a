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
