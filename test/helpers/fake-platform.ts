import type { ConnectionStatus, LoginStatus, Member, OutgoingMessage, Room } from '../../src/core/types.js'
import type { ChatPlatform, PlatformSink } from '../../src/platform/port.js'

/** A platform double for runtime tests: in-memory groups, and every delivery kept for inspection. */
export class FakePlatform implements ChatPlatform {
  readonly name = 'fake'
  readonly delivered: { roomId: string; message: OutgoingMessage }[] = []
  readonly groups = new Map<string, { topic: string; members: Member[] }>()
  sink: PlatformSink | undefined
  /** Deliveries to fail, in order: each entry fails the next delivery to its room (or to any room). */
  failures: { error: Error; roomId?: string }[] = []

  async start(sink: PlatformSink): Promise<void> {
    this.sink = sink
  }
  async stop(): Promise<void> {}
  connection(): ConnectionStatus {
    return { state: 'online', since: 0, restarts: 0 }
  }
  login(): LoginStatus {
    return { state: 'logged_in' }
  }
  async deliver(roomId: string, message: OutgoingMessage): Promise<void> {
    const index = this.failures.findIndex((f) => f.roomId === undefined || f.roomId === roomId)
    if (index >= 0) throw this.failures.splice(index, 1)[0]?.error
    this.delivered.push({ roomId, message })
  }
  async rooms(): Promise<Room[]> {
    return [...this.groups].map(([id, g]) => ({ id, topic: g.topic }))
  }
  async members(roomId: string): Promise<Member[]> {
    return [...(this.groups.get(roomId)?.members ?? [])]
  }
}
