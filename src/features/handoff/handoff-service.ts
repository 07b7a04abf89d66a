import { DateTime } from 'luxon'
import {
  FALLBACK_REPLY_NOTE,
  HANDOFF_ACTIVE_NOTE,
  HANDOFF_REQUESTED_NOTE,
  type MessageContext,
  SOP_ACTION_NOTE,
  type SopAction,
} from '../../core/context.js'
import type { MediaPort, SendPort } from '../../core/feature.js'
import type { Logger } from '../../core/logger.js'
import { maskPersonalData } from '../../core/mask.js'
import { isEveryoneId, mentionsEveryone, withoutEveryone } from '../../core/mention-everyone.js'
import { normalizeText } from '../../core/normalize-text.js'
import { renderTemplate, type Template, type TemplateValue } from '../../core/template.js'
import { type InboundMessage, isMediaKind, type Member, type Room } from '../../core/types.js'
import { addBusinessTime } from './business-time.js'
import { mediaLine } from './handoff-messages.js'
import type { HandoffConfig } from './schema.js'
import { ACTIVE, type Ticket, type TicketRepository } from './ticket-repository.js'

/** Publishes an event to the configured webhook endpoints, inside the caller's transaction. */
export interface EventPublisher {
  publish(eventType: string, payload: unknown): string[]
}

const PRIORITY = { question: 1, complaint: 2 } as const

export type HandoffError =
  | 'not-found'
  | 'closed'
  | 'not-resolved'
  /** The bot is not in the ticket's group (never was, or was removed): nothing can be posted there. */
  | 'group-left'
  /** The member is no longer in the group: a reply would @mention someone outside it. */
  | 'member-left'
  /** Staff text that would @mention everyone (@所有人). */
  | 'mentions-everyone'

/** Why a ticket cannot be opened for a group and member named by staff. */
export type OpenError = 'unknown-group' | 'unknown-member'

/** The groups the bot is in and their members now, as the membership tables know them. */
export interface HandoffDirectory {
  room(roomId: string): Room | undefined
  member(roomId: string, memberId: string): Member | undefined
}

/**
 * Hands members to a person and keeps the bot out of the way meanwhile. A ticket change, the
 * group message it causes and its webhooks commit in one transaction (chat and webhook outboxes
 * live in the same database), so a crash loses none of them.
 */
export class HandoffService {
  private readonly unanswered = new Map<string, number[]>()

  constructor(
    private readonly config: () => HandoffConfig,
    private readonly repo: TicketRepository,
    private readonly sender: SendPort,
    private readonly events: EventPublisher,
    private readonly log: Logger,
    private readonly directory: HandoffDirectory,
    /** Keeps files members send into tickets, for staff. */
    private readonly media: Pick<MediaPort, 'keep'>,
    /** Called after a ticket is opened, so the SLA job looks at its deadlines. */
    private readonly onOpened: () => void = () => {},
  ) {}

  /**
   * Before the other features: a rating reply, or a request for a person, is handled here (true).
   * A member with an open ticket goes on to the SOP like anyone (their check-in, vote, points
   * query and task answers work); the note tells the FAQ to stay silent, and `handleAfter` puts
   * the message into the ticket.
   */
  handleBefore(ctx: MessageContext): boolean {
    const { message, room, now } = ctx
    const member = message.sender
    const { active, awaitingRating: awaiting } = this.repo.memberTickets(room.id, member.id)
    if (awaiting) {
      const rating = Number(normalizeText(message.text))
      if (Number.isInteger(rating) && rating >= 1 && rating <= 5) {
        this.rate(awaiting, room, member, rating, now)
        return true
      }
    }
    if (active) {
      ctx.notes.set(HANDOFF_ACTIVE_NOTE, active)
      return false
    }
    const trigger = this.trigger(message.text)
    if (!trigger) return false
    const { staff } = this.config()
    const byStaff = staff.ids.includes(member.id) || staff.names.includes(member.name)
    if (byStaff && message.mentionIds.length > 0) {
      // A staff command: "转人工 @member" hands the member over on their behalf. Only members of
      // this group: "转人工 @所有人" arrives as the platform's everyone id, and a ticket for it
      // would make the acknowledgement ping the whole group.
      for (const id of message.mentionIds) {
        const target = isEveryoneId(id, room.id) ? undefined : this.directory.member(room.id, id)
        if (!target) {
          this.log.info(
            { roomId: room.id, mentionId: id },
            'handoff: staff command names no member of this group',
          )
          continue
        }
        this.open(room, target, `staff:${member.name}`, trigger.priority, now, maskPersonalData(message.text))
      }
      return true
    }
    this.open(room, member, trigger.reason, trigger.priority, now, maskPersonalData(message.text))
    return true
  }

  /**
   * After the other features: a member with an open ticket has the message added to it (marked
   * when the SOP handled it, so staff see the check-in too); FAQ entries marked handoff, and
   * repeated unanswered questions, open a ticket.
   */
  handleAfter(ctx: MessageContext): void {
    const { message, room, now } = ctx
    const active = ctx.notes.get(HANDOFF_ACTIVE_NOTE) as Ticket | undefined
    if (active) {
      this.addToTicket(active, message, ctx.notes.get(SOP_ACTION_NOTE) as SopAction | undefined, now)
      return
    }
    const requested = ctx.notes.get(HANDOFF_REQUESTED_NOTE) as { reason: string } | undefined
    if (requested) {
      // The asking stage's reply already says a person will follow up.
      this.open(
        room,
        message.sender,
        requested.reason,
        PRIORITY.question,
        now,
        maskPersonalData(message.text),
        false,
      )
      return
    }
    const rule = this.config().triggers.unansweredQuestions
    const decision = ctx.notes.get('faq') as { kind: string; reason?: string } | undefined
    if (!rule || !decision || decision.kind !== 'none' || decision.reason === 'not-a-question') return
    const key = `${room.id}\u0000${message.sender.id}`
    const recent = (this.unanswered.get(key) ?? []).filter((t) => now - t < rule.within)
    recent.push(now)
    this.unanswered.set(key, recent)
    if (recent.length >= rule.count) {
      this.unanswered.delete(key)
      // The acknowledgement is the one reply: the FAQ's "cannot answer, reply 转人工" gives way.
      ctx.notes.delete(FALLBACK_REPLY_NOTE)
      this.open(
        room,
        message.sender,
        'unanswered-questions',
        PRIORITY.question,
        now,
        maskPersonalData(message.text),
      )
    }
  }

  /**
   * A message from a member with an open ticket, into its transcript and to staff. Media is a
   * line naming its kind, with the message id: its file is kept for staff (`GET /api/media/:id`,
   * shown in the console, linked in the webhook), never put into the webhook itself.
   */
  private addToTicket(active: Ticket, message: InboundMessage, action: SopAction | undefined, now: number) {
    const media = isMediaKind(message.kind) ? message.kind : undefined
    const text = media
      ? maskPersonalData(mediaLine(media, message.media?.name ?? ''))
      : maskPersonalData(message.text)
    const mediaRef = media
      ? { media: { kind: media, messageId: message.id, url: this.mediaUrl(message.id) } }
      : {}
    this.repo.transaction(() => {
      if (action) {
        this.repo.event(active.id, now, 'member_action', message.sender.id, text, message.id)
        this.events.publish('handoff.message', {
          ticket: this.describe(active),
          text,
          handledBy: `sop:${action}`,
          ...mediaRef,
        })
        return
      }
      this.repo.event(active.id, now, 'member_message', message.sender.id, text, message.id)
      if (active.status === 'waiting_member')
        this.repo.setStatus(active.id, active.assignee ? 'assigned' : 'open')
      this.events.publish('handoff.message', { ticket: this.describe(active), text, ...mediaRef })
    })
    if (media) this.media.keep(message)
  }

  /** Where staff fetch a kept file: on the console's address when handoff.yaml names it. */
  private mediaUrl(messageId: string): string {
    const path = `/api/media/${encodeURIComponent(messageId)}`
    const base = this.config().consoleUrl
    return base ? `${base.replace(/\/$/, '')}${path}` : path
  }

  /** Opens a ticket (or returns the member's open one) and tells the member a person will reply. */
  open(
    room: Room,
    member: Member,
    reason: string,
    priority: number,
    now: number,
    text?: string,
    acknowledge = true,
  ): Ticket {
    return this.repo.transaction(() => {
      const existing = this.repo.active(room.id, member.id)
      if (existing) return existing
      const ticket = this.repo.open(room.id, member.id, member.name, reason, priority, now)
      // What the member said before asking gives staff the context.
      for (const m of this.repo.recentMessages(room.id, member.id, now))
        this.repo.event(ticket.id, m.at, 'earlier_message', member.id, m.text)
      this.repo.event(ticket.id, now, 'opened', member.id, text ?? null)
      if (acknowledge) this.acknowledge(room, member, now)
      this.events.publish('handoff.opened', { ticket: this.describe(ticket), room, text: text ?? null })
      this.log.info({ ticketId: ticket.id, roomId: room.id, reason, priority }, 'handoff ticket opened')
      queueMicrotask(this.onOpened)
      return ticket
    })
  }

  /**
   * Staff open a ticket for a group and member they name (the API): only a group the bot is in
   * and a member who is in it now. Names and the group's topic come from the membership tables.
   */
  openFor(
    roomId: string,
    memberId: string,
    reason: string,
    priority: number,
    now: number,
  ): Ticket | OpenError {
    const room = this.directory.room(roomId)
    if (!room) return 'unknown-group'
    const member = this.directory.member(roomId, memberId)
    if (!member) return 'unknown-member'
    return this.open(room, member, reason, priority, now)
  }

  claim(id: number, staff: string, now: number): Ticket | HandoffError {
    return this.change(id, (t) => {
      if (!isActive(t)) return 'closed'
      this.repo.assign(t.id, staff)
      this.repo.event(t.id, now, 'assigned', staff, null)
      this.events.publish('handoff.assigned', { ticket: this.describe({ ...t, assignee: staff }), staff })
      return undefined
    })
  }

  /** A staff reply: posted into the group @mentioning the member, through the paced sender. */
  reply(id: number, staff: string, text: string, now: number): Ticket | HandoffError {
    return this.change(id, (t) => {
      if (!isActive(t)) return 'closed'
      // Refused, not rewritten: the person who typed it can fix it, and what they typed is what
      // the group would see.
      if (mentionsEveryone(text)) return 'mentions-everyone'
      const gone = this.whoIsGone(t)
      if (gone) return gone
      this.repo.firstResponse(t.id, now)
      this.repo.setStatus(t.id, 'waiting_member')
      this.repo.event(t.id, now, 'staff_reply', staff, maskPersonalData(text))
      this.say(t.roomId, this.config().texts.staffReply, {
        mention: [{ mention: t.memberId, name: t.memberName }],
        text,
      })
      return undefined
    })
  }

  resolve(id: number, staff: string, now: number): Ticket | HandoffError {
    return this.change(id, (t) => {
      if (!isActive(t)) return 'closed'
      // A member who left (or a group the bot left) cannot be asked for a rating: close quietly.
      const ask = this.whoIsGone(t) === undefined
      this.repo.resolve(t.id, now, ask)
      this.repo.event(t.id, now, 'resolved', staff, null)
      if (ask)
        this.say(t.roomId, this.config().texts.askRating, {
          mention: [{ mention: t.memberId, name: t.memberName }],
        })
      this.events.publish('handoff.resolved', { ticket: this.describe(t), staff })
      return undefined
    })
  }

  /** Gives the member back to the bot without a rating (the question was not for a person). */
  returnToBot(id: number, staff: string, now: number): Ticket | HandoffError {
    return this.change(id, (t) => {
      if (!isActive(t)) return 'closed'
      this.repo.setStatus(t.id, 'returned_to_bot')
      this.repo.event(t.id, now, 'returned', staff, null)
      return undefined
    })
  }

  reopen(id: number, staff: string, now: number): Ticket | HandoffError {
    return this.change(id, (t) => {
      if (isActive(t)) return undefined
      if (this.repo.active(t.roomId, t.memberId)) return 'closed'
      this.repo.reopen(t.id)
      this.repo.event(t.id, now, 'reopened', staff, null)
      return undefined
    })
  }

  /** The earliest SLA deadline not yet reported among open tickets (a state job's due time). */
  slaDueAt(): number | undefined {
    let due: number | undefined
    for (const d of this.deadlines()) if (due === undefined || d.at < due) due = d.at
    return due
  }

  /** Reports each SLA breach that fell due, once: a webhook, and a message in the escalation group. */
  checkSla(now: number): void {
    const config = this.config()
    for (const d of this.deadlines()) {
      if (d.at > now) continue
      this.repo.transaction(() => {
        if (!this.repo.markBreached(d.ticket.id, d.kind, now)) return
        const minutes = Math.round((now - d.ticket.openedAt) / 60_000)
        this.events.publish('handoff.sla_breached', {
          ticket: this.describe(d.ticket),
          kind: d.kind,
          minutes,
        })
        const group = config.sla?.escalateToGroup
        if (group && config.texts.escalation) {
          this.say(group, config.texts.escalation, {
            ticket: d.ticket.id,
            member: d.ticket.memberName,
            group: d.ticket.roomId,
            kind: d.kind,
            minutes,
          })
        }
        this.log.warn({ ticketId: d.ticket.id, kind: d.kind, minutes }, 'handoff SLA breached')
      })
    }
  }

  private deadlines(): { ticket: Ticket; kind: 'first_response' | 'resolution'; at: number }[] {
    const config = this.config()
    const sla = config.sla
    if (!sla) return []
    const out: { ticket: Ticket; kind: 'first_response' | 'resolution'; at: number }[] = []
    for (const t of this.repo.activeTickets()) {
      if (sla.firstResponse && t.firstResponseAt === null && t.firstResponseBreachedAt === null) {
        out.push({
          ticket: t,
          kind: 'first_response',
          at: addBusinessTime(t.openedAt, sla.firstResponse, config.businessHours),
        })
      }
      if (sla.resolution && t.resolutionBreachedAt === null) {
        out.push({
          ticket: t,
          kind: 'resolution',
          at: addBusinessTime(t.openedAt, sla.resolution, config.businessHours),
        })
      }
    }
    return out
  }

  private rate(ticket: Ticket, room: Room, member: Member, rating: number, now: number): void {
    this.repo.transaction(() => {
      if (!this.repo.rate(ticket.id, rating)) return
      this.repo.event(ticket.id, now, 'rating', member.id, String(rating))
      this.events.publish('csat.submitted', { ticket: this.describe(ticket), rating })
      const thanks = this.config().texts.thanks
      if (thanks) this.say(room.id, thanks, { mention: [{ mention: member.id, name: member.name }], rating })
    })
  }

  private acknowledge(room: Room, member: Member, now: number): void {
    const config = this.config()
    const mention = [{ mention: member.id, name: member.name }]
    const hours = config.businessHours
    const next = hours ? nextOpening(hours, now) : undefined
    if (next !== undefined && hours && config.texts.openedAfterHours) {
      this.say(room.id, config.texts.openedAfterHours, {
        mention,
        next: DateTime.fromMillis(next, { zone: hours.timezone }).toFormat('MM-dd HH:mm'),
        hours: `${hours.start}-${hours.end}`,
      })
      return
    }
    this.say(room.id, config.texts.opened, { mention, eta: Math.round(config.expectedResponse / 60_000) })
  }

  private trigger(text: string): { reason: string; priority: number } | undefined {
    const { keywords, complaintWords, complaintThreshold } = this.config().triggers
    const folded = normalizeText(text)
    const complaints = complaintWords.filter((w) => folded.includes(normalizeText(w))).length
    const priority = complaints > 0 ? PRIORITY.complaint : PRIORITY.question
    const keyword = keywords.find((k) => folded.includes(normalizeText(k)))
    if (keyword) return { reason: `keyword:${keyword}`, priority }
    if (complaintThreshold > 0 && complaints >= complaintThreshold) return { reason: 'complaint', priority }
    return undefined
  }

  private change(id: number, work: (t: Ticket) => HandoffError | undefined): Ticket | HandoffError {
    return this.repo.transaction(() => {
      const ticket = this.repo.get(id)
      if (!ticket) return 'not-found'
      return work(ticket) ?? (this.repo.get(id) as Ticket)
    })
  }

  /**
   * Every handoff message goes out without a way to ping everyone: staff text, member names (a
   * member may call themselves "@所有人") and the escalation alert all pass through here.
   */
  private say(roomId: string, template: Template, values: Record<string, TemplateValue>): void {
    this.sender.send(roomId, withoutEveryone(roomId, renderTemplate(template, values)))
  }

  /** Whether the ticket's group or member is no longer there to be written to. */
  private whoIsGone(t: Ticket): 'group-left' | 'member-left' | undefined {
    if (!this.directory.room(t.roomId)) return 'group-left'
    if (!this.directory.member(t.roomId, t.memberId)) return 'member-left'
    return undefined
  }

  private describe(t: Ticket) {
    return {
      id: t.id,
      roomId: t.roomId,
      memberId: t.memberId,
      memberName: t.memberName,
      status: t.status,
      reason: t.reason,
      priority: t.priority === PRIORITY.complaint ? 'complaint' : 'question',
      openedAt: new Date(t.openedAt).toISOString(),
    }
  }
}

const isActive = (t: Ticket) => ACTIVE.includes(t.status)

/**
 * The answer changes only on a minute boundary (hours are HH:MM), and working it out takes
 * several time-zone conversions: one answer per minute per hours setting is kept.
 */
let openingMemo: { hours: object; minute: number; next: number | undefined } | undefined

/** The next start of business hours after `now`, or undefined when `now` is within them. */
export function nextOpening(
  hours: NonNullable<HandoffConfig['businessHours']>,
  now: number,
): number | undefined {
  const minute = Math.floor(now / 60_000)
  if (openingMemo?.hours === hours && openingMemo.minute === minute) return openingMemo.next
  const next = computeNextOpening(hours, now)
  openingMemo = { hours, minute, next }
  return next
}

function computeNextOpening(
  hours: NonNullable<HandoffConfig['businessHours']>,
  now: number,
): number | undefined {
  const local = DateTime.fromMillis(now, { zone: hours.timezone })
  const [sh = 0, sm = 0] = hours.start.split(':').map(Number)
  const [eh = 0, em = 0] = hours.end.split(':').map(Number)
  const minutes = local.hour * 60 + local.minute
  if (hours.days.includes(local.weekday) && minutes >= sh * 60 + sm && minutes < eh * 60 + em)
    return undefined
  for (let d = 0; d <= 7; d++) {
    const day = local.plus({ days: d }).set({ hour: sh, minute: sm, second: 0, millisecond: 0 })
    if (day.toMillis() > now && hours.days.includes(day.weekday)) return day.toMillis()
  }
  return undefined
}
