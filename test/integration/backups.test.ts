import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Database from 'better-sqlite3'
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQunbot, type Qunbot } from '../../src/app/create-qunbot.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { verifyDatabaseFile } from '../../src/storage/backup.js'
import { createTestConfig, startTestApp, type TestApp } from '../helpers/test-app.js'

const root = new URL('../..', import.meta.url).pathname
const { QUNBOT_LANG: _lang, ...withoutLang } = process.env
const modeOf = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

function cli(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), ...args], {
      cwd: root,
      env: { ...withoutLang, QUNBOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const countIn = (file: string, table: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  } finally {
    db.close()
  }
}

/**
 * `qunbot backup` against a bot that keeps writing (a real SQLite file, written by the running
 * app in this process, read by the CLI in another), then `qunbot restore`: refused while the bot
 * runs, and on the stopped bot the rows of the backup come back and the replaced file is kept.
 */
describe('qunbot backup and restore', { timeout: 120_000 }, () => {
  const outDir = mkdtempSync(join(tmpdir(), 'qunbot-backup-out-'))
  const backupFile = join(outDir, 'before-upgrade.sqlite')
  let app: TestApp
  let dataDir: string
  let roomId: string
  let inBackup: number
  let seq = 0

  const count = (table: string) =>
    app.db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  const insertMessage = () => {
    seq++
    app.db.$client
      .prepare(
        "INSERT INTO messages (id, room_id, sender_id, text, mentions_bot, sent_at, received_at) VALUES (?, ?, 'wxid_writer', ?, 0, ?, ?)",
      )
      .run(`m${seq}`, roomId, `第 ${seq} 条消息`, seq, seq)
  }

  beforeAll(async () => {
    app = await startTestApp()
    dataDir = app.config.dataDir
    roomId = app.sim.world.createRoom('备份测试群', ['群友甲', '群友乙']).id
    await app.sim.settle()
    // A few MB, so the copy takes a while and the writes below land during it.
    const many = app.db.$client.transaction(() => {
      for (let i = 0; i < 20_000; i++) insertMessage()
    })
    many()
  })

  afterAll(async () => {
    await app?.close()
    rmSync(outDir, { recursive: true, force: true })
  })

  it('backs up while the bot runs and writes: a verified, private, self-contained copy', async () => {
    const before = count('messages')
    let duringBackup = 0
    const writer = setInterval(() => {
      insertMessage()
      duringBackup++
    }, 2)
    const run = await cli(dataDir, ['backup', backupFile])
    clearInterval(writer)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain(`已备份到 ${backupFile}`)
    expect(run.stdout).toContain('完整性检查通过')
    expect(duringBackup).toBeGreaterThan(0)

    expect(modeOf(backupFile)).toBe('0600')
    expect(readdirSync(outDir)).toEqual(['before-upgrade.sqlite'])
    const check = verifyDatabaseFile(backupFile)
    expect(check).toMatchObject({ ok: true, counts: { rooms: 1, members: 2 } })
    inBackup = check.ok ? check.counts.messages : -1
    // One consistent snapshot: everything before the backup started, at most what followed.
    expect(inBackup).toBeGreaterThanOrEqual(before)
    expect(inBackup).toBeLessThanOrEqual(count('messages'))
    const copy = new Database(backupFile, { readonly: true })
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete')
    copy.close()
  })

  it('refuses to overwrite an existing file', async () => {
    const run = await cli(dataDir, ['backup', backupFile], { QUNBOT_LANG: 'en' })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`qunbot: ${backupFile} exists and is not overwritten`)
  })

  it('refuses to restore while the bot runs, changing nothing', async () => {
    const rows = count('messages')
    const run = await cli(dataDir, ['restore', backupFile])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`qunbot 正在运行（进程 ${process.pid}，见 ${join(dataDir, 'qunbot.lock')}）`)
    expect(count('messages')).toBe(rows)
    expect(readdirSync(dataDir).filter((f) => f.includes('before-restore'))).toEqual([])
  })

  it('refuses a file that is not a qunbot database', async () => {
    await app.stop()
    const other = join(outDir, 'other.sqlite')
    const db = new Database(other)
    db.exec('CREATE TABLE notes (text TEXT)')
    db.close()
    const run = await cli(dataDir, ['restore', other])
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(
      `qunbot：${other} 不能用来恢复：不是 qunbot 的数据库（缺少表：__drizzle_migrations`,
    )
    expect(run.stderr).toContain('当前数据库没有任何改动')
    expect(readdirSync(dataDir).filter((f) => f.includes('before-restore'))).toEqual([])
  })

  it('restores the stopped bot’s database from the backup and keeps the one it replaced', async () => {
    const db = join(dataDir, 'qunbot.sqlite')
    const current = countIn(db, 'messages')
    expect(current).toBeGreaterThan(inBackup)
    const run = await cli(dataDir, ['restore', backupFile])
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toContain(`已用 ${backupFile} 恢复数据库 ${db}`)
    const kept = readdirSync(dataDir).filter((f) => f.startsWith('qunbot.sqlite.before-restore-'))
    expect(kept).toHaveLength(1)
    expect(run.stdout).toContain(`原来的数据库保存在 ${join(dataDir, kept[0] ?? '')}`)
    expect(countIn(join(dataDir, kept[0] ?? ''), 'messages')).toBe(current)
    expect(modeOf(join(dataDir, kept[0] ?? ''))).toBe('0600')
    expect(modeOf(db)).toBe('0600')
    expect(existsSync(`${db}-wal`)).toBe(false)
    expect(existsSync(`${db}-shm`)).toBe(false)
    expect(countIn(db, 'messages')).toBe(inBackup)

    // The bot starts on the restored database and sees the backup's rows.
    const again = await createQunbot({ config: app.config, logger: createLogger('silent') })
    try {
      await again.start()
      expect(again.db.$client.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(inBackup)
      expect(again.db.$client.prepare('SELECT topic FROM rooms').pluck().all()).toEqual(['备份测试群'])
    } finally {
      await again.shutdown()
    }
  })
})

/** A logger whose JSON lines are collected. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: createLogger('info', stream), lines }
}

const metric = async (app: Qunbot, line: string) =>
  (await app.metrics.render()).split('\n').find((l) => l.startsWith(line))

/** The next local `hour`:00 strictly after `now`, in the machine's time zone (as the app uses). */
function nextLocal(now: number, hour: number): number {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  let at = DateTime.fromMillis(now, { zone }).set({ hour, minute: 0, second: 0, millisecond: 0 })
  if (at.toMillis() <= now) at = at.plus({ days: 1 })
  return at.toMillis()
}

const dailyName = (t: number) =>
  `qunbot-${DateTime.fromMillis(t, { zone: Intl.DateTimeFormat().resolvedOptions().timeZone }).toFormat('yyyyMMdd-HHmm')}.sqlite`

/** The daily backup on the simulator's manual clock: no sleeps, days pass when told. */
describe('daily automatic backup', { timeout: 120_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'qunbot-daily-'))
  let app: Qunbot
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true })
  })

  const startWith = async (env: Record<string, string>) => {
    const config = createTestConfig({ QUNBOT_BACKUP: 'on', ...env })
    const { logger, lines } = capturingLogger()
    const started = await createQunbot({ config, logger })
    await started.start()
    return { app: started, lines, sim: started.sim as NonNullable<Qunbot['sim']> }
  }
  const dailyIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : [])

  it('fires at the configured local time, keeps the newest ones, and leaves other files alone', async () => {
    const started = await startWith({ QUNBOT_BACKUP_TIME: '04:30', QUNBOT_BACKUP_KEEP: '2' })
    app = started.app
    const { sim, lines } = started
    const dir = join(app.config.dataDir, 'backups')
    try {
      sim.world.createRoom('每日备份群', ['甲'])
      await sim.settle()
      const first = nextLocal(app.clock.now(), 4) + 30 * 60_000
      await sim.advance(first - app.clock.now() - 60_000)
      await app.dailyBackup?.whenIdle()
      expect(dailyIn(dir)).toEqual([])

      await sim.advance(60_000)
      await app.dailyBackup?.whenIdle()
      expect(dailyIn(dir)).toEqual([dailyName(first)])
      expect(modeOf(join(dir, dailyName(first)))).toBe('0600')
      expect(modeOf(dir)).toBe('0700')
      expect(verifyDatabaseFile(join(dir, dailyName(first)))).toMatchObject({
        ok: true,
        counts: { rooms: 1 },
      })
      expect(lines.filter((l) => l.msg === 'daily backup written')).toHaveLength(1)

      // Files that are not daily backups are never pruned.
      writeFileSync(join(dir, 'qunbot-20000101-000000-manual.sqlite'), 'kept by hand')
      writeFileSync(join(dir, 'notes.txt'), 'not ours')
      for (let day = 1; day <= 3; day++) {
        await sim.advance(86_400_000)
        await app.dailyBackup?.whenIdle()
      }
      const day = (n: number) => dailyName(DateTime.fromMillis(first).plus({ days: n }).toMillis())
      expect(dailyIn(dir)).toEqual(
        ['notes.txt', 'qunbot-20000101-000000-manual.sqlite', day(2), day(3)].sort(),
      )
      expect(await metric(app, 'qunbot_backups_total{outcome="ok"}')).toBe(
        'qunbot_backups_total{outcome="ok"} 4',
      )
      expect(await metric(app, 'qunbot_last_backup_timestamp_seconds')).toBe(
        `qunbot_last_backup_timestamp_seconds ${DateTime.fromMillis(first).plus({ days: 3 }).toMillis() / 1000}`,
      )
    } finally {
      await app.shutdown()
      rmSync(app.config.dataDir, { recursive: true, force: true })
    }
  })

  it('logs and counts a failed backup, and tries again the next day', async () => {
    const blocked = join(tmp, 'blocked')
    writeFileSync(blocked, 'a file where the backup dir should be')
    const dir = join(blocked, 'backups')
    const started = await startWith({ QUNBOT_BACKUP_DIR: dir })
    app = started.app
    const { sim, lines } = started
    try {
      const first = nextLocal(app.clock.now(), 4)
      await sim.advance(first - app.clock.now())
      await app.dailyBackup?.whenIdle()
      const failures = lines.filter((l) => l.msg === 'daily backup failed; the next one is tried tomorrow')
      expect(failures).toHaveLength(1)
      expect(failures[0]?.level).toBe(50)
      expect(await metric(app, 'qunbot_backups_total{outcome="failed"}')).toBe(
        'qunbot_backups_total{outcome="failed"} 1',
      )

      rmSync(blocked)
      await sim.advance(86_400_000)
      await app.dailyBackup?.whenIdle()
      expect(dailyIn(dir)).toEqual([dailyName(first + 86_400_000)])
      expect(await metric(app, 'qunbot_backups_total{outcome="ok"}')).toBe(
        'qunbot_backups_total{outcome="ok"} 1',
      )
    } finally {
      await app.shutdown()
      rmSync(app.config.dataDir, { recursive: true, force: true })
    }
  })
})

describe('verifying a file before a restore', () => {
  it('tells a file that is not SQLite from a sound database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qunbot-verify-'))
    try {
      writeFileSync(join(dir, 'text.sqlite'), 'hello, this is not a database at all, just some text.')
      const check = verifyDatabaseFile(join(dir, 'text.sqlite'))
      expect(check.ok).toBe(false)
      expect(check.ok ? '' : check.reason).toMatch(/^不是 SQLite 数据库（/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
