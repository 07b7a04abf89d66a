import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RuleBook, readWordList } from '../../src/features/moderation/rule-book.js'

const TEXTS = `    texts:
      warning: "{mention} {reason}（{count}/{limit}）"
      reasons: { words: 文明交流, links: 禁止链接, cards: 禁止名片, flood: 勿刷屏, repeat: 勿重复, newcomer: 新人勿发链接 }
`

/** The rules of these tests: a profile per group id, one per topic, and a default. */
const RULES = `# test rules
whitelist:
  ids: [wxid_staff]
  names: [群主]

profiles:
  - name: vip
    match: { groups: ["vip@chatroom"] }
    banList: vip
    words:
      list: [内部资料]
${TEXTS}
  - name: books
    match: { topic: "^读书会" }
    banList: main
    words:
      files: [words/ads.txt]
    flood: { messages: 8, within: 10s }
${TEXTS}
  - name: default
    words:
      files: [words/ads.txt, words/abuse.txt]
      list: [  额外词  ]
    links: { allowDomains: [qq.com] }
${TEXTS}`

const ADS = [
  '# Advertising words: one per line.',
  '',
  '刷单',
  '加我微信  # an inline comment',
  '   ',
  '日赚千元',
  '',
].join('\n')
const ABUSE = '# 骂人的话\r\n傻瓜\r\n\r\n笨蛋\r\n'

/** 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 1): { line: number; column: number } {
  let index = -1
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(needle, index + 1)
    if (index < 0) throw new Error(`${needle} occurs fewer than ${nth} times`)
  }
  const before = text.slice(0, index).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

const room = (id: string, topic: string) => ({ id, topic })

describe('RuleBook', () => {
  let dir: string
  let rulesFile: string
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text)

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-rules-'))
    rulesFile = join(dir, 'rules.yaml')
    mkdirSync(join(dir, 'words'))
    write('words/ads.txt', ADS)
    write('words/abuse.txt', ABUSE)
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is disabled without the folder', () => {
    const book = new RuleBook(join(dir, 'no-such-folder'))
    expect(book.reload(1)).toEqual({ ok: true, problems: [] })
    expect(book.enabled).toBe(false)
    expect(book.profileFor(room('g@chatroom', '读书会一群'))).toBeUndefined()
    expect(book.isWhitelisted({ id: 'wxid_staff', name: '群主' })).toBe(false)
    expect(book.summary()).toEqual({ profiles: [] })
  })

  it('is disabled with the folder but without rules.yaml', () => {
    const book = new RuleBook(dir)
    expect(book.reload(1).ok).toBe(true)
    expect(book.enabled).toBe(false)
  })

  describe('with valid rules', () => {
    let book: RuleBook
    beforeEach(() => {
      write('rules.yaml', RULES)
      book = new RuleBook(dir)
      expect(book.reload(1_000)).toEqual({ ok: true, problems: [] })
    })

    it('is enabled and summarises the profiles', () => {
      expect(book.enabled).toBe(true)
      expect(book.problems).toEqual([])
      expect(book.summary()).toEqual({
        loadedAt: 1_000,
        profiles: [
          { name: 'vip', words: 1, banList: 'vip' },
          { name: 'books', words: 3, banList: 'main' },
          { name: 'default', words: 6 },
        ],
      })
    })

    it('finds the profile by group id first, then by topic, else the default', () => {
      // Listed by id: wins even though the name also matches the topic pattern.
      expect(book.profileFor(room('vip@chatroom', '读书会VIP群'))?.profile.name).toBe('vip')
      expect(book.profileFor(room('g1@chatroom', '读书会一群'))?.profile.name).toBe('books')
      expect(book.profileFor(room('g2@chatroom', '跑步群'))?.profile.name).toBe('default')
      // The topic pattern is anchored: "读书会" elsewhere in the name is not a match.
      expect(book.profileFor(room('g3@chatroom', '周末读书会'))?.profile.name).toBe('default')
    })

    it('compiles each profile’s settings', () => {
      const books = book.profileFor(room('g1@chatroom', '读书会一群'))?.profile
      expect(books?.flood).toEqual({ messages: 8, within: 10_000 })
      expect(books?.escalation).toEqual({
        decayAfter: 7 * 86_400_000,
        alertStaffAt: 2,
        removeAt: 3,
        banOnRemove: true,
      })
      expect(book.profilesWithBanList('main').map((p) => p.profile.name)).toEqual(['books'])
      expect(book.profilesWithBanList('none')).toEqual([])
    })

    it('whitelists by id and by name', () => {
      expect(book.isWhitelisted({ id: 'wxid_staff', name: '随便什么名字' })).toBe(true)
      expect(book.isWhitelisted({ id: 'wxid_other', name: '群主' })).toBe(true)
      expect(book.isWhitelisted({ id: 'wxid_other', name: '群主2' })).toBe(false)
      expect(book.isWhitelisted({ id: 'wxid_staff2', name: '路人' })).toBe(false)
      // For a ban only the id counts: anyone can take 群主 as their group nickname.
      expect(book.isWhitelisted({ id: 'wxid_other', name: '群主' }, true)).toBe(false)
      expect(book.isWhitelisted({ id: 'wxid_staff', name: '路人' }, true)).toBe(true)
    })

    it('reads word files without comments and blank lines, and inline lists', () => {
      const words = (topic: string) => book.profileFor(room('x@chatroom', topic))?.words
      const books = words('读书会一群')
      const other = words('跑步群')
      expect(books?.words).toEqual(['刷单', '加我微信', '日赚千元'])
      expect(other?.words).toEqual(['刷单', '加我微信', '日赚千元', '傻瓜', '笨蛋', '额外词'])
      expect(books?.find('周末 刷 单 ，日结')).toBe('刷单')
      expect(other?.find('你这个笨蛋')).toBe('笨蛋')
      expect(other?.find('这是额外词')).toBe('额外词')
      // Comment text is no word.
      expect(books?.find('advertising words: one per line')).toBeUndefined()
      expect(books?.find('an inline comment')).toBeUndefined()
      expect(other?.find('骂人的话')).toBeUndefined()
      // The books profile reads only ads.txt.
      expect(books?.find('你这个笨蛋')).toBeUndefined()
    })

    it('rereads the word files on reload', () => {
      write('words/ads.txt', '# new list\n代开发票\n')
      expect(book.reload(2_000).ok).toBe(true)
      const books = book.profileFor(room('g1@chatroom', '读书会一群'))?.words
      expect(books?.find('代开发票了')).toBe('代开发票')
      expect(books?.find('刷单')).toBeUndefined()
    })

    it('disables moderation when rules.yaml is deleted', () => {
      unlinkSync(rulesFile)
      expect(book.reload(2_000)).toEqual({ ok: true, problems: [] })
      expect(book.enabled).toBe(false)
      expect(book.profileFor(room('g1@chatroom', '读书会一群'))).toBeUndefined()
      expect(book.isWhitelisted({ id: 'wxid_staff', name: '群主' })).toBe(false)
    })

    /** A broken edit: rejected, located, and the last good rules stay live. */
    const rejects = (text: string, expected: { line: number; column: number; message: RegExp }) => {
      write('rules.yaml', text)
      const result = book.reload(2_000)
      expect(result.ok).toBe(false)
      expect(result.problems[0]).toEqual({
        file: rulesFile,
        line: expected.line,
        column: expected.column,
        message: expect.stringMatching(expected.message),
      })
      expect(book.problems).toEqual(result.problems)
      // Still the old rules.
      expect(book.enabled).toBe(true)
      expect(book.summary().loadedAt).toBe(1_000)
      expect(book.profileFor(room('g1@chatroom', '读书会一群'))?.profile.name).toBe('books')
      expect(book.profileFor(room('g2@chatroom', '跑步群'))?.profile.name).toBe('default')
      expect(book.profileFor(room('g1@chatroom', '读书会一群'))?.words.find('刷 单')).toBe('刷单')
      expect(book.profileFor(room('g2@chatroom', '跑步群'))?.words.find('笨蛋')).toBe('笨蛋')
      expect(book.isWhitelisted({ id: 'wxid_staff', name: 'x' })).toBe(true)
      return result.problems
    }

    it('rejects a YAML syntax error at the stray character', () => {
      const text = RULES.replace('within: 10s }', 'within: 10s }}')
      const braces = at(text, '}}')
      rejects(text, { line: braces.line, column: braces.column + 1, message: /flow-map-end/ })
    })

    it('rejects a stray scalar after a value at the scalar', () => {
      const text = RULES.replace('list: [内部资料]', 'list: [内部资料] 多余')
      rejects(text, { ...at(text, '多余'), message: /Unexpected scalar/ })
    })

    it('rejects a duplicate key at the second key', () => {
      const text = RULES.replace('    flood: { messages: 8', '    banList: other\n    flood: { messages: 8')
      rejects(text, { ...at(text, 'banList', 3), message: /Map keys must be unique/ })
    })

    it('rejects an unknown key at the key', () => {
      const text = RULES.replace('    flood: {', '    colour: red\n    flood: {')
      rejects(text, { ...at(text, 'colour'), message: /^profiles\.1\.colour: Unrecognized key: "colour"$/ })
    })

    it('rejects a bad duration at the value', () => {
      const text = RULES.replace('within: 10s', 'within: 10 parsecs')
      rejects(text, {
        ...at(text, '10 parsecs'),
        message: /^profiles\.1\.flood\.within: "10 parsecs" is not a duration/,
      })
    })

    it('rejects a lookahead in match.topic at the pattern (RE2 cannot run it)', () => {
      const text = RULES.replace('match: { topic: "^读书会" }', 'match: { topic: "^读书会(?!旧)" }')
      rejects(text, {
        ...at(text, '"^读书会(?!'),
        message: /^profiles\.1\.match\.topic: 正则表达式第 5 个字符处的环视 \(\?! 不受支持/,
      })
    })

    it('rejects a reason over 100 characters at the reason', () => {
      const text = RULES.replace('flood: 勿刷屏', `flood: ${'勿'.repeat(101)}`)
      rejects(text, {
        ...at(text, '勿'.repeat(101)),
        message: /^profiles\.0\.texts\.reasons\.flood: 文字太长：101 字，这里最多 100 字$/,
      })
    })

    it('rejects a missing word file at its name', () => {
      const text = RULES.replace('[words/ads.txt, words/abuse.txt]', '[words/ads.txt, words/missing.txt]')
      rejects(text, {
        ...at(text, 'words/missing.txt'),
        message: /^profiles\.2\.words\.files\.1: word list not found/,
      })
    })

    it('rejects a second profile without match at the profiles list', () => {
      const text = `${RULES}  - name: another-default\n${TEXTS}`
      rejects(text, {
        ...at(text, '- name: vip'),
        message: /^profiles: only one profile may leave out match/,
      })
    })

    it('rejects a duplicate profile name at the second name', () => {
      const text = RULES.replace('name: books', 'name: vip')
      const key = at(text, 'name: vip', 2)
      rejects(text, {
        line: key.line,
        column: key.column + 'name: '.length,
        message: /^profiles\.1\.name: profile vip is defined twice$/,
      })
    })

    it('rejects a word file deleted under unchanged rules, and loads again once it is back', () => {
      unlinkSync(join(dir, 'words/abuse.txt'))
      rejects(RULES, { ...at(RULES, 'words/abuse.txt'), message: /word list not found/ })
      write('words/abuse.txt', '新词\n')
      expect(book.reload(3_000)).toEqual({ ok: true, problems: [] })
      expect(book.problems).toEqual([])
      expect(book.profileFor(room('g2@chatroom', '跑步群'))?.words.find('笨蛋')).toBeUndefined()
      expect(book.profileFor(room('g2@chatroom', '跑步群'))?.words.find('新词')).toBe('新词')
    })

    it('disables moderation when rules.yaml is deleted after a rejected edit', () => {
      rejects(RULES.replace('within: 10s', 'within: soon'), {
        ...at(RULES.replace('within: 10s', 'within: soon'), 'soon'),
        message: /not a duration/,
      })
      unlinkSync(rulesFile)
      expect(book.reload(3_000).ok).toBe(true)
      expect(book.enabled).toBe(false)
      expect(book.problems).toEqual([])
    })
  })

  it('rejects a word list that is a folder, at its line, instead of failing the reload', () => {
    write('rules.yaml', RULES)
    const book = new RuleBook(dir)
    expect(book.reload(1).ok).toBe(true)
    write('rules.yaml', RULES.replace('words/ads.txt', 'words'))
    const result = book.reload(2)
    expect(result.ok).toBe(false)
    expect(result.problems[0]?.message).toContain('not a file')
    expect(book.enabled).toBe(true)
  })

  it('stays disabled when the first rules are broken', () => {
    write('rules.yaml', RULES.replace('within: 10s', 'within: 10 parsecs'))
    const book = new RuleBook(dir)
    expect(book.reload(1).ok).toBe(false)
    expect(book.enabled).toBe(false)
    expect(book.profileFor(room('g1@chatroom', '读书会一群'))).toBeUndefined()
  })

  it('loads a list of 5,000 words, every one of them', () => {
    const words = Array.from(
      { length: 5_000 },
      (_, i) =>
        `违禁${String.fromCharCode(0x4e00 + (i % 2_000))}${String.fromCharCode(0x5000 + Math.floor(i / 2_000))}`,
    )
    expect(new Set(words).size).toBe(5_000)
    write('words/big.txt', ['# generated', ...words].join('\n'))
    write('rules.yaml', `profiles:\n  - name: big\n    words:\n      files: [words/big.txt]\n${TEXTS}`)
    const book = new RuleBook(dir)
    expect(book.reload(1)).toEqual({ ok: true, problems: [] })
    expect(readWordList(join(dir, 'words/big.txt'))).toEqual(words)
    expect(book.summary().profiles).toEqual([{ name: 'big', words: 5_000 }])
    const filter = book.profileFor(room('any@chatroom', '任何群'))?.words
    for (const word of words) expect(filter?.find(`前面 ${word} 后面`)).toBe(word)
    expect(filter?.find('违禁')).toBeUndefined()
    expect(filter?.find(`违禁${String.fromCharCode(0x4e00)}${String.fromCharCode(0x5003)}`)).toBeUndefined()
  })
})
