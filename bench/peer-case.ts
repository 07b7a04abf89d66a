/**
 * What an operator would otherwise run, side by side with qunbot on the same messages: a FAQ bot
 * that answers with the first entry one of whose keywords the message contains, and a word filter
 * that tries every listed word with `indexOf`. Both are what most chat-bot scripts do. Each loop
 * runs over a sample of the pipeline case's messages; its mean time per message is set against
 * the mean of qunbot's whole stage (FAQ, moderation) in the timed run.
 */
import type { KbEntry } from '../src/features/faq/schema.js'
import { round } from './stats.js'

export interface PeerLoop {
  /** What the loop does, for the table. */
  what: string
  messages: number
  /** Messages the loop matched (answered, or found a listed word in). */
  hits: number
  meanUs: number
}

export interface PeerResults {
  faq: PeerLoop & { entries: number; keywords: number }
  moderation: PeerLoop & { words: number }
}

/** Runs `loop` over every text `rounds` times; returns the mean microseconds per text and the hits of one round. */
function timeLoop(texts: readonly string[], loop: (text: string) => boolean, rounds: number) {
  let hits = 0
  for (const text of texts) if (loop(text)) hits++
  const started = performance.now()
  for (let r = 0; r < rounds; r++) for (const text of texts) loop(text)
  const us = ((performance.now() - started) * 1000) / (rounds * texts.length)
  return { hits, meanUs: round(us, 2) }
}

export function runPeerCase(
  texts: readonly string[],
  kb: readonly KbEntry[],
  words: readonly string[],
): PeerResults {
  // The FAQ peer: entries in file order, each with its keywords.
  const keywordLists = kb.map((e) => e.keywords)
  const faqLoop = (text: string): boolean => {
    for (const keywords of keywordLists) for (const k of keywords) if (text.includes(k)) return true
    return false
  }
  const wordLoop = (text: string): boolean => {
    for (const w of words) if (text.indexOf(w) !== -1) return true
    return false
  }
  const faq = timeLoop(texts, faqLoop, 2)
  const moderation = timeLoop(texts, wordLoop, 2)
  return {
    faq: {
      what: 'first entry with a keyword the message contains',
      messages: texts.length,
      entries: kb.length,
      keywords: keywordLists.reduce((n, list) => n + list.length, 0),
      ...faq,
    },
    moderation: {
      what: 'indexOf of every listed word',
      messages: texts.length,
      words: words.length,
      ...moderation,
    },
  }
}

export function printPeerSection(peers: PeerResults, stageMeanUs: { faq: number; moderation: number }): void {
  console.log('\n  what a user would otherwise run, on a sample of the same messages (mean µs per message)')
  const row = (label: string, peer: PeerLoop, ours: number) =>
    console.log(
      `  ${label.padEnd(44)} ${peer.meanUs.toFixed(1).padStart(9)}   qunbot stage ${ours.toFixed(1).padStart(7)}   peer/qunbot ${(peer.meanUs / Math.max(ours, 0.01)).toFixed(1)}x`,
    )
  row(`FAQ: ${peers.faq.what} (${peers.faq.entries} entries)`, peers.faq, stageMeanUs.faq)
  row(
    `moderation: ${peers.moderation.what} (${peers.moderation.words})`,
    peers.moderation,
    stageMeanUs.moderation,
  )
  console.log(
    `  (of ${peers.faq.messages} messages the keyword loop would answer ${peers.faq.hits}; the indexOf loop flags ${peers.moderation.hits})`,
  )
}
