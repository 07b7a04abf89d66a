import type { Db } from '../../db/client.js'

/** A range of local days (inclusive) and its bounds in epoch ms, optionally one group. */
export interface MetricsRange {
  fromDay: number
  toDay: number
  /** Start of fromDay and of the day after toDay (epoch ms), for tables keyed by time. */
  fromMs: number
  toMs: number
  /** "Today" in the analytics zone: retention cohorts only count days that have happened. */
  today: number
  roomId: string | null
}

export interface ActivityScan {
  /** Distinct memberships with a message in the range. */
  activeMembers: number
  messages: number
  byDay: Map<number, { messages: number; activeMembers: number }>
  byRoom: Map<string, { activeMembers: number; messages: number }>
}

export interface GroupRow {
  id: string
  topic: string
  /** When the bot was removed from the group (null while it is in it). */
  leftAt: number | null
  members: number
  activeMembers: number
  messages: number
  joins: number
  leaves: number
}

/**
 * The SQL behind the metrics (definitions in docs/metrics.md). Activity reads the activity_days
 * rollup, never the message table. Every query takes the same named parameters: from, to (days),
 * fromMs, toMs, today and room (null for every group).
 */
export function createMetricsRepository(db: Db) {
  const sql = db.$client
  const ROOM = '(@room IS NULL OR room_id = @room)'
  const q = <T>(text: string) => {
    const stmt = sql.prepare(text)
    return {
      get: (r: MetricsRange, extra: object = {}) => stmt.get(params(r, extra)) as T,
      all: (r: MetricsRange, extra: object = {}) => stmt.all(params(r, extra)) as T[],
    }
  }
  const currentMembers = q<{ n: number }>(
    `SELECT count(*) AS n FROM members WHERE left_at IS NULL AND ${ROOM}`,
  )
  const memberEvents = q<{ joins: number; leaves: number }>(
    `SELECT coalesce(sum(kind = 'join'), 0) AS joins, coalesce(sum(kind = 'leave'), 0) AS leaves
     FROM member_events WHERE day BETWEEN @from AND @to AND ${ROOM}`,
  )
  const eventSeries = q<{ day: number; joins: number; leaves: number }>(
    `SELECT day, sum(kind = 'join') AS joins, sum(kind = 'leave') AS leaves FROM member_events
     WHERE day BETWEEN @from AND @to AND ${ROOM} GROUP BY day`,
  )
  // One pass over the joins gives every cohort: a member who joined twice on one day is one
  // cohort member, and is in cohort N only once day N has come.
  const retained = (n: number) =>
    `coalesce(sum(day + ${n} <= @today AND EXISTS (SELECT 1 FROM activity_days a
       WHERE a.room_id = j.room_id AND a.member_id = j.member_id AND a.day = j.day + ${n})), 0) AS retained${n},
     coalesce(sum(day + ${n} <= @today), 0) AS cohort${n}`
  const retention = q<Record<`${'cohort' | 'retained'}${1 | 7 | 30}`, number>>(
    `SELECT ${[1, 7, 30].map(retained).join(', ')}
     FROM (SELECT DISTINCT room_id, member_id, day FROM member_events
           WHERE kind = 'join' AND day BETWEEN @from AND @to AND day + 1 <= @today AND ${ROOM}) j`,
  )
  const funnel = q<{ joined: number; firstTask: number; allTasks: number }>(
    `SELECT count(*) AS joined,
       coalesce(sum(EXISTS (SELECT 1 FROM sop_task_completions c WHERE c.room_id = n.room_id AND c.member_id = n.member_id
                            AND c.done_at >= n.joined_at AND c.done_at < n.expires_at)), 0) AS firstTask,
       coalesce(sum(n.status = 'completed'), 0) AS allTasks
     FROM sop_newcomers n WHERE n.joined_at >= @fromMs AND n.joined_at < @toMs AND ${ROOM.replace('room_id', 'n.room_id')}`,
  )
  const roomDays = sql.prepare(
    `SELECT room_id, day, messages, active_members FROM room_days WHERE day BETWEEN @from AND @to AND ${ROOM}`,
  )
  // Walks the primary key (room, member, day) in order, so the distinct memberships come without
  // a sort; measured faster than the day index for every range on the large seed.
  const activeByRoom = sql.prepare(
    `SELECT room_id, count(*) AS active FROM (
       SELECT DISTINCT room_id, member_id FROM activity_days WHERE day BETWEEN @from AND @to AND ${ROOM})
     GROUP BY room_id`,
  )
  const checkinCount = q<{ n: number }>(
    `SELECT count(*) AS n FROM checkins WHERE day_number BETWEEN @from AND @to AND ${ROOM}`,
  )
  const longestStreaks = sql
    .prepare(
      `SELECT max(streak) FROM checkins WHERE day_number BETWEEN @from AND @to AND ${ROOM} GROUP BY room_id, member_id`,
    )
    .pluck()
  const points = q<{ issued: number; deducted: number }>(
    `SELECT coalesce(sum(CASE WHEN delta > 0 THEN delta END), 0) AS issued,
            coalesce(-sum(CASE WHEN delta < 0 THEN delta END), 0) AS deducted
     FROM points_ledger WHERE at >= @fromMs AND at < @toMs AND ${ROOM}`,
  )
  const faq = q<{ outcome: string; n: number }>(
    `SELECT outcome, count(*) AS n FROM faq_outcomes WHERE day BETWEEN @from AND @to AND ${ROOM} GROUP BY outcome`,
  )
  const topEntries = q<{ entryId: string; answers: number }>(
    `SELECT entry_id AS entryId, count(*) AS answers FROM faq_outcomes
     WHERE outcome = 'answered' AND day BETWEEN @from AND @to AND ${ROOM}
     GROUP BY entry_id ORDER BY answers DESC, entry_id LIMIT 10`,
  )
  const tickets = q<{
    openedAt: number
    firstResponseAt: number | null
    resolvedAt: number | null
    firstResponseBreachedAt: number | null
    resolutionBreachedAt: number | null
    rating: number | null
  }>(
    `SELECT opened_at AS openedAt, first_response_at AS firstResponseAt, resolved_at AS resolvedAt,
            first_response_breached_at AS firstResponseBreachedAt, resolution_breached_at AS resolutionBreachedAt, rating
     FROM tickets WHERE opened_at >= @fromMs AND opened_at < @toMs AND ${ROOM}`,
  )
  const polls = q<{
    id: number
    roomId: string
    topicId: string
    firedAt: number
    closedAt: number | null
    options: string
  }>(
    `SELECT id, room_id AS roomId, topic_id AS topicId, fired_at AS firedAt, closed_at AS closedAt, options FROM polls
     WHERE fired_at >= @fromMs AND fired_at < @toMs AND ${ROOM} ORDER BY fired_at DESC LIMIT 50`,
  )
  const votes = sql.prepare('SELECT option, count(*) AS n FROM poll_votes WHERE poll_id = ? GROUP BY option')
  const groups = q<Omit<GroupRow, 'activeMembers' | 'messages'>>(
    `SELECT r.id, r.topic, r.left_at AS leftAt, coalesce(m.members, 0) AS members, coalesce(e.joins, 0) AS joins, coalesce(e.leaves, 0) AS leaves
     FROM rooms r
     LEFT JOIN (SELECT room_id, count(*) AS members FROM members WHERE left_at IS NULL GROUP BY room_id) m ON m.room_id = r.id
     LEFT JOIN (SELECT room_id, sum(kind = 'join') AS joins, sum(kind = 'leave') AS leaves
                FROM member_events WHERE day BETWEEN @from AND @to GROUP BY room_id) e ON e.room_id = r.id
     WHERE ${ROOM.replace('room_id', 'r.id')}`,
  )
  const room = sql.prepare('SELECT id, topic FROM rooms WHERE id = ?')

  return {
    currentMembers: (r: MetricsRange) => currentMembers.get(r).n,
    memberEvents: (r: MetricsRange) => memberEvents.get(r),
    /** Activity in the range: distinct memberships, messages, per day and per group. */
    activity: (r: MetricsRange): ActivityScan => {
      const byDay = new Map<number, { messages: number; activeMembers: number }>()
      const byRoom = new Map<string, { activeMembers: number; messages: number }>()
      let messages = 0
      for (const row of roomDays.all(params(r, {})) as {
        room_id: string
        day: number
        messages: number
        active_members: number
      }[]) {
        messages += row.messages
        const d = byDay.get(row.day) ?? { messages: 0, activeMembers: 0 }
        d.messages += row.messages
        d.activeMembers += row.active_members
        byDay.set(row.day, d)
        const room = byRoom.get(row.room_id) ?? { activeMembers: 0, messages: 0 }
        room.messages += row.messages
        byRoom.set(row.room_id, room)
      }
      let activeMembers = 0
      for (const row of activeByRoom.all(params(r, {})) as { room_id: string; active: number }[]) {
        activeMembers += row.active
        const room = byRoom.get(row.room_id)
        if (room) room.activeMembers = row.active
      }
      return { activeMembers, messages, byDay, byRoom }
    },
    eventSeries: (r: MetricsRange) => eventSeries.all(r),
    /** Cohorts and retained members for D1, D7 and D30. */
    retention: (r: MetricsRange) => {
      const row = retention.get(r)
      const of = (n: 1 | 7 | 30) => ({ cohort: row[`cohort${n}`], retained: row[`retained${n}`] })
      return { d1: of(1), d7: of(7), d30: of(30) }
    },
    funnel: (r: MetricsRange) => funnel.get(r),
    /** Check-ins in the range: how many, by how many memberships, and each one's longest streak. */
    checkins: (r: MetricsRange) => {
      const streaks = longestStreaks.all(params(r, {})) as number[]
      return { checkins: checkinCount.get(r).n, members: streaks.length, streaks }
    },
    points: (r: MetricsRange) => points.get(r),
    faq: (r: MetricsRange) =>
      Object.fromEntries(faq.all(r).map((f) => [f.outcome, f.n])) as Record<string, number>,
    topEntries: (r: MetricsRange) => topEntries.all(r),
    tickets: (r: MetricsRange) => tickets.all(r),
    polls: (r: MetricsRange) =>
      polls.all(r).map((p) => ({
        ...p,
        options: JSON.parse(p.options) as string[],
        votes: Object.fromEntries(
          (votes.all(p.id) as { option: string; n: number }[]).map((v) => [v.option, v.n]),
        ) as Record<string, number>,
      })),
    groups: (r: MetricsRange, scan: ActivityScan): GroupRow[] =>
      groups
        .all(r)
        .map((g) => ({
          ...g,
          activeMembers: scan.byRoom.get(g.id)?.activeMembers ?? 0,
          messages: scan.byRoom.get(g.id)?.messages ?? 0,
        }))
        .sort((a, b) => b.messages - a.messages || a.topic.localeCompare(b.topic)),
    room: (id: string) => room.get(id) as { id: string; topic: string } | undefined,
  }
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>

function params(r: MetricsRange, extra: object) {
  return {
    from: r.fromDay,
    to: r.toDay,
    fromMs: r.fromMs,
    toMs: r.toMs,
    today: r.today,
    room: r.roomId,
    ...extra,
  }
}
