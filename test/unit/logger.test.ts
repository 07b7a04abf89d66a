import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logging/create-logger.js'

function capture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk))
      cb()
    },
  })
  return { lines, logger: createLogger('info', stream) }
}

describe('createLogger', () => {
  it('masks phone and ID numbers in messages and fields', () => {
    const { lines, logger } = capture()
    logger.info({ text: '我的手机 13912345678' }, '来自 11010519491231002X 的消息')
    const out = lines.join('')
    expect(out).not.toContain('13912345678')
    expect(out).not.toContain('11010519491231002X')
    expect(out).toContain('139****5678')
  })

  it('masks a lone Error logged as the only argument, message and stack', () => {
    const { lines, logger } = capture()
    logger.error(new Error('转账失败 13912345678'))
    const out = lines.join('')
    expect(out).not.toContain('13912345678')
    expect(JSON.parse(out).msg).toBe('转账失败 139****5678')
  })

  it('redacts tokens and secrets', () => {
    const { lines, logger } = capture()
    logger.info(
      {
        config: { adminToken: 'tok-very-secret' },
        token: 'abc-secret-xyz',
        req: { headers: { authorization: 'Bearer zzz' } },
      },
      'x',
    )
    const out = lines.join('')
    expect(out).not.toContain('tok-very-secret')
    expect(out).not.toContain('abc-secret-xyz')
    expect(out).not.toContain('Bearer zzz')
  })
})
