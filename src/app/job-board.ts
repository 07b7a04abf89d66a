import type { JobPort, ScheduledJob } from '../core/jobs.js'

/** Collects each feature's jobs and hands the union to the scheduler, which knows no owners. */
export class JobBoard implements JobPort {
  private readonly owners = new Map<string, ScheduledJob[]>()

  constructor(private readonly scheduler: { setJobs(jobs: ScheduledJob[]): void; poke(): void }) {}

  setJobs(owner: string, jobs: ScheduledJob[]): void {
    this.owners.set(owner, jobs)
    this.scheduler.setJobs([...this.owners.values()].flat())
  }

  poke(): void {
    this.scheduler.poke()
  }
}
