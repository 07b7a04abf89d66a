import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The Standard Webhooks signing scheme (standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(secret,
 * "id.timestamp.body")>`, several space-separated signatures allowed during secret rotation.
 * Secrets are `whsec_<base64>`; the key is the decoded bytes.
 */

/** Standard base64 with its padding, as the official libraries decode it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The key lengths the specification asks for. */
export const SECRET_MIN_BYTES = 24
export const SECRET_MAX_BYTES = 64

export type SecretCheck =
  | { ok: true; key: Buffer }
  | { ok: false; problem: 'format' | 'base64' }
  | { ok: false; problem: 'length'; bytes: number }

/**
 * Checks a secret the way the specification and its official library do: the `whsec_` prefix,
 * valid base64 and 24 to 64 bytes once decoded. Node's own base64 decoder skips what it cannot
 * read, so `whsec_`, `whsec_a` or `whsec_!!!!` would otherwise become an empty HMAC key that
 * anyone can sign with.
 */
export function checkSecret(secret: string): SecretCheck {
  if (!secret.startsWith('whsec_')) return { ok: false, problem: 'format' }
  const encoded = secret.slice('whsec_'.length)
  if (encoded === '' || !BASE64.test(encoded)) return { ok: false, problem: 'base64' }
  const key = Buffer.from(encoded, 'base64')
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES)
    return { ok: false, problem: 'length', bytes: key.length }
  return { ok: true, key }
}

/** The HMAC key of a secret; throws on a secret checkSecret refuses (config checks them at load). */
export function secretKey(secret: string): Buffer {
  const checked = checkSecret(secret)
  if (!checked.ok) throw new Error(`not a valid Standard Webhooks secret (${checked.problem})`)
  return checked.key
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64')
  return `v1,${mac}`
}

export function signedHeaders(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': sign(secret, id, timestampSeconds, body),
  }
}

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: string }

/**
 * Checks a signed request: headers present, timestamp within `toleranceSeconds` of now (both
 * ways), and one of the signatures made with one of the secrets (constant-time compare).
 * Replay protection (rejecting an id seen before) is the caller's, since it needs storage.
 */
export function verify(
  headers: Record<string, string | string[] | undefined>,
  body: string,
  secrets: readonly string[],
  nowMs: number,
  toleranceSeconds = 300,
): VerifyResult {
  const header = (name: string) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const id = header('webhook-id')
  const ts = header('webhook-timestamp')
  const signatures = header('webhook-signature')
  if (!id || !ts || !signatures)
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' }
  const timestamp = Number(ts)
  if (!Number.isInteger(timestamp))
    return { ok: false, reason: 'webhook-timestamp is not a whole number of seconds' }
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) {
    return { ok: false, reason: `webhook-timestamp is more than ${toleranceSeconds} s from now` }
  }
  const presented = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'))
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, id, timestamp, body).slice(3), 'base64')
    if (presented.some((p) => p.length === expected.length && timingSafeEqual(p, expected)))
      return { ok: true, id, timestamp }
  }
  return { ok: false, reason: 'no valid signature' }
}
