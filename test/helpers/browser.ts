import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
// This machine has no network: these flags keep chromium from trying to reach it.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const VIEWPORT = { width: 1280, height: 800 }
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone

const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'browser', '__screenshots__')

export interface OpenBrowser {
  browser: Browser
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

/** Throws a clear error when Debian's chromium is not installed. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run this test`,
    )
}

/** Launches headless chromium with a 1280×800 page in the local time zone. */
export async function openBrowser(): Promise<OpenBrowser> {
  requireChromium()
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const context = await browser.newContext({ viewport: VIEWPORT, timezoneId: timeZone })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  return {
    browser,
    context,
    page,
    async close() {
      await context.close()
      await browser.close()
    },
  }
}

/** Saves a screenshot to test/browser/__screenshots__/<name>.png; returns its size in bytes. */
export async function screenshot(page: Page, name: string): Promise<number> {
  const path = join(SCREENSHOTS, `${name}.png`)
  mkdirSync(dirname(path), { recursive: true })
  await page.screenshot({ path })
  return statSync(path).size
}
