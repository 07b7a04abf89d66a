import { Worker } from 'node:worker_threads'
import type { MediaPort } from '../core/feature.js'
import { IdleTracker } from '../core/idle-tracker.js'
import type { Logger } from '../core/logger.js'
import type { InboundMessage } from '../core/types.js'
import type { QrJob, QrReply } from './qr-worker.js'

/**
 * Reads a media message's bytes from the platform; rejects past `maxBytes`. The bytes are the
 * scanner's: it moves them to its worker (a buffer of their own is detached there).
 */
export type FetchMedia = (messageId: string, maxBytes: number) => Promise<Uint8Array>

export interface MediaScannerOptions {
  fetch: FetchMedia
  /** Where kept files go (media sent into tickets). */
  store?: { save(message: InboundMessage, bytes: Uint8Array, now: number): void }
  now?: () => number
  /** QUNBOT_MEDIA_MAX_BYTES: larger files are not fetched whole, and not scanned. */
  maxBytes: number
  /** Fetching, and decoding, each give up after this long (real time). */
  timeoutMs: number
  log: Logger
  /** Scans waiting beyond this are dropped (an image flood must not grow memory without bound). */
  maxQueue?: number
}

export class MediaError extends Error {}

/**
 * Media work off the message path: one queue, one worker thread. A scan fetches the image from
 * the platform (size cap, timeout), decodes it in the worker (timeout; a stuck worker is replaced)
 * and hands the result to the feature that asked, all after the pipeline has moved on.
 * `idle` lets the simulator's settle and a shutdown wait for scans in flight.
 */
export class MediaScanner implements MediaPort {
  readonly idle = new IdleTracker()
  readonly stats = { scanned: 0, failed: 0, dropped: 0, found: 0 }
  private worker: Worker | undefined
  private nextId = 1
  private readonly waiting = new Map<number, (reply: QrReply) => void>()
  private queue: Promise<void> = Promise.resolve()
  private queued = 0
  private stopped = false

  constructor(private readonly options: MediaScannerOptions) {}

  qrCodes(message: InboundMessage, onResult: (texts: string[]) => void | Promise<void>): void {
    this.enqueue(message, 'image not scanned for QR codes', async (bytes) => {
      const texts = await this.decode(bytes)
      this.stats.scanned++
      this.stats.found += texts.length
      await onResult(texts)
    })
  }

  keep(message: InboundMessage): void {
    const store = this.options.store
    if (!store) return
    this.enqueue(message, 'media file not kept', async (bytes) => {
      store.save(message, bytes, (this.options.now ?? Date.now)())
    })
  }

  /** Fetches the message's file in the queue, then runs `use` on its bytes; failures are logged. */
  private enqueue(message: InboundMessage, failure: string, use: (bytes: Uint8Array) => Promise<void>): void {
    if (this.stopped) return
    if (this.queued >= (this.options.maxQueue ?? 200)) {
      this.stats.dropped++
      this.options.log.warn({ messageId: message.id }, `media queue full: ${failure}`)
      return
    }
    const done = this.idle.begin()
    this.queued++
    this.queue = this.queue
      .then(async () => {
        // Shutting down: scans not started yet are dropped (the image stays in the log).
        if (this.stopped) return
        const bytes = await this.withTimeout(
          this.options.fetch(message.id, this.options.maxBytes),
          'fetching the file',
        )
        await use(bytes)
      })
      .catch((error: unknown) => {
        this.stats.failed++
        this.options.log.warn(
          { messageId: message.id, roomId: message.roomId, reason: (error as Error).message },
          failure,
        )
      })
      .finally(() => {
        this.queued--
        done()
      })
  }

  /** Drops scans not started yet, waits for the one under way, then ends the worker. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.idle.whenIdle()
    await this.worker?.terminate()
    this.worker = undefined
  }

  private decode(bytes: Uint8Array): Promise<string[]> {
    const worker = this.ensureWorker()
    const id = this.nextId++
    const reply = new Promise<QrReply>((resolve) => this.waiting.set(id, resolve))
    // Moved, not copied, when the bytes own their buffer: a copy of a 10 MB image would be made
    // on the message thread.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    worker.postMessage({ id, bytes } satisfies QrJob, owned ? [bytes.buffer as ArrayBuffer] : [])
    return this.withTimeout(reply, 'decoding the image', () => {
      // A decode that does not finish holds the only worker: replace it.
      this.waiting.delete(id)
      void worker.terminate()
      if (this.worker === worker) this.worker = undefined
    }).then((r) => {
      if ('error' in r) throw new MediaError(r.error)
      return r.texts
    })
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    // Compiled: the .js next to this file. From source (tests, tsx), the .ts, loaded through
    // tsx's loader registered inside the worker (a worker does not take --import).
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./qr-worker.ts', import.meta.url).href)}) })`,
          { eval: true },
        )
      : new Worker(new URL('./qr-worker.js', import.meta.url))
    worker.unref()
    worker.on('message', (reply: QrReply) => {
      const resolve = this.waiting.get(reply.id)
      this.waiting.delete(reply.id)
      resolve?.(reply)
    })
    worker.on('error', (error) => {
      this.options.log.warn({ err: error }, 'the media worker failed; it is started again on the next image')
      for (const [id, resolve] of this.waiting) resolve({ id, error: error.message })
      this.waiting.clear()
      if (this.worker === worker) this.worker = undefined
    })
    this.worker = worker
    return worker
  }

  private withTimeout<T>(work: Promise<T>, what: string, onTimeout?: () => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout?.()
        reject(new MediaError(`${what} took longer than ${this.options.timeoutMs} ms`))
      }, this.options.timeoutMs)
    })
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
  }
}

/** For platforms that cannot fetch media (the bench's recording platform). */
export const noMedia: MediaPort = { qrCodes() {}, keep() {} }
