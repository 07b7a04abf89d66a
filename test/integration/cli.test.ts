import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
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
        if (out.includes('qunbot console:')) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const url = /qunbot console: (http:\/\/localhost:\d+)\/#token=(\S+)/.exec(out)
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
