import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import sharp from 'sharp'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'

/**
 * QR codes in an image: sharp (libvips) decodes JPEG, PNG, WebP, GIF and more into pixels, and
 * zxing-wasm (the ZXing C++ reader compiled to WebAssembly) finds every QR code in them, poster
 * and screenshot sized, rotated or small in a corner. Runs in the media worker, never on the
 * message path.
 */

/** Images larger than this many pixels are refused before decoding (a decompression bomb). */
export const MAX_IMAGE_PIXELS = 40_000_000

let prepared = false

/**
 * Loads the reader's WebAssembly from the package on disk (its default fetches it from a CDN),
 * and keeps libvips to one thread: the bot's message path needs the other core.
 */
function prepareReader(): void {
  if (prepared) return
  sharp.concurrency(1)
  const require = createRequire(import.meta.url)
  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
  prepareZXingModule({
    overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) },
    fireImmediately: true,
  })
  prepared = true
}

/** The texts of the QR codes in an image file's bytes, in the order found; [] for none. */
export async function decodeQrCodes(bytes: Uint8Array): Promise<string[]> {
  prepareReader()
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, animated: false })
    .rotate() // EXIF orientation: a phone photo taken sideways
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const results = await readBarcodes(
    {
      data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      colorSpace: 'srgb',
    },
    { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 8 },
  )
  return results.filter((r) => r.isValid && r.text.length > 0).map((r) => r.text)
}
