import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQunbot, type Qunbot } from '../../src/app/create-qunbot.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { type OpenBrowser, openBrowser, requireChromium, screenshot } from '../helpers/browser.js'
import { freePort, gatewayConfig, TestGateway, waitFor } from '../helpers/grpc-gateway.js'

// The banner every console page shows while the account is not online, against a real gRPC
// gateway: the QR code to scan (drawn from the gateway's payload), then nothing once logged in,
// then "offline, reconnecting" when the gateway goes away.

const TOKEN = 'insecure_banner-test-token-0000'
const ADMIN = 'test-admin-token-0123456789'
const QR = 'https://login.weixin.qq.com/l/qunbot-banner-test'

describe('the connection banner in chromium', { timeout: 90_000 }, () => {
  let gateway: TestGateway
  let app: Qunbot
  let address: string
  let browser: OpenBrowser
  let dataDir: string

  beforeAll(async () => {
    requireChromium()
    dataDir = mkdtempSync(join(tmpdir(), 'qunbot-banner-'))
    gateway = new TestGateway(`127.0.0.1:${await freePort()}`, TOKEN)
    gateway.createRoom('横幅测试群', ['小王'])
    await gateway.open()
    const config = gatewayConfig(gateway, dataDir, { QUNBOT_ADMIN_TOKEN: ADMIN })
    app = await createQunbot({
      config,
      logger: createLogger('silent'),
      connectionTimings: {
        initialBackoffMs: 200,
        maxBackoffMs: 1000,
        probeAfterMs: 1000,
        probeTimeoutMs: 2500,
      },
    })
    address = await app.listen()
    await app.start()
    browser = await openBrowser()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.shutdown()
    await gateway?.close()
    rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)

  it('shows the QR code to scan, hides once logged in, and says offline when the gateway goes', async () => {
    const { page } = browser
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    // The gateway asks for a scan (as a real one does until someone scans), until qunbot shows it.
    await waitFor(
      () => {
        gateway.puppet.emit('scan', { qrcode: QR, status: 2 })
        return app.platform.connection().state === 'login_required'
      },
      20_000,
      'login_required',
    )
    await page.goto(`${address}/analytics.html#token=${ADMIN}`)
    const banner = page.getByTestId('connection-banner')
    await banner.waitFor({ state: 'visible' })
    expect(await page.getByTestId('connection-title').textContent()).toContain('扫码登录')
    const img = page.getByTestId('connection-qr')
    await img.waitFor({ state: 'visible' })
    expect(await img.getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    // The image is the gateway's payload drawn as a QR code, at a size a phone can read.
    const box = await img.boundingBox()
    expect(box?.width).toBeGreaterThanOrEqual(150)
    const svg = decodeURIComponent(((await img.getAttribute('src')) ?? '').split(',')[1] ?? '')
    expect(svg).toContain('<svg')
    expect(await page.locator('.connection-qr figcaption').textContent()).toContain('失效')
    await screenshot(page, 'connection-banner-qr')

    // The public health says why, with the payload, and 503.
    const health = await app.server.inject({ method: 'GET', url: '/api/health' })
    expect(health.statusCode).toBe(503)
    expect(JSON.parse(health.body).connection.qrcode).toBe(QR)

    gateway.loginBot()
    await waitFor(() => app.platform.connection().state === 'online', 20_000, 'online')
    await banner.waitFor({ state: 'hidden', timeout: 15_000 })

    await gateway.close()
    await waitFor(() => app.platform.connection().state === 'offline', 20_000, 'offline')
    await page.goto(`${address}/handoff.html`)
    await page.getByTestId('connection-banner').waitFor({ state: 'visible' })
    expect(await page.getByTestId('connection-title').textContent()).toContain('离线')
    // The first cause is the stream closing; the retries that follow find nobody listening, and
    // the banner (polling every 5 s) shows that in words.
    await waitFor(
      async () => ((await page.getByTestId('connection-details').textContent()) ?? '').includes('连不上网关'),
      15_000,
      'the banner to show the retry cause',
    )
    await screenshot(page, 'connection-banner-offline')
    expect(errors).toEqual([])
  })
})
