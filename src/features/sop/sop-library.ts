import { type ContentFileStatus, ContentFolder, readContentFile } from '../../config/content-folder.js'
import type { ContentProblem } from '../../config/load-yaml.js'
import { type SopDefinition, sopSchema } from './schema.js'

export type SopFileStatus = ContentFileStatus

export interface LoadedSop {
  file: string
  sop: SopDefinition
}

export { listYaml } from '../../config/content-folder.js'

/** Validates one SOP file without touching any live state (for `qunbot sop check`). */
export function readSop(
  file: string,
): { ok: true; value: SopDefinition } | { ok: false; problems: ContentProblem[] } {
  return readContentFile(file, sopSchema)
}

/** The SOP files of one folder: the last good version of each stays live (see ContentFolder). */
export class SopLibrary {
  private readonly folder: ContentFolder<SopDefinition>

  constructor(dir: string) {
    this.folder = new ContentFolder(dir, readSop, (sop) => sop.name)
  }

  reload(now: number): { problems: ContentProblem[] } {
    return this.folder.reload(now)
  }

  /** Live SOPs in file name order, which is also the order `match` is tried in. */
  sops(): LoadedSop[] {
    return this.folder.values().map(({ file, value }) => ({ file, sop: value }))
  }

  files(): SopFileStatus[] {
    return this.folder.files()
  }
}
