import { describe, expect, it } from 'vitest'
import { findLinkHosts, hostOf, isAllowedHost } from '../../src/features/moderation/links.js'

describe('findLinkHosts', () => {
  it.each([
    ['看 https://Shop.Example.top/item?id=1 吧', ['shop.example.top']],
    ['http://files.example.org:8080/a', ['files.example.org']],
    ['ftp://mirror.example.net/pub', ['mirror.example.net']],
    ['请看https://abc.top/x', ['abc.top']],
  ])('finds the host of a URL with a scheme: %s', (text, hosts) => {
    expect(findLinkHosts(text)).toEqual(hosts)
  })

  it.each([
    ['abc.top/x', ['abc.top']],
    ['快来 www.example-ads.top 领取', ['www.example-ads.top']],
    ['(abc.com)', ['abc.com']],
    ['go to abc.com.', ['abc.com']],
    ['「abc.top」', ['abc.top']],
  ])('finds a bare domain with a known top-level domain: %s', (text, hosts) => {
    expect(findLinkHosts(text)).toEqual(hosts)
  })

  it.each([
    // No space between the Chinese text and the domain, the way ads are usually written.
    ['点击abc.top领取', ['abc.top']],
    ['加我abc。top', ['abc.top']],
    ['网址：abc.top', ['abc.top']],
  ])('finds a domain written right after Chinese text: %s', (text, hosts) => {
    expect(findLinkHosts(text)).toEqual(hosts)
  })

  it.each([
    ['ｘｘ．ｃｏｍ', ['xx.com']],
    ['ＨＴＴＰＳ：／／ｅｖｉｌ．ｃｎ/x', ['evil.cn']],
    ['１２３．ｃｏｍ', ['123.com']],
    ['xx。com', ['xx.com']],
    ['看看 baidu。com', ['baidu.com']],
    ['www。abc。top', ['www.abc.top']],
    ['abc .com', ['abc.com']],
    ['abc﹒com', ['abc.com']],
    ['abc\u200b.com', ['abc.com']],
    ['abc.\u200bcom', ['abc.com']],
  ])(
    'reads full-width and small dots, 。, invisible characters and a space before a dot as a link: %j',
    (text, hosts) => {
      expect(findLinkHosts(text)).toEqual(hosts)
    },
  )

  it('lists each host once, in order of appearance, whatever way it was written', () => {
    expect(findLinkHosts('a.com b.com a.com https://a.com/x ｂ．ｃｏｍ c。cn')).toEqual([
      'a.com',
      'b.com',
      'c.cn',
    ])
    // The scheme URLs are listed first, then the bare domains.
    expect(findLinkHosts('x.top then https://y.top')).toEqual(['y.top', 'x.top'])
  })

  it.each([
    ['3.5'],
    ['价格3.5元'],
    ['v1.2'],
    ['升级到 v1.2.3 了'],
    ['e.g.'],
    ['a.b'],
    ['file.txt'],
    ['node.js'],
    ['foo.comx'],
    ['好的。谢谢。'],
    ['好的。com是域名'],
    ['我们.com'],
    ['ok.'],
    [''],
    // A space after the dot is a sentence, not a domain (the price: "abc. com" is not caught).
    ['Thanks. So what now'],
    ['I did it. me too'],
    ['e.g. to go'],
    ['see you at 5 p.m. today'],
    ['abc. com'],
  ])('is not a link: %j', (text) => {
    expect(findLinkHosts(text)).toEqual([])
  })

  it.each([
    ['me@mail.com'],
    ['联系 me@mail.com 谢谢'],
    ['me＠mail．com'],
    ['me@mail。com'],
    ['first.last@mail.qq.com'],
  ])('reports no link host for an email address: %s', (text) => {
    expect(findLinkHosts(text)).toEqual([])
  })

  it('still finds a real link next to an email address', () => {
    expect(findLinkHosts('email bob@qq.com or visit qq.com')).toEqual(['qq.com'])
    expect(findLinkHosts('x@y.com和abc.top')).toEqual(['abc.top'])
  })
})

describe('hostOf', () => {
  it('reads the host of a URL in lower case', () => {
    expect(hostOf('https://WEIXIN.qq.com/s/abc?x=1')).toBe('weixin.qq.com')
    expect(hostOf('ftp://files.example.org/a')).toBe('files.example.org')
    expect(hostOf('http://user:pw@shop.example.top:8080/')).toBe('shop.example.top')
  })

  it('falls back to a bare domain in text that is not a URL', () => {
    expect(hostOf('qq.com/x')).toBe('qq.com')
    expect(hostOf('ｘｘ．ｃｏｍ')).toBe('xx.com')
  })

  it('is undefined for URLs without a host (mailto:, data:, javascript:)', () => {
    expect(hostOf('mailto:a@b.com')).toBeUndefined()
    expect(hostOf('javascript:alert(1)')).toBeUndefined()
  })

  it('is undefined for junk', () => {
    expect(hostOf('not a url')).toBeUndefined()
    expect(hostOf('')).toBeUndefined()
    expect(hostOf('3.5')).toBeUndefined()
  })
})

describe('isAllowedHost', () => {
  const allow = ['qq.com', 'example.com']

  it('allows an allowed domain and its subdomains', () => {
    expect(isAllowedHost('qq.com', allow)).toBe(true)
    expect(isAllowedHost('example.com', allow)).toBe(true)
    expect(isAllowedHost('weixin.qq.com', allow)).toBe(true)
    expect(isAllowedHost('a.b.example.com', allow)).toBe(true)
  })

  it('does not allow a look-alike that only ends with the same letters', () => {
    expect(isAllowedHost('evilqq.com', allow)).toBe(false)
    expect(isAllowedHost('qq.com.evil.top', allow)).toBe(false)
    expect(isAllowedHost('qq.co', allow)).toBe(false)
    expect(isAllowedHost('com', allow)).toBe(false)
  })

  it('allows nothing with an empty list', () => {
    expect(isAllowedHost('qq.com', [])).toBe(false)
  })

  it('works on what findLinkHosts found', () => {
    const hosts = findLinkHosts('官方 https://weixin.qq.com/s/1 和 evilqq.com 还有 ｑｑ．ｃｏｍ')
    expect(hosts).toEqual(['weixin.qq.com', 'evilqq.com', 'qq.com'])
    expect(hosts.filter((h) => !isAllowedHost(h, allow))).toEqual(['evilqq.com'])
  })
})
