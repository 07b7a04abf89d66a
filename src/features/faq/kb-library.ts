import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { isNode, LineCounter, parseDocument } from 'yaml'
import { type ContentFileStatus, ContentFolder, readContentFile } from '../../config/content-folder.js'
import type { ContentProblem } from '../../config/load-yaml.js'
import { buildIndex, type FaqIndex } from './matcher.js'
import { type FaqSettings, faqSettingsSchema, type KbEntry, kbFileSchema } from './schema.js'

export const SETTINGS_FILE = '_settings.yaml'

/**
 * The knowledge base: every `*.yaml` list of entries in the folder (ids unique across files),
 * plus `_settings.yaml`. Broken files are rejected with file:line:col and their last good version
 * stays live; the search index is rebuilt when the live entries change.
 */
export class KbLibrary {
  private readonly folder: ContentFolder<KbEntry[]>
  private settingsValue: FaqSettings = faqSettingsSchema.parse({})
  private settingsStatus: ContentFileStatus | undefined
  private indexValue: FaqIndex = buildIndex([])
  private indexedFiles = ''

  constructor(private readonly dir: string) {
    this.folder = new ContentFolder(
      dir,
      (file) => readContentFile(file, kbFileSchema),
      (entries) => `${entries.length} entries`,
      (name) => name !== SETTINGS_FILE,
      duplicateIdsAcrossFiles,
    )
  }

  reload(now: number): { problems: ContentProblem[] } {
    const { problems } = this.folder.reload(now)
    const settingsFile = join(this.dir, SETTINGS_FILE)
    const settings = readContentFile(settingsFile, faqSettingsSchema)
    if (settings.ok) {
      this.settingsValue = settings.value
      this.settingsStatus = { file: settingsFile, ok: true, live: 'settings', problems: [], loadedAt: now }
    } else if (!existsSync(settingsFile)) {
      // Deleted settings mean defaults, as after a restart.
      this.settingsValue = faqSettingsSchema.parse({})
      this.settingsStatus = undefined
    } else {
      problems.push(...settings.problems)
      this.settingsStatus = {
        file: settingsFile,
        ok: false,
        live: 'settings',
        problems: settings.problems,
        loadedAt: now,
      }
    }
    const live = this.folder.values()
    const signature = JSON.stringify(live.map((f) => [f.file, f.value]))
    if (signature !== this.indexedFiles) {
      this.indexValue = buildIndex(live.flatMap((f) => f.value))
      this.indexedFiles = signature
    }
    return { problems }
  }

  index(): FaqIndex {
    return this.indexValue
  }

  settings(): FaqSettings {
    return this.settingsValue
  }

  files(): ContentFileStatus[] {
    return [...this.folder.files(), ...(this.settingsStatus ? [this.settingsStatus] : [])]
  }
}

function duplicateIdsAcrossFiles(
  file: string,
  entries: KbEntry[],
  others: Map<string, KbEntry[]>,
): ContentProblem[] {
  const owner = new Map<string, string>()
  for (const [other, list] of others) for (const e of list) owner.set(e.id, other)
  if (!entries.some((e) => owner.has(e.id))) return []
  // The file parsed already; parse it again with positions to point at each clashing id.
  const lineCounter = new LineCounter()
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter })
  return entries.flatMap((e, i) => {
    const other = owner.get(e.id)
    if (other === undefined) return []
    const node = doc.getIn([i, 'id'], true)
    const pos = lineCounter.linePos(isNode(node) ? (node.range?.[0] ?? 0) : 0)
    return [
      {
        file,
        line: pos.line,
        column: pos.col,
        message: `duplicate id "${e.id}": already used in ${basename(other)}`,
      },
    ]
  })
}
