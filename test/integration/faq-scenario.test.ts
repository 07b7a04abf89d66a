import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

type Line = { fromName: string; text: string; self: boolean; at: number }

/** The FAQ through real Wechaty on the mock puppet, driven by the simulator API. */
describe('FAQ through the simulator', () => {
  const kbDir = mkdtempSync(join(tmpdir(), 'qunbot-kb-'))
  const sopDir = mkdtempSync(join(tmpdir(), 'qunbot-nosop-'))
  let app: TestApp
  let roomId: string
  const ids: Record<string, string> = {}

  const bot = async (): Promise<string[]> =>
    ((await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[])
      .filter((m) => m.self)
      .map((m) => m.text)
  const say = async (who: string, text: string, mentionBot = false) => {
    expect(
      (await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from: ids[who], text, mentionBot }))
        .status,
    ).toBe(202)
    await app.api('POST', '/api/sim/settle')
  }

  beforeAll(async () => {
    cpSync('knowledge', kbDir, { recursive: true })
    app = await startTestApp({ QUNBOT_KB_DIR: kbDir, QUNBOT_SOP_DIR: sopDir, QUNBOT_SEND_JITTER_MS: '0' })
    const room = (await app.api('POST', '/api/sim/rooms', { topic: '课程答疑群', members: ['小张', '小王'] }))
      .body
    roomId = room.id
    ids['小张'] = room.members[0].id
    ids['小王'] = room.members[1].id
    await app.api('POST', '/api/sim/settle')
  })
  afterAll(async () => {
    await app.close()
    rmSync(kbDir, { recursive: true, force: true })
    rmSync(sopDir, { recursive: true, force: true })
  })

  it('answers a question once, @mentioning the asker', async () => {
    await say('小张', '请问昨天的直播回放在哪里看？')
    const lines = await bot()
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^@小张 每次直播结束后/)
  })

  it('does not answer the same question again in the group within the cooldown', async () => {
    await say('小王', '直播回放去哪看呀')
    expect(await bot()).toHaveLength(1)
    await app.api('POST', '/api/sim/clock/advance', { ms: 11 * 60_000 })
    await say('小王', '直播回放去哪看呀？')
    const lines = await bot()
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/^@小王 每次直播结束后/)
  })

  it('stays silent on a statement that contains a keyword', async () => {
    const before = (await bot()).length
    await say('小张', '我已经申请退款了')
    await say('小张', '发票收到了，谢谢')
    expect(await bot()).toHaveLength(before)
  })

  it('answers an @mention with no match politely and records the gap', async () => {
    const before = (await bot()).length
    await say('小王', '你们的吉祥物叫什么名字', true)
    const lines = await bot()
    expect(lines).toHaveLength(before + 1)
    expect(lines.at(-1)).toContain('@小王 这个问题我还不会回答')
    const gaps = await app.api('GET', '/api/faq/gaps')
    expect(
      gaps.body.clusters.some((c: { examples: string[] }) => c.examples.some((e) => e.includes('吉祥物'))),
    ).toBe(true)
  })

  it('rejects a broken knowledge file with its line number and keeps answering from the last good version', async () => {
    const file = join(kbDir, 'example.yaml')
    const good = readFileSync(file, 'utf8')
    writeFileSync(file, good.replace(/^(- id: refund\n)/m, '$1  bogus: 1\n'))
    await app.api('POST', '/api/faq/reload')
    const status = await app.api('GET', '/api/faq/status')
    const broken = status.body.files.find((f: { file: string }) => f.file === file)
    expect(broken.ok).toBe(false)
    const expectedLine = good.split('\n').findIndex((l: string) => l === '- id: refund') + 2
    expect(broken.problems[0].text).toContain(`${file}:${expectedLine}:3`)
    expect(status.body.entries).toBeGreaterThanOrEqual(30)
    const before = (await bot()).length
    await say('小张', '开电子发票要怎么操作？')
    const lines = await bot()
    expect(lines).toHaveLength(before + 1)
    expect(lines.at(-1)).toMatch(/^@小张 付款后 90 天内/)
    writeFileSync(file, good)
  })
})
