/**
 * Hostile member text through the whole bound pipeline (guard, record, every feature): the
 * shapes that stalled the bot before (issue #12) and others that make backtracking patterns,
 * digit scans, link parsers or keyword matchers restart at every position, at 1,000, 10,000 and
 * 60,000 characters. Each message comes from a different member of a bound group, so flood limits
 * and tickets do not change what later messages meet.
 */
import type { InboundMessage, Member, Room } from '../src/core/types.js'
import type { BotRuntime } from '../src/runtime/bot-runtime.js'
import { round } from './stats.js'

export const HOSTILE_LENGTHS = [1_000, 10_000, 60_000] as const
/** Odd, and enough that one garbage collection inside a run does not become the median. */
const REPEATS = 11

/** Each shape makes a string of about n characters. */
export function hostileShapes(words: readonly string[]): [string, (n: number) => string][] {
  const listed = words.slice(0, 50).join('')
  return [
    ['a…a@ (e-mail local part)', (n) => `${'a'.repeat(n - 1)}@`],
    ['@a.a.a… (e-mail domain)', (n) => `@${'a.'.repeat(n / 2)}`],
    ['x@a-a-a… (e-mail domain)', (n) => `x@${'a-'.repeat(n / 2)}`],
    ['＠。＠。… (full-width e-mail)', (n) => 'a＠b。'.repeat(n / 4)],
    ['1111… (one digit run)', (n) => '1'.repeat(n)],
    ['1 1 1 … (separated digits)', (n) => '1 '.repeat(n / 2)],
    ['1\u200b1\u200b… (zero-width digits)', (n) => '1\u200b'.repeat(n / 2)],
    ['１２３… (full-width digits)', (n) => '１２３４'.repeat(n / 4)],
    ['a ! ! ! … a', (n) => `a${' !'.repeat(n / 2)}a`],
    ['line breaks then a letter', (n) => `${'\n'.repeat(n)}a`],
    ['http://http://…', (n) => 'http://'.repeat(n / 7)],
    ['a.cn/a.cn/… (link-like)', (n) => 'a.cn/'.repeat(n / 5)],
    ['打卡打卡… (command repeated)', (n) => '打卡'.repeat(n / 2)],
    ['转人工 repeated', (n) => '转人工 '.repeat(n / 4)],
    ['listed words back to back', (n) => listed.repeat(Math.ceil(n / listed.length)).slice(0, n)],
    ['😀😀… (surrogate pairs)', (n) => '😀'.repeat(n / 2)],
    ['{mention}{group}… (template-like)', (n) => '{mention}'.repeat(n / 9)],
  ]
}

export interface HostileRow {
  shape: string
  /** Per length: the median time through the whole pipeline, and its slowest stage. */
  byLength: { chars: number; ms: number; slowestStage: string; slowestStageMs: number }[]
  /** The 60k time over the 10k time: about 6 when the work grows linearly. */
  ratio60kTo10k: number
}

export interface HostileResults {
  rows: HostileRow[]
  /** The worst shape at each length. */
  worstMs: Record<string, number>
  worstRatio: number
}

/**
 * Runs every shape at every length `REPEATS` times through `runtime` and keeps the median.
 * `setStageSink` points the runtime's per-stage timer at this case while it runs.
 */
export async function runHostileCase(
  runtime: BotRuntime,
  rooms: readonly Room[],
  members: ReadonlyMap<string, Member[]>,
  words: readonly string[],
  setStageSink: (sink: ((stage: string, ms: number) => void) | undefined) => void,
): Promise<HostileResults> {
  let n = 0
  const next = (text: string): InboundMessage => {
    const room = rooms[n % rooms.length] as Room
    const roster = members.get(room.id) ?? []
    // Members from the end of the roster: the pipeline case's tickets went to the first ones.
    const sender = roster[roster.length - 1 - (Math.floor(n / rooms.length) % roster.length)] as Member
    n++
    return {
      id: `bench-hostile-${n}`,
      kind: 'text',
      roomId: room.id,
      roomTopic: room.topic,
      sender,
      text,
      mentionIds: [],
      mentionsBot: false,
      sentAt: Date.now(),
      self: false,
    }
  }
  const rows: HostileRow[] = []
  for (const [shape, make] of hostileShapes(words)) {
    const byLength: HostileRow['byLength'] = []
    for (const chars of HOSTILE_LENGTHS) {
      const text = make(chars)
      const runs: { ms: number; stages: Map<string, number> }[] = []
      for (let r = 0; r < REPEATS; r++) {
        const stages = new Map<string, number>()
        setStageSink((stage, ms) => stages.set(stage, (stages.get(stage) ?? 0) + ms))
        const started = performance.now()
        await runtime.handleMessage(next(text))
        runs.push({ ms: performance.now() - started, stages })
        setStageSink(undefined)
      }
      runs.sort((a, b) => a.ms - b.ms)
      const median = runs[Math.floor(runs.length / 2)] as (typeof runs)[number]
      let slowestStage = ''
      let slowestStageMs = -1
      for (const [stage, ms] of median.stages)
        if (ms > slowestStageMs) {
          slowestStage = stage
          slowestStageMs = ms
        }
      byLength.push({
        chars,
        ms: round(median.ms, 3),
        slowestStage,
        slowestStageMs: round(slowestStageMs, 3),
      })
    }
    const at = (chars: number) => byLength.find((b) => b.chars === chars)?.ms ?? 0
    rows.push({ shape, byLength, ratio60kTo10k: round(at(60_000) / Math.max(at(10_000), 0.001), 1) })
  }
  const worstMs: Record<string, number> = {}
  for (const chars of HOSTILE_LENGTHS)
    worstMs[String(chars)] = Math.max(...rows.map((r) => r.byLength.find((b) => b.chars === chars)?.ms ?? 0))
  return { rows, worstMs, worstRatio: Math.max(...rows.map((r) => r.ratio60kTo10k)) }
}

export function printHostileSection(r: HostileResults): void {
  console.log('\n  hostile input through the whole pipeline (median ms; slowest stage at 60k)')
  console.log(
    `  ${'shape'.padEnd(36)} ${'1k'.padStart(7)} ${'10k'.padStart(7)} ${'60k'.padStart(7)}  60k/10k  slowest stage`,
  )
  for (const row of r.rows) {
    const [a, b, c] = row.byLength
    console.log(
      `  ${row.shape.padEnd(36)} ${a?.ms.toFixed(2).padStart(7)} ${b?.ms.toFixed(2).padStart(7)} ${c?.ms.toFixed(2).padStart(7)} ${row.ratio60kTo10k.toFixed(1).padStart(7)}x  ${c?.slowestStage} ${c?.slowestStageMs.toFixed(2)} ms`,
    )
  }
}
