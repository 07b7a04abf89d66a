import { describe, expect, it } from 'vitest'
import { parseQuote } from '../../src/core/quote.js'

const RULE = '- - - - - - - - - - - - - - -'

describe('parseQuote', () => {
  it('splits WeChat quote text into what was quoted and the reply', () => {
    expect(parseQuote(`「张三：明天几点开始？」\n${RULE}\n打卡`)).toEqual({
      quoted: '张三：明天几点开始？',
      reply: '打卡',
    })
  })

  it('keeps a multi-line quote and reply whole', () => {
    expect(parseQuote(`「李四：第一行\n第二行」\n${RULE}\n我也是\n同问`)).toEqual({
      quoted: '李四：第一行\n第二行',
      reply: '我也是\n同问',
    })
  })

  it('is not a quote without the brackets or the dashed rule', () => {
    expect(parseQuote('打卡')).toBeUndefined()
    expect(parseQuote(`张三：你好\n${RULE}\n回复`)).toBeUndefined()
    expect(parseQuote('「张三：你好」\n回复')).toBeUndefined()
    expect(parseQuote('「张三：你好」\n- - - - - x\n回复')).toBeUndefined()
  })

  it('is linear on hostile text', () => {
    const hostile = `「${'「- - - - -\n'.repeat(30_000)}`
    const started = performance.now()
    parseQuote(hostile)
    parseQuote(`「${'a'.repeat(60_000)}`)
    expect(performance.now() - started).toBeLessThan(50)
  })
})
