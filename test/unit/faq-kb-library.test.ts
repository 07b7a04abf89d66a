import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ContentProblem, formatProblem } from '../../src/config/load-yaml.js'
import { KbLibrary } from '../../src/features/faq/kb-library.js'
import { decide } from '../../src/features/faq/matcher.js'

const root = mkdtempSync(join(tmpdir(), 'qunbot-kb-library-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let dirCount = 0
/** A fresh knowledge folder holding `files` (name -> text). */
function folder(files: Record<string, string>): string {
  const dir = join(root, `kb-${++dirCount}`)
  mkdirSync(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/** 1-based line and column of the n-th occurrence of `needle` in `text`. */
function at(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let offset = -1
  for (let i = 0; i < occurrence; i++) {
    offset = text.indexOf(needle, offset + 1)
    if (offset < 0) throw new Error(`test bug: "${needle}" (#${occurrence}) is not in the YAML`)
  }
  const before = text.slice(0, offset)
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') }
}

/** The answer the library gives a message with its own settings, or why there is none. */
function answer(library: KbLibrary, text: string, mentioned = false): string {
  const { threshold, margin } = library.settings()
  const d = decide(library.index(), text, { mentioned, threshold, margin })
  if (d.kind === 'answer') return d.entry.a
  if (d.kind === 'choose') return `choose ${d.candidates.map((c) => c.entry.id).join(' ')}`
  return `none: ${d.reason}`
}

const ids = (library: KbLibrary) => library.index().entries.map((e) => e.entry.id)

const REFUND = '- id: refund\n  q: 怎么申请退款？\n  keywords: [退款, 退费]\n  a: 退款答案\n'
const INVOICE = '- id: invoice\n  q: 怎么开发票？\n  keywords: [发票, 开票]\n  a: 发票答案\n'
const REPLAY = '- id: replay\n  q: 直播有回放吗？\n  keywords: [回放, 录播]\n  a: 回放答案\n'

describe('KbLibrary', () => {
  it('loads the entries of every YAML file and _settings.yaml, and nothing else', () => {
    const dir = folder({
      'a.yaml': `# 购买\n${REFUND}`,
      'b.yml': `${INVOICE}\n${REPLAY}`,
      '_settings.yaml':
        'threshold: 0.6\nmargin: 0.1\ncooldownSeconds: 30\ntexts:\n  choose: "选一个：\\n{choices}"\n',
      'README.md': '- not: yaml content\n',
    })
    const library = new KbLibrary(dir)
    expect(library.reload(1)).toEqual({ problems: [] })
    expect(library.index().size).toBe(3)
    expect(ids(library)).toEqual(['refund', 'invoice', 'replay'])
    expect(library.settings()).toMatchObject({ threshold: 0.6, margin: 0.1, cooldownSeconds: 30 })
    expect(library.settings().texts.choose).toBeDefined()
    // Entry files in name order, then the settings.
    expect(library.files().map((f) => [f.file, f.ok, f.live])).toEqual([
      [join(dir, 'a.yaml'), true, '1 entries'],
      [join(dir, 'b.yml'), true, '2 entries'],
      [join(dir, '_settings.yaml'), true, 'settings'],
    ])
    expect(answer(library, '请问怎么退款')).toBe('退款答案')
    expect(answer(library, '发票怎么开？')).toBe('发票答案')
    expect(answer(library, '回放在哪里？')).toBe('回放答案')
  })

  it('uses the default settings without _settings.yaml, and reports nothing', () => {
    const library = new KbLibrary(folder({ 'a.yaml': REFUND }))
    expect(library.reload(1)).toEqual({ problems: [] })
    expect(library.settings()).toEqual({ threshold: 0.55, margin: 0.08, cooldownSeconds: 600, texts: {} })
  })

  it('loads an empty folder, and a folder that does not exist, as an empty KB', () => {
    for (const dir of [folder({}), join(root, 'missing')]) {
      const library = new KbLibrary(dir)
      expect(library.reload(1)).toEqual({ problems: [] })
      expect(library.index().size).toBe(0)
      expect(answer(library, '怎么退款？')).toBe('none: no-match')
    }
  })

  describe('an id used in two files', () => {
    // Layouts of the second file; the problem must point at the duplicate id in it.
    const layouts: [name: string, text: string, needle: string, occurrence?: number][] = [
      ['after a comment and another entry', `# 第二个文件\n${INVOICE}\n${REFUND}`, 'refund'],
      ['id not the first key', `${INVOICE}- q: 退钱？\n  keywords: [退钱]\n  id: refund\n  a: B\n`, 'refund'],
      [
        'id with a trailing comment',
        `${INVOICE}- id: refund   # 重复了\n  q: 退钱？\n  keywords: [退钱]\n  a: B\n`,
        'refund',
      ],
      [
        'the id text also inside an earlier answer',
        `- id: invoice\n  q: 怎么开发票？\n  keywords: [发票]\n  a: |\n    id: refund\n- id: refund\n  q: 退钱？\n  keywords: [退钱]\n  a: B\n`,
        'refund',
        2,
      ],
      ['CRLF line ends', `${INVOICE}${REFUND}`.replace(/\n/g, '\r\n'), 'refund'],
    ]

    it.each(layouts)(
      'is rejected in the second file at the real line (%s); the first file stays live',
      (_name, second, needle, occurrence) => {
        const dir = folder({ 'a.yaml': REFUND, 'b.yaml': second })
        const library = new KbLibrary(dir)
        const { problems } = library.reload(1)
        expect(problems).toEqual([
          {
            file: join(dir, 'b.yaml'),
            ...at(second, needle, occurrence),
            message: 'duplicate id "refund": already used in a.yaml',
          },
        ])
        // a.yaml is live; none of b.yaml's entries are (the file is rejected as a whole).
        expect(ids(library)).toEqual(['refund'])
        expect(answer(library, '怎么申请退款？')).toBe('退款答案')
        expect(answer(library, '发票怎么开？')).toBe('none: no-match')
        const status = library.files().find((f) => f.file === join(dir, 'b.yaml'))
        expect(status).toMatchObject({ ok: false, problems })
        expect(status?.live).toBeUndefined()
      },
    )

    it('keeps the file that is already live, whatever the names, and loads the other once fixed', () => {
      const dir = folder({ 'z.yaml': REFUND })
      const library = new KbLibrary(dir)
      library.reload(1)
      const clash = `${INVOICE}${REFUND}`
      writeFileSync(join(dir, 'a.yaml'), clash)
      const { problems } = library.reload(2)
      expect(problems.map(formatProblem)).toEqual([
        `${join(dir, 'a.yaml')}:${at(clash, 'refund').line}:${at(clash, 'refund').column} duplicate id "refund": already used in z.yaml`,
      ])
      expect(ids(library)).toEqual(['refund'])

      writeFileSync(join(dir, 'a.yaml'), INVOICE)
      expect(library.reload(3)).toEqual({ problems: [] })
      expect(ids(library).sort()).toEqual(['invoice', 'refund'])
    })
  })

  describe('a broken edit', () => {
    const GOOD = `${REFUND}\n${INVOICE}`
    const broken: [name: string, text: string, needle: string, message: string | RegExp][] = [
      [
        'YAML syntax error (unclosed [)',
        '- id: refund\n  q: 怎么申请退款？\n  keywords: [退款\n  a: 新答案\n',
        'a: 新答案',
        /^Flow sequence in block collection/,
      ],
      [
        'duplicate key',
        '- id: refund\n  q: 怎么申请退款？\n  keywords: [退款]\n  a: 新答案\n  a: 另一个\n',
        'a: 另一个',
        'Map keys must be unique',
      ],
      [
        'unknown key (answer instead of a)',
        '- id: refund\n  q: 怎么申请退款？\n  keywords: [退款]\n  a: 新答案\n  answer: 新答案\n',
        'answer',
        '0.answer: Unrecognized key: "answer"',
      ],
      [
        'empty keyword list',
        '- id: refund\n  q: 怎么申请退款？\n  keywords: []\n  a: 新答案\n',
        '[]',
        '0.keywords: Too small: expected array to have >=1 items',
      ],
      [
        'duplicate id inside the file',
        `${REFUND}- id: refund\n  q: 又一个？\n  keywords: [退钱]\n  a: 新答案\n`,
        'refund',
        '1.id: duplicate id "refund"',
      ],
      [
        'a map instead of a list',
        'id: refund\nq: 怎么申请退款？\n',
        'id',
        'Invalid input: expected array, received object',
      ],
    ]

    it.each(broken)(
      'is rejected at file:line:col and the last good version stays live (%s)',
      (name, text, needle, message) => {
        const dir = folder({ 'a.yaml': GOOD, 'b.yaml': REPLAY })
        const library = new KbLibrary(dir)
        expect(library.reload(1)).toEqual({ problems: [] })
        expect(library.index().size).toBe(3)

        writeFileSync(join(dir, 'a.yaml'), text)
        const { problems } = library.reload(2)
        const file = join(dir, 'a.yaml')
        const occurrence = name === 'duplicate id inside the file' ? 2 : 1
        expect(problems).toContainEqual<ContentProblem>({
          file,
          ...at(text, needle, occurrence),
          message: typeof message === 'string' ? message : expect.stringMatching(message),
        })
        expect(problems.every((p) => p.file === file)).toBe(true)

        expect(library.index().size).toBe(3)
        expect(ids(library)).toEqual(['refund', 'invoice', 'replay'])
        expect(answer(library, '怎么申请退款？')).toBe('退款答案')
        expect(answer(library, '发票怎么开？')).toBe('发票答案')
        expect(library.files().find((f) => f.file === file)).toMatchObject({ ok: false, live: '2 entries' })

        // Reloading again reports the problem again and changes nothing.
        expect(library.reload(3).problems).toEqual(problems)
        expect(library.index().size).toBe(3)

        // The fixed file replaces the last good version.
        writeFileSync(
          join(dir, 'a.yaml'),
          '- id: refund\n  q: 怎么申请退款？\n  keywords: [退款]\n  a: 新答案\n',
        )
        expect(library.reload(4)).toEqual({ problems: [] })
        expect(ids(library)).toEqual(['refund', 'replay'])
        expect(answer(library, '怎么申请退款？')).toBe('新答案')
      },
    )
  })

  it.each([
    ['a good file', REPLAY],
    ['a broken file', '- id: replay\n  q: [\n'],
  ])('stops serving the entries of a deleted file (%s)', (_name, text) => {
    const dir = folder({ 'a.yaml': REFUND, 'b.yaml': REPLAY })
    const library = new KbLibrary(dir)
    library.reload(1)
    expect(answer(library, '回放在哪里？')).toBe('回放答案')
    writeFileSync(join(dir, 'b.yaml'), text)
    library.reload(2)

    unlinkSync(join(dir, 'b.yaml'))
    expect(library.reload(3)).toEqual({ problems: [] })
    expect(ids(library)).toEqual(['refund'])
    expect(answer(library, '回放在哪里？')).toBe('none: no-match')
    expect(library.files().map((f) => f.file)).toEqual([join(dir, 'a.yaml')])
  })

  describe('_settings.yaml', () => {
    const broken: [name: string, text: string, needle: string, message: string | RegExp][] = [
      ['threshold above 1', 'threshold: 2\n', '2', 'threshold: Too big: expected number to be <=1'],
      [
        'unknown key',
        'margin: 0.2\nthreshhold: 0.5\n',
        'threshhold',
        'threshhold: Unrecognized key: "threshhold"',
      ],
      [
        'unknown template variable',
        'texts:\n  choose: "选哪个 {choice}"\n',
        '"选哪个',
        'texts.choose: unknown template variable {choice}; this text can use {choices}',
      ],
      ['YAML syntax error', 'threshold: 0.5\nmargin: [0.1\n', 'margin', /./],
      [
        'a list instead of a map',
        '- threshold: 0.5\n',
        '-',
        'Invalid input: expected object, received array',
      ],
    ]

    it.each(broken)(
      'is reported, and the defaults stay when it never loaded (%s)',
      (_name, text, needle, message) => {
        const dir = folder({ 'a.yaml': REFUND, '_settings.yaml': text })
        const library = new KbLibrary(dir)
        const { problems } = library.reload(1)
        const file = join(dir, '_settings.yaml')
        if (typeof message === 'string') expect(problems).toEqual([{ file, ...at(text, needle), message }])
        else {
          expect(problems.length).toBeGreaterThan(0)
          expect(problems.every((p) => p.file === file && p.line >= 1 && p.column >= 1)).toBe(true)
        }
        expect(library.settings()).toEqual({ threshold: 0.55, margin: 0.08, cooldownSeconds: 600, texts: {} })
        expect(library.files().find((f) => f.file === file)).toMatchObject({ ok: false })
        // The entries are unaffected.
        expect(answer(library, '怎么申请退款？')).toBe('退款答案')
      },
    )

    it.each(broken)('is reported, and the last good settings stay (%s)', (_name, text, _needle, message) => {
      const dir = folder({ 'a.yaml': REFUND, '_settings.yaml': 'threshold: 0.9\nmargin: 0.2\n' })
      const library = new KbLibrary(dir)
      library.reload(1)
      expect(library.settings()).toMatchObject({ threshold: 0.9, margin: 0.2 })

      writeFileSync(join(dir, '_settings.yaml'), text)
      const { problems } = library.reload(2)
      expect(problems.length).toBeGreaterThan(0)
      if (typeof message === 'string') expect(problems.map((p) => p.message)).toEqual([message])
      expect(library.settings()).toMatchObject({ threshold: 0.9, margin: 0.2 })

      writeFileSync(join(dir, '_settings.yaml'), 'threshold: 0.7\n')
      expect(library.reload(3)).toEqual({ problems: [] })
      expect(library.settings()).toMatchObject({ threshold: 0.7, margin: 0.08 })
    })

    it('changes what is answered: a strict threshold silences a weak match', () => {
      const dir = folder({ 'a.yaml': `${REFUND}\n${REPLAY}` })
      const library = new KbLibrary(dir)
      library.reload(1)
      // A keyword with words the entry does not explain: about 0.7, answered at the default 0.55.
      expect(answer(library, '昨晚的回放什么时候出来？')).toBe('回放答案')
      writeFileSync(join(dir, '_settings.yaml'), 'threshold: 0.95\n')
      library.reload(2)
      expect(answer(library, '昨晚的回放什么时候出来？')).toBe('none: below-threshold')
      expect(answer(library, '回放在哪里？')).toBe('回放答案')
    })

    it('goes back to the defaults when deleted, as after a restart', () => {
      const dir = folder({ 'a.yaml': REFUND, '_settings.yaml': 'threshold: 0.9\n' })
      const library = new KbLibrary(dir)
      library.reload(1)
      expect(library.settings().threshold).toBe(0.9)
      unlinkSync(join(dir, '_settings.yaml'))
      expect(library.reload(2)).toEqual({ problems: [] })
      expect(library.settings()).toEqual(new KbLibrary(dir).settings())
      expect(library.files().map((f) => f.file)).toEqual([join(dir, 'a.yaml')])
    })
  })
})
