import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname } from 'node:path'

// Files in the data dir hold members' messages, the admin token and the account's login session:
// readable by the owner only. Modes are set with chmod after creating, so they do not depend on
// the umask of whoever starts qunbot.
export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/** Creates the directory (and missing parents) readable by the owner only; an existing one is left as is. */
export function makePrivateDir(dir: string): void {
  if (existsSync(dir)) return
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  chmodSync(dir, PRIVATE_DIR_MODE)
}

/** Creates an empty file (or one with `initial`) readable by the owner only, unless it exists. */
export function createPrivateFile(file: string, initial = ''): void {
  let fd: number
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return
    throw error
  }
  try {
    if (initial) writeFileSync(fd, initial)
  } finally {
    closeSync(fd)
  }
  chmodSync(file, PRIVATE_FILE_MODE)
}

/**
 * Writes a file readable by the owner only, atomically: a temp file next to it, then renamed over
 * it, so a crash leaves either the old content or the new, never half of it. `durable: false`
 * skips the fsyncs, for a file rewritten often whose loss costs little (the simulator's world).
 */
export function writePrivateFile(file: string, data: string, { durable = true } = {}): void {
  const temp = `${file}.tmp-${process.pid}`
  if (existsSync(temp)) unlinkSync(temp)
  const fd = openSync(temp, 'wx', PRIVATE_FILE_MODE)
  try {
    writeFileSync(fd, data)
    if (durable) fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  chmodSync(temp, PRIVATE_FILE_MODE)
  renameSync(temp, file)
  if (durable) syncDir(dirname(file))
}

/** Makes a rename in `dir` durable (where the platform allows fsync on a directory). */
export function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Not supported on every platform (Windows); the rename itself has happened.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** A mode change made by {@link tightenModes}, for the one log line that reports them. */
export interface ModeChange {
  path: string
  from: string
  to: string
}

export interface ModeProblem {
  path: string
  reason: string
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`

/**
 * Takes the group and others bits off each existing path (0644 -> 0600, 0755 -> 0700); the
 * owner's bits stay as they are. A directory with the sticky bit (a shared one like /tmp) is left
 * alone: it is not qunbot's to close. Returns what changed and what could not be changed.
 */
export function tightenModes(paths: string[]): { changed: ModeChange[]; problems: ModeProblem[] } {
  const changed: ModeChange[] = []
  const problems: ModeProblem[] = []
  for (const path of paths) {
    let mode: number
    let isDir: boolean
    try {
      const stat = statSync(path)
      mode = stat.mode
      isDir = stat.isDirectory()
    } catch {
      continue // not there (yet): created private when it is
    }
    if ((mode & 0o077) === 0) continue
    if (isDir && (mode & 0o1000) !== 0) {
      problems.push({ path, reason: 'shared directory (sticky bit)' })
      continue
    }
    const next = mode & 0o700
    try {
      chmodSync(path, next)
      changed.push({ path, from: octal(mode), to: octal(next) })
    } catch (error) {
      problems.push({ path, reason: (error as NodeJS.ErrnoException).code ?? String(error) })
    }
  }
  return { changed, problems }
}
