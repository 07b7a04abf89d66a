import { describe, expect, it } from 'vitest'
import {
  buildIndex,
  decide,
  type FaqDecision,
  type FaqIndex,
  type MatchOptions,
  rank,
} from '../../src/features/faq/matcher.js'
import { type KbEntry, kbFileSchema } from '../../src/features/faq/schema.js'
import { topicTokens } from '../../src/features/faq/text.js'

// A small knowledge base with the traps real ones have: 发票 / 专票 overlap, 续费 hides inside
// 手续费, and 分期 questions mention 手续费.
const KB: KbEntry[] = kbFileSchema.parse([
  {
    id: 'invoice',
    q: '怎么开发票？',
    keywords: ['发票', '开票', '普票'],
    similar: ['报销需要开票', '买课可以开发票吗'],
    a: 'INVOICE',
  },
  {
    id: 'vat-invoice',
    q: '可以开增值税专用发票吗？',
    keywords: ['专票', '增值税专用发票'],
    similar: ['公司要专票怎么开'],
    a: 'VAT',
  },
  {
    id: 'renewal',
    q: '老学员续费有优惠吗？',
    keywords: ['续费', '续订'],
    similar: ['到期后续费打折吗'],
    a: 'RENEWAL',
  },
  {
    id: 'installment',
    q: '可以用花呗或者分期付款吗？',
    keywords: ['花呗', '分期', '信用卡'],
    similar: ['能分期付款吗'],
    a: 'INSTALLMENT',
  },
  {
    id: 'replay',
    q: '直播有回放吗？',
    keywords: ['回放', '录播'],
    similar: ['昨天的直播在哪看回放', '错过了直播还能看吗'],
    a: 'REPLAY',
  },
  {
    id: 'materials',
    q: '课程资料怎么下载？',
    keywords: ['讲义', 'PDF', 'PPT'],
    similar: ['老师的PPT能下载吗'],
    a: 'MATERIALS',
  },
])

const OPTIONS: MatchOptions = { mentioned: false, threshold: 0.55, margin: 0.08 }

// Built on first use, so the segmenter test below sees the dictionary before the KB's keywords.
let built: FaqIndex | undefined
const kbIndex = (): FaqIndex => {
  built ??= buildIndex(KB)
  return built
}

const ask = (text: string, options: Partial<MatchOptions> = {}): FaqDecision =>
  decide(kbIndex(), text, { ...OPTIONS, ...options })

/** The id answered, or a readable description of why nothing was, for clear failure messages. */
function outcome(decision: FaqDecision): string {
  if (decision.kind === 'answer') return decision.entry.id
  if (decision.kind === 'choose') return `choose ${decision.candidates.map((c) => c.entry.id).join(' ')}`
  return `none: ${decision.reason}`
}

describe('the segmenter learns the KB keywords', () => {
  it('keeps 花呗 whole once an index with that keyword is built', () => {
    // Precondition: the stock dictionary splits it, or this test proves nothing.
    expect(topicTokens('花呗分期')).not.toContain('花呗')
    kbIndex()
    expect(topicTokens('花呗分期')).toEqual(['花呗', '分期'])
    expect(topicTokens('公司要专票')).toContain('专票')
  })
})

describe('decide', () => {
  it.each([
    ['发票怎么开？', 'invoice'],
    ['请问可以用花呗吗', 'installment'],
    ['公司要专票怎么开？', 'vat-invoice'],
    ['续费多少钱？', 'renewal'],
    ['讲义在哪里下载？', 'materials'],
  ])('answers a question with a keyword: %s -> %s', (text, id) => {
    const decision = ask(text)
    expect(outcome(decision)).toBe(id)
    expect(decision).toMatchObject({ kind: 'answer', reason: 'keyword and overlap' })
  })

  it.each([
    ['昨天的直播在哪里看', 'replay'],
    ['错过了昨晚的直播还能看吗', 'replay'],
  ])('answers a paraphrase without any keyword by overlap: %s -> %s', (text, id) => {
    expect(rank(kbIndex(), text).every((c) => !c.keywordHit)).toBe(true)
    const decision = ask(text)
    expect(outcome(decision)).toBe(id)
    expect(decision).toMatchObject({ kind: 'answer', reason: 'overlap' })
  })

  it.each([['明天天气怎么样？'], ['北京有什么好吃的？'], ['这本书的作者是谁？'], ['怎么开ＦＡＰＩＡＯ']])(
    'stays silent on an off-topic question: %s',
    (text) => {
      const decision = ask(text)
      expect(decision.kind).toBe('none')
      if (decision.kind === 'none') expect(['no-match', 'below-threshold']).toContain(decision.reason)
    },
  )

  it.each([['我已经申请退款了'], ['发票收到了谢谢'], ['今天的回放看完了'], ['专票']])(
    'stays silent on a statement (%s), even with a keyword',
    (text) => {
      expect(ask(text)).toEqual({ kind: 'none', reason: 'not-a-question' })
    },
  )

  it.each([
    ['发票收到了谢谢', 'invoice'],
    ['今天的回放看完了', 'replay'],
    ['专票', 'vat-invoice'],
  ])('answers a statement that @mentions the bot: %s -> %s', (text, id) => {
    expect(outcome(ask(text, { mentioned: true }))).toBe(id)
  })

  it('does not call an @mention with nothing in the KB a non-question', () => {
    expect(ask('今天天气不错', { mentioned: true })).toMatchObject({ kind: 'none', reason: 'no-match' })
  })

  it.each([['普票和专票都能开吗？'], ['发票和专票有什么区别？'], ['增值税专用发票和普通发票怎么开？']])(
    'asks which one is meant when 发票 and 专票 score close: %s',
    (text) => {
      const decision = ask(text)
      expect(decision.kind).toBe('choose')
      if (decision.kind !== 'choose') return
      expect(decision.candidates.map((c) => c.entry.id).sort()).toEqual(['invoice', 'vat-invoice'])
      for (const c of decision.candidates) expect(c.score).toBeGreaterThanOrEqual(OPTIONS.threshold)
      expect(decision.reason).toMatch(/^ambiguous: /)
    },
  )

  it.each([['手续费是多少？'], ['退课要扣手续费吗？'], ['提现有手续费吗？']])(
    'does not read 续费 (renewal) inside 手续费: %s',
    (text) => {
      expect(outcome(ask(text))).not.toBe('renewal')
      expect(rank(kbIndex(), text).find((c) => c.entry.id === 'renewal')?.keywordHit ?? false).toBe(false)
    },
  )

  it.each([['花呗分期有手续费吗？'], ['分期有手续费吗？']])(
    'answers installment, not renewal, for 分期 with 手续费: %s',
    (text) => {
      expect(outcome(ask(text))).toBe('installment')
    },
  )

  it.each([
    ['請問發票怎麼開', '请问发票怎么开'],
    ['續費多少錢？', '续费多少钱？'],
    ['直播有回放嗎', '直播有回放吗'],
  ])('matches traditional characters (%s) like simplified (%s)', (traditional, simplified) => {
    const t = ask(traditional)
    expect(t.kind).toBe('answer')
    expect(t).toEqual(ask(simplified))
  })

  it.each([
    ['ＰＤＦ在哪里下载？', 'pdf在哪里下载?'],
    ['PDF在哪里下载？', 'pdf在哪里下载?'],
    ['ＰＰＴ能下载吗', 'ppt能下载吗'],
  ])('folds full width and case: %s like %s', (variant, plain) => {
    const v = ask(variant)
    expect(outcome(v)).toBe('materials')
    expect(v).toEqual(ask(plain))
  })

  it('leaves out entries the allow filter excludes', () => {
    expect(outcome(ask('发票怎么开？'))).toBe('invoice')
    const filtered = ask('发票怎么开？', { allow: (entry) => entry.id !== 'invoice' })
    expect(outcome(filtered)).not.toBe('invoice')
    expect(
      rank(kbIndex(), '发票怎么开？', (entry) => entry.id !== 'invoice').map((c) => c.entry.id),
    ).not.toContain('invoice')
    // With one of two close entries excluded there is nothing left to choose between.
    expect(outcome(ask('普票和专票都能开吗？', { allow: (entry) => entry.id !== 'invoice' }))).toBe(
      'vat-invoice',
    )
  })

  it.each([['普票和专票都能开吗？'], ['发票怎么开？'], ['昨天的直播在哪里看'], ['明天天气怎么样？']])(
    'is deterministic, whatever the order of the KB: %s',
    (text) => {
      const first = ask(text)
      expect(ask(text)).toEqual(first)
      const reversed = buildIndex([...KB].reverse())
      expect(decide(reversed, text, OPTIONS)).toEqual(first)
      expect(rank(reversed, text)).toEqual(rank(kbIndex(), text))
    },
  )
})
