import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
const qunbot = ['--import', 'tsx', join(root, 'src/main.ts')]

describe('qunbot CLI', () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qunbot-cli-'))
  })
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

  it('prints help', () => {
    const res = spawnSync(process.execPath, [...qunbot, '--help'], { cwd: root, encoding: 'utf8' })
    expect(res.status).toBe(0)
    expect(res.stdout).toContain('qunbot start')
  })

  it('refuses a bad configuration with one line per problem and exit code 2', () => {
    const res = spawnSync(process.execPath, [...qunbot, 'start'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, QUNBOT_DATA_DIR: dataDir, QUNBOT_PUPPET: 'nope', QUNBOT_PORT: 'eighty' },
    })
    expect(res.status).toBe(2)
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('  - '))
    expect(lines).toEqual([
      '  - QUNBOT_PUPPET must be one of mock, service, wechat4u, got "nope"',
      '  - QUNBOT_PORT must be a whole number from 0 to 65535, got "eighty"',
    ])
  })

  it('starts, generates and keeps an admin token, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [...qunbot, 'start'], {
      cwd: root,
      env: {
        ...process.env,
        QUNBOT_DATA_DIR: dataDir,
        QUNBOT_PORT: '0',
        QUNBOT_ADMIN_TOKEN: '',
        LOG_LEVEL: 'warn',
      },
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no console URL in time:\n${out}`)), 30_000)
      child.stdout.on('data', () => {
        if (out.includes('qunbot 控制台：')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const url = /qunbot 控制台：(http:\/\/localhost:\d+)\/#token=(\S+)/.exec(out)
    expect(url).not.toBeNull()
    const [, base, token] = url ?? []
    const health = await fetch(`${base}/api/health`).then((r) => r.json())
    expect(health).toMatchObject({ status: 'ok', puppet: 'mock', loggedIn: true })
    const rooms = (await fetch(`${base}/api/sim/rooms`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.json())) as { rooms: { topic: string }[] }
    expect(rooms.rooms[0]?.topic).toBe('读书会·新人群')
    expect(existsSync(join(dataDir, 'admin-token'))).toBe(true)

    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c))
      child.kill('SIGTERM')
    })
    expect(code).toBe(0)
    // A clean close checkpoints the WAL and removes it.
    expect(existsSync(join(dataDir, 'qunbot.sqlite'))).toBe(true)
    expect(existsSync(join(dataDir, 'qunbot.sqlite-wal'))).toBe(false)
  }, 60_000)
})

describe('qunbot sop', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qunbot-sopcli-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('check prints all three mistakes of a file with their lines and exits 1', () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        'name: 坏的SOP',
        'match: { topic: "^读书会" }',
        'welcome:',
        '  batchWindow: 60 seconds',
        '  text: "欢迎 {mentions} 加入{grup}"',
        'topics:',
        '  - id: weekly',
        '    cron: "0 25 * * 1"',
        '    text: 话题',
      ].join('\n'),
    )
    const res = spawnSync(process.execPath, [...qunbot, 'sop', 'check', dir], { cwd: root, encoding: 'utf8' })
    expect(res.status).toBe(1)
    const file = join(dir, 'bad.yaml')
    const problems = res.stdout.split('\n').filter((l) => l.startsWith(file))
    expect(problems.map((l) => l.slice(file.length).split(' ')[0])).toEqual([':4:16', ':5:9', ':8:11'])
    expect(problems[0]).toContain('welcome.batchWindow')
    expect(problems[1]).toContain('{grup}')
    expect(problems[2]).toContain('cron')
  })

  it('check passes the example SOP with a summary and exit 0', () => {
    const res = spawnSync(process.execPath, [...qunbot, 'sop', 'check', 'sop'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(res.status).toBe(0)
    expect(res.stdout).toContain('ok    sop/example.yaml: 读书会新人SOP')
  })

  it('preview prints the week in the SOP time zone without sending', () => {
    const res = spawnSync(
      process.execPath,
      [
        ...qunbot,
        'sop',
        'preview',
        'sop/example.yaml',
        '--days',
        '7',
        '--group',
        '读书会·新人群',
        '--from',
        '2026-11-23 00:00',
      ],
      { cwd: root, encoding: 'utf8' },
    )
    expect(res.status).toBe(0)
    const stamps = res.stdout.split('\n').filter((l) => /^\d{4}-\d\d-\d\d /.test(l))
    expect(stamps[0]).toBe('2026-11-23 Mon 20:00  topic weekly-share')
    expect(stamps.filter((l) => l.endsWith('check-in reminder'))).toHaveLength(7)
    expect(stamps).toContain('2026-11-27 Fri 18:00  poll satisfaction')
    expect(stamps).toContain('2026-11-28 Sat 18:00  poll satisfaction result')
    expect(stamps).toContain('2026-11-29 Sun 21:00  leaderboard')
  })
})
