import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { type ContentProblem, parseYamlContent } from '../../config/load-yaml.js'
import { type SopDefinition, sopSchema } from './schema.js'

export interface SopFileStatus {
  file: string
  /** True when the file's current text is valid and live. */
  ok: boolean
  /** The SOP name of the version that is live (the last good one when the current text is broken). */
  live?: string
  problems: ContentProblem[]
  loadedAt: number
}

export interface LoadedSop {
  file: string
  sop: SopDefinition
}

/** Largest SOP file read; anything bigger is a mistake (or an attack), not an SOP. */
const MAX_FILE_BYTES = 512 * 1024

/**
 * The SOP files of one folder. `reload` reads every `*.yaml`/`*.yml`; a valid file replaces its
 * live version, an invalid one is reported and its last good version stays live, and a deleted
 * file stops. Files are kept in name order, which is also the order `match` is tried in.
 */
export class SopLibrary {
  private readonly live = new Map<string, SopDefinition>()
  private readonly status = new Map<string, SopFileStatus>()

  constructor(private readonly dir: string) {}

  reload(now: number): { changed: boolean; problems: ContentProblem[] } {
    const files = listYaml(this.dir)
    let changed = false
    for (const known of [...this.live.keys()]) {
      if (!files.includes(known)) {
        this.live.delete(known)
        changed = true
      }
    }
    for (const known of [...this.status.keys()]) if (!files.includes(known)) this.status.delete(known)
    const problems: ContentProblem[] = []
    for (const file of files) {
      const result = readSop(file)
      if (result.ok) {
        this.live.set(file, result.value)
        changed = true
        this.status.set(file, { file, ok: true, live: result.value.name, problems: [], loadedAt: now })
      } else {
        problems.push(...result.problems)
        const previous = this.live.get(file)
        this.status.set(file, {
          file,
          ok: false,
          ...(previous ? { live: previous.name } : {}),
          problems: result.problems,
          loadedAt: now,
        })
      }
    }
    return { changed, problems }
  }

  sops(): LoadedSop[] {
    return [...this.live.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([file, sop]) => ({ file, sop }))
  }

  files(): SopFileStatus[] {
    return [...this.status.values()].sort((a, b) => a.file.localeCompare(b.file))
  }
}

/** Validates one SOP file without touching any live state (for `qunbot sop check`). */
export function readSop(
  file: string,
): { ok: true; value: SopDefinition } | { ok: false; problems: ContentProblem[] } {
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
  return parseYamlContent(file, text, sopSchema)
}

export function listYaml(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.ya?ml$/i.test(name))
      .sort()
      .map((name) => join(dir, name))
  } catch {
    return []
  }
}
