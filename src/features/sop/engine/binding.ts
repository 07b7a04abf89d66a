import { findByMatch } from '../../../config/content-schema.js'
import type { Room } from '../../../core/types.js'
import type { LoadedSop } from '../sop-library.js'

/**
 * Which SOP a group runs: an SOP that lists the group's id wins; otherwise the first SOP (in file
 * name order) whose topic pattern matches the group's name; otherwise none, and the group is
 * left alone.
 */
export function bindSop(room: Room, sops: readonly LoadedSop[]): LoadedSop | undefined {
  return findByMatch(room, sops, (s) => s.sop.match)
}
