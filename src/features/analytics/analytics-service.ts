import type { Clock } from '../../core/clock.js'
import { DayIndex } from './day-index.js'
import type { ActivityScan, MetricsRange, MetricsRepository } from './metrics-repository.js'
import { median, nearestRank, netPromoterScore, rate } from './stats.js'

const STREAK_BUCKETS = [
  { label: '1', min: 1, max: 1 },
  { label: '2-6', min: 2, max: 6 },
  { label: '7-13', min: 7, max: 13 },
  { label: '14-29', min: 14, max: 29 },
  { label: '30+', min: 30, max: Number.POSITIVE_INFINITY },
]

/** Durations from a start to an end, for the tickets that have both. */
function durations<T>(rows: T[], start: (r: T) => number, end: (r: T) => number | null): number[] {
  return rows.flatMap((r) => {
    const e = end(r)
    return e === null ? [] : [e - start(r)]
  })
}

function timing(values: number[]) {
  return { count: values.length, medianMs: median(values), p90Ms: nearestRank(values, 0.9) }
}

export type Overview = ReturnType<AnalyticsService['overview']>

/** The operators' figures for a range of local days, overall or for one group (docs/metrics.md). */
export class AnalyticsService {
  readonly days: DayIndex

  constructor(
    private readonly repo: MetricsRepository,
    private readonly clock: Clock,
    timeZone: string,
  ) {
    this.days = new DayIndex(timeZone)
  }

  /** The range for "YYYY-MM-DD" dates (inclusive); by default the 7 days up to today. */
  range(from: string | undefined, to: string | undefined, roomId: string | null): MetricsRange {
    const today = this.days.dayOf(this.clock.now())
    const toDay = to ? DayIndex.parse(to) : today
    const fromDay = from ? DayIndex.parse(from) : toDay - 6
    return {
      fromDay,
      toDay,
      fromMs: this.days.startOf(fromDay),
      toMs: this.days.startOf(toDay + 1),
      today,
      roomId,
    }
  }

  /** Joins less leaves over local days `fromDay`..`toDay`, every group. */
  netJoins(fromDay: number, toDay: number): number {
    const { joins, leaves } = this.repo.memberEvents({
      ...this.range(undefined, undefined, null),
      fromDay,
      toDay,
    })
    return joins - leaves
  }

  /** The range's activity, read once and shared by `overview` and `groups`. */
  scan(r: MetricsRange): ActivityScan {
    return this.repo.activity(r)
  }

  overview(r: MetricsRange, scan: ActivityScan = this.scan(r)) {
    const { repo } = this
    const members = repo.currentMembers(r)
    const events = repo.memberEvents(r)
    const activity = scan
    const dayCount = r.toDay - r.fromDay + 1
    const byDay = activity.byDay
    const eventsByDay = new Map(repo.eventSeries(r).map((s) => [s.day, s]))
    const series = Array.from({ length: dayCount }, (_, i) => {
      const day = r.fromDay + i
      return {
        date: DayIndex.format(day),
        messages: byDay.get(day)?.messages ?? 0,
        activeMembers: byDay.get(day)?.activeMembers ?? 0,
        joins: eventsByDay.get(day)?.joins ?? 0,
        leaves: eventsByDay.get(day)?.leaves ?? 0,
      }
    })
    const cohorts = repo.retention(r)
    const retention = (c: { cohort: number; retained: number }) => ({
      ...c,
      rate: rate(c.retained, c.cohort),
    })
    const funnel = repo.funnel(r)
    const { streaks, ...checkins } = repo.checkins(r)
    const faq = repo.faq(r)
    const questions = (faq.answered ?? 0) + (faq.asked ?? 0) + (faq.fallback ?? 0) + (faq.unanswered ?? 0)
    const tickets = repo.tickets(r)
    const ratings = tickets.flatMap((t) => (t.rating === null ? [] : [t.rating]))
    return {
      range: {
        from: DayIndex.format(r.fromDay),
        to: DayIndex.format(r.toDay),
        days: dayCount,
        timezone: this.days.timeZone,
      },
      members: {
        current: members,
        joins: events.joins,
        leaves: events.leaves,
        net: events.joins - events.leaves,
      },
      activity: {
        activeMembers: activity.activeMembers,
        activeRate: rate(activity.activeMembers, members),
        averageDailyActive: series.reduce((s, d) => s + d.activeMembers, 0) / dayCount,
        messages: activity.messages,
        messagesPerDay: activity.messages / dayCount,
        series,
      },
      newcomers: {
        ...funnel,
        firstTaskRate: rate(funnel.firstTask, funnel.joined),
        allTasksRate: rate(funnel.allTasks, funnel.joined),
      },
      retention: { d1: retention(cohorts.d1), d7: retention(cohorts.d7), d30: retention(cohorts.d30) },
      checkins: {
        ...checkins,
        rate: rate(checkins.checkins, members * dayCount),
        streaks: STREAK_BUCKETS.map((b) => ({
          label: b.label,
          members: streaks.filter((s) => s >= b.min && s <= b.max).length,
        })),
      },
      points: repo.points(r),
      faq: {
        questions,
        answered: faq.answered ?? 0,
        asked: faq.asked ?? 0,
        fallback: faq.fallback ?? 0,
        unanswered: faq.unanswered ?? 0,
        answerRate: rate(faq.answered ?? 0, questions),
        fallbackRate: rate(faq.fallback ?? 0, questions),
        topEntries: repo.topEntries(r),
      },
      handoff: {
        opened: tickets.length,
        resolved: tickets.filter((t) => t.resolvedAt !== null).length,
        firstResponse: timing(
          durations(
            tickets,
            (t) => t.openedAt,
            (t) => t.firstResponseAt,
          ),
        ),
        resolution: timing(
          durations(
            tickets,
            (t) => t.openedAt,
            (t) => t.resolvedAt,
          ),
        ),
        slaBreaches: {
          firstResponse: tickets.filter((t) => t.firstResponseBreachedAt !== null).length,
          resolution: tickets.filter((t) => t.resolutionBreachedAt !== null).length,
        },
        csat: {
          count: ratings.length,
          average: ratings.length ? ratings.reduce((s, v) => s + v, 0) / ratings.length : null,
          distribution: [1, 2, 3, 4, 5].map((score) => ({
            score,
            count: ratings.filter((v) => v === score).length,
          })),
        },
      },
      polls: repo.polls(r).map((p) => ({ ...p, nps: netPromoterScore(p.options, p.votes) })),
    }
  }

  /** Every group with its figures for the range (the overview's table). */
  groups(r: MetricsRange, scan: ActivityScan = this.scan(r)) {
    return this.repo.groups(r, scan).map((g) => ({ ...g, activeRate: rate(g.activeMembers, g.members) }))
  }
}
