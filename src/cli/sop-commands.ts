import { existsSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DateTime } from 'luxon'
import { formatProblem } from '../config/load-yaml.js'
import { formatPreview, previewSop } from '../features/sop/preview.js'
import type { SopDefinition } from '../features/sop/schema.js'
import { listYaml, readSop } from '../features/sop/sop-library.js'
import { parseLocalDateTime } from '../scheduler/calendar.js'
import type { CliCommand } from './commands.js'

/** `qunbot sop check [dir|file]`: every problem as file:line:col, exit 1 if any. */
export const sopCheckCommand: CliCommand = {
  name: ['sop', 'check'],
  usage: 'sop check [dir|file]',
  summary: 'validate SOP files; prints every problem as file:line:column',
  async run(args) {
    const target = args[0] ?? process.env.QUNBOT_SOP_DIR ?? './sop'
    if (!existsSync(target)) {
      console.error(`qunbot: ${target}: no such file or folder`)
      return 2
    }
    const files = statSync(target).isDirectory() ? listYaml(target) : [target]
    if (files.length === 0) {
      console.error(`qunbot: ${target}: no .yaml files`)
      return 1
    }
    let failed = 0
    for (const file of files) {
      const result = readSop(file)
      if (result.ok) {
        console.log(`ok    ${file}: ${summarize(result.value)}`)
        continue
      }
      failed++
      for (const problem of result.problems) console.log(formatProblem(problem))
    }
    console.log(
      failed === 0 ? `\n${files.length} file(s) OK` : `\n${failed} of ${files.length} file(s) have problems`,
    )
    return failed === 0 ? 0 : 1
  },
}

/** `qunbot sop preview <file> --days 7 [--group NAME] [--from "YYYY-MM-DD HH:mm"]`. */
export const sopPreviewCommand: CliCommand = {
  name: ['sop', 'preview'],
  usage: 'sop preview <file> [--days 7] [--group NAME] [--from "YYYY-MM-DD HH:mm"]',
  summary: 'print the timeline of what an SOP will post, in its time zone, without sending',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        days: { type: 'string', default: '7' },
        group: { type: 'string' },
        from: { type: 'string' },
      },
    })
    const file = positionals[0]
    const days = Number(values.days)
    if (!file || !Number.isInteger(days) || days < 1 || days > 366) {
      console.error(
        'usage: qunbot sop preview <file> [--days 1..366] [--group NAME] [--from "YYYY-MM-DD HH:mm"]',
      )
      return 2
    }
    const result = readSop(file)
    if (!result.ok) {
      for (const problem of result.problems) console.error(formatProblem(problem))
      return 1
    }
    const sop = result.value
    const from = values.from ? parseLocalDateTime(values.from, sop.timezone) : Date.now()
    if (from === undefined) {
      console.error(`qunbot: --from "${values.from}" is not a date and time; write YYYY-MM-DD HH:mm`)
      return 2
    }
    const group = values.group ?? '<群名>'
    if (values.group && sop.match.topic && !sop.match.topic.test(values.group)) {
      console.log(
        `note: a group named "${values.group}" does not match this SOP's topic pattern /${sop.match.topic.source}/`,
      )
    }
    const start = DateTime.fromMillis(from, { zone: sop.timezone }).toFormat('yyyy-MM-dd HH:mm')
    console.log(`${sop.name}: ${days} day(s) from ${start} (${sop.timezone})\n`)
    const lines = previewSop(sop, from, days, group)
    console.log(lines.length > 0 ? formatPreview(lines, sop.timezone) : '(nothing scheduled in this period)')
    return 0
  },
}

function summarize(sop: SopDefinition): string {
  const parts = [
    sop.name,
    sop.match.topic
      ? `groups matching /${sop.match.topic.source}/`
      : `${sop.match.groups?.length ?? 0} listed group(s)`,
    sop.welcome ? 'welcome' : undefined,
    sop.newcomer ? `${sop.newcomer.tasks.length} newcomer task(s)` : undefined,
    sop.topics.length > 0 ? `${sop.topics.length} topic(s)` : undefined,
    sop.checkin ? 'check-in' : undefined,
  ]
  return parts.filter(Boolean).join(', ')
}
