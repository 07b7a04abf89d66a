import { describe, expect, it } from 'vitest'
import { isQuestion } from '../../src/features/faq/intent.js'

// Each row names why the message is (or is not) a question, so a failure says which rule broke.
const questions: [why: string, text: string][] = [
  ['half-width question mark', '发票收到了?'],
  ['full-width question mark', '发票收到了？'],
  ['question mark alone', '？'],
  ['怎么', '发票怎么开'],
  ['如何', '如何申请退款'],
  ['哪里', '回放在哪里看'],
  ['多少', '续费多少钱'],
  ['几本', '这个月读几本书'],
  ['几点', '今晚几点上课'],
  ['能不能', '能不能倍速播放'],
  ['可以吗', '用花呗付款可以吗'],
  ['有没有', '有没有回放'],
  ['是不是', '是不是要先交作业'],
  ['请问 (request)', '请问课件'],
  ['麻烦 (request)', '麻烦发一下课件'],
  ['求一份 (request)', '求一份书单'],
  ['求 at the start (request)', '求第三讲的PDF'],
  ['想问一下 (request)', '想问一下作业截止'],
  ['吗 at the end', '能退吗'],
  ['吗 at the end, then white space', '还能退款吗  '],
  ['呢 at the end', '专票去哪开呢'],
  ['么 at the end', '这样可以么'],
  ['particle ending a clause before a comma', '能退吗，买了两天'],
  ['full-width letters and question mark', 'ＰＤＦ在哪？'],
  ['traditional characters', '請問發票'],
  ['English "how do I"', 'how do I get a refund'],
  ['English, capitalised', 'How do I get an invoice'],
  ['English "where"', 'where is the replay'],
]

const notQuestions: [why: string, text: string][] = [
  ['statement with a KB keyword (退款)', '我已经申请退款了'],
  ['thanks with a KB keyword (发票)', '发票收到了谢谢'],
  ['statement with a KB keyword (回放)', '今天的回放看完了'],
  ['statement with a KB keyword (作业)', '我已经交作业啦'],
  ['bare keyword', '退款'],
  ['greeting', '大家早上好'],
  ['greeting with emoji', '早安☀️'],
  ['good night', '晚安 明天见'],
  ['thanks', '谢谢老师'],
  ['acknowledgement', '收到'],
  ['check-in', '打卡'],
  ['check-in with content', '打卡 今天读了30页'],
  ['check-in with full-width punctuation', '打卡！今天读完第三章。'],
  ['poll vote', '1'],
  ['full-width poll vote', '５'],
  ['几乎 is not 几', '几乎都看完了'],
  ['empty', ''],
  ['white space only', '  \t '],
  ['full-width space only', '\u3000\u3000'],
  ['emoji only', '👍👍'],
  ['emoji only (folded hands)', '🙏'],
  ['punctuation only', '。。。！！'],
]

describe('isQuestion', () => {
  it.each(questions)('is a question: %s (%s)', (_why, text) => {
    expect(isQuestion(text)).toBe(true)
  })

  it.each(notQuestions)('is not a question: %s (%j)', (_why, text) => {
    expect(isQuestion(text)).toBe(false)
  })
})
