import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { formatProblem, parseYamlContent } from '../../src/config/load-yaml.js'
import { parseDuration } from '../../src/core/duration.js'
import { mentionList, parseTemplate, renderTemplate, type Template } from '../../src/core/template.js'
import type { MessageKind } from '../../src/core/types.js'
import { bindSop } from '../../src/features/sop/engine/binding.js'
import {
  type CheckinDecision,
  type CheckinHistory,
  decideCheckin,
  isKeywordMessage,
} from '../../src/features/sop/engine/checkin-rules.js'
import { type CheckinScore, rankCheckins } from '../../src/features/sop/engine/leaderboard.js'
import { readVote, tallyPoll } from '../../src/features/sop/engine/poll-rules.js'
import { completesTask, tasksCompletedBy } from '../../src/features/sop/engine/task-rules.js'
import { type SopTask, sopSchema } from '../../src/features/sop/schema.js'
import type { LoadedSop } from '../../src/features/sop/sop-library.js'
import { dayNumber, localDay } from '../../src/scheduler/calendar.js'

const MINUTE = 60_000
const HOUR = 3_600_000
const SH = 'Asia/Shanghai'
const NY = 'America/New_York'

describe('isKeywordMessage', () => {
  it.each([
    ['打卡', ['打卡'], true],
    ['打卡！', ['打卡'], true],
    ['打卡!!!', ['打卡'], true],
    ['  打卡  ', ['打卡'], true],
    ['打卡 今天读了30页', ['打卡'], true],
    ['打卡，今天读了30页', ['打卡'], true],
    ['打卡\n今天读了30页', ['打卡'], true],
    ['打卡👍', ['打卡'], true],
    ['打卡 💪💪', ['打卡'], true],
    ['签到', ['打卡', '签到'], true],
    ['ＤＡＫＡ', ['daka'], true],
    ['ＤＡＫＡ！', ['daka'], true],
    ['Daka today', ['daka'], true],
    ['daka', ['ＤＡＫＡ'], true],
    ['打卡机坏了', ['打卡'], false],
    ['我要打卡', ['打卡'], false],
    ['dakaaa', ['daka'], false],
    ['打', ['打卡'], false],
    ['', ['打卡'], false],
    ['签到', ['打卡'], false],
  ])('%j with keywords %j -> %s', (text, keywords, expected) => {
    expect(isKeywordMessage(text, keywords)).toBe(expected)
  })
})

type Rules = Parameters<typeof decideCheckin>[2]
const RULES: Rules = { points: 5, streakBonus: { '7': 20, '30': 100 } }

describe('decideCheckin', () => {
  it.each<[string, CheckinHistory, number, Rules, CheckinDecision]>([
    [
      'first check-in',
      { lastStreak: 0, totalDays: 0 },
      100,
      RULES,
      { kind: 'new', streak: 1, totalDays: 1, awards: [{ delta: 5, reason: 'checkin' }] },
    ],
    ['same day again', { lastDay: 100, lastStreak: 3, totalDays: 9 }, 100, RULES, { kind: 'already' }],
    [
      'next day extends the streak',
      { lastDay: 99, lastStreak: 3, totalDays: 9 },
      100,
      RULES,
      { kind: 'new', streak: 4, totalDays: 10, awards: [{ delta: 5, reason: 'checkin' }] },
    ],
    [
      'a missed day starts again at 1',
      { lastDay: 98, lastStreak: 3, totalDays: 9 },
      100,
      RULES,
      { kind: 'new', streak: 1, totalDays: 10, awards: [{ delta: 5, reason: 'checkin' }] },
    ],
    [
      'reaching exactly 7 pays the bonus',
      { lastDay: 99, lastStreak: 6, totalDays: 6 },
      100,
      RULES,
      {
        kind: 'new',
        streak: 7,
        totalDays: 7,
        awards: [
          { delta: 5, reason: 'checkin' },
          { delta: 20, reason: 'streak-bonus:7' },
        ],
      },
    ],
    [
      'day 8 pays no bonus',
      { lastDay: 99, lastStreak: 7, totalDays: 7 },
      100,
      RULES,
      { kind: 'new', streak: 8, totalDays: 8, awards: [{ delta: 5, reason: 'checkin' }] },
    ],
    [
      'a 7-day total after a gap is not a 7-day streak',
      { lastDay: 95, lastStreak: 6, totalDays: 6 },
      100,
      RULES,
      { kind: 'new', streak: 1, totalDays: 7, awards: [{ delta: 5, reason: 'checkin' }] },
    ],
    [
      'points 0: no check-in award',
      { lastDay: 99, lastStreak: 1, totalDays: 1 },
      100,
      { points: 0, streakBonus: {} },
      { kind: 'new', streak: 2, totalDays: 2, awards: [] },
    ],
    [
      'points 0 still pays a streak bonus',
      { lastDay: 99, lastStreak: 29, totalDays: 40 },
      100,
      { points: 0, streakBonus: { '30': 100 } },
      { kind: 'new', streak: 30, totalDays: 41, awards: [{ delta: 100, reason: 'streak-bonus:30' }] },
    ],
  ])('%s', (_name, history, today, rules, expected) => {
    expect(decideCheckin(history, today, rules)).toEqual(expected)
  })
})

/** Feeds check-ins at the given instants through localDay/dayNumber/decideCheckin, as the service does. */
function streaks(times: number[], timeZone: string): (number | 'already')[] {
  let history: CheckinHistory = { lastStreak: 0, totalDays: 0 }
  return times.map((t) => {
    const today = dayNumber(localDay(t, timeZone))
    const decision = decideCheckin(history, today, RULES)
    if (decision.kind === 'already') return 'already'
    history = { lastDay: today, lastStreak: decision.streak, totalDays: decision.totalDays }
    return decision.streak
  })
}

const local = (iso: string, zone: string) => {
  const dt = DateTime.fromISO(iso, { zone })
  if (!dt.isValid) throw new Error(`test bug: ${iso}`)
  return dt.toMillis()
}

describe('check-in days are local calendar days', () => {
  it('23:59 and 00:01 in Asia/Shanghai (2 minutes apart) are two days: streak 2', () => {
    const a = local('2026-03-10T23:59', SH)
    const b = local('2026-03-11T00:01', SH)
    expect(b - a).toBe(2 * MINUTE)
    expect(a).toBe(Date.UTC(2026, 2, 10, 15, 59))
    expect(dayNumber(localDay(b, SH)) - dayNumber(localDay(a, SH))).toBe(1)
    expect(streaks([a, b], SH)).toEqual([1, 2])
  })

  it('00:30 and 23:30 on one Shanghai day (23 hours apart) are one day: already', () => {
    const a = local('2026-03-10T00:30', SH)
    const b = local('2026-03-10T23:30', SH)
    expect(b - a).toBe(23 * HOUR)
    expect(streaks([a, b], SH)).toEqual([1, 'already'])
  })

  it('the day boundary is Shanghai midnight, not UTC midnight', () => {
    // 07:00 and 09:00 Shanghai: different UTC dates, same local date.
    const a = local('2026-03-10T07:00', SH)
    const b = local('2026-03-10T09:00', SH)
    expect(new Date(a).getUTCDate()).not.toBe(new Date(b).getUTCDate())
    expect(streaks([a, b], SH)).toEqual([1, 'already'])
  })

  it('America/New_York spring forward (2026-03-08 has 23 hours): consecutive days, consecutive numbers', () => {
    const days = ['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10']
    const noon = days.map((d) => local(`${d}T12:00`, NY))
    expect((noon[3] ?? 0) - (noon[2] ?? 0)).toBe(24 * HOUR)
    expect(local('2026-03-09T00:00', NY) - local('2026-03-08T00:00', NY)).toBe(23 * HOUR)
    expect(noon.map((t) => dayNumber(localDay(t, NY)))).toEqual(
      days.map((_d, i) => dayNumber('2026-03-06') + i),
    )
    expect(streaks(noon, NY)).toEqual([1, 2, 3, 4, 5])
  })

  it('spring forward: 23:30 Saturday to 00:30 Monday is exactly 24 hours but skips Sunday: streak resets', () => {
    const sat = local('2026-03-07T23:30', NY)
    const mon = local('2026-03-09T00:30', NY)
    expect(mon - sat).toBe(24 * HOUR)
    expect(streaks([sat, mon], NY)).toEqual([1, 1])
  })

  it('spring forward: 00:01 and 23:59 on 2026-03-08 (22 h 58 min apart) are one day', () => {
    expect(streaks([local('2026-03-08T00:01', NY), local('2026-03-08T23:59', NY)], NY)).toEqual([
      1,
      'already',
    ])
  })

  it('America/New_York fall back (2026-11-01 has 25 hours): consecutive days, consecutive numbers', () => {
    const days = ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03']
    const late = days.map((d) => local(`${d}T23:30`, NY))
    expect((late[2] ?? 0) - (late[1] ?? 0)).toBe(25 * HOUR)
    expect(local('2026-11-02T00:00', NY) - local('2026-11-01T00:00', NY)).toBe(25 * HOUR)
    expect(late.map((t) => dayNumber(localDay(t, NY)))).toEqual(
      days.map((_d, i) => dayNumber('2026-10-30') + i),
    )
    expect(streaks(late, NY)).toEqual([1, 2, 3, 4, 5])
  })

  it('fall back: 00:01 and 23:59 on 2026-11-01 (24 h 58 min apart) are one day: already', () => {
    const a = local('2026-11-01T00:01', NY)
    const b = local('2026-11-01T23:59', NY)
    expect(b - a).toBe(24 * HOUR + 58 * MINUTE)
    expect(streaks([a, b], NY)).toEqual([1, 'already'])
  })

  it('fall back: 23:59 on 10-31 then 00:01 on 11-02 (25 h 2 min apart) skips a day: streak resets', () => {
    const a = local('2026-10-31T23:59', NY)
    const b = local('2026-11-02T00:01', NY)
    expect(b - a).toBe(25 * HOUR + 2 * MINUTE)
    expect(streaks([a, b], NY)).toEqual([1, 1])
  })
})

const task = (id: string, done?: SopTask['done'], points = 0): SopTask => ({
  id,
  title: `task ${id}`,
  points,
  ...(done ? { done } : {}),
})

describe('completesTask with media', () => {
  const photo = task('photo', { kind: 'image' })
  const intro = task('intro', { minLength: 1 })
  it.each<[string, SopTask, { kind: MessageKind; text: string }, boolean]>([
    ['a photo task by a photo', photo, { kind: 'image', text: '' }, true],
    ['a photo task not by a sticker', photo, { kind: 'emoticon', text: '' }, false],
    ['a photo task not by text saying photo', photo, { kind: 'text', text: '照片' }, false],
    ['a text task not by a photo', intro, { kind: 'image', text: '' }, false],
    ['a text task by a quoted reply', intro, { kind: 'quote', text: '我来了' }, true],
  ])('%s', (_name, t, message, expected) => {
    expect(completesTask(t, message)).toBe(expected)
  })
})

describe('completesTask', () => {
  const intro = task('intro', { contains: ['我是', '自我介绍'], minLength: 10 })
  const rules = task('rules', { equals: ['已读群规', 'OK'] })
  const link = task('link', { regex: /^https?:\/\/\S+$/iu })
  const combined = task('combined', { contains: ['书'], regex: /\d+页/iu, minLength: 8 })
  const staffOnly = task('staff')

  it.each<[string, SopTask, string, boolean]>([
    ['contains + minLength met', intro, '大家好，我是小李，喜欢读历史书', true],
    ['contains, the other word', intro, '这是我的自我介绍：喜欢读历史', true],
    ['contains but too short', intro, '我是小李', false],
    ['long enough but no word', intro, '大家好，很高兴认识大家，一起读书', false],
    ['minLength counts characters, not UTF-16 units', task('m', { minLength: 3 }), '😀😀', false],
    ['minLength: emoji count as one each', task('m', { minLength: 3 }), '😀😀😀', true],
    ['minLength ignores surrounding spaces', task('m', { minLength: 3 }), '  ab  ', false],
    ['contains is case and width insensitive', task('c', { contains: ['hello'] }), 'ＨＥＬＬＯ world', true],
    ['equals exactly', rules, '已读群规', true],
    ['equals with spaces around', rules, '  已读群规  ', true],
    ['equals full-width and case folded', rules, 'ｏｋ', true],
    ['equals is not contains', rules, '我已读群规了', false],
    ['regex matches', link, 'https://example.com/a', true],
    ['regex does not match', link, '看这里 https://example.com', false],
    ['combined: all three hold', combined, '今天读这本书读了30页', true],
    ['combined: regex missing', combined, '今天读这本书读了很多', false],
    ['combined: contains missing', combined, '今天读了30页，很开心', false],
    ['combined: too short', combined, '书30页', false],
    ['no done rule: never by message', staffOnly, 'task staff', false],
    ['no done rule: not even an empty message', staffOnly, '', false],
  ])('%s', (_name, t, text, expected) => {
    expect(completesTask(t, { kind: 'text', text })).toBe(expected)
  })
})

describe('tasksCompletedBy', () => {
  const tasks = [
    task('intro', { contains: ['我是'] }, 10),
    task('rules', { equals: ['已读群规'] }, 5),
    task('book', { contains: ['我是', '书'] }, 3),
    task('staff'),
  ]

  it.each<[string, string[], string, string[]]>([
    ['every pending task the message meets, in file order', [], '我是读书人', ['intro', 'book']],
    ['already-done tasks are excluded', ['intro'], '我是读书人', ['book']],
    ['all done: nothing', ['intro', 'book'], '我是读书人', []],
    ['one task', [], '已读群规', ['rules']],
    ['none', [], '大家好', []],
  ])('%s', (_name, done, text, expected) => {
    expect(tasksCompletedBy(tasks, new Set(done), { kind: 'text', text }).map((t) => t.id)).toEqual(expected)
  })
})

describe('readVote', () => {
  const rating = ['1', '2', '3', '4', '5']
  it.each<[string, readonly string[], string | undefined]>([
    ['3', rating, '3'],
    ['３', rating, '3'],
    [' 3 ', rating, '3'],
    ['3！', rating, '3'],
    ['3分', rating, undefined],
    ['33', rating, undefined],
    ['6', rating, undefined],
    ['', rating, undefined],
    ['我选3', rating, undefined],
    ['A', ['a', 'b'], 'a'],
    ['ｂ', ['a', 'b'], 'b'],
    ['同意', ['同意', '反对'], '同意'],
  ])('%j among %j -> %j', (text, options, expected) => {
    expect(readVote(text, options)).toBe(expected)
  })

  // Options that differ only in punctuation, signs or emoji must not collapse into one another.
  it.each<[string, readonly string[], string | undefined]>([
    ['👎', ['👍', '👎'], '👎'],
    ['👍', ['👍', '👎'], '👍'],
    ['!!!', ['👍', '👎'], undefined],
    ['1', ['-1', '0', '1'], '1'],
    ['-1', ['-1', '0', '1'], '-1'],
    ['A', ['A+', 'A', 'B'], 'A'],
  ])('keeps distinct options distinct: %j among %j -> %j', (text, options, expected) => {
    expect(readVote(text, options)).toBe(expected)
  })
})

describe('tallyPoll', () => {
  const rating = ['1', '2', '3', '4', '5']
  it.each<[string, readonly string[], string[], { votes: number; average?: number; top: string }]>([
    ['zero votes', rating, [], { votes: 0, top: '' }],
    ['one vote', rating, ['4'], { votes: 1, average: 4, top: '4' }],
    [
      'average rounded to 0.1 (2.25 -> 2.3)',
      rating,
      ['2', '2', '2', '3'],
      { votes: 4, average: 2.3, top: '2' },
    ],
    ['average rounded to 0.1 (5/3 -> 1.7)', rating, ['1', '2', '2'], { votes: 3, average: 1.7, top: '2' }],
    ['average rounded to 0.1 (13/3 -> 4.3)', rating, ['4', '4', '5'], { votes: 3, average: 4.3, top: '4' }],
    ['tie on top', rating, ['1', '5'], { votes: 2, average: 3, top: '1/5' }],
    ['non-numeric options: no average', ['a', 'b', 'c'], ['a', 'b', 'b'], { votes: 3, top: 'b' }],
    ['non-numeric tie', ['a', 'b', 'c'], ['a', 'b'], { votes: 2, top: 'a/b' }],
    ['mixed options: no average', ['1', '2', 'skip'], ['1', '2'], { votes: 2, top: '1/2' }],
    ['votes that are not options are ignored', ['a', 'b'], ['a', 'zzz', 'A'], { votes: 1, top: 'a' }],
    [
      'negative and decimal options average',
      ['-1', '0', '0.5'],
      ['-1', '0.5', '0.5'],
      { votes: 3, average: 0, top: '0.5' },
    ],
  ])('%s', (_name, options, votes, expected) => {
    const tally = tallyPoll(options, votes)
    expect({
      votes: tally.votes,
      ...(tally.average === undefined ? {} : { average: tally.average }),
      top: tally.top,
    }).toEqual(expected)
    expect(tally.counts.map((c) => c.option)).toEqual(options)
    expect(tally.counts.reduce((s, c) => s + c.votes, 0)).toBe(tally.votes)
  })

  it('counts each final vote once (the caller keeps each member its last vote)', () => {
    const finalVotes = new Map<string, string>()
    for (const [member, vote] of [
      ['u1', '1'],
      ['u2', '5'],
      ['u1', '4'], // u1 changes their mind: last vote wins
    ] as const)
      finalVotes.set(member, vote)
    expect(tallyPoll(['1', '2', '3', '4', '5'], finalVotes.values())).toEqual({
      votes: 2,
      counts: [
        { option: '1', votes: 0 },
        { option: '2', votes: 0 },
        { option: '3', votes: 0 },
        { option: '4', votes: 1 },
        { option: '5', votes: 1 },
      ],
      average: 4.5,
      top: '4/5',
    })
  })
})

describe('rankCheckins', () => {
  const score = (name: string, days: number, streak: number): CheckinScore => ({
    memberId: `id-${name}`,
    name,
    days,
    streak,
  })
  const scores = [
    score('dave', 3, 1),
    score('bob', 5, 2),
    score('zed', 0, 0),
    score('alice', 7, 7),
    score('carol', 5, 2),
    score('erin', 3, 1),
    score('frank', 5, 1),
  ]

  it.each<[string, number, [string, number][]]>([
    [
      'equal scores share a rank, the next rank skips (1, 2, 2, 4); zero-day members are left out',
      10,
      [
        ['alice', 1],
        ['bob', 2],
        ['carol', 2],
        ['frank', 4],
        ['dave', 5],
        ['erin', 5],
      ],
    ],
    [
      'top 4',
      4,
      [
        ['alice', 1],
        ['bob', 2],
        ['carol', 2],
        ['frank', 4],
      ],
    ],
    [
      'top 2 keeps everyone tied at rank 2',
      2,
      [
        ['alice', 1],
        ['bob', 2],
        ['carol', 2],
      ],
    ],
    ['top 1', 1, [['alice', 1]]],
  ])('%s', (_name, top, expected) => {
    expect(rankCheckins(scores, top).map((r) => [r.name, r.rank])).toEqual(expected)
  })

  it('nobody checked in: empty ranking', () => {
    expect(rankCheckins([score('a', 0, 0), score('b', 0, 3)], 10)).toEqual([])
  })

  it('does not reorder its input', () => {
    const copy = [...scores]
    rankCheckins(scores, 3)
    expect(scores).toEqual(copy)
  })
})

function loadedSop(file: string, match: string): LoadedSop {
  const result = parseYamlContent(file, `name: ${file}\nmatch: ${match}\n`, sopSchema)
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
  return { file, sop: result.value }
}

describe('bindSop', () => {
  const byTopic = loadedSop('a-topic.yaml', '{ topic: "^读书会" }')
  const byTopicToo = loadedSop('b-topic.yaml', '{ topic: "读书" }')
  const byId = loadedSop('c-ids.yaml', '{ groups: ["g1@chatroom", "g2@chatroom"] }')
  const other = loadedSop('d-other.yaml', '{ topic: "^跑步" }')
  const sops = [byTopic, byTopicToo, byId, other]

  it.each<[string, { id: string; topic: string }, LoadedSop | undefined]>([
    ['an explicit group id beats an earlier topic match', { id: 'g2@chatroom', topic: '读书会·一群' }, byId],
    ['first topic match in file order', { id: 'g9@chatroom', topic: '读书会·一群' }, byTopic],
    ['a later file matches when the earlier does not', { id: 'g9@chatroom', topic: '周末读书' }, byTopicToo],
    ['topic patterns are case-insensitive', { id: 'g9', topic: '跑步群' }, other],
    ['no match', { id: 'g9@chatroom', topic: '摄影群' }, undefined],
  ])('%s', (_name, room, expected) => {
    expect(bindSop(room, sops)).toBe(expected)
  })

  it('matches the same room the same way twice (no regex state)', () => {
    const room = { id: 'g9', topic: '读书会' }
    expect(bindSop(room, sops)).toBe(byTopic)
    expect(bindSop(room, sops)).toBe(byTopic)
  })
})

const parsed = (source: string, allowed: readonly string[]): Template => {
  const t = parseTemplate(source, allowed)
  if ('error' in t) throw new Error(t.error)
  return t
}

describe('parseTemplate', () => {
  it.each<[string, readonly string[], Template['pieces']]>([
    ['plain text', [], [{ text: 'plain text' }]],
    ['', [], []],
    ['{{literal}}', [], [{ text: '{literal}' }]],
    ['{{{name}}}', ['name'], [{ text: '{' }, { variable: 'name' }, { text: '}' }]],
    ['a {{ b }} c', [], [{ text: 'a { b } c' }]],
    [
      '{mention} 你好 {name}！',
      ['mention', 'name'],
      [{ variable: 'mention' }, { text: ' 你好 ' }, { variable: 'name' }, { text: '！' }],
    ],
    ['{a}{b}', ['a', 'b'], [{ variable: 'a' }, { variable: 'b' }]],
  ])('%j', (source, allowed, pieces) => {
    expect(parsed(source, allowed)).toEqual({ source, pieces })
  })

  it.each<[string, readonly string[], string]>([
    [
      '{mention} {streek}',
      ['mention', 'streak', 'days'],
      'unknown template variable {streek}; this text can use {mention} {streak} {days}',
    ],
    ['{x}', [], 'unknown template variable {x}; this text can use '],
    ['hi {name', ['name'], 'unbalanced "{" (write {{ or }} for a literal brace)'],
    ['hi name}', ['name'], 'unbalanced "}" (write {{ or }} for a literal brace)'],
    ['{ name }', ['name'], 'unbalanced "{" (write {{ or }} for a literal brace)'],
    ['{1st}', [], 'unbalanced "{" (write {{ or }} for a literal brace)'],
  ])('%j is an error', (source, allowed, error) => {
    expect(parseTemplate(source, allowed)).toEqual({ error })
  })
})

describe('renderTemplate and mentionList', () => {
  const members = [
    { id: 'u1', name: '张三' },
    { id: 'u2', name: '李四' },
    { id: 'u3', name: '王五' },
  ]

  it.each([
    [[], []],
    [members.slice(0, 1), [{ mention: 'u1', name: '张三' }]],
    [
      members,
      [
        { mention: 'u1', name: '张三' },
        ' ',
        { mention: 'u2', name: '李四' },
        ' ',
        { mention: 'u3', name: '王五' },
      ],
    ],
  ])('mentionList of %j', (list, parts) => {
    expect(mentionList(list)).toEqual(parts)
  })

  it('renders mentions as mention parts and merges the text around them', () => {
    const t = parsed('欢迎 {mentions} 加入{group}！共 {count} 人', ['mentions', 'group', 'count'])
    expect(
      renderTemplate(t, { mentions: mentionList(members.slice(0, 2)), group: '读书会', count: 2 }),
    ).toEqual({
      parts: [
        '欢迎 ',
        { mention: 'u1', name: '张三' },
        ' ',
        { mention: 'u2', name: '李四' },
        ' 加入读书会！共 2 人',
      ],
    })
  })

  it('renders literal braces and leaves out undefined values', () => {
    const t = parsed('{{{name}}} {missing}!', ['name', 'missing'])
    expect(renderTemplate(t, { name: '张三' })).toEqual({ parts: ['{张三} !'] })
  })

  it('an empty mention list leaves only the text', () => {
    const t = parsed('今天还没打卡：{pendingMentions}', ['pendingMentions'])
    expect(renderTemplate(t, { pendingMentions: [] })).toEqual({ parts: ['今天还没打卡：'] })
  })

  it('a template that starts with a mention starts with the mention part', () => {
    const t = parsed('{mention} 打卡成功', ['mention'])
    expect(renderTemplate(t, { mention: [{ mention: 'u1', name: '张三' }] })).toEqual({
      parts: [{ mention: 'u1', name: '张三' }, ' 打卡成功'],
    })
  })
})

describe('parseDuration', () => {
  it.each<[string, number | undefined]>([
    ['60s', 60_000],
    ['1s', 1_000],
    ['30m', 30 * MINUTE],
    ['24h', 24 * HOUR],
    ['3d', 3 * 24 * HOUR],
    ['2w', 14 * 24 * HOUR],
    [' 5m ', 5 * MINUTE],
    ['0s', 0],
    ['007m', 7 * MINUTE],
    ['999999s', 999_999_000],
    ['1000000s', undefined],
    ['60 seconds', undefined],
    ['60 s', undefined],
    ['1.5h', undefined],
    ['-5m', undefined],
    ['60S', undefined],
    ['60', undefined],
    ['m', undefined],
    ['', undefined],
    ['1y', undefined],
    ['60s30m', undefined],
    ['６０s', undefined],
  ])('%j -> %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })
})

describe('decideCheckin when the last check-in is "after" today', () => {
  it('answers already instead of paying again (time zone edited westward, clock stepped back)', () => {
    expect(
      decideCheckin({ lastDay: 20_100, lastStreak: 3, totalDays: 9 }, 20_099, { points: 5, streakBonus: {} }),
    ).toEqual({
      kind: 'already',
    })
  })
})

describe('task done.kind at load', () => {
  it('refuses kind combined with text conditions, in Chinese, at the line of the rule', () => {
    const yaml = [
      'name: x',
      'match: { topic: "^x" }',
      'newcomer:',
      '  within: 1d',
      '  tasks:',
      '    - id: p',
      '      title: 照片',
      '      done: { kind: image, contains: [照片] }',
    ].join('\n')
    const parsed = parseYamlContent('sop.yaml', yaml, sopSchema)
    expect(parsed.ok).toBe(false)
    const text = parsed.ok ? '' : parsed.problems.map(formatProblem).join('\n')
    expect(text).toContain('sop.yaml:8:')
    expect(text).toContain('图片没有文字')
  })
})
