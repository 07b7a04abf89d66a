import { describe, expect, it } from 'vitest'
import { classifyQr, firstDisallowedQr } from '../../src/features/moderation/qr-rules.js'

describe('classifyQr', () => {
  it.each([
    ['https://u.wechat.com/EGx3nJ0Yq', 'wechat_personal'],
    ['https://weixin.qq.com/g/AwYAAJ-abc', 'wechat_group'],
    ['http://weixin.qq.com/r/abcdef', 'wechat_official'],
    ['https://mp.weixin.qq.com/s/xyz', 'wechat_official'],
    ['wxp://f2f0abc', 'wechat_pay'],
    ['https://ads.example.top/x', 'url'],
    ['加我微信 abc123', 'text'],
    ['mailto:a@b.c', 'text'],
  ])('%s is %s', (text, kind) => {
    expect(classifyQr(text)).toBe(kind)
  })
})

describe('firstDisallowedQr', () => {
  const own = 'weixin.qq.com/g/OURGROUP'
  it('allows the group own invite and links to allowed domains, and nothing else', () => {
    expect(firstDisallowedQr(['https://weixin.qq.com/g/OURGROUP'], [own], [])).toBeUndefined()
    expect(firstDisallowedQr(['https://docs.example.com/a'], [], ['example.com'])).toBeUndefined()
    expect(firstDisallowedQr(['https://weixin.qq.com/g/OTHER'], [own], [])).toEqual({
      text: 'https://weixin.qq.com/g/OTHER',
      kind: 'wechat_group',
    })
    // A personal card is not a web link: the domain list does not allow it.
    expect(firstDisallowedQr(['https://u.wechat.com/X'], [], ['wechat.com'])?.kind).toBe('wechat_personal')
  })

  it('finds the bad one among several codes on one poster', () => {
    expect(
      firstDisallowedQr(['https://weixin.qq.com/g/OURGROUP', 'https://u.wechat.com/SPAM'], [own], [])?.text,
    ).toBe('https://u.wechat.com/SPAM')
  })
})
