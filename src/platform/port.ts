import type {
  ConnectionStatus,
  InboundMessage,
  LoginStatus,
  Member,
  OutgoingMessage,
  Room,
} from '../core/types.js'

/**
 * Where a platform adapter delivers what happens. Each method resolves when the event has been
 * fully handled, which lets the simulator's settle and a graceful shutdown wait for the work.
 */
export interface PlatformSink {
  message(message: InboundMessage): Promise<void>
  membersJoined(room: Room, members: Member[], inviterId?: string): Promise<void>
  membersLeft(room: Room, members: Member[]): Promise<void>
  /** The bot's own account was added to a group. */
  botJoinedRoom(room: Room): Promise<void>
  /** The bot's own account was removed from a group. */
  botLeftRoom(room: Room): Promise<void>
  roomTopicChanged(room: Room, oldTopic: string): Promise<void>
  loginChanged(status: LoginStatus): Promise<void>
  /** The connection supervisor's state changed (every change, also while not logged in). */
  connectionChanged(status: ConnectionStatus): Promise<void>
}

/**
 * The port every chat platform implements (Wechaty today). It translates the platform's events
 * into domain events and performs single, already-paced deliveries; pacing, retries and ordering
 * live in the PacedSender, which is the only caller of `deliver`.
 */
export interface ChatPlatform {
  /** A short name for health output: mock, service, wechat4u, recording. */
  readonly name: string
  start(sink: PlatformSink): Promise<void>
  stop(): Promise<void>
  login(): LoginStatus
  /** The connection as its supervisor sees it (health, metrics, alerts, the console). */
  connection(): ConnectionStatus
  /** A send failed for a connection reason; the platform checks its connection now. */
  suspect?(): void
  deliver(roomId: string, message: OutgoingMessage): Promise<void>
  rooms(): Promise<Room[]>
  members(roomId: string): Promise<Member[]>
  /** Removes a member from a group; rejects with NoRemoveRightError where the account has no right to. */
  remove?(roomId: string, memberId: string): Promise<void>
  /** A media message's file bytes; rejects when it is gone or larger than `maxBytes`. */
  fetchMedia?(messageId: string, maxBytes: number): Promise<Uint8Array>
}
