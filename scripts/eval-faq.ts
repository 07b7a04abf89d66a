/**
 * npm run eval:faq — measures the FAQ matcher on the labelled fixture set and prints precision,
 * recall and false-trigger rate beside the naive "contains any keyword" baseline.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { loadYamlFile } from '../src/config/load-yaml.js'
import { buildIndex, decide } from '../src/features/faq/matcher.js'
import { faqSettingsSchema, type KbEntry, kbFileSchema } from '../src/features/faq/schema.js'

const kbFile = process.argv[2] ?? 'knowledge/example.yaml'
const evalFile = process.argv[3] ?? 'test/fixtures/faq-eval.yaml'
const evalSchema = z.strictObject({
  positives: z.array(z.strictObject({ text: z.string(), expect: z.string() })),
  negatives: z.array(z.union([z.string(), z.number()]).transform(String)),
})

const entries = loadYamlFile(kbFile, kbFileSchema)
const settings = loadYamlFile(kbFile.replace(/[^/]+$/, '_settings.yaml'), faqSettingsSchema)
const set = evalSchema.parse(parse(readFileSync(evalFile, 'utf8')))
const index = buildIndex(entries)

type Outcome = { answered: string | undefined }
const ours = (text: string): Outcome => {
  const d = decide(index, text, { mentioned: false, threshold: settings.threshold, margin: settings.margin })
  return { answered: d.kind === 'answer' ? d.entry.id : undefined }
}
/** Today's common bot rule: answer the first entry any of whose keywords the message contains. */
const baseline = (text: string): Outcome => ({
  answered: entries.find((e: KbEntry) => e.keywords.some((k) => text.toLowerCase().includes(k.toLowerCase())))
    ?.id,
})

function score(run: (text: string) => Outcome) {
  let correct = 0
  let answered = 0
  const misses: string[] = []
  for (const p of set.positives) {
    const { answered: id } = run(p.text)
    if (id !== undefined) answered++
    if (id === p.expect) correct++
    else misses.push(`  ${p.expect.padEnd(16)} ${id ? `-> ${id}` : '(silent)'}  ${p.text}`)
  }
  let falseTriggers = 0
  const triggered: string[] = []
  for (const n of set.negatives) {
    const { answered: id } = run(n)
    if (id !== undefined) {
      falseTriggers++
      answered++
      triggered.push(`  -> ${id.padEnd(16)} ${n}`)
    }
  }
  return {
    precision: correct / Math.max(1, answered),
    recall: correct / set.positives.length,
    falseTrigger: falseTriggers / set.negatives.length,
    misses,
    triggered,
  }
}

const q = score(ours)
const b = score(baseline)
const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7)
console.log(
  `FAQ evaluation: ${entries.length} entries, ${set.positives.length} labelled questions, ${set.negatives.length} negatives`,
)
console.log(`threshold ${settings.threshold}, margin ${settings.margin}\n`)
console.log('                   qunbot   keyword baseline   target')
console.log(`precision         ${pct(q.precision)}   ${pct(b.precision)}            >= 95%`)
console.log(`recall            ${pct(q.recall)}   ${pct(b.recall)}            >= 85%`)
console.log(`false triggers    ${pct(q.falseTrigger)}   ${pct(b.falseTrigger)}            <= 3%`)
if (process.argv.includes('--verbose')) {
  console.log(`\nmissed or wrong (${q.misses.length}):\n${q.misses.join('\n')}`)
  console.log(`\nanswered negatives (${q.triggered.length}):\n${q.triggered.join('\n')}`)
}
const met = q.precision >= 0.95 && q.recall >= 0.85 && q.falseTrigger <= 0.03
console.log(met ? '\nall targets met' : '\nTARGETS NOT MET')
process.exitCode = met ? 0 : 1
