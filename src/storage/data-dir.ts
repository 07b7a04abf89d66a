import { readdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

/** What qunbot keeps in its data dir (QUNBOT_DATA_DIR), by file name. */
export const DATABASE_FILE = 'qunbot.sqlite'
export const ADMIN_TOKEN_FILE = 'admin-token'
/** The simulator's world (groups, members, simulated time), kept between runs. */
export const SIM_WORLD_FILE = 'sim-world.json'
/** The name Wechaty is given for its memory card (the login session); it adds the suffix below. */
export const WECHATY_MEMORY_NAME = 'wechaty'
export const WECHATY_MEMORY_FILE = `${WECHATY_MEMORY_NAME}.memory-card.json`
/** Held by the running instance: its pid (see instance-lock.ts). */
export const INSTANCE_LOCK_FILE = 'qunbot.lock'
/** The database's companions in WAL mode. */
export const DATABASE_SIDE_FILES = ['-wal', '-shm'] as const

export const databaseFile = (dataDir: string) => join(dataDir, DATABASE_FILE)

/** Daily backups are named by their local time, `qunbot-YYYYMMDD-HHmm.sqlite`; nothing else is pruned. */
export const DAILY_BACKUP_NAME = /^qunbot-\d{8}-\d{4}\.sqlite$/
/** Any backup qunbot wrote in a backup dir (daily or by `qunbot backup` without a file name). */
const BACKUP_NAME = /^qunbot-.*\.sqlite$/

const listNames = (dir: string): string[] => {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** The backups in `dir` written by qunbot, oldest first (their names sort by time). */
export function backupsIn(dir: string): string[] {
  return listNames(dir)
    .filter((n) => BACKUP_NAME.test(n))
    .sort()
    .map((n) => join(dir, n))
}

/** Whether `inner` is `outer` or inside it. */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(resolve(outer), resolve(inner))
  return !rel.startsWith('..') && !rel.startsWith('/')
}

/**
 * Every path that must be readable by the owner only: the data dir, the database and its WAL
 * files (also copies kept by a restore), the admin token, the simulator world, Wechaty's session,
 * the lock, and the backups (the backup dir itself too when it is inside the data dir; one
 * elsewhere is the operator's).
 */
export function privatePaths(dataDir: string, backupDir: string | undefined): string[] {
  const inDataDir = listNames(dataDir)
    .filter(
      (n) =>
        n.startsWith(DATABASE_FILE) ||
        [ADMIN_TOKEN_FILE, SIM_WORLD_FILE, WECHATY_MEMORY_FILE, INSTANCE_LOCK_FILE].includes(n),
    )
    .map((n) => join(dataDir, n))
  const backups = backupDir ? backupsIn(backupDir) : []
  const backupDirItself = backupDir && isWithin(dataDir, backupDir) ? [backupDir] : []
  return [dataDir, ...inDataDir, ...backupDirItself, ...backups]
}
