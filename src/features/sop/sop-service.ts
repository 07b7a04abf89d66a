import type { Clock } from '../../core/clock.js'
import { type MessageContext, SOP_ACTION_NOTE, type SopAction } from '../../core/context.js'
import type { MemberDirectoryPort, SendPort } from '../../core/feature.js'
import type { CalendarJob, JobPort, ScheduledJob } from '../../core/jobs.js'
import type { Logger } from '../../core/logger.js'
import { normalizeCommand } from '../../core/normalize-text.js'
import { mentionList, renderTemplate, type Template, type TemplateValue } from '../../core/template.js'
import type { Member, MessageKind, Room } from '../../core/types.js'
import {
  cronSchedule,
  dayNumber,
  localDay,
  onceSchedule,
  parseLocalDateTime,
} from '../../scheduler/calendar.js'
import { bindSop } from './engine/binding.js'
import { decideCheckin, isKeywordMessage } from './engine/checkin-rules.js'
import { rankCheckins } from './engine/leaderboard.js'
import { readVote, tallyPoll } from './engine/poll-rules.js'
import { tasksCompletedBy } from './engine/task-rules.js'
import type { SopDefinition, SopTask, SopTopic } from './schema.js'
import type { LoadedSop, SopLibrary } from './sop-library.js'
import type { SopRepository } from './sop-repository.js'

const DAY = 86_400_000
/** Re-joining within this long after a welcome gets no second welcome when the SOP does not say. */
const DEFAULT_QUIET_MS = 30 * DAY
/** The check-in reminder names people who checked in during the last this-many days. */
const REMINDER_LOOKBACK_DAYS = 30
/** At most this many @mentions in one reminder; the rest are counted. */
const MAX_REMINDER_MENTIONS = 20

export interface SopServiceDeps {
  clock: Clock
  log: Logger
  sender: SendPort
  repo: SopRepository
  library: SopLibrary
  directory: MemberDirectoryPort
  jobs: JobPort
  /** The privacy notice welcomes carry (PIPL), when privacy.yaml configures one. */
  privacyNotice?: { forWelcome(room: Room): string | undefined }
}

/** What completing tasks led to: the period finished, the tasks were acknowledged, or nothing was said. */
type TaskOutcome = { kind: 'completed' | 'acknowledged' | 'silent' | 'not-newcomer'; fresh: SopTask[] }

interface Bound {
  room: Room
  loaded: LoadedSop
}

/**
 * Runs each group's SOP: binds groups to SOP files, reacts to joins and messages, and hands the
 * scheduler the group's calendar jobs (topics, polls, check-in reminder, leaderboard) and three
 * state jobs (welcome batches, newcomer reminders and expiry, poll closing). Every state change
 * that causes a message commits in one transaction with the message's outbox rows.
 */
export class SopService {
  private bindings = new Map<string, Bound>()

  constructor(private readonly deps: SopServiceDeps) {}

  /** Reads the SOP folder; a broken file keeps its last good version live. */
  reload(): void {
    const { problems } = this.deps.library.reload(this.deps.clock.now())
    for (const p of problems)
      this.deps.log.warn({ file: p.file, line: p.line, column: p.column }, `SOP rejected: ${p.message}`)
    this.rebind()
  }

  /** Recomputes which group runs which SOP and replaces the scheduled jobs accordingly. */
  rebind(): void {
    const sops = this.deps.library.sops()
    const next = new Map<string, Bound>()
    for (const room of this.deps.directory.rooms()) {
      const loaded = bindSop(room, sops)
      if (loaded) next.set(room.id, { room, loaded })
    }
    this.bindings = next
    this.deps.jobs.setJobs('sop', this.jobs())
  }

  boundTo(roomId: string): Bound | undefined {
    return this.bindings.get(roomId)
  }

  /** Which groups run which SOP, for the status API. */
  groups(): { roomId: string; topic: string; sop: string; file: string }[] {
    return [...this.bindings.values()].map((b) => ({
      roomId: b.room.id,
      topic: b.room.topic,
      sop: b.loaded.sop.name,
      file: b.loaded.file,
    }))
  }

  // --- members ---------------------------------------------------------------------------

  onMembersJoined(room: Room, members: Member[], at: number): void {
    const bound = this.bindings.get(room.id)
    if (!bound) return
    const { sop } = bound.loaded
    const { repo } = this.deps
    const quiet = sop.welcome?.notAgainWithin ?? DEFAULT_QUIET_MS
    repo.transaction(() => {
      for (const member of members) {
        const lastWelcome = repo.lastWelcomedAt(room.id, member.id)
        const recentlyWelcomed = lastWelcome !== undefined && at - lastWelcome < quiet
        if (sop.welcome) repo.queueWelcome(room.id, member, at, recentlyWelcomed)
        const previous = repo.newcomer(room.id, member.id)
        const keepPrevious = previous !== undefined && at - previous.joinedAt < quiet
        if (sop.newcomer && !keepPrevious) {
          repo.startNewcomer({
            roomId: room.id,
            memberId: member.id,
            name: member.name,
            sopName: sop.name,
            joinedAt: at,
            expiresAt: at + sop.newcomer.within,
          })
        }
      }
    })
    this.deps.jobs.poke()
  }

  // --- messages --------------------------------------------------------------------------

  /** Handles a message for the group's SOP; true when the SOP consumed it (nothing else may answer). */
  handleMessage(ctx: MessageContext): boolean {
    const action = this.act(ctx)
    if (action) ctx.notes.set(SOP_ACTION_NOTE, action)
    return action !== undefined
  }

  /** Handles a vote, check-in, points query or task answer; says which, or undefined. */
  private act(ctx: MessageContext): SopAction | undefined {
    const bound = this.bindings.get(ctx.room.id)
    if (!bound) return undefined
    const { sop } = bound.loaded
    const { text, sender, kind } = ctx.message
    const checkin = sop.checkin
    if (kind !== 'text' && kind !== 'quote') {
      // A photo can finish a newcomer's photo task and be the day's check-in: both happen, each
      // confirmed (the SOP only sees media when a check-in or a task asks for it).
      const task = this.tryTasks(ctx, sop)
      const checkedIn =
        (checkin?.media as readonly MessageKind[] | undefined)?.includes(kind) === true &&
        this.checkIn(ctx, sop)
      return checkedIn ? 'checkin' : task ? 'task' : undefined
    }
    if (this.tryVote(ctx)) return 'vote'
    if (checkin !== undefined && isKeywordMessage(text, checkin.keywords) && this.checkIn(ctx, sop))
      return 'checkin'
    if (
      sop.commands.points !== undefined &&
      isKeywordMessage(text, sop.commands.points.keywords) &&
      this.replyPoints(ctx, sop)
    )
      return 'points'
    if (
      sop.commands.completeTask !== undefined &&
      isStaff(sop, sender) &&
      isKeywordMessage(text, sop.commands.completeTask.keywords) &&
      this.staffCompleteTask(ctx, sop)
    )
      return 'task'
    return this.tryTasks(ctx, sop) ? 'task' : undefined
  }

  private tryVote(ctx: MessageContext): boolean {
    const poll = this.deps.repo.openPoll(ctx.room.id, ctx.now)
    if (!poll) return false
    const option = readVote(ctx.message.text, poll.options)
    if (option === undefined) return false
    // The last vote counts; a vote is consumed silently so no other feature answers it.
    this.deps.repo.vote(poll.id, ctx.message.sender.id, option, ctx.now)
    return true
  }

  private checkIn(ctx: MessageContext, sop: SopDefinition): boolean {
    const checkin = sop.checkin
    if (!checkin) return false
    const { repo } = this.deps
    const { room } = ctx
    const member = ctx.message.sender
    const day = localDay(ctx.now, sop.timezone)
    const today = dayNumber(day)
    repo.transaction(() => {
      const history = repo.checkinHistory(room.id, member.id)
      const decision = decideCheckin(history, today, checkin)
      if (decision.kind === 'already') {
        this.say(room, checkin.already, {
          mention: mentionList([member]),
          name: member.name,
          streak: history.lastStreak,
          days: history.totalDays,
          points: repo.balance(room.id, member.id),
        })
        return
      }
      if (!repo.recordCheckin(room.id, member.id, day, today, decision.streak, ctx.now)) return
      for (const award of decision.awards)
        repo.addPoints(room.id, member.id, award.delta, award.reason, ctx.now)
      this.say(room, checkin.reply, {
        mention: mentionList([member]),
        name: member.name,
        streak: decision.streak,
        days: decision.totalDays,
        points: repo.balance(room.id, member.id),
        earned: decision.awards.reduce((s, a) => s + a.delta, 0),
      })
    })
    return true
  }

  private replyPoints(ctx: MessageContext, sop: SopDefinition): boolean {
    const command = sop.commands.points
    if (!command) return false
    const member = ctx.message.sender
    const stats = this.memberStats(ctx.room.id, member.id, sop, ctx.now)
    this.say(ctx.room, command.reply, { mention: mentionList([member]), name: member.name, ...stats })
    return true
  }

  /** Staff: "<keyword> <task id or title> @member" marks that member's task done. */
  private staffCompleteTask(ctx: MessageContext, sop: SopDefinition): boolean {
    const command = sop.commands.completeTask
    const tasks = sop.newcomer?.tasks ?? []
    const target = ctx.message.mentionIds[0]
    if (!command || !target) return false
    const words = normalizeCommand(ctx.message.text).split(' ')
    const task = tasks.find(
      (t) => words.includes(t.id.toLowerCase()) || words.includes(normalizeCommand(t.title)),
    )
    if (!task) return false
    const result = this.completeTasks(ctx.room, target, [task], 'staff', ctx.now, sop)
    if (result.kind === 'not-newcomer') return false
    // When the task finished the newcomer period, the completion message already said it all.
    if (result.kind !== 'completed' && result.fresh.length > 0) {
      const name = this.deps.repo.memberName(ctx.room.id, target) ?? ''
      this.say(ctx.room, command.reply, {
        mention: mentionList([{ id: target, name }]),
        name,
        task: task.title,
        points: task.points,
      })
    }
    return true
  }

  private tryTasks(ctx: MessageContext, sop: SopDefinition): boolean {
    const newcomer = sop.newcomer
    if (!newcomer) return false
    const member = ctx.message.sender
    const row = this.deps.repo.newcomer(ctx.room.id, member.id)
    if (!row || row.status !== 'active' || row.expiresAt <= ctx.now) return false
    const done = this.deps.repo.tasksDone(ctx.room.id, member.id)
    const completed = tasksCompletedBy(newcomer.tasks, done, ctx.message)
    if (completed.length === 0) return false
    const result = this.completeTasks(ctx.room, member.id, completed, 'message', ctx.now, sop)
    return result.kind === 'completed' || result.kind === 'acknowledged'
  }

  /**
   * Marks tasks done and awards their points; then either finishes the newcomer period (one
   * completion message with the summed points, and the tag) or acknowledges the tasks when the
   * SOP has a taskDone text.
   */
  completeTasks(
    room: Room,
    memberId: string,
    tasks: SopTask[],
    via: 'message' | 'staff' | 'api',
    now: number,
    sop: SopDefinition,
  ): TaskOutcome {
    const newcomer = sop.newcomer
    const { repo } = this.deps
    const row = repo.newcomer(room.id, memberId)
    if (!newcomer || !row || row.status !== 'active') return { kind: 'not-newcomer', fresh: [] }
    const member = { id: memberId, name: row.name }
    return repo.transaction((): TaskOutcome => {
      const fresh = tasks.filter((t) => repo.markTaskDone(room.id, memberId, t.id, now, via))
      for (const t of fresh)
        if (t.points > 0) repo.addPoints(room.id, memberId, t.points, `task:${t.id}`, now)
      const done = repo.tasksDone(room.id, memberId)
      if (newcomer.tasks.every((t) => done.has(t.id))) {
        repo.completeNewcomer(room.id, memberId, now)
        if (newcomer.completed?.tag) repo.addTag(room.id, memberId, newcomer.completed.tag, now)
        if (!newcomer.completed) return { kind: 'silent', fresh }
        const total = newcomer.tasks.reduce((s, t) => s + t.points, 0)
        this.say(room, newcomer.completed.text, {
          mention: mentionList([member]),
          name: member.name,
          points: total,
          group: room.topic,
        })
        return { kind: 'completed', fresh }
      }
      if (!newcomer.taskDone || fresh.length === 0) return { kind: 'silent', fresh }
      this.say(room, newcomer.taskDone, {
        mention: mentionList([member]),
        name: member.name,
        task: fresh.map((t) => t.title).join('、'),
        points: fresh.reduce((s, t) => s + t.points, 0),
      })
      return { kind: 'acknowledged', fresh }
    })
  }

  /** Completes a task from the API; false when the member is not an active newcomer or the task is unknown. */
  completeTaskById(
    roomId: string,
    memberId: string,
    taskId: string,
    now: number,
  ): 'done' | 'unknown-group' | 'unknown-task' | 'not-newcomer' {
    const bound = this.bindings.get(roomId)
    if (!bound) return 'unknown-group'
    const task = bound.loaded.sop.newcomer?.tasks.find((t) => t.id === taskId)
    if (!task) return 'unknown-task'
    const result = this.completeTasks(bound.room, memberId, [task], 'api', now, bound.loaded.sop)
    return result.kind === 'not-newcomer' ? 'not-newcomer' : 'done'
  }

  memberStats(
    roomId: string,
    memberId: string,
    sop: SopDefinition,
    now: number,
  ): { points: number; streak: number; days: number } {
    const { repo } = this.deps
    const history = repo.checkinHistory(roomId, memberId)
    const today = dayNumber(localDay(now, sop.timezone))
    // A streak is alive if the last check-in was today or yesterday.
    const streak = history.lastDay !== undefined && history.lastDay >= today - 1 ? history.lastStreak : 0
    return { points: repo.balance(roomId, memberId), streak, days: history.totalDays }
  }

  // --- scheduled work --------------------------------------------------------------------

  private jobs(): ScheduledJob[] {
    const jobs: ScheduledJob[] = [
      {
        kind: 'state',
        key: 'sop:welcomes',
        dueAt: () => this.welcomesDueAt(),
        run: (now) => this.sendWelcomes(now),
      },
      {
        kind: 'state',
        key: 'sop:newcomers',
        dueAt: () => this.newcomersDueAt(),
        run: (now) => this.runNewcomers(now),
      },
      {
        kind: 'state',
        key: 'sop:polls',
        dueAt: () => this.deps.repo.nextPollClose(),
        run: (now) => this.closePolls(now),
      },
    ]
    for (const bound of this.bindings.values()) jobs.push(...this.calendarJobs(bound))
    return jobs
  }

  private calendarJobs({ room, loaded: { sop } }: Bound): CalendarJob[] {
    const jobs: CalendarJob[] = []
    const roomId = room.id
    for (const topic of sop.topics) {
      const schedule = topicSchedule(topic, sop.timezone)
      if (!schedule) continue
      jobs.push({
        kind: 'calendar',
        key: `sop:${roomId}:topic:${topic.id}`,
        schedule,
        run: (at) => this.postTopic(roomId, topic.id, at),
      })
    }
    if (sop.checkin?.reminder) {
      jobs.push({
        kind: 'calendar',
        key: `sop:${roomId}:checkin-reminder`,
        schedule: cronSchedule(sop.checkin.reminder.cron, sop.timezone),
        run: (at) => this.remindCheckin(roomId, at),
      })
    }
    if (sop.checkin?.leaderboard) {
      jobs.push({
        kind: 'calendar',
        key: `sop:${roomId}:leaderboard`,
        schedule: cronSchedule(sop.checkin.leaderboard.cron, sop.timezone),
        run: (at) => this.postLeaderboard(roomId, at),
      })
    }
    return jobs
  }

  private postTopic(roomId: string, topicId: string, at: number): void {
    // Look the topic up at fire time: a reload may have changed its text since it was scheduled.
    const bound = this.bindings.get(roomId)
    const topic = bound?.loaded.sop.topics.find((t) => t.id === topicId)
    if (!bound || !topic) return
    const { room } = bound
    if (topic.text) {
      this.say(room, topic.text, { group: room.topic })
      return
    }
    const poll = topic.poll
    if (!poll) return
    this.deps.repo.transaction(() => {
      this.deps.repo.createPoll(roomId, topic.id, at, at + poll.closesAfter, poll.options)
      this.say(room, poll.question, { group: room.topic, options: poll.options.join(' / ') })
    })
    this.deps.jobs.poke()
  }

  private closePolls(now: number): void {
    const { repo } = this.deps
    for (const poll of repo.duePolls(now)) {
      const bound = this.bindings.get(poll.roomId)
      const spec = bound?.loaded.sop.topics.find((t) => t.id === poll.topicId)?.poll
      repo.transaction(() => {
        if (!repo.closePoll(poll.id, now) || !bound || !spec) return
        const tally = tallyPoll(poll.options, repo.votes(poll.id))
        this.say(bound.room, spec.result, {
          group: bound.room.topic,
          question: spec.question.source,
          average: tally.average ?? '-',
          votes: tally.votes,
          counts: tally.counts.map((c) => `${c.option}: ${c.votes}`).join('，'),
          top: tally.top,
        })
      })
    }
  }

  private remindCheckin(roomId: string, at: number): void {
    const bound = this.bindings.get(roomId)
    const reminder = bound?.loaded.sop.checkin?.reminder
    if (!bound || !reminder) return
    const { repo, directory } = this.deps
    const today = dayNumber(localDay(at, bound.loaded.sop.timezone))
    const done = repo.checkedInOn(roomId, today)
    const active = new Map(directory.activeMembers(roomId).map((m) => [m.id, m]))
    // Only people who take part in check-ins: mentioning a whole group every night is spam.
    const pending = repo
      .recentCheckers(roomId, today, REMINDER_LOOKBACK_DAYS)
      .filter((id) => !done.has(id) && active.has(id))
      .map((id) => active.get(id) as Member)
    if (pending.length === 0) return
    const shown = pending.slice(0, MAX_REMINDER_MENTIONS)
    const more = pending.length - shown.length
    this.say(bound.room, reminder.text, {
      pendingMentions: more > 0 ? [...mentionList(shown), ` +${more}`] : mentionList(shown),
      pendingCount: pending.length,
      group: bound.room.topic,
    })
  }

  private postLeaderboard(roomId: string, at: number): void {
    const bound = this.bindings.get(roomId)
    const board = bound?.loaded.sop.checkin?.leaderboard
    if (!bound || !board) return
    const today = dayNumber(localDay(at, bound.loaded.sop.timezone))
    const names = new Map(this.deps.directory.activeMembers(roomId).map((m) => [m.id, m.name]))
    const scores = this.deps.repo.checkinScores(roomId, today - 7, today).map((s) => ({
      ...s,
      name: names.get(s.memberId) ?? this.deps.repo.memberName(roomId, s.memberId) ?? '',
    }))
    const ranked = rankCheckins(scores, board.top)
    if (ranked.length === 0) return
    const ranking = ranked
      .map((r) =>
        plain(renderTemplate(board.line, { rank: r.rank, name: r.name, days: r.days, streak: r.streak })),
      )
      .join('\n')
    this.say(bound.room, board.text, { ranking, group: bound.room.topic })
  }

  private welcomesDueAt(): number | undefined {
    let due: number | undefined
    for (const [roomId, first] of this.firstPendingWelcome()) {
      const window = this.bindings.get(roomId)?.loaded.sop.welcome?.batchWindow ?? 0
      const at = first + window
      if (due === undefined || at < due) due = at
    }
    return due
  }

  private firstPendingWelcome(): Map<string, number> {
    const first = new Map<string, number>()
    for (const p of this.deps.repo.pendingWelcomes())
      if (!first.has(p.roomId)) first.set(p.roomId, p.joinedAt)
    return first
  }

  /** One welcome per group naming everyone who joined in its batch window. */
  private sendWelcomes(now: number): void {
    const { repo } = this.deps
    const pending = repo.pendingWelcomes()
    const byRoom = new Map<string, { id: string; name: string; joinedAt: number }[]>()
    for (const p of pending) byRoom.set(p.roomId, [...(byRoom.get(p.roomId) ?? []), p])
    for (const [roomId, members] of byRoom) {
      const bound = this.bindings.get(roomId)
      const welcome = bound?.loaded.sop.welcome
      const first = members[0]?.joinedAt ?? now
      if (welcome && first + welcome.batchWindow > now) continue
      repo.transaction(() => {
        const present = new Set(this.deps.directory.activeMembers(roomId).map((m) => m.id))
        const still = bound && welcome ? dedupe(members).filter((m) => present.has(m.id)) : []
        // Only those actually welcomed count as welcomed; the rest are closed without a welcome,
        // so someone who left within the window is welcomed when they come back.
        repo.closeWelcomes(
          roomId,
          still.map((m) => m.id),
          now,
        )
        if (!bound || !welcome || still.length === 0) return
        const privacy = this.deps.privacyNotice?.forWelcome(bound.room)
        const message = renderTemplate(welcome.text, {
          mentions: mentionList(still),
          names: still.map((m) => m.name).join('、'),
          count: still.length,
          group: bound.room.topic,
          tasks: (bound.loaded.sop.newcomer?.tasks ?? []).map((t, i) => `${i + 1}. ${t.title}`).join('\n'),
          privacy,
        })
        // The notice is part of every welcome: where the text does not place it, it goes last.
        if (privacy && !usesVariable(welcome.text, 'privacy')) message.parts.push(`\n\n${privacy}`)
        this.deps.sender.send(bound.room.id, message)
      })
    }
  }

  private newcomersDueAt(): number | undefined {
    let due: number | undefined
    const consider = (t: number) => {
      if (due === undefined || t < due) due = t
    }
    for (const n of this.deps.repo.activeNewcomers()) {
      consider(n.expiresAt)
      const reminders = this.bindings.get(n.roomId)?.loaded.sop.newcomer?.reminders ?? []
      const sent = this.deps.repo.remindersSent(n.roomId, n.memberId)
      reminders.forEach((r, i) => {
        if (!sent.has(i) && n.joinedAt + r.after < n.expiresAt) consider(n.joinedAt + r.after)
      })
    }
    return due
  }

  /** Sends due newcomer reminders (only to members with pending tasks, once each) and expires periods. */
  private runNewcomers(now: number): void {
    const { repo } = this.deps
    for (const n of repo.activeNewcomers()) {
      if (n.expiresAt <= now) continue
      const bound = this.bindings.get(n.roomId)
      const newcomer = bound?.loaded.sop.newcomer
      if (!bound || !newcomer) continue
      const sent = repo.remindersSent(n.roomId, n.memberId)
      newcomer.reminders.forEach((reminder, i) => {
        if (sent.has(i) || n.joinedAt + reminder.after > now || n.joinedAt + reminder.after >= n.expiresAt)
          return
        repo.transaction(() => {
          repo.markReminderSent(n.roomId, n.memberId, i, now)
          const done = repo.tasksDone(n.roomId, n.memberId)
          const pending = newcomer.tasks.filter((t) => !done.has(t.id))
          const inGroup = this.deps.directory.activeMembers(n.roomId).some((m) => m.id === n.memberId)
          if (pending.length === 0 || !inGroup) return
          this.say(bound.room, reminder.text, {
            mention: mentionList([{ id: n.memberId, name: n.name }]),
            name: n.name,
            pending: pending.map((t) => t.title).join('、'),
            group: bound.room.topic,
          })
        })
      })
    }
    repo.expireNewcomers(now)
  }

  private say(room: Room, template: Template, values: Record<string, TemplateValue | undefined>): void {
    this.deps.sender.send(room.id, renderTemplate(template, values))
  }
}

function topicSchedule(topic: SopTopic, timeZone: string) {
  if (topic.cron) return cronSchedule(topic.cron, timeZone)
  const at = topic.at === undefined ? undefined : parseLocalDateTime(topic.at, timeZone)
  return at === undefined ? undefined : onceSchedule(at)
}

function isStaff(sop: SopDefinition, member: Member): boolean {
  return sop.staff.ids.includes(member.id) || sop.staff.names.includes(member.name)
}

function dedupe<T extends { id: string }>(list: T[]): T[] {
  const seen = new Set<string>()
  return list.filter((m) => !seen.has(m.id) && seen.add(m.id))
}

function plain(message: { parts: (string | { mention: string; name?: string })[] }): string {
  return message.parts.map((p) => (typeof p === 'string' ? p : `@${p.name ?? ''}`)).join('')
}

function usesVariable(template: Template, variable: string): boolean {
  return template.pieces.some((p) => 'variable' in p && p.variable === variable)
}
