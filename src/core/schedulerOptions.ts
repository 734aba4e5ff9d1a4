import { BATCH_TYPE_COUNT, BatchType } from './BatchType.js'
import { type Clock, performanceClock } from './Clock.js'
import type { BatchSchedulerOptions, JobInfo } from './types.js'
import {
  applyMaxDefer,
  applyTypeShare,
  checkBoolean,
  checkFunction,
  checkInteger,
  checkNonNegative,
  checkPositive,
  describe,
} from './validate.js'

/** Weight of a job or system that gives none: 10 % of the budget. */
export const DEFAULT_WEIGHT = 0.1

/**
 * Default latency bound per {@link BatchType}, in frames: how long a job may
 * wait before it is forced. Transform and Visibility are what the user sees,
 * so they wait least; AI tolerates half a second at 60 fps.
 */
export const DEFAULT_MAX_DEFER_FRAMES: Readonly<Record<BatchType, number>> = {
  [BatchType.Transform]: 2,
  [BatchType.Visibility]: 2,
  [BatchType.Physics]: 4,
  [BatchType.LOD]: 8,
  [BatchType.AI]: 30,
}

/** {@link BatchSchedulerOptions} checked, with their defaults. @internal */
export interface CheckedSchedulerOptions {
  budget: number
  clock: Clock
  onError: ((error: unknown, job: JobInfo) => void) | undefined
  historyLength: number
  minSlice: number
  maxQueueLength: number
  trace: boolean
  /** Latency bound per type, in frames (the defaults with the option applied). */
  maxDefer: Float64Array
  /** Share of the budget per type (1 = no cap, with the option applied). */
  typeShare: Float64Array
}

/**
 * Checks the `BatchScheduler` constructor's options (construction only: not
 * a per-frame path), in the order they are documented, and fills in the
 * defaults. @internal
 */
export function checkSchedulerOptions({
  budgetMs = 2.5,
  clock = performanceClock,
  maxDeferFrames,
  onError,
  historyLength = 300,
  minSliceMs = 0.1,
  maxQueueLength = 1_000_000,
  trace = false,
  typeShare,
}: BatchSchedulerOptions = {}): CheckedSchedulerOptions {
  const api = 'BatchScheduler'
  const budget = checkPositive(api, 'budgetMs', budgetMs)
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
    throw new TypeError(`${api}: clock must be an object with a now() method, got ${describe(clock)}`)
  }
  if (onError !== undefined) checkFunction(api, 'onError', onError)
  const checked: CheckedSchedulerOptions = {
    budget,
    clock,
    onError,
    historyLength: checkInteger(api, 'historyLength', historyLength, 1),
    minSlice: checkNonNegative(api, 'minSliceMs', minSliceMs),
    maxQueueLength: checkInteger(api, 'maxQueueLength', maxQueueLength, 1),
    trace: checkBoolean(api, 'trace', trace, false),
    maxDefer: new Float64Array(BATCH_TYPE_COUNT),
    typeShare: new Float64Array(BATCH_TYPE_COUNT).fill(1),
  }
  for (let t = 0; t < BATCH_TYPE_COUNT; t++) checked.maxDefer[t] = DEFAULT_MAX_DEFER_FRAMES[t as BatchType]
  if (maxDeferFrames !== undefined) applyMaxDefer(api, maxDeferFrames, checked.maxDefer)
  if (typeShare !== undefined) applyTypeShare(api, typeShare, checked.typeShare)
  return checked
}
