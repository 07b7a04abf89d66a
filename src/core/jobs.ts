/** Calendar fire times of a job: a cron expression or a one-off date. */
export interface Schedule {
  nextAfter(t: number): number | undefined
  lastAtOrBefore(t: number): number | undefined
}

/** A job with calendar fire times. Each (key, fire time) runs at most once, ever. */
export interface CalendarJob {
  kind: 'calendar'
  /** Stable across restarts and reloads, for example `sop:<roomId>:topic:<id>`. */
  key: string
  schedule: Schedule
  run(fireTime: number): Promise<void> | void
}

/**
 * A job whose due time comes from stored state (welcome windows, reminders, poll closes). It is
 * idempotent by construction (it marks the rows it handled), may be due in the past, and runs
 * whenever it is due.
 */
export interface StateJob {
  kind: 'state'
  key: string
  dueAt(): number | undefined
  run(now: number): Promise<void> | void
}

export type ScheduledJob = CalendarJob | StateJob

/** How features hand their jobs to the durable scheduler. */
export interface JobPort {
  /** Replaces the jobs this owner (a feature) runs. */
  setJobs(owner: string, jobs: ScheduledJob[]): void
  /** Re-reads state jobs' due times after their state changed. */
  poke(): void
}
