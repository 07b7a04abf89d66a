/**
 * Puts the bench's groups into the state a running community is in: newcomers in their task
 * period, the satisfaction poll open in a share of groups, and open tickets for a share of
 * members. Done through the bot's own paths (join events, the SOP's scheduled job, a member
 * asking for a human), then checked in the database.
 */
import type { ScheduledJob } from '../src/core/jobs.js'
import type { Member } from '../src/core/types.js'
import type { PacedSender } from '../src/platform/paced-sender.js'
import type { BotRuntime } from '../src/runtime/bot-runtime.js'
import type { Workload } from './workload.js'

export interface BindOptions {
  openPollShare: number
  openTicketShare: number
}

export interface BoundState {
  newcomers: number
  openPolls: number
  openTickets: number
}

export async function bindGroups(
  runtime: BotRuntime,
  workload: Workload,
  jobs: ReadonlyMap<string, ScheduledJob>,
  listed: Map<string, Member[]>,
  options: BindOptions,
  count: (sql: string) => number,
): Promise<BoundState> {
  for (const room of workload.rooms) {
    const joining = workload.newcomers.get(room.id) ?? []
    if (joining.length === 0) continue
    listed.get(room.id)?.push(...joining)
    await runtime.sink.membersJoined(room, joining, undefined)
  }
  const now = Date.now()
  const pollRooms = workload.rooms.slice(0, Math.round(workload.rooms.length * options.openPollShare))
  for (const room of pollRooms) {
    const job = jobs.get(`sop:${room.id}:topic:satisfaction`)
    if (!job) throw new Error(`bench: no satisfaction poll job for ${room.id}; is the SOP bound?`)
    await job.run(now)
  }
  const ticketRooms = workload.rooms.slice(0, Math.round(workload.rooms.length * options.openTicketShare))
  for (const room of ticketRooms) {
    const member = workload.members.get(room.id)?.[0] as Member
    await runtime.handleMessage({
      id: `bench-ticket-${room.id}`,
      kind: 'text',
      roomId: room.id,
      roomTopic: room.topic,
      sender: member,
      text: '转人工',
      mentionIds: [],
      mentionsBot: false,
      sentAt: Date.now(),
      self: false,
    })
  }
  runtime.messageLog.flush()
  const state = {
    newcomers: count("SELECT COUNT(*) FROM sop_newcomers WHERE status = 'active'"),
    openPolls: count('SELECT COUNT(*) FROM polls WHERE closed_at IS NULL'),
    openTickets: count("SELECT COUNT(*) FROM tickets WHERE status <> 'closed'"),
  }
  const expected = {
    newcomers: [...workload.newcomers.values()].reduce((n, list) => n + list.length, 0),
    openPolls: pollRooms.length,
    openTickets: ticketRooms.length,
  }
  for (const key of Object.keys(expected) as (keyof BoundState)[]) {
    if (state[key] !== expected[key])
      throw new Error(`bench: ${key} ${state[key]} after binding, expected ${expected[key]}`)
  }
  return state
}

/** Counts calls to the sender's `send` (one per reply, warning, welcome...), to tell acting messages. */
export function countSends(sender: PacedSender): { count: number } {
  const counter = { count: 0 }
  const send = sender.send.bind(sender)
  sender.send = (roomId, message) => {
    counter.count++
    return send(roomId, message)
  }
  return counter
}
