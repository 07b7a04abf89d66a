import { basename, dirname, join } from 'node:path'
import type { z } from 'zod'
import type { ContentProblem } from '../../config/load-yaml.js'
import { parseYamlContent } from '../../config/load-yaml.js'
import { analyticsConfigSchema } from '../../features/analytics/schema.js'
import { faqSettingsSchema, kbFileSchema } from '../../features/faq/schema.js'
import { handoffConfigSchema } from '../../features/handoff/schema.js'
import { moderationRulesSchema } from '../../features/moderation/schema.js'
import { privacyConfigSchema } from '../../features/privacy/schema.js'
import { sopSchema } from '../../features/sop/schema.js'

export const CONFIG_KINDS = ['sop', 'knowledge', 'moderation', 'handoff', 'privacy', 'analytics'] as const
export type ConfigKind = (typeof CONFIG_KINDS)[number]

/** Plain file names only: never a path or a hidden file, so no name reaches outside its folder. */
export const FILE_NAME = /^[A-Za-z0-9_\u4e00-\u9fff-][A-Za-z0-9_.\u4e00-\u9fff-]*\.(yaml|yml|txt)$/

export interface ContentPaths {
  sopDir: string
  kbDir: string
  moderationDir: string
  handoffFile: string
  privacyFile: string
  analyticsFile: string
}

/** Where a kind's files live, and how each is checked (the loaders' own schemas). */
export interface KindRules {
  /** The file's path, or undefined when this kind has no file of that name. */
  path(name: string): string | undefined
  /** Names of the kind's files on disk (a folder's YAML files, or the one settings file). */
  folder: string
  matches(name: string): boolean
  /** Problems with `text` as file `name`; [] when it would load. */
  check(name: string, text: string): ContentProblem[]
  /** Whether the running bot picks up a saved file by itself (folders are watched). */
  hotReload: boolean
}

const yamlName = (name: string) => /\.ya?ml$/.test(name)

function problems<S extends z.ZodType>(name: string, text: string, schema: S): ContentProblem[] {
  const result = parseYamlContent(name, text, schema)
  return result.ok ? [] : result.problems
}

/** One settings file (handoff.yaml, privacy.yaml, analytics.yaml): read at start only. */
function singleFile(file: string, schema: z.ZodType): KindRules {
  const name = basename(file)
  return {
    folder: dirname(file),
    matches: (n) => n === name,
    path: (n) => (n === name ? file : undefined),
    check: (n, text) => problems(n, text, schema),
    hotReload: false,
  }
}

export function kindRules(paths: ContentPaths): Record<ConfigKind, KindRules> {
  const inFolder = (dir: string, accepts: (name: string) => boolean) => ({
    folder: dir,
    matches: accepts,
    path: (name: string) => (accepts(name) ? join(dir, name) : undefined),
    hotReload: true,
  })
  return {
    sop: { ...inFolder(paths.sopDir, yamlName), check: (n, t) => problems(n, t, sopSchema) },
    knowledge: {
      ...inFolder(paths.kbDir, yamlName),
      check: (n, t) => problems(n, t, n === '_settings.yaml' ? faqSettingsSchema : kbFileSchema),
    },
    // rules.yaml, and word lists (one word per line) in its words/ folder.
    moderation: {
      folder: paths.moderationDir,
      matches: (n) => n === 'rules.yaml' || n.endsWith('.txt'),
      path: (n) =>
        n === 'rules.yaml'
          ? join(paths.moderationDir, n)
          : n.endsWith('.txt')
            ? join(paths.moderationDir, 'words', n)
            : undefined,
      check: (n, t) => (n.endsWith('.txt') ? [] : problems(n, t, moderationRulesSchema(paths.moderationDir))),
      hotReload: true,
    },
    handoff: singleFile(paths.handoffFile, handoffConfigSchema),
    privacy: singleFile(paths.privacyFile, privacyConfigSchema),
    analytics: singleFile(paths.analyticsFile, analyticsConfigSchema),
  }
}
