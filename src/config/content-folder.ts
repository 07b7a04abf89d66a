import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { z } from 'zod'
import { type ContentProblem, parseYamlContent } from './load-yaml.js'

export interface ContentFileStatus {
  file: string
  /** True when the file's current text is valid and live. */
  ok: boolean
  /** A label of the version that is live (the last good one when the current text is broken). */
  live?: string
  problems: ContentProblem[]
  loadedAt: number
}

/** Largest content file read; anything bigger is a mistake (or an attack), not operator content. */
const MAX_FILE_BYTES = 2 * 1024 * 1024

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problems: ContentProblem[] }

/** Reads and validates one YAML file without touching any live state. */
export function readContentFile<S extends z.ZodType>(file: string, schema: S): ReadResult<z.output<S>> {
  let text: string
  try {
    if (statSync(file).size > MAX_FILE_BYTES) {
      return {
        ok: false,
        problems: [{ file, line: 1, column: 1, message: `file is larger than ${MAX_FILE_BYTES} bytes` }],
      }
    }
    text = readFileSync(file, 'utf8')
  } catch (error) {
    return {
      ok: false,
      problems: [{ file, line: 1, column: 1, message: `cannot read file: ${(error as Error).message}` }],
    }
  }
  return parseYamlContent(file, text, schema)
}

export function listYaml(dir: string, include: (name: string) => boolean = () => true): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.ya?ml$/i.test(name) && include(name))
      .sort()
      .map((name) => join(dir, name))
  } catch {
    return []
  }
}

/**
 * The operator files of one folder, each validated on its own. `reload` reads every YAML file; a
 * valid file replaces its live version, an invalid one is reported and its last good version
 * stays live, and a deleted file stops. `crossCheck` can reject a valid file for what other files
 * hold (duplicate ids across files). Files are kept in name order.
 */
export class ContentFolder<T> {
  private readonly live = new Map<string, T>()
  private readonly status = new Map<string, ContentFileStatus>()

  constructor(
    private readonly dir: string,
    private readonly read: (file: string) => ReadResult<T>,
    private readonly label: (value: T) => string,
    private readonly include: (name: string) => boolean = () => true,
    private readonly crossCheck?: (file: string, value: T, others: Map<string, T>) => ContentProblem[],
  ) {}

  reload(now: number): { problems: ContentProblem[] } {
    const files = listYaml(this.dir, this.include)
    for (const known of [...this.live.keys()]) if (!files.includes(known)) this.live.delete(known)
    for (const known of [...this.status.keys()]) if (!files.includes(known)) this.status.delete(known)
    const problems: ContentProblem[] = []
    for (const file of files) {
      const read = this.read(file)
      const crossProblems =
        read.ok && this.crossCheck ? this.crossCheck(file, read.value, this.others(file)) : []
      if (read.ok && crossProblems.length === 0) {
        this.live.set(file, read.value)
        this.status.set(file, { file, ok: true, live: this.label(read.value), problems: [], loadedAt: now })
        continue
      }
      const fileProblems = read.ok ? crossProblems : read.problems
      problems.push(...fileProblems)
      const previous = this.live.get(file)
      this.status.set(file, {
        file,
        ok: false,
        ...(previous ? { live: this.label(previous) } : {}),
        problems: fileProblems,
        loadedAt: now,
      })
    }
    return { problems }
  }

  values(): { file: string; value: T }[] {
    return [...this.live.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, value]) => ({ file, value }))
  }

  files(): ContentFileStatus[] {
    return [...this.status.values()].sort((a, b) => a.file.localeCompare(b.file))
  }

  private others(file: string): Map<string, T> {
    return new Map([...this.live].filter(([f]) => f !== file))
  }
}
