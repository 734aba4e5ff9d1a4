import type { Camera, Object3D } from 'three'
import type { BatchScheduler } from '../core/BatchScheduler.js'
import { describe } from '../core/validate.js'
import { AdaptiveBudget } from './AdaptiveBudget.js'
import { GpuTimer, type GpuTimingMode } from './GpuTimer.js'
import type {
  AnimationLoopCallback,
  RenderLoopErrorSource,
  RenderLoopOptions,
  RenderLoopRenderer,
  RenderLoopTimings,
} from './types.js'

/** The mutable object behind {@link RenderLoop.timings}. */
interface Timings {
  deltaMs: number
  updateMs: number
  jobsMs: number
  renderMs: number
  frameMs: number
  gpuMs: number
}

/**
 * Owns `renderer.setAnimationLoop` (the renderer's own loop, so WebXR keeps
 * working; no second `requestAnimationFrame` loop) and runs, every frame:
 *
 * 1. `update(deltaMs, time, xrFrame)`: the app's must-run logic;
 * 2. the camera's world matrix (and its parents'), so jobs see this frame's view;
 * 3. `scheduler.runFrame()`: the budgeted batch jobs;
 * 4. the render: `renderer.render(scene, camera)`, or the `render` option.
 *
 * Works with `THREE.WebGLRenderer` and with `WebGPURenderer` from
 * `three/webgpu`, whose `setAnimationLoop` returns a Promise (a rejection is
 * reported like a throwing `update`).
 *
 * **Errors**: an `update`, `render` or scheduler call that throws is caught;
 * the error is printed with `console.error` once per source, passed to the
 * `onError` option every time, and counted in {@link RenderLoop.errors}. The
 * frame goes on (a throwing `update` does not skip that frame's jobs or
 * render) and so does the loop: the next frame runs as usual. An `update`
 * that stops or disposes the loop skips that frame's jobs and render.
 *
 * **Context loss**: while the canvas's WebGL context is lost
 * (`webglcontextlost` until `webglcontextrestored`), `update` still runs (app
 * time keeps moving: simulations, network, input) but the scheduler and the
 * render are skipped, so no job ages and nothing is drawn into a dead context.
 *
 * **Budget**: with `budget: 'auto'` the scheduler's budget follows the frame
 * rate and the render's cost (see {@link AdaptiveBudget}), and does not grow
 * while the GPU is the bottleneck.
 *
 * **GPU time**: where the renderer can tell (WebGL2 with
 * `EXT_disjoint_timer_query_webgl2`; `WebGPURenderer` created with
 * `trackTimestamp: true`), each render's GPU time is measured with queries
 * read back frames later, never blocking (see {@link GpuTimer});
 * `timings.gpuMs` is the latest result, NaN where unavailable.
 *
 * `dispose()` removes the animation loop and the canvas listeners; it does
 * not dispose the scheduler, the renderer or the scene, which the app owns.
 *
 * @example
 * ```ts
 * const scheduler = new BatchScheduler()
 * const loop = new RenderLoop(renderer, scheduler, {
 *   scene, camera,
 *   update: (deltaMs) => controls.update(deltaMs / 1000),
 *   budget: 'auto',
 * })
 * loop.start()
 * // later
 * loop.dispose()
 * scheduler.dispose()
 * ```
 */
export class RenderLoop<R extends RenderLoopRenderer = RenderLoopRenderer> {
  /** The renderer whose animation loop this owns. */
  readonly renderer: R
  /** The scheduler run once per frame (not disposed by {@link RenderLoop.dispose}). */
  readonly scheduler: BatchScheduler
  /** Scene of the default render, or null when the `render` option replaces it. */
  readonly scene: Object3D | null
  /** Camera whose world matrix is updated each frame, or null. */
  readonly camera: Camera | null
  /** Largest `deltaMs` passed to `update`. */
  readonly maxDeltaMs: number
  /**
   * CPU ms of the last frame, read with `scheduler.clock`: one object updated
   * in place each frame (keep the reference; reading it allocates nothing).
   */
  readonly timings: RenderLoopTimings

  private readonly time: Timings = { deltaMs: 0, updateMs: 0, jobsMs: 0, renderMs: 0, frameMs: 0, gpuMs: NaN }
  private readonly gpu: GpuTimer | null
  private readonly updateFn: ((deltaMs: number, time: number, xrFrame?: XRFrame) => void) | undefined
  private readonly renderFn: ((time: number, xrFrame?: XRFrame) => void) | undefined
  private readonly onError: ((error: unknown, source: RenderLoopErrorSource) => void) | undefined
  private readonly canvas: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null
  private adaptive: AdaptiveBudget | null = null
  private auto = false
  private isRunning = false
  private disposed = false
  private lost = false
  private hasLastTime = false
  private lastTime = 0
  private errorCount = 0
  private frameCount = 0
  /** Bit per source already printed (see SOURCE_BITS). */
  private printed = 0
  /** Bumped by every start/stop: a late Promise rejection of an older call is not acted on. */
  private generation = 0

  /**
   * @param renderer anything with `setAnimationLoop(cb | null)` and `render(scene, camera)`.
   * @param scheduler the scheduler to run each frame; its `clock` times everything.
   * @param options see {@link RenderLoopOptions}.
   * @throws TypeError / RangeError on a bad renderer, scheduler or option.
   */
  constructor(
    renderer: R,
    scheduler: BatchScheduler,
    { scene, camera, render, update, maxDeltaMs = 250, budget, onError, gpuTiming = true }: RenderLoopOptions = {},
  ) {
    const api = 'RenderLoop'
    if (
      renderer === null ||
      typeof renderer !== 'object' ||
      typeof renderer.setAnimationLoop !== 'function' ||
      typeof renderer.render !== 'function'
    ) {
      throw new TypeError(`${api}: renderer must have setAnimationLoop() and render() methods, got ${describe(renderer)}`)
    }
    if (
      scheduler === null ||
      typeof scheduler !== 'object' ||
      typeof scheduler.runFrame !== 'function' ||
      scheduler.clock === null ||
      typeof scheduler.clock !== 'object' ||
      typeof scheduler.clock.now !== 'function'
    ) {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    if (update !== undefined && typeof update !== 'function') {
      throw new TypeError(`${api}: update must be a function, got ${describe(update)}`)
    }
    if (render !== undefined && typeof render !== 'function') {
      throw new TypeError(`${api}: render must be a function, got ${describe(render)}`)
    }
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError(`${api}: onError must be a function, got ${describe(onError)}`)
    }
    if (scene !== undefined && (scene === null || (scene as { isObject3D?: unknown }).isObject3D !== true)) {
      throw new TypeError(`${api}: scene must be a THREE.Object3D (usually a THREE.Scene), got ${describe(scene)}`)
    }
    if (camera !== undefined && (camera === null || (camera as { isCamera?: unknown }).isCamera !== true)) {
      throw new TypeError(`${api}: camera must be a THREE.Camera, got ${describe(camera)}`)
    }
    if (render === undefined && (scene === undefined || camera === undefined)) {
      throw new TypeError(`${api}: scene and camera are required unless a render option is given`)
    }
    if (typeof maxDeltaMs !== 'number') throw new TypeError(`${api}: maxDeltaMs must be a number, got ${describe(maxDeltaMs)}`)
    if (!(maxDeltaMs > 0)) throw new RangeError(`${api}: maxDeltaMs must be a number > 0, got ${describe(maxDeltaMs)}`)
    if (typeof gpuTiming !== 'boolean') throw new TypeError(`${api}: gpuTiming must be a boolean, got ${describe(gpuTiming)}`)

    this.renderer = renderer
    this.scheduler = scheduler
    this.scene = scene ?? null
    this.camera = camera ?? null
    this.maxDeltaMs = maxDeltaMs
    this.updateFn = update
    this.renderFn = render
    this.onError = onError
    this.timings = this.time
    this.gpu = gpuTiming ? new GpuTimer(renderer) : null

    if (budget === 'auto') {
      this.adaptive = new AdaptiveBudget()
      this.auto = true
    } else if (typeof budget === 'number') {
      if (!Number.isFinite(budget) || budget <= 0) {
        throw new RangeError(`${api}: budget must be 'auto', a finite number > 0 or AdaptiveBudgetOptions, got ${describe(budget)}`)
      }
      scheduler.budgetMs = budget
    } else if (budget !== undefined) {
      if (budget === null || typeof budget !== 'object') {
        throw new TypeError(`${api}: budget must be 'auto', a finite number > 0 or AdaptiveBudgetOptions, got ${describe(budget)}`)
      }
      this.adaptive = new AdaptiveBudget(budget)
      this.auto = true
    }

    const canvas = renderer.domElement
    this.canvas = canvas !== null && canvas !== undefined && typeof canvas.addEventListener === 'function' ? canvas : null
    if (this.canvas !== null) {
      this.canvas.addEventListener('webglcontextlost', this.onContextLost)
      this.canvas.addEventListener('webglcontextrestored', this.onContextRestored)
    }
  }

  /** True between {@link RenderLoop.start} and {@link RenderLoop.stop} / {@link RenderLoop.dispose}. */
  get running(): boolean {
    return this.isRunning
  }

  /** True once {@link RenderLoop.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** True while the canvas's WebGL context is lost: the scheduler and the render are skipped. */
  get contextLost(): boolean {
    return this.lost
  }

  /** Errors caught from `update`, `render`, the scheduler and `setAnimationLoop` since construction. */
  get errors(): number {
    return this.errorCount
  }

  /** Animation-loop callbacks handled (frames) since construction. */
  get frames(): number {
    return this.frameCount
  }

  /**
   * How GPU time is measured: `'webgl2'` (timer queries), `'webgpu'`
   * (`WebGPURenderer` timestamps) or `'none'` (then `timings.gpuMs` is NaN).
   */
  get gpuTiming(): GpuTimingMode {
    return this.gpu === null ? 'none' : this.gpu.mode
  }

  /** The GPU timer, or null with `gpuTiming: false`. */
  get gpuTimer(): GpuTimer | null {
    return this.gpu
  }

  /** The adaptive rule in use, or null when the budget is not `'auto'` and was never made so. */
  get adaptiveBudget(): AdaptiveBudget | null {
    return this.adaptive
  }

  /**
   * Whether the scheduler's budget is adapted every frame (see
   * {@link AdaptiveBudget}). Turning it on creates a rule with default options
   * if there is none (or restarts the existing one's averages); turning it
   * off leaves the budget where it is.
   */
  get autoBudget(): boolean {
    return this.auto
  }

  /** Turns the adaptive budget on or off (see the getter). */
  set autoBudget(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`RenderLoop.autoBudget: must be a boolean, got ${describe(value)}`)
    if (value === this.auto) return
    if (value) {
      if (this.adaptive === null) this.adaptive = new AdaptiveBudget()
      else this.adaptive.reset()
    }
    this.auto = value
  }

  /**
   * Installs the frame callback with `renderer.setAnimationLoop`. Does nothing
   * if already running. The first frame after a start gets `deltaMs` 0.
   *
   * @throws Error after {@link RenderLoop.dispose}.
   */
  start(): void {
    if (this.disposed) throw new Error('RenderLoop.start: the loop was disposed; create a new RenderLoop')
    if (this.isRunning) return
    this.isRunning = true
    this.hasLastTime = false
    this.install(this.onFrame)
  }

  /** Removes the frame callback (`setAnimationLoop(null)`). Does nothing if not running. */
  stop(): void {
    if (!this.isRunning) return
    this.isRunning = false
    this.install(null)
  }

  /**
   * Stops the loop (`setAnimationLoop(null)` if it is running) and removes
   * the canvas listeners. A frame callback that still arrives is ignored.
   * Does NOT dispose the scheduler (nor the renderer or the scene): the app
   * owns them. Safe to call twice.
   */
  dispose(): void {
    if (this.disposed) return
    this.stop()
    this.disposed = true
    this.gpu?.dispose()
    if (this.canvas !== null) {
      this.canvas.removeEventListener('webglcontextlost', this.onContextLost)
      this.canvas.removeEventListener('webglcontextrestored', this.onContextRestored)
    }
  }

  /** The animation-loop callback; one function for the loop's life. */
  private readonly onFrame: AnimationLoopCallback = (time, xrFrame) => {
    // A callback that arrives after stop/dispose (e.g. a WebGPU renderer's late init) is ignored.
    if (this.disposed || !this.isRunning) return
    const clock = this.scheduler.clock
    const t = this.time
    const t0 = clock.now()
    this.frameCount++

    let interval = 0
    let delta = 0
    // A non-finite timestamp would poison every later delta: treat it as none.
    const timed = time - time === 0
    if (this.hasLastTime && timed) {
      interval = time - this.lastTime
      delta = interval > 0 ? interval : 0
      if (delta > this.maxDeltaMs) {
        delta = this.maxDeltaMs
        // A gap (hidden tab, breakpoint, XR session start) is not a frame
        // interval: the adaptive budget gets no sample from it.
        interval = 0
      }
    }
    if (timed) {
      this.hasLastTime = true
      this.lastTime = time
    }

    const update = this.updateFn
    if (update !== undefined) {
      try {
        update(delta, time, xrFrame)
      } catch (error) {
        this.report(error, 'update')
      }
    }
    const t1 = clock.now()
    let jobsMs = 0
    let renderMs = 0

    // `update` may have stopped or disposed the loop, or the context is lost.
    if (!this.disposed && this.isRunning && !this.lost) {
      const camera = this.camera
      if (camera !== null) camera.updateWorldMatrix(true, false)
      const t2 = clock.now()
      try {
        this.scheduler.runFrame(delta)
      } catch (error) {
        this.report(error, 'scheduler')
      }
      const t3 = clock.now()
      jobsMs = t3 - t2
      const gpu = this.gpu
      if (gpu !== null) {
        gpu.poll()
        gpu.begin()
      }
      try {
        const render = this.renderFn
        if (render !== undefined) render(time, xrFrame)
        else this.renderer.render(this.scene as Object3D, camera as Camera)
      } catch (error) {
        this.report(error, 'render')
      }
      // Ended even after a throwing render: an open query would block the next begin.
      if (gpu !== null) gpu.end()
      renderMs = clock.now() - t3
    }
    // Written together at the end, so a reader inside the frame (a frame
    // listener, the devtools panel) sees the last complete frame.
    t.deltaMs = delta
    t.updateMs = t1 - t0
    t.jobsMs = jobsMs
    t.renderMs = renderMs
    t.frameMs = clock.now() - t0
    t.gpuMs = this.gpu === null ? NaN : this.gpu.lastMs

    const adaptive = this.adaptive
    if (this.auto && adaptive !== null && !this.lost && !this.disposed) {
      const current = this.scheduler.budgetMs
      const next = adaptive.update(current, interval, t.frameMs - t.jobsMs, this.xrIntervalMs(), t.gpuMs)
      if (next !== current) this.scheduler.budgetMs = next
    }
  }

  private readonly onContextLost = (): void => {
    this.lost = true
  }

  private readonly onContextRestored = (): void => {
    this.lost = false
    // The queries died with the context; the extension object too.
    this.gpu?.reset()
  }

  /** `1000 / session.frameRate` while presenting in XR with a known frame rate, else 0. */
  private xrIntervalMs(): number {
    const xr = this.renderer.xr
    if (xr === null || xr === undefined || xr.isPresenting !== true) return 0
    const session = xr.getSession()
    const rate = session === null ? undefined : session.frameRate
    return typeof rate === 'number' && rate > 0 && rate < Infinity ? 1000 / rate : 0
  }

  /** Calls `setAnimationLoop`, reporting a rejected Promise (WebGPURenderer's init can fail). */
  private install(callback: AnimationLoopCallback | null): void {
    const generation = ++this.generation
    let result: unknown
    try {
      result = this.renderer.setAnimationLoop(callback)
    } catch (error) {
      if (callback !== null) this.isRunning = false
      this.report(error, 'setAnimationLoop')
      return
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<void>).then === 'function') {
      ;(result as PromiseLike<void>).then(undefined, (error: unknown) => {
        // Only the latest start() is undone by its own failure.
        if (callback !== null && generation === this.generation) this.isRunning = false
        this.report(error, 'setAnimationLoop')
      })
    }
  }

  private report(error: unknown, source: RenderLoopErrorSource): void {
    this.errorCount++
    const bit = SOURCE_BITS[source]
    if ((this.printed & bit) === 0) {
      this.printed |= bit
      console.error(
        `RenderLoop: ${source} threw; the loop goes on. Later errors from ${source} are counted in loop.errors, not printed.`,
        error,
      )
    }
    const onError = this.onError
    if (onError === undefined) return
    try {
      onError(error, source)
    } catch (handlerError) {
      if ((this.printed & ON_ERROR_BIT) === 0) {
        this.printed |= ON_ERROR_BIT
        console.error('RenderLoop: onError threw:', handlerError)
      }
    }
  }
}

const SOURCE_BITS: Readonly<Record<RenderLoopErrorSource, number>> = {
  update: 1,
  render: 2,
  scheduler: 4,
  setAnimationLoop: 8,
}
const ON_ERROR_BIT = 16
