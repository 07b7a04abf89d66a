import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import {
  checkSecret,
  secretKey,
  sign,
  signedHeaders,
  verify,
} from '../../src/outbox/webhooks/standard-webhooks.js'

// The example from the Standard Webhooks specification.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const SPEC_TS = 1614265330
const SPEC_BODY = '{"test": 2432232314}'
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`

describe('Standard Webhooks signing', () => {
  it('matches the signature in the specification', () => {
    expect(sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    )
  })

  it.each([
    [
      'tampered body',
      (h: Record<string, string>) => ({ headers: h, body: SPEC_BODY.replace('2', '3') }),
      'no valid signature',
    ],
    [
      'wrong secret',
      (h: Record<string, string>) => ({
        headers: { ...h, 'webhook-signature': sign(OTHER_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) },
        body: SPEC_BODY,
      }),
      'no valid signature',
    ],
    [
      'stale timestamp',
      (h: Record<string, string>) => ({
        headers: { ...h, 'webhook-timestamp': String(SPEC_TS - 301) },
        body: SPEC_BODY,
      }),
      'more than 300 s',
    ],
    [
      'missing header',
      (h: Record<string, string>) => ({ headers: { ...h, 'webhook-id': '' }, body: SPEC_BODY }),
      'missing',
    ],
  ])('rejects a %s', (_name, mutate, reason) => {
    const { headers, body } = mutate(signedHeaders(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY))
    const result = verify(headers, body, [SPEC_SECRET], SPEC_TS * 1000)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toContain(reason)
  })

  it('accepts any of several signatures and secrets (rotation)', () => {
    const headers = {
      ...signedHeaders(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY),
      'webhook-signature': `v1,AAAA ${sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)}`,
    }
    expect(verify(headers, SPEC_BODY, [OTHER_SECRET, SPEC_SECRET], SPEC_TS * 1000 + 60_000)).toEqual({
      ok: true,
      id: SPEC_ID,
      timestamp: SPEC_TS,
    })
  })
})

describe('Standard Webhooks secrets', () => {
  // The secrets: Node's lenient base64 turned each into an empty (or 1-byte) HMAC key.
  it.each([
    ['whsec_', 'base64'],
    ['whsec_a', 'base64'],
    ['whsec_!!!!', 'base64'],
    ['whsec_密钥', 'base64'],
    ['whsec_ MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'],
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', 'base64'],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'format'],
    ['a plain-text secret', 'format'],
    ['whsec_YWJj', 'length'],
    [`whsec_${Buffer.alloc(23).toString('base64')}`, 'length'],
    [`whsec_${Buffer.alloc(65).toString('base64')}`, 'length'],
  ])('refuses %j (%s)', (secret, problem) => {
    const checked = checkSecret(secret)
    expect(checked.ok).toBe(false)
    if (!checked.ok) expect(checked.problem).toBe(problem)
    expect(() => secretKey(secret)).toThrow(/not a valid Standard Webhooks secret/)
  })

  it('refuses every secret the official library refuses', () => {
    for (const secret of ['whsec_', 'whsec_a', 'whsec_!!!!', 'whsec_密钥', 'whsec_YW-_', 'whsec_YWI']) {
      expect(() => new Webhook(secret), secret).toThrow()
      expect(checkSecret(secret).ok, secret).toBe(false)
    }
  })

  it.each([24, 32, 64])(
    'accepts a whsec_ secret of %i random bytes, with the same key as the official library',
    (n) => {
      const secret = `whsec_${randomBytes(n).toString('base64')}`
      const checked = checkSecret(secret)
      expect(checked.ok && checked.key.length).toBe(n)
      const body = JSON.stringify({ type: 'handoff.opened', n })
      const headers = signedHeaders(secret, 'msg_1', Math.floor(Date.now() / 1000), body)
      expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'handoff.opened', n })
    },
  )

  it('verifies what the official library signs', () => {
    const now = Date.now()
    const timestamp = new Date(Math.floor(now / 1000) * 1000)
    const body = '{"action":"reply"}'
    const headers = {
      'webhook-id': 'msg_official',
      'webhook-timestamp': String(timestamp.getTime() / 1000),
      'webhook-signature': new Webhook(SPEC_SECRET).sign('msg_official', timestamp, body),
    }
    expect(verify(headers, body, [SPEC_SECRET], now)).toMatchObject({ ok: true, id: 'msg_official' })
  })
})
