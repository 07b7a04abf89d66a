import { NoRemoveRightError } from '../../core/errors.js'
import type { AlertPort, GroupControlPort, MemberDirectoryPort, SendPort } from '../../core/feature.js'
import type { Logger } from '../../core/logger.js'
import { maskPersonalData } from '../../core/mask.js'
import { renderTemplate } from '../../core/template.js'
import type { InboundMessage, Member, Room } from '../../core/types.js'
import type { Db } from '../../db/client.js'
import type { RoomMarkers } from '../privacy/room-markers.js'
import { findLinkHosts, hostOf, isAllowedHost } from './links.js'
import type { ActionRow, ModerationAction, ModerationRepository } from './moderation-repository.js'
import { firstDisallowedQr } from './qr-rules.js'
import { RateWindows } from './rate-windows.js'
import type { CompiledProfile, RuleBook } from './rule-book.js'
import type { RuleName } from './schema.js'
import { normalizeForMatching } from './word-filter.js'

export interface Violation {
  rule: RuleName
  /** What was found, before masking: the word, the link's host, the message count. */
  detail: string
}

const EVIDENCE_CHARS = 200

export interface ModerationDeps {
  db: Db
  rules: RuleBook
  repo: ModerationRepository
  markers: RoomMarkers
  sender: SendPort
  groups: GroupControlPort
  alerts: AlertPort
  directory: MemberDirectoryPort
  log: Logger
}

/**
 * Per-group rules against ads, abuse and flooding, with escalation: a public warning in place of
 * deleting (a bot cannot delete others' messages in WeChat), staff alerts from a threshold, and
 * removal (with a ban on the group's shared list) at the last step. Whitelisted members are
 * never actioned. Every action is logged with masked evidence.
 */
export class ModerationService {
  private readonly windows = new RateWindows()

  constructor(private readonly deps: ModerationDeps) {}

  /** Checks a message; true when it broke a rule (the later stages then leave it alone). */
  async handleMessage(message: InboundMessage, room: Room, now: number): Promise<boolean> {
    const compiled = this.deps.rules.profileFor(room)
    if (!compiled) return false
    const list = compiled.profile.banList
    if (
      list &&
      !this.deps.rules.isWhitelisted(message.sender, true) &&
      this.deps.repo.ban(list, message.sender.id)
    ) {
      await this.enforceBan(room, message.sender, list, now)
      return true
    }
    if (this.deps.rules.isWhitelisted(message.sender)) return false
    const violation = this.detect(compiled, message, room, now)
    if (!violation) return false
    await this.punish(compiled, room, message.sender, violation, message, now)
    return true
  }

  /** Whether an image posted in this group should be scanned for QR codes. */
  scansQrCodes(room: Room): boolean {
    const action = this.deps.rules.profileFor(room)?.profile.qrCodes?.action
    return action === 'warn' || action === 'remove'
  }

  /**
   * The QR codes found in a member's image, after the message was handled (the scan runs off the
   * message path): a code the profile does not allow is a violation with the same escalation and
   * log as the others, the code's text (masked) as evidence; `remove` removes at once.
   */
  async handleQrCodes(
    message: InboundMessage,
    room: Room,
    texts: readonly string[],
    now: number,
  ): Promise<void> {
    const compiled = this.deps.rules.profileFor(room)
    const rule = compiled?.profile.qrCodes
    if (!compiled || !rule || rule.action === 'allow' || texts.length === 0) return
    if (this.deps.rules.isWhitelisted(message.sender)) return
    const bad = firstDisallowedQr(texts, rule.allow, compiled.profile.links?.allowDomains ?? [])
    if (!bad) return
    const violation: Violation = { rule: 'qrCodes', detail: `qr:${bad.kind} ${bad.text}` }
    await this.punish(compiled, room, message.sender, violation, message, now, rule.action === 'remove')
  }

  /** Members joining a group whose ban list names them are removed. */
  async onMembersJoined(room: Room, members: Member[], now: number): Promise<void> {
    const list = this.deps.rules.profileFor(room)?.profile.banList
    if (!list) return
    for (const member of members) {
      if (this.deps.rules.isWhitelisted(member, true)) continue
      if (this.deps.repo.ban(list, member.id)) await this.enforceBan(room, member, list, now)
    }
  }

  /** Removes every banned member still in a group of their list (bans added while the bot was away). */
  async sweepBans(now: number): Promise<number> {
    let removed = 0
    for (const room of this.deps.directory.rooms()) {
      const list = this.deps.rules.profileFor(room)?.profile.banList
      if (!list) continue
      for (const member of this.deps.directory.activeMembers(room.id)) {
        if (this.deps.rules.isWhitelisted(member, true) || !this.deps.repo.ban(list, member.id)) continue
        if (await this.enforceBan(room, member, list, now)) removed++
      }
    }
    return removed
  }

  /** Removes a newly banned member from every group of the list they are in now. */
  async enforceBanEverywhere(list: string, memberId: string, now: number): Promise<number> {
    let removed = 0
    for (const room of this.deps.directory.rooms()) {
      if (this.deps.rules.profileFor(room)?.profile.banList !== list) continue
      const member = this.deps.directory.activeMembers(room.id).find((m) => m.id === memberId)
      if (!member || this.deps.rules.isWhitelisted(member, true)) continue
      if (await this.enforceBan(room, member, list, now)) removed++
    }
    return removed
  }

  /** Staff mark a warning as a false positive: it no longer counts towards escalation. */
  undo(id: number, by: string, now: number): { ok: true; row: ActionRow } | { ok: false; reason: string } {
    const row = this.deps.repo.get(id)
    if (!row) return { ok: false, reason: `no moderation action ${id}` }
    if (row.action !== 'warn' && row.action !== 'alert')
      return {
        ok: false,
        reason: `action ${id} is a ${row.action}; only warnings can be undone (lift a ban with DELETE /api/bans)`,
      }
    if (!this.deps.repo.undo(id, now, by)) return { ok: false, reason: `action ${id} was already undone` }
    this.deps.log.info({ id, by }, 'moderation warning undone')
    return { ok: true, row: this.deps.repo.get(id) as ActionRow }
  }

  private detect(
    compiled: CompiledProfile,
    m: InboundMessage,
    room: Room,
    now: number,
  ): Violation | undefined {
    const { profile, words } = compiled
    const card = m.card
    // Looking for links in text costs a normalisation per message: only when a rule reads them.
    const readsLinks = profile.links !== undefined || profile.newcomers?.noLinks === true
    const hosts = card
      ? card.kind === 'link' && card.url
        ? [hostOf(card.url) ?? card.url]
        : []
      : readsLinks
        ? findLinkHosts(m.text)
        : []
    if (profile.newcomers?.noLinks && (card || hosts.length > 0)) {
      const joined = this.deps.repo.joinedAt(room.id, m.sender.id)
      if (joined !== null && now - joined < profile.newcomers.period)
        return { rule: 'newcomer', detail: hosts[0] ?? card?.kind ?? '' }
    }
    if (card?.kind === 'mini_program' && profile.links?.miniPrograms === 'block')
      return { rule: 'cards', detail: `mini_program ${card.title}` }
    if (card?.kind === 'contact_card' && profile.links?.contactCards === 'block')
      return { rule: 'cards', detail: `contact_card ${card.title}` }
    if (profile.links) {
      const allow = profile.links.allowDomains
      const bad = hosts.find((h) => !isAllowedHost(h, allow))
      if (bad) return { rule: 'links', detail: bad }
    }
    const word = words.find(m.text)
    if (word) return { rule: 'words', detail: word }
    if (card || (!profile.flood && !profile.repeat)) return undefined
    const normalized = normalizeForMatching(m.text)
    const repeatText = profile.repeat && normalized.length >= profile.repeat.minLength ? normalized : ''
    const rate = this.windows.note(
      `${room.id}\u0000${m.sender.id}`,
      repeatText,
      now,
      profile.flood,
      profile.repeat,
    )
    if (rate.repeat) return { rule: 'repeat', detail: `${rate.repeat}x` }
    if (rate.flood) return { rule: 'flood', detail: `${rate.flood} messages` }
    return undefined
  }

  private async punish(
    compiled: CompiledProfile,
    room: Room,
    member: Member,
    violation: Violation,
    message: InboundMessage,
    now: number,
    /** Remove at once, whatever the count (a rule set to `remove`). */
    removeNow = false,
  ): Promise<void> {
    const { profile } = compiled
    const esc = profile.escalation
    const count = this.deps.repo.countViolations(room.id, member.id, now - esc.decayAfter) + 1
    // A rule without its own reason (only possible for qrCodes: allow) is named by its key.
    const reason = profile.texts.reasons[violation.rule] ?? violation.rule
    // Masked before it is shortened, so no number is cut in half; only the part that can reach
    // the log is masked (an e-mail address is at most 320 characters long).
    const evidence = maskPersonalData(
      `${violation.detail} | ${message.text.slice(0, EVIDENCE_CHARS + 320)}`,
    ).slice(0, EVIDENCE_CHARS)
    let action: ModerationAction
    if (removeNow || (esc.removeAt > 0 && count >= esc.removeAt)) {
      const removed = await this.remove(room, member, now)
      action = removed ? 'remove' : 'remove_failed'
      if (removed && profile.texts.removed)
        this.deps.sender.send(room.id, renderTemplate(profile.texts.removed, { name: member.name, reason }))
      if (!removed) this.warn(compiled, room, member, reason, count)
    } else {
      this.warn(compiled, room, member, reason, count)
      action = esc.alertStaffAt > 0 && count >= esc.alertStaffAt ? 'alert' : 'warn'
    }
    const banned = action === 'remove' && esc.banOnRemove && profile.banList !== undefined
    // The log row, the ban and the staff alert commit together.
    this.deps.db.$client.transaction(() => {
      const id = this.deps.repo.log({
        roomId: room.id,
        memberId: member.id,
        memberName: member.name,
        rule: violation.rule,
        action,
        evidence,
        messageId: message.id,
        at: now,
      })
      if (banned && profile.banList)
        this.deps.repo.addBan({
          list: profile.banList,
          memberId: member.id,
          memberName: member.name,
          reason: `${violation.rule}: ${evidence}`,
          addedBy: 'moderation',
          addedAt: now,
        })
      if (action !== 'warn')
        this.deps.alerts.publish('moderation.alert', {
          actionId: id,
          room,
          member,
          rule: violation.rule,
          action,
          violations: count,
          evidence,
          ...(banned ? { bannedOn: profile.banList } : {}),
        })
    })()
    this.deps.log.info(
      { roomId: room.id, memberId: member.id, rule: violation.rule, action, violations: count },
      'moderation action',
    )
  }

  private warn(compiled: CompiledProfile, room: Room, member: Member, reason: string, count: number): void {
    const esc = compiled.profile.escalation
    this.deps.sender.send(
      room.id,
      renderTemplate(compiled.profile.texts.warning, {
        mention: [{ mention: member.id, name: member.name }],
        reason,
        count,
        limit: esc.removeAt > 0 ? esc.removeAt : '',
      }),
    )
  }

  /** Removes and tells whether it worked; a missing right is reported to staff once per group. */
  private async remove(room: Room, member: Member, now: number): Promise<boolean> {
    try {
      await this.deps.groups.removeMember(room.id, member.id)
      return true
    } catch (error) {
      if (!(error instanceof NoRemoveRightError)) {
        this.deps.log.error({ err: error, roomId: room.id, memberId: member.id }, 'removing a member failed')
        return false
      }
      if (this.deps.markers.mark(room.id, 'no_remove_right', now)) {
        this.deps.log.warn(
          { roomId: room.id, topic: room.topic },
          'the bot cannot remove members here (not the owner or an admin); staff are alerted instead',
        )
        this.deps.alerts.publish('moderation.no_remove_right', { room, detail: error.message })
      }
      return false
    }
  }

  private async enforceBan(room: Room, member: Member, list: string, now: number): Promise<boolean> {
    const removed = await this.remove(room, member, now)
    const texts = this.deps.rules.profileFor(room)?.profile.texts
    if (removed && texts?.banned)
      this.deps.sender.send(room.id, renderTemplate(texts.banned, { name: member.name }))
    // Where the bot cannot remove, staff hear of each banned member once, not at every message.
    if (!removed && !this.deps.markers.mark(room.id, `ban_remove_failed:${member.id}`, now)) return false
    const action: ModerationAction = removed ? 'ban_removed' : 'ban_remove_failed'
    this.deps.db.$client.transaction(() => {
      const id = this.deps.repo.log({
        roomId: room.id,
        memberId: member.id,
        memberName: member.name,
        rule: 'ban',
        action,
        evidence: `ban list ${list}`,
        messageId: null,
        at: now,
      })
      this.deps.alerts.publish('moderation.ban_enforced', {
        actionId: id,
        room,
        member,
        rule: 'ban',
        action,
        list,
      })
    })()
    this.deps.log.info({ roomId: room.id, memberId: member.id, list, action }, 'banned member found in group')
    return removed
  }
}
