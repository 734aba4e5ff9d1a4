import { BatchScheduler, type BatchSchedulerOptions, type JobFn, ManualClock } from '../../src/index.js'

/** A scheduler on a manual clock, with an event log jobs write to. */
export function setup(options: BatchSchedulerOptions = {}) {
  const clock = new ManualClock()
  const log: string[] = []
  const scheduler = new BatchScheduler({ clock, onError: (_e, job) => log.push(`error:${job.name}`), ...options })
  /** A job that logs its label and "costs" `ms` by advancing the clock. */
  const job =
    (label: string, ms = 0): JobFn =>
    () => {
      log.push(label)
      clock.advance(ms)
    }
  /** Runs a frame and returns (and clears) what was logged in it. */
  const frame = (): string[] => {
    scheduler.runFrame()
    return log.splice(0)
  }
  return { clock, log, scheduler, job, frame }
}
