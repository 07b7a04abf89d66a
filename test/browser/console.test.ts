import type { BrowserContext, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenBrowser, openBrowser, requireChromium, screenshot, timeZone } from '../helpers/browser.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const HOUR = 3_600_000
const TIMEOUT = { timeout: 60_000 }

/** The console's clock format (`YYYY-MM-DD HH:mm:ss`, local time), computed on the Node side. */
function formatDateTime(ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`
}

describe('operator console (simulator page) in chromium', TIMEOUT, () => {
  let app: TestApp
  let address: string
  let browser: OpenBrowser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    requireChromium()
    app = await startTestApp({}, true)
    address = await app.listen()
    browser = await openBrowser()
    ;({ context, page } = browser)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  }, 60_000)

  it('takes the token from the URL, chats with the bot, adds a member and moves time', TIMEOUT, async () => {
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const byId = (id: string) => page.getByTestId(id)
    const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000 })

    await page.goto(`${address}/#token=${TEST_TOKEN}`)
    const room = byId('room-item').filter({ hasText: '读书会·新人群' })
    await room.waitFor()
    expect(page.url()).not.toContain('token')
    expect(page.url()).not.toContain(TEST_TOKEN)
    await poll(() => byId('login-state').textContent()).toContain('mock')

    await room.click()
    await poll(() => room.getAttribute('class')).toContain('selected')
    await byId('member-select').selectOption({ label: '张三' })
    await byId('message-input').fill('ping')
    await byId('mention-bot').check()
    await byId('send-button').click()
    const pong = page.locator('[data-testid="chat-line"][data-self="true"]', { hasText: 'pong' })
    await pong.waitFor()
    await poll(() => pong.textContent()).toContain('@张三')
    const mine = page.locator('[data-testid="chat-line"][data-self="false"]', { hasText: 'ping' })
    await poll(() => mine.textContent()).toContain('张三')

    // An image through the file picker: a media line with its thumbnail; then 张三 recalls it.
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#36c' } })
      .png()
      .toBuffer()
    await byId('image-input').setInputFiles({ name: '书桌.png', mimeType: 'image/png', buffer: png })
    const photo = page.locator('[data-testid="chat-line"][data-kind="image"]', { hasText: '书桌.png' })
    await photo.waitFor()
    const thumb = photo.getByTestId('chat-image')
    await thumb.waitFor()
    await poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(
      64,
    )
    await photo.getByTestId('recall-button').click()
    await poll(() => photo.getAttribute('class')).toContain('recalled')
    expect(await photo.textContent()).toContain('已撤回')

    await byId('add-member-name').fill('赵六')
    await byId('add-member-button').click()
    await byId('member-select').locator('option', { hasText: '赵六' }).waitFor({ state: 'attached' })
    await poll(() => room.textContent()).toContain('4 人')

    // Wait for the page to show the current simulated time before moving it.
    const before = app.sim.clock.now()
    const clock = byId('sim-clock')
    await page.locator(`[data-testid="sim-clock"][data-now="${before}"]`).waitFor()
    expect(await clock.textContent()).toBe(formatDateTime(before))
    await byId('advance-hour').click()
    await poll(async () => Number(await clock.getAttribute('data-now'))).toBeGreaterThanOrEqual(before + HOUR)
    await page.locator('body:not([data-busy])').waitFor()
    const shown = Number(await clock.getAttribute('data-now'))
    expect(shown).toBe(app.sim.clock.now())
    expect(shown - before).toBeGreaterThanOrEqual(HOUR)
    expect(await clock.textContent()).toBe(formatDateTime(shown))

    expect(await byId('error-banner').isHidden()).toBe(true)
    expect(await screenshot(page, 'console')).toBeGreaterThan(0)
    expect(pageErrors).toEqual([])
  })

  it('without a token, tells the operator to open the URL printed by npm start', TIMEOUT, async () => {
    const fresh = await context.newPage()
    try {
      await fresh.goto(`${address}/`)
      const notice = fresh.getByTestId('no-token')
      await notice.waitFor()
      expect(await notice.textContent()).toContain('npm start')
      expect(await fresh.locator('#console').isHidden()).toBe(true)
    } finally {
      await fresh.close()
    }
  })
})
