import { unlinkSync } from 'node:fs'
import { basename, join } from 'node:path'
import type Database from 'better-sqlite3'
import { DateTime } from 'luxon'
import type { CalendarJob } from '../core/jobs.js'
import type { Logger } from '../core/logger.js'
import { cronSchedule } from '../scheduler/calendar.js'
import { writeBackup } from './backup.js'
import { backupsIn, DAILY_BACKUP_NAME } from './data-dir.js'

// In the bot's own process: about 4 MB per step between turns of the event loop.
const PAGES_PER_STEP = 1000

export interface DailyBackupSettings {
  dir: string
  /** Local time of day, "HH:MM". */
  time: string
  /** Daily backups kept; older ones are deleted after each successful backup. */
  keep: number
  /** The time zone `time` is in (the machine's). */
  timeZone: string
}

export type BackupOutcome = { ok: true; file: string; at: number } | { ok: false; error: string; at: number }

/** The daily backup's file name for a fire time: its local date and time. */
export const dailyBackupName = (fireTime: number, timeZone: string) =>
  `qunbot-${DateTime.fromMillis(fireTime, { zone: timeZone }).toFormat('yyyyMMdd-HHmm')}.sqlite`

/** Deletes the oldest daily backups beyond `keep`; other files in the directory are never touched. */
export function pruneBackups(dir: string, keep: number): string[] {
  const daily = backupsIn(dir).filter((f) => DAILY_BACKUP_NAME.test(basename(f)))
  const old = daily.slice(0, Math.max(0, daily.length - keep))
  for (const file of old) unlinkSync(file)
  return old
}

/**
 * The daily automatic backup as a calendar job on the durable scheduler: each day at `time` a
 * verified backup goes to `dir`, then the daily backups beyond `keep` are deleted. A failure is
 * logged as an error and reported (metrics); the next day's run tries again. `whenIdle` lets a
 * shutdown wait for a backup in progress before the database closes.
 */
export function createDailyBackup(
  source: Database.Database,
  settings: DailyBackupSettings,
  log: Logger,
  report: (outcome: BackupOutcome) => void,
): { job: CalendarJob; whenIdle(): Promise<void> } {
  const [hour, minute] = settings.time.split(':').map(Number)
  let running: Promise<void> = Promise.resolve()
  const run = async (fireTime: number) => {
    const file = join(settings.dir, dailyBackupName(fireTime, settings.timeZone))
    try {
      const done = await writeBackup(source, file, { pagesPerStep: PAGES_PER_STEP })
      const pruned = pruneBackups(settings.dir, settings.keep)
      log.info({ file, bytes: done.bytes, counts: done.counts, pruned }, 'daily backup written')
      report({ ok: true, file, at: fireTime })
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      log.error({ err: error, file }, 'daily backup failed; the next one is tried tomorrow')
      report({ ok: false, error: message, at: fireTime })
    }
  }
  return {
    job: {
      kind: 'calendar',
      key: 'storage:daily-backup',
      schedule: cronSchedule(`${minute} ${hour} * * *`, settings.timeZone),
      run: (fireTime) => {
        running = run(fireTime)
        return running
      },
    },
    whenIdle: () => running,
  }
}
