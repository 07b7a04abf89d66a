import { describe, expect, it } from 'vitest'
import { silentLogger } from '../../src/core/logger.js'
import { createRealPuppet } from '../../src/platform/wechaty/create-puppet.js'
import { WechatyPlatform } from '../../src/platform/wechaty/wechaty-platform.js'

// This machine has no route to WeChat or a puppet gateway, so these stop short of logging in:
// they prove the real puppets load, take our settings and plug into the adapter.
describe('real-account puppets', () => {
  it('builds a wechaty-puppet-service puppet from the token and TLS settings', async () => {
    const puppet = await createRealPuppet('service', {
      token: 'puppet_service_0123456789abcdef',
      endpoint: '127.0.0.1:8788',
      tlsDisabled: true,
    })
    expect(puppet.constructor.name).toBe('PuppetService')
    expect(
      (puppet as unknown as { options: { token: string; tls: { disable: boolean } } }).options,
    ).toMatchObject({
      token: 'puppet_service_0123456789abcdef',
      endpoint: '127.0.0.1:8788',
      tls: { disable: true },
    })
    const platform = new WechatyPlatform({ name: 'service', puppet, log: silentLogger })
    expect(platform.login()).toEqual({ state: 'starting' })
  })

  it('builds a wechat4u puppet', async () => {
    const puppet = await createRealPuppet('wechat4u', {})
    expect(puppet.constructor.name).toBe('PuppetWechat4u')
  })
})
