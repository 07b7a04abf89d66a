/**
 * QR codes in images, measured two ways:
 * - decode time per image for what members post: a 1080x2400 JPEG screenshot and an 800x800 PNG
 *   poster, each with a QR code among noise (decodeQrCodes on this thread, p50/p99);
 * - the text pipeline while images are decoded: the same text messages through the bound
 *   pipeline once with the media worker idle and once with it decoding screenshots without pause,
 *   so the figure shows what decoding in the worker costs the messages (p50/p99 side by side).
 */
import QRCode from 'qrcode'
import sharp from 'sharp'
import type { InboundMessage } from '../src/core/types.js'
import { MediaScanner } from '../src/media/media-scanner.js'
import { decodeQrCodes } from '../src/media/qr-decode.js'
import type { BotRuntime } from '../src/runtime/bot-runtime.js'
import { percentile, round, sortedCopy } from './stats.js'

const DECODES = 40

export interface QrResults {
  decode: Record<
    string,
    { width: number; height: number; bytes: number; p50Ms: number; p99Ms: number; found: boolean }
  >
  textPipeline: {
    messages: number
    idle: { p50Ms: number; p99Ms: number }
    idleAfter: { p50Ms: number; p99Ms: number }
    decoding: { p50Ms: number; p99Ms: number; imagesDecoded: number }
  }
}

/** Noise (a photo-like background) with a QR code composited at (left, top). */
async function imageWithQr(width: number, height: number, size: number, left: number, top: number) {
  const qr = await QRCode.toBuffer('https://u.wechat.com/EGx3nJ0Yq-bench', { width: size, margin: 2 })
  const noise = Buffer.alloc(width * height * 3)
  let x = 2463534242
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    noise[i] = 96 + ((x >>> 0) % 96)
  }
  return sharp(noise, { raw: { width, height, channels: 3 } }).composite([{ input: qr, left, top }])
}

async function timeDecodes(bytes: Buffer) {
  const times = new Float64Array(DECODES)
  let found = true
  await decodeQrCodes(bytes) // warm-up: the reader's wasm, sharp's first use
  for (let i = 0; i < DECODES; i++) {
    const started = performance.now()
    const texts = await decodeQrCodes(bytes)
    times[i] = performance.now() - started
    found &&= texts.length === 1
  }
  const sorted = sortedCopy(times)
  return { p50Ms: round(percentile(sorted, 0.5), 2), p99Ms: round(percentile(sorted, 0.99), 2), found }
}

async function timeTexts(runtime: BotRuntime, texts: InboundMessage[], tag: string) {
  const latency = new Float64Array(texts.length)
  for (let i = 0; i < texts.length; i++) {
    const m = texts[i] as InboundMessage
    const message = { ...m, id: `${m.id}-${tag}`, sentAt: Date.now() }
    const started = performance.now()
    await runtime.handleMessage(message)
    latency[i] = performance.now() - started
    // Let the event loop (worker replies, commits) run, as between real messages.
    if (i % 16 === 0) await new Promise<void>((r) => setImmediate(r))
  }
  const sorted = sortedCopy(latency)
  return { p50Ms: round(percentile(sorted, 0.5), 4), p99Ms: round(percentile(sorted, 0.99), 4) }
}

export async function runQrCase(runtime: BotRuntime, texts: InboundMessage[]): Promise<QrResults> {
  const screenshot = await (await imageWithQr(1080, 2400, 300, 390, 1600)).jpeg({ quality: 82 }).toBuffer()
  const poster = await (await imageWithQr(800, 800, 260, 270, 480)).png().toBuffer()
  const decode = {
    'screenshot 1080x2400 JPEG': {
      width: 1080,
      height: 2400,
      bytes: screenshot.length,
      ...(await timeDecodes(screenshot)),
    },
    'poster 800x800 PNG': { width: 800, height: 800, bytes: poster.length, ...(await timeDecodes(poster)) },
  }

  const idle = await timeTexts(runtime, texts, 'qr-idle')
  // The worker decodes screenshots without pause while the same texts run again.
  const log = { debug() {}, info() {}, warn() {}, error() {}, child: () => log }
  const scanner = new MediaScanner({
    // A fresh copy per fetch, as a download is: the scanner moves the bytes to its worker.
    fetch: async () => Buffer.from(screenshot),
    maxBytes: 10 * 1024 * 1024,
    timeoutMs: 30_000,
    log,
  })
  let decoding = true
  const image = { ...(texts[0] as InboundMessage), kind: 'image' as const, text: '' }
  const keepBusy = () => {
    if (decoding) scanner.qrCodes(image, keepBusy)
  }
  keepBusy()
  keepBusy()
  const busy = await timeTexts(runtime, texts, 'qr-busy')
  decoding = false
  await scanner.stop()
  // Idle again: the second and third passes see the same state (check-ins already done, more
  // rows), so this is what the busy pass is compared with; the first pass is shown as well.
  const idleAfter = await timeTexts(runtime, texts, 'qr-idle-after')
  return {
    decode,
    textPipeline: {
      messages: texts.length,
      idle,
      idleAfter,
      decoding: { ...busy, imagesDecoded: scanner.stats.scanned },
    },
  }
}

export function printQrSection(r: QrResults): void {
  console.log('\n  QR codes in images (decodeQrCodes: sharp + zxing-wasm; the worker does the same)')
  for (const [name, d] of Object.entries(r.decode))
    console.log(
      `  ${name.padEnd(28)} ${String(d.bytes).padStart(8)} bytes  decode p50 ${d.p50Ms} ms  p99 ${d.p99Ms} ms  ${d.found ? 'found' : 'NOT FOUND'}`,
    )
  const t = r.textPipeline
  console.log(
    `  text pipeline, ${t.messages} messages, three passes:  worker idle p50 ${t.idle.p50Ms} / p99 ${t.idle.p99Ms} ms;  ` +
      `decoding (${t.decoding.imagesDecoded} screenshots) p50 ${t.decoding.p50Ms} / p99 ${t.decoding.p99Ms} ms;  ` +
      `idle again p50 ${t.idleAfter.p50Ms} / p99 ${t.idleAfter.p99Ms} ms`,
  )
}
