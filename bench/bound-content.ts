/**
 * The content an operator would run, written into the bench's temp dir so that every bench group
 * is bound to it: the example SOP (welcome, newcomer tasks, topics with a poll, check-in, points),
 * the example moderation rules with the 5,000-word list added, the example handoff and privacy
 * settings, and the 10,000-entry knowledge base of the FAQ case. Only `match` changes, so that the
 * bench's group names (社群N号·…) are covered.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import type { FeatureDeps } from '../src/core/feature.js'
import type { KbEntry } from '../src/features/faq/schema.js'

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export type ContentPaths = FeatureDeps['content']

export function writeBoundContent(
  dir: string,
  words: readonly string[],
  kb: readonly KbEntry[],
): ContentPaths {
  const content: ContentPaths = {
    sopDir: join(dir, 'sop'),
    kbDir: join(dir, 'knowledge'),
    handoffFile: join(dir, 'handoff.yaml'),
    moderationDir: join(dir, 'moderation'),
    privacyFile: join(dir, 'privacy.yaml'),
    analyticsFile: join(dir, 'analytics.yaml'),
  }
  mkdirSync(content.sopDir, { recursive: true })
  mkdirSync(content.kbDir, { recursive: true })
  mkdirSync(join(content.moderationDir, 'words'), { recursive: true })

  const sop = readFileSync(join(REPO_ROOT, 'sop/example.yaml'), 'utf8')
  const bound = sop.replace(/^( {2}topic: )"\^读书会"/m, '$1"^社群"')
  if (bound === sop) throw new Error('bench: the example SOP no longer has the match line the bench rewrites')
  writeFileSync(join(content.sopDir, 'bench.yaml'), bound)

  copyFileSync(join(REPO_ROOT, 'knowledge/_settings.yaml'), join(content.kbDir, '_settings.yaml'))
  writeFileSync(join(content.kbDir, 'bench.yaml'), stringify(kb))

  for (const file of ['ads.txt', 'abuse.txt']) {
    copyFileSync(join(REPO_ROOT, 'moderation/words', file), join(content.moderationDir, 'words', file))
  }
  writeFileSync(join(content.moderationDir, 'words', 'bench-5000.txt'), words.join('\n'))
  const rules = readFileSync(join(REPO_ROOT, 'moderation/rules.yaml'), 'utf8')
  const withList = rules.replace(
    'files: [words/ads.txt, words/abuse.txt]',
    'files: [words/ads.txt, words/abuse.txt, words/bench-5000.txt]',
  )
  if (withList === rules)
    throw new Error('bench: the example moderation rules no longer list their word files')
  writeFileSync(join(content.moderationDir, 'rules.yaml'), withList)

  copyFileSync(join(REPO_ROOT, 'handoff.yaml'), content.handoffFile)
  copyFileSync(join(REPO_ROOT, 'privacy.yaml'), content.privacyFile)
  copyFileSync(join(REPO_ROOT, 'analytics.yaml'), content.analyticsFile)
  return content
}
