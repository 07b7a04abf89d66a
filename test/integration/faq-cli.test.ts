import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadYamlFile } from '../../src/config/load-yaml.js'
import { describeDecision } from '../../src/features/faq/describe-decision.js'
import { KbLibrary } from '../../src/features/faq/kb-library.js'
import { decide } from '../../src/features/faq/matcher.js'
import { kbFileSchema } from '../../src/features/faq/schema.js'

const root = new URL('../..', import.meta.url).pathname
const qunbot = ['--import', 'tsx', join(root, 'src/main.ts')]
const KB = join(root, 'knowledge')
const example = loadYamlFile(join(KB, 'example.yaml'), kbFileSchema)
const answerOf = (id: string) => example.find((e) => e.id === id)?.a

const tmp = mkdtempSync(join(tmpdir(), 'qunbot-faq-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI (asynchronously, so several runs can overlap) and collects its output. */
function cli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...qunbot, ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(input)
  })
}

interface Described {
  match: { id: string; score: number; answer: string } | null
  reason: string
  candidates?: { id: string; score: number }[]
}

/** The one JSON line a single `faq ask --json` prints. */
function oneJsonLine(run: Run): Described {
  expect(run.stderr).toBe('')
  expect(run.status).toBe(0)
  expect(run.stdout.endsWith('\n')).toBe(true)
  const lines = run.stdout.slice(0, -1).split('\n')
  expect(lines).toHaveLength(1)
  return JSON.parse(lines[0] ?? '') as Described
}

const ask = (text: string, ...flags: string[]) => cli(['faq', 'ask', '--kb', KB, '--json', ...flags, text])

// Each run starts a Node process (about 2 s), so the cases share runs where they can.
describe('qunbot faq ask', { timeout: 60_000 }, () => {
  it('prints one line of JSON with the match for a question', async () => {
    const run = await ask('请问直播回放在哪里看？')
    const line = oneJsonLine(run)
    expect(Object.keys(line)).toEqual(['match', 'reason'])
    expect(Object.keys(line.match ?? {})).toEqual(['id', 'score', 'answer'])
    expect(line.match?.id).toBe('replay')
    expect(typeof line.match?.score).toBe('number')
    expect(line.match?.score).toBeGreaterThan(0)
    expect(line.match?.score).toBeLessThanOrEqual(1)
    expect(line.match?.answer).toBe(answerOf('replay'))
    expect(typeof line.reason).toBe('string')
    expect(line.reason.length).toBeGreaterThan(0)
    // Exactly the documented shape, byte for byte.
    expect(run.stdout).toBe(`${JSON.stringify({ match: line.match, reason: line.reason })}\n`)
  })

  it('prints {"match":null,"reason":"not-a-question"} for a statement, even with a KB keyword', async () => {
    const run = await ask('我已经申请退款了')
    expect(run.stdout).toBe('{"match":null,"reason":"not-a-question"}\n')
    expect(run.status).toBe(0)
  })

  // Both statements are "not-a-question" without --mention (the --stdin test below checks that).
  it.each([
    ['今天天气不错', 'nothing in the KB'],
    ['发票收到了谢谢', 'a KB keyword'],
  ])('--mention answers a statement, or says why not (%s: %s)', async (text) => {
    const line = oneJsonLine(await ask(text, '--mention'))
    expect(line.reason).not.toBe('not-a-question')
    if (line.match === null) expect(line.reason).toMatch(/^(no-match|below-threshold)/)
    else expect(line.match.answer).toBe(answerOf(line.match.id))
  })

  it('prints readable lines without --json', async () => {
    const run = await cli(
      ['faq', 'ask', '--kb', KB, '--stdin'],
      '请问直播回放在哪里看？\n我已经申请退款了\n\n',
    )
    expect(run.status).toBe(0)
    const [answered, silent, empty, ...rest] = run.stdout.split('\n')
    expect(answered).toMatch(/^answer replay \([\d.]+\): \S.*$/)
    expect(answered?.endsWith(answerOf('replay') ?? '?')).toBe(true)
    expect([silent, empty, ...rest]).toEqual(['silent: not-a-question', 'silent: empty', ''])
  })

  it('--stdin prints one line per input line, in order, each as a single run would', async () => {
    const inputs = [
      '请问直播回放在哪里看？',
      '',
      '发票怎么开？',
      'ＰＤＦ讲义在哪里下载？',
      '能用花呗吗？',
      '我已经申请退款了',
      '发票收到了谢谢',
      '今天天气不错',
      '　',
      '請問發票怎麼開',
      '明天天气怎么样？',
    ]
    const piped = await cli(['faq', 'ask', '--kb', KB, '--json', '--stdin'], `${inputs.join('\n')}\n`)
    expect(piped.status).toBe(0)
    expect(piped.stderr).toBe('')
    const lines = piped.stdout.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(inputs.length)

    // Every line is what the bot decides for that message alone (computed here, in process)...
    const library = new KbLibrary(KB)
    expect(library.reload(0).problems).toEqual([])
    const { threshold, margin } = library.settings()
    const expected = inputs.map((text) =>
      text.trim() === ''
        ? '{"match":null,"reason":"empty"}'
        : JSON.stringify(
            describeDecision(decide(library.index(), text, { mentioned: false, threshold, margin })),
          ),
    )
    expect(lines).toEqual(expected)
    // ...and not trivially: the input mixes answers, statements, blanks and an off-topic question.
    expect(lines.map((l) => (JSON.parse(l) as Described).match?.id ?? null)).toEqual([
      'replay',
      null,
      'invoice',
      'materials',
      'installment',
      null,
      null,
      null,
      null,
      'invoice',
      null,
    ])
    for (const i of [5, 6, 7])
      expect(JSON.parse(lines[i] ?? '')).toEqual({ match: null, reason: 'not-a-question' })

    // ...and what a single run prints, here for the full-width, statement and traditional lines.
    const sample = [3, 6, 9]
    const singles = await Promise.all(sample.map((i) => ask(inputs[i] ?? '')))
    expect(singles.map((r) => r.stdout)).toEqual(sample.map((i) => `${lines[i]}\n`))
  })

  it('--stdin reads CRLF input and a last line without a newline', async () => {
    const piped = await cli(
      ['faq', 'ask', '--kb', KB, '--json', '--stdin'],
      '发票怎么开？\r\n\r\n能用花呗吗？',
    )
    expect(piped.status).toBe(0)
    expect(
      piped.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as Described).match?.id ?? 'none'),
    ).toEqual(['invoice', 'none', 'installment'])
  })

  it.each([[['faq', 'ask', '--kb', KB, '--json']], [['faq', 'ask']]])(
    'exits with 2 and a usage line without a text: %j',
    async (args) => {
      const run = await cli(args)
      expect(run.status).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe('usage: qunbot faq ask [--kb dir] [--mention] [--json] [--stdin] "<text>"\n')
    },
  )

  it('exits with 2 when the knowledge folder does not exist', async () => {
    const run = await cli(['faq', 'ask', '--kb', join(tmp, 'missing'), '--json', '发票怎么开？'])
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('does not exist')
  })
})

describe('qunbot faq import', { timeout: 60_000 }, () => {
  it('converts a CSV with a BOM into a knowledge file that faq ask answers from', async () => {
    const dir = mkdtempSync(join(tmp, 'import-'))
    const csvFile = join(tmp, 'faq.csv')
    writeFileSync(
      csvFile,
      [
        '\uFEFF问题,关键词,相似问法,答案,转人工',
        '门票怎么退？,退票|门票,"票买错了能退吗|不去了能退票吗","活动开始前 24 小时可在「我的-门票」退票, 全额退回",是',
        '停车场在哪里？,停车、车位,开车去停哪里,"场馆地下 B2 停车场，凭票免费 3 小时",否',
      ].join('\r\n'),
    )
    const out = join(dir, 'imported.yaml')
    const imported = await cli(['faq', 'import', csvFile, '--out', out])
    expect(imported.stderr).toBe('')
    expect(imported.status).toBe(0)
    expect(imported.stdout).toBe(`wrote 2 entries to ${out}\n`)
    expect(existsSync(out)).toBe(true)
    expect(loadYamlFile(out, kbFileSchema).map((e) => [e.id, e.handoff])).toEqual([
      ['faq-001', true],
      ['faq-002', false],
    ])
    expect(readFileSync(out, 'utf8')).not.toContain('\uFEFF')

    const run = await cli(
      ['faq', 'ask', '--kb', dir, '--json', '--stdin'],
      '请问门票可以退吗？\n请问哪里可以停车？\n我已经退票了\n',
    )
    expect(run.stderr).toBe('')
    const [refund, parking, statement] = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Described)
    expect(refund?.match).toMatchObject({
      id: 'faq-001',
      answer: '活动开始前 24 小时可在「我的-门票」退票, 全额退回',
    })
    expect(parking?.match).toMatchObject({ id: 'faq-002', answer: '场馆地下 B2 停车场，凭票免费 3 小时' })
    expect(statement).toEqual({ match: null, reason: 'not-a-question' })
  })

  it('writes the YAML next to the CSV without --out', async () => {
    const dir = mkdtempSync(join(tmp, 'import-'))
    const csvFile = join(dir, 'shop.csv')
    writeFileSync(
      csvFile,
      'question,keywords,answer\nHow do I get an invoice?,invoice,From the order page.\n',
    )
    const run = await cli(['faq', 'import', csvFile])
    expect(run.status).toBe(0)
    expect(loadYamlFile(join(dir, 'shop.yaml'), kbFileSchema)).toEqual([
      {
        id: 'faq-001',
        q: 'How do I get an invoice?',
        keywords: ['invoice'],
        similar: [],
        a: 'From the order page.',
        handoff: false,
      },
    ])
  })

  it.each([
    ['a missing column', '问题,答案\n怎么退票,联系客服\n', /: line 1: no "keywords" column/],
    ['a row without an answer', '问题,关键词,答案\n怎么退票,退票,\n', /^\S+imported\.yaml:\d+:\d+ 0\.a: /m],
  ])('refuses %s with exit code 1 and writes nothing', async (_name, csv, stderr) => {
    const dir = mkdtempSync(join(tmp, 'import-'))
    const csvFile = join(dir, 'bad.csv')
    writeFileSync(csvFile, csv)
    const out = join(dir, 'imported.yaml')
    const run = await cli(['faq', 'import', csvFile, '--out', out])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(stderr)
    expect(existsSync(out)).toBe(false)
  })

  it('exits with 2 and a usage line without a file', async () => {
    const run = await cli(['faq', 'import', join(tmp, 'no-such.csv')])
    expect(run.status).toBe(2)
    expect(run.stderr).toBe('usage: qunbot faq import <file.csv> [--out knowledge/imported.yaml]\n')
  })
})
