import QRCode from 'qrcode'
import { describe, expect, it } from 'vitest'
import type { Logger } from '../../src/core/logger.js'
import type { InboundMessage } from '../../src/core/types.js'
import { MediaScanner } from '../../src/media/media-scanner.js'

const warnings: string[] = []
const log: Logger = {
  debug() {},
  info() {},
  warn(obj: object | string, msg?: string) {
    warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`)
  },
  error() {},
  child() {
    return log
  },
} as Logger

const image = (id: string): InboundMessage => ({
  id,
  kind: 'image',
  roomId: 'r',
  roomTopic: 't',
  sender: { id: 'u', name: 'U' },
  text: '',
  mentionIds: [],
  mentionsBot: false,
  sentAt: 0,
  self: false,
  media: {},
})

describe('MediaScanner', () => {
  it('fetches, decodes in the worker and reports the codes', async () => {
    const png = await QRCode.toBuffer('https://u.wechat.com/TEST', { width: 200 })
    const scanner = new MediaScanner({ fetch: async () => png, maxBytes: 1_000_000, timeoutMs: 20_000, log })
    const found: string[][] = []
    scanner.qrCodes(image('a'), (texts) => {
      found.push(texts)
    })
    await scanner.idle.whenIdle()
    expect(found).toEqual([['https://u.wechat.com/TEST']])
    await scanner.stop()
  })

  it('reports a fetch that is refused (over the cap) or times out, and goes on with the next image', async () => {
    warnings.length = 0
    const png = await QRCode.toBuffer('https://u.wechat.com/NEXT', { width: 200 })
    let call = 0
    const scanner = new MediaScanner({
      fetch: (_id, maxBytes) => {
        call++
        if (call === 1) return Promise.reject(new Error(`the file is over the ${maxBytes}-byte cap`))
        if (call === 2) return new Promise(() => {}) // never answers
        return Promise.resolve(png)
      },
      maxBytes: 1_000,
      // Long enough for the worker's first start (tsx, sharp, the wasm) on a busy machine.
      timeoutMs: 2_000,
      log,
    })
    const found: string[][] = []
    for (const id of ['big', 'stuck', 'ok']) scanner.qrCodes(image(id), (t) => void found.push(t))
    await scanner.idle.whenIdle()
    expect(found).toEqual([['https://u.wechat.com/NEXT']])
    expect(scanner.stats).toMatchObject({ scanned: 1, failed: 2 })
    expect(warnings.join('\n')).toContain('over the 1000-byte cap')
    expect(warnings.join('\n')).toContain('fetching the file took longer than 2000 ms')
    await scanner.stop()
  })

  it('reports bytes that are not an image, and drops scans beyond the queue limit', async () => {
    warnings.length = 0
    const scanner = new MediaScanner({
      fetch: async () => new TextEncoder().encode('not an image at all'),
      maxBytes: 1_000,
      timeoutMs: 20_000,
      log,
      maxQueue: 2,
    })
    const found: string[][] = []
    for (const id of ['a', 'b', 'c']) scanner.qrCodes(image(id), (t) => void found.push(t))
    await scanner.idle.whenIdle()
    expect(found).toEqual([])
    expect(scanner.stats).toMatchObject({ failed: 2, dropped: 1 })
    expect(warnings.join('\n')).toContain('media queue full')
    await scanner.stop()
  })
})
