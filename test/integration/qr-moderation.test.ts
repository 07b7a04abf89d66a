import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const RULES = `
profiles:
  - name: default
    qrCodes:
      action: warn
      allow: ["weixin.qq.com/g/OURGROUP"]
    links: { allowDomains: [example.com] }
    escalation: { alertStaffAt: 0, removeAt: 2, banOnRemove: false }
    texts:
      warning: "{mention} 请勿发广告（{reason}，第 {count}/{limit} 次）"
      removed: "{name} 因{reason}被移出"
      reasons:
        words: 敏感词
        links: 链接
        cards: 名片
        flood: 刷屏
        repeat: 重复
        newcomer: 新人
        qrCodes: 二维码广告
`

/** A photo-like poster: noise and a QR code somewhere in it, as JPEG. */
async function poster(payload: string): Promise<string> {
  const qr = await QRCode.toBuffer(payload, { width: 260, margin: 2 })
  const noise = Buffer.alloc(720 * 1280 * 3)
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24
  const jpeg = await sharp(noise, { raw: { width: 720, height: 1280, channels: 3 } })
    .composite([{ input: qr, left: 230, top: 820 }])
    .jpeg({ quality: 85 })
    .toBuffer()
  return jpeg.toString('base64')
}

/** QR posters through the simulator: fetched and decoded off the message path, then moderated. */
describe('QR codes in images', () => {
  let dir: string
  let app: TestApp
  let roomId: string
  let spammer: string
  let member: string
  const bot = async () =>
    (
      (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as {
        self: boolean
        text: string
      }[]
    )
      .filter((l) => l.self)
      .map((l) => l.text)
  const postImage = async (from: string, base64: string) => {
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, {
      from,
      media: { kind: 'image', name: 'poster.jpg', base64 },
    })
    expect(res.status).toBe(202)
    await app.sim.settle()
  }
  const actions = () =>
    app.db.$client
      .prepare('SELECT member_id, rule, action, evidence FROM moderation_actions ORDER BY id')
      .all() as { member_id: string; rule: string; action: string; evidence: string }[]

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-qr-'))
    writeFileSync(join(dir, 'rules.yaml'), RULES)
    app = await startTestApp({ QUNBOT_MODERATION_DIR: dir, QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('推广测试群', ['群主', '小张', '广告哥'])
    roomId = room.id
    member = room.members[1]?.id ?? ''
    spammer = room.members[2]?.id ?? ''
    await app.sim.settle()
  })
  afterEach(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('warns for a personal QR poster, removes at the threshold, and logs the payload by kind', async () => {
    await postImage(spammer, await poster('https://u.wechat.com/EGx3nJ0Yq_SPAM'))
    expect((await bot()).at(-1)).toContain('请勿发广告（二维码广告，第 1/2 次）')
    await postImage(spammer, await poster('https://weixin.qq.com/g/OTHERGROUP'))
    expect((await bot()).at(-1)).toContain('广告哥 因二维码广告被移出')
    const rooms = (await app.api('GET', '/api/sim/rooms')).body.rooms as {
      id: string
      members: { id: string }[]
    }[]
    expect(rooms.find((r) => r.id === roomId)?.members.map((m) => m.id)).not.toContain(spammer)
    const logged = actions()
    expect(logged.map((a) => [a.rule, a.action])).toEqual([
      ['qrCodes', 'warn'],
      ['qrCodes', 'remove'],
    ])
    expect(logged[0]?.evidence).toContain('qr:wechat_personal https://u.wechat.com/EGx3nJ0Yq_SPAM')
    expect(logged[1]?.evidence).toContain('qr:wechat_group https://weixin.qq.com/g/OTHERGROUP')
  })

  it('leaves the group own invite, links to allowed domains and photos without a QR alone', async () => {
    const before = (await bot()).length
    await postImage(member, await poster('https://weixin.qq.com/g/OURGROUP'))
    await postImage(member, await poster('https://docs.example.com/guide'))
    const plain = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#7a9' } })
      .png()
      .toBuffer()
    await postImage(member, plain.toString('base64'))
    expect((await bot()).slice(before)).toEqual([])
    expect(actions()).toEqual([])
  })

  it('masks a phone number carried in a QR payload in the log', async () => {
    await postImage(spammer, await poster('加我微信 13812345678 领资料'))
    const [logged] = actions()
    expect(logged?.evidence).toContain('qr:text 加我微信 138****5678')
    expect(logged?.evidence).not.toContain('13812345678')
  })

  it('an image the platform cannot serve is logged and skipped; the next one is still scanned', async () => {
    const res = await app.api('POST', `/api/sim/rooms/${roomId}/messages`, {
      from: spammer,
      media: { kind: 'image', name: 'gone.jpg' },
    })
    expect(res.status).toBe(202)
    await app.sim.settle()
    await postImage(spammer, await poster('https://u.wechat.com/AGAIN'))
    expect(actions().map((a) => a.rule)).toEqual(['qrCodes'])
  })
})

describe('a moderated message that the member recalls', () => {
  let dir: string
  let app: TestApp
  afterEach(async () => {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps the action and its evidence, and the log says the member recalled it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-qr-recall-'))
    writeFileSync(join(dir, 'rules.yaml'), RULES)
    app = await startTestApp({ QUNBOT_MODERATION_DIR: dir, QUNBOT_SEND_JITTER_MS: '0' })
    const room = app.sim.world.createRoom('撤回测试群', ['广告哥'])
    const spammer = room.members[0]?.id ?? ''
    await app.sim.settle()
    const posted = await app.api('POST', `/api/sim/rooms/${room.id}/messages`, {
      from: spammer,
      media: { kind: 'image', base64: await poster('https://u.wechat.com/RECALLED') },
    })
    await app.sim.settle()
    expect(
      (await app.api('POST', `/api/sim/rooms/${room.id}/messages/${posted.body.messageId}/recall`)).status,
    ).toBe(204)
    await app.sim.settle()
    const { body } = await app.api('GET', '/api/moderation/log')
    const [action] = body.actions as { rule: string; evidence: string; recalledAt: number | null }[]
    expect(action?.rule).toBe('qrCodes')
    expect(action?.evidence).toContain('https://u.wechat.com/RECALLED')
    expect(action?.recalledAt).toBeTypeOf('number')
  })
})
