import type { Contact, Message, Room as WechatyRoom } from 'wechaty'
import { type Wechaty, WechatyBuilder } from 'wechaty'
import * as PUPPET from 'wechaty-puppet'
import type { Clock } from '../../core/clock.js'
import { NoRemoveRightError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { parseQuote } from '../../core/quote.js'
import { RepeatLimiter, repeatKey } from '../../core/repeat-limiter.js'
import type {
  ConnectionStatus,
  InboundMessage,
  LoginStatus,
  Member,
  MessageKind,
  OutgoingMessage,
  Room,
  SharedCard,
} from '../../core/types.js'
import { classifyConnectionError, isGatewayError, NotConnectedError } from '../connection-errors.js'
import { connectionMessage } from '../connection-messages.js'
import {
  type Connection,
  type ConnectionHandlers,
  ConnectionSupervisor,
  DEFAULT_TIMINGS,
  type SupervisorTimings,
} from '../connection-supervisor.js'
import type { ChatPlatform, PlatformSink } from '../port.js'
import type { PuppetFactory } from './create-puppet.js'

export interface WechatyPlatformOptions {
  /** mock, service or wechat4u: shown on /api/health. */
  name: string
  /** Builds the puppet for each connection attempt. */
  puppets: PuppetFactory
  /** Where Wechaty keeps its login session (a memory card); undefined keeps it in memory. */
  memoryName?: string
  log: Logger
  clock: Clock
  /** The supervisor's backoff, start and probe timings (probing off for the simulator). */
  timings?: Partial<SupervisorTimings>
  /** A send that takes longer than this fails (and is judged by the connection state then). */
  sendTimeoutMs?: number
}

/** One connection attempt's Wechaty instance. */
interface Session {
  bot: Wechaty
}

// ScanStatus values (wechaty-puppet): the code is worth showing while waiting or after a timeout.
const SCAN_WAITING = 2
const SCAN_TIMEOUT = 5
const SCAN_UNKNOWN = 0

/**
 * The Wechaty adapter: the only module that imports wechaty. It turns Wechaty's objects into
 * domain events for the sink and performs single deliveries for the paced sender. Each connection
 * attempt gets a new Wechaty and puppet, opened and replaced by the ConnectionSupervisor; events
 * from a replaced attempt are dropped.
 */
export class WechatyPlatform implements ChatPlatform {
  readonly name: string
  readonly supervisor: ConnectionSupervisor
  private session: Session | undefined
  private status: LoginStatus = { state: 'starting' }
  private sink: PlatformSink | undefined
  private readonly errors: RepeatLimiter

  constructor(private readonly options: WechatyPlatformOptions) {
    this.name = options.name
    this.errors = new RepeatLimiter(options.clock, 60_000)
    this.supervisor = new ConnectionSupervisor(
      {
        target: options.puppets.target,
        open: (handlers) => this.open(handlers),
        ...(options.puppets.reachable ? { reachable: options.puppets.reachable } : {}),
        ...(options.puppets.hint ? { hint: options.puppets.hint } : {}),
      },
      options.clock,
      options.log,
      { ...DEFAULT_TIMINGS, ...options.timings },
    )
    this.supervisor.onChange((connection) => this.onConnection(connection))
  }

  async start(sink: PlatformSink): Promise<void> {
    this.sink = sink
    // Resolves once the first attempt has been made (not necessarily succeeded): a gateway that
    // is down at start is retried in the background.
    await this.supervisor.start()
  }

  async stop(): Promise<void> {
    await this.supervisor.stop()
    this.session = undefined
  }

  login(): LoginStatus {
    return this.status
  }

  connection(): ConnectionStatus {
    return this.supervisor.current()
  }

  /** A send failed for a connection reason: let the supervisor check now. */
  suspect(): void {
    this.supervisor.suspect()
  }

  private async open(handlers: ConnectionHandlers): Promise<Connection> {
    const puppet = await this.options.puppets.create()
    const bot = WechatyBuilder.build({
      puppet: puppet as never,
      ...(this.options.memoryName ? { name: this.options.memoryName } : {}),
    })
    const session: Session = { bot }
    this.session = session
    this.wire(session, handlers)
    // Wechaty reports a failed puppet start as an 'error' event and resolves anyway; the
    // supervisor learns of the failure through the handlers.
    await bot.start()
    return {
      probe: async () => {
        bot.puppet.ding('qunbot')
      },
      close: async () => {
        if (this.session === session) this.session = undefined
        await bot.stop()
      },
    }
  }

  private wire(session: Session, h: ConnectionHandlers): void {
    const { bot } = session
    const current = () => this.session === session
    const log = this.options.log
    const sink = () => (current() ? this.sink : undefined)
    bot.on('scan', (qrcode, status) => {
      const show = status === SCAN_WAITING || status === SCAN_TIMEOUT || status === SCAN_UNKNOWN
      h.scan(show && qrcode ? qrcode : undefined)
    })
    bot.on('login', (user) => h.login({ id: user.id, name: user.name() }))
    bot.on('logout', () => h.logout())
    bot.on('heartbeat', () => h.alive())
    bot.on('dong', () => h.alive())
    bot.on('error', (error) => {
      if (!current()) return
      const classified = classifyConnectionError(error)
      if (classified.connection) {
        h.failed(error)
        return
      }
      // Wechaty reloads a "RoomMember" dirty payload as if its id (a room id) were a contact id
      // and reports the failure; puppets dirty room members on every join, so this is noise.
      if (/^no payload found for id \S+@chatroom$/.test(classified.message)) {
        log.debug({ detail: classified.message }, 'wechaty dirty-payload noise')
        return
      }
      this.logRepeating(classified.code, classified.message, error)
    })
    bot.on('message', (message) => {
      h.alive()
      const target = sink()
      if (target) this.guarded('message', () => this.onMessage(message, target))
    })
    bot.on('room-join', (room, invitees, inviter) => {
      const target = sink()
      if (target) this.guarded('room-join', () => this.onJoin(room, invitees, inviter, target))
    })
    bot.on('room-leave', (room, leavers) => {
      const target = sink()
      if (!target) return
      this.guarded('room-leave', async () => {
        // After the bot's own removal the group's name may no longer load; its id is enough.
        const domainRoom = await toRoom(room).catch(() => ({ id: room.id, topic: '' }))
        const others = leavers.filter((c) => !c.self())
        if (others.length > 0)
          await target.membersLeft(domainRoom, await Promise.all(others.map((c) => toMember(room, c))))
        if (others.length < leavers.length) await target.botLeftRoom(domainRoom)
      })
    })
    bot.on('room-topic', (room, newTopic, oldTopic) => {
      const target = sink()
      if (target)
        this.guarded('room-topic', () => target.roomTopicChanged({ id: room.id, topic: newTopic }, oldTopic))
    })
  }

  /** The bot of the live, logged-in connection; anything else is "not connected". */
  private bot(): Wechaty {
    const session = this.session
    if (!session || this.supervisor.current().state !== 'online')
      throw new NotConnectedError(connectionMessage('not_connected'))
    return session.bot
  }

  /** The connection's state as the login status features know (logged_in, scan, logged_out). */
  private onConnection(connection: ConnectionStatus): void {
    const next: LoginStatus =
      connection.state === 'online'
        ? { state: 'logged_in', ...(connection.user ? { user: connection.user } : {}) }
        : connection.state === 'login_required' && connection.qrcode
          ? { state: 'scan', qrcode: connection.qrcode }
          : connection.state === 'starting' && this.status.state === 'starting'
            ? { state: 'starting' }
            : { state: 'logged_out' }
    const sink = this.sink
    if (sink) {
      sink
        .connectionChanged(connection)
        .catch((error) => this.options.log.error({ err: error }, 'connection handler failed'))
    }
    if (next.state === this.status.state && next.qrcode === this.status.qrcode) return
    this.status = next
    sink?.loginChanged(next).catch((error) => this.options.log.error({ err: error }, 'login handler failed'))
  }

  /** Expected gateway errors: one line per kind per minute, with a count; the stack only at debug. */
  private logRepeating(code: string, message: string, error: unknown): void {
    const { log: shouldLog, suppressed } = this.errors.hit(repeatKey(code, message))
    if (!shouldLog) return
    this.options.log.warn(
      { code, detail: message, ...(suppressed ? { repeated: suppressed } : {}) },
      'wechaty error',
    )
    this.options.log.debug({ err: error }, 'wechaty error (stack)')
  }

  async deliver(roomId: string, message: OutgoingMessage): Promise<void> {
    const timeoutMs = this.options.sendTimeoutMs ?? 30_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`send timed out after ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      await Promise.race([this.deliverNow(this.bot(), roomId, message), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  private async deliverNow(bot: Wechaty, roomId: string, message: OutgoingMessage): Promise<void> {
    const room = await bot.Room.find({ id: roomId })
    if (!room) throw new Error(`group ${roomId} is not known to this account`)
    const texts: string[] = ['']
    const contacts: Contact[] = []
    for (const part of message.parts) {
      if (typeof part === 'string') {
        texts[texts.length - 1] += part
        continue
      }
      const contact = await bot.Contact.find({ id: part.mention })
      if (contact) {
        contacts.push(contact)
        texts.push('')
      } else {
        texts[texts.length - 1] += `@${part.name ?? ''}`
      }
    }
    if (contacts.length === 0) {
      await room.say(texts.join(''))
      return
    }
    // Wechaty turns a template-strings call into text with real @mentions where the contacts stand.
    const template = Object.assign([...texts], { raw: [...texts] }) as unknown as TemplateStringsArray
    await room.say(template, ...contacts)
  }

  /** Groups the bot's account is in (a puppet may still list groups it was removed from). */
  async rooms(): Promise<Room[]> {
    const bot = this.bot()
    const list = await bot.Room.findAll()
    const selfId = bot.isLoggedIn ? bot.currentUser.id : undefined
    const present = await Promise.all(
      list.map(
        async (room) => selfId === undefined || (await bot.puppet.roomMemberList(room.id)).includes(selfId),
      ),
    )
    return Promise.all(list.filter((_, i) => present[i]).map(toRoom))
  }

  async members(roomId: string): Promise<Member[]> {
    const bot = this.bot()
    const room = await bot.Room.find({ id: roomId })
    // Throw rather than return a short list: reconciliation would read the missing members as
    // departures and welcome them again when they reappear.
    if (!room) throw new Error(`group ${roomId} could not be loaded`)
    // Ask the puppet for the list itself: Wechaty's cached member list can miss a dropped join,
    // which is exactly what reconciliation is for (and room.sync() trips a Wechaty dirty-event bug).
    const ids = await bot.puppet.roomMemberList(roomId)
    const selfId = bot.isLoggedIn ? bot.currentUser.id : undefined
    const members: Member[] = []
    for (const id of ids) {
      if (id === selfId) continue
      const contact = await bot.Contact.find({ id })
      if (!contact) throw new Error(`member ${id} of group ${roomId} could not be loaded`)
      members.push(await toMember(room, contact))
    }
    return members
  }

  async remove(roomId: string, memberId: string): Promise<void> {
    const bot = this.bot()
    const room = await bot.Room.find({ id: roomId })
    const contact = await bot.Contact.find({ id: memberId })
    if (!room || !contact) throw new Error(`cannot remove ${memberId} from ${roomId}: not found`)
    try {
      await room.remove(contact)
    } catch (error) {
      // Puppets report a missing owner/admin right as a plain error with words like these.
      const message = error instanceof Error ? error.message : String(error)
      if (/permission|not the owner|admin|权限|群主|管理员/i.test(message))
        throw new NoRemoveRightError(message)
      throw error
    }
  }

  async fetchMedia(messageId: string, maxBytes: number): Promise<Uint8Array> {
    const message = await this.bot().Message.find({ id: messageId })
    if (!message) throw new Error(`message ${messageId} is no longer known to the platform`)
    const box = await message.toFileBox()
    // The size when the puppet knows it up front; otherwise the stream is cut at the cap.
    if (box.size > maxBytes) throw new Error(`the file is ${box.size} bytes, over the ${maxBytes}-byte cap`)
    const chunks: Buffer[] = []
    let total = 0
    const stream = await box.toStream()
    for await (const chunk of stream) {
      const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array)
      total += piece.length
      if (total > maxBytes) {
        stream.destroy()
        throw new Error(`the file is over the ${maxBytes}-byte cap`)
      }
      chunks.push(piece)
    }
    return Buffer.concat(chunks)
  }

  private async onMessage(message: Message, sink: PlatformSink): Promise<void> {
    const room = message.room()
    // A group bot: direct messages are not handled.
    if (!room) return
    const type = message.wechaty.Message.Type
    const wechatyType = message.type()
    const talker = message.talker()
    const base = {
      id: message.id,
      roomId: room.id,
      sentAt: message.date().getTime(),
      self: message.self(),
    }
    if (wechatyType === type.Text) {
      const [topic, mentionsBot, mentions, said, sender] = await Promise.all([
        room.topic(),
        message.mentionSelf(),
        message.mentionList(),
        message.mentionText(),
        toMember(room, talker),
      ])
      const quote = parseQuote(said)
      await sink.message({
        ...base,
        kind: quote ? 'quote' : 'text',
        roomTopic: topic,
        sender,
        text: quote ? quote.reply : said,
        mentionIds: mentions.map((c) => c.id),
        mentionsBot,
      })
      return
    }
    const [topic, sender, details] = await Promise.all([
      room.topic(),
      toMember(room, talker),
      this.readNonText(message),
    ])
    await sink.message({ ...base, ...details, roomTopic: topic, sender, mentionIds: [], mentionsBot: false })
  }

  /** Kind, text and details of a message that is not typed text (never its bytes). */
  private async readNonText(
    message: Message,
  ): Promise<Pick<InboundMessage, 'kind' | 'text' | 'card' | 'media' | 'recalledId'>> {
    const type = message.wechaty.Message.Type
    const wechatyType = message.type()
    const card = await this.readCard(message)
    if (card) return { kind: card.kind, text: card.title, card }
    const media = MEDIA_TYPES.get(wechatyType)
    if (media) {
      const name = message.payload?.filename
      return { kind: media, text: '', media: name ? { name } : {} }
    }
    if (wechatyType === type.Recalled) {
      // Puppets put the recalled message's id in the text (Wechaty's toRecalled reads it there).
      const recalledId = message.text()
      return { kind: 'recalled', text: '', ...(recalledId ? { recalledId } : {}) }
    }
    // Unknown with text is a notice the platform posted ("xx 修改群名为 ...").
    if (wechatyType === type.Unknown) return { kind: 'system', text: message.text() }
    return { kind: 'other', text: '' }
  }

  /** A link card, mini-program or contact card (名片); undefined for every other kind. */
  private async readCard(message: Message): Promise<SharedCard | undefined> {
    const type = message.wechaty.Message.Type
    switch (message.type()) {
      case type.Url: {
        const link = await message.toUrlLink()
        return { kind: 'link', title: link.title(), url: link.url() }
      }
      case type.MiniProgram: {
        const program = await message.toMiniProgram()
        return { kind: 'mini_program', title: program.title() ?? program.description() ?? '' }
      }
      case type.Contact: {
        const contact = await message.toContact()
        return { kind: 'contact_card', title: contact.name() }
      }
      default:
        return undefined
    }
  }

  private async onJoin(
    room: WechatyRoom,
    invitees: Contact[],
    inviter: Contact,
    sink: PlatformSink,
  ): Promise<void> {
    const domainRoom = await toRoom(room)
    const botIncluded = invitees.some((c) => c.self())
    if (botIncluded) {
      await sink.botJoinedRoom(domainRoom)
      return
    }
    const members = await Promise.all(invitees.map((c) => toMember(room, c)))
    await sink.membersJoined(domainRoom, members, inviter.id)
  }

  private guarded(event: string, work: () => Promise<void>): void {
    work().catch((error) => {
      const classified = classifyConnectionError(error)
      // The connection went away mid-event (or a gateway error about one payload): one line per
      // kind per minute, not a stack per event.
      if (isGatewayError(error)) this.logRepeating(classified.code, `${event}: ${classified.message}`, error)
      else this.options.log.error({ err: error, event }, 'handling a wechaty event failed')
    })
  }
}

async function toRoom(room: WechatyRoom): Promise<Room> {
  return { id: room.id, topic: await room.topic() }
}

async function toMember(room: WechatyRoom, contact: Contact): Promise<Member> {
  const alias = await room.alias(contact).catch(() => undefined)
  return { id: contact.id, name: alias || contact.name() }
}

/** Wechaty's media message types and the kind each becomes. */
const MEDIA_TYPES = new Map<PUPPET.types.Message, MessageKind>([
  [PUPPET.types.Message.Image, 'image'],
  [PUPPET.types.Message.Attachment, 'file'],
  [PUPPET.types.Message.Audio, 'voice'],
  [PUPPET.types.Message.Video, 'video'],
  [PUPPET.types.Message.Emoticon, 'emoticon'],
])
