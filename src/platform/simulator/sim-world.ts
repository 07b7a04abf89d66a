import { randomUUID } from 'node:crypto'
import { FileBox } from 'file-box'
import * as PUPPET from 'wechaty-puppet'
import { type mock, PuppetMock } from 'wechaty-puppet-mock'
import type { ManualClock } from '../../core/clock.js'
import { IdleTracker } from '../../core/idle-tracker.js'
import type { Member, Room, SharedCard } from '../../core/types.js'
import type { PlatformSink } from '../port.js'

type ContactMock = mock.ContactMock
type RoomMock = mock.RoomMock
type MessageMock = mock.MessageMock

/** One line of a simulated group's chat, the bot's own messages included. */
export interface TranscriptEntry {
  id: string
  fromId: string
  fromName: string
  /** `text` for typed text; `image`, `file`, `voice`, ... for media (see SimMedia). */
  kind: string
  text: string
  /** A media line's file name. */
  name?: string
  /** Set when the member took the line back. */
  recalled?: true
  self: boolean
  /** Simulated-clock time (epoch ms) when the line appeared in the group. */
  at: number
}

export interface SimRoom extends Room {
  members: Member[]
}

const AT_SEPARATOR = '\u2005'

/** Everything needed to bring a simulated world back after a restart (kept in the data dir). */
export interface SimSnapshot {
  bot: { id: string; name: string }
  contacts: { id: string; name: string }[]
  rooms: { id: string; topic: string; ownerId: string; memberIds: string[]; botAdmin?: boolean }[]
  transcripts: Record<string, TranscriptEntry[]>
  /** The simulated clock when the snapshot was taken. */
  now: number
}

/**
 * A simulated WeChat: a wechaty-puppet-mock world with groups, members and a logged-in bot
 * account, driven by the simulator API and the tests. Messages carry simulated-clock times, and
 * each injected event is tracked until the bot has handled it, so `settle` never has to guess.
 */
export class SimWorld {
  readonly puppet: PuppetMock
  readonly botContact: ContactMock
  /** Injected events the bot has not finished handling. */
  readonly inFlight = new IdleTracker()
  private readonly mocker: mock.Mocker
  private readonly pending = new Map<string, (() => void)[]>()
  private readonly transcripts = new Map<string, TranscriptEntry[]>()
  private readonly roomOrder: string[] = []
  /** Groups where the bot's account is neither owner nor admin, so it cannot remove members. */
  private readonly notAdmin = new Set<string>()
  /** Shared cards posted, by message id (the mock puppet keeps only text). */
  private readonly cards = new Map<string, { card: SharedCard; contactId?: string }>()

  constructor(
    private readonly clock: ManualClock,
    botName: string,
    restore?: SimSnapshot,
  ) {
    this.puppet = new PuppetMock()
    this.mocker = this.puppet.mocker
    this.botContact = this.mocker.createContact(
      restore ? restore.bot : { id: `bot-${shortId()}`, name: botName },
    )
    this.extendPuppet()
    if (restore) this.restore(restore)
  }

  /**
   * The mock puppet cannot remove members or carry cards; these overrides give the simulator what
   * WeChat does: removal by an owner or admin (room-leave follows), and link, mini-program and
   * contact-card payloads.
   */
  private extendPuppet(): void {
    const puppet = this.puppet as unknown as Record<string, unknown>
    puppet.roomDel = async (roomId: string, contactId: string) => {
      if (this.notAdmin.has(roomId))
        throw new Error('no permission: the bot is not the owner or an admin of this group')
      this.removeMember(roomId, contactId)
    }
    const shared = (id: string) => {
      const found = this.cards.get(id)
      if (!found) throw new Error(`message ${id} carries no card`)
      return found
    }
    puppet.messageUrl = async (id: string) => ({
      title: shared(id).card.title,
      url: shared(id).card.url ?? '',
    })
    puppet.messageMiniProgram = async (id: string) => ({ title: shared(id).card.title })
    puppet.messageContact = async (id: string) => shared(id).contactId ?? ''
  }

  /** The world as it is now, for saving across a restart. */
  snapshot(): SimSnapshot {
    const contacts = new Map<string, { id: string; name: string }>()
    const rooms = this.roomOrder.map((id) => {
      const room = this.mocker.RoomMock.load(id)
      for (const memberId of room.payload.memberIdList) {
        if (memberId === this.botContact.id) continue
        contacts.set(memberId, { id: memberId, name: this.mocker.ContactMock.load(memberId).payload.name })
      }
      return {
        id,
        topic: room.payload.topic,
        ownerId: room.payload.ownerId ?? this.botContact.id,
        memberIds: [...room.payload.memberIdList],
        ...(this.notAdmin.has(id) ? { botAdmin: false } : {}),
      }
    })
    return {
      bot: { id: this.botContact.id, name: this.botContact.payload.name },
      contacts: [...contacts.values()],
      rooms,
      transcripts: Object.fromEntries(this.transcripts),
      now: this.clock.now(),
    }
  }

  /** Recreates groups and members silently: the bot already knows them from its database. */
  private restore(snapshot: SimSnapshot): void {
    for (const c of snapshot.contacts) this.mocker.createContact({ id: c.id, name: c.name })
    for (const r of snapshot.rooms) {
      const room = this.mocker.createRoom({
        id: r.id,
        topic: r.topic,
        memberIdList: [...r.memberIds],
        ownerId: r.ownerId,
      })
      this.roomOrder.push(r.id)
      if (r.botAdmin === false) this.notAdmin.add(r.id)
      // Lines saved before kinds existed are text.
      this.transcripts.set(
        r.id,
        (snapshot.transcripts[r.id] ?? []).map((l) => ({ ...l, kind: l.kind ?? 'text' })),
      )
      this.listen(room)
    }
  }

  private listen(room: RoomMock): void {
    // RoomMock is an EventEmitter whose typings do not come through the package's exports.
    ;(room as unknown as NodeJS.EventEmitter).on('message', (message: MessageMock) =>
      this.appendTranscript(room.id, message),
    )
  }

  /** Logs the bot account in; call after the Wechaty instance has started the puppet. */
  login(): void {
    this.mocker.login(this.botContact)
  }

  logout(): Promise<void> {
    return this.puppet.logout()
  }

  /** `botAdmin: false` makes a group where the bot cannot remove members. */
  createRoom(topic: string, memberNames: string[] = [], options: { botAdmin?: boolean } = {}): SimRoom {
    const contacts = memberNames.map((name) => this.createContact(name))
    const room = this.mocker.createRoom({
      id: `${shortId()}@chatroom`,
      topic,
      memberIdList: [this.botContact.id, ...contacts.map((c) => c.id)],
      ownerId: contacts[0]?.id ?? this.botContact.id,
    })
    this.roomOrder.push(room.id)
    if (options.botAdmin === false) this.notAdmin.add(room.id)
    this.transcripts.set(room.id, [])
    this.listen(room)
    // WeChat tells the bot it was added to a group with a room-join naming the bot.
    this.track(`botjoin:${room.id}`)
    this.mocker.puppet.emit('room-join', {
      roomId: room.id,
      inviteeIdList: [this.botContact.id],
      inviterId: room.payload.ownerId ?? this.botContact.id,
      timestamp: this.clock.now(),
    })
    return this.describeRoom(room.id)
  }

  /** Adds a member; `silent` adds them without the room-join event, as when a platform drops it. */
  addMember(roomId: string, name: string, silent = false): Member {
    const room = this.loadRoom(roomId)
    const contact = this.createContact(name)
    if (silent) {
      room.payload.memberIdList.push(contact.id)
    } else {
      this.track(`join:${roomId}:${contact.id}`)
      room.add(contact).by(this.ownerOf(room))
    }
    return { id: contact.id, name }
  }

  removeMember(roomId: string, memberId: string): void {
    const room = this.loadRoom(roomId)
    if (!room.payload.memberIdList.includes(memberId))
      throw new SimNotFound(`member ${memberId} is not in group ${roomId}`)
    this.track(`leave:${roomId}:${memberId}`)
    room.remove(this.mocker.ContactMock.load(memberId)).by(this.botContact)
  }

  /** The bot's account is removed from the group by its owner (emits room-leave naming the bot). */
  removeBot(roomId: string): void {
    const room = this.loadRoom(roomId)
    if (!room.payload.memberIdList.includes(this.botContact.id))
      throw new SimNotFound(`the bot is not in group ${roomId}`)
    this.track(`botleave:${roomId}`)
    room.remove(this.botContact).by(this.ownerOf(room))
  }

  /** The bot's account is added back to a group it was removed from (emits room-join naming it). */
  readdBot(roomId: string): void {
    const room = this.loadRoom(roomId)
    if (room.payload.memberIdList.includes(this.botContact.id))
      throw new SimNotFound(`the bot is already in group ${roomId}`)
    this.track(`botjoin:${roomId}`)
    room.add(this.botContact).by(this.ownerOf(room))
  }

  /** A member posts `text`; with `mentionBot` the text @mentions the bot as WeChat would show it. */
  say(roomId: string, memberId: string, text: string, mentionBot = false): string {
    return mentionBot
      ? this.post(roomId, memberId, `@${this.botContact.payload.name}${AT_SEPARATOR}${text}`, [
          this.botContact.id,
        ])
      : this.post(roomId, memberId, text, [])
  }

  /** A member shares a link card, a mini-program or a contact card. */
  share(roomId: string, memberId: string, card: SharedCard): string {
    const types = {
      link: PUPPET.types.Message.Url,
      mini_program: PUPPET.types.Message.MiniProgram,
      contact_card: PUPPET.types.Message.Contact,
    }
    // A contact card points at a contact: made once, when the card is shared.
    const contactId = card.kind === 'contact_card' ? this.createContact(card.title).id : undefined
    return this.post(roomId, memberId, card.title, [], types[card.kind], {
      card,
      ...(contactId ? { contactId } : {}),
    })
  }

  private post(
    roomId: string,
    memberId: string,
    text: string,
    mentionIdList: string[],
    type: PUPPET.types.Message = PUPPET.types.Message.Text,
    card?: { card: SharedCard; contactId?: string },
    /** Stores the message's file under its id before the event; returns the file name. */
    attach?: (messageId: string) => string,
  ): string {
    const room = this.loadRoom(roomId)
    if (!room.payload.memberIdList.includes(memberId))
      throw new SimNotFound(`member ${memberId} is not in group ${roomId}`)
    // WeChat shows the bot nothing of a group it is not in.
    if (!room.payload.memberIdList.includes(this.botContact.id))
      throw new SimNotFound(`the bot is not in group ${roomId}`)
    const id = `sim-${shortId()}`
    if (card) this.cards.set(id, card)
    const filename = attach?.(id)
    const payload = {
      id,
      talkerId: memberId,
      roomId,
      timestamp: this.clock.now(),
      type,
      text,
      mentionIdList,
      ...(filename === undefined ? {} : { filename }),
    }
    this.track(`message:${id}`)
    this.mocker.MessageMock.create(payload as PUPPET.payloads.Message)
    this.mocker.puppet.emit('message', { messageId: id })
    return id
  }

  /**
   * A member posts an image, file, voice, video or sticker. The bytes (base64) are what the bot
   * gets when it fetches the message's file; without them fetching fails, as for a file the
   * platform no longer has.
   */
  postMedia(roomId: string, memberId: string, media: SimMedia): string {
    return this.post(roomId, memberId, '', [], MEDIA_TYPE[media.kind], undefined, (messageId) => {
      const name = media.name ?? DEFAULT_MEDIA_NAME[media.kind]
      if (media.base64) {
        const box = FileBox.fromBase64(media.base64, name)
        if (media.seconds !== undefined) box.metadata = { seconds: media.seconds }
        this.mocker.cacheFileBoxPayload.set(messageId, box.toJSON())
      }
      return name
    })
  }

  /** The bytes of a media line a member posted with base64 (for the console's thumbnails). */
  async mediaBytes(messageId: string): Promise<Buffer> {
    const json = this.mocker.cacheFileBoxPayload.get(messageId)
    if (!json) throw new SimNotFound(`message ${messageId} has no file in the simulator`)
    return FileBox.fromJSON(json).toBuffer()
  }

  /** A member takes back a message they posted (Wechaty's Recalled message, naming it). */
  recall(roomId: string, messageId: string): void {
    const line = this.transcripts.get(roomId)?.find((l) => l.id === messageId && !l.self)
    if (!line) throw new SimNotFound(`message ${messageId} from a member is not in group ${roomId}`)
    if (line.recalled) throw new SimNotFound(`message ${messageId} was already recalled`)
    line.recalled = true
    this.post(roomId, line.fromId, messageId, [], PUPPET.types.Message.Recalled)
  }

  /** A member posts `text` @mentioning other members after it, as WeChat shows it. */
  sayWithMentions(roomId: string, memberId: string, text: string, mentionIds: string[]): string {
    const names = mentionIds
      .map((id) => `@${this.mocker.ContactMock.load(id).payload.name}${AT_SEPARATOR}`)
      .join('')
    return this.post(roomId, memberId, `${text} ${names}`.trimEnd(), mentionIds)
  }

  /** Someone who left is added back (emits room-join). */
  readdMember(roomId: string, memberId: string): Member {
    const room = this.loadRoom(roomId)
    if (room.payload.memberIdList.includes(memberId))
      throw new SimNotFound(`member ${memberId} is already in group ${roomId}`)
    const contact = this.knownContact(memberId)
    this.track(`join:${roomId}:${memberId}`)
    room.add(contact).by(this.ownerOf(room))
    return { id: contact.id, name: contact.payload.name }
  }

  private knownContact(memberId: string): ContactMock {
    try {
      return this.mocker.ContactMock.load(memberId)
    } catch {
      throw new SimNotFound(`member ${memberId} does not exist`)
    }
  }

  /** The group is renamed (emits room-topic). */
  renameRoom(roomId: string, topic: string): void {
    const room = this.loadRoom(roomId)
    this.track(`topic:${roomId}`)
    room.topic(topic).by(this.ownerOf(room))
  }

  /** Delivers an already-sent message event again, as a flaky connection would. */
  redeliver(messageId: string): void {
    this.track(`message:${messageId}`)
    this.mocker.puppet.emit('message', { messageId })
  }

  rooms(): SimRoom[] {
    return this.roomOrder.map((id) => this.describeRoom(id))
  }

  hasRoom(roomId: string): boolean {
    return this.transcripts.has(roomId)
  }

  transcript(roomId: string): TranscriptEntry[] {
    const lines = this.transcripts.get(roomId)
    if (!lines) throw new SimNotFound(`group ${roomId} does not exist`)
    return [...lines]
  }

  /**
   * Wraps the bot's sink so the world knows when each injected event has been handled. Events the
   * platform drops before the sink (for example non-text messages) are released by settle's timeout.
   */
  wrapSink(sink: PlatformSink): PlatformSink {
    return {
      ...sink,
      message: (m) => this.settleAfter(`message:${m.id}`, sink.message(m)),
      membersJoined: (room, members, inviterId) =>
        this.settleAfter(
          members.map((m) => `join:${room.id}:${m.id}`),
          sink.membersJoined(room, members, inviterId),
        ),
      membersLeft: (room, members) =>
        this.settleAfter(
          members.map((m) => `leave:${room.id}:${m.id}`),
          sink.membersLeft(room, members),
        ),
      botJoinedRoom: (room) => this.settleAfter(`botjoin:${room.id}`, sink.botJoinedRoom(room)),
      botLeftRoom: (room) => this.settleAfter(`botleave:${room.id}`, sink.botLeftRoom(room)),
      roomTopicChanged: (room, oldTopic) =>
        this.settleAfter(`topic:${room.id}`, sink.roomTopicChanged(room, oldTopic)),
    }
  }

  private async settleAfter(keys: string | string[], work: Promise<void>): Promise<void> {
    try {
      await work
    } finally {
      for (const key of Array.isArray(keys) ? keys : [keys]) this.release(key)
    }
  }

  private track(key: string): void {
    const list = this.pending.get(key) ?? []
    list.push(this.inFlight.begin())
    this.pending.set(key, list)
  }

  private release(key: string): void {
    const list = this.pending.get(key)
    const done = list?.shift()
    if (list && list.length === 0) this.pending.delete(key)
    done?.()
  }

  private appendTranscript(roomId: string, message: MessageMock): void {
    const payload = message.payload
    const talker = this.mocker.ContactMock.load(payload.talkerId ?? '')
    // A recall is shown on the line it takes back (see recall), not as a line of its own.
    if (payload.type === PUPPET.types.Message.Recalled) return
    this.transcripts.get(roomId)?.push({
      id: payload.id,
      fromId: talker.id,
      fromName: talker.payload.name,
      kind: TRANSCRIPT_KIND.get(payload.type) ?? 'text',
      text: payload.text ?? '',
      ...(payload.filename ? { name: payload.filename } : {}),
      self: talker.id === this.botContact.id,
      at: this.clock.now(),
    })
  }

  private describeRoom(roomId: string): SimRoom {
    const room = this.loadRoom(roomId)
    return {
      id: room.id,
      topic: room.payload.topic,
      members: room.payload.memberIdList
        .filter((id) => id !== this.botContact.id)
        .map((id) => ({ id, name: this.mocker.ContactMock.load(id).payload.name })),
    }
  }

  private loadRoom(roomId: string): RoomMock {
    if (!this.transcripts.has(roomId)) throw new SimNotFound(`group ${roomId} does not exist`)
    return this.mocker.RoomMock.load(roomId)
  }

  private ownerOf(room: RoomMock): ContactMock {
    return this.mocker.ContactMock.load(room.payload.ownerId ?? this.botContact.id)
  }

  private createContact(name: string): ContactMock {
    return this.mocker.createContact({ id: `wxid_${shortId()}`, name })
  }
}

export class SimNotFound extends Error {}

const shortId = () => randomUUID().replace(/-/g, '').slice(0, 12)

/** What the simulator API can post besides text and cards. */
export interface SimMedia {
  kind: 'image' | 'file' | 'voice' | 'video' | 'emoticon'
  name?: string
  /** The file's bytes, base64. */
  base64?: string
  /** A voice or video message's length. */
  seconds?: number
}

const MEDIA_TYPE: Record<SimMedia['kind'], PUPPET.types.Message> = {
  image: PUPPET.types.Message.Image,
  file: PUPPET.types.Message.Attachment,
  voice: PUPPET.types.Message.Audio,
  video: PUPPET.types.Message.Video,
  emoticon: PUPPET.types.Message.Emoticon,
}

const DEFAULT_MEDIA_NAME: Record<SimMedia['kind'], string> = {
  image: 'image.jpg',
  file: 'file.bin',
  voice: 'voice.silk',
  video: 'video.mp4',
  emoticon: 'sticker.gif',
}

/** A transcript line's kind from the mock puppet's message type. */
const TRANSCRIPT_KIND = new Map<PUPPET.types.Message, string>([
  ...Object.entries(MEDIA_TYPE).map(([kind, type]) => [type, kind] as [PUPPET.types.Message, string]),
  [PUPPET.types.Message.Url, 'link'],
  [PUPPET.types.Message.MiniProgram, 'mini_program'],
  [PUPPET.types.Message.Contact, 'contact_card'],
])
