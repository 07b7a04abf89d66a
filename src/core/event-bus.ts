import type { ConnectionStatus, LoginStatus, Member, Room } from './types.js'

/** How a membership change was learned: a platform event, or the periodic member-list diff. */
export type MembershipSource = 'event' | 'reconcile'

/** Events that are not messages, delivered to features. */
export interface BotEvents {
  memberJoined: { room: Room; members: Member[]; inviterId?: string; source: MembershipSource; at: number }
  memberLeft: { room: Room; members: Member[]; source: MembershipSource; at: number }
  roomTopicChanged: { room: Room; oldTopic: string; at: number }
  /** The bot sees a group for the first time (it was added, or found it at start). */
  roomDiscovered: { room: Room; at: number }
  /** The bot's account was removed from a group (its members count as gone with it). */
  roomLost: { room: Room; at: number }
  loginChanged: LoginStatus
  /** The account's connection changed state (online, offline, login required, starting). */
  connectionChanged: ConnectionStatus
}

export type BotEventName = keyof BotEvents
export type BotEventHandler<K extends BotEventName> = (event: BotEvents[K]) => void | Promise<void>
export type BotEventHandlers = { [K in BotEventName]?: BotEventHandler<K> }

type ErrorReporter = (error: unknown, where: { event: BotEventName; handler: string }) => void

/**
 * A small typed event bus. `emit` runs every handler, isolating each one's failure, and resolves
 * when all have finished, so callers (and the simulator's settle) know when an event is handled.
 */
export class EventBus {
  private readonly handlers = new Map<BotEventName, { name: string; fn: (e: unknown) => unknown }[]>()

  constructor(private readonly onError: ErrorReporter) {}

  on<K extends BotEventName>(event: K, name: string, handler: BotEventHandler<K>): void {
    const list = this.handlers.get(event) ?? []
    list.push({ name, fn: handler as (e: unknown) => unknown })
    this.handlers.set(event, list)
  }

  async emit<K extends BotEventName>(event: K, payload: BotEvents[K]): Promise<void> {
    for (const h of this.handlers.get(event) ?? []) {
      try {
        await h.fn(payload)
      } catch (error) {
        this.onError(error, { event, handler: h.name })
      }
    }
  }
}
