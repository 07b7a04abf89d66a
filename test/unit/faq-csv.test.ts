import { describe, expect, it } from 'vitest'
import { parseYamlContent } from '../../src/config/load-yaml.js'
import { csvToEntries, entriesToYaml, parseCsv } from '../../src/features/faq/csv-import.js'
import { kbFileSchema } from '../../src/features/faq/schema.js'

describe('parseCsv', () => {
  it.each<[name: string, csv: string, rows: string[][]]>([
    [
      'a plain file',
      'a,b\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'no newline at the end',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'a UTF-8 BOM',
      '\uFEFF问题,答案\n1,2\n',
      [
        ['问题', '答案'],
        ['1', '2'],
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n3,4\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
        ['3', '4'],
      ],
    ],
    [
      'CR line ends',
      'a,b\r1,2\r',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'a quoted cell with commas',
      'a,b\n"x, y, z",2\n',
      [
        ['a', 'b'],
        ['x, y, z', '2'],
      ],
    ],
    [
      'doubled quotes in a quoted cell',
      'a,b\n"say ""hi""",2\n',
      [
        ['a', 'b'],
        ['say "hi"', '2'],
      ],
    ],
    [
      'a cell that is one quote',
      'a,b\n"""",2\n',
      [
        ['a', 'b'],
        ['"', '2'],
      ],
    ],
    [
      'an empty quoted cell',
      'a,b\n"",2\n',
      [
        ['a', 'b'],
        ['', '2'],
      ],
    ],
    [
      'a quote inside an unquoted cell',
      'a,b\n5"寸,2\n',
      [
        ['a', 'b'],
        ['5"寸', '2'],
      ],
    ],
    [
      'a newline inside quotes',
      'a,b\n"line1\nline2",2\n',
      [
        ['a', 'b'],
        ['line1\nline2', '2'],
      ],
    ],
    [
      'a CRLF inside quotes (kept)',
      'a,b\r\n"line1\r\nline2",2\r\n',
      [
        ['a', 'b'],
        ['line1\r\nline2', '2'],
      ],
    ],
    [
      'blank lines skipped',
      '\na,b\n\n1,2\n\n\n3,4\n\n',
      [
        ['a', 'b'],
        ['1', '2'],
        ['3', '4'],
      ],
    ],
    [
      'a row of empty cells skipped',
      'a,b\n,\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'empty cells kept in a row',
      'a,b,c\n1,,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '', '3'],
      ],
    ],
    [
      'tab separated',
      'a\tb\n1\t2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'tab separated: commas are text',
      '问题\t关键词\n怎么退款，急\t退款,退费\n',
      [
        ['问题', '关键词'],
        ['怎么退款，急', '退款,退费'],
      ],
    ],
    [
      'tab separated with quotes',
      'a\tb\r\n"x\ty"\t2\r\n',
      [
        ['a', 'b'],
        ['x\ty', '2'],
      ],
    ],
    [
      'a quoted tab in a comma header',
      '"a\tb",c\n1,2\n',
      [
        ['a\tb', 'c'],
        ['1', '2'],
      ],
    ],
    ['an empty file', '', []],
    ['only a BOM', '\uFEFF', []],
  ])('reads %s', (_name, csv, rows) => {
    expect(parseCsv(csv)).toEqual(rows)
  })
})

describe('csvToEntries', () => {
  it('reads English headers (any case) and keeps explicit ids', () => {
    const csv =
      'ID,Question,Keywords,Similar,Answer,Handoff\nrefund,怎么退款？,退款|退费,能退吗|可以退吗,联系客服,true\n'
    expect(csvToEntries(csv)).toEqual({
      entries: [
        {
          id: 'refund',
          q: '怎么退款？',
          keywords: ['退款', '退费'],
          similar: ['能退吗', '可以退吗'],
          a: '联系客服',
          handoff: true,
        },
      ],
      problems: [],
    })
  })

  it('reads the short English headers q / a', () => {
    expect(csvToEntries('q,keywords,a\n发票怎么开,发票,看订单\n').entries).toEqual([
      { id: 'faq-001', q: '发票怎么开', keywords: ['发票'], a: '看订单' },
    ])
  })

  it('reads Chinese headers, a BOM, and trims cells and headers', () => {
    const csv =
      '\uFEFF 问题 ,关键词,答案,相似问法,转人工\r\n 怎么退款？ , 退款 ,"请联系客服, 谢谢",能退吗,是\r\n'
    expect(csvToEntries(csv)).toEqual({
      entries: [
        {
          id: 'faq-001',
          q: '怎么退款？',
          keywords: ['退款'],
          a: '请联系客服, 谢谢',
          similar: ['能退吗'],
          handoff: true,
        },
      ],
      problems: [],
    })
  })

  it.each([
    ['|', '退款|退费|退钱'],
    [';', '退款;退费;退钱'],
    ['；', '退款；退费；退钱'],
    ['，', '退款，退费，退钱'],
    ['、', '退款、退费、退钱'],
    [',', '"退款,退费,退钱"'],
    ['mixed, with spaces and empty items', '" 退款 | 退费；、退钱 |"'],
  ])('splits list cells on %s', (_separator, cell) => {
    const { entries, problems } = csvToEntries(`问题,关键词,答案\n怎么退款,${cell},联系客服\n`)
    expect(problems).toEqual([])
    expect(entries[0]?.keywords).toEqual(['退款', '退费', '退钱'])
  })

  it.each([
    ['是', true],
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['Y', true],
    ['1', true],
    ['否', false],
    ['false', false],
    ['no', false],
    ['0', false],
  ])('reads handoff %j as %s', (cell, handoff) => {
    const { entries } = csvToEntries(`问题,关键词,答案,转人工\n怎么退款,退款,联系客服,${cell}\n`)
    expect(entries[0]?.handoff).toBe(handoff)
  })

  it('leaves handoff out when the cell is empty (the schema default applies)', () => {
    const { entries } = csvToEntries('问题,关键词,答案,转人工\n怎么退款,退款,联系客服,\n')
    expect(entries[0]).not.toHaveProperty('handoff')
  })

  it.each([
    ['q', '关键词,答案\n退款,联系客服\n'],
    ['keywords', '问题,答案\n怎么退款,联系客服\n'],
    ['a', 'question,keywords\n怎么退款,退款\n'],
  ])('reports a missing required column (%s) on line 1', (column, csv) => {
    const { entries, problems } = csvToEntries(csv)
    expect(entries).toEqual([])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(new RegExp(`^line 1: no "${column}" column`))
  })

  it('reports every missing column, and an empty file', () => {
    expect(csvToEntries('标题,内容\nx,y\n').problems).toEqual([
      'line 1: no "q" column (header: 标题, 内容)',
      'line 1: no "keywords" column (header: 标题, 内容)',
      'line 1: no "a" column (header: 标题, 内容)',
    ])
    expect(csvToEntries('').problems).toEqual(['the file is empty'])
  })

  it('generates ids for rows without one, numbered by row', () => {
    const csv = 'id,问题,关键词,答案\n,问题一,k1,答一\nmine,问题二,k2,答二\n,问题三,k3,答三\n'
    expect(csvToEntries(csv).entries.map((e) => e.id)).toEqual(['faq-001', 'mine', 'faq-003'])
  })

  it('ignores unknown columns', () => {
    const { entries } = csvToEntries('问题,备注,关键词,答案\n怎么退款,内部备注,退款,联系客服\n')
    expect(entries).toEqual([{ id: 'faq-001', q: '怎么退款', keywords: ['退款'], a: '联系客服' }])
  })
})

describe('entriesToYaml', () => {
  // Cells that YAML would misread if written unquoted: colons, comments, indicators, booleans,
  // numbers, leading dashes, quotes and newlines.
  const csv = [
    '\uFEFFid,问题,关键词,相似问法,答案,转人工',
    'refund,"退款: 怎么办？",退款|yes|123,"- 能退吗|# 可以退吗",答案,是',
    'multi,"多行\n问题","""引号""",,"第一行\n- 第二行 #不是注释\n  缩进: 行",否',
    ',true,null|~,,"@at `tick` {brace} [x] *star &amp !bang %pct",',
  ].join('\r\n')

  it('writes YAML that loads with the knowledge-file schema and keeps every value', () => {
    const { entries, problems } = csvToEntries(csv)
    expect(problems).toEqual([])
    const yaml = entriesToYaml(entries)
    expect(yaml.startsWith('#')).toBe(true)
    const loaded = parseYamlContent('imported.yaml', yaml, kbFileSchema)
    if (!loaded.ok) throw new Error(`rejected: ${JSON.stringify(loaded.problems)}`)
    expect(loaded.value).toEqual([
      {
        id: 'refund',
        q: '退款: 怎么办？',
        keywords: ['退款', 'yes', '123'],
        similar: ['- 能退吗', '# 可以退吗'],
        a: '答案',
        handoff: true,
      },
      {
        id: 'multi',
        q: '多行\n问题',
        keywords: ['"引号"'],
        similar: [],
        a: '第一行\n- 第二行 #不是注释\n  缩进: 行',
        handoff: false,
      },
      {
        id: 'faq-003',
        q: 'true',
        keywords: ['null', '~'],
        similar: [],
        a: '@at `tick` {brace} [x] *star &amp !bang %pct',
        handoff: false,
      },
    ])
  })

  it('writes YAML that the schema rejects, located, when a row is incomplete', () => {
    const { entries, problems } = csvToEntries('问题,关键词,答案\n怎么退款,退款,\n')
    expect(problems).toEqual([])
    const loaded = parseYamlContent('imported.yaml', entriesToYaml(entries), kbFileSchema)
    expect(loaded.ok).toBe(false)
    if (!loaded.ok) expect(loaded.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^0\.a: /)])
  })
})
