import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { decodeQrCodes } from './qr-decode.js'

/**
 * Decoding yields to the bot: on Linux a thread has its own nice value, and this thread (and the
 * libvips thread it starts, which inherits it) gets a lower priority than the message path and
 * V8's garbage-collection helpers. Elsewhere, or without /proc, it keeps the default.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10)
  } catch {
    // not Linux, or not allowed: the default priority
  }
}
lowerPriority()

/** The media worker: decodes one image at a time for MediaScanner, off the main thread. */
export interface QrJob {
  id: number
  bytes: Uint8Array
}
export type QrReply = { id: number; texts: string[] } | { id: number; error: string }

parentPort?.on('message', (job: QrJob) => {
  decodeQrCodes(job.bytes).then(
    (texts) => parentPort?.postMessage({ id: job.id, texts } satisfies QrReply),
    (error: unknown) =>
      parentPort?.postMessage({
        id: job.id,
        error: error instanceof Error ? error.message : String(error),
      } satisfies QrReply),
  )
})
