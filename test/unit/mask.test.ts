import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { maskPersonalData } from '../../src/core/mask.js'

const digits = (n: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''))
const mobile = fc
  .tuple(fc.integer({ min: 3, max: 9 }), digits(9))
  .map(([second, rest]) => `1${second}${rest}`)
const idNumber = fc
  .tuple(
    fc.integer({ min: 110000, max: 659999 }),
    fc.integer({ min: 1940, max: 2020 }),
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 28 }),
    digits(3),
    fc.constantFrom('0', '5', '9', 'X', 'x'),
  )
  .map(
    ([area, y, m, d, seq, check]) =>
      `${area}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${seq}${check}`,
  )
const bankCard = fc
  .tuple(
    fc.constantFrom('6222', '6228', '4367', '6217', '6259'),
    digits(12),
    fc.integer({ min: 0, max: 3 }).chain((n) => digits(n)),
  )
  .chain(([bin, body, extra]) =>
    fc.constantFrom(
      `${bin}${body}${extra}`,
      `${bin} ${body.slice(0, 4)} ${body.slice(4, 8)} ${body.slice(8)}${extra ? ` ${extra}` : ''}`,
    ),
  )
const email = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9._]{2,10}$/),
    fc.constantFrom('qq.com', '163.com', 'gmail.com', 'example.cn'),
  )
  .map(([user, domain]) => `${user}@${domain}`)
const chatText = fc.string({
  unit: fc.constantFrom('我', '的', '电话', '是', '号', ' ', '，', 'a', '：'),
  maxLength: 12,
})

describe('maskPersonalData', () => {
  it('masks mobile numbers written plainly, with +86, and split by spaces or dashes', () => {
    expect(maskPersonalData('电话13812345678')).toBe('电话138****5678')
    expect(maskPersonalData('+86 138 1234 5678 找我')).toBe('138****5678 找我')
    expect(maskPersonalData('138-1234-5678')).toBe('138****5678')
  })

  it('masks numbers typed with full-width digits, every time (no regex state between calls)', () => {
    for (let i = 0; i < 3; i++) expect(maskPersonalData('电话１３８１２３４５６７８')).toBe('电话138****5678')
    expect(maskPersonalData('卡 6222 0212 3456 7890abc@qq.com')).not.toContain('7890')
  })

  it('masks resident ID numbers including the X checksum', () => {
    expect(maskPersonalData('身份证11010519491231002X')).toBe('身份证110***********002X')
  })

  it('masks bank card numbers, plain or grouped, and e-mail addresses', () => {
    expect(maskPersonalData('卡号 6222021234567890123 请转')).toBe('卡号 6222***********0123 请转')
    expect(maskPersonalData('6228 4800 1234 5678')).toBe('6228********5678')
    expect(maskPersonalData('邮箱 zhang.san@example.com 谢谢')).toBe('邮箱 z***@example.com 谢谢')
  })

  it('leaves ordinary numbers alone', () => {
    expect(maskPersonalData('第12345期，订单 20261123，价格 1999 元')).toBe(
      '第12345期，订单 20261123，价格 1999 元',
    )
  })

  it('never lets a generated phone, ID or card number or e-mail address through (property)', () => {
    fc.assert(
      fc.property(
        chatText,
        fc.oneof(mobile, idNumber, bankCard, email),
        chatText,
        (before, secret, after) => {
          const masked = maskPersonalData(`${before}${secret}${after}`)
          expect(masked).not.toContain(secret)
          expect(masked).toContain('***')
        },
      ),
      { numRuns: 2000 },
    )
  })
})
