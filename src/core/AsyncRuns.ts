import type { BatchStats } from './BatchStats.js'
import type { ProblemReporter } from './ProblemReporter.js'
import type { SystemRecord } from './SystemRecord.js'

/**
 * The async runs of a scheduler: a job or system whose function returned a
 * Promise (any thenable) is watched until it settles. While pending it holds
 * no budget and no queue place; a system is not armed again until it
 * settles ({@link SystemRecord.pending}). Settles are counted in the stats, a
 * rejection goes to the reporter (`onError`). After {@link AsyncRuns.dispose}
 * later settles are ignored: nothing calls back into a disposed scheduler.
 *
 * Allocation: an async run allocates the Promise its `then` returns, and a
 * one-shot job's run two small closures (a system's are made once). The job's
 * own `async` function allocates its Promise and its suspended frame.
 * @internal
 */
export class AsyncRuns {
  private disposed = false

  constructor(
    private readonly stats: BatchStats,
    private readonly problems: ProblemReporter,
  ) {}

  /**
   * Watches `result` if it is a thenable: counts it in flight, marks the
   * system pending, and returns true. False (nothing done) for anything else.
   * A thenable whose `then` throws is reported as an error of the job and
   * settles at once.
   */
  watch(result: unknown, name: string, type: number, system: SystemRecord | null): boolean {
    if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return false
    let then: unknown
    try {
      then = (result as { then?: unknown }).then
    } catch {
      return false
    }
    if (typeof then !== 'function') return false
    this.stats.inFlight++
    let onFulfilled: () => void
    let onRejected: (error: unknown) => void
    if (system !== null) {
      system.pending = true
      onFulfilled = system.onFulfilled ??= () => this.settle(system, name, type, false, undefined)
      onRejected = system.onRejected ??= (error: unknown) => this.settle(system, name, type, true, error)
    } else {
      let settled = false // a non-compliant thenable may call both, or twice
      onFulfilled = () => {
        if (!settled) this.settle(null, name, type, false, undefined)
        settled = true
      }
      onRejected = (error: unknown) => {
        if (!settled) this.settle(null, name, type, true, error)
        settled = true
      }
    }
    try {
      ;(then as PromiseLike<unknown>['then']).call(result, onFulfilled, onRejected)
    } catch (error) {
      this.settle(system, name, type, true, error)
    }
    return true
  }

  /** Ignores every later settle. */
  dispose(): void {
    this.disposed = true
  }

  private settle(system: SystemRecord | null, name: string, type: number, rejected: boolean, error: unknown): void {
    if (this.disposed) return
    if (system !== null) {
      if (!system.pending) return // a non-compliant thenable that settled twice
      system.pending = false
    }
    const stats = this.stats
    stats.inFlight--
    stats.settled++
    if (rejected) {
      stats.rejected++
      this.problems.jobError(error, name, type)
    }
  }
}
