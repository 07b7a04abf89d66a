import type { Clock } from '../../core/clock.js'
import type { Db } from '../../db/client.js'
import { verify } from '../../outbox/webhooks/standard-webhooks.js'
import type { InboundGate } from './handoff-routes.js'

/**
 * Verifies signed inbound webhooks (Standard Webhooks: tolerance on the timestamp, constant-time
 * signature compare) and rejects an id seen before. Ids older than twice the tolerance are
 * forgotten: their timestamps would be rejected anyway.
 */
export function createInboundGate(
  db: Db,
  clock: Clock,
  secrets: string[],
  toleranceSeconds: number,
): InboundGate {
  const remember = db.$client.prepare(
    'INSERT OR IGNORE INTO inbound_webhook_ids (id, received_at) VALUES (?, ?)',
  )
  const forget = db.$client.prepare('DELETE FROM inbound_webhook_ids WHERE received_at < ?')
  return {
    accept(headers, rawBody) {
      const now = clock.now()
      const checked = verify(headers, rawBody, secrets, now, toleranceSeconds)
      if (!checked.ok) return checked
      forget.run(now - 2 * toleranceSeconds * 1000)
      if (remember.run(checked.id, now).changes === 0)
        return { ok: false, reason: `webhook-id ${checked.id} was already received` }
      return { ok: true }
    },
  }
}
