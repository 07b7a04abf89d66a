import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * The Standard Webhooks signing scheme (standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(secret,
 * "id.timestamp.body")>`, several space-separated signatures allowed during secret rotation.
 * Secrets are `whsec_<base64>` (the key is the decoded bytes) or any other string (used as is).
 */
export function secretKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8')
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
