import { DateTime } from 'luxon'
import { renderTemplate, type Template, type TemplateValue } from '../../core/template.js'
import { cronSchedule, onceSchedule, parseLocalDateTime } from '../../scheduler/calendar.js'
import type { SopDefinition } from './schema.js'

export interface PreviewLine {
  at: number
  what: string
  text: string
}

/**
 * Everything an SOP will post on its own in [from, from + days), in time order, for the operator
 * to read before deploying. Texts that depend on who does what (mentions, rankings, poll results)
 * show a placeholder in angle brackets.
 */
export function previewSop(sop: SopDefinition, from: number, days: number, group: string): PreviewLine[] {
  const until = from + days * 86_400_000
  const lines: PreviewLine[] = []
  const each = (schedule: { nextAfter(t: number): number | undefined }, add: (at: number) => void) => {
    for (let at = schedule.nextAfter(from - 1); at !== undefined && at < until; at = schedule.nextAfter(at))
      add(at)
  }
  for (const topic of sop.topics) {
    const once = topic.at === undefined ? undefined : parseLocalDateTime(topic.at, sop.timezone)
    const schedule = topic.cron
      ? cronSchedule(topic.cron, sop.timezone)
      : once !== undefined
        ? onceSchedule(once)
        : undefined
    if (!schedule) continue
    each(schedule, (at) => {
      if (topic.text) {
        lines.push({ at, what: `topic ${topic.id}`, text: show(topic.text, { group }) })
        return
      }
      const poll = topic.poll
      if (!poll) return
      lines.push({
        at,
        what: `poll ${topic.id}`,
        text: show(poll.question, { group, options: poll.options.join(' / ') }),
      })
      const closes = at + poll.closesAfter
      if (closes < until) {
        lines.push({
          at: closes,
          what: `poll ${topic.id} result`,
          text: show(poll.result, {
            group,
            question: poll.question.source,
            average: '<平均分>',
            votes: '<人数>',
            counts: '<各选项票数>',
            top: '<最多票选项>',
          }),
        })
      }
    })
  }
  const reminder = sop.checkin?.reminder
  if (reminder) {
    each(cronSchedule(reminder.cron, sop.timezone), (at) =>
      lines.push({
        at,
        what: 'check-in reminder',
        text: show(reminder.text, { pendingMentions: '<@今天未打卡的成员>', pendingCount: '<人数>', group }),
      }),
    )
  }
  const board = sop.checkin?.leaderboard
  if (board) {
    each(cronSchedule(board.cron, sop.timezone), (at) =>
      lines.push({
        at,
        what: 'leaderboard',
        text: show(board.text, { ranking: `<前 ${board.top} 名>`, group }),
      }),
    )
  }
  return lines.sort((a, b) => a.at - b.at)
}

export function formatPreview(lines: PreviewLine[], timeZone: string): string {
  return lines
    .map((l) => {
      const when = DateTime.fromMillis(l.at, { zone: timeZone }).toFormat('yyyy-MM-dd ccc HH:mm')
      return `${when}  ${l.what}\n    ${l.text.replace(/\n/g, '\n    ')}`
    })
    .join('\n')
}

function show(template: Template, values: Record<string, TemplateValue>): string {
  return renderTemplate(template, values)
    .parts.map((p) => (typeof p === 'string' ? p : `@${p.name ?? p.mention}`))
    .join('')
}
