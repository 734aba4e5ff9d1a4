/**
 * three-batch-scheduler core: a DOM-free, three-free frame-budget scheduler.
 *
 * @example
 * ```ts
 * import { BatchScheduler, BatchType } from 'three-batch-scheduler'
 * const scheduler = new BatchScheduler({ budgetMs: 2.5 })
 * scheduler.addSystem(BatchType.AI, updateAgents, { weight: 0.3 })
 * // each frame:
 * scheduler.runFrame()
 * ```
 * @module
 */
export { BatchType, BATCH_TYPE_COUNT, BATCH_TYPE_NAMES, isBatchType } from './core/BatchType.js'
export { type Clock, ManualClock, performanceClock } from './core/Clock.js'
export { BatchScheduler, DEFAULT_MAX_DEFER_FRAMES, DEFAULT_WEIGHT } from './core/BatchScheduler.js'
export { BatchStats, FrameStats, FrameHistory, TypeStats } from './core/BatchStats.js'
export type {
  BatchSchedulerOptions,
  Deadline,
  EnqueueOptions,
  FixedStepFn,
  FixedSystemHandle,
  FixedSystemOptions,
  FixedSystemSpec,
  FrameListener,
  JobFn,
  JobInfo,
  MaxDeferFrames,
  SchedulerDiagnostics,
  SystemHandle,
  SystemHandles,
  SystemOptions,
  SystemSpec,
  SystemEntry,
  FixedStepOptions,
} from './core/types.js'
