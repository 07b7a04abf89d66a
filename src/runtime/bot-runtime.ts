import type { Clock, TimerHandle } from '../core/clock.js'
import { FALLBACK_REPLY_NOTE, type MessageContext } from '../core/context.js'
import { EventBus } from '../core/event-bus.js'
import type { Feature } from '../core/feature.js'
import { IdleTracker } from '../core/idle-tracker.js'
import type { Logger } from '../core/logger.js'
import { maskPersonalData } from '../core/mask.js'
import { composePipeline, type NamedMiddleware, type StageObserver } from '../core/pipeline.js'
import {
  type InboundMessage,
  type LoginStatus,
  type MessageKind,
  type OutgoingMessage,
  TYPED_KINDS,
} from '../core/types.js'
import type { Db } from '../db/client.js'
import { createMembershipRepository } from '../db/membership-repository.js'
import { MessageLog, type MessageLogOptions } from '../db/message-log.js'
import type { PacedSender } from '../platform/paced-sender.js'
import type { ChatPlatform, PlatformSink } from '../platform/port.js'
import { AnswerLedger } from './answer-ledger.js'
import { type GuardVerdict, InboundGuard } from './guard.js'
import { MembershipTracker } from './membership.js'
import { createMessageContext } from './message-context.js'

export interface RuntimeOptions {
  db: Db
  clock: Clock
  log: Logger
  platform: ChatPlatform
  sender: PacedSender
  features: Feature[]
  staleMessageMs: number
  reconcileIntervalMs: number
  /** Receives each stage's own time per message (benchmarks, metrics). */
  onStageTime?: (stage: string, ms: number) => void
  /** Receives each accepted message's time through the whole pipeline (metrics). */
  onMessageTime?: (ms: number) => void
  messageLog?: Omit<MessageLogOptions, 'onError'>
}

export interface RuntimeStats {
  accepted: number
  dropped: Record<Exclude<GuardVerdict, 'accept'>, number>
  answered: number
  unansweredMentions: number
  stageErrors: number
}

const GUARD_VERDICT = 'guardVerdict'

/**
 * Runs the bot: one pipeline for messages (guard -> record -> features -> fallback), an event bus
 * for everything else, membership tracking with periodic reconciliation, and the paced sender
 * switched on and off with the login state.
 */
export class BotRuntime {
  readonly bus: EventBus
  readonly idle = new IdleTracker()
  /** Which chunks answered which message: a recall withdraws its still-queued answers. */
  private readonly answers = new AnswerLedger()
  readonly membership: MembershipTracker
  readonly messageLog: MessageLog
  readonly stats: RuntimeStats = {
    accepted: 0,
    dropped: { self: 0, duplicate: 0, stale: 0 },
    answered: 0,
    unansweredMentions: 0,
    stageErrors: 0,
  }
  private loginStatus: LoginStatus = { state: 'starting' }
  private readonly guard: InboundGuard
  private readonly run: (ctx: MessageContext) => Promise<void>
  private reconcileTimer: TimerHandle | undefined
  private accepting = true

  constructor(private readonly options: RuntimeOptions) {
    const { db, clock, log, platform, features } = options
    this.bus = new EventBus((error, where) => log.error({ err: error, ...where }, 'event handler failed'))
    this.membership = new MembershipTracker(createMembershipRepository(db), platform, this.bus, clock, log)
    this.messageLog = new MessageLog(db, {
      ...options.messageLog,
      onError: (error) => log.error({ err: error }, 'storing messages failed; will retry'),
    })
    this.guard = new InboundGuard({ staleAfterMs: options.staleMessageMs })
    for (const feature of features) {
      for (const [event, handler] of Object.entries(feature.on ?? {})) {
        this.bus.on(event as never, feature.name, handler as never)
      }
    }
    const observer: StageObserver<MessageContext> = {
      stageError: (stage, error, ctx) => {
        this.stats.stageErrors++
        ctx.log.error({ err: error, stage }, 'pipeline stage failed; message continues to the next stage')
      },
      ...(options.onStageTime ? { stageTime: options.onStageTime } : {}),
    }
    this.run = composePipeline(this.stages(features), observer)
  }

  /** The sink the platform adapter feeds. Each call resolves when the event is fully handled. */
  readonly sink: PlatformSink = {
    message: (message) => this.handleMessage(message),
    membersJoined: (room, members, inviterId) =>
      this.track(() => this.membership.joined(room, members, 'event', inviterId)),
    membersLeft: (room, members) => this.track(() => this.membership.left(room, members, 'event')),
    botJoinedRoom: (room) => this.track(() => this.membership.botJoinedRoom(room)),
    botLeftRoom: (room) =>
      this.track(async () => {
        // Nothing queued for the group can be delivered any more.
        const dropped = this.options.sender.discardRoom(room.id, 'the bot is no longer in the group')
        if (dropped > 0)
          this.options.log.warn({ roomId: room.id, dropped }, 'queued sends to a lost group dropped')
        await this.membership.botLeftRoom(room)
      }),
    roomTopicChanged: (room, oldTopic) => this.track(() => this.membership.renamed(room, oldTopic)),
    loginChanged: (status) => this.track(() => this.onLogin(status)),
    connectionChanged: (status) => this.track(() => this.bus.emit('connectionChanged', status)),
  }

  async start(): Promise<void> {
    const { clock, sender, features } = this.options
    this.guard.preload(this.messageLog.recentIds(clock.now() - this.options.staleMessageMs))
    for (const feature of features) await feature.start?.()
    sender.start()
    this.scheduleReconcile()
  }

  /** Stops taking new events and waits for the ones in flight. */
  async stopIntake(): Promise<void> {
    this.accepting = false
    await this.idle.whenIdle()
  }

  async stop(): Promise<void> {
    await this.stopIntake()
    this.reconcileTimer?.cancel()
    for (const feature of this.options.features) await feature.stop?.()
    this.messageLog.close()
  }

  login(): LoginStatus {
    return this.loginStatus
  }

  async handleMessage(message: InboundMessage): Promise<void> {
    if (!this.accepting) return
    const done = this.idle.begin()
    const onTime = this.options.onMessageTime
    const started = onTime ? performance.now() : 0
    try {
      const ctx = createMessageContext(
        message,
        this.options.clock.now(),
        this.options.sender,
        this.options.log,
        this.answers,
      )
      await this.run(ctx)
      // A stage's fallback reply that no later stage replaced (see FALLBACK_REPLY_NOTE).
      const fallback = ctx.notes.get(FALLBACK_REPLY_NOTE) as OutgoingMessage | undefined
      if (fallback) ctx.send(fallback)
      if (ctx.answered) this.stats.answered++
      if (onTime && ctx.notes.get(GUARD_VERDICT) === 'accept') onTime(performance.now() - started)
    } finally {
      done()
    }
  }

  private stages(features: Feature[]): NamedMiddleware<MessageContext>[] {
    const guard: NamedMiddleware<MessageContext> = {
      name: 'guard',
      run: (ctx, next) => {
        const verdict = this.guard.check(ctx.message, ctx.now)
        ctx.notes.set(GUARD_VERDICT, verdict)
        if (verdict !== 'accept') {
          this.stats.dropped[verdict]++
          return
        }
        this.stats.accepted++
        return next()
      },
    }
    const record: NamedMiddleware<MessageContext> = {
      name: 'record',
      run: (ctx, next) => {
        this.messageLog.record(ctx.message, maskPersonalData(ctx.message.text), ctx.now)
        if (ctx.message.kind === 'recalled') this.withdrawAnswers(ctx.message)
        this.membership.noteSender(ctx.room, ctx.message.sender.id)
        return next()
      },
    }
    const fallback: NamedMiddleware<MessageContext> = {
      name: 'fallback',
      run: (ctx) => {
        if (!ctx.answered && ctx.message.mentionsBot) this.stats.unansweredMentions++
      },
    }
    const featureStages = features
      .filter((f) => f.middleware)
      .map((f): NamedMiddleware<MessageContext> => {
        const run = f.middleware as NamedMiddleware<MessageContext>['run']
        if (f.sees === 'all') return { name: f.name, run }
        const kinds = new Set<MessageKind>(f.sees ?? TYPED_KINDS)
        return {
          name: f.name,
          run: (ctx, next) => (kinds.has(ctx.message.kind) ? run(ctx, next) : next()),
        }
      })
    return [guard, record, ...featureStages, fallback]
  }

  /** The bot's answers to a recalled message that are still queued are not sent. */
  private withdrawAnswers(recall: InboundMessage): void {
    if (!recall.recalledId) return
    const ids = this.answers.answersTo(recall.recalledId, recall.roomId, recall.sender.id)
    if (ids.length === 0) return
    const withdrawn = this.options.sender.cancel(ids, 'the member recalled the message it answered')
    if (withdrawn > 0)
      this.options.log.info(
        { roomId: recall.roomId, messageId: recall.recalledId, withdrawn },
        'answer to a recalled message withdrawn',
      )
  }

  private async onLogin(status: LoginStatus): Promise<void> {
    this.loginStatus = status
    this.options.log.info({ state: status.state, user: status.user?.name }, 'login state changed')
    this.options.sender.setOnline(status.state === 'logged_in')
    await this.bus.emit('loginChanged', status)
    if (status.state === 'logged_in') await this.membership.reconcileAll()
  }

  private scheduleReconcile(): void {
    this.reconcileTimer = this.options.clock.setTimeout(() => {
      const done = this.idle.begin()
      const pass = this.loginStatus.state === 'logged_in' ? this.membership.reconcileAll() : Promise.resolve()
      pass
        .catch((error) => this.options.log.warn({ err: error }, 'member reconciliation failed'))
        .finally(() => {
          done()
          this.scheduleReconcile()
        })
    }, this.options.reconcileIntervalMs)
  }

  /** Runs `work` only while accepting events, counted as in flight until it settles. */
  private async track(work: () => Promise<unknown>): Promise<void> {
    if (!this.accepting) return
    const done = this.idle.begin()
    try {
      await work()
    } finally {
      done()
    }
  }
}
