import type { ConnectionStatus, LoginStatus, Member, OutgoingMessage, Room } from '../src/core/types.js'
import type { ChatPlatform, PlatformSink } from '../src/platform/port.js'

export interface Delivery {
  roomId: string
  message: OutgoingMessage
  at: number
}

/**
 * A chat platform that lives in memory: deliveries are recorded, member lists come from a map, and
 * `start` logs the bot in at once. The benchmark uses it so the measured work is qunbot's own
 * (pipeline, SQLite, outbox), not a puppet's.
 */
export class RecordingPlatform implements ChatPlatform {
  readonly name = 'recording'
  readonly deliveries: Delivery[] = []
  private sink: PlatformSink | undefined
  private status: LoginStatus = { state: 'starting' }

  constructor(
    private readonly user: Member,
    private readonly roomList: Room[],
    private readonly memberMap: Map<string, Member[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stores the sink and reports the login; resolves when the runtime has handled the login. */
  async start(sink: PlatformSink): Promise<void> {
    this.sink = sink
    this.status = { state: 'logged_in', user: this.user }
    await sink.loginChanged(this.status)
  }

  async stop(): Promise<void> {
    this.status = { state: 'logged_out' }
    this.sink = undefined
  }

  connection(): ConnectionStatus {
    return { state: 'online', since: 0, restarts: 0 }
  }
  login(): LoginStatus {
    return this.status
  }

  get started(): boolean {
    return this.sink !== undefined
  }

  async deliver(roomId: string, message: OutgoingMessage): Promise<void> {
    this.deliveries.push({ roomId, message, at: this.now() })
  }

  async rooms(): Promise<Room[]> {
    return this.roomList.slice()
  }

  async members(roomId: string): Promise<Member[]> {
    return (this.memberMap.get(roomId) ?? []).slice()
  }

  async remove(roomId: string, memberId: string): Promise<void> {
    const list = this.memberMap.get(roomId)
    if (list) {
      this.memberMap.set(
        roomId,
        list.filter((m) => m.id !== memberId),
      )
    }
  }
}
