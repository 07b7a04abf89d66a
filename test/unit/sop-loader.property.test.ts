import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { type LoadResult, loadYamlFile, parseYamlContent } from '../../src/config/load-yaml.js'
import { QunbotError } from '../../src/core/errors.js'
import { type SopDefinition, sopSchema } from '../../src/features/sop/schema.js'

const EXAMPLE = readFileSync(fileURLToPath(new URL('../../sop/example.yaml', import.meta.url)), 'utf8')

const dir = mkdtempSync(join(tmpdir(), 'qunbot-sop-prop-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What every loader answer must look like: a value, or located problems (and never a throw). */
function expectWellFormed(file: string, result: LoadResult<SopDefinition>, text: string): void {
  const lastLine = text.split(/\r\n|\r|\n/).length
  if (result.ok) {
    expect(typeof result.value.name).toBe('string')
    return
  }
  expect(result.problems.length).toBeGreaterThan(0)
  for (const p of result.problems) {
    expect(p.file).toBe(file)
    expect(Number.isInteger(p.line) && p.line >= 1 && p.line <= lastLine).toBe(true)
    expect(Number.isInteger(p.column) && p.column >= 1).toBe(true)
    expect(typeof p.message).toBe('string')
    expect(p.message.length).toBeGreaterThan(0)
  }
}

const parse = (text: string) => parseYamlContent('x.yaml', text, sopSchema)

// Pieces of YAML syntax, SOP keys and awkward characters, glued together in random order.
const yamlToken = fc.constantFrom(
  ':',
  ': ',
  '-',
  '- ',
  '? ',
  ',',
  '&a',
  '&a ',
  '*a',
  '&b [*a, *a]',
  '<<: *a',
  '{',
  '}',
  '[',
  ']',
  "'",
  '"',
  '\\',
  '#',
  '|',
  '>-',
  '!!str ',
  '!!binary ',
  '!tag ',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '  ',
  '    ',
  '\uFEFF',
  'name',
  'match',
  'topic',
  'groups',
  'topics',
  'cron',
  'at',
  'text',
  'poll',
  'options',
  'checkin',
  'keywords',
  'streakBonus',
  'newcomer',
  'tasks',
  'done',
  'regex',
  'welcome',
  'timezone',
  '__proto__',
  'constructor',
  '"0 20 * * 1"',
  '60s',
  '0s',
  '{mention}',
  '{{',
  '}}',
  '(',
  '打卡',
  '😀',
  '1',
  '-1',
  '0x1F',
  '1e309',
  'null',
  '~',
  'true',
)
const yamlish = fc.array(yamlToken, { maxLength: 80 }).map((tokens) => tokens.join(''))

/** Line-structured YAML-ish text: random indentation, keys and values, so parsing gets deep. */
const yamlLines = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.array(yamlToken, { minLength: 1, maxLength: 6 })), {
    maxLength: 30,
  })
  .map((lines) => lines.map(([indent, tokens]) => ' '.repeat(indent) + tokens.join('')).join('\n'))

/** The example SOP with random edits: often valid, often broken in a single place. */
const exampleEdits = fc
  .array(
    fc.tuple(
      fc.nat({ max: EXAMPLE.length }),
      fc.nat({ max: 40 }),
      fc.oneof(yamlish, fc.string({ unit: 'grapheme', maxLength: 10 })),
    ),
    { maxLength: 4 },
  )
  .map((edits) =>
    edits.reduce(
      (text, [at, remove, insert]) => text.slice(0, at) + insert + text.slice(at + remove),
      EXAMPLE,
    ),
  )

const anyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  yamlish,
  yamlLines,
  exampleEdits,
)

describe('parseYamlContent(sopSchema) on arbitrary text (property)', () => {
  it.each<[string, fc.Arbitrary<string>]>([
    ['fc.string', fc.string({ maxLength: 300 })],
    ['grapheme strings', fc.string({ unit: 'grapheme', maxLength: 300 })],
    ['binary strings (lone surrogates included)', fc.string({ unit: 'binary', maxLength: 300 })],
    ['binary-ascii strings', fc.string({ unit: 'binary-ascii', maxLength: 300 })],
    ['YAML-ish token soup', yamlish],
    ['YAML-ish lines with indentation', yamlLines],
    ['the example SOP with random edits', exampleEdits],
  ])('%s: never throws; problems are located at line >= 1, column >= 1', (_name, text) => {
    fc.assert(
      fc.property(text, (s) => {
        expectWellFormed('x.yaml', parse(s), s)
      }),
      { numRuns: 300 },
    )
  })

  it('the example with random edits still loads sometimes (the generator reaches valid files)', () => {
    const outcomes = fc.sample(exampleEdits, { numRuns: 150, seed: 42 }).map((s) => parse(s).ok)
    expect(outcomes.filter(Boolean).length).toBeGreaterThan(0)
    expect(outcomes.filter((ok) => !ok).length).toBeGreaterThan(0)
  })
})

describe('loadYamlFile(sopSchema) on arbitrary file content (property)', () => {
  const file = join(dir, 'sop.yaml')

  /** Returns the SOP or throws QunbotError QB_CONTENT_INVALID listing every problem; nothing else. */
  function checkFile(content: string | Uint8Array): void {
    writeFileSync(file, content)
    let value: SopDefinition
    try {
      value = loadYamlFile(file, sopSchema)
    } catch (error) {
      expect(error).toBeInstanceOf(QunbotError)
      const e = error as QunbotError
      expect(e.code).toBe('QB_CONTENT_INVALID')
      const problems = e.details as { file: string; line: number; column: number }[]
      expect(Array.isArray(problems) && problems.length > 0).toBe(true)
      const lines = e.message.split('\n')
      expect(lines.length).toBeGreaterThanOrEqual(problems.length)
      for (const p of problems) {
        expect(p.file).toBe(file)
        expect(p.line).toBeGreaterThanOrEqual(1)
        expect(p.column).toBeGreaterThanOrEqual(1)
      }
      expect(lines[0]?.startsWith(`${file}:`)).toBe(true)
      return
    }
    expect(typeof value.name).toBe('string')
  }

  it('text: returns or throws QB_CONTENT_INVALID', () => {
    fc.assert(fc.property(anyText, checkFile), { numRuns: 300 })
  })

  it('raw bytes (invalid UTF-8 included): returns or throws QB_CONTENT_INVALID', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(exampleEdits, fc.uint8Array({ maxLength: 20 }), fc.nat()).map(([text, junk, at]) => {
        const base = Buffer.from(text)
        const cut = at % (base.length + 1)
        return Buffer.concat([base.subarray(0, cut), junk, base.subarray(cut)])
      }),
    )
    fc.assert(fc.property(bytes, checkFile), { numRuns: 300 })
  })

  it('the example file itself loads', () => {
    writeFileSync(file, EXAMPLE)
    expect(loadYamlFile(file, sopSchema).name).toBe('读书会新人SOP')
  })

  it('a missing file is QB_CONTENT_MISSING, not a crash', () => {
    expect(() => loadYamlFile(join(dir, 'nope.yaml'), sopSchema)).toThrowError(
      expect.objectContaining({ name: 'QunbotError', code: 'QB_CONTENT_MISSING' }),
    )
  })
})

describe('parseYamlContent(sopSchema) on stringified values (property)', () => {
  const sopKeys = fc.constantFrom(
    'name',
    'match',
    'topic',
    'groups',
    'timezone',
    'staff',
    'names',
    'ids',
    'welcome',
    'batchWindow',
    'text',
    'newcomer',
    'tasks',
    'id',
    'title',
    'done',
    'contains',
    'equals',
    'regex',
    'minLength',
    'points',
    'topics',
    'cron',
    'at',
    'poll',
    'options',
    'closesAfter',
    'result',
    'checkin',
    'keywords',
    'streakBonus',
    'reply',
    'already',
    'leaderboard',
    'commands',
  )
  const key = fc.oneof(sopKeys, fc.string({ maxLength: 8 }))
  const leaf = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('60s', '0s', '"(x"', '0 20 * * 1', '0 25 * * 1', '{mention}', '{', '2026-12-01 20:00'),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  )
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(key, tie('tree'), { maxKeys: 6 }),
    ),
  }))

  /** Object shaped like an SOP: the right top-level keys, random values below them. */
  const sopShaped = fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 10 }), tree),
      match: fc.oneof(
        fc.record({ topic: fc.oneof(fc.string({ maxLength: 10 }), tree) }, { requiredKeys: [] }),
        tree,
      ),
      timezone: fc.oneof(fc.constantFrom('Asia/Shanghai', 'Mars/Base', ''), tree),
      welcome: tree,
      newcomer: tree,
      topics: fc.array(fc.dictionary(sopKeys, tree, { maxKeys: 5 }), { maxLength: 3 }),
      checkin: tree,
      commands: tree,
    },
    { requiredKeys: ['name', 'match'] },
  )

  it.each<[string, fc.Arbitrary<unknown>]>([
    [
      'fc.anything',
      // yaml's stringify(undefined) is undefined, not a document: nothing to parse.
      fc
        .anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true })
        .filter((v) => v !== undefined),
    ],
    ['fc.object', fc.object({ maxDepth: 4, key })],
    ['SOP-shaped records', sopShaped],
  ])('%s: stringify then parse never throws', (_name, value) => {
    fc.assert(
      fc.property(value, (v) => {
        const text = stringify(v)
        expectWellFormed('x.yaml', parse(text), text)
      }),
      { numRuns: 300 },
    )
  })

  it('reports a time zone that is not text without tripping over it (found by this property)', () => {
    const text = stringify({ name: 'x', match: {}, timezone: { toString: false } })
    expectWellFormed('x.yaml', parse(text), text)
  })

  it('valid SOP objects round-trip through stringify', () => {
    const valid = fc.record({
      name: fc.string({ minLength: 1, maxLength: 60 }),
      match: fc.record({ groups: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1 }) }),
      staff: fc.record({ names: fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 3 }) }),
    })
    fc.assert(
      fc.property(valid, (v) => {
        const result = parse(stringify(v))
        expect(result.ok).toBe(true)
        if (result.ok) {
          expect(result.value.name).toBe(v.name)
          expect(result.value.match.groups).toEqual(v.match.groups)
          expect(result.value.staff.names).toEqual(v.staff.names)
        }
      }),
      { numRuns: 300 },
    )
  })
})
