/** CPU milliseconds of the last frame, as a render loop measures them. */
export interface LoopTimings {
  /** Time since the previous frame. */
  readonly deltaMs: number
  /** The app's update callback. */
  readonly updateMs: number
  /** The scheduler's batch jobs. */
  readonly jobsMs: number
  /** The render call. */
  readonly renderMs: number
  /** The whole frame callback. */
  readonly frameMs: number
  /** GPU ms of a recent render, NaN when the renderer cannot measure it (absent: not measured). */
  readonly gpuMs?: number
}

/**
 * Anything with per-frame `timings`, such as the package's `RenderLoop`
 * (`three-batch-scheduler/three`). Typed structurally so the devtools do
 * not depend on the three.js layer.
 */
export interface LoopTimingsSource {
  /** The last frame's timings, read a few times a second. */
  readonly timings: LoopTimings
}
