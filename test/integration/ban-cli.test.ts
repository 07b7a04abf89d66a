import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { banAddCommand, banListCommand, banRemoveCommand } from '../../src/cli/ban-commands.js'
import type { CliCommand } from '../../src/cli/commands.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

interface Run {
  status: number
  stdout: string
  stderr: string
}

/** Runs a command in this process against `dataDir`, capturing what it prints. */
async function run(dataDir: string, command: CliCommand, args: string[]): Promise<Run> {
  const saved = process.env.QUNBOT_DATA_DIR
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  process.env.QUNBOT_DATA_DIR = dataDir
  try {
    const status = await command.run(args)
    return {
      status,
      stdout: out.map((l) => `${l}\n`).join(''),
      stderr: err.map((l) => `${l}\n`).join(''),
    }
  } finally {
    if (saved === undefined) delete process.env.QUNBOT_DATA_DIR
    else process.env.QUNBOT_DATA_DIR = saved
    log.mockRestore()
    error.mockRestore()
  }
}

type SimRoom = { id: string; topic: string; members: { id: string; name: string }[] }

/**
 * `qunbot ban add|remove|list` on a stopped bot's data dir, then the bot started again on it with
 * the example moderation rules (every group on ban list "main"): the login sweep removes the
 * member banned while it was away.
 */
describe('qunbot ban', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qunbot-ban-cli-'))
  const env = {
    QUNBOT_DATA_DIR: dataDir,
    QUNBOT_MODERATION_DIR: './moderation',
    QUNBOT_SEND_JITTER_MS: '0',
  }
  let app: TestApp | undefined
  let groupA: SimRoom
  let groupB: SimRoom
  const idOf = (room: SimRoom, name: string) => room.members.find((m) => m.name === name)?.id as string
  const rooms = async () => (await app?.api('GET', '/api/sim/rooms'))?.body.rooms as SimRoom[]
  const memberIds = async (roomId: string) =>
    (await rooms()).find((r) => r.id === roomId)?.members.map((m) => m.id) ?? []

  beforeAll(async () => {
    app = await startTestApp(env)
    groupA = (
      await app.api('POST', '/api/sim/rooms', { topic: '读书会一群', members: ['老成员', '广告哥', '群主'] })
    ).body
    groupB = (await app.api('POST', '/api/sim/rooms', { topic: '跑步群', members: ['跑者', '广告哥二号'] }))
      .body
    await app.api('POST', '/api/sim/settle')
    expect(idOf(groupA, '广告哥')).toMatch(/\S/)
    await app.stop()
    app = undefined
  })
  afterAll(async () => {
    await app?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('refuses `ban add` without a reason (exit 2) and stores nothing', async () => {
    const spammer = idOf(groupA, '广告哥')
    for (const args of [
      ['main', spammer],
      ['main', spammer, '--reason', '   '],
      ['main', '--reason', 'x'],
    ]) {
      const r = await run(dataDir, banAddCommand, args)
      expect(r).toEqual({ status: 2, stdout: '', stderr: `usage: qunbot ${banAddCommand.usage}\n` })
    }
    const bad = await run(dataDir, banAddCommand, ['no spaces!', spammer, '--reason', 'x'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('ban list "no spaces!" must use letters, digits, - and _')
    expect(JSON.parse((await run(dataDir, banListCommand, ['--json'])).stdout)).toEqual([])
  })

  it('refuses to work on a data folder without the bot database, and creates none', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'qunbot-no-db-'))
    try {
      const r = await run(empty, banAddCommand, ['main', 'wxid_x', '--reason', 'spam'])
      expect(r.status).toBe(2)
      expect(r.stderr).toContain(`no database at ${join(empty, 'qunbot.sqlite')}`)
      expect(existsSync(join(empty, 'qunbot.sqlite'))).toBe(false)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('adds bans and lists them as JSON', async () => {
    const before = Date.now()
    const added = await run(dataDir, banAddCommand, [
      'main',
      idOf(groupA, '广告哥'),
      '--reason',
      '  发广告  ',
      '--name',
      '广告哥',
    ])
    expect(added).toEqual({ status: 0, stdout: `banned ${idOf(groupA, '广告哥')} on main\n`, stderr: '' })
    expect(
      (
        await run(dataDir, banAddCommand, [
          'main',
          idOf(groupB, '广告哥二号'),
          '--reason',
          '刷屏',
          '--by',
          '值班客服',
        ])
      ).status,
    ).toBe(0)
    // A name on the whitelist (anyone can take it as a nickname) never lifts a ban: 群主 goes too.
    expect(
      (await run(dataDir, banAddCommand, ['main', idOf(groupA, '群主'), '--reason', '测试'])).status,
    ).toBe(0)
    expect(
      (await run(dataDir, banAddCommand, ['other', idOf(groupA, '老成员'), '--reason', '别的名单'])).status,
    ).toBe(0)

    const listed = await run(dataDir, banListCommand, ['main', '--json'])
    expect(listed.status).toBe(0)
    const bans = JSON.parse(listed.stdout) as { memberId: string; addedAt: number }[]
    expect(bans).toHaveLength(3)
    expect(bans.find((b) => b.memberId === idOf(groupA, '广告哥'))).toEqual({
      list: 'main',
      memberId: idOf(groupA, '广告哥'),
      memberName: '广告哥',
      reason: '发广告',
      addedBy: 'cli',
      addedAt: expect.any(Number),
    })
    expect(bans.find((b) => b.memberId === idOf(groupB, '广告哥二号'))).toMatchObject({
      memberName: null,
      reason: '刷屏',
      addedBy: '值班客服',
    })
    for (const b of bans) expect(b.addedAt).toBeGreaterThanOrEqual(before)

    const all = JSON.parse((await run(dataDir, banListCommand, ['--json'])).stdout) as { list: string }[]
    expect(all.map((b) => b.list)).toEqual(['main', 'main', 'main', 'other'])
    const other = JSON.parse((await run(dataDir, banListCommand, ['other', '--json'])).stdout)
    expect(other).toMatchObject([{ list: 'other', memberId: idOf(groupA, '老成员'), reason: '别的名单' }])
  })

  it('lists bans as readable lines', async () => {
    const r = await run(dataDir, banListCommand, ['other'])
    expect(r.status).toBe(0)
    const [line, end, ...rest] = r.stdout.split('\n')
    expect([end, ...rest]).toEqual([''])
    const fields = line?.split('\t')
    expect(fields?.[0]).toBe('other')
    expect(fields?.[1]).toBe(idOf(groupA, '老成员'))
    expect(fields?.[2]).toBe('-')
    expect(new Date(fields?.[3] ?? '').toISOString()).toBe(fields?.[3])
    expect(fields?.slice(4)).toEqual(['cli', '别的名单'])
    expect((await run(dataDir, banListCommand, ['nobody'])).stdout).toBe('no bans\n')
  })

  it('lifts a ban, and exits 1 for an entry that is not there', async () => {
    const oldMember = idOf(groupA, '老成员')
    expect(await run(dataDir, banRemoveCommand, ['other', oldMember])).toEqual({
      status: 0,
      stdout: `lifted the ban on ${oldMember} (other)\n`,
      stderr: '',
    })
    expect(JSON.parse((await run(dataDir, banListCommand, ['other', '--json'])).stdout)).toEqual([])
    expect(await run(dataDir, banRemoveCommand, ['other', oldMember])).toEqual({
      status: 1,
      stdout: '',
      stderr: `qunbot: ${oldMember} is not on ban list other\n`,
    })
    // A member banned on another list is not on this one.
    const r = await run(dataDir, banRemoveCommand, ['other', idOf(groupA, '广告哥')])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`qunbot: ${idOf(groupA, '广告哥')} is not on ban list other\n`)
    expect((await run(dataDir, banRemoveCommand, ['main'])).status).toBe(2)
    expect(JSON.parse((await run(dataDir, banListCommand, ['main', '--json'])).stdout)).toHaveLength(3)
  })

  it('removes the members banned while the bot was away when it logs in again', async () => {
    app = await startTestApp(env)
    await app.api('POST', '/api/sim/settle')
    const spammer = idOf(groupA, '广告哥')
    const spammer2 = idOf(groupB, '广告哥二号')
    expect(await memberIds(groupA.id)).not.toContain(spammer)
    expect(await memberIds(groupB.id)).not.toContain(spammer2)
    // The member banned on another list (whose groups do not use it) stays; 群主 does not.
    expect(await memberIds(groupA.id)).toContain(idOf(groupA, '老成员'))
    expect(await memberIds(groupA.id)).not.toContain(idOf(groupA, '群主'))
    expect(await memberIds(groupB.id)).toContain(idOf(groupB, '跑者'))

    for (const [room, id, name] of [
      [groupA, spammer, '广告哥'],
      [groupB, spammer2, '广告哥二号'],
    ] as const) {
      const log = (await app.api('GET', `/api/moderation/log?memberId=${id}`)).body.actions
      expect(log).toMatchObject([
        {
          roomId: room.id,
          memberId: id,
          memberName: name,
          rule: 'ban',
          action: 'ban_removed',
          evidence: 'ban list main',
        },
      ])
      const lines = (await app.api('GET', `/api/sim/rooms/${room.id}/messages`)).body.messages as {
        self: boolean
        text: string
      }[]
      expect(lines.filter((l) => l.self).map((l) => l.text)).toContain(`${name} 在本群封禁名单中，已被移出。`)
    }
    expect(
      (await app.api('GET', `/api/moderation/log?memberId=${idOf(groupA, '群主')}`)).body.actions,
    ).toMatchObject([{ rule: 'ban', action: 'ban_removed' }])
    expect((await app.api('GET', '/api/moderation/log')).body.actions).toHaveLength(3)
  })
})
