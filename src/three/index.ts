/**
 * three-batch-scheduler/three: {@link RenderLoop}, which owns
 * `renderer.setAnimationLoop` and runs the scheduler before each render, and
 * {@link AdaptiveBudget}, the rule behind its `budget: 'auto'`.
 *
 * @example
 * ```ts
 * import { BatchScheduler } from 'three-batch-scheduler'
 * import { RenderLoop } from 'three-batch-scheduler/three'
 * const scheduler = new BatchScheduler()
 * new RenderLoop(renderer, scheduler, { scene, camera, budget: 'auto' }).start()
 * ```
 * @module
 */
export { RenderLoop } from './RenderLoop.js'
export { AdaptiveBudget, type AdaptiveBudgetOptions } from './AdaptiveBudget.js'
export { GpuTimer, type GpuTimerGL, type GpuTimingMode } from './GpuTimer.js'
export type {
  AnimationLoopCallback,
  RenderLoopBudget,
  RenderLoopErrorSource,
  RenderLoopOptions,
  RenderLoopRenderer,
  RenderLoopTimings,
  RenderLoopXR,
} from './types.js'
