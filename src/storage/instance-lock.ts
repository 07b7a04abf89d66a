import { randomBytes } from 'node:crypto'
import { readFileSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { INSTANCE_LOCK_FILE } from './data-dir.js'
import { writePrivateFile } from './private-files.js'

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

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
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
  /** The process that held the lock before, when it was still alive (reported, then taken over). */
  previous: LockHolder | undefined
  release(): void
}

/**
 * Marks the data dir as in use by this process, for commands that must not run under a live bot
 * (`qunbot restore`). A stale lock is taken over; release removes the file only while it is
 * still this instance's.
 */
export function acquireInstanceLock(dataDir: string, now: number): InstanceLock {
  const file = lockFile(dataDir)
  const before = runningInstance(dataDir)
  const mine: LockHolder = {
    pid: process.pid,
    startedAt: new Date(now).toISOString(),
    token: randomBytes(8).toString('hex'),
  }
  writePrivateFile(file, `${JSON.stringify(mine)}\n`)
  return {
    previous: before && before.pid !== process.pid ? before : undefined,
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
