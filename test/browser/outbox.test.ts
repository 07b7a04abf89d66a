import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenBrowser, openBrowser, requireChromium } from '../helpers/browser.js'
import { type FailingDeliveries, failDeliveries, makeDeadSend } from '../helpers/dead-sends.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const TIMEOUT = { timeout: 60_000 }
const PHONE = '13812345678'

type SimRoom = { id: string; topic: string; members: { id: string; name: string }[] }
type Line = { self: boolean; text: string }

describe('dead sends page (outbox.html) in chromium', TIMEOUT, () => {
  let app: TestApp
  let address: string
  let browser: OpenBrowser
  let page: Page
  let groupA: SimRoom
  let groupB: SimRoom
  let failing: FailingDeliveries

  const botLines = async (roomId: string) =>
    ((await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[])
      .filter((l) => l.self)
      .map((l) => l.text)
  const deadTotal = async () => (await app.api('GET', '/api/outbox')).body.total as number

  beforeAll(async () => {
    requireChromium()
    app = await startTestApp({ QUNBOT_SEND_JITTER_MS: '0' })
    address = await app.listen()
    groupA = (await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['小李', '老王'] }))
      .body
    groupB = (await app.api('POST', '/api/sim/rooms', { topic: '跑步群', members: ['跑者'] })).body
    await app.sim.settle()
    failing = failDeliveries(app, 'message blocked by WeChat')
    browser = await openBrowser()
    page = browser.page
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  }, 60_000)

  it('lists a dead send masked, and 重新发送 sends it and empties the list', TIMEOUT, async () => {
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const byId = (id: string) => page.getByTestId(id)
    const xiaoLi = groupA.members.find((m) => m.name === '小李')?.id as string
    const id = await makeDeadSend(app, failing, groupA.id, {
      parts: [{ mention: xiaoLi, name: '小李' }, ` 您的快递单已登记，电话 ${PHONE}`],
    })

    await page.goto(`${address}/#token=${TEST_TOKEN}`)
    await byId('outbox-link').click()
    await page.waitForURL(/outbox\.html$/)
    expect(await page.title()).toContain('发送队列')
    const row = page.locator(`[data-testid="dead-row"][data-outbox-id="${id}"]`)
    await row.waitFor()
    const text = await row.textContent()
    expect(text).toContain('读书会一群')
    expect(text).toContain('@小李 您的快递单已登记，电话 138****5678')
    expect(text).toContain('message blocked by WeChat')
    expect(text).toContain('5')
    expect(await page.content()).not.toContain(PHONE)
    expect(await byId('dead-count').textContent()).toBe('1')
    expect(await byId('retry-all-button').isEnabled()).toBe(true)
    expect(await byId('error-banner').isHidden()).toBe(true)

    failing.rooms.clear()
    await app.sim.advance(60_000)
    await row.getByTestId('retry-button').click()
    await row.waitFor({ state: 'detached' })
    await page.getByText('没有发送失败的消息').waitFor()
    expect(await byId('dead-count').textContent()).toBe('0')
    expect(await byId('notice').textContent()).toContain('已重新加入发送队列 1 条')
    expect(await byId('retry-all-button').isDisabled()).toBe(true)
    // The route woke the sender: the chunk went out without the clock moving.
    await app.sender.whenQuiet()
    expect(await botLines(groupA.id)).toEqual([expect.stringContaining(`您的快递单已登记，电话 ${PHONE}`)])
    expect(await deadTotal()).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('全部重新发送 with a group chosen sends that group only', TIMEOUT, async () => {
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.accept()
    })
    const byId = (id: string) => page.getByTestId(id)
    const a1 = await makeDeadSend(app, failing, groupA.id, { parts: [`第一条通知：有问题请打 ${PHONE}`] })
    const a2 = await makeDeadSend(app, failing, groupA.id, { parts: ['第二条通知'] })
    const b1 = await makeDeadSend(app, failing, groupB.id, { parts: ['跑步群的通知'] })

    // The poller picks them up.
    await expect.poll(() => byId('dead-row').count(), { timeout: 20_000 }).toBe(3)
    expect(await page.content()).not.toContain(PHONE)
    await page.screenshot({ path: '/tmp/outbox.png', fullPage: true })
    await byId('group-filter').selectOption(groupA.id)
    await expect.poll(() => byId('dead-row').count(), { timeout: 20_000 }).toBe(2)
    expect(
      await byId('dead-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outbox-id'))),
    ).toEqual([String(a2), String(a1)])

    failing.rooms.clear()
    await app.sim.advance(60_000)
    await byId('retry-all-button').click()
    await page.getByText('没有发送失败的消息').waitFor()
    expect(dialogs).toEqual(['重新发送群 读书会一群 的 2 条发送失败的消息？(send these again?)'])
    expect(await byId('notice').textContent()).toContain('已重新加入发送队列 2 条')
    await app.sim.settle()
    expect((await botLines(groupA.id)).slice(-2)).toEqual([`第一条通知：有问题请打 ${PHONE}`, '第二条通知'])

    // The other group's dead send is still there.
    await byId('group-filter').selectOption('')
    const rowB = page.locator(`[data-testid="dead-row"][data-outbox-id="${b1}"]`)
    await rowB.waitFor()
    expect(await byId('dead-row').count()).toBe(1)
    expect(await deadTotal()).toBe(1)
    expect(await byId('error-banner').isHidden()).toBe(true)
  })
})
