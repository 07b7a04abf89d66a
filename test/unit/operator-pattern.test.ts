import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { contentMessage } from '../../src/config/content-messages.js'
import { formatProblem, parseYamlContent } from '../../src/config/load-yaml.js'
import {
  compileOperatorPattern,
  isPatternProblem,
  type OperatorPattern,
  rememberingAnswers,
} from '../../src/config/operator-pattern.js'
import { kbFileSchema } from '../../src/features/faq/schema.js'
import { bindSop } from '../../src/features/sop/engine/binding.js'
import { completesTask } from '../../src/features/sop/engine/task-rules.js'
import { sopSchema } from '../../src/features/sop/schema.js'
import { SopLibrary } from '../../src/features/sop/sop-library.js'
import { timed } from '../helpers/timing.js'

const dir = mkdtempSync(join(tmpdir(), 'qunbot-pattern-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function compiled(source: string): OperatorPattern {
  const result = compileOperatorPattern(source)
  if (isPatternProblem(result)) throw new Error(`test bug: ${source} was refused (${result.kind})`)
  return result
}

// With backtracking, each of these takes 2^30 steps on 'a' * 30 + '!' (seconds to minutes).
const CATASTROPHIC = ['(a+)+$', '(a|aa)+$', '(a|a?)+b', '^(\\w+\\s?)*$']
const HOSTILE_NAME = `${'a'.repeat(30)}!`

describe('operator patterns on RE2', () => {
  it.each(CATASTROPHIC)('runs %s on a 31-character group name in well under a few ms', (source) => {
    const pattern = compiled(source)
    expect(pattern.test(HOSTILE_NAME)).toBe(false)
    expect(timed(() => pattern.test(HOSTILE_NAME))).toBeLessThan(5)
    // And in time linear in the text: 60,000 characters are still far from a stall.
    expect(timed(() => pattern.test(`${'a'.repeat(60_000)}!`))).toBeLessThan(500)
  })

  it('binds groups through a catastrophic match.topic without stalling (the issue: 2.6 s per group)', () => {
    const loaded = parseYamlContent('sop.yaml', 'name: t\nmatch:\n  topic: "(a|aa)+$"\n', sopSchema)
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'))
    const sops = [{ file: 'sop.yaml', sop: loaded.value }]
    const started = performance.now()
    expect(bindSop({ id: 'r1', topic: HOSTILE_NAME }, sops)).toBeUndefined()
    expect(bindSop({ id: 'r2', topic: 'a'.repeat(30) }, sops)?.file).toBe('sop.yaml')
    expect(performance.now() - started).toBeLessThan(50)
  })

  it("runs a task's done.regex on a 60,000-character message in linear time", () => {
    const loaded = parseYamlContent(
      'sop.yaml',
      'name: t\nmatch: { groups: [r1] }\nnewcomer:\n  tasks:\n    - id: intro\n      title: 自我介绍\n      done: { regex: "^(我|我是)+$" }\n',
      sopSchema,
    )
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'))
    const task = loaded.value.newcomer?.tasks[0]
    if (!task) throw new Error('test bug: no task')
    expect(completesTask(task, { kind: 'text', text: '我是我' })).toBe(true)
    const hostile = `${'我'.repeat(60_000)}!`
    expect(timed(() => completesTask(task, { kind: 'text', text: hostile }))).toBeLessThan(500)
  })

  it('matches case-insensitively, on Chinese and on characters outside the BMP', () => {
    expect(compiled('^读书会').test('读书会·新人群')).toBe(true)
    expect(compiled('^读书会').test('新人群·读书会')).toBe(false)
    expect(compiled('book club').test('The BOOK CLUB')).toBe(true)
    expect(compiled('^.群$').test('😀群')).toBe(true)
    expect(compiled('\\p{Han}{3}').test('abc读书会')).toBe(true)
  })

  it('refuses what no linear-time engine runs, saying which construct and where', () => {
    expect(compileOperatorPattern('(\\w)\\1')).toEqual({
      kind: 'backreference',
      construct: '\\1',
      position: 5,
    })
    expect(compileOperatorPattern('a(?!b)')).toEqual({ kind: 'lookaround', construct: '(?!', position: 2 })
    expect(compileOperatorPattern('(?<=群)a')).toEqual({ kind: 'lookaround', construct: '(?<=', position: 1 })
    expect(compileOperatorPattern('[a')).toMatchObject({ kind: 'syntax', reason: 'missing closing ]' })
  })

  it('a FAQ entry with a backreference in groups.topic is a located problem', () => {
    const text = '- id: a\n  q: 怎么退款\n  keywords: [退款]\n  a: 见链接\n  groups: { topic: "(群)\\\\1" }\n'
    const result = parseYamlContent('kb.yaml', text, kbFileSchema)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map(formatProblem)).toEqual([
      `kb.yaml:5:20 0.groups.topic: ${contentMessage('pattern_backreference', { construct: '\\1', position: 4 })}`,
    ])
  })

  it('remembers answers per group name, within a bound', () => {
    let runs = 0
    const counting: OperatorPattern = {
      source: 'x',
      test: (text) => {
        runs++
        return text.startsWith('x')
      },
    }
    const remembering = rememberingAnswers(counting, 2)
    expect([remembering.test('x1'), remembering.test('x1'), remembering.test('y')]).toEqual([
      true,
      true,
      false,
    ])
    expect(runs).toBe(2)
    remembering.test('x2') // a third name: the memory starts over
    expect(remembering.test('x1')).toBe(true)
    expect(runs).toBe(4)
  })
})

describe('a reload with a pattern RE2 cannot run', () => {
  it('is rejected at file:line:col and the last good SOP stays live', () => {
    const folder = mkdtempSync(join(dir, 'sop-'))
    const file = join(folder, 'reading.yaml')
    writeFileSync(file, 'name: reading\nmatch:\n  topic: "^读书会"\n')
    const library = new SopLibrary(folder)
    expect(library.reload(1).problems).toEqual([])
    const group = { id: 'r1', topic: '读书会·新人群' }
    expect(bindSop(group, library.sops())?.sop.name).toBe('reading')

    writeFileSync(file, 'name: reading-v2\nmatch:\n  topic: "^(读书会)\\\\1"\n')
    const { problems } = library.reload(2)
    expect(problems.map(formatProblem)).toEqual([
      `${file}:3:10 match.topic: ${contentMessage('pattern_backreference', { construct: '\\1', position: 7 })}`,
    ])
    expect(bindSop(group, library.sops())?.sop.name).toBe('reading')
    expect(library.files()[0]).toMatchObject({ ok: false, live: 'reading' })
  })
})
