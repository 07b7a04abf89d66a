import {
  FALLBACK_REPLY_NOTE,
  FAQ_OUTCOME_NOTE,
  type FaqOutcomeNote,
  HANDOFF_ACTIVE_NOTE,
  HANDOFF_REQUESTED_NOTE,
  type MessageContext,
} from '../../core/context.js'
import type { Logger } from '../../core/logger.js'
import { maskPersonalData } from '../../core/mask.js'
import { renderTemplate } from '../../core/template.js'
import type { Room } from '../../core/types.js'
import type { GapReport } from './gap-report.js'
import type { KbLibrary } from './kb-library.js'
import { type Candidate, decide, type FaqDecision } from './matcher.js'
import type { KbEntry } from './schema.js'

/** How long a "which one did you mean?" stays open for the member's numbered reply. */
const CHOICE_TTL_MS = 3 * 60_000

export interface FaqStats {
  answered: number
  unanswered: number
  asked: number
  cooldown: number
}

/** Where the FAQ puts its decision for later stages (handoff, fallback, analytics). */
export const FAQ_NOTE = 'faq'

/**
 * Answers members' questions from the knowledge base: only questions (or @mentions), only when
 * confident, never the same entry twice in one group within the cooldown, and asking which one is
 * meant when two entries are close. Unanswered questions go to the gap report.
 */
export class FaqService {
  readonly stats: FaqStats = { answered: 0, unanswered: 0, asked: 0, cooldown: 0 }
  private readonly lastAnswered = new Map<string, number>()
  private readonly pendingChoices = new Map<string, { candidates: KbEntry[]; until: number }>()

  constructor(
    private readonly library: KbLibrary,
    private readonly gaps: GapReport,
    private readonly log: Logger,
  ) {}

  reload(now: number): void {
    const { problems } = this.library.reload(now)
    for (const p of problems)
      this.log.warn({ file: p.file, line: p.line, column: p.column }, `knowledge file rejected: ${p.message}`)
  }

  /** The decision for a message in a group, without side effects (the CLI and API use it too). */
  decide(text: string, mentioned: boolean, room?: Room): FaqDecision {
    const settings = this.library.settings()
    return decide(this.library.index(), text, {
      mentioned,
      threshold: settings.threshold,
      margin: settings.margin,
      ...(room ? { allow: (entry: KbEntry) => allowedIn(entry, room) } : {}),
    })
  }

  /** Returns true when the FAQ answered (or asked back), so no later stage answers too. */
  handleMessage(ctx: MessageContext): boolean {
    const { message, room, now } = ctx
    // A member with an open ticket is talking to a person: the bot does not answer in between.
    if (ctx.notes.has(HANDOFF_ACTIVE_NOTE)) return false
    const choiceKey = `${room.id}\u0000${message.sender.id}`
    const chosen = this.takeChoice(choiceKey, message.text, now)
    if (chosen) return this.answer(ctx, chosen, 1, 'chosen')

    const decision = this.decide(message.text, message.mentionsBot, room)
    ctx.notes.set(FAQ_NOTE, decision)
    const settings = this.library.settings()
    if (decision.kind === 'answer') return this.answer(ctx, decision.entry, decision.score, decision.reason)
    if (decision.kind === 'choose') {
      const texts = settings.texts
      if (!texts.choose) return false
      this.pendingChoices.set(choiceKey, {
        candidates: decision.candidates.map((c) => c.entry),
        until: now + CHOICE_TTL_MS,
      })
      const choices = decision.candidates.map((c: Candidate, i) => `${i + 1}. ${c.entry.q}`).join('\n')
      ctx.send({
        parts: [{ mention: message.sender.id }, ' ', ...renderTemplate(texts.choose, { choices }).parts],
      })
      this.stats.asked++
      noteOutcome(ctx, { outcome: 'asked' })
      return true
    }
    if (decision.reason === 'not-a-question') return false
    this.stats.unanswered++
    this.gaps.record(room.id, maskPersonalData(message.text), decision.reason, now)
    const fallback = message.mentionsBot && settings.texts.noMatch !== undefined
    noteOutcome(ctx, { outcome: fallback ? 'fallback' : 'unanswered' })
    if (message.mentionsBot && settings.texts.noMatch) {
      // Sent after the pipeline unless a ticket opens for this message: then its acknowledgement
      // is the one reply (offering 转人工 and saying it was registered would contradict).
      ctx.notes.set(
        FALLBACK_REPLY_NOTE,
        renderTemplate(settings.texts.noMatch, {
          mention: [{ mention: message.sender.id, name: message.sender.name }],
        }),
      )
      return true
    }
    return false
  }

  private answer(ctx: MessageContext, entry: KbEntry, score: number, reason: string): boolean {
    const key = `${ctx.room.id}\u0000${entry.id}`
    const last = this.lastAnswered.get(key)
    const cooldownMs = this.library.settings().cooldownSeconds * 1000
    if (last !== undefined && ctx.now - last < cooldownMs) {
      this.stats.cooldown++
      ctx.log.debug({ entry: entry.id }, 'FAQ answer held back: answered in this group within the cooldown')
      return true
    }
    this.lastAnswered.set(key, ctx.now)
    this.stats.answered++
    noteOutcome(ctx, { outcome: 'answered', entryId: entry.id })
    ctx.log.debug({ entry: entry.id, score, reason }, 'FAQ answered')
    // An entry marked handoff answers and says, in the same reply, that a person follows up.
    const followUp = entry.handoff ? this.library.settings().texts.handoffFollowUp : undefined
    ctx.reply(followUp ? `${entry.a}\n${followUp}` : entry.a)
    if (entry.handoff) ctx.notes.set(HANDOFF_REQUESTED_NOTE, { reason: `faq:${entry.id}` })
    return true
  }

  private takeChoice(key: string, text: string, now: number): KbEntry | undefined {
    const pending = this.pendingChoices.get(key)
    if (!pending) return undefined
    if (pending.until < now) {
      this.pendingChoices.delete(key)
      return undefined
    }
    const n = Number(text.normalize('NFKC').trim())
    const entry = Number.isInteger(n) ? pending.candidates[n - 1] : undefined
    if (entry) this.pendingChoices.delete(key)
    return entry
  }
}

function allowedIn(entry: KbEntry, room: Room): boolean {
  if (!entry.groups) return true
  return Boolean(entry.groups.ids?.includes(room.id) || entry.groups.topic?.test(room.topic))
}

function noteOutcome(ctx: MessageContext, note: FaqOutcomeNote): void {
  ctx.notes.set(FAQ_OUTCOME_NOTE, note)
}
