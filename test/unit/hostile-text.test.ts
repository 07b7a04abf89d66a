import { describe, expect, it } from 'vitest'
import { normalizeCommand, normalizeText } from '../../src/core/normalize-text.js'
import { parseTemplate, renderTemplate } from '../../src/core/template.js'
import { isPeerQuestion, isQuestion } from '../../src/features/faq/intent.js'
import { foldText, topicTokens } from '../../src/features/faq/text.js'
import { findLinkHosts, hostOf } from '../../src/features/moderation/links.js'
import { normalizeForMatching, WordFilter } from '../../src/features/moderation/word-filter.js'
import { isKeywordMessage } from '../../src/features/sop/engine/checkin-rules.js'
import { readVote } from '../../src/features/sop/engine/poll-rules.js'
import { splitMessage } from '../../src/outbox/split-message.js'
import { formatWebhookBody, type WebhookFormat } from '../../src/outbox/webhooks/formatters.js'
import { timed } from '../helpers/timing.js'

/**
 * Every pattern that runs on text a member controls must take time linear in the text: messages
 * are handled one after another, so one slow message stalls every group. Each function below
 * gets hostile shapes (long runs that make a backtracking pattern restart at every position) at
 * 10,000 and 60,000 characters. A linear function takes about 6 times longer on the longer text;
 * a quadratic one about 36 times, and seconds in absolute terms.
 */

const words = new WordFilter(['微信', '加我', '代购'])
const template = parseTemplate('{mention} 你好：{text}', ['mention', 'text'])
if ('error' in template) throw new Error(template.error)

const webhook = (format: WebhookFormat) => (text: string) =>
  formatWebhookBody(
    format,
    'handoff.opened',
    {
      ticket: { id: 1, roomId: 'r', memberId: 'm', memberName: text, status: 'open', reason: text },
      room: { id: 'r', topic: text },
      text,
    },
    0,
    { consoleUrl: 'https://console.example.com/' },
  )

const MEMBER_TEXT_FUNCTIONS: [string, (text: string) => unknown][] = [
  ['normalizeText', normalizeText],
  ['normalizeCommand (check-in, commands)', normalizeCommand],
  ['isKeywordMessage (check-in)', (t) => isKeywordMessage(t, ['打卡', '签到'])],
  ['readVote (polls)', (t) => readVote(t, ['1', '2', '3'])],
  ['findLinkHosts (moderation links)', findLinkHosts],
  ['hostOf (link cards)', hostOf],
  ['normalizeForMatching (moderation words)', normalizeForMatching],
  ['WordFilter.find (moderation words)', (t) => words.find(t)],
  ['foldText (FAQ)', foldText],
  ['topicTokens (FAQ)', topicTokens],
  ['isQuestion (FAQ)', isQuestion],
  ['isPeerQuestion (FAQ)', isPeerQuestion],
  [
    'renderTemplate + splitMessage (outbox)',
    (t) => splitMessage(renderTemplate(template, { mention: 'x', text: t })),
  ],
  ['webhook body, wecom', webhook('wecom')],
  ['webhook body, feishu', webhook('feishu')],
  ['webhook body, dingtalk', webhook('dingtalk')],
  ['webhook body, slack', webhook('slack')],
]

/** Shapes that make backtracking patterns restart at every position (n characters each). */
const HOSTILE: [string, (n: number) => string][] = [
  ['"a ! ! ! … a"', (n) => `a${' !'.repeat(n / 2)}a`],
  ['"!!!…!a"', (n) => `${'!'.repeat(n)}a`],
  ['spaces then a letter', (n) => `${' '.repeat(n)}a`],
  ['line breaks then a letter', (n) => `${'\n'.repeat(n)}a\n`],
  ['"a.a.a.…"', (n) => 'a.'.repeat(n / 2)],
  ['"a .a .…"', (n) => 'a .'.repeat(n / 3)],
  ['"a-a-a-…"', (n) => 'a-'.repeat(n / 2)],
  ['"。a。a…"', (n) => '。a'.repeat(n / 2)],
  ['"http://http://…"', (n) => 'http://'.repeat(n / 7)],
  ['"吗 吗 吗 …x"', (n) => `${'吗 '.repeat(n / 2)}x`],
  ['"@a.@a.…"', (n) => '@a.'.repeat(n / 3)],
]

describe('member text: time linear in the length', () => {
  describe.each(HOSTILE)('%s', (_shape, make) => {
    const short = make(10_000)
    const long = make(60_000)
    it.each(MEMBER_TEXT_FUNCTIONS)('%s', (_name, run) => {
      run(make(1_000)) // warm up (JIT, lazily built tables)
      const shortMs = timed(() => run(short))
      const longMs = timed(() => run(long))
      // Generous bounds for a shared machine: a quadratic pattern takes seconds at 60,000.
      expect(longMs).toBeLessThan(400)
      if (longMs > 40) expect(longMs / Math.max(shortMs, 1)).toBeLessThan(15)
    })
  })
})
