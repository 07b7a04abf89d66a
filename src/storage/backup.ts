import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { commitOpenWindow } from '../db/commit-window.js'
import { DATABASE_SIDE_FILES } from './data-dir.js'
import { createPrivateFile, makePrivateDir, PRIVATE_FILE_MODE, syncDir } from './private-files.js'
import { storageMessage } from './storage-messages.js'

/** Tables every qunbot database has; a file without them is not one (or not from this product). */
const REQUIRED_TABLES = [
  '__drizzle_migrations',
  'rooms',
  'members',
  'messages',
  'chat_outbox',
  'tickets',
  'bans',
]
/** The tables whose row counts a backup or restore reports. */
const COUNTED_TABLES = ['rooms', 'members', 'messages', 'tickets', 'bans'] as const

export type TableCounts = Record<(typeof COUNTED_TABLES)[number], number>

export type Verification = { ok: true; counts: TableCounts } | { ok: false; reason: string }

/** Raised with a message for the operator (from the storage message table). */
export class StorageError extends Error {}

/**
 * Opens `file` read-only and checks that it is a sound qunbot database: SQLite's full integrity
 * check, and the tables qunbot creates. Returns the row counts of the main tables.
 */
export function verifyDatabaseFile(file: string): Verification {
  let db: Database.Database
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
  } catch (error) {
    return { ok: false, reason: storageMessage('not_sqlite', { detail: (error as Error).message }) }
  }
  try {
    let problems: string[]
    try {
      problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check)
    } catch (error) {
      return { ok: false, reason: storageMessage('not_sqlite', { detail: (error as Error).message }) }
    }
    if (problems.length !== 1 || problems[0] !== 'ok')
      return {
        ok: false,
        reason: storageMessage('integrity_failed', { detail: problems.slice(0, 3).join('; ') }),
      }
    const tables = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    )
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t))
    if (missing.length > 0)
      return { ok: false, reason: storageMessage('not_qunbot', { tables: missing.join(', ') }) }
    const counts = Object.fromEntries(
      COUNTED_TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]),
    ) as TableCounts
    return { ok: true, counts }
  } finally {
    db.close()
  }
}

export const describeCounts = (counts: TableCounts) => storageMessage('counts', counts)

const removeIfThere = (file: string) => {
  if (existsSync(file)) unlinkSync(file)
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export interface BackupOptions {
  /**
   * Pages copied per step. Within the bot's own process small steps keep it responsive (its
   * writes through the same connection are carried into the backup as they happen). From another
   * process the whole copy must be one step, one read transaction: a write by the bot between two
   * steps would restart the backup from the first page, for ever on a busy bot.
   */
  pagesPerStep: number
}

/** Copies everything in one step: one consistent snapshot, whatever another process writes meanwhile. */
export const ONE_STEP = 0x7fffffff

/**
 * Writes a backup of `source` to `target` with SQLite's online backup API: to a temp file next to
 * it (readable by the owner only), checked with {@link verifyDatabaseFile}, flushed, then renamed
 * into place, so `target` is only ever a complete, verified database. Throws StorageError.
 */
export async function writeBackup(
  source: Database.Database,
  target: string,
  options: BackupOptions,
): Promise<{ file: string; bytes: number; counts: TableCounts }> {
  const file = resolve(target)
  makePrivateDir(dirname(file))
  const temp = `${file}.tmp-${process.pid}`
  removeIfThere(temp)
  removeIfThere(`${temp}-journal`)
  // Created here so it is private from its first byte; SQLite fills the empty file.
  createPrivateFile(temp)
  try {
    // The backup copies committed pages: what the open commit window holds goes in first.
    commitOpenWindow(source)
    await source.backup(temp, { progress: () => options.pagesPerStep })
    chmodSync(temp, PRIVATE_FILE_MODE)
    toRollbackJournal(temp)
    const check = verifyDatabaseFile(temp)
    if (!check.ok) throw new StorageError(check.reason)
    fsyncFile(temp)
    renameSync(temp, file)
    syncDir(dirname(file))
    return { file, bytes: statSync(file).size, counts: check.counts }
  } catch (error) {
    removeWithCompanions(temp)
    throw error
  }
}

const removeWithCompanions = (file: string) => {
  for (const suffix of ['', '-journal', ...DATABASE_SIDE_FILES]) removeIfThere(file + suffix)
}

/**
 * The copy carries the source's WAL flag in its header; a backup must be one self-contained file
 * that a read-only open leaves untouched, so it is switched to a rollback journal. (qunbot's
 * openDatabase turns WAL back on when it opens a restored file.)
 */
function toRollbackJournal(file: string): void {
  const db = new Database(file, { fileMustExist: true })
  try {
    db.pragma('journal_mode = DELETE')
  } finally {
    db.close()
  }
}

/** Compact UTC time for file names: 20260105T040000Z. */
export const fileStamp = (t: number) =>
  new Date(t)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')

/**
 * Replaces the database at `dbFile` with the backup `backupFile`, for a stopped bot. The backup is
 * verified first (nothing changes if it is not a sound qunbot database); the current database, its
 * write-ahead log folded in, is kept as `<db>.before-restore-<time>`; stale -wal/-shm files are
 * removed before the verified copy is renamed into place, so SQLite never applies an old log to
 * the restored file. Throws StorageError.
 */
export function restoreDatabase(
  dbFile: string,
  backupFile: string,
  now: number,
): { kept: string | undefined; counts: TableCounts } {
  makePrivateDir(dirname(resolve(dbFile)))
  const temp = `${dbFile}.restore-tmp-${process.pid}`
  removeWithCompanions(temp)
  // Checked on a private copy: the operator's file is only read.
  copyFileSync(backupFile, temp)
  chmodSync(temp, PRIVATE_FILE_MODE)
  let check: Verification
  try {
    check = verifyDatabaseFile(temp)
    if (check.ok) toRollbackJournal(temp)
    fsyncFile(temp)
  } catch (error) {
    removeWithCompanions(temp)
    throw error
  }
  if (!check.ok) {
    removeWithCompanions(temp)
    throw new StorageError(check.reason)
  }

  let kept: string | undefined
  if (existsSync(dbFile)) {
    kept = `${dbFile}.before-restore-${fileStamp(now)}`
    foldWal(dbFile)
    // A hard link keeps the old file under its new name while the rename below swaps the
    // database atomically: at no moment is there no database file.
    try {
      linkSync(dbFile, kept)
    } catch {
      copyFileSync(dbFile, kept)
    }
    chmodSync(kept, PRIVATE_FILE_MODE)
    // Whatever log is left (the fold failed: a damaged database) goes with the kept copy.
    for (const side of DATABASE_SIDE_FILES)
      if (existsSync(dbFile + side)) {
        if (side === '-wal') renameSync(dbFile + side, kept + side)
        else unlinkSync(dbFile + side)
      }
  } else {
    for (const side of DATABASE_SIDE_FILES) removeIfThere(dbFile + side)
  }
  renameSync(temp, dbFile)
  syncDir(dirname(resolve(dbFile)))
  return { kept, counts: check.counts }
}

/** Writes a database's write-ahead log into it and removes the log, if it can be opened at all. */
function foldWal(dbFile: string): void {
  if (statSync(dbFile).size === 0) return
  try {
    const db = new Database(dbFile, { fileMustExist: true })
    try {
      db.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      db.close()
    }
  } catch {
    // Not a readable database: it is kept as it is, its log beside it.
  }
}
