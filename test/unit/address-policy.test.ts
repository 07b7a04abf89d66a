import { describe, expect, it } from 'vitest'
import { formatProblem, parseYamlContent } from '../../src/config/load-yaml.js'
import { handoffConfigSchema } from '../../src/features/handoff/schema.js'
import { classifyAddress, literalAddress } from '../../src/outbox/webhooks/address-policy.js'

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.23', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['100.64.0.1', 'shared'],
    ['100.100.100.200', 'shared'],
    ['100.127.255.255', 'shared'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.170', 'reserved'],
    ['198.18.0.1', 'reserved'],
  ])('IPv4 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind)
  })

  it.each([
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['[::1]', 'loopback'],
    ['64:ff9b:1::1', 'private'],
    ['100::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('IPv6 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind)
  })

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:100.64.1.1', 'shared'],
    ['::127.0.0.1', 'loopback'],
    ['::8.8.8.8', 'reserved'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
  ])('an IPv6 form carrying IPv4, %s, is judged by the IPv4 address: %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind)
  })

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '101.6.6.6',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '169.255.0.1',
    '192.167.1.1',
    '223.255.255.255',
    '2400:3200::1',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    'fbff::1',
    'fe7f::1',
  ])('public %s is allowed', (address) => {
    expect(classifyAddress(address)).toBeUndefined()
  })

  it('fails closed on anything that is not an IP address', () => {
    expect(classifyAddress('localhost')).toBe('reserved')
    expect(classifyAddress('')).toBe('reserved')
    expect(classifyAddress('1.2.3')).toBe('reserved')
  })

  it('finds literal addresses in URLs, in every spelling the URL parser accepts', () => {
    expect(literalAddress(new URL('http://127.0.0.1:8080/x'))).toBe('127.0.0.1')
    expect(literalAddress(new URL('http://2130706433/'))).toBe('127.0.0.1')
    expect(literalAddress(new URL('http://0x7f.1/'))).toBe('127.0.0.1')
    expect(literalAddress(new URL('http://[::ffff:127.0.0.1]/'))).toBe('::ffff:7f00:1')
    expect(literalAddress(new URL('https://hooks.example.com/x'))).toBeUndefined()
  })
})

describe('handoff.yaml webhook endpoints', () => {
  const config = (endpoint: string) =>
    ['texts:', '  opened: "{mention} hi"', '  askRating: "{mention} rate"', 'webhooks:', endpoint, ''].join(
      '\n',
    )

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]:8080/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:10.0.0.1]/hook',
    'http://2130706433/hook',
  ])('a literal private address %s is a located problem with the allowPrivate hint', (url) => {
    const result = parseYamlContent(
      'handoff.yaml',
      config(`  - { name: staff, url: "${url}", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }`),
      handoffConfigSchema,
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    const [line] = result.problems.map(formatProblem)
    expect(line).toMatch(/^handoff\.yaml:5:25 webhooks\.0\.url: /)
    expect(line).toContain('allowPrivate: true')
  })

  it('accepts the same address with allowPrivate: true, and a host name (judged when it resolves)', () => {
    const local = parseYamlContent(
      'handoff.yaml',
      config(
        '  - { name: staff, url: "http://127.0.0.1:8080/hook", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, allowPrivate: true }',
      ),
      handoffConfigSchema,
    )
    expect(local.ok && local.value.webhooks[0]?.allowPrivate).toBe(true)
    const named = parseYamlContent(
      'handoff.yaml',
      config(
        '  - { name: staff, url: "https://hooks.example.com/x", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }',
      ),
      handoffConfigSchema,
    )
    expect(named.ok && named.value.webhooks[0]?.allowPrivate).toBe(false)
  })

  it('refuses a URL that is not http or https', () => {
    const result = parseYamlContent(
      'handoff.yaml',
      config(
        '  - { name: staff, url: "file:///etc/passwd", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }',
      ),
      handoffConfigSchema,
    )
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(formatProblem(result.problems[0] as never)).toMatch(/^handoff\.yaml:5:25 webhooks\.0\.url: /)
  })
})
