import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CliCommand } from '../../src/cli/commands.js'
import { outboxListCommand, outboxRetryCommand } from '../../src/cli/outbox-commands.js'
import { type FailingDeliveries, failDeliveries, makeDeadSend } from '../helpers/dead-sends.js'
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/test-app.js'

interface Run {
  status: number
  stdout: string
  stderr: string
}

const KEYS = ['QUNBOT_DATA_DIR', 'QUNBOT_HOST', 'QUNBOT_PORT', 'QUNBOT_ADMIN_TOKEN'] as const

/** Runs a command in this process with `env` (other QUNBOT_ connection variables unset), capturing its output. */
async function run(env: Partial<Record<(typeof KEYS)[number], string>>, command: CliCommand, args: string[]) {
  const saved = KEYS.map((k) => [k, process.env[k]] as const)
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  for (const k of KEYS) {
    const v = env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    const status = await command.run(args)
    return {
      status,
      stdout: out.map((l) => `${l}\n`).join(''),
      stderr: err.map((l) => `${l}\n`).join(''),
    } satisfies Run
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    log.mockRestore()
    error.mockRestore()
  }
}

/** A local port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

type SimRoom = { id: string; topic: string; members: { id: string; name: string }[] }
type Line = { self: boolean; text: string }

const PHONE = '13812345678'
const LONG = `报名成功的同学请在周五前联系助教 ${PHONE} 确认座位，逾期名额将顺延给候补名单上的同学，座位表和教室地图会在周四晚上发到群里，请留意群公告，谢谢大家配合！`

/**
 * `qunbot outbox list|retry` with no qunbot running: they read and change the database in the
 * data dir, and the sends go out at the next start. Then against a running qunbot: they use its
 * API, so the sender wakes at once.
 */
describe('qunbot outbox', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-outbox-cli-'))
  let app: TestApp | undefined
  let groupA: SimRoom
  let groupB: SimRoom
  let deadA1: number
  let deadA2: number
  let deadB: number
  let offline: { QUNBOT_DATA_DIR: string; QUNBOT_HOST: string; QUNBOT_PORT: string }

  const botLines = async (roomId: string) => {
    if (!app) throw new Error('app not running')
    const lines = (await app.api('GET', `/api/sim/rooms/${roomId}/messages`)).body.messages as Line[]
    return lines.filter((l) => l.self).map((l) => l.text)
  }

  beforeAll(async () => {
    app = await startTestApp({ QUNBOT_DATA_DIR: dataDir, QUNBOT_SEND_JITTER_MS: '0' })
    groupA = (await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['小李', '老王'] }))
      .body
    groupB = (await app.api('POST', '/api/sim/rooms', { topic: '跑步群', members: ['跑者'] })).body
    await app.sim.settle()
    const failing = failDeliveries(app, `message blocked by WeChat, sent to ${PHONE}`)
    deadA1 = await makeDeadSend(app, failing, groupA.id, { parts: [LONG] })
    deadA2 = await makeDeadSend(app, failing, groupA.id, { parts: ['第二行\n第三行'] })
    deadB = await makeDeadSend(app, failing, groupB.id, { parts: ['跑步群的通知'] })
    await app.stop()
    app = undefined
    offline = { QUNBOT_DATA_DIR: dataDir, QUNBOT_HOST: '127.0.0.1', QUNBOT_PORT: String(await closedPort()) }
  })
  afterAll(async () => {
    await app?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses bad arguments with exit 2 and the usage', async () => {
    for (const [command, args] of [
      [outboxRetryCommand, []],
      [outboxRetryCommand, ['1', '--all']],
      [outboxRetryCommand, ['1', '2']],
      [outboxRetryCommand, ['abc']],
      [outboxRetryCommand, ['0']],
      [outboxRetryCommand, ['--room', groupA.id]],
      [outboxRetryCommand, ['1', '--room', groupA.id]],
      [outboxRetryCommand, ['--all', '--room', ' ']],
      [outboxRetryCommand, ['--everything']],
      [outboxListCommand, ['extra']],
      [outboxListCommand, ['--room']],
    ] as const) {
      const r = await run(offline, command, [...args])
      expect(r, args.join(' ')).toEqual({ status: 2, stdout: '', stderr: `用法: qunbot ${command.usage}\n` })
    }
  })

  it('refuses a data folder without the bot database, and creates none', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'qunbot-no-db-'))
    try {
      const r = await run({ ...offline, QUNBOT_DATA_DIR: empty }, outboxListCommand, [])
      expect(r.status).toBe(2)
      expect(r.stderr).toContain(`no database at ${join(empty, 'qunbot.sqlite')}`)
      expect(existsSync(join(empty, 'qunbot.sqlite'))).toBe(false)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('lists the dead sends from the database, one masked line each, newest first', async () => {
    const r = await run(offline, outboxListCommand, [])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).not.toContain(PHONE)
    const lines = r.stdout.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.map((l) => l.split('\t'))).toEqual([
      [
        `#${deadB}`,
        `跑步群 (${groupB.id})`,
        '5次',
        'message blocked by WeChat, sent to 138****5678',
        '跑步群的通知',
      ],
      [
        `#${deadA2}`,
        `读书会一群 (${groupA.id})`,
        '5次',
        'message blocked by WeChat, sent to 138****5678',
        '第二行 第三行',
      ],
      [
        `#${deadA1}`,
        `读书会一群 (${groupA.id})`,
        '5次',
        'message blocked by WeChat, sent to 138****5678',
        `${Array.from(LONG.replace(PHONE, '138****5678')).slice(0, 59).join('')}…`,
      ],
    ])
    expect(Array.from(lines[2]?.split('\t')[4] ?? '')).toHaveLength(60)

    const onlyB = await run(offline, outboxListCommand, ['--room', groupB.id])
    expect(onlyB.stdout.split('\n')[0]?.split('\t')[0]).toBe(`#${deadB}`)
    expect(onlyB.stdout.split('\n')).toHaveLength(2)
  })

  it('queues dead sends again in the database: one, a group, then the rest; exit 1 when there is none', async () => {
    const isDead = async (id: number) =>
      (await run(offline, outboxListCommand, [])).stdout.includes(`#${id}\t`)
    expect(await run(offline, outboxRetryCommand, ['999999'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'qunbot: 没有 id 为 999999 的发送失败的消息（可能已发出、已在队列中或不存在）\n',
    })

    expect(await run(offline, outboxRetryCommand, [String(deadA1)])).toEqual({
      status: 0,
      stdout: '已重新加入发送队列 1 条；qunbot 未在运行，下次启动并登录后发出\n',
      stderr: '',
    })
    expect(await isDead(deadA1)).toBe(false)
    expect((await run(offline, outboxRetryCommand, [String(deadA1)])).status).toBe(1)

    expect(await run(offline, outboxRetryCommand, ['--all', '--room', groupB.id])).toMatchObject({
      status: 0,
      stdout: '已重新加入发送队列 1 条；qunbot 未在运行，下次启动并登录后发出\n',
    })
    expect(await isDead(deadB)).toBe(false)
    expect(await isDead(deadA2)).toBe(true)
    expect(await run(offline, outboxRetryCommand, ['--all', '--room', groupB.id])).toEqual({
      status: 1,
      stdout: '',
      stderr: `qunbot: 群 ${groupB.id} 没有发送失败的消息可重新发送\n`,
    })

    expect((await run(offline, outboxRetryCommand, ['--all'])).stdout).toBe(
      '已重新加入发送队列 1 条；qunbot 未在运行，下次启动并登录后发出\n',
    )
    expect(await run(offline, outboxListCommand, [])).toEqual({
      status: 0,
      stdout: '没有发送失败的消息\n',
      stderr: '',
    })
    expect(await run(offline, outboxRetryCommand, ['--all'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'qunbot: 没有发送失败的消息可重新发送\n',
    })
  })

  it('sends what was queued again when qunbot starts', async () => {
    app = await startTestApp({ QUNBOT_DATA_DIR: dataDir, QUNBOT_SEND_JITTER_MS: '0' })
    await app.sim.settle()
    expect(await botLines(groupA.id)).toEqual([LONG, '第二行\n第三行'])
    expect(await botLines(groupB.id)).toEqual(['跑步群的通知'])
    const rows = app.db.$client.prepare('SELECT status FROM chat_outbox').all() as { status: string }[]
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent'])
  })

  it('uses the running qunbot API when one listens, so the send goes out at once', async () => {
    if (!app) throw new Error('app not running')
    const address = new URL(await app.listen())
    const live = { QUNBOT_DATA_DIR: dataDir, QUNBOT_HOST: address.hostname, QUNBOT_PORT: address.port }
    const failing: FailingDeliveries = failDeliveries(app, 'blocked by server')
    const id = await makeDeadSend(app, failing, groupB.id, { parts: [`请回电 ${PHONE}`] })

    // The token comes from QUNBOT_ADMIN_TOKEN (the data dir has none: the test app got it from env).
    const refused = await run(live, outboxListCommand, [])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('找不到管理令牌')
    const wrong = await run(
      { ...live, QUNBOT_ADMIN_TOKEN: 'not-the-admin-token-0000' },
      outboxListCommand,
      [],
    )
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toContain('拒绝了管理令牌')

    const withToken = { ...live, QUNBOT_ADMIN_TOKEN: TEST_TOKEN }
    const listed = await run(withToken, outboxListCommand, [])
    expect(listed.status).toBe(0)
    expect(listed.stdout).toBe(`#${id}\t跑步群 (${groupB.id})\t5次\tblocked by server\t请回电 138****5678\n`)

    failing.rooms.clear()
    await app.sim.advance(60_000)
    const retried = await run(withToken, outboxRetryCommand, [String(id)])
    expect(retried).toEqual({
      status: 0,
      stdout: '已重新加入发送队列 1 条；正在运行的 qunbot 会立即按发送节奏发出（需已登录）\n',
      stderr: '',
    })
    // No settle: the API woke the running sender.
    await app.sender.whenQuiet()
    expect((await botLines(groupB.id)).at(-1)).toBe(`请回电 ${PHONE}`)
    expect(await run(withToken, outboxRetryCommand, [String(id)])).toMatchObject({ status: 1 })
    expect(await run(withToken, outboxRetryCommand, ['--all'])).toMatchObject({ status: 1 })
  })
})
