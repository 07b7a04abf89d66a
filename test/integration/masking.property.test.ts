import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQunbot, type Qunbot } from '../../src/app/create-qunbot.js'
import { maskPersonalData } from '../../src/core/mask.js'
import { createLogger } from '../../src/logging/create-logger.js'
import type { WebhookDispatcher } from '../../src/outbox/webhooks/webhook-dispatcher.js'
import { digits, idCheckChar, luhnDigit, SEPARATORS } from '../helpers/personal-numbers.js'
import { createTestConfig, TEST_TOKEN } from '../helpers/test-app.js'

/**
 * The issue's acceptance line, as a property over the whole app: random mobile numbers, resident
 * ID numbers (with a valid checksum), bank card numbers and e-mail addresses embedded in members'
 * messages never appear unmasked in the SQLite file, the log or a webhook body, whichever way the
 * message goes (plain chat, an @bot question that becomes an FAQ gap, a ticket's transcript and
 * its webhooks, moderation evidence, alerts and bans, a staff reply). The cases come from a seed
 * that is printed; MASKING_SEED=<seed> (and MASKING_RUNS=<n>) reproduce a failure.
 */
const SEED = Number(process.env.MASKING_SEED ?? Math.floor(Math.random() * 2 ** 31))
const RUNS = Number(process.env.MASKING_RUNS ?? 60)
const WHY = `masking property, seed ${SEED} (rerun with MASKING_SEED=${SEED})`
const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXF1bmJvdC1tYXNraW5n'

// ---- generators -------------------------------------------------------------------------------

/** One piece of personal data as written in a message, with the strings that must never be stored. */
interface Personal {
  kind: 'mobile' | 'id' | 'card' | 'email'
  written: string
  /**
   * The written form, its plain forms (digits only, upper case) and, for numbers written in
   * groups, any two neighbouring groups (they show digits the mask hides): none may appear anywhere.
   */
  forbidden: string[]
  /** What the masked form keeps, for the control checks. */
  masked: string
}

/** Every separator form; none is drawn twice as often (most numbers are written plain). */
const separator = fc.constantFrom('', ...SEPARATORS)

const mobile: fc.Arbitrary<Personal> = fc
  .record({
    number: fc.tuple(fc.integer({ min: 3, max: 9 }), digits(9)).map(([second, rest]) => `1${second}${rest}`),
    prefix: fc.constantFrom('', '', '+86', '+86 ', '+86-', '86 ', '0086', '0086-', '＋86 '),
    sep: separator,
  })
  .map(({ number, prefix, sep }) => {
    const groups = [number.slice(0, 3), number.slice(3, 7), number.slice(7)]
    const national = groups.join(sep)
    return {
      kind: 'mobile' as const,
      written: `${prefix}${national}`,
      forbidden: unique([
        `${prefix}${national}`,
        national,
        number,
        `86${number}`,
        ...neighbours(groups, sep),
      ]),
      masked: `${number.slice(0, 3)}****${number.slice(7)}`,
    }
  })

const idNumber: fc.Arbitrary<Personal> = fc
  .record({
    area: fc.integer({ min: 110000, max: 659999 }),
    birth: fc.date({
      min: new Date('1940-01-01T00:00:00Z'),
      max: new Date('2012-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    seq: digits(3),
    lowerX: fc.boolean(),
    // Plain, or 6-8-4 (area, birth date, sequence and check): 110105 19491231 002X.
    grouped: fc.boolean(),
    sep: separator,
  })
  .map(({ area, birth, seq, lowerX, grouped, sep }) => {
    const ymd = birth.toISOString().slice(0, 10).replace(/-/g, '')
    const body = `${area}${ymd}${seq}`
    const check = idCheckChar(body)
    const id = `${body}${lowerX ? check.toLowerCase() : check}`
    const groups = grouped ? [id.slice(0, 6), id.slice(6, 14), id.slice(14)] : [id]
    const written = groups.join(sep)
    return {
      kind: 'id' as const,
      written,
      forbidden: unique([written, id, id.toUpperCase(), body, ...neighbours(groups, sep)]),
      masked: `${id.slice(0, 3)}***********${id.slice(-4)}`,
    }
  })

const bankCard: fc.Arbitrary<Personal> = fc
  .record({
    bin: fc.constantFrom('622202', '622848', '621700', '625965', '436742', '622588', '403391', '512425'),
    length: fc.integer({ min: 16, max: 19 }),
    rest: digits(12),
    sep: separator,
    // 4-4-4-4 (and the rest), or 6-13 as some banks print it: 622202 1234567890128.
    sixThirteen: fc.boolean(),
  })
  .map(({ bin, length, rest, sep, sixThirteen }) => {
    const partial = `${bin}${rest}`.slice(0, length - 1)
    const number = `${partial}${luhnDigit(partial)}`
    const groups = sixThirteen ? [number.slice(0, 6), number.slice(6)] : (number.match(/.{1,4}/g) ?? [])
    const written = groups.join(sep)
    return {
      kind: 'card' as const,
      written,
      forbidden: unique([written, number, ...neighbours(groups.slice(0, 4), sep)]),
      // A plain 18-digit card can look like an ID number and is masked as one: keep the common part.
      masked: number.slice(-4),
    }
  })

const email: fc.Arbitrary<Personal> = fc
  .record({
    user: fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9_]{2,10}(\.[0-9]{1,3})?$/),
      // QQ mail: the QQ number is the user name.
      fc.integer({ min: 10_000, max: 3_999_999_999 }).map(String),
    ),
    domain: fc.constantFrom(
      'qq.com',
      '163.com',
      '126.com',
      'gmail.com',
      'foxmail.com',
      'example.cn',
      'sina.com.cn',
    ),
    // A Chinese input method types a full-width at-sign or full stop.
    at: fc.constantFrom('@', '@', '＠'),
    dot: fc.constantFrom('.', '.', '。', '．'),
  })
  .map(({ user, domain, at, dot }) => {
    const written = `${user}${at}${domain.replaceAll('.', dot)}`
    return {
      kind: 'email' as const,
      written,
      forbidden: unique([written, `${user}${at}`, `${user}@`]),
      // The domain is kept with ASCII dots.
      masked: `***@${domain}`,
    }
  })

/**
 * Chinese and ASCII chat filler between the numbers: never a digit or a dot (a neighbouring digit
 * makes a different number, not a leak), no question or request words (plain lines stay plain),
 * nothing from the moderation word lists, no handoff keyword and no knowledge-base word (so @bot
 * questions go unanswered, into the FAQ gap report).
 */
const FILLER = [
  '我的',
  '电话',
  '号码',
  '身份证',
  '卡号',
  '邮箱',
  '联系',
  '谢谢',
  '今天',
  '明天',
  '收到',
  '已经',
  '写在这',
  ' ',
  '  ',
  '，',
  '：',
  ':',
  '、',
  '（',
  '）',
  '；',
  '/',
  '~',
  '"',
  '\n',
  '😀',
  'tel',
  'ok',
  'card',
  'mail',
  'No',
  'ID',
]
const filler = (minLength: number) =>
  fc.array(fc.constantFrom(...FILLER), { minLength, maxLength: 3 }).map((p) => p.join(''))

/**
 * The four kinds in a random order with random filler around each; at least one filler piece
 * between two of them, since two numbers written together are one longer number.
 */
const chatLine = (secrets: Personal[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(secrets, { minLength: secrets.length }),
      fc.tuple(filler(0), filler(1), filler(1), filler(1), filler(0)),
    )
    .map(([order, fills]) =>
      order.reduce((text, s, i) => `${text}${s.written}${fills[i + 1]}`, fills[0] ?? '').trim(),
    )

interface Case {
  secrets: Personal[]
  /**
   * Other values of each kind, written into names: the customer's and the spammer's nicknames
   * (王13812345678), the staff name on a reply, and a ban and a points adjustment typed by staff
   * (name, reason, by). The bot's own lines @mention members by name, so these are checked in
   * the database, the log and webhook bodies, not in the group.
   */
  named: Personal[]
  /** An ordinary chat line in the main group. */
  plain: string
  /** An @bot question nobody can answer: an FAQ gap. */
  question: string
  /** Said before asking for a person: the ticket's earlier_message context. */
  before: string
  /** The request for a person (handoff.opened). */
  open: string
  /** Said while the ticket is open (ticket transcript, handoff.message). */
  during: string
  /** Staff's reply (posted into the group as written, stored masked). */
  staff: string
  /** Three ad messages from one newcomer: warning, alert, removal with a ban. */
  ads: [string, string, string]
}

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(fc.tuple(mobile, idNumber, bankCard, email), fc.tuple(mobile, idNumber, bankCard, email))
  .chain(([secrets, named]) =>
    fc.record({
      secrets: fc.constant(secrets),
      named: fc.constant(named),
      plain: chatLine(secrets).map((t) => `${t}～`),
      question: chatLine(secrets).map((t) => `请问${t}该怎么处理？`),
      before: chatLine(secrets),
      open: chatLine(secrets).map((t) => `转人工 ${t}`),
      during: chatLine(secrets),
      staff: chatLine(secrets).map((t) => `已登记：${t}`),
      ads: fc
        .tuple(chatLine(secrets), chatLine(secrets), chatLine(secrets))
        .map(([a, b, c]) => [`加我微信 ${a}`, `${b} 加我微信`, `加我微信，${c}`]) as fc.Arbitrary<
        [string, string, string]
      >,
    }),
  )

/**
 * Two neighbouring groups of a number written in groups ("138 1234", "4231 8314"). Digits alone
 * are not checked this way: 7 or 8 digits can turn up in a timestamp.
 */
function neighbours(groups: string[], sep: string): string[] {
  return sep ? groups.slice(1).map((g, i) => `${groups[i]}${sep}${g}`) : []
}

const customerName = (c: Case) => `客户${c.named[0]?.written}`
const staffName = (c: Case) => `客服${c.named[2]?.written}`

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))]
}

// ---- the run ----------------------------------------------------------------------------------

type Row = Record<string, unknown>
type Line = { fromId: string; text: string; self: boolean }

describe('personal data never leaves unmasked (property over the whole app)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-masking-'))
  const logLines: string[] = []
  const webhookBodies: { url: string; body: string }[] = []
  const cases = fc.sample(caseArb, { seed: SEED, numRuns: RUNS })
  const tables = new Map<string, Row[]>()
  const transcripts = new Map<string, Line[]>()
  const ticketOf = new Map<number, number>()
  let server: Server
  let app: Qunbot
  let dataDir = ''

  const api = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await app.server.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
      ...(body === undefined ? {} : { payload: body as object }),
    })
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns
    return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : undefined) as any }
  }
  const settle = async () => {
    expect((await api('POST', '/api/sim/settle')).status).toBe(200)
    await (
      app.features.find((f) => f.name === 'handoff') as unknown as { dispatcher: WebhookDispatcher }
    ).dispatcher.whenQuiet()
  }
  const say = async (roomId: string, from: string, text: string, mentionBot = false) => {
    const res = await api('POST', `/api/sim/rooms/${roomId}/messages`, { from, text, mentionBot })
    expect(res.status, `${WHY}: posting ${JSON.stringify(text)}`).toBe(202)
    await settle()
  }
  const join_ = async (roomId: string, name: string): Promise<string> => {
    const res = await api('POST', `/api/sim/rooms/${roomId}/members`, { name })
    expect(res.status).toBe(201)
    await settle()
    return res.body.id as string
  }

  beforeAll(async () => {
    console.info(`${WHY}, ${RUNS} cases`)
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        webhookBodies.push({ url: req.url ?? '', body })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    writeFileSync(
      join(dir, 'handoff.yaml'),
      [
        'triggers:',
        '  keywords: [转人工]',
        'staff: { names: [值班客服] }',
        'texts:',
        '  opened: "{mention} 已转人工，预计 {eta} 分钟内回复"',
        '  askRating: "{mention} 请打分 1-5"',
        'webhooks:',
        `  - { name: staff, url: "${base}/staff", secret: "${SECRET}", events: ["*"], allowPrivate: true }`,
        `  - { name: wecom, url: "${base}/wecom", secret: "${SECRET}", events: ["*"], format: wecom, allowPrivate: true }`,
      ].join('\n'),
    )
    const config = createTestConfig({
      QUNBOT_HANDOFF_FILE: join(dir, 'handoff.yaml'),
      QUNBOT_MODERATION_DIR: './moderation',
      QUNBOT_KB_DIR: './knowledge',
      QUNBOT_SEND_JITTER_MS: '0',
      QUNBOT_HTTP_RATE_LIMIT: '1000000',
      LOG_LEVEL: 'trace',
    })
    dataDir = config.dataDir
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk))
        done()
      },
    })
    app = await createQunbot({ config, logger: createLogger('trace', sink) })
    await app.start()

    // Group names outside the example SOP's match, so only the features under test speak.
    const main = (await api('POST', '/api/sim/rooms', { topic: '交流群', members: ['老成员', '提问者'] }))
      .body
    const service = (await api('POST', '/api/sim/rooms', { topic: '服务群', members: ['值班客服'] })).body
    const ads = (await api('POST', '/api/sim/rooms', { topic: '推广测试群', members: ['甲'] })).body
    await settle()
    const [chatter, asker] = main.members.map((m: { id: string }) => m.id)
    const probeLog = app.logger.child({ feature: 'masking-probe' })

    for (const [i, c] of cases.entries()) {
      // Flood windows (8 messages in 10 s) must not turn the chatter's lines into violations.
      await api('POST', '/api/sim/clock/advance', { ms: 15_000 })
      await say(main.id, chatter, c.plain)
      await say(main.id, asker, c.question, true)

      const [nickMobile, nickId, nickCard, nickEmail] = c.named as [Personal, Personal, Personal, Personal]
      const member = await join_(service.id, customerName(c))
      await say(service.id, member, c.before)
      // Earlier messages reach the ticket from the message table (written in batches), when older.
      app.runtime.messageLog.flush()
      await api('POST', '/api/sim/clock/advance', { ms: 1_000 })
      await say(service.id, member, c.open)
      const ticket = (await api('GET', '/api/handoff/tickets?status=open')).body.tickets.find(
        (t: { memberId: string }) => t.memberId === member,
      )
      expect(ticket, `${WHY}: case ${i} opened no ticket with ${JSON.stringify(c.open)}`).toBeDefined()
      ticketOf.set(i, ticket.id)
      await say(service.id, member, c.during)
      const reply = await api('POST', `/api/handoff/tickets/${ticket.id}/reply`, {
        text: c.staff,
        staff: staffName(c),
      })
      expect(reply.status).toBe(200)
      await settle()

      const spammer = await join_(ads.id, `推广${nickId.written}`)
      for (const text of c.ads) await say(ads.id, spammer, text)

      // Staff-typed names and reasons: a ban added by hand, a points adjustment.
      const ban = await api('POST', '/api/bans', {
        list: 'main',
        memberId: `wxid_case${i}`,
        memberName: `王${nickEmail.written}`,
        reason: `备注 ${nickMobile.written}`,
        by: `管理员${nickCard.written}`,
      })
      expect(ban.status, `${WHY}: ban`).toBe(201)
      const points = await api('POST', '/api/points/adjust', {
        roomId: main.id,
        memberId: chatter,
        delta: 5,
        reason: `补录 ${nickId.written}`,
        actor: `值班${nickEmail.written}`,
      })
      expect(points.status, `${WHY}: points`).toBe(201)

      // No feature logs message text today; log it the ways a feature would (a field, the message,
      // an error carrying it), so the log check also covers the app's logger as wired.
      probeLog.debug({ text: c.plain, nested: { lines: [c.question] } }, c.during)
      probeLog.error({ err: new Error(c.before), roomId: main.id }, 'pipeline stage failed')
    }
    await settle()
    for (const roomId of [main.id, service.id, ads.id])
      transcripts.set(roomId, (await api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages)

    // Shutting down flushes the message log and the FAQ gap buffer and closes the database.
    await app.shutdown()
    const db = new Database(join(dataDir, 'qunbot.sqlite'), { readonly: true })
    const names = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[]
    for (const name of names) tables.set(name, db.prepare(`SELECT * FROM "${name}"`).all() as Row[])
    db.close()
  }, 300_000)

  afterAll(async () => {
    await app?.shutdown()
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()))
    rmSync(dir, { recursive: true, force: true })
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  /** Every place a generated value (in messages, and in names unless `messagesOnly`) shows up unmasked. */
  function leaks(places: { where: string; text: string }[], messagesOnly = false): string[] {
    const found: string[] = []
    // One search of everything per value, then the places only for a value found (few or none):
    // a search per value and place grows with the square of MASKING_RUNS.
    const everything = places.map((p) => p.text).join('\u0000')
    for (const [i, c] of cases.entries())
      for (const s of messagesOnly ? c.secrets : [...c.secrets, ...c.named])
        for (const value of s.forbidden)
          if (everything.includes(value))
            for (const p of places)
              if (p.text.includes(value))
                found.push(`case ${i} ${s.kind} ${JSON.stringify(value)} in ${p.where}`)
    return found
  }
  const cells = () =>
    [...tables].flatMap(([table, rows]) =>
      rows.flatMap((row, r) =>
        Object.entries(row)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([column, v]) => ({
            where: `${table}[${r}].${column}`,
            text: Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
          })),
      ),
    )
  const column = (table: string, name: string) => (tables.get(table) ?? []).map((r) => String(r[name] ?? ''))
  /** A column's values joined by a character no text holds: one substring search covers them all. */
  const joined = (values: string[]) => values.join('\u0000')
  /** The checks compare every case with every row: their time grows with the square of the runs. */
  const CHECK_TIMEOUT = 20_000 + RUNS * RUNS * 2

  it(
    'stores every message, gap, ticket line, moderation record and staff reply, masked (control)',
    () => {
      const messages = column('messages', 'text')
      const gaps = column('faq_gaps', 'text')
      const events = tables.get('ticket_events') as Row[]
      const evidence = column('moderation_actions', 'evidence')
      const bans = column('bans', 'reason')
      const outbox = column('chat_outbox', 'parts')
      const [allMessages, allGaps, allEvidence, allBans, allOutbox] = [
        messages,
        gaps,
        evidence,
        bans,
        outbox,
      ].map(joined) as [string, string, string, string, string]
      const all = [allMessages, allGaps, allEvidence].join('\n')
      expect(messages.length, WHY).toBeGreaterThanOrEqual(RUNS * 8)
      for (const [i, c] of cases.entries()) {
        const why = `${WHY}, case ${i}`
        for (const text of [c.plain, c.question, c.before, c.open, c.during, ...c.ads])
          expect(allMessages.includes(maskPersonalData(text)), `${why}: ${text}`).toBe(true)
        expect(allGaps.includes(maskPersonalData(c.question)), why).toBe(true)
        const ticket = ticketOf.get(i)
        const textOf = (kind: string) =>
          events.filter((e) => e.ticket_id === ticket && e.kind === kind).map((e) => String(e.text))
        expect(textOf('earlier_message'), why).toContain(maskPersonalData(c.before))
        expect(textOf('opened'), why).toEqual([maskPersonalData(c.open)])
        expect(textOf('member_message'), why).toEqual([maskPersonalData(c.during)])
        expect(textOf('staff_reply'), why).toEqual([maskPersonalData(c.staff)])
        for (const text of c.ads)
          expect(allEvidence.includes(maskPersonalData(text)), `${why}: ${text}`).toBe(true)
        expect(allBans.includes(maskPersonalData(c.ads[2])), why).toBe(true)
        expect(allOutbox.includes(JSON.stringify(maskPersonalData(c.staff)).slice(1, -1)), why).toBe(true)
        // The masked forms keep enough to recognise: they are really there.
        for (const s of c.secrets) expect(all, `${why}: ${s.kind}`).toContain(s.masked)
      }
      expect(evidence.length, WHY).toBe(RUNS * 3)
    },
    CHECK_TIMEOUT,
  )

  it(
    'stores member names, staff names and staff-typed reasons, masked (control)',
    () => {
      const members = column('members', 'name')
      const tickets = tables.get('tickets') as Row[]
      const events = tables.get('ticket_events') as Row[]
      const actions = column('moderation_actions', 'member_name')
      const bans = tables.get('bans') as Row[]
      const ledger = tables.get('points_ledger') as Row[]
      for (const [i, c] of cases.entries()) {
        const why = `${WHY}, case ${i}`
        const [nickMobile, nickId, nickCard, nickEmail] = c.named as [Personal, Personal, Personal, Personal]
        expect(members, why).toContain(maskPersonalData(customerName(c)))
        expect(members, why).toContain(maskPersonalData(`推广${nickId.written}`))
        for (const s of c.named)
          expect(members.join('\n') + JSON.stringify(bans), `${why}: ${s.kind}`).toContain(s.masked)
        const ticket = tickets.find((t) => t.id === ticketOf.get(i))
        expect(ticket?.member_name, why).toBe(maskPersonalData(customerName(c)))
        expect(
          events
            .filter((e) => e.ticket_id === ticketOf.get(i) && e.kind === 'staff_reply')
            .map((e) => e.actor),
          why,
        ).toEqual([maskPersonalData(staffName(c))])
        expect(actions, why).toContain(maskPersonalData(`推广${nickId.written}`))
        const ban = bans.find((b) => b.member_id === `wxid_case${i}`)
        expect(ban, why).toMatchObject({
          member_name: maskPersonalData(`王${nickEmail.written}`),
          reason: maskPersonalData(`备注 ${nickMobile.written}`),
          added_by: maskPersonalData(`管理员${nickCard.written}`),
        })
        expect(ledger, why).toContainEqual(
          expect.objectContaining({
            reason: maskPersonalData(`adjust:补录 ${nickId.written}`),
            actor: maskPersonalData(`值班${nickEmail.written}`),
          }),
        )
      }
    },
    CHECK_TIMEOUT,
  )

  it(
    'sends staff replies into the group as written (staff meant them), and only those',
    () => {
      const bot = [...transcripts.values()].flat().filter((l) => l.self)
      for (const [i, c] of cases.entries())
        expect(
          bot.some((l) => l.text.endsWith(c.staff)),
          `${WHY}, case ${i}`,
        ).toBe(true)
      const staffTexts = new Set(cases.map((c) => c.staff))
      // Members' names are in the bot's lines on purpose (@mentions, "… 已被移出本群"), and the
      // group sees them anyway; a message value that happens to share digits with a generated
      // name (both IDs start "110002 19700101") must not count as echoed, so names are cut out.
      const names = cases.flatMap((c) => c.named.map((n) => n.written)).sort((a, b) => b.length - a.length)
      const withoutNames = (text: string) => names.reduce((t, n) => t.split(n).join('·'), text)
      const echoed = leaks(
        bot
          .filter((l) => ![...staffTexts].some((t) => l.text.endsWith(t)))
          .map((l) => ({ where: 'bot line', text: withoutNames(l.text) })),
        true,
      )
      expect(echoed, WHY).toEqual([])
    },
    CHECK_TIMEOUT,
  )

  it(
    'delivers webhooks for every ticket message and moderation alert (control)',
    () => {
      const staff = webhookBodies.filter((w) => w.url === '/staff').map((w) => JSON.parse(w.body))
      const of = (type: string) => staff.filter((b) => b.type === type)
      expect(of('handoff.opened'), WHY).toHaveLength(RUNS)
      expect(of('handoff.message'), WHY).toHaveLength(RUNS)
      expect(of('moderation.alert'), WHY).toHaveLength(RUNS * 2)
      for (const [i, c] of cases.entries()) {
        expect(
          of('handoff.message').map((b) => b.data.text),
          `${WHY}, case ${i}`,
        ).toContain(maskPersonalData(c.during))
        expect(
          of('handoff.opened').map((b) => b.data.text),
          `${WHY}, case ${i}`,
        ).toContain(maskPersonalData(c.open))
      }
      expect(webhookBodies.filter((w) => w.url === '/wecom')).toHaveLength(staff.length)
    },
    CHECK_TIMEOUT,
  )

  it(
    'leaves no generated value unmasked in any cell of any table',
    () => {
      expect(tables.size, WHY).toBeGreaterThan(10)
      expect(leaks(cells()), WHY).toEqual([])
    },
    CHECK_TIMEOUT,
  )

  it(
    'leaves no generated value unmasked in the log',
    () => {
      expect(logLines.length, WHY).toBeGreaterThan(RUNS * 10)
      const probes = logLines.filter((l) => l.includes('"feature":"masking-probe"'))
      expect(probes, WHY).toHaveLength(RUNS * 2)
      for (const [i, c] of cases.entries())
        for (const s of c.secrets)
          expect(probes.slice(2 * i, 2 * i + 2).join(''), `${WHY}, case ${i}: ${s.kind}`).toContain(s.masked)
      expect(leaks(logLines.map((text, i) => ({ where: `log line ${i}`, text }))), WHY).toEqual([])
    },
    CHECK_TIMEOUT,
  )

  it(
    'leaves no generated value unmasked in a webhook body',
    () => {
      expect(webhookBodies.length, WHY).toBeGreaterThan(RUNS * 4)
      expect(
        leaks(webhookBodies.map((w, i) => ({ where: `webhook ${i} ${w.url}`, text: w.body }))),
        WHY,
      ).toEqual([])
    },
    CHECK_TIMEOUT,
  )
})
