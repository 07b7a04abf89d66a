import { randomBytes } from 'node:crypto'
import { readFileSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { QunbotError } from '../core/errors.js'
import { INSTANCE_LOCK_FILE } from './data-dir.js'
import { writePrivateFile } from './private-files.js'
import { storageMessage } from './storage-messages.js'

/** What the lock file says: which process runs qunbot on this data dir, since when. */
export interface LockHolder {
  pid: number
  startedAt: string
  /** Tells this instance's lock from one a later instance took over. */
  token: string
}

export const lockFile = (dataDir: string) => join(dataDir, INSTANCE_LOCK_FILE)

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string'
      ? { pid: parsed.pid, startedAt: String(parsed.startedAt ?? ''), token: parsed.token }
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether a process with this pid exists (EPERM: it does, owned by someone else) and, where
 * /proc tells, is a Node process: after a reboot a stale lock's pid can belong to anything, and
 * an unrelated process must not keep qunbot from starting.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  let command: string
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return true // no /proc (macOS) or not readable: trust the pid
  }
  return /node|qunbot|tsx/i.test(command)
}

/**
 * The qunbot running on this data dir, if any: the lock file names a process that is alive. A
 * lock left by a process that died (SIGKILL, power loss) names a dead pid and does not count.
 */
export function runningInstance(dataDir: string): LockHolder | undefined {
  const holder = readHolder(lockFile(dataDir))
  return holder && alive(holder.pid) ? holder : undefined
}

export interface InstanceLock {
  release(): void
}

/**
 * Marks the data dir as in use by this process: a second `qunbot start` and `qunbot restore`
 * refuse while it runs. A lock left by a process that died is taken over; one held by this
 * same process (an app stopped and started again in one process) is too. Release removes the
 * file only while it is still this instance's.
 *
 * Throws QB_DATA_DIR_IN_USE when another live qunbot holds the data dir.
 */
export function acquireInstanceLock(dataDir: string, now: number): InstanceLock {
  const file = lockFile(dataDir)
  const before = runningInstance(dataDir)
  if (before && before.pid !== process.pid)
    throw new QunbotError(
      'QB_DATA_DIR_IN_USE',
      storageMessage('already_running', { pid: before.pid, since: before.startedAt, lock: file }),
    )
  const mine: LockHolder = {
    pid: process.pid,
    startedAt: new Date(now).toISOString(),
    token: randomBytes(8).toString('hex'),
  }
  writePrivateFile(file, `${JSON.stringify(mine)}\n`)
  return {
    release() {
      if (readHolder(file)?.token !== mine.token) return
      try {
        unlinkSync(file)
      } catch {
        // already gone
      }
    },
  }
}
