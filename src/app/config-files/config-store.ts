import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import type { ContentProblem } from '../../config/load-yaml.js'
import type { Db } from '../../db/client.js'
import { CONFIG_KINDS, type ConfigKind, type ContentPaths, kindRules } from './config-kinds.js'

/** Versions kept per file. */
const KEEP = 20
/** Larger texts are refused before parsing (the loaders refuse them too). */
export const MAX_TEXT_BYTES = 1024 * 1024

export const versionOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16)

export interface ConfigFile {
  kind: ConfigKind
  name: string
  version: string
  updatedAt: number
  problems: Pick<ContentProblem, 'line' | 'column' | 'message'>[]
}

export type SaveResult =
  | { ok: true; version: string; live: boolean }
  | { ok: false; status: 409; current?: { text: string; version: string } }
  | { ok: false; status: 422; problems: ConfigFile['problems'] }
  | { ok: false; status: 404 | 400; reason: string }

const located = (problems: ContentProblem[]) =>
  problems.map(({ line, column, message }) => ({ line, column, message }))

/**
 * Operators' files through the API: read, checked with the loaders' schemas, written atomically
 * (temp file + rename, so the folder watchers, git and hand edits keep working), with the last
 * 20 versions of each kept in config_versions. A save names the version it edits: another
 * operator's save in between is a 409, not a silent overwrite.
 */
export function createConfigStore(db: Db, paths: ContentPaths, clock: { now(): number }) {
  const rules = kindRules(paths)
  const sql = db.$client
  const q = {
    add: sql.prepare(
      'INSERT INTO config_versions (kind, name, version, text, saved_at, saved_by) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    trim: sql.prepare(
      `DELETE FROM config_versions WHERE kind = ? AND name = ? AND id NOT IN (
         SELECT id FROM config_versions WHERE kind = ? AND name = ? ORDER BY id DESC LIMIT ${KEEP})`,
    ),
    history: sql.prepare(
      'SELECT version, saved_at AS savedAt, saved_by AS savedBy FROM config_versions WHERE kind = ? AND name = ? ORDER BY id DESC',
    ),
    byVersion: sql.prepare(
      'SELECT text FROM config_versions WHERE kind = ? AND name = ? AND version = ? ORDER BY id DESC LIMIT 1',
    ),
  }
  const pathOf = (kind: ConfigKind, name: string) => rules[kind].path(name)
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined)

  const describe = (kind: ConfigKind, name: string, path: string): ConfigFile => {
    const text = readFileSync(path, 'utf8')
    return {
      kind,
      name,
      version: versionOf(text),
      updatedAt: statSync(path).mtimeMs,
      problems: located(rules[kind].check(name, text)),
    }
  }

  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true })
    const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`
    writeFileSync(temp, text)
    renameSync(temp, path)
  }

  const record = (kind: ConfigKind, name: string, text: string, by: string) => {
    const version = versionOf(text)
    q.add.run(kind, name, version, text, clock.now(), by)
    q.trim.run(kind, name, kind, name)
    return version
  }

  return {
    list(): ConfigFile[] {
      const files: ConfigFile[] = []
      for (const kind of CONFIG_KINDS) {
        const r = rules[kind]
        const folders = kind === 'moderation' ? [r.folder, join(r.folder, 'words')] : [r.folder]
        for (const folder of folders) {
          if (!existsSync(folder)) continue
          for (const name of readdirSync(folder).sort()) {
            const path = r.matches(name) ? r.path(name) : undefined
            if (path && path === join(folder, name) && statSync(path).isFile())
              files.push(describe(kind, name, path))
          }
        }
      }
      return files
    },

    get(
      kind: ConfigKind,
      name: string,
    ): { text: string; version: string; problems: ConfigFile['problems'] } | undefined {
      const path = pathOf(kind, name)
      const text = path ? read(path) : undefined
      if (text === undefined) return undefined
      return { text, version: versionOf(text), problems: located(rules[kind].check(name, text)) }
    },

    /** Saves `text`; `version` is the one the editor started from (absent: create a new file). */
    save(kind: ConfigKind, name: string, text: string, version: string | undefined, by: string): SaveResult {
      const path = pathOf(kind, name)
      if (!path) return { ok: false, status: 400, reason: `${name} is not a ${kind} file name` }
      if (Buffer.byteLength(text) > MAX_TEXT_BYTES)
        return {
          ok: false,
          status: 422,
          problems: [{ line: 1, column: 1, message: `larger than ${MAX_TEXT_BYTES} bytes` }],
        }
      const current = read(path)
      if (current === undefined ? version !== undefined : version !== versionOf(current))
        return {
          ok: false,
          status: 409,
          ...(current === undefined ? {} : { current: { text: current, version: versionOf(current) } }),
        }
      const found = rules[kind].check(name, text)
      if (found.length > 0) return { ok: false, status: 422, problems: located(found) }
      // The version saved over is kept too, when it was never saved through here (a hand edit).
      if (current !== undefined && q.byVersion.get(kind, name, versionOf(current)) === undefined)
        record(kind, name, current, 'file')
      write(path, text)
      return { ok: true, version: record(kind, name, text, by), live: rules[kind].hotReload }
    },

    remove(kind: ConfigKind, name: string): boolean {
      const path = pathOf(kind, name)
      if (!path || !existsSync(path)) return false
      unlinkSync(path)
      return true
    },

    history(kind: ConfigKind, name: string): { version: string; savedAt: number; savedBy: string }[] {
      return q.history.all(kind, name) as { version: string; savedAt: number; savedBy: string }[]
    },

    /** Saves a kept version again as the newest (checked like any save). */
    restore(kind: ConfigKind, name: string, version: string, by: string): SaveResult {
      const old = q.byVersion.get(kind, name, version) as { text: string } | undefined
      if (!old) return { ok: false, status: 404, reason: `no version ${version} of ${kind}/${name}` }
      const current = this.get(kind, name)
      return this.save(kind, name, old.text, current?.version, by)
    },
  }
}

export type ConfigStore = ReturnType<typeof createConfigStore>
