import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenBrowser, openBrowser, requireChromium, screenshot } from '../helpers/browser.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

const TIMEOUT = { timeout: 60_000 }
const STAFF = '值班小李'

type Action = {
  id: number
  roomId: string
  roomTopic: string | null
  memberId: string
  memberName: string | null
  rule: string
  action: string
  evidence: string
  undoneAt: number | null
  undoneBy: string | null
}
type Ban = { list: string; memberId: string; memberName: string | null }

describe('moderation page (moderation.html) in chromium', TIMEOUT, () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-moderation-page-'))
  let app: TestApp
  let address: string
  let browser: OpenBrowser
  let page: Page
  let roomId: string
  let oldMember: string

  const say = async (from: string, text: string) => {
    expect((await app.api('POST', `/api/sim/rooms/${roomId}/messages`, { from, text })).status).toBe(202)
    await app.api('POST', '/api/sim/settle')
  }
  const log = async (memberId: string) =>
    (await app.api('GET', `/api/moderation/log?memberId=${memberId}`)).body.actions as Action[]
  const bans = async () => (await app.api('GET', '/api/bans')).body.bans as Ban[]

  beforeAll(async () => {
    requireChromium()
    cpSync('./moderation', join(dir, 'moderation'), { recursive: true })
    app = await startTestApp({ QUNBOT_MODERATION_DIR: join(dir, 'moderation'), QUNBOT_SEND_JITTER_MS: '0' })
    address = await app.listen()
    const created = (
      await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['老成员', '群主'] })
    ).body
    roomId = created.id
    oldMember = created.members.find((m: { name: string }) => m.name === '老成员').id
    await app.api('POST', '/api/sim/settle')
    browser = await openBrowser()
    page = browser.page
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('shows a warning, undoes it, and lifts the ban of a removed member', TIMEOUT, async () => {
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type())
      void (dialog.type() === 'prompt' ? dialog.accept(STAFF) : dialog.accept())
    })
    const byId = (id: string) => page.getByTestId(id)
    const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000 })

    // A warning for 老成员 (there before the bot, so no newcomer).
    await say(oldMember, '加我微信')
    const [warn] = await log(oldMember)
    expect(warn).toMatchObject({ action: 'warn', rule: 'words', memberName: '老成员', undoneBy: null })
    if (!warn) throw new Error('no warning logged')

    await page.goto(`${address}/moderation.html#token=${TEST_TOKEN}`)
    const row = page.locator(`[data-testid="action-row"][data-action-id="${warn.id}"]`)
    await row.waitFor()
    expect(page.url()).not.toContain(TEST_TOKEN)
    expect(await byId('staff-name').inputValue()).toBe('')
    const text = await row.textContent()
    expect(text).toContain('老成员')
    expect(text).toContain(warn.memberId)
    expect(text).toContain('读书会一群')
    expect(text).toContain('敏感词 (words)')
    expect(text).toContain('警告 (warn)')
    expect(text).toContain(warn.evidence)
    expect(await row.getAttribute('data-undone')).toBe('false')

    // Undo asks for the staff name once and keeps it.
    await row.getByTestId('undo-button').click()
    await poll(() => row.getAttribute('data-undone')).toBe('true')
    expect(dialogs).toEqual(['prompt'])
    const [undone] = await log(oldMember)
    expect(undone).toMatchObject({ id: warn.id, undoneBy: STAFF, undoneAt: expect.any(Number) })
    expect(await row.textContent()).toContain(`已撤销 (undone) · ${STAFF}`)
    expect(await row.getByTestId('undo-button').count()).toBe(0)
    expect(await page.evaluate("localStorage.getItem('qunbot.staffName')")).toBe(STAFF)
    expect(await byId('staff-name').inputValue()).toBe(STAFF)

    // A newcomer's third violation removes and bans them; the page picks it up by polling.
    const spammer = (await app.api('POST', `/api/sim/rooms/${roomId}/members`, { name: '推广小王' })).body
      .id as string
    await app.api('POST', '/api/sim/settle')
    for (let i = 0; i < 3; i++) await say(spammer, `加我微信 ${i}`)
    const spam = await log(spammer)
    expect(spam.map((a) => a.action)).toEqual(['remove', 'alert', 'warn'])
    const ban = (await bans()).find((b) => b.memberId === spammer)
    expect(ban).toMatchObject({ list: 'main', memberName: '推广小王' })

    const banRow = page.locator(`[data-testid="ban-row"][data-member-id="${spammer}"]`)
    await banRow.waitFor()
    expect(await banRow.textContent()).toContain('推广小王')
    // Newest first; the removal has no undo, the warnings do.
    await poll(() => byId('action-row').first().getAttribute('data-action-id')).toBe(String(spam[0]?.id))
    const removal = byId('action-row').first()
    expect(await removal.textContent()).toContain('移出 (remove)')
    expect(await removal.getByTestId('undo-button').count()).toBe(0)

    // Filters: by member (text) and by group (select built from the log).
    await byId('member-filter').fill('推广')
    await poll(() => byId('action-row').count()).toBe(3)
    await byId('member-filter').fill('')
    await poll(() => byId('action-row').count()).toBe(4)
    expect(await byId('group-filter').locator('option').allTextContents()).toEqual([
      '全部群 (all groups)',
      `读书会一群 (${roomId})`,
    ])
    await byId('group-filter').selectOption(roomId)
    await poll(() => byId('action-row').count()).toBe(4)

    expect(await byId('error-banner').isHidden()).toBe(true)
    expect(await screenshot(page, 'moderation')).toBeGreaterThan(0)

    // Lift the ban (confirm()).
    await banRow.getByTestId('lift-button').click()
    await banRow.waitFor({ state: 'detached' })
    expect(dialogs).toEqual(['prompt', 'confirm'])
    expect((await bans()).find((b) => b.memberId === spammer)).toBeUndefined()

    expect(await byId('error-banner').isHidden()).toBe(true)
    expect(pageErrors).toEqual([])
  })

  it('shows an undo refused by the API in the error banner', TIMEOUT, async () => {
    const fresh = await browser.context.newPage()
    // Fake timers: the 3 s refresh must not redraw the row between the API call and the click.
    await fresh.clock.install()
    try {
      await say(oldMember, '微 信 加 我')
      const [warn] = await log(oldMember)
      if (!warn) throw new Error('no warning logged')
      await fresh.goto(`${address}/#token=${TEST_TOKEN}`)
      await fresh.getByTestId('moderation-link').click()
      await fresh.waitForURL(/moderation\.html$/)
      const row = fresh.locator(`[data-testid="action-row"][data-action-id="${warn.id}"]`)
      await row.waitFor()
      expect(await fresh.getByTestId('staff-name').inputValue()).toBe(STAFF)
      expect((await app.api('POST', `/api/moderation/actions/${warn.id}/undo`, { by: 'api' })).status).toBe(
        200,
      )
      await row.getByTestId('undo-button').click()
      await fresh.getByTestId('error-banner').waitFor()
      expect(await fresh.getByTestId('error-banner').textContent()).toContain('already undone')
      await expect.poll(() => row.getAttribute('data-undone')).toBe('true')
      expect(await row.textContent()).toContain('已撤销 (undone) · api')
    } finally {
      await fresh.close()
    }
  })
})
