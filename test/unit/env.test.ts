import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { envKeys, parseEnv } from '../../src/config/env.js'

describe('parseEnv', () => {
  it('gives safe defaults: simulator, localhost, port 8787', () => {
    const result = parseEnv({})
    if (!result.ok) throw new Error(result.errors.join())
    expect(result.config).toMatchObject({ puppet: 'mock', host: '127.0.0.1', port: 8787, dataDir: './data' })
    expect(result.config.pacing).toEqual({ minGapMs: 2000, jitterMs: 1000, perMinute: 20, breakerMs: 60_000 })
  })

  it('switches to the service puppet when a token is set', () => {
    const result = parseEnv({ WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_service_abc' })
    expect(result.ok && result.config.puppet).toBe('service')
  })

  it('reports one line per bad value, naming the variable', () => {
    const result = parseEnv({
      QUNBOT_PUPPET: 'padlocal',
      QUNBOT_PORT: '99999',
      QUNBOT_SEND_MIN_GAP_MS: 'soon',
      QUNBOT_ADMIN_TOKEN: 'short',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors).toHaveLength(4)
    expect(result.errors).toContain('QUNBOT_PUPPET must be one of mock, service, wechat4u, got "padlocal"')
    expect(result.errors).toContain('QUNBOT_PORT must be a whole number from 0 to 65535, got "99999"')
    expect(result.errors.some((e) => e.startsWith('QUNBOT_SEND_MIN_GAP_MS'))).toBe(true)
    expect(result.errors.some((e) => e.startsWith('QUNBOT_ADMIN_TOKEN'))).toBe(true)
  })

  it('requires a token for the service puppet', () => {
    const result = parseEnv({ QUNBOT_PUPPET: 'service' })
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.errors).toEqual(['WECHATY_PUPPET_SERVICE_TOKEN is required when QUNBOT_PUPPET=service'])
  })

  it('documents every variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
    for (const key of envKeys()) expect(example, key).toMatch(new RegExp(`^#?\\s*${key}=`, 'm'))
  })
})
