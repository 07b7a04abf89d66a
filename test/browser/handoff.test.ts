import type { BrowserContext, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenBrowser, openBrowser, requireChromium, screenshot } from '../helpers/browser.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const TIMEOUT = { timeout: 60_000 }
const OPENING = '我要转人工，课程打不开'
const REPLY = '请重启 app 试试'

type Room = { id: string; topic: string; members: { id: string; name: string }[] }
type Line = { fromName: string; text: string; self: boolean }

describe('staff handoff queue (handoff.html) in chromium', TIMEOUT, () => {
  let app: TestApp
  let address: string
  let browser: OpenBrowser
  let context: BrowserContext
  let page: Page
  let room: Room

  const member = (name: string) => {
    const found = room.members.find((m) => m.name === name)
    if (!found) throw new Error(`no member ${name} in ${room.topic}`)
    return found.id
  }
  const say = async (name: string, text: string) => {
    expect(
      (await app.api('POST', `/api/sim/rooms/${room.id}/messages`, { from: member(name), text })).status,
    ).toBe(202)
    await app.api('POST', '/api/sim/settle')
  }
  const botLines = async () => {
    await app.api('POST', '/api/sim/settle')
    return ((await app.api('GET', `/api/sim/rooms/${room.id}/messages`)).body.messages as Line[])
      .filter((m) => m.self)
      .map((m) => m.text)
  }

  beforeAll(async () => {
    requireChromium()
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' }, true)
    address = await app.listen()
    const rooms = (await app.api('GET', '/api/sim/rooms')).body.rooms as Room[]
    const demo = rooms.find((r) => r.topic === '读书会·新人群')
    if (!demo) throw new Error('the demo world has no 读书会·新人群')
    room = demo
    browser = await openBrowser()
    ;({ context, page } = browser)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  }, 60_000)

  it('lists a 转人工 ticket, replies into the group and resolves it', TIMEOUT, async () => {
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const byId = (id: string) => page.getByTestId(id)
    const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000 })

    await say('张三', OPENING)
    // A screenshot into the open ticket: staff see it as a thumbnail.
    const shot = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#2a6' } })
      .png()
      .toBuffer()
    expect(
      (
        await app.api('POST', `/api/sim/rooms/${room.id}/messages`, {
          from: member('张三'),
          media: { kind: 'image', name: 'error.png', base64: shot.toString('base64') },
        })
      ).status,
    ).toBe(202)
    await app.api('POST', '/api/sim/settle')
    await say('李四', '太差了，我要投诉')
    const tickets = (await app.api('GET', '/api/handoff/tickets')).body.tickets as {
      id: number
      memberName: string
    }[]
    const ticket = tickets.find((t) => t.memberName === '张三')
    expect(ticket).toBeDefined()

    await page.goto(`${address}/handoff.html#token=${TEST_TOKEN}`)
    const item = page.locator(`[data-testid="ticket-item"][data-ticket-id="${ticket?.id}"]`)
    await item.waitFor()
    expect(page.url()).not.toContain(TEST_TOKEN)
    expect(await item.getAttribute('data-priority')).toBe('question')
    // Complaints first.
    await poll(() => byId('ticket-item').count()).toBe(2)
    expect(await byId('ticket-item').first().getAttribute('data-priority')).toBe('complaint')
    expect(await byId('ticket-item').first().textContent()).toContain('李四')
    expect(await item.textContent()).toContain('张三')
    expect(await item.textContent()).toContain(room.id)

    await item.click()
    await poll(() => item.getAttribute('class')).toContain('selected')
    await byId('transcript-line').filter({ hasText: OPENING }).waitFor()
    const thumb = page.locator('[data-testid="media-preview"] img')
    await thumb.waitFor()
    await poll(() => thumb.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(
      120,
    )

    await byId('staff-name').fill('客服小王')
    await byId('reply-input').fill(REPLY)
    await byId('reply-button').click()
    await byId('transcript-line').filter({ hasText: REPLY }).waitFor()
    await poll(() => byId('reply-input').inputValue()).toBe('')
    await poll(async () => (await botLines()).filter((t) => t.includes(REPLY))).toEqual([`@张三 ${REPLY}`])
    expect(await page.evaluate("localStorage.getItem('qunbot.staffName')")).toBe('客服小王')
    await poll(() => item.textContent()).toContain('首次响应')

    expect(await byId('error-banner').isHidden()).toBe(true)
    expect(await screenshot(page, 'handoff')).toBeGreaterThan(0)

    await byId('resolve-button').click()
    await item.waitFor({ state: 'detached' })
    await poll(() => byId('ticket-item').count()).toBe(1)
    await poll(() => byId('resolve-button').isDisabled()).toBe(true)
    const stored = await app.api('GET', `/api/handoff/tickets/${ticket?.id}`)
    expect(stored.body.ticket).toMatchObject({ status: 'resolved', firstResponseAt: expect.any(Number) })
    expect(stored.body.events.map((e: { kind: string }) => e.kind)).toEqual([
      'opened',
      'member_message',
      'staff_reply',
      'resolved',
    ])
    expect(await byId('error-banner').isHidden()).toBe(true)
    expect(pageErrors).toEqual([])
  })

  it('uses the token index.html stored, and shows API errors in the banner', TIMEOUT, async () => {
    const fresh = await context.newPage()
    // Fake timers: the 3 s refresh must not redraw the ticket between the API call and the click.
    await fresh.clock.install()
    try {
      await fresh.goto(`${address}/#token=${TEST_TOKEN}`)
      await fresh.getByTestId('room-item').first().waitFor()
      await fresh.getByTestId('handoff-link').click()
      await fresh.waitForURL(/handoff\.html$/)
      await fresh.getByTestId('ticket-item').first().waitFor()
      expect(await fresh.getByTestId('no-token').isHidden()).toBe(true)

      // A claim without a staff name is refused on the page; a claim on a ticket closed elsewhere
      // shows the API's message.
      await fresh.getByTestId('ticket-item').first().click()
      await fresh.getByTestId('transcript-line').first().waitFor()
      await fresh.getByTestId('staff-name').fill('')
      await fresh.getByTestId('claim-button').click()
      await fresh.getByTestId('error-banner').waitFor()
      expect(await fresh.getByTestId('error-banner').textContent()).toContain('客服名')

      await fresh.getByTestId('staff-name').fill('客服小赵')
      const id = await fresh.getByTestId('ticket-item').first().getAttribute('data-ticket-id')
      expect((await app.api('POST', `/api/handoff/tickets/${id}/return`, { staff: 'api' })).status).toBe(200)
      await fresh.getByTestId('claim-button').click()
      await expect
        .poll(() => fresh.getByTestId('error-banner').textContent(), { timeout: 20_000 })
        .toContain('not open')
    } finally {
      await fresh.close()
    }
  })
})
