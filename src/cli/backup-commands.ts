import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { DateTime } from 'luxon'
import { type AppConfig, parseEnv } from '../config/env.js'
import { describeCounts, ONE_STEP, restoreDatabase, StorageError, writeBackup } from '../storage/backup.js'
import { databaseFile } from '../storage/data-dir.js'
import { lockFile, runningInstance } from '../storage/instance-lock.js'
import { storageMessage } from '../storage/storage-messages.js'
import type { CliCommand } from './commands.js'
import { loadDotEnv } from './environment.js'
import { startMessage } from './start-messages.js'

function readConfig(): AppConfig | undefined {
  loadDotEnv()
  const parsed = parseEnv(process.env)
  if (parsed.ok) return parsed.config
  console.error(startMessage('config_invalid'))
  for (const line of parsed.errors) console.error(`  - ${line}`)
  console.error(startMessage('config_hint'))
  return undefined
}

/** One file argument, or none when `optional`; undefined after a usage error. */
function fileArgument(args: string[], optional: boolean): { file: string | undefined } | undefined {
  try {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} })
    if (positionals.length > 1 || (!optional && positionals.length === 0)) return undefined
    const [file] = positionals
    if (file !== undefined && file.trim() === '') return undefined
    return { file }
  } catch {
    return undefined
  }
}

const formatSize = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`

/** A name for a backup taken by hand: sorts with the daily ones by time, never pruned with them. */
const manualBackupName = (now: number) =>
  `qunbot-${DateTime.fromMillis(now).toFormat('yyyyMMdd-HHmmss')}-manual.sqlite`

/** `qunbot backup [<file>]`: a verified copy of the database, safe while the bot runs. */
export const backupCommand: CliCommand = {
  name: ['backup'],
  usage: 'backup [<file>]',
  summary:
    'copy the database with SQLite online backup, safe while the bot runs; verified; without a file, into QUNBOT_BACKUP_DIR',
  async run(args) {
    const config = readConfig()
    if (!config) return 2
    const parsed = fileArgument(args, true)
    if (!parsed) {
      console.error(storageMessage('backup_usage', { dir: config.backup.dir }))
      return 2
    }
    const db = databaseFile(config.dataDir)
    if (!existsSync(db) || statSync(db).size === 0) {
      console.error(storageMessage('backup_no_database', { db }))
      return 2
    }
    const target = resolve(parsed.file ?? join(config.backup.dir, manualBackupName(Date.now())))
    if (existsSync(target)) {
      console.error(storageMessage('backup_exists', { file: target }))
      return 1
    }
    // Its own connection, no migrations: the running bot's writes go on; the backup reads one
    // consistent snapshot of the database in a single step.
    let source: Database.Database | undefined
    try {
      source = new Database(db, { fileMustExist: true })
      source.pragma('busy_timeout = 5000')
      const done = await writeBackup(source, target, { pagesPerStep: ONE_STEP })
      console.log(
        storageMessage('backup_done', {
          file: done.file,
          size: formatSize(done.bytes),
          counts: describeCounts(done.counts),
        }),
      )
      return 0
    } catch (error) {
      console.error(storageMessage('backup_failed', { reason: (error as Error).message }))
      return 1
    } finally {
      source?.close()
    }
  },
}

/** `qunbot restore <file>`: replaces the database with a backup, for a stopped bot. */
export const restoreCommand: CliCommand = {
  name: ['restore'],
  usage: 'restore <file>',
  summary:
    'replace the database with a backup (refused while qunbot runs); the current one is kept as qunbot.sqlite.before-restore-<time>',
  async run(args) {
    const config = readConfig()
    if (!config) return 2
    const parsed = fileArgument(args, false)
    if (!parsed?.file) {
      console.error(storageMessage('restore_usage'))
      return 2
    }
    const file = resolve(parsed.file)
    if (!existsSync(file)) {
      console.error(storageMessage('restore_not_found', { file }))
      return 1
    }
    const holder = runningInstance(config.dataDir)
    if (holder) {
      console.error(storageMessage('restore_running', { pid: holder.pid, lock: lockFile(config.dataDir) }))
      return 1
    }
    const db = databaseFile(config.dataDir)
    try {
      const { kept, counts } = restoreDatabase(db, file, Date.now())
      console.log(storageMessage('restore_done', { file, db, counts: describeCounts(counts) }))
      console.log(kept ? storageMessage('restore_kept', { kept }) : storageMessage('restore_no_previous'))
      return 0
    } catch (error) {
      if (error instanceof StorageError) {
        console.error(storageMessage('restore_invalid', { file, reason: error.message }))
        return 1
      }
      console.error(storageMessage('restore_failed', { reason: (error as Error).message }))
      return 1
    }
  },
}
