import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
// Chinese unless a test asks for English.
const { QUNBOT_LANG: _lang, ...withoutLang } = process.env

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** `qunbot start` until it exits, or until it prints the console URL (then SIGTERM, exit code kept). */
function start(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), 'start', ...args], {
      cwd: root,
      env: {
        ...withoutLang,
        QUNBOT_DATA_DIR: dataDir,
        QUNBOT_PORT: '0',
        QUNBOT_ADMIN_TOKEN: '',
        LOG_LEVEL: 'warn',
        ...env,
      },
    })
    let stdout = ''
    let stderr = ''
    let stopping = false
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      // Once: a second signal means "exit now" (code 130).
      if (!stopping && /qunbot (控制台|console)/.test(stdout)) {
        stopping = true
        child.kill('SIGTERM')
      }
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

/**
 * A database that went missing or was truncated to zero bytes next to what a previous run left
 * (admin token, simulator world, Wechaty session, backups) must not start a bot with no bans, no
 * tickets and privacy notices posted again: the start stops and says how to restore or start over.
 */
describe('qunbot start with a lost database', { timeout: 120_000 }, () => {
  let dataDir: string
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qunbot-guard-'))
  })
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

  it('stops on a zero-byte database next to the admin token, in Chinese by default', async () => {
    writeFileSync(join(dataDir, 'admin-token'), 'a-token-from-an-earlier-start\n')
    writeFileSync(join(dataDir, 'qunbot.sqlite'), '')
    const run = await start(dataDir)
    expect(run.status).toBe(1)
    const db = join(dataDir, 'qunbot.sqlite')
    expect(run.stderr).toContain(`QB_DB_LOST: 数据库文件 ${db} 是空的（0 字节）`)
    expect(run.stderr).toContain(`管理令牌 ${join(dataDir, 'admin-token')}`)
    expect(run.stderr).toContain('qunbot restore <备份文件>')
    expect(run.stderr).toContain('qunbot start --fresh')
    expect(run.stdout).not.toContain('控制台')
    // Nothing was started on it: the file is still empty, no lock was left.
    expect(statSync(db).size).toBe(0)
    expect(existsSync(join(dataDir, 'qunbot.lock'))).toBe(false)
  })

  it('stops on a missing database next to the simulator world and backups, in English, naming the newest backup', async () => {
    writeFileSync(join(dataDir, 'sim-world.json'), '{}')
    writeFileSync(join(dataDir, 'wechaty.memory-card.json'), '{}')
    mkdirSync(join(dataDir, 'backups'))
    writeFileSync(join(dataDir, 'backups', 'qunbot-20260101-0400.sqlite'), 'x')
    writeFileSync(join(dataDir, 'backups', 'qunbot-20260102-0400.sqlite'), 'x')
    const run = await start(dataDir, { QUNBOT_LANG: 'en' })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`QB_DB_LOST: there is no database file ${join(dataDir, 'qunbot.sqlite')}`)
    expect(run.stderr).toContain(`the simulator world ${join(dataDir, 'sim-world.json')}`)
    expect(run.stderr).toContain(`Wechaty's login session ${join(dataDir, 'wechaty.memory-card.json')}`)
    expect(run.stderr).toContain(`2 backups (in ${join(dataDir, 'backups')})`)
    expect(run.stderr).toContain(
      `qunbot restore ${join(dataDir, 'backups', 'qunbot-20260102-0400.sqlite')} (the newest backup)`,
    )
    expect(run.stderr).toContain('qunbot start --fresh')
    expect(existsSync(join(dataDir, 'qunbot.sqlite'))).toBe(false)
  })

  it('starts on a fresh data dir, and on the zero-byte database with --fresh', async () => {
    const fresh = await start(join(dataDir, 'new'))
    expect(fresh.stderr).not.toContain('QB_DB_LOST')
    expect(fresh.status).toBe(0)
    expect(fresh.stdout).toContain('qunbot 控制台：')

    writeFileSync(join(dataDir, 'admin-token'), 'a-token-from-an-earlier-start\n')
    writeFileSync(join(dataDir, 'qunbot.sqlite'), '')
    const deliberate = await start(dataDir, {}, ['--fresh'])
    expect(deliberate.status).toBe(0)
    expect(deliberate.stdout).toContain('qunbot 控制台：')
    expect(deliberate.stdout).toContain('starting on an empty database on purpose')
    expect(statSync(join(dataDir, 'qunbot.sqlite')).size).toBeGreaterThan(0)
  })

  it('rejects an unknown start option with the usage', async () => {
    const run = await start(dataDir, {}, ['--fersh'])
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('用法：qunbot start [--fresh]')
  })
})

/**
 * Two instances on one data dir would answer every message twice and post every broadcast twice:
 * a start next to a live qunbot stops; a lock left by a process that is gone, or whose pid now
 * belongs to something that is not Node, does not keep qunbot from starting.
 */
describe('qunbot start next to a running instance', { timeout: 120_000 }, () => {
  let dataDir: string
  const children: ReturnType<typeof spawn>[] = []
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'qunbot-lock-'))
  })
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  })
  const lockNaming = (pid: number) =>
    writeFileSync(
      join(dataDir, 'qunbot.lock'),
      JSON.stringify({ pid, startedAt: '2026-12-07T08:00:00.000Z', token: 'held' }),
    )

  it('stops when the lock names a live Node process, and says how to restart', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'])
    children.push(holder)
    lockNaming(holder.pid as number)
    const run = await start(dataDir)
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`QB_DATA_DIR_IN_USE: 这个数据目录上已经有 qunbot 在运行（进程 ${holder.pid}`)
    expect(run.stderr).toContain(`kill -TERM ${holder.pid}`)
    expect(run.stdout).not.toContain('控制台')
    // The running instance's lock is left as it was.
    expect(JSON.parse(readFileSync(join(dataDir, 'qunbot.lock'), 'utf8')).token).toBe('held')
  })

  it('starts over a lock whose process is gone or is not Node', async () => {
    const other = spawn('sleep', ['60'])
    children.push(other)
    lockNaming(other.pid as number)
    const run = await start(dataDir)
    expect(run.stderr).not.toContain('QB_DATA_DIR_IN_USE')
    expect(run.stdout).toContain('控制台')
    lockNaming(2 ** 22 + 17) // above Linux's pid_max: no such process
    const again = await start(dataDir)
    expect(again.stdout).toContain('控制台')
  })
})
