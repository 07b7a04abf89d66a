import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { formatProblem, parseYamlContent } from '../config/load-yaml.js'
import { silentLogger } from '../core/logger.js'
import { openDatabase } from '../db/client.js'
import { csvToEntries, entriesToYaml } from '../features/faq/csv-import.js'
import { describeDecision } from '../features/faq/describe-decision.js'
import { FaqService } from '../features/faq/faq-service.js'
import { createGapReport } from '../features/faq/gap-report.js'
import { KbLibrary } from '../features/faq/kb-library.js'
import { kbFileSchema } from '../features/faq/schema.js'
import type { CliCommand } from './commands.js'

/**
 * `qunbot faq ask --kb <dir> [--mention] [--json] "<text>"` (or `--stdin`, one message per line):
 * the decision the bot would make for each message in a group. A contract docs and tests use.
 */
export const faqAskCommand: CliCommand = {
  name: ['faq', 'ask'],
  usage: 'faq ask [--kb dir] [--mention] [--json] [--stdin] "<text>"',
  summary: 'print what the bot would answer to a group message (nothing is sent)',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        kb: { type: 'string', default: process.env.QUNBOT_KB_DIR ?? './knowledge' },
        mention: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        stdin: { type: 'boolean', default: false },
      },
    })
    if (!existsSync(values.kb)) {
      console.error(`qunbot: knowledge folder ${values.kb} does not exist`)
      return 2
    }
    if (!values.stdin && positionals.length === 0) {
      console.error('usage: qunbot faq ask [--kb dir] [--mention] [--json] [--stdin] "<text>"')
      return 2
    }
    const library = new KbLibrary(values.kb)
    const { problems } = library.reload(Date.now())
    for (const p of problems) console.error(formatProblem(p))
    const service = new FaqService(library, { record() {}, flush() {}, clusters: () => [] }, silentLogger)
    const answer = (text: string) => {
      const described = describeDecision(service.decide(text, values.mention))
      if (values.json) return JSON.stringify(described)
      return described.match
        ? `answer ${described.match.id} (${described.match.score}): ${described.match.answer.replace(/\n/g, ' ')}`
        : `silent: ${described.reason}`
    }
    if (!values.stdin) {
      console.log(answer(positionals.join(' ')))
      return 0
    }
    const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })
    for await (const line of lines)
      process.stdout.write(
        `${line.trim() === '' ? (values.json ? '{"match":null,"reason":"empty"}' : 'silent: empty') : answer(line)}\n`,
      )
    return 0
  },
}

/** `qunbot faq gaps [--days 30] [--limit 20]`: unanswered questions, grouped, from the bot's database. */
export const faqGapsCommand: CliCommand = {
  name: ['faq', 'gaps'],
  usage: 'faq gaps [--days 30] [--limit 20] [--json]',
  summary: 'list the most asked questions the bot could not answer',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        days: { type: 'string', default: '30' },
        limit: { type: 'string', default: '20' },
        json: { type: 'boolean', default: false },
      },
    })
    const file = join(process.env.QUNBOT_DATA_DIR ?? './data', 'qunbot.sqlite')
    if (!existsSync(file)) {
      console.error(`qunbot: no database at ${file} (set QUNBOT_DATA_DIR)`)
      return 2
    }
    const db = openDatabase(file)
    const clusters = createGapReport(db).clusters(
      Date.now() - Number(values.days) * 86_400_000,
      Number(values.limit),
    )
    db.$client.close()
    if (values.json) console.log(JSON.stringify({ clusters }))
    else if (clusters.length === 0) console.log('no unanswered questions in this period')
    else
      for (const c of clusters)
        console.log(
          `${String(c.count).padStart(4)}  ${c.words.join(' ')}\n      e.g. ${c.examples.join(' / ')}`,
        )
    return 0
  },
}

/** `qunbot faq import file.csv [--out knowledge/imported.yaml]`: a spreadsheet export to a knowledge file. */
export const faqImportCommand: CliCommand = {
  name: ['faq', 'import'],
  usage: 'faq import <file.csv> [--out knowledge/imported.yaml]',
  summary: 'convert a UTF-8 spreadsheet export (CSV) into a knowledge file, validated',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string' } },
    })
    const input = positionals[0]
    if (!input || !existsSync(input)) {
      console.error('usage: qunbot faq import <file.csv> [--out knowledge/imported.yaml]')
      return 2
    }
    const { entries, problems } = csvToEntries(readFileSync(input, 'utf8'))
    for (const p of problems) console.error(`${input}: ${p}`)
    if (problems.length > 0) return 1
    const yaml = entriesToYaml(entries)
    const out = values.out ?? input.replace(/\.csv$/i, '.yaml')
    const checked = parseYamlContent(out, yaml, kbFileSchema)
    if (!checked.ok) {
      // YAML lines map to entries, not CSV lines; name the entry so the operator finds the row.
      for (const p of checked.problems) console.error(formatProblem(p))
      return 1
    }
    writeFileSync(out, yaml)
    console.log(`wrote ${entries.length} entries to ${out}`)
    return 0
  },
}
