import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { contentMessage } from '../../src/config/content-messages.js'
import { TEXT_LIMITS } from '../../src/config/content-schema.js'
import { type ContentProblem, formatProblem, parseYamlContent } from '../../src/config/load-yaml.js'
import { sopSchema } from '../../src/features/sop/schema.js'
import { readSop } from '../../src/features/sop/sop-library.js'

const EXAMPLE = fileURLToPath(new URL('../../sop/example.yaml', import.meta.url))

const dir = mkdtempSync(join(tmpdir(), 'qunbot-sop-schema-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let fileCount = 0
/** Writes `text` to a fresh file in the temp dir and validates it the way `qunbot sop check` does. */
function check(text: string): { file: string; result: ReturnType<typeof readSop> } {
  const file = join(dir, `sop-${++fileCount}.yaml`)
  writeFileSync(file, text)
  return { file, result: readSop(file) }
}

function problemsOf(result: ReturnType<typeof readSop>): ContentProblem[] {
  if (result.ok) throw new Error('expected the file to be rejected, but it loaded')
  return result.problems
}

/** 1-based line and column (UTF-16 units, as the loader counts) of the n-th occurrence of `needle`. */
function at(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let offset = -1
  for (let i = 0; i < occurrence; i++) {
    offset = text.indexOf(needle, offset + 1)
    if (offset < 0) throw new Error(`test bug: "${needle}" (#${occurrence}) is not in the YAML`)
  }
  const before = text.slice(0, offset)
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') }
}

// Lines 1-3 of every file below: the smallest valid SOP.
const BASE = 'name: t\nmatch:\n  topic: "^a"\n'
const TOPIC = '  - id: ok\n    cron: "0 20 * * 1"\n    text: hi\n'

interface Mistake {
  name: string
  yaml: string
  /** The text the problem must point at (its first character). */
  needle: string
  occurrence?: number
  /** The whole message after `file:line:col `, or a pattern for the parts owned by other libraries. */
  message: string | RegExp
}

const mistakes: Mistake[] = [
  {
    name: 'unknown top-level key (welcom)',
    yaml: `${BASE}welcom:\n  text: hi\n`,
    needle: 'welcom',
    message: /^(welcom: )?Unrecognized key: "welcom"$/,
  },
  {
    name: 'unknown key inside a task (point)',
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: intro\n      title: say hi\n      point: 3\n`,
    needle: 'point',
    message: /^newcomer\.tasks\.0(\.point)?: Unrecognized key: "point"$/,
  },
  {
    name: 'bad cron (hour 25)',
    yaml: `${BASE}topics:\n  - id: a\n    cron: "0 25 * * 1"\n    text: hi\n`,
    needle: '"0 25 * * 1"',
    message: 'topics.0.cron: bad cron "0 25 * * 1": Constraint error, got value 25 expected range 0-23',
  },
  {
    name: '6-field cron',
    yaml: `${BASE}topics:\n${TOPIC}  - id: b\n    cron: "0 0 20 * * 1"\n    text: hi\n`,
    needle: '"0 0 20 * * 1"',
    message:
      'topics.1.cron: bad cron "0 0 20 * * 1": expected 5 fields (minute hour day-of-month month day-of-week), got 6',
  },
  {
    name: 'bad cron in checkin.reminder',
    yaml: `${BASE}checkin:\n  keywords: [打卡]\n  reply: ok\n  already: ok\n  reminder:\n    cron: "0 21 * *"\n    text: hi\n`,
    needle: '"0 21 * *"',
    message:
      'checkin.reminder.cron: bad cron "0 21 * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4',
  },
  {
    name: 'bad duration (60 seconds)',
    yaml: `${BASE}welcome:\n  batchWindow: 60 seconds\n  text: hi\n`,
    needle: '60 seconds',
    message:
      'welcome.batchWindow: "60 seconds" is not a duration; write a number and a unit: 60s, 30m, 24h, 3d, 2w',
  },
  {
    name: 'zero duration (0s)',
    yaml: `${BASE}welcome:\n  text: hi\n  notAgainWithin: 0s\n`,
    needle: '0s',
    message:
      'welcome.notAgainWithin: "0s" is not a duration; write a number and a unit: 60s, 30m, 24h, 3d, 2w',
  },
  {
    name: 'bad duration in a poll (closesAfter: 1.5h)',
    yaml: `${BASE}topics:\n  - id: p\n    cron: "0 18 * * 5"\n    poll:\n      question: q\n      options: ["1", "2"]\n      closesAfter: 1.5h\n      result: r\n`,
    needle: '1.5h',
    message:
      'topics.0.poll.closesAfter: "1.5h" is not a duration; write a number and a unit: 60s, 30m, 24h, 3d, 2w',
  },
  {
    name: 'bad regex in match.topic',
    yaml: 'name: t\nmatch:\n  topic: "(abc"\n',
    needle: '"(abc"',
    message: `match.topic: ${contentMessage('pattern_syntax', { position: 1, reason: 'missing closing )', construct: '(abc' })}`,
  },
  {
    name: "bad regex in a task's done.regex",
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: intro\n      title: say hi\n      done: { regex: "[z-a]" }\n`,
    needle: '"[z-a]"',
    message: `newcomer.tasks.0.done.regex: ${contentMessage('pattern_syntax', { position: 2, reason: 'invalid character class range', construct: 'z-a' })}`,
  },
  {
    // No linear-time engine runs a backreference: refused at load rather than run by backtracking.
    name: "a backreference in a task's done.regex",
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: intro\n      title: say hi\n      done:\n        regex: '^(\\w+)\\s\\1$'\n`,
    needle: "'^(",
    message: `newcomer.tasks.0.done.regex: ${contentMessage('pattern_backreference', { position: 9, construct: '\\1' })}`,
  },
  {
    name: 'a lookahead in match.topic',
    yaml: 'name: t\nmatch:\n  topic: "^读书会(?=二期)"\n',
    needle: '"^读书会',
    message: `match.topic: ${contentMessage('pattern_lookaround', { position: 5, construct: '(?=' })}`,
  },
  {
    name: 'a lookbehind in match.topic',
    yaml: 'name: t\nmatch:\n  topic: "(?<!旧)读书会"\n',
    needle: '"(?<!',
    message: `match.topic: ${contentMessage('pattern_lookaround', { position: 1, construct: '(?<!' })}`,
  },
  {
    name: `a welcome text over ${TEXT_LIMITS.long} characters`,
    yaml: `${BASE}welcome:\n  batchWindow: 60s\n  text: "${'欢迎'.repeat(TEXT_LIMITS.long / 2)}!"\n`,
    needle: '"欢迎',
    message: `welcome.text: ${contentMessage('text_too_long', { length: TEXT_LIMITS.long + 1, max: TEXT_LIMITS.long })}`,
  },
  {
    name: `a check-in reply over ${TEXT_LIMITS.message} characters`,
    yaml: `${BASE}checkin:\n  keywords: [打卡]\n  reply: ${'好'.repeat(TEXT_LIMITS.message + 1)}\n  already: ok\n`,
    needle: '好',
    message: `checkin.reply: ${contentMessage('text_too_long', { length: TEXT_LIMITS.message + 1, max: TEXT_LIMITS.message })}`,
  },
  {
    name: `a task title over ${TEXT_LIMITS.label} characters`,
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: intro\n      title: ${'t'.repeat(TEXT_LIMITS.label + 1)}\n`,
    needle: 'ttt',
    message: `newcomer.tasks.0.title: ${contentMessage('text_too_long', { length: TEXT_LIMITS.label + 1, max: TEXT_LIMITS.label })}`,
  },
  {
    name: 'unknown template variable in welcome.text',
    yaml: `${BASE}welcome:\n  text: "欢迎 {mention} 加入{group}"\n`,
    needle: '"欢迎',
    message:
      'welcome.text: unknown template variable {mention}; this text can use {mentions} {names} {count} {group} {tasks} {privacy}',
  },
  {
    name: 'unknown template variable in checkin.reply',
    yaml: `${BASE}checkin:\n  keywords: [打卡]\n  reply: "{mention} 连续 {streek} 天"\n  already: ok\n`,
    needle: '"{mention} 连续',
    message:
      'checkin.reply: unknown template variable {streek}; this text can use {mention} {name} {streak} {days} {points} {earned}',
  },
  {
    name: 'unbalanced "{"',
    yaml: `${BASE}welcome:\n  text: "欢迎 {mentions"\n`,
    needle: '"欢迎',
    message: 'welcome.text: unbalanced "{" (write {{ or }} for a literal brace)',
  },
  {
    name: 'unbalanced "}"',
    yaml: `${BASE}checkin:\n  keywords: [打卡]\n  reply: ok\n  already: "已打卡 }"\n`,
    needle: '"已打卡',
    message: 'checkin.already: unbalanced "}" (write {{ or }} for a literal brace)',
  },
  {
    name: 'duplicate task ids',
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: dup\n      title: one\n    - id: other\n      title: two\n    - id: dup\n      title: three\n`,
    needle: 'dup',
    occurrence: 2,
    message: 'newcomer.tasks.2.id: duplicate id "dup"',
  },
  {
    name: 'duplicate topic ids',
    yaml: `${BASE}topics:\n  - id: dup\n    cron: "0 20 * * 1"\n    text: hi\n  - id: dup\n    at: "2026-12-01 20:00"\n    text: hi\n`,
    needle: 'dup',
    occurrence: 2,
    message: 'topics.1.id: duplicate id "dup"',
  },
  {
    name: 'topic with both cron and at',
    yaml: `${BASE}topics:\n${TOPIC}  - id: both\n    cron: "0 20 * * 1"\n    at: "2026-12-01 20:00"\n    text: hi\n`,
    needle: 'id: both',
    message: 'topics.1: a topic needs exactly one of cron (repeating) or at (once)',
  },
  {
    name: 'topic with neither text nor poll',
    yaml: `${BASE}topics:\n  - id: silent\n    cron: "0 20 * * 1"\n`,
    needle: 'id: silent',
    message: 'topics.0: a topic needs exactly one of text or poll',
  },
  {
    name: 'unknown time zone',
    yaml: `${BASE}timezone: Mars/Olympus_Mons\n`,
    needle: 'Mars/',
    message: 'timezone: unknown time zone "Mars/Olympus_Mons" (use an IANA name such as Asia/Shanghai)',
  },
  {
    name: 'bad at date (February 30)',
    yaml: `${BASE}topics:\n${TOPIC}  - id: launch\n    at: "2026-02-30 20:00"\n    text: hi\n`,
    needle: '"2026-02-30',
    message: 'topics.1.at: "2026-02-30 20:00" is not a date and time; write YYYY-MM-DD HH:mm',
  },
  {
    name: 'bad at date (no time)',
    yaml: `${BASE}topics:\n  - id: launch\n    at: 2026-12-01\n    text: hi\n`,
    needle: '2026-12-01',
    message: 'topics.0.at: "2026-12-01" is not a date and time; write YYYY-MM-DD HH:mm',
  },
  {
    name: 'task done with no condition',
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: intro\n      title: say hi\n      done: {}\n`,
    needle: '{}',
    message: 'newcomer.tasks.0.done: a task needs at least one of contains, equals, regex, minLength, kind',
  },
  {
    name: 'missing task title (points at the task)',
    yaml: `${BASE}newcomer:\n  tasks:\n    - id: intro\n      done: { equals: [hi] }\n`,
    needle: 'id: intro',
    message: 'newcomer.tasks.0.title: Invalid input: expected string, received undefined',
  },
  {
    name: 'YAML syntax error (tab indentation)',
    yaml: 'name: t\nmatch:\n\ttopic: "^a"\n',
    needle: '\t',
    message: 'Tabs are not allowed as indentation',
  },
  {
    name: 'YAML duplicate key',
    yaml: `${BASE}staff:\n  names: [a]\nname: again\n`,
    needle: 'name',
    occurrence: 3,
    message: 'Map keys must be unique',
  },
]

describe('the SOP schema', () => {
  it('loads sop/example.yaml', () => {
    const result = readSop(EXAMPLE)
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
    const sop = result.value
    expect(sop.name).toBe('读书会新人SOP')
    expect(sop.timezone).toBe('Asia/Shanghai')
    expect(sop.match.topic?.test('读书会·新人群')).toBe(true)
    expect(sop.match.topic?.test('新人群·读书会')).toBe(false)
    expect(sop.staff).toEqual({ names: ['群主小王'], ids: [] })
    expect(sop.welcome?.batchWindow).toBe(60_000)
    expect(sop.welcome?.notAgainWithin).toBe(30 * 86_400_000)
    expect(sop.newcomer?.within).toBe(3 * 86_400_000)
    expect(sop.newcomer?.tasks.map((t) => [t.id, t.points])).toEqual([
      ['intro', 10],
      ['rules', 5],
    ])
    expect(sop.newcomer?.reminders.map((r) => r.after)).toEqual([24 * 3_600_000])
    expect(sop.topics.map((t) => t.id)).toEqual(['weekly-share', 'satisfaction', 'launch'])
    expect(sop.topics[1]?.poll?.closesAfter).toBe(24 * 3_600_000)
    expect(sop.topics[1]?.poll?.options).toEqual(['1', '2', '3', '4', '5'])
    expect(sop.checkin?.streakBonus).toEqual({ '7': 20, '30': 100 })
    expect(sop.checkin?.leaderboard?.top).toBe(10)
    expect(sop.checkin?.leaderboard?.line.source).toBe('{rank}. {name} {days} 天')
    expect(sop.commands.completeTask?.keywords).toEqual(['完成任务'])
  })

  it('fills defaults in a minimal SOP', () => {
    const result = parseYamlContent('min.yaml', `${BASE}welcome:\n  text: hi\n`, sopSchema)
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
    expect(result.value.timezone).toBe('Asia/Shanghai')
    expect(result.value.topics).toEqual([])
    expect(result.value.welcome?.batchWindow).toBe(60_000)
    expect(result.value.welcome?.notAgainWithin).toBe(30 * 86_400_000)
  })

  it.each(mistakes)('rejects $name at the offending node', ({ yaml, needle, occurrence, message }) => {
    const { file, result } = check(yaml)
    const problems = problemsOf(result)
    const where = at(yaml, needle, occurrence)
    expect(problems.map(formatProblem)).toHaveLength(1)
    const [problem] = problems
    expect({ file: problem?.file, line: problem?.line, column: problem?.column }).toEqual({ file, ...where })
    if (typeof message === 'string')
      expect(formatProblem(problem as ContentProblem)).toBe(
        `${file}:${where.line}:${where.column} ${message}`,
      )
    else expect(problem?.message).toMatch(message)
  })

  it('reports three mistakes on different lines, each at its own line (acceptance)', () => {
    const yaml = [
      'name: t', // 1
      'match:', // 2
      '  topic: "^a"', // 3
      'welcome:', // 4
      '  batchWindow: 60 seconds', // 5: bad duration, column 16
      '  text: "{mention}"', // 6: unknown variable, column 9
      'topics:', // 7
      '  - id: a', // 8
      '    cron: "0 25 * * 1"', // 9: bad cron, column 11
      '    text: hi', // 10
      '',
    ].join('\n')
    const { file, result } = check(yaml)
    const problems = problemsOf(result)
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [5, 16],
      [6, 9],
      [9, 11],
    ])
    expect(problems.map(formatProblem)).toEqual([
      `${file}:5:16 welcome.batchWindow: "60 seconds" is not a duration; write a number and a unit: 60s, 30m, 24h, 3d, 2w`,
      `${file}:6:9 welcome.text: unknown template variable {mention}; this text can use {mentions} {names} {count} {group} {tasks} {privacy}`,
      `${file}:9:11 topics.0.cron: bad cron "0 25 * * 1": Constraint error, got value 25 expected range 0-23`,
    ])
  })

  it('reports whole-file mistakes (time zone, duplicate id) together with field mistakes', () => {
    const yaml = [
      'name: t', // 1
      'match:', // 2
      '  topic: "^a"', // 3
      'timezone: Mars/Base', // 4: unknown zone, column 11
      'welcome:', // 5
      '  text: "{mention}"', // 6: unknown variable, column 9
      'topics:', // 7
      '  - id: a', // 8
      '    cron: "0 20 * * 1"', // 9
      '    text: hi', // 10
      '  - id: a', // 11: duplicate id, column 9
      '    cron: "0 20 * * 2"', // 12
      '    text: hi', // 13
      '',
    ].join('\n')
    const problems = problemsOf(check(yaml).result)
    expect(problems.map((p) => [p.line, p.column]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))).toEqual([
      [4, 11],
      [6, 9],
      [11, 9],
    ])
  })

  it('an unknown time zone is reported once, not also as a bad `at` date', () => {
    const yaml = `${BASE}timezone: Mars/Base\ntopics:\n  - id: launch\n    at: "2026-12-01 20:00"\n    text: hi\n`
    const { file, result } = check(yaml)
    expect(problemsOf(result).map(formatProblem)).toEqual([
      `${file}:4:11 timezone: unknown time zone "Mars/Base" (use an IANA name such as Asia/Shanghai)`,
    ])
  })
})

/** "Billion laughs": each level is ten aliases of the level before, 10^levels leaves in all. */
function aliasBomb(levels: number): string {
  let yaml = 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
  for (let i = 1; i <= levels; i++)
    yaml += `l${i}: &l${i} [${Array(10)
      .fill(`*l${i - 1}`)
      .join(', ')}]\n`
  return yaml
}

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n')

describe('alias bombs', () => {
  it.each([
    ['at the top level', aliasBomb(10)],
    ['under a key of a valid SOP', `${BASE}x:\n${indent(aliasBomb(10), '  ')}`],
    [
      'as the list staff.names',
      `${BASE}staff:\n  names:\n${indent(aliasBomb(10).replace(/^l\d+: /gm, '- '), '    ')}`,
    ],
  ])('is rejected quickly with a problem (%s)', (_where, yaml) => {
    const started = performance.now()
    const { file, result } = check(yaml)
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(1000)
    const problems = problemsOf(result)
    expect(problems.length).toBeGreaterThan(0)
    for (const p of problems) {
      expect(p.file).toBe(file)
      expect(p.line).toBeGreaterThanOrEqual(1)
      expect(p.column).toBeGreaterThanOrEqual(1)
    }
    expect(problems.map((p) => p.message).join('\n')).toMatch(/excessive alias count/i)
  })
})
