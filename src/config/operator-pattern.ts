import { RE2JS, RE2JSSyntaxException } from 're2js'

/**
 * A regular expression an operator wrote (an SOP's `match.topic`, a task's `done.regex`, a FAQ
 * entry's group pattern). Callers see only `test`, so the engine behind it can change.
 */
export interface OperatorPattern {
  readonly source: string
  test(text: string): boolean
}

/** Why a pattern was refused: syntax RE2 cannot run in linear time, or plain bad syntax. */
export type PatternProblem =
  | { kind: 'backreference' | 'lookaround'; construct: string; position: number }
  | { kind: 'syntax'; reason: string; construct: string; position: number }

/**
 * Compiles an operator pattern on RE2 (the re2js port), case-insensitive. RE2 runs in time linear
 * in the text whatever the pattern, so `(a+)+$` on a long group name or message costs microseconds
 * instead of stalling the bot; the price is that backreferences and lookaround, which no
 * linear-time engine can run, are refused here, when the file is loaded.
 */
export function compileOperatorPattern(source: string): OperatorPattern | PatternProblem {
  try {
    const re = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE)
    return { source, test: (text) => re.test(text) }
  } catch (error) {
    if (!(error instanceof RE2JSSyntaxException)) throw error
    return describeProblem(source, error)
  }
}

export function isPatternProblem(value: OperatorPattern | PatternProblem): value is PatternProblem {
  return 'kind' in value
}

function describeProblem(source: string, error: RE2JSSyntaxException): PatternProblem {
  // RE2 names the fragment it stopped at; find it to tell the operator where it is in the pattern.
  let construct = error.input ?? ''
  // Case-insensitivity is a (?i) put in front of the pattern, which RE2 may quote back.
  if (construct.startsWith('(?i)') && !source.includes(construct)) construct = construct.slice(4)
  const found = construct ? source.indexOf(construct) : -1
  const position = found >= 0 ? [...source.slice(0, found)].length + 1 : 1
  if (/^\\(?:[1-9]|k)/.test(construct))
    return { kind: 'backreference', construct: construct.slice(0, 2), position }
  const lookaround = /^\(\?<?[=!]/.exec(construct)
  if (lookaround) return { kind: 'lookaround', construct: lookaround[0], position }
  return { kind: 'syntax', reason: error.error, construct: construct.slice(0, 20), position }
}

/**
 * The same pattern with its answers remembered per text, for patterns that run on group names:
 * a handful of names are tested again on every message of those groups, and a map lookup is
 * cheaper than running the automaton. Bounded: the memory starts over past `max` names.
 */
export function rememberingAnswers(pattern: OperatorPattern, max = 10_000): OperatorPattern {
  const answers = new Map<string, boolean>()
  return {
    source: pattern.source,
    test(text) {
      const known = answers.get(text)
      if (known !== undefined) return known
      if (answers.size >= max) answers.clear()
      const answer = pattern.test(text)
      answers.set(text, answer)
      return answer
    },
  }
}
