import { createHash } from 'node:crypto'

/**
 * A one-way stand-in for a member id, kept where a record must outlive the member's erasure (a
 * ban): the bot can still recognise the member when they come back, but the table no longer
 * holds their id.
 */
export function hashMemberId(memberId: string): string {
  return `${HASH_PREFIX}${createHash('sha256').update(memberId).digest('hex')}`
}

/** How a hashed id starts (a platform id never does). */
export const HASH_PREFIX = 'sha256:'
