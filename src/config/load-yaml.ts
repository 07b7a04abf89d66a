import { existsSync, readFileSync } from 'node:fs'
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { QunbotError } from '../core/errors.js'

/** One problem in a content file, located for the operator who has to fix it. */
export interface ContentProblem {
  file: string
  line: number
  column: number
  message: string
}

export const formatProblem = (p: ContentProblem): string => `${p.file}:${p.line}:${p.column} ${p.message}`

export type LoadResult<T> = { ok: true; value: T } | { ok: false; problems: ContentProblem[] }

/**
 * Parses YAML text and validates it with a zod schema. Syntax errors and schema violations both
 * come back as `file:line:column message`, pointing at the exact node, so an operator editing a
 * file in a plain editor can find the mistake.
 */
export function parseYamlContent<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): LoadResult<z.output<S>> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const at = (offset: number) => lineCounter.linePos(offset)
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = at(e.pos[0])
        return { file, line: pos.line, column: pos.col, message: firstLine(e.message) }
      }),
    }
  }
  let data: unknown
  try {
    // A small alias budget: "billion laughs" documents expand aliases exponentially.
    data = doc.toJS({ maxAliasCount: 50 })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      problems: [{ file, line: 1, column: 1, message: `cannot read this YAML: ${firstLine(message)}` }],
    }
  }
  let parsed: z.ZodSafeParseResult<z.output<S>>
  try {
    parsed = schema.safeParse(data) as z.ZodSafeParseResult<z.output<S>>
  } catch (error) {
    // A check tripped over a value of an unexpected shape: still a problem report, never a crash.
    const message = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      problems: [{ file, line: 1, column: 1, message: `cannot validate this file: ${firstLine(message)}` }],
    }
  }
  if (parsed.success) return { ok: true, value: parsed.data }
  return {
    ok: false,
    problems: parsed.error.issues.flatMap((issue): ContentProblem[] => {
      // zod reports unknown keys on the parent object; point at each key itself instead.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => {
          const pos = at(
            keyNode(doc, issue.path, key)?.range?.[0] ?? locate(doc, issue.path)?.range?.[0] ?? 0,
          )
          const where = [...issue.path, key].join('.')
          return {
            file,
            line: pos.line,
            column: pos.col,
            message: `${where}: Unrecognized key: "${key}"`,
          }
        })
      }
      const node = locate(doc, issue.path)
      const pos = at(node?.range?.[0] ?? 0)
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
      return [{ file, line: pos.line, column: pos.col, message: `${where}${issue.message}` }]
    }),
  }
}

/** Reads and validates a YAML file; throws QB_CONTENT_INVALID listing every problem. */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new QunbotError('QB_CONTENT_MISSING', `${file}: cannot read file (${(error as Error).message})`)
  }
  const result = parseYamlContent(file, text, schema)
  if (result.ok) return result.value
  throw new QunbotError('QB_CONTENT_INVALID', result.problems.map(formatProblem).join('\n'), result.problems)
}

/** The deepest node that exists along `path`, so a missing key points at its parent. */
function locate(
  doc: ReturnType<typeof parseDocument>,
  path: PropertyKey[],
): { range?: [number, number, number] | null } | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true)
    if (isNode(node)) return node
  }
  return undefined
}

/** The key node of `key` in the map at `path`. */
function keyNode(
  doc: ReturnType<typeof parseDocument>,
  path: PropertyKey[],
  key: string,
): { range?: [number, number, number] | null } | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true)
  if (!isMap(parent)) return undefined
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
  return pair && isNode(pair.key) ? pair.key : undefined
}

const firstLine = (s: string) => s.split('\n')[0] ?? s

/** Like loadYamlFile, but a file that does not exist means the schema's defaults (an empty document). */
export function loadYamlFileOrDefaults<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  return existsSync(file) ? loadYamlFile(file, schema) : schema.parse({})
}
