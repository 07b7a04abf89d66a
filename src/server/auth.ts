import { createHash, timingSafeEqual } from 'node:crypto'

/** Compares a presented bearer token with the expected one without leaking length or content by timing. */
export function isValidBearer(header: string | undefined, expected: string): boolean {
  if (!header?.startsWith('Bearer ')) return false
  const presented = createHash('sha256').update(header.slice(7).trim()).digest()
  const wanted = createHash('sha256').update(expected).digest()
  return timingSafeEqual(presented, wanted)
}
