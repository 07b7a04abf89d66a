import { parentPort } from 'node:worker_threads'
import { decodeQrCodes } from './qr-decode.js'

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
