import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { QunbotError } from '../core/errors.js'
import { createPrivateFile, makePrivateDir } from '../storage/private-files.js'
import { commitOpenWindow } from './commit-window.js'
import * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

/** The committed drizzle-kit migrations, found relative to this file in both src/ and dist/. */
export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

/**
 * Opens the database with the PRAGMAs qunbot relies on and applies pending migrations before
 * anything else touches it. A failed migration throws QB_DB_MIGRATION with the reason.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    makePrivateDir(dirname(resolve(file)))
    // Created private before SQLite opens it; SQLite gives its -wal and -shm the same mode.
    createPrivateFile(file)
  }
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  // Deleted rows are overwritten with zeros, in their pages and in freed pages: an erased member
  // (or a purged message) must not stay readable in the file. Costs a memset per deleted cell.
  sqlite.pragma('secure_delete = ON')
  // FULL: a commit that reported success survives power loss, which the outbox promises.
  sqlite.pragma('synchronous = FULL')
  // A 64 MiB page cache and fewer automatic checkpoints: the bench showed group commits spending
  // a third of their time re-reading pages and checkpointing with the defaults (2 MiB, 1000 pages).
  sqlite.pragma('cache_size = -65536')
  sqlite.pragma('wal_autocheckpoint = 10000')
  const db = drizzle(sqlite, { schema }) as Db
  try {
    migrate(db, { migrationsFolder })
  } catch (error) {
    sqlite.close()
    const reason = error instanceof Error ? error.message : String(error)
    throw new QunbotError('QB_DB_MIGRATION', `database migration failed for ${file}: ${reason}`)
  }
  // Table statistics for the query planner (the analytics queries depend on them), refreshed
  // where stale; analysis_limit bounds the cost on a large database to milliseconds.
  sqlite.pragma('analysis_limit = 400')
  sqlite.pragma('optimize = 0x10002')
  return db
}

/**
 * Copies the write-ahead log into the database and truncates it to zero bytes, so the older page
 * versions it held (rows as they were before an erasure) are gone from disk. Returns false when a
 * reader in another process kept it from completing; the log is then truncated at a later
 * checkpoint.
 */
export function truncateWal(sqlite: Database.Database): boolean {
  // A checkpoint cannot copy what an open transaction holds.
  commitOpenWindow(sqlite)
  const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[]
  return result?.busy === 0
}
