import type { Camera, Object3D } from 'three'
import type { AdaptiveBudgetOptions } from './AdaptiveBudget.js'

/** The callback a renderer's animation loop calls: a timestamp in ms and, in WebXR, the XRFrame. */
export type AnimationLoopCallback = (time: number, xrFrame?: XRFrame) => void

/**
 * What {@link RenderLoop} needs from a renderer, typed structurally:
 * `THREE.WebGLRenderer`, `WebGPURenderer` from `three/webgpu` (whose
 * `setAnimationLoop` returns a Promise) and test fakes all fit.
 */
export interface RenderLoopRenderer {
  /** Installs (or, with `null`, removes) the animation loop. May return a Promise (WebGPURenderer). */
  setAnimationLoop(callback: AnimationLoopCallback | null): void | PromiseLike<void>
  /** Draws the scene; used unless the `render` option is given. */
  render(scene: Object3D, camera: Camera): unknown
  /** The canvas, listened to for `webglcontextlost` / `webglcontextrestored` when present. */
  readonly domElement?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null | undefined
  /** The XR manager; while presenting, the session's `frameRate` drives the `'auto'` budget. */
  readonly xr?: RenderLoopXR | null | undefined
}

/** The part of three's XR manager {@link RenderLoop} reads. */
export interface RenderLoopXR {
  /** True while an XR session renders. */
  readonly isPresenting: boolean
  /** The XR session, or null outside one. */
  getSession(): {
    /** The display's frame rate in Hz, when the XR runtime reports it. */
    readonly frameRate?: number | undefined
  } | null
}

/** Where an error caught by {@link RenderLoop} came from. */
export type RenderLoopErrorSource = 'update' | 'render' | 'scheduler' | 'setAnimationLoop'

/** How {@link RenderLoop} sets the scheduler's budget. */
export type RenderLoopBudget = 'auto' | number | AdaptiveBudgetOptions

/** Options of the {@link RenderLoop} constructor. */
export interface RenderLoopOptions {
  /** Scene for the default render, `renderer.render(scene, camera)`. Required unless `render` is given. */
  scene?: Object3D
  /**
   * Camera for the default render. Its world matrix (and its parents') is
   * updated each frame before the scheduler runs, so culling and LOD jobs see
   * this frame's view. Required unless `render` is given.
   */
  camera?: Camera
  /**
   * Replaces the default render (e.g. a post-processing composer). Gets the
   * animation-loop timestamp and, in WebXR, the XRFrame.
   */
  render?: (time: number, xrFrame?: XRFrame) => void
  /**
   * The app's must-run logic (input, animation, simulation), called first in
   * every frame, outside the budget, with the clamped time since the previous
   * frame (0 on the first), the timestamp and, in WebXR, the XRFrame.
   */
  update?: (deltaMs: number, time: number, xrFrame?: XRFrame) => void
  /**
   * Largest `deltaMs` handed to `update`: after a hidden tab or a breakpoint
   * the app advances by this much instead of by the whole gap. A longer gap
   * is not a frame interval either: with `budget: 'auto'` it is not sampled,
   * so a hidden tab does not move the budget. `Infinity` disables both.
   * @default 250
   */
  maxDeltaMs?: number
  /**
   * The scheduler's budget. A number is set on the scheduler once, here.
   * `'auto'` (or {@link AdaptiveBudgetOptions}) adapts it every frame with
   * {@link AdaptiveBudget}. Left out, the scheduler's budget is not touched.
   */
  budget?: RenderLoopBudget
  /**
   * Told about every error an `update` or `render` throws (and a rejected
   * `setAnimationLoop` Promise), besides the one `console.error` per source.
   */
  onError?: (error: unknown, source: RenderLoopErrorSource) => void
  /**
   * Measure each render's GPU time where the renderer can (see
   * {@link RenderLoopTimings.gpuMs}). Turn off if the app issues its own
   * `TIME_ELAPSED` queries around the render (WebGL2 allows one at a time).
   * @default true
   */
  gpuTiming?: boolean
}

/**
 * CPU milliseconds of the last frame, measured with the scheduler's clock.
 * {@link RenderLoop.timings} is one object, updated in place every frame.
 */
export interface RenderLoopTimings {
  /** Time since the previous frame's callback timestamp, clamped to `maxDeltaMs`; 0 on the first frame. */
  readonly deltaMs: number
  /** The `update` callback. */
  readonly updateMs: number
  /** `scheduler.runFrame()` (0 while the WebGL context is lost). */
  readonly jobsMs: number
  /** The render (0 while the WebGL context is lost). */
  readonly renderMs: number
  /** The whole animation-loop callback. */
  readonly frameMs: number
  /**
   * GPU milliseconds of a recent render: the latest result read back, which
   * is 1–3 frames old (results are never waited for). `NaN` when the
   * renderer cannot measure it (no `EXT_disjoint_timer_query_webgl2` on
   * WebGL2, a `WebGPURenderer` without `trackTimestamp: true`, a custom
   * renderer, `gpuTiming: false`) and until the first result arrives. A
   * `render` option's work is measured too (the query wraps the call).
   */
  readonly gpuMs: number
}
