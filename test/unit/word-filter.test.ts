import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizeForMatching, WordFilter } from '../../src/features/moderation/word-filter.js'

describe('WordFilter', () => {
  const filter = new WordFilter(['微信加我', '刷单', 'VX', '代开发票', 'he', 'she', 'hers'])

  it.each([
    ['加我微信加我', '微信加我'],
    ['微 信 加 我 详聊', '微信加我'],
    ['微.信-加_我！', '微信加我'],
    ['微😀信😀加😀我', '微信加我'],
    ['ＶＸ：abc123', 'vx'],
    ['招人刷单，日结', '刷单'],
    ['ushers', 'she'],
    ['今天读了第三章', undefined],
  ])('%s -> %s', (text, expected) => {
    expect(filter.find(text)).toBe(expected)
  })

  it('finds a word wherever it stands, with any separators inserted (property)', () => {
    const words = ['代开发票', '微信加我', '刷单返利', '高额回报']
    const f = new WordFilter(words)
    const filler = fc.string({ unit: fc.constantFrom('好', '的', '书', '读', '课', '了'), maxLength: 20 })
    const separator = fc.constantFrom('', ' ', '.', '-', '*', '　', '、', '😀')
    fc.assert(
      fc.property(
        filler,
        fc.constantFrom(...words),
        fc.array(separator, { minLength: 4, maxLength: 4 }),
        filler,
        (a, word, seps, b) => {
          const spread = [...word].map((ch, i) => ch + (seps[i] ?? '')).join('')
          expect(f.find(`${a}${spread}${b}`)).toBe(normalizeForMatching(word))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('never reports a word that is not in the normalised text (property)', () => {
    const words = Array.from(
      { length: 200 },
      (_, i) => `词${String.fromCharCode(0x4e00 + i)}${String.fromCharCode(0x4f00 + i)}`,
    )
    const f = new WordFilter(words)
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        const hit = f.find(text)
        if (hit !== undefined) expect(normalizeForMatching(text)).toContain(hit)
        else for (const w of words) expect(normalizeForMatching(text).includes(w)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})
