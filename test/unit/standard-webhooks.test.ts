import { describe, expect, it } from 'vitest'
import { sign, signedHeaders, verify } from '../../src/outbox/webhooks/standard-webhooks.js'

// The example from the Standard Webhooks specification.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const SPEC_TS = 1614265330
const SPEC_BODY = '{"test": 2432232314}'

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
        headers: { ...h, 'webhook-signature': sign('other', SPEC_ID, SPEC_TS, SPEC_BODY) },
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
    expect(verify(headers, SPEC_BODY, ['old-secret', SPEC_SECRET], SPEC_TS * 1000 + 60_000)).toEqual({
      ok: true,
      id: SPEC_ID,
      timestamp: SPEC_TS,
    })
  })
})
