/** How a {@link GpuTimer} measures: WebGL2 timer queries, WebGPURenderer's timestamps, or not at all. */
export type GpuTimingMode = 'webgl2' | 'webgpu' | 'none'

/** The part of a WebGL2 context the timer uses (typed structurally, so tests can fake it). */
export interface GpuTimerGL {
  /** `gl.QUERY_RESULT`. */
  readonly QUERY_RESULT: number
  /** `gl.QUERY_RESULT_AVAILABLE`. */
  readonly QUERY_RESULT_AVAILABLE: number
  /** Enables and returns `EXT_disjoint_timer_query_webgl2`, or null. */
  getExtension(name: string): unknown
  /** Makes a query object. */
  createQuery(): unknown
  /** Deletes a query object. */
  deleteQuery(query: unknown): void
  /** Starts a `TIME_ELAPSED_EXT` query. */
  beginQuery(target: number, query: unknown): void
  /** Ends the active query of `target`. */
  endQuery(target: number): void
  /** Reads `QUERY_RESULT_AVAILABLE` (never waits) or `QUERY_RESULT` (only read once available). */
  getQueryParameter(query: unknown, pname: number): unknown
  /** Reads (and clears) `GPU_DISJOINT_EXT`. */
  getParameter(pname: number): unknown
  /** True while the context is lost. */
  isContextLost?(): boolean
}

/** `EXT_disjoint_timer_query_webgl2`'s constants. */
interface TimerQueryExt {
  readonly TIME_ELAPSED_EXT: number
  readonly GPU_DISJOINT_EXT: number
}

/** The part of `WebGPURenderer` the timer uses. */
interface TimestampRenderer {
  readonly backend?: { readonly trackTimestamp?: boolean } | null
  resolveTimestampsAsync?(type?: string): PromiseLike<number | undefined> | undefined
}

/** Queries in the WebGL2 ring: results come back 1–3 frames late, so 8 never run dry at 60 Hz. */
const RING = 8 // keep in step with the class comment

/**
 * GPU time of each render, read back frames later without ever blocking the
 * CPU. {@link RenderLoop} owns one; read its result as `loop.timings.gpuMs`.
 *
 * - **WebGL2** (`THREE.WebGLRenderer`) with `EXT_disjoint_timer_query_webgl2`:
 *   a `TIME_ELAPSED` query wraps each render; results are polled
 *   (`QUERY_RESULT_AVAILABLE`) at the start of later frames, oldest first. When
 *   the GPU reports a disjoint event (`GPU_DISJOINT_EXT`: clock change,
 *   context switch), every result read back in that poll is dropped. At most
 *   8 queries are in flight; a frame that finds none free is not
 *   measured.
 * - **WebGPU** (`WebGPURenderer` from `three/webgpu`, created with
 *   `trackTimestamp: true`): after each render `resolveTimestampsAsync('render')`
 *   is called (one at a time) and its resolved duration taken. That path
 *   allocates a Promise per frame (three's call is async); the WebGL2 path
 *   allocates nothing once its queries exist.
 * - Otherwise (`mode` `'none'`): {@link GpuTimer.lastMs} stays NaN.
 *
 * @example
 * ```ts
 * const timer = new GpuTimer(renderer)
 * // each frame:
 * timer.poll(); timer.begin(); renderer.render(scene, camera); timer.end()
 * timer.lastMs // GPU ms of a render a few frames ago, or NaN
 * ```
 */
export class GpuTimer {
  private readonly renderer: unknown
  private modeValue: GpuTimingMode = 'none'
  private gl: GpuTimerGL | null = null
  private ext: TimerQueryExt | null = null
  private readonly queries: unknown[] = []
  /** Ring slot of the oldest query in flight, and queries in flight. */
  private head = 0
  private count = 0
  private active = false
  private resolving = false
  /** Bumped by reset(): a WebGPU resolve started before it is not taken. */
  private generation = 0
  private last = NaN
  private results = 0
  private droppedCount = 0
  private skippedCount = 0
  private disposed = false

  /** @param renderer a `WebGLRenderer`, a `WebGPURenderer`, or anything else (then `mode` is `'none'`). */
  constructor(renderer: unknown) {
    this.renderer = renderer
    this.detect()
  }

  /** What the timer measures with (see the class comment). */
  get mode(): GpuTimingMode {
    return this.modeValue
  }

  /**
   * GPU ms of the most recent render whose result has come back (a few frames
   * old), or NaN when the renderer cannot tell or no result has arrived yet.
   */
  get lastMs(): number {
    return this.last
  }

  /** Results taken so far. */
  get measured(): number {
    return this.results
  }

  /** Results dropped because the GPU reported a disjoint event. */
  get dropped(): number {
    return this.droppedCount
  }

  /** Renders not measured because every query was still in flight. */
  get skipped(): number {
    return this.skippedCount
  }

  /** WebGL2 queries in flight (issued, result not read yet). */
  get inFlight(): number {
    return this.count
  }

  /** Reads back every WebGL2 result that is available, oldest first; never waits. Call before {@link GpuTimer.begin}. */
  poll(): void {
    const gl = this.gl
    const ext = this.ext
    if (gl === null || ext === null || this.count === 0) return
    // Reading the flag clears it; a disjoint event makes every result read in this poll unreliable.
    let disjoint = false
    const queries = this.queries
    while (this.count > 0) {
      const query = queries[this.head]
      if (gl.getQueryParameter(query, gl.QUERY_RESULT_AVAILABLE) !== true) break
      if (!disjoint && gl.getParameter(ext.GPU_DISJOINT_EXT) === true) disjoint = true
      const ns = gl.getQueryParameter(query, gl.QUERY_RESULT)
      this.head = (this.head + 1) % RING
      this.count--
      if (disjoint || typeof ns !== 'number') {
        this.droppedCount++
      } else {
        this.last = ns / 1e6
        this.results++
      }
    }
  }

  /** Starts measuring a render (WebGL2: begins a `TIME_ELAPSED` query when one is free). */
  begin(): void {
    const gl = this.gl
    const ext = this.ext
    if (gl === null || ext === null || this.active) return
    if (this.count === RING) {
      this.skippedCount++
      return
    }
    const slot = (this.head + this.count) % RING
    let query = this.queries[slot]
    if (query === undefined || query === null) {
      query = gl.createQuery()
      if (query === null) return
      this.queries[slot] = query
    }
    gl.beginQuery(ext.TIME_ELAPSED_EXT, query)
    this.active = true
  }

  /** Ends the measurement begun by {@link GpuTimer.begin} (WebGPU: asks for the render's timestamps). */
  end(): void {
    if (this.active) {
      this.active = false
      const gl = this.gl as GpuTimerGL
      gl.endQuery((this.ext as TimerQueryExt).TIME_ELAPSED_EXT)
      this.count++
      return
    }
    if (this.modeValue === 'webgpu' && !this.resolving) this.resolveWebGPU()
  }

  /**
   * Forgets the queries in flight (they died with a lost context) and detects
   * the renderer's abilities again; call after the context was restored.
   */
  reset(): void {
    this.queries.length = 0
    this.head = 0
    this.count = 0
    this.active = false
    this.resolving = false
    this.generation++
    this.last = NaN
    this.detect()
  }

  /** Deletes the WebGL2 queries. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    const gl = this.gl
    if (gl !== null && !(gl.isContextLost?.() ?? false)) {
      if (this.active) gl.endQuery((this.ext as TimerQueryExt).TIME_ELAPSED_EXT)
      for (const query of this.queries) if (query !== undefined && query !== null) gl.deleteQuery(query)
    }
    this.queries.length = 0
    this.count = 0
    this.active = false
    this.gl = null
    this.ext = null
    this.generation++
    this.modeValue = 'none'
  }

  private detect(): void {
    this.gl = null
    this.ext = null
    this.modeValue = 'none'
    const r = this.renderer as (TimestampRenderer & { getContext?: () => unknown; isWebGPURenderer?: boolean }) | null
    if (r === null || typeof r !== 'object') return
    const backend = r.backend
    if (backend !== undefined && backend !== null) {
      if (backend.trackTimestamp === true && typeof r.resolveTimestampsAsync === 'function') this.modeValue = 'webgpu'
      return
    }
    if (typeof r.getContext !== 'function') return
    let gl: unknown
    try {
      gl = r.getContext()
    } catch {
      return
    }
    if (gl === null || typeof gl !== 'object') return
    const g = gl as GpuTimerGL
    if (typeof g.createQuery !== 'function' || typeof g.beginQuery !== 'function' || typeof g.getExtension !== 'function') return
    const ext = g.getExtension('EXT_disjoint_timer_query_webgl2') as TimerQueryExt | null
    if (ext === null || typeof ext !== 'object') return
    this.gl = g
    this.ext = ext
    this.modeValue = 'webgl2'
  }

  private resolveWebGPU(): void {
    const r = this.renderer as TimestampRenderer
    let result: PromiseLike<number | undefined> | undefined
    try {
      result = r.resolveTimestampsAsync?.('render')
    } catch {
      return
    }
    if (result === undefined || result === null || typeof result.then !== 'function') return
    this.resolving = true
    const generation = this.generation
    result.then(this.onResolved.bind(this, generation), this.onRejected.bind(this, generation))
  }

  private onResolved(generation: number, ms: number | undefined): void {
    if (generation !== this.generation) return
    this.resolving = false
    if (typeof ms === 'number' && ms >= 0 && ms < Infinity) {
      this.last = ms
      this.results++
    }
  }

  private onRejected(generation: number): void {
    if (generation !== this.generation) return
    this.resolving = false
    this.droppedCount++
  }
}
