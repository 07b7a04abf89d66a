import type { z } from 'zod'

export interface FieldProblem {
  /** Where the problem is, for example `body.text` or `params.roomId`. */
  path: string
  message: string
}

/** Turns zod issues into one readable line per field, prefixed by the part of the request. */
export function describeIssues(
  part: 'body' | 'query' | 'params',
  issues: z.core.$ZodIssue[],
): FieldProblem[] {
  return issues.map((issue) => {
    const path = [part, ...issue.path.map(String)].join('.')
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown field(s): ${issue.keys.join(', ')}` }
    }
    return { path, message: issue.message }
  })
}
