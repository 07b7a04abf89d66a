import type { Contact, Message, Room as WechatyRoom } from 'wechaty'
import { type Wechaty, WechatyBuilder } from 'wechaty'
import type * as PUPPET from 'wechaty-puppet'
import { NoRemoveRightError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type {
  InboundMessage,
  LoginStatus,
  Member,
  OutgoingMessage,
  Room,
  SharedCard,
} from '../../core/types.js'
import type { ChatPlatform, PlatformSink } from '../port.js'

export interface WechatyPlatformOptions {
  /** mock, service or wechat4u: shown on /api/health. */
  name: string
  puppet: PUPPET.Puppet
  /** Where Wechaty keeps its login session (a memory card); undefined keeps it in memory. */
  memoryName?: string
  log: Logger
}

/**
 * The Wechaty adapter: the only module that imports wechaty. It turns Wechaty's objects into
 * domain events for the sink and performs single deliveries for the paced sender.
 */
export class WechatyPlatform implements ChatPlatform {
  readonly name: string
  private readonly bot: Wechaty
  private status: LoginStatus = { state: 'starting' }
  private sink: PlatformSink | undefined

  constructor(private readonly options: WechatyPlatformOptions) {
    this.name = options.name
    this.bot = WechatyBuilder.build({
      puppet: options.puppet as never,
      ...(options.memoryName ? { name: options.memoryName } : {}),
    })
  }

  async start(sink: PlatformSink): Promise<void> {
    this.sink = sink
    const { bot } = this
    const log = this.options.log
    bot.on('scan', (qrcode, status) => {
      log.info({ status }, 'scan the QR code to log in')
      this.setStatus({ state: 'scan', qrcode })
    })
    bot.on('login', (user) =>
      this.setStatus({ state: 'logged_in', user: { id: user.id, name: user.name() } }),
    )
    bot.on('logout', () => this.setStatus({ state: 'logged_out' }))
    bot.on('error', (error) => {
      // Wechaty reloads a "RoomMember" dirty payload as if its id (a room id) were a contact id and
      // reports the failure; puppets dirty room members on every join, so this is noise, not a fault.
      if (/^no payload found for id \S+@chatroom$/.test(error.message))
        log.debug({ err: error }, 'wechaty dirty-payload noise')
      else log.error({ err: error }, 'wechaty error')
    })
    bot.on('message', (message) => this.guarded('message', () => this.onMessage(message)))
    bot.on('room-join', (room, invitees, inviter) =>
      this.guarded('room-join', () => this.onJoin(room, invitees, inviter)),
    )
    bot.on('room-leave', (room, leavers) =>
      this.guarded('room-leave', async () => {
        // After the bot's own removal the group's name may no longer load; its id is enough.
        const domainRoom = await toRoom(room).catch(() => ({ id: room.id, topic: '' }))
        const others = leavers.filter((c) => !c.self())
        if (others.length > 0)
          await sink.membersLeft(domainRoom, await Promise.all(others.map((c) => toMember(room, c))))
        if (others.length < leavers.length) await sink.botLeftRoom(domainRoom)
      }),
    )
    bot.on('room-topic', (room, newTopic, oldTopic) =>
      this.guarded('room-topic', () => sink.roomTopicChanged({ id: room.id, topic: newTopic }, oldTopic)),
    )
    await bot.start()
  }

  async stop(): Promise<void> {
    await this.bot.stop()
  }

  login(): LoginStatus {
    return this.status
  }

  async deliver(roomId: string, message: OutgoingMessage): Promise<void> {
    const room = await this.bot.Room.find({ id: roomId })
    if (!room) throw new Error(`group ${roomId} is not known to this account`)
    const texts: string[] = ['']
    const contacts: Contact[] = []
    for (const part of message.parts) {
      if (typeof part === 'string') {
        texts[texts.length - 1] += part
        continue
      }
      const contact = await this.bot.Contact.find({ id: part.mention })
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
    const list = await this.bot.Room.findAll()
    const selfId = this.bot.isLoggedIn ? this.bot.currentUser.id : undefined
    const present = await Promise.all(
      list.map(
        async (room) =>
          selfId === undefined || (await this.bot.puppet.roomMemberList(room.id)).includes(selfId),
      ),
    )
    return Promise.all(list.filter((_, i) => present[i]).map(toRoom))
  }

  async members(roomId: string): Promise<Member[]> {
    const room = await this.bot.Room.find({ id: roomId })
    // Throw rather than return a short list: reconciliation would read the missing members as
    // departures and welcome them again when they reappear.
    if (!room) throw new Error(`group ${roomId} could not be loaded`)
    // Ask the puppet for the list itself: Wechaty's cached member list can miss a dropped join,
    // which is exactly what reconciliation is for (and room.sync() trips a Wechaty dirty-event bug).
    const ids = await this.bot.puppet.roomMemberList(roomId)
    const selfId = this.bot.isLoggedIn ? this.bot.currentUser.id : undefined
    const members: Member[] = []
    for (const id of ids) {
      if (id === selfId) continue
      const contact = await this.bot.Contact.find({ id })
      if (!contact) throw new Error(`member ${id} of group ${roomId} could not be loaded`)
      members.push(await toMember(room, contact))
    }
    return members
  }

  async remove(roomId: string, memberId: string): Promise<void> {
    const room = await this.bot.Room.find({ id: roomId })
    const contact = await this.bot.Contact.find({ id: memberId })
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

  private async onMessage(message: Message): Promise<void> {
    const room = message.room()
    // A group bot: direct messages, and messages other than text and shared cards, are not handled.
    if (!room || !this.sink) return
    const isText = message.type() === this.bot.Message.Type.Text
    const card = isText ? undefined : await this.readCard(message)
    if (!isText && !card) return
    const talker = message.talker()
    const [topic, mentionsBot, mentions, text, sender] = await Promise.all([
      room.topic(),
      card ? false : message.mentionSelf(),
      card ? [] : message.mentionList(),
      card ? card.title : message.mentionText(),
      toMember(room, talker),
    ])
    const inbound: InboundMessage = {
      ...(card ? { card } : {}),
      id: message.id,
      roomId: room.id,
      roomTopic: topic,
      sender,
      text,
      mentionIds: mentions.map((c) => c.id),
      mentionsBot,
      sentAt: message.date().getTime(),
      self: message.self(),
    }
    await this.sink.message(inbound)
  }

  /** A link card, mini-program or contact card (名片); undefined for every other kind. */
  private async readCard(message: Message): Promise<SharedCard | undefined> {
    const type = this.bot.Message.Type
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

  private async onJoin(room: WechatyRoom, invitees: Contact[], inviter: Contact): Promise<void> {
    if (!this.sink) return
    const domainRoom = await toRoom(room)
    const botIncluded = invitees.some((c) => c.self())
    if (botIncluded) {
      await this.sink.botJoinedRoom(domainRoom)
      return
    }
    const members = await Promise.all(invitees.map((c) => toMember(room, c)))
    await this.sink.membersJoined(domainRoom, members, inviter.id)
  }

  private setStatus(status: LoginStatus): void {
    this.status = status
    this.sink
      ?.loginChanged(status)
      .catch((error) => this.options.log.error({ err: error }, 'login handler failed'))
  }

  private guarded(event: string, work: () => Promise<void>): void {
    work().catch((error) => this.options.log.error({ err: error, event }, 'handling a wechaty event failed'))
  }
}

async function toRoom(room: WechatyRoom): Promise<Room> {
  return { id: room.id, topic: await room.topic() }
}

async function toMember(room: WechatyRoom, contact: Contact): Promise<Member> {
  const alias = await room.alias(contact).catch(() => undefined)
  return { id: contact.id, name: alias || contact.name() }
}
