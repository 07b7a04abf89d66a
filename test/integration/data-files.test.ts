import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createQunbot, type Qunbot } from '../../src/app/create-qunbot.js'
import { createLogger } from '../../src/logging/create-logger.js'
import { createPrivateFile, tightenModes, writePrivateFile } from '../../src/storage/private-files.js'
import { createTestConfig } from '../helpers/test-app.js'

const modeOf = (path: string) => `0${(statSync(path).mode & 0o777).toString(8)}`

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

/**
 * The data dir holds members' messages, the admin token and the account's session: owner only,
 * whatever the umask of whoever starts qunbot. The tests run with umask 000, where anything
 * created with default modes would come out world-readable (and writable).
 */
describe('data files are readable by their owner only', { timeout: 60_000 }, () => {
  const parent = mkdtempSync(join(tmpdir(), 'qunbot-modes-'))
  let previousUmask: number
  beforeAll(() => {
    previousUmask = process.umask(0)
  })
  afterAll(() => {
    process.umask(previousUmask)
    rmSync(parent, { recursive: true, force: true })
  })
  let app: Qunbot | undefined
  const stop = async () => {
    await app?.shutdown()
    app = undefined
  }
  afterEach(stop)

  const start = async (dataDir: string) => {
    const config = createTestConfig({
      QUNBOT_DATA_DIR: dataDir,
      // Generated and saved in the data dir, as on a first start without QUNBOT_ADMIN_TOKEN.
      QUNBOT_ADMIN_TOKEN: '',
    })
    const { logger, lines } = capturingLogger()
    const started = await createQunbot({ config, logger })
    await started.start()
    await started.sim?.settle()
    app = started
    return { app: started, lines }
  }

  it('creates the data dir 0700 and the database, WAL, shm, admin token, world and lock 0600', async () => {
    const dataDir = join(parent, 'new', 'data')
    const { app } = await start(dataDir)
    app.sim?.world.createRoom('权限测试群', ['甲'])
    await app.sim?.settle()
    expect(modeOf(dataDir)).toBe('0700')
    for (const file of [
      'qunbot.sqlite',
      'qunbot.sqlite-wal',
      'qunbot.sqlite-shm',
      'admin-token',
      'sim-world.json',
      'qunbot.lock',
    ])
      expect(modeOf(join(dataDir, file)), file).toBe('0600')
  })

  it('makes older files private at start and logs once what it changed', async () => {
    const dataDir = join(parent, 'old')
    // A previous run, then the modes an older qunbot (or a copy with cp) left behind.
    await start(dataDir)
    await stop()
    writeFileSync(join(dataDir, 'wechaty.memory-card.json'), '{}')
    mkdirSync(join(dataDir, 'backups'))
    writeFileSync(join(dataDir, 'backups', 'qunbot-20260101-0400.sqlite'), '')
    const loose = ['qunbot.sqlite', 'admin-token', 'sim-world.json', 'wechaty.memory-card.json']
    for (const file of loose) chmodSync(join(dataDir, file), 0o644)
    chmodSync(join(dataDir, 'backups', 'qunbot-20260101-0400.sqlite'), 0o644)
    chmodSync(join(dataDir, 'backups'), 0o755)
    chmodSync(dataDir, 0o755)

    const { lines } = await start(dataDir)
    expect(modeOf(dataDir)).toBe('0700')
    for (const file of [...loose, 'qunbot.sqlite-wal', 'qunbot.sqlite-shm'])
      expect(modeOf(join(dataDir, file)), file).toBe('0600')
    expect(modeOf(join(dataDir, 'backups'))).toBe('0700')
    expect(modeOf(join(dataDir, 'backups', 'qunbot-20260101-0400.sqlite'))).toBe('0600')
    const reports = lines.filter((l) => String(l.msg).startsWith('data files were readable'))
    expect(reports).toHaveLength(1)
    const changed = ((reports[0]?.changed ?? []) as { path: string; from: string; to: string }[]).map((c) => [
      c.path.slice(dataDir.length + 1),
      c.from,
      c.to,
    ])
    expect(changed).toEqual(
      expect.arrayContaining([
        ['', '0755', '0700'],
        ['qunbot.sqlite', '0644', '0600'],
        ['admin-token', '0644', '0600'],
        ['sim-world.json', '0644', '0600'],
        ['wechaty.memory-card.json', '0644', '0600'],
        ['backups', '0755', '0700'],
        ['backups/qunbot-20260101-0400.sqlite', '0644', '0600'],
      ]),
    )
    expect(changed).toHaveLength(7)

    // Nothing left to change: the next start says nothing.
    await stop()
    const again = await start(dataDir)
    expect(again.lines.filter((l) => String(l.msg).startsWith('data files were readable'))).toEqual([])
  })
})

describe('private file helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qunbot-private-'))
  let previousUmask: number
  beforeAll(() => {
    previousUmask = process.umask(0)
  })
  afterAll(() => {
    process.umask(previousUmask)
    rmSync(dir, { recursive: true, force: true })
  })

  it('create and write files 0600 under umask 000, atomically replacing the old content', () => {
    createPrivateFile(join(dir, 'session.json'), '{}')
    expect(modeOf(join(dir, 'session.json'))).toBe('0600')
    writeFileSync(join(dir, 'token'), 'old', { mode: 0o644 })
    writePrivateFile(join(dir, 'token'), 'new')
    expect(modeOf(join(dir, 'token'))).toBe('0600')
    expect(existsSync(join(dir, `token.tmp-${process.pid}`))).toBe(false)
  })

  it('leaves a shared directory with the sticky bit (like /tmp) alone', () => {
    const shared = join(dir, 'shared')
    mkdirSync(shared)
    chmodSync(shared, 0o1777)
    const result = tightenModes([shared])
    expect(result.changed).toEqual([])
    expect(result.problems).toEqual([{ path: shared, reason: 'shared directory (sticky bit)' }])
    expect(modeOf(shared)).toBe('0777')
  })
})
