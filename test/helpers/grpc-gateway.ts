import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import * as PUPPET from 'wechaty-puppet'
import { mock, PuppetMock } from 'wechaty-puppet-mock'
import { PuppetServer } from 'wechaty-puppet-service'
import { type AppConfig, parseEnv } from '../../src/config/env.js'

type RoomMock = mock.RoomMock
type MessageMock = mock.MessageMock

/**
 * A real puppet-service gateway for tests: wechaty-puppet-service's own PuppetServer (gRPC on
 * 127.0.0.1) serving a wechaty-puppet-mock world. It can be closed and opened again on the same
 * port, as a gateway that dies and comes back; the world (account, groups) survives, as it does
 * on a real gateway whose process outlives the gRPC server.
 */
export class TestGateway {
  readonly mocker = new mock.Mocker()
  readonly puppet = new PuppetMock({ mocker: this.mocker })
  readonly bot = this.mocker.createContact({ name: 'qunbot-test' })
  /** What the bot's account posted, per group, in order. */
  readonly sent: { roomId: string; text: string }[] = []
  private server: PuppetServer | undefined

  constructor(
    readonly endpoint: string,
    readonly token: string,
    private readonly tls: boolean = false,
  ) {}

  get isOpen(): boolean {
    return this.server !== undefined
  }

  async open(): Promise<void> {
    if (this.server) return
    const server = new PuppetServer({
      endpoint: this.endpoint,
      puppet: this.puppet as never,
      token: this.token,
      ...(this.tls ? {} : { tls: { disable: true } }),
    } as ConstructorParameters<typeof PuppetServer>[0])
    await server.start()
    this.server = server
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    await server?.stop()
  }

  loginBot(): void {
    this.mocker.login(this.bot)
  }

  /** A group with the bot and members of these names; returns its id and the members. */
  createRoom(topic: string, names: string[]): { id: string; members: { id: string; name: string }[] } {
    const members = names.map((name) => this.mocker.createContact({ name }))
    const room: RoomMock = this.mocker.createRoom({
      id: `${randomUUID().slice(0, 12)}@chatroom`,
      topic,
      memberIdList: [this.bot.id, ...members.map((m) => m.id)],
      ownerId: members[0]?.id ?? this.bot.id,
    })
    ;(room as unknown as NodeJS.EventEmitter).on('message', (message: MessageMock) => {
      if (message.payload.talkerId === this.bot.id)
        this.sent.push({ roomId: room.id, text: message.payload.text ?? '' })
    })
    return { id: room.id, members: members.map((m) => ({ id: m.id, name: m.payload.name })) }
  }

  /** Someone new joins a group (the puppet emits room-join, as WeChat does). */
  addMember(roomId: string, name: string): { id: string; name: string } {
    const contact = this.mocker.createContact({ name })
    const room = this.mocker.RoomMock.load(roomId)
    const owner = this.mocker.ContactMock.load(room.payload.ownerId ?? this.bot.id)
    room.add(contact).by(owner)
    return { id: contact.id, name }
  }

  /** A member posts in a group now; `mentionBot` @mentions the bot as WeChat writes it. */
  say(roomId: string, memberId: string, text: string, mentionBot = false): string {
    const id = `gw-${randomUUID().slice(0, 8)}`
    const payload = {
      id,
      talkerId: memberId,
      roomId,
      timestamp: Date.now(),
      type: PUPPET.types.Message.Text,
      text: mentionBot ? `@${this.bot.payload.name}\u2005${text}` : text,
      mentionIdList: mentionBot ? [this.bot.id] : [],
    }
    this.mocker.MessageMock.create(payload as PUPPET.payloads.Message)
    this.mocker.puppet.emit('message', { messageId: id })
    return id
  }

  sentTo(roomId: string): string[] {
    return this.sent.filter((s) => s.roomId === roomId).map((s) => s.text)
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes (real I/O: no clock to move). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * The config of a qunbot that talks to `gateway` (no TLS) from `dataDir`, with no content (no SOP,
 * FAQ, moderation, privacy or analytics files): what the real-gateway tests and the outage drill
 * run. `env` adds or overrides variables.
 */
export function gatewayConfig(
  gateway: TestGateway,
  dataDir: string,
  env: Record<string, string> = {},
): AppConfig {
  const empty = join(dataDir, 'empty')
  mkdirSync(empty, { recursive: true })
  const parsed = parseEnv({
    QUNBOT_PUPPET: 'service',
    WECHATY_PUPPET_SERVICE_TOKEN: gateway.token,
    WECHATY_PUPPET_SERVICE_ENDPOINT: gateway.endpoint,
    WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
    QUNBOT_DATA_DIR: dataDir,
    QUNBOT_PORT: '0',
    QUNBOT_MODERATION_DIR: empty,
    QUNBOT_SOP_DIR: empty,
    QUNBOT_KB_DIR: empty,
    QUNBOT_PRIVACY_FILE: join(dataDir, 'none.yaml'),
    QUNBOT_ANALYTICS_FILE: join(dataDir, 'none.yaml'),
    ...env,
  })
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'))
  return parsed.config
}
