// Held-out evaluation of decodeQrCodes, written without reading its implementation.
// Every image is generated here from a fixed seed, so a run is reproducible and nothing is downloaded.
// The thresholds below were chosen before the first run and must not be tuned to the results.
import fc from 'fast-check'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeQrCodes } from '../../src/media/qr-decode.js'

const MIN_RECALL = 0.9
const MAX_FALSE_POSITIVES = 0
const MAX_SCREEN_DECODE_MS = 2000
const SCREEN_CLASS_UNDER_TIME_LIMIT = 'screen 1080x2400'
// A decode that takes longer than this is counted as a miss instead of stalling the whole run.
const PER_IMAGE_DECODE_LIMIT_MS = 8000
const SEED = 0x5eed_0a12

// ---------- deterministic randomness ----------

type Rng = () => number

/** mulberry32: tiny, fast and good enough to make varied but reproducible test images. */
function seededRng(seed: number): Rng {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1))
}

function pickOne<T>(rng: Rng, items: readonly T[]): T {
  return itemAt(items, Math.floor(rng() * items.length))
}

function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index % items.length]
  if (item === undefined) throw new Error(`no item at ${index}`)
  return item
}

function randomToken(rng: Rng, length: number, alphabet: string): string {
  let token = ''
  for (let i = 0; i < length; i++) token += alphabet.charAt(Math.floor(rng() * alphabet.length))
  return token
}

// ---------- payloads seen in WeChat groups ----------

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const PAYLOAD_KINDS = ['wechat-user', 'wechat-group', 'example-url', 'wxpay', 'chinese-phone'] as const
type PayloadKind = (typeof PAYLOAD_KINDS)[number]

const AD_PHRASES = [
  '扫码进群领取新人优惠券',
  '限时特惠 加微信咨询',
  '欢迎加入本地美食交流群',
  '招聘兼职 日结 详情咨询',
  '装修报价免费咨询 微信同号',
  '二手闲置转让群 进群请备注',
]

function makePayload(rng: Rng, kind: PayloadKind): string {
  switch (kind) {
    case 'wechat-user':
      return `https://u.wechat.com/${randomToken(rng, randomInt(rng, 22, 26), URL_SAFE)}`
    case 'wechat-group':
      return `https://weixin.qq.com/g/${randomToken(rng, randomInt(rng, 16, 40), URL_SAFE)}`
    case 'example-url':
      // Half of them are the literal URL of the brief, half carry an extra query parameter.
      return rng() < 0.5
        ? 'https://example.com/path?x=1'
        : `https://example.com/path?x=1&ref=${randomInt(rng, 1, 99999)}`
    case 'wxpay':
      return `wxp://f2f0${randomToken(rng, 28, ALPHANUMERIC)}`
    case 'chinese-phone':
      return `${pickOne(rng, AD_PHRASES)}，电话：1${pickOne(rng, ['3', '5', '8'])}${randomToken(rng, 9, '0123456789')}`
  }
}

// ---------- raw RGB drawing ----------

type Rgb = readonly [number, number, number]

interface Canvas {
  width: number
  height: number
  rgb: Buffer
}

function createCanvas(width: number, height: number, color: Rgb): Canvas {
  const rgb = Buffer.alloc(width * height * 3)
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = color[0]
    rgb[i + 1] = color[1]
    rgb[i + 2] = color[2]
  }
  return { width, height, rgb }
}

function fillRect(canvas: Canvas, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, Math.floor(x))
  const y0 = Math.max(0, Math.floor(y))
  const x1 = Math.min(canvas.width, Math.floor(x + w))
  const y1 = Math.min(canvas.height, Math.floor(y + h))
  for (let row = y0; row < y1; row++) {
    for (let col = x0; col < x1; col++) {
      const i = (row * canvas.width + col) * 3
      canvas.rgb[i] = color[0]
      canvas.rgb[i + 1] = color[1]
      canvas.rgb[i + 2] = color[2]
    }
  }
}

function mix(from: Rgb, to: Rgb, t: number): Rgb {
  return [
    Math.round(from[0] + (to[0] - from[0]) * t),
    Math.round(from[1] + (to[1] - from[1]) * t),
    Math.round(from[2] + (to[2] - from[2]) * t),
  ]
}

function paintGradient(canvas: Canvas, from: Rgb, to: Rgb, direction: 'vertical' | 'diagonal'): void {
  // One precomputed color per distinct step, because a new array per pixel made big canvases slow to paint.
  const steps = direction === 'vertical' ? canvas.height : canvas.width + canvas.height - 1
  const palette = Array.from({ length: steps }, (_, step) => mix(from, to, step / Math.max(1, steps - 1)))
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const color = itemAt(palette, direction === 'vertical' ? y : x + y)
      const i = (y * canvas.width + x) * 3
      canvas.rgb[i] = color[0]
      canvas.rgb[i + 1] = color[1]
      canvas.rgb[i + 2] = color[2]
    }
  }
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value)
}

/**
 * Sensor-like noise; gray noise moves the three channels together. An inline xorshift seeded from the rng
 * gives one 32-bit draw per pixel, several times faster than three rng calls, which matters on 2.6 Mpx canvases.
 */
function addNoise(canvas: Canvas, rng: Rng, amplitude: number, gray = false): void {
  let state = Math.floor(rng() * 0xffffffff) | 1
  for (let i = 0; i < canvas.rgb.length; i += 3) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    for (let c = 0; c < 3; c++) {
      const byte = (state >>> (gray ? 0 : 8 * c)) & 0xff
      canvas.rgb[i + c] = clampByte((canvas.rgb[i + c] ?? 0) + (byte / 127.5 - 1) * amplitude)
    }
  }
}

function randomColor(rng: Rng): Rgb {
  return [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)]
}

/** Overlapping soft-colored rectangles: a cheap stand-in for the shapes of a photo. */
function paintPhotoBlocks(canvas: Canvas, rng: Rng, count: number): void {
  for (let i = 0; i < count; i++) {
    const w = randomInt(rng, 20, Math.max(21, Math.floor(canvas.width / 2)))
    const h = randomInt(rng, 20, Math.max(21, Math.floor(canvas.height / 3)))
    fillRect(canvas, rng() * canvas.width - w / 2, rng() * canvas.height - h / 2, w, h, randomColor(rng))
  }
}

/** Rows of glyph-sized cells made of a few strokes each, which is what Chinese text looks like to a binarizer. */
function paintTextLines(
  canvas: Canvas,
  rng: Rng,
  area: { x: number; y: number; w: number; h: number },
  color: Rgb,
  glyphPx: number,
): void {
  const stroke = Math.max(1, Math.round(glyphPx / 8))
  for (let y = area.y; y + glyphPx <= area.y + area.h; y += Math.round(glyphPx * 1.6)) {
    const lineEnd = area.x + area.w * (0.5 + rng() * 0.5)
    for (let x = area.x; x + glyphPx <= lineEnd; x += glyphPx + Math.max(1, Math.round(glyphPx / 6))) {
      for (let s = randomInt(rng, 2, 5); s > 0; s--) {
        if (rng() < 0.5)
          fillRect(canvas, x, y + rng() * (glyphPx - stroke), glyphPx * (0.4 + rng() * 0.6), stroke, color)
        else fillRect(canvas, x + rng() * (glyphPx - stroke), y, stroke, glyphPx * (0.4 + rng() * 0.6), color)
      }
    }
  }
}

/** A WeChat chat screenshot: grey background, white and green bubbles with text, square avatars. */
function paintChatScreenshot(canvas: Canvas, rng: Rng): void {
  const { width, height } = canvas
  fillRect(canvas, 0, 0, width, height, [237, 237, 237])
  fillRect(canvas, 0, 0, width, height * 0.06, [247, 247, 247])
  paintTextLines(
    canvas,
    rng,
    { x: width * 0.35, y: height * 0.02, w: width * 0.3, h: height * 0.03 },
    [20, 20, 20],
    22,
  )
  const avatar = Math.round(width * 0.1)
  for (let y = height * 0.08; y < height * 0.9; y += randomInt(rng, avatar * 2, avatar * 4)) {
    const mine = rng() < 0.4
    const bubbleW = width * (0.3 + rng() * 0.4)
    const bubbleH = randomInt(rng, Math.round(avatar * 0.9), avatar * 2)
    const avatarX = mine ? width - avatar - 20 : 20
    const bubbleX = mine ? avatarX - 16 - bubbleW : avatarX + avatar + 16
    fillRect(canvas, avatarX, y, avatar, avatar, randomColor(rng))
    fillRect(canvas, bubbleX, y, bubbleW, bubbleH, mine ? [149, 236, 105] : [255, 255, 255])
    paintTextLines(
      canvas,
      rng,
      { x: bubbleX + 12, y: y + 12, w: bubbleW - 24, h: bubbleH - 24 },
      [25, 25, 25],
      20,
    )
  }
  fillRect(canvas, 0, height * 0.93, width, height * 0.07, [247, 247, 247])
}

/** A red and gold promotional poster, the usual style of group ads. */
function paintRedPoster(canvas: Canvas, rng: Rng): void {
  const { width, height } = canvas
  paintGradient(canvas, [214, 16, 30], [140, 0, 10], 'vertical')
  const titleGlyph = Math.round(width / 12)
  paintTextLines(
    canvas,
    rng,
    { x: width * 0.1, y: height * 0.05, w: width * 0.8, h: titleGlyph * 2.5 },
    [255, 214, 90],
    titleGlyph,
  )
  for (let i = randomInt(rng, 2, 4); i > 0; i--) {
    const bannerY = rng() * height * 0.85
    const bannerH = randomInt(rng, 40, Math.round(height * 0.12))
    fillRect(canvas, width * 0.05, bannerY, width * 0.9, bannerH, [245, 197, 24])
    paintTextLines(
      canvas,
      rng,
      { x: width * 0.08, y: bannerY + 8, w: width * 0.84, h: bannerH - 16 },
      [150, 0, 0],
      18,
    )
  }
  paintTextLines(
    canvas,
    rng,
    { x: width * 0.05, y: height * 0.8, w: width * 0.9, h: height * 0.15 },
    [255, 255, 255],
    16,
  )
}

function paintPhotoLike(canvas: Canvas, rng: Rng): void {
  paintGradient(canvas, [120, 170, 230], [60, 90, 40], 'vertical')
  paintPhotoBlocks(canvas, rng, 25)
  addNoise(canvas, rng, 18)
}

function paintNoisyGradient(canvas: Canvas, rng: Rng): void {
  paintGradient(canvas, randomColor(rng), randomColor(rng), 'diagonal')
  addNoise(canvas, rng, 10)
}

const BACKGROUNDS = {
  chat: paintChatScreenshot,
  poster: paintRedPoster,
  photo: paintPhotoLike,
  gradient: paintNoisyGradient,
} as const
type BackgroundStyle = keyof typeof BACKGROUNDS
const BACKGROUND_STYLES = Object.keys(BACKGROUNDS) as BackgroundStyle[]

// ---------- hard negatives: patterns that look a bit like codes ----------

/** Vertical bars of random widths, like an EAN / Code 128 barcode on a product photo. */
function paintBarcodeStripes(canvas: Canvas, rng: Rng): void {
  const x0 = Math.round(canvas.width * 0.1)
  const x1 = Math.round(canvas.width * 0.9)
  const y = Math.round(canvas.height * 0.3)
  const h = Math.round(canvas.height * 0.3)
  for (let x = x0; x < x1; ) {
    const bar = randomInt(rng, 2, 10)
    fillRect(canvas, x, y, bar, h, [0, 0, 0])
    x += bar + randomInt(rng, 2, 10)
  }
}

function paintCheckerboard(canvas: Canvas, cellPx: number): void {
  for (let y = 0; y < canvas.height; y += cellPx) {
    for (let x = 0; x < canvas.width; x += cellPx) {
      if ((x / cellPx + y / cellPx) % 2 === 0) fillRect(canvas, x, y, cellPx, cellPx, [0, 0, 0])
    }
  }
}

function paintFinderPattern(canvas: Canvas, x: number, y: number, modulePx: number): void {
  fillRect(canvas, x, y, 7 * modulePx, 7 * modulePx, [0, 0, 0])
  fillRect(canvas, x + modulePx, y + modulePx, 5 * modulePx, 5 * modulePx, [255, 255, 255])
  fillRect(canvas, x + 2 * modulePx, y + 2 * modulePx, 3 * modulePx, 3 * modulePx, [0, 0, 0])
}

/** A grid of random black modules; with finders it is a fake QR whose error correction can never check out. */
function paintRandomModuleGrid(
  canvas: Canvas,
  rng: Rng,
  placement: { x: number; y: number; modules: number; modulePx: number },
  withFinders: boolean,
): void {
  const { x, y, modules, modulePx } = placement
  fillRect(
    canvas,
    x - 4 * modulePx,
    y - 4 * modulePx,
    (modules + 8) * modulePx,
    (modules + 8) * modulePx,
    [255, 255, 255],
  )
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) {
      const inFinderZone =
        (row < 8 && col < 8) || (row < 8 && col >= modules - 8) || (row >= modules - 8 && col < 8)
      if (withFinders && inFinderZone) continue
      if (rng() < 0.5) fillRect(canvas, x + col * modulePx, y + row * modulePx, modulePx, modulePx, [0, 0, 0])
    }
  }
  if (!withFinders) return
  paintFinderPattern(canvas, x, y, modulePx)
  paintFinderPattern(canvas, x + (modules - 7) * modulePx, y, modulePx)
  paintFinderPattern(canvas, x, y + (modules - 7) * modulePx, modulePx)
}

// ---------- QR tiles and image encoding ----------

const ROTATIONS = ['0', '90', '180', '270', 'tilt'] as const
type Rotation = (typeof ROTATIONS)[number]
// Seven entries, co-prime with the five rotations and three module sizes, so that every combination occurs.
const FORMAT_CYCLE = ['jpeg', 'png', 'webp', 'jpeg', 'png', 'webp', 'gif'] as const
type Format = (typeof FORMAT_CYCLE)[number]
const MODULE_SIZES = ['small', 'medium', 'large'] as const
type ModuleSize = (typeof MODULE_SIZES)[number]
const ERROR_CORRECTION_LEVELS = ['L', 'M', 'Q', 'H'] as const
type ErrorCorrectionLevel = (typeof ERROR_CORRECTION_LEVELS)[number]
const DARK_COLORS = ['#000000ff', '#000000ff', '#000000ff', '#1b5e20ff', '#0d3b8cff', '#3e2723ff']

interface CanvasSize {
  label: string
  width: number
  height: number
}

const SCREEN_SMALL: CanvasSize = { label: 'screen 720x1280', width: 720, height: 1280 }
const SCREEN_LARGE: CanvasSize = { label: 'screen 1080x2400', width: 1080, height: 2400 }
const POSTER: CanvasSize = { label: 'poster 800x800', width: 800, height: 800 }
const QR_CANVASES = [SCREEN_SMALL, SCREEN_LARGE, POSTER]

interface Tile {
  png: Buffer
  width: number
  height: number
}

interface RawImage {
  data: Buffer
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
}

interface EncodeOptions {
  format: Format
  quality: number
  blurSigma: number
  quarterTurnDegrees: number
}

function qrModuleCount(text: string, level: ErrorCorrectionLevel): number {
  return QRCode.create(text, { errorCorrectionLevel: level }).modules.size
}

/** Pixels per module for a size class: 3 px makes a typical payload about 120 px wide. */
function modulePixels(rng: Rng, size: ModuleSize): number {
  if (size === 'small') return 3
  if (size === 'medium') return randomInt(rng, 5, 7)
  return randomInt(rng, 10, 16)
}

/** The largest module size not above the wanted one whose (possibly tilted) tile fits in the space. */
function fitModulePixels(wanted: number, sideModules: number, tiltDegrees: number, space: number): number {
  const radians = (Math.abs(tiltDegrees) * Math.PI) / 180
  const growth = Math.abs(Math.cos(radians)) + Math.abs(Math.sin(radians))
  for (let px = wanted; px >= 2; px--) if (Math.ceil(sideModules * px * growth) <= space) return px
  throw new Error(`a QR of ${sideModules} modules does not fit in ${space} px`)
}

async function renderQrTile(
  text: string,
  options: { level: ErrorCorrectionLevel; modulePx: number; margin: number; dark: string },
): Promise<Tile> {
  const side = qrModuleCount(text, options.level) + 2 * options.margin
  const png = await QRCode.toBuffer(text, {
    errorCorrectionLevel: options.level,
    margin: options.margin,
    // An exact multiple of the module count keeps every module the same size, as a real renderer would.
    width: side * options.modulePx,
    color: { dark: options.dark, light: '#ffffffff' },
  })
  return { png, width: side * options.modulePx, height: side * options.modulePx }
}

/** Rotates a tile on a transparent background so the poster shows through the corners. */
async function tiltTile(tile: Tile, degrees: number): Promise<Tile> {
  const { data, info } = await sharp(tile.png)
    .ensureAlpha()
    .rotate(degrees, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer({ resolveWithObject: true })
  return { png: data, width: info.width, height: info.height }
}

async function composeTiles(
  canvas: Canvas,
  tiles: { tile: Tile; left: number; top: number }[],
): Promise<RawImage> {
  const { data, info } = await sharp(canvas.rgb, {
    raw: { width: canvas.width, height: canvas.height, channels: 3 },
  })
    .composite(tiles.map(({ tile, left, top }) => ({ input: tile.png, left, top })))
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, channels: info.channels }
}

function canvasAsRaw(canvas: Canvas): RawImage {
  return { data: canvas.rgb, width: canvas.width, height: canvas.height, channels: 3 }
}

/** Blur and whole-image rotation happen before the lossy encoding, as with a re-shared screenshot. */
async function encodeImage(raw: RawImage, options: EncodeOptions): Promise<Uint8Array> {
  let pipeline = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } })
  if (options.blurSigma > 0) pipeline = pipeline.blur(options.blurSigma)
  if (options.quarterTurnDegrees !== 0) pipeline = pipeline.rotate(options.quarterTurnDegrees)
  if (options.format === 'jpeg') pipeline = pipeline.jpeg({ quality: options.quality })
  else if (options.format === 'webp') pipeline = pipeline.webp({ quality: options.quality })
  else if (options.format === 'png') pipeline = pipeline.png()
  // The lowest quantisation effort: the default spends seconds on a noisy 1080x2400 frame and the run has a budget.
  else pipeline = pipeline.gif({ effort: 1 })
  // A plain Uint8Array, not a Buffer, because that is the declared parameter type.
  return new Uint8Array(await pipeline.toBuffer())
}

// ---------- the QR image set ----------

const CATEGORY_NAMES = ['rotation', 'format', 'module size', 'blur', 'codes', 'payload', 'canvas'] as const
type CategoryName = (typeof CATEGORY_NAMES)[number]

interface QrSpec {
  payloadKinds: PayloadKind[]
  rotation: Rotation
  format: Format
  moduleSize: ModuleSize
  blurred: boolean
  canvas: CanvasSize
  background: BackgroundStyle
}

interface QrCase {
  name: string
  bytes: Uint8Array
  expected: string[]
  sizeClass: string
  categories: Record<CategoryName, string>
}

interface BlankCase {
  name: string
  bytes: Uint8Array
  sizeClass: string
}

const SINGLE_CODE_IMAGES = 63
const TWO_CODE_IMAGES = 9

/** Cycles of co-prime lengths give every rotation x format x size combination; the rest is drawn from the seed. */
function planQrSpecs(rng: Rng): QrSpec[] {
  const specs: QrSpec[] = []
  for (let i = 0; i < SINGLE_CODE_IMAGES + TWO_CODE_IMAGES; i++) {
    const twoCodes = i >= SINGLE_CODE_IMAGES
    const kindIndex = i + Math.floor(i / 5) // shifted so that payload kind does not move in step with rotation
    specs.push({
      payloadKinds: twoCodes
        ? [itemAt(PAYLOAD_KINDS, kindIndex), itemAt(PAYLOAD_KINDS, kindIndex + 2)]
        : [itemAt(PAYLOAD_KINDS, kindIndex)],
      rotation: itemAt(ROTATIONS, i),
      format: itemAt(FORMAT_CYCLE, i),
      moduleSize: twoCodes ? 'medium' : itemAt(MODULE_SIZES, i),
      blurred: rng() < 0.25,
      canvas: twoCodes ? itemAt(QR_CANVASES, i) : pickOne(rng, QR_CANVASES),
      background: pickOne(rng, BACKGROUND_STYLES),
    })
  }
  return specs
}

/** Splits the canvas in two along its longer side so two codes never overlap. */
function placementAreas(canvas: CanvasSize, count: number): { x: number; y: number; w: number; h: number }[] {
  if (count === 1) return [{ x: 0, y: 0, w: canvas.width, h: canvas.height }]
  if (canvas.height > canvas.width) {
    const half = Math.floor(canvas.height / 2)
    return [
      { x: 0, y: 0, w: canvas.width, h: half },
      { x: 0, y: half, w: canvas.width, h: canvas.height - half },
    ]
  }
  const half = Math.floor(canvas.width / 2)
  return [
    { x: 0, y: 0, w: half, h: canvas.height },
    { x: half, y: 0, w: canvas.width - half, h: canvas.height },
  ]
}

async function buildQrCase(rng: Rng, spec: QrSpec, index: number): Promise<QrCase> {
  const canvas = createCanvas(spec.canvas.width, spec.canvas.height, [255, 255, 255])
  BACKGROUNDS[spec.background](canvas, rng)
  const padding = 16
  const areas = placementAreas(spec.canvas, spec.payloadKinds.length)
  const placed: { tile: Tile; left: number; top: number }[] = []
  const expected: string[] = []
  const details: string[] = []
  for (const [slot, kind] of spec.payloadKinds.entries()) {
    const area = itemAt(areas, slot)
    const text = makePayload(rng, kind)
    const level = pickOne(rng, ERROR_CORRECTION_LEVELS)
    const margin = randomInt(rng, 2, 4)
    const tilt = spec.rotation === 'tilt' ? randomInt(rng, 10, 30) * (rng() < 0.5 ? -1 : 1) : 0
    const side = qrModuleCount(text, level) + 2 * margin
    const space = Math.min(area.w, area.h) - 2 * padding
    const modulePx = fitModulePixels(modulePixels(rng, spec.moduleSize), side, tilt, space)
    const flat = await renderQrTile(text, { level, modulePx, margin, dark: pickOne(rng, DARK_COLORS) })
    const tile = tilt === 0 ? flat : await tiltTile(flat, tilt)
    const left = area.x + randomInt(rng, padding, area.w - tile.width - padding)
    const top = area.y + randomInt(rng, padding, area.h - tile.height - padding)
    placed.push({ tile, left, top })
    expected.push(text)
    details.push(`${kind}/${level}/${modulePx}px/${flat.width}px${tilt === 0 ? '' : `/tilt${tilt}`}`)
  }
  const blurSigma = spec.blurred ? Math.round((0.6 + rng() * 0.6) * 10) / 10 : 0
  const quality = randomInt(rng, 60, 90)
  const quarterTurnDegrees = spec.rotation === 'tilt' ? 0 : Number(spec.rotation)
  const bytes = await encodeImage(await composeTiles(canvas, placed), {
    format: spec.format,
    quality,
    blurSigma,
    quarterTurnDegrees,
  })
  const formatLabel =
    spec.format === 'jpeg' || spec.format === 'webp' ? `${spec.format} q${quality}` : spec.format
  return {
    name: `#${index} ${spec.canvas.label} ${spec.background} rot=${spec.rotation} ${formatLabel} blur=${blurSigma} [${details.join(' + ')}]`,
    bytes,
    expected,
    sizeClass: spec.canvas.label,
    categories: {
      rotation: spec.rotation,
      format: spec.format,
      'module size': spec.moduleSize,
      blur: spec.blurred ? 'mild blur' : 'sharp',
      codes: spec.payloadKinds.length === 1 ? 'one' : 'two',
      payload: spec.payloadKinds.length === 1 ? itemAt(spec.payloadKinds, 0) : 'mixed',
      canvas: spec.canvas.label,
    },
  }
}

async function buildQrCases(rng: Rng): Promise<QrCase[]> {
  const cases: QrCase[] = []
  for (const [index, spec] of planQrSpecs(rng).entries()) cases.push(await buildQrCase(rng, spec, index))
  return cases
}

// ---------- the QR-less image set ----------

async function blankCase(
  name: string,
  size: CanvasSize,
  paint: (canvas: Canvas) => void,
  format: Format,
  quality = 80,
): Promise<BlankCase> {
  const canvas = createCanvas(size.width, size.height, [255, 255, 255])
  paint(canvas)
  const bytes = await encodeImage(canvasAsRaw(canvas), {
    format,
    quality,
    blurSigma: 0,
    quarterTurnDegrees: 0,
  })
  return { name: `${name} (${size.label}, ${format})`, bytes, sizeClass: size.label }
}

async function buildBlankCases(rng: Rng): Promise<BlankCase[]> {
  const photo: CanvasSize = { label: 'photo 640x480', width: 640, height: 480 }
  const pixel: CanvasSize = { label: 'tiny 1x1', width: 1, height: 1 }
  const icon: CanvasSize = { label: 'icon 16x16', width: 16, height: 16 }
  const flat: CanvasSize = { label: 'flat 3000x3000', width: 3000, height: 3000 }
  const cases: Promise<BlankCase>[] = []
  const add = (
    name: string,
    size: CanvasSize,
    paint: (canvas: Canvas) => void,
    format: Format,
    quality?: number,
  ) => cases.push(blankCase(name, size, paint, format, quality))
  // Each canvas is painted synchronously as it is added, so the rng is drawn in this fixed order
  // and the set stays reproducible even though the encodings then run in parallel.
  add('gray noise', SCREEN_SMALL, (c) => addNoise(c, rng, 127, true), 'png')
  add('color noise', SCREEN_LARGE, (c) => addNoise(c, rng, 127), 'jpeg', 70)
  add('color noise', POSTER, (c) => addNoise(c, rng, 127), 'webp', 75)
  add('color noise', POSTER, (c) => addNoise(c, rng, 90), 'gif')
  add(
    'vertical gradient',
    SCREEN_SMALL,
    (c) => paintGradient(c, [10, 10, 60], [250, 240, 200], 'vertical'),
    'jpeg',
  )
  add(
    'diagonal gradient',
    SCREEN_LARGE,
    (c) => paintGradient(c, [255, 0, 80], [0, 80, 255], 'diagonal'),
    'png',
  )
  add('gradient with noise', POSTER, (c) => paintNoisyGradient(c, rng), 'webp', 65)
  add('photo-like blocks', SCREEN_SMALL, (c) => paintPhotoLike(c, rng), 'jpeg', 60)
  add('photo-like blocks', SCREEN_LARGE, (c) => paintPhotoLike(c, rng), 'jpeg', 85)
  add('photo-like blocks', POSTER, (c) => paintPhotoLike(c, rng), 'png')
  add('photo-like blocks', photo, (c) => paintPhotoLike(c, rng), 'webp', 80)
  add('barcode stripes', POSTER, (c) => paintBarcodeStripes(c, rng), 'png')
  add('barcode stripes', SCREEN_SMALL, (c) => paintBarcodeStripes(c, rng), 'jpeg', 75)
  add('barcode stripes', photo, (c) => paintBarcodeStripes(c, rng), 'gif')
  add('checkerboard 8 px', POSTER, (c) => paintCheckerboard(c, 8), 'png')
  add('checkerboard 20 px', SCREEN_SMALL, (c) => paintCheckerboard(c, 20), 'jpeg', 80)
  add('checkerboard 3 px', photo, (c) => paintCheckerboard(c, 3), 'webp', 90)
  add('chat screenshot, no code', SCREEN_SMALL, (c) => paintChatScreenshot(c, rng), 'png')
  add('chat screenshot, no code', SCREEN_LARGE, (c) => paintChatScreenshot(c, rng), 'jpeg', 80)
  add('chat screenshot, no code', SCREEN_LARGE, (c) => paintChatScreenshot(c, rng), 'webp', 70)
  add('red poster, no code', POSTER, (c) => paintRedPoster(c, rng), 'jpeg', 75)
  add('red poster, no code', SCREEN_SMALL, (c) => paintRedPoster(c, rng), 'webp', 85)
  add(
    'text lines',
    POSTER,
    (c) => paintTextLines(c, rng, { x: 20, y: 20, w: 760, h: 760 }, [0, 0, 0], 14),
    'png',
  )
  add('three finder-like squares', POSTER, (c) => paintFinderPatterns(c, 30), 'png')
  add('three finder-like squares', SCREEN_SMALL, (c) => paintFinderPatterns(c, 12), 'jpeg', 70)
  const grid = { x: 200, y: 200, modules: 29, modulePx: 10 }
  add('random module grid', POSTER, (c) => paintRandomModuleGrid(c, rng, grid, false), 'png')
  add('fake QR: finders with random modules', POSTER, (c) => paintRandomModuleGrid(c, rng, grid, true), 'png')
  add(
    'fake QR: finders with random modules',
    SCREEN_SMALL,
    (c) => paintRandomModuleGrid(c, rng, grid, true),
    'jpeg',
  )
  add('single pixel', pixel, () => {}, 'png')
  add('single pixel', pixel, () => {}, 'jpeg')
  add('single pixel', pixel, () => {}, 'gif')
  add('tiny icon', icon, (c) => addNoise(c, rng, 127), 'png')
  add('flat gray', flat, (c) => fillRect(c, 0, 0, c.width, c.height, [200, 200, 200]), 'png')
  add('flat white', flat, () => {}, 'jpeg', 90)
  return Promise.all(cases)
}

/** Three QR-style finder squares in an L with nothing between them: a logo that must not count as a code. */
function paintFinderPatterns(canvas: Canvas, modulePx: number): void {
  const span = 21 * modulePx
  const x = Math.floor((canvas.width - span) / 2)
  const y = Math.floor((canvas.height - span) / 2)
  paintFinderPattern(canvas, x, y, modulePx)
  paintFinderPattern(canvas, x + span - 7 * modulePx, y, modulePx)
  paintFinderPattern(canvas, x, y + span - 7 * modulePx, modulePx)
}

// ---------- measuring ----------

interface Outcome {
  texts: string[] | null
  error: string | null
  ms: number
}

async function decodeWithLimit(bytes: Uint8Array): Promise<Outcome> {
  const start = performance.now()
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${PER_IMAGE_DECODE_LIMIT_MS} ms`)),
      PER_IMAGE_DECODE_LIMIT_MS,
    )
  })
  try {
    const texts = await Promise.race([decodeQrCodes(bytes), limit])
    return { texts, error: null, ms: performance.now() - start }
  } catch (error) {
    return { texts: null, error: String(error), ms: performance.now() - start }
  } finally {
    clearTimeout(timer)
  }
}

function foundAll(expected: string[], outcome: Outcome): boolean {
  return outcome.texts !== null && expected.every((text) => outcome.texts?.includes(text))
}

/** Nearest-rank percentile; with a couple of dozen samples p99 is in effect the maximum. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

function ratio(part: number, whole: number): string {
  return whole === 0 ? '  n/a' : (part / whole).toFixed(3)
}

interface Figures {
  qr: { testCase: QrCase; outcome: Outcome }[]
  blank: { testCase: BlankCase; outcome: Outcome }[]
}

function recall(figures: Figures): number {
  return (
    figures.qr.filter(({ testCase, outcome }) => foundAll(testCase.expected, outcome)).length /
    figures.qr.length
  )
}

function falsePositives(figures: Figures): { testCase: BlankCase; outcome: Outcome }[] {
  return figures.blank.filter(({ outcome }) => outcome.texts === null || outcome.texts.length > 0)
}

function timingsBySizeClass(figures: Figures): Map<string, number[]> {
  const bySize = new Map<string, number[]>()
  for (const { testCase, outcome } of [...figures.qr, ...figures.blank]) {
    bySize.set(testCase.sizeClass, [...(bySize.get(testCase.sizeClass) ?? []), outcome.ms])
  }
  return bySize
}

function formatFiguresTable(figures: Figures): string {
  const lines: string[] = []
  const row = (...cells: string[]) =>
    lines.push(
      cells
        .map((cell, i) => cell.padEnd(i === 0 ? 14 : 18))
        .join('')
        .trimEnd(),
    )
  const found = figures.qr.filter(({ testCase, outcome }) => foundAll(testCase.expected, outcome)).length
  lines.push('=== decodeQrCodes held-out evaluation ===')
  row('overall', 'all QR images', `${found}/${figures.qr.length}`, ratio(found, figures.qr.length))
  row('category', 'value', 'found/total', 'recall')
  for (const category of CATEGORY_NAMES) {
    const values = [...new Set(figures.qr.map(({ testCase }) => testCase.categories[category]))]
    for (const value of values) {
      const inValue = figures.qr.filter(({ testCase }) => testCase.categories[category] === value)
      const hits = inValue.filter(({ testCase, outcome }) => foundAll(testCase.expected, outcome)).length
      row(category, value, `${hits}/${inValue.length}`, ratio(hits, inValue.length))
    }
  }
  const wrongExtras = figures.qr.filter(
    ({ testCase, outcome }) => outcome.texts?.some((text) => !testCase.expected.includes(text)) ?? false,
  ).length
  row(
    'extra texts',
    'on QR images',
    `${wrongExtras}/${figures.qr.length}`,
    ratio(wrongExtras, figures.qr.length),
  )
  const positives = falsePositives(figures).length
  row(
    'false pos.',
    'QR-less images',
    `${positives}/${figures.blank.length}`,
    ratio(positives, figures.blank.length),
  )
  lines.push('')
  row('decode ms', 'size class', 'images', 'p50 / p99 / max')
  for (const [sizeClass, times] of timingsBySizeClass(figures)) {
    const stats = [percentile(times, 50), percentile(times, 99), Math.max(...times)].map((ms) =>
      ms.toFixed(0),
    )
    row('', sizeClass, String(times.length), stats.join(' / '))
  }
  const misses = figures.qr.filter(({ testCase, outcome }) => !foundAll(testCase.expected, outcome))
  if (misses.length > 0) lines.push('', 'missed QR images:')
  for (const { testCase, outcome } of misses) {
    lines.push(`  ${testCase.name} -> ${outcome.error ?? JSON.stringify(outcome.texts)}`)
  }
  const positiveCases = falsePositives(figures)
  if (positiveCases.length > 0) lines.push('', 'false positives / errors on QR-less images:')
  for (const { testCase, outcome } of positiveCases) {
    lines.push(`  ${testCase.name} -> ${outcome.error ?? JSON.stringify(outcome.texts)}`)
  }
  return lines.join('\n')
}

// ---------- the tests ----------

describe('decodeQrCodes on a held-out set of generated posters and screenshots', () => {
  const figures: Figures = { qr: [], blank: [] }

  beforeAll(async () => {
    const rng = seededRng(SEED)
    const qrCases = await buildQrCases(rng)
    const blankCases = await buildBlankCases(rng)
    // The first call may compile a decoder (e.g. WebAssembly); that one-off cost is not a per-image figure.
    await decodeWithLimit(new Uint8Array(await QRCode.toBuffer('warm-up', { width: 120 })))
    // One image at a time, so that each timing is the cost of that image alone.
    for (const testCase of qrCases)
      figures.qr.push({ testCase, outcome: await decodeWithLimit(testCase.bytes) })
    for (const testCase of blankCases)
      figures.blank.push({ testCase, outcome: await decodeWithLimit(testCase.bytes) })
    console.log(formatFiguresTable(figures))
  }, 55_000)

  it('has the size of set the evaluation promises', { timeout: 1000 }, () => {
    expect(figures.qr.length).toBeGreaterThanOrEqual(60)
    expect(figures.qr.filter(({ testCase }) => testCase.expected.length === 2).length).toBeGreaterThanOrEqual(
      5,
    )
    expect(figures.blank.length).toBeGreaterThanOrEqual(30)
  })

  it(`finds every expected text in at least ${MIN_RECALL * 100}% of the images with codes`, {
    timeout: 1000,
  }, () => {
    expect(recall(figures)).toBeGreaterThanOrEqual(MIN_RECALL)
  })

  it('finds no code, and does not fail, on images without one', { timeout: 1000 }, () => {
    expect(falsePositives(figures).map(({ testCase }) => testCase.name)).toHaveLength(MAX_FALSE_POSITIVES)
  })

  it(`decodes every ${SCREEN_CLASS_UNDER_TIME_LIMIT} image in under ${MAX_SCREEN_DECODE_MS} ms`, {
    timeout: 1000,
  }, () => {
    const times = timingsBySizeClass(figures).get(SCREEN_CLASS_UNDER_TIME_LIMIT) ?? []
    expect(times.length).toBeGreaterThan(0)
    expect(Math.max(...times)).toBeLessThan(MAX_SCREEN_DECODE_MS)
  })
})

describe('decodeQrCodes on bytes that are not an image', () => {
  const rng = seededRng(SEED + 1)

  function randomBytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length)
    for (let i = 0; i < length; i++) bytes[i] = randomInt(rng, 0, 255)
    // '*' starts no image format, so the random bytes cannot pass for one by chance.
    bytes[0] = 0x2a
    return bytes
  }

  async function qrJpeg(): Promise<Uint8Array> {
    const png = await QRCode.toBuffer('https://u.wechat.com/TRUNCATED', { width: 600 })
    return new Uint8Array(await sharp(png).jpeg({ quality: 80 }).toBuffer())
  }

  it('rejects random bytes', { timeout: 5000 }, async () => {
    await expect(decodeQrCodes(randomBytes(4096))).rejects.toThrow()
  })

  it('rejects a text file', { timeout: 5000 }, async () => {
    const text = '群公告：请勿发广告。\nGroup rules: no ads.\n'.repeat(20)
    await expect(decodeQrCodes(new TextEncoder().encode(text))).rejects.toThrow()
  })

  it('rejects an empty array', { timeout: 5000 }, async () => {
    await expect(decodeQrCodes(new Uint8Array(0))).rejects.toThrow()
  })

  it('rejects a JPEG cut in the middle of its image data', { timeout: 5000 }, async () => {
    const jpeg = await qrJpeg()
    await expect(decodeQrCodes(jpeg.slice(0, Math.floor(jpeg.length / 2)))).rejects.toThrow()
  })

  it('rejects a JPEG cut inside its headers', { timeout: 5000 }, async () => {
    const jpeg = await qrJpeg()
    await expect(decodeQrCodes(jpeg.slice(0, 100))).rejects.toThrow()
  })

  it('rejects a PNG signature followed by garbage', { timeout: 5000 }, async () => {
    const bytes = randomBytes(2048)
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    await expect(decodeQrCodes(bytes)).rejects.toThrow()
  })

  it('rejects any short run of arbitrary bytes', { timeout: 15_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (bytes) => {
        // As above, a leading '*' keeps a generated array from starting with an image signature.
        const notImage = Uint8Array.from([0x2a, ...bytes])
        await expect(decodeQrCodes(notImage)).rejects.toThrow()
      }),
      { seed: SEED, numRuns: 25 },
    )
  })
})
