import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { QunbotError } from '../core/errors.js'
import {
  ADMIN_TOKEN_FILE,
  backupsIn,
  DATABASE_SIDE_FILES,
  databaseFile,
  SIM_WORLD_FILE,
  WECHATY_MEMORY_FILE,
} from './data-dir.js'
import { storageMessage } from './storage-messages.js'

/** What a start would find: a database, a fresh data dir, or a database gone next to older state. */
export type DatabaseState =
  | { kind: 'present' | 'fresh' }
  | { kind: 'empty' | 'missing'; database: string; found: string[]; newestBackup: string | undefined }

const sizeOf = (file: string): number | undefined => {
  try {
    return statSync(file).size
  } catch {
    return undefined
  }
}

/**
 * Looks at the data dir before anything in it is created. A database that is missing or zero
 * bytes long while the files a previous run leaves behind are there (the admin token, the
 * simulator world, Wechaty's login session, backups) means the database was lost, not that this
 * is a first start: starting would quietly begin again with no bans, no tickets, and the privacy
 * notice posted again in every group.
 */
export function inspectDatabase(dataDir: string, backupDir: string | undefined): DatabaseState {
  const database = databaseFile(dataDir)
  const size = sizeOf(database)
  // A WAL next to an empty main file still holds pages: SQLite can read the database from it.
  if (size !== undefined && (size > 0 || DATABASE_SIDE_FILES.some((s) => (sizeOf(database + s) ?? 0) > 0)))
    return { kind: 'present' }
  const found: string[] = []
  const note = (file: string, key: 'found_admin_token' | 'found_sim_world' | 'found_wechaty_session') => {
    const path = join(dataDir, file)
    if (existsSync(path)) found.push(storageMessage(key, { file: path }))
  }
  note(ADMIN_TOKEN_FILE, 'found_admin_token')
  note(SIM_WORLD_FILE, 'found_sim_world')
  note(WECHATY_MEMORY_FILE, 'found_wechaty_session')
  const backups = backupDir ? backupsIn(backupDir) : []
  if (backups.length > 0 && backupDir)
    found.push(storageMessage('found_backups', { count: backups.length, dir: backupDir }))
  if (found.length === 0) return { kind: 'fresh' }
  return { kind: size === undefined ? 'missing' : 'empty', database, found, newestBackup: backups.at(-1) }
}

/** Stops the start (QB_DB_LOST) when the database was lost next to older state, unless `fresh`. */
export function guardDatabase(dataDir: string, backupDir: string | undefined, fresh: boolean): DatabaseState {
  const state = inspectDatabase(dataDir, backupDir)
  if (fresh || (state.kind !== 'empty' && state.kind !== 'missing')) return state
  const found = state.found.join(storageMessage('list_separator'))
  throw new QunbotError(
    'QB_DB_LOST',
    [
      storageMessage(state.kind === 'empty' ? 'database_empty' : 'database_missing', {
        db: state.database,
        found,
      }),
      storageMessage('lost_data'),
      state.newestBackup
        ? storageMessage('restore_hint_newest', { file: state.newestBackup })
        : storageMessage('restore_hint'),
      storageMessage('fresh_hint'),
    ].join('\n'),
  )
}
