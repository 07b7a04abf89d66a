import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readContentFile } from '../../config/content-folder.js'
import { findByMatch } from '../../config/content-schema.js'
import type { ContentProblem } from '../../config/load-yaml.js'
import type { Member, Room } from '../../core/types.js'
import { type ModerationProfile, type ModerationRules, moderationRulesSchema } from './schema.js'
import { WordFilter } from './word-filter.js'

export const RULES_FILE = 'rules.yaml'

export interface CompiledProfile {
  profile: ModerationProfile
  words: WordFilter
}

interface Live {
  rules: ModerationRules
  profiles: CompiledProfile[]
  whitelistIds: Set<string>
  whitelistNames: Set<string>
  loadedAt: number
}

/** Reads a word list: one word per line, `#` starts a comment, blank lines ignored. */
export function readWordList(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0)
}

/**
 * The moderation rules of `moderation/rules.yaml` with their word lists, compiled. A reload that
 * finds a problem keeps the last good rules live and reports file:line:column; without the
 * folder (or the file) nothing is moderated.
 */
export class RuleBook {
  private live: Live | undefined
  private lastProblems: ContentProblem[] = []

  constructor(private readonly dir: string) {}

  get enabled(): boolean {
    return this.live !== undefined
  }

  get problems(): ContentProblem[] {
    return this.lastProblems
  }

  reload(now: number): { ok: boolean; problems: ContentProblem[] } {
    const file = join(this.dir, RULES_FILE)
    if (!existsSync(file)) {
      this.live = undefined
      this.lastProblems = []
      return { ok: true, problems: [] }
    }
    const read = readContentFile(file, moderationRulesSchema(this.dir))
    if (!read.ok) {
      this.lastProblems = read.problems
      return { ok: false, problems: read.problems }
    }
    const rules = read.value
    let profiles: CompiledProfile[]
    try {
      profiles = rules.profiles.map((profile) => ({
        profile,
        words: new WordFilter([
          ...(profile.words?.files ?? []).flatMap((f) => readWordList(join(this.dir, f))),
          ...(profile.words?.list ?? []),
        ]),
      }))
    } catch (error) {
      // A list removed or made unreadable between the check and the read.
      this.lastProblems = [
        { file, line: 1, column: 1, message: `a word list cannot be read: ${(error as Error).message}` },
      ]
      return { ok: false, problems: this.lastProblems }
    }
    this.live = {
      rules,
      profiles,
      whitelistIds: new Set(rules.whitelist.ids),
      whitelistNames: new Set(rules.whitelist.names),
      loadedAt: now,
    }
    this.lastProblems = []
    return { ok: true, problems: [] }
  }

  /** The profile for a group: by match (ids first, then topic), else the one without match. */
  profileFor(room: Room): CompiledProfile | undefined {
    if (!this.live) return undefined
    const { profiles } = this.live
    return findByMatch(room, profiles, (p) => p.profile.match) ?? profiles.find((p) => !p.profile.match)
  }

  /** Every profile naming this ban list. */
  profilesWithBanList(list: string): CompiledProfile[] {
    return (this.live?.profiles ?? []).filter((p) => p.profile.banList === list)
  }

  /**
   * Never actioned. By id, or by name for the rules; a ban is lifted by id only, since anyone can
   * take a whitelisted name as their group nickname.
   */
  isWhitelisted(member: Member, forBan = false): boolean {
    if (!this.live) return false
    return this.live.whitelistIds.has(member.id) || (!forBan && this.live.whitelistNames.has(member.name))
  }

  summary(): { loadedAt?: number; profiles: { name: string; words: number; banList?: string }[] } {
    if (!this.live) return { profiles: [] }
    return {
      loadedAt: this.live.loadedAt,
      profiles: this.live.profiles.map((p) => ({
        name: p.profile.name,
        words: p.words.words.length,
        ...(p.profile.banList ? { banList: p.profile.banList } : {}),
      })),
    }
  }
}
