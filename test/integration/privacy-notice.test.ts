import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createQunbot } from '../../src/app/create-qunbot.js'
import { contentMessage } from '../../src/config/content-messages.js'
import { TEXT_LIMITS } from '../../src/config/content-schema.js'
import { parseDuration } from '../../src/core/duration.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { createTestConfig, startTestApp, type TestApp } from '../helpers/test-app.js'

const root = new URL('../..', import.meta.url).pathname
const PRIVACY_FILE = join(root, 'privacy.yaml')
const privacyText = readFileSync(PRIVACY_FILE, 'utf8')
const privacy = parse(privacyText) as {
  notice: { text: string; onJoin: boolean; inWelcome: boolean }
  retention: { messages: string; transcripts: string }
}
const sop = parse(readFileSync(join(root, 'sop/example.yaml'), 'utf8')) as {
  match: { topic: string }
  welcome: { batchWindow: string; text: string }
}
const days = (duration: string) => (parseDuration(duration) ?? Number.NaN) / 86_400_000
/** The notice as the example privacy.yaml renders it (it uses no {group}). */
const NOTICE = privacy.notice.text
  .replace('{messagesDays}', String(days(privacy.retention.messages)))
  .replace('{transcriptsDays}', String(days(privacy.retention.transcripts)))
const BATCH_WINDOW = parseDuration(sop.welcome.batchWindow) ?? Number.NaN
/** A group name the example SOP's match takes. */
const GROUP = '读书会隐私测试群'

type Line = { fromName: string; text: string; self: boolean }

function helpers(get: () => TestApp) {
  const botLines = async (roomId: string) =>
    ((await get().api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[])
      .filter((l) => l.self)
      .map((l) => l.text)
  const notices = async (roomId: string) => (await botLines(roomId)).filter((t) => t.includes('【隐私说明】'))
  const welcomes = async (roomId: string) => (await botLines(roomId)).filter((t) => t.startsWith('欢迎 '))
  const createGroup = async (topic: string, members: string[]) => {
    const res = await get().api('POST', '/api/sim/rooms', { topic, members })
    expect(res.status).toBe(201)
    await get().api('POST', '/api/sim/settle')
    return res.body.id as string
  }
  /** A newcomer joins; returns once the SOP's batch window has passed on the simulated clock. */
  const newcomerWelcomed = async (roomId: string, name: string) => {
    expect((await get().api('POST', `/api/sim/rooms/${roomId}/members`, { name })).status).toBe(201)
    await get().api('POST', '/api/sim/settle')
    const before = (await welcomes(roomId)).length
    await get().api('POST', '/api/sim/clock/advance', { ms: BATCH_WINDOW - 1_000 })
    // Still inside the window: no welcome yet.
    expect(await welcomes(roomId)).toHaveLength(before)
    await get().api('POST', '/api/sim/clock/advance', { ms: 1_000 })
    const after = await welcomes(roomId)
    expect(after).toHaveLength(before + 1)
    return after.at(-1) as string
  }
  return { botLines, notices, welcomes, createGroup, newcomerWelcomed }
}

describe('the privacy notice with the example privacy.yaml and SOP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-privacy-notice-'))
  const env = {
    QUNBOT_DATA_DIR: dataDir,
    QUNBOT_PRIVACY_FILE: './privacy.yaml',
    QUNBOT_SEND_JITTER_MS: '0',
  }
  let app: TestApp
  let roomId: string
  const h = helpers(() => app)

  beforeAll(async () => {
    app = await startTestApp(env)
  })
  afterAll(async () => {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('renders the retention periods into the example text', () => {
    expect(new RegExp(sop.match.topic).test(GROUP)).toBe(true)
    expect(privacy.notice).toMatchObject({ onJoin: true, inWelcome: true })
    expect(NOTICE).toContain('群聊记录保存 30 天')
    expect(NOTICE).toContain('客服对话保存 180 天')
    expect(NOTICE).not.toMatch(/[{}]/)
  })

  it('posts the notice exactly once when the bot first sees a group', async () => {
    roomId = await h.createGroup(GROUP, ['群主小王', '老成员'])
    expect(await h.notices(roomId)).toEqual([NOTICE])
    // Members talking or joining does not bring it back.
    const members = (await app.api('GET', '/api/sim/rooms')).body.rooms.find(
      (r: { id: string }) => r.id === roomId,
    ).members as { id: string; name: string }[]
    const old = members.find((m) => m.name === '老成员')?.id
    await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: old, text: '大家好' })
    await app.api('POST', '/api/sim/settle')
    expect(await h.notices(roomId)).toEqual([NOTICE])
  })

  it('posts it in every group, once each', async () => {
    const other = await h.createGroup('跑步打卡群', ['跑者'])
    expect(await h.notices(other)).toEqual([NOTICE])
    expect(await h.notices(roomId)).toHaveLength(1)
  })

  it('does not post it again after a restart on the same data dir', async () => {
    await app.stop()
    app = await startTestApp(env)
    await app.api('POST', '/api/sim/settle')
    // The transcript came through the restart (the simulator's world is kept in the data dir).
    expect((await h.botLines(roomId)).length).toBeGreaterThan(0)
    expect(await h.notices(roomId)).toEqual([NOTICE])
    // The restarted bot still posts it in a group it has never seen.
    const fresh = await h.createGroup('读书会新群', ['甲'])
    expect(await h.notices(fresh)).toEqual([NOTICE])
  })

  it('adds the notice to a newcomer’s welcome after the batch window', async () => {
    const welcome = await h.newcomerWelcomed(roomId, '新人小李')
    expect(welcome.startsWith(`欢迎 @新人小李 加入${GROUP}！`)).toBe(true)
    // The example welcome text does not place {privacy}, so the notice goes last.
    expect(sop.welcome.text).not.toContain('{privacy}')
    expect(welcome.endsWith(`\n\n${NOTICE}`)).toBe(true)
    // The welcome is no second group notice: that one is still posted once.
    expect((await h.botLines(roomId)).filter((t) => t === NOTICE)).toHaveLength(1)
  })
})

describe('the privacy notice switched off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-privacy-off-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** The example privacy.yaml with one switch changed. */
  const variant = (name: string, from: string, to: string) => {
    expect(privacyText).toContain(from)
    const file = join(dir, name)
    writeFileSync(file, privacyText.replace(from, to))
    return file
  }

  it('posts nothing on creating a group with onJoin: false, and still welcomes with the notice', async () => {
    const app = await startTestApp({
      QUNBOT_PRIVACY_FILE: variant('no-join.yaml', 'onJoin: true', 'onJoin: false'),
      QUNBOT_SEND_JITTER_MS: '0',
    })
    try {
      const h = helpers(() => app)
      const roomId = await h.createGroup(GROUP, ['群主小王'])
      expect(await h.botLines(roomId)).toEqual([])
      const welcome = await h.newcomerWelcomed(roomId, '新人小张')
      expect(welcome.startsWith('欢迎 @新人小张')).toBe(true)
      expect(welcome.endsWith(`\n\n${NOTICE}`)).toBe(true)
    } finally {
      await app.close()
    }
  })

  it('welcomes without the notice with inWelcome: false, and still posts it on creation', async () => {
    const app = await startTestApp({
      QUNBOT_PRIVACY_FILE: variant('no-welcome.yaml', 'inWelcome: true', 'inWelcome: false'),
      QUNBOT_SEND_JITTER_MS: '0',
    })
    try {
      const h = helpers(() => app)
      const roomId = await h.createGroup(GROUP, ['群主小王'])
      expect(await h.notices(roomId)).toEqual([NOTICE])
      const welcome = await h.newcomerWelcomed(roomId, '新人小赵')
      expect(welcome.startsWith('欢迎 @新人小赵')).toBe(true)
      expect(welcome).not.toContain('隐私说明')
      expect(welcome).not.toContain('保存 30 天')
      expect(await h.notices(roomId)).toHaveLength(1)
    } finally {
      await app.close()
    }
  })
})

describe('an oversized privacy notice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-privacy-size-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is refused at file:line:col, and the running bot keeps posting the previous notice', async () => {
    const file = join(dir, 'privacy.yaml')
    writeFileSync(file, privacyText)
    const app = await startTestApp({ QUNBOT_PRIVACY_FILE: file, QUNBOT_SEND_JITTER_MS: '0' })
    try {
      // 100,000 characters: accepted before and queued as 150 chat messages in every new group.
      const length = 100_000
      writeFileSync(file, `notice:\n  text: "${'隐'.repeat(length)}"\n`)
      const config = createTestConfig({ QUNBOT_PRIVACY_FILE: file })
      await expect(createQunbot({ config, logger: createLogger('silent') })).rejects.toMatchObject({
        code: 'QB_CONTENT_INVALID',
        message: `${file}:2:9 notice.text: ${contentMessage('text_too_long', { length, max: TEXT_LIMITS.long })}`,
      })
      rmSync(config.dataDir, { recursive: true, force: true })

      const h = helpers(() => app)
      const roomId = await h.createGroup('隐私大小测试群', ['群主小王'])
      expect(await h.notices(roomId)).toEqual([NOTICE])
    } finally {
      await app.close()
    }
  })

  it(`is accepted up to ${TEXT_LIMITS.long} characters`, async () => {
    const file = join(dir, 'at-limit.yaml')
    const text = `【隐私说明】${'隐'.repeat(TEXT_LIMITS.long - 6)}`
    writeFileSync(file, `notice:\n  text: "${text}"\n`)
    const app = await startTestApp({ QUNBOT_PRIVACY_FILE: file, QUNBOT_SEND_JITTER_MS: '0' })
    try {
      const h = helpers(() => app)
      const roomId = await h.createGroup('隐私上限测试群', ['群主小王'])
      // 6,000 bytes of Chinese: the outbox sends it as four chat messages of at most 2,000 bytes.
      const lines = await h.botLines(roomId)
      expect(lines.join('')).toBe(text)
      expect(lines).toHaveLength(4)
    } finally {
      await app.close()
    }
  })
})
