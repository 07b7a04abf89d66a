import type { Db } from '../../db/client.js'
import { topicTokens } from './text.js'

export interface GapCluster {
  count: number
  /** The most frequent topic words of the cluster. */
  words: string[]
  examples: string[]
  lastAt: number
}

/** Buffered rows are written at least this often (ms of real time). */
const FLUSH_EVERY_MS = 2000

type GapRow = [roomId: string, text: string, tokens: string, reason: string, at: number]

/**
 * Unanswered questions, stored masked and grouped by similarity for the operators. Rows are
 * buffered and written in one transaction every 2 s: one commit per question would put a disk
 * flush on the message path (the bench measured ~0.2 ms a message), and the report loses nothing
 * that matters if a crash drops the last two seconds.
 */
export function createGapReport(db: Db) {
  const insert = db.$client.prepare(
    'INSERT INTO faq_gaps (room_id, text, tokens, reason, at) VALUES (?, ?, ?, ?, ?)',
  )
  const insertAll = db.$client.transaction((rows: GapRow[]) => {
    for (const row of rows) insert.run(...row)
  })
  const recent = db.$client.prepare(
    'SELECT text, tokens, at FROM faq_gaps WHERE at >= ? ORDER BY at DESC LIMIT ?',
  )
  let buffer: GapRow[] = []
  let timer: NodeJS.Timeout | undefined
  const flush = (): void => {
    clearTimeout(timer)
    timer = undefined
    if (buffer.length === 0) return
    const rows = buffer
    buffer = []
    insertAll(rows)
  }
  return {
    /** Words are found when the report is read, not here: this runs for every unanswered question. */
    record(roomId: string, maskedText: string, reason: string, at: number): void {
      buffer.push([roomId, maskedText.slice(0, 500), '', reason, at])
      if (buffer.length >= 500) flush()
      else if (!timer) {
        timer = setTimeout(flush, FLUSH_EVERY_MS)
        timer.unref()
      }
    },

    /** Writes buffered rows now (on stop, and before reading). */
    flush,

    /**
     * Greedy single-pass clustering: a question joins the first cluster whose words it shares
     * at least half of (Jaccard >= 0.5), otherwise it starts a new one. Good enough to show an
     * operator "12 people asked about 证书" without a model.
     */
    clusters(since: number, limit = 20, scan = 5000): GapCluster[] {
      flush()
      const rows = recent.all(since, scan) as { text: string; tokens: string; at: number }[]
      type Cluster = {
        words: Map<string, number>
        seed: Set<string>
        count: number
        examples: string[]
        lastAt: number
      }
      const clusters: Cluster[] = []
      for (const row of rows) {
        const tokens = new Set(row.tokens ? row.tokens.split(' ').filter(Boolean) : topicTokens(row.text))
        const home = clusters.find((c) => jaccard(c.seed, tokens) >= 0.5)
        const target: Cluster = home ?? {
          words: new Map(),
          seed: tokens,
          count: 0,
          examples: [],
          lastAt: row.at,
        }
        if (!home) clusters.push(target)
        target.count++
        for (const t of tokens) target.words.set(t, (target.words.get(t) ?? 0) + 1)
        if (target.examples.length < 3 && !target.examples.includes(row.text)) target.examples.push(row.text)
        target.lastAt = Math.max(target.lastAt, row.at)
      }
      return clusters
        .sort((a, b) => b.count - a.count || b.lastAt - a.lastAt)
        .slice(0, limit)
        .map((c) => ({
          count: c.count,
          words: [...c.words.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 5)
            .map(([w]) => w),
          examples: c.examples,
          lastAt: c.lastAt,
        }))
    },
  }
}

export type GapReport = ReturnType<typeof createGapReport>

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1
  let shared = 0
  for (const t of a) if (b.has(t)) shared++
  return shared / (a.size + b.size - shared)
}
