/**
 * React's `scheduler` package (0.28), loaded as its two production builds:
 *
 * - `scheduler.production.js`: what React itself runs in Node. A min-heap of
 *   task objects; the host is `setImmediate`, work runs in 5 ms slices, and
 *   each task costs three `performance.now()` reads (schedule, yield check,
 *   after the callback). Measured honestly, host hops included.
 * - `scheduler-unstable_mock.production.js`: the same heap and task objects
 *   driven synchronously by `unstable_flushAll()` on a mock clock that is
 *   never read from the OS. It isolates the data-structure cost: a lower
 *   bound of what React's scheduler costs per task.
 *
 * The production files are required directly because `require('scheduler')`
 * picks the development build unless `NODE_ENV=production`.
 */
import { createRequire } from 'node:module'

/** The part of the scheduler API the benchmark uses. */
export interface ReactSchedulerApi {
  unstable_ImmediatePriority: number
  unstable_UserBlockingPriority: number
  unstable_NormalPriority: number
  unstable_LowPriority: number
  unstable_IdlePriority: number
  unstable_scheduleCallback(priority: number, callback: (didTimeout: boolean) => unknown): unknown
}

export interface ReactMockSchedulerApi extends ReactSchedulerApi {
  unstable_flushAll(): void
}

const require = createRequire(import.meta.url)

/** React's production scheduler (setImmediate host in Node). */
export const reactScheduler = require('scheduler/cjs/scheduler.production.js') as ReactSchedulerApi
/** React's production mock scheduler (synchronous flush, mock clock). */
export const reactMockScheduler = require('scheduler/cjs/scheduler-unstable_mock.production.js') as ReactMockSchedulerApi
/** The version of the package measured. */
export const reactSchedulerVersion = (require('scheduler/package.json') as { version: string }).version

/** React's five priorities, highest first, matched to the five BatchTypes. */
export function reactPriorities(api: ReactSchedulerApi): number[] {
  return [
    api.unstable_ImmediatePriority,
    api.unstable_UserBlockingPriority,
    api.unstable_NormalPriority,
    api.unstable_LowPriority,
    api.unstable_IdlePriority,
  ]
}

/**
 * Resolves once React's scheduler has run every task scheduled so far: a
 * sentinel at Idle priority, scheduled last, has the latest expiration time
 * of all and so runs last (0.28 has no public queue query).
 */
export function drain(api: ReactSchedulerApi): Promise<void> {
  return new Promise((resolve) => {
    api.unstable_scheduleCallback(api.unstable_IdlePriority, () => resolve())
  })
}
