import { BATCH_TYPE_NAMES, type BatchType } from './BatchType.js'
import type { JobInfo } from './types.js'

/** Most distinct job names whose problems are printed once each (see {@link ProblemReporter.once}); later ones are counted, not printed. */
export const MAX_REPORTED = 256

/**
 * Where a scheduler's problems go: job errors to `onError` (or printed once
 * per job name), everything else printed once per key. The set of keys is
 * capped, so a name per job cannot grow it for the page's life.
 * @internal
 */
export class ProblemReporter {
  private readonly reported = new Set<string>()

  constructor(private readonly onError: ((error: unknown, job: JobInfo) => void) | undefined) {}

  /** Distinct problems printed so far. */
  get size(): number {
    return this.reported.size
  }

  /** A job error: to `onError`, or printed once per job name. */
  jobError(error: unknown, name: string, type: number): void {
    if (this.onError === undefined) {
      this.once(
        `error:${name}`,
        `BatchScheduler: job "${name}" (${BATCH_TYPE_NAMES[type]}) threw; the frame went on. Later errors of this job are counted in stats.errors, not printed.`,
        error,
        true,
      )
      return
    }
    try {
      this.onError(error, { name, type: type as BatchType })
    } catch (handlerError) {
      this.once('onError', 'BatchScheduler: onError threw:', handlerError)
    }
  }

  /**
   * Prints a problem the first time its key is seen. Keys made from job names
   * (`perName`) are capped at {@link MAX_REPORTED}: a name per job would grow
   * the set for the page's life. Fixed keys are always printed once.
   */
  once(key: string, message: string, error?: unknown, perName = false): void {
    if (this.reported.has(key)) return
    if (perName && this.reported.size >= MAX_REPORTED) {
      if (this.reported.has('')) return
      key = ''
      message = `BatchScheduler: more than ${MAX_REPORTED} distinct problems reported; later ones are counted in stats (and passed to onError), not printed.`
      error = undefined
    }
    this.reported.add(key)
    if (error === undefined) console.warn(message)
    else console.error(message, error)
  }
}
