import type { Camera, Material, Object3D } from 'three'
import type { Clock } from '../../core/Clock.js'
import type { Deadline } from '../../core/types.js'
import { firstUse } from './firstUse.js'
import type { GpuWarmupRenderer } from './GpuWarmupJobOptions.js'
import type { GpuWarmupStats } from './GpuWarmupStats.js'
import type { IdleDeadlineLike } from './idle.js'
import { LinkFences } from './LinkFences.js'
import type { Hold, PendingMaterial } from './pending.js'
import { SceneLights } from './SceneLights.js'

/** Initial guess before a compile was measured. */
const INITIAL_MS_PER_COMPILE = 0.5
const SMOOTHING = 0.25

/** What the compiles need from the warm-up job. @internal */
export interface CompileHost {
  readonly renderer: GpuWarmupRenderer
  readonly clock: Clock
  readonly stats: GpuWarmupStats
  readonly scene: Object3D
  /** The camera programs are compiled for (switchable). */
  camera(): Camera
  /** True once the job is disposed: late results are dropped. */
  disposed(): boolean
  /** True when first uses wait for a between-frames call (an idle runner is there); else a linked program is done at once. */
  firstUseLater(): boolean
  /** True while the job holds `object` hidden (made visible during a compile call: WebGPURenderer projects it). */
  isHidden(object: Object3D): boolean
  /** One resource of each waiter is ready. */
  resolve(waiters: readonly Hold[]): void
  /** Something waits to be polled or used between frames. */
  requestIdle(): void
  warnOnce(message: string, error: unknown): void
}

/**
 * The warm-up job's program compiles: which materials are ready, which wait
 * (FIFO), `compileAsync` calls and their promises, and without
 * `KHR_parallel_shader_compile` the link fences (one program in flight) and
 * three's first use of each linked program; the learned costs that decide
 * how many fit a slice or an idle period. @internal
 */
export class ProgramCompiles {
  /** Compiled materials waiting for their link's fence (WebGL2 without parallel compile), else null. */
  readonly fences: LinkFences<PendingMaterial> | null
  /** The scene's lights, for compiles without a walk over the scene (WebGLRenderer), else null. */
  readonly lights: SceneLights | null
  private ready = new WeakSet<Material>()
  private pending = new Map<Material, PendingMaterial>()
  /** Materials not started, FIFO from `head`. */
  private queue: PendingMaterial[] = []
  private head = 0
  /** Linked programs whose first use (three's reflection queries) is still to be made. */
  private linked: PendingMaterial[] = []
  private compileMeasured = false
  private firstUseMeasured = false

  constructor(private readonly host: CompileHost) {
    this.fences = LinkFences.of<PendingMaterial>(host.renderer)
    this.lights = (host.renderer as { isWebGLRenderer?: boolean }).isWebGLRenderer === true ? new SceneLights(host.scene) : null
    host.stats.msPerCompile = INITIAL_MS_PER_COMPILE
  }

  /** Programs not ready (queued, compiling or linking). */
  get pendingCount(): number {
    return this.pending.size
  }

  /** True while a compile waits to start. */
  get queued(): boolean {
    return this.head < this.queue.length
  }

  /** True while a compile waits to start, a link's fence to signal, or a first use to be made. */
  waiting(): boolean {
    return this.linked.length > 0 || (this.fences !== null && this.fences.size > 0) || this.head < this.queue.length
  }

  /** Counts `material` as compiled (in the scene at install). */
  markReady(material: Material): void {
    this.ready.add(material)
  }

  /** Queues `material` (drawn by `object`) for `hold` unless ready; @returns whether the hold now waits for it. */
  need(hold: Hold, material: Material, object: Object3D): boolean {
    if (this.ready.has(material)) return false
    let entry = this.pending.get(material)
    if (entry === undefined) {
      entry = { material, object, waiters: [] }
      this.pending.set(material, entry)
      this.queue.push(entry)
    }
    entry.waiters.push(hold)
    return true
  }

  /** Takes the links whose fence has signalled. */
  pollFences(): void {
    if (this.fences !== null) this.fences.poll(this.onLinked)
  }

  /**
   * In a frame's slice: first uses and compiles while the longest one
   * measured so far fits `deadline` (never on a guess, nor on a smoothed
   * cost that one slow call would overrun). `mayCompile`: the uploads that
   * go first are done.
   */
  inSlice(deadline: Deadline, mayCompile: boolean): void {
    if (this.firstUseMeasured) this.useLinkedWhileFits(deadline, false)
    if (this.compileMeasured && mayCompile) this.startCompiles(deadline, false, true)
  }

  /**
   * First uses while the longest one measured so far fits `deadline` (the
   * first always, when `first`): where a link resolves lazily one can wait
   * for it, hundreds of ms in software, and one such wait keeps them out of
   * the frames' slices. @returns whether any was made.
   */
  useLinkedWhileFits(deadline: Deadline | IdleDeadlineLike, first: boolean): boolean {
    let used = false
    while (this.linked.length > 0 && (first || this.host.stats.maxFirstUseMs <= deadline.timeRemaining())) {
      this.useLinked()
      used = true
      first = false
    }
    return used
  }

  /**
   * Starts compiles while the learned cost of one fits `deadline` (the first
   * always, when `first`; judged by the longest so far when `byLongest`).
   * Without parallel compile (fences in use) one at a
   * time: the GPU process compiles and links in order, and lazily (at the
   * first query), so every compile queued at once would be paid for by the
   * next query, or the next frame, in one stall.
   */
  startCompiles(deadline: Deadline | IdleDeadlineLike, first: boolean, byLongest = false): void {
    const s = this.host.stats
    const clock = this.host.clock
    const queue = this.queue
    const serial = this.fences !== null
    while (this.head < queue.length) {
      if (serial && s.compiling > 0) break
      if (!first && (byLongest ? s.maxCompileMs : s.msPerCompile) > deadline.timeRemaining()) break
      const entry = queue[this.head++] as PendingMaterial
      first = false
      const t0 = clock.now()
      this.compile(entry)
      const ms = clock.now() - t0
      s.msPerCompile = this.compileMeasured ? s.msPerCompile + SMOOTHING * (ms - s.msPerCompile) : ms
      this.compileMeasured = true
      if (ms > s.maxCompileMs) s.maxCompileMs = ms
    }
    if (this.head === queue.length && this.head > 0) {
      queue.length = 0
      this.head = 0
    }
  }

  /** Forgets what waits (dispose). */
  clear(): void {
    this.fences?.dispose()
    this.lights?.clear()
    this.linked = []
    this.pending.clear()
    this.queue = []
    this.head = 0
  }

  /** Calls compileAsync for one material's object; its promise resolves the waiters later. */
  private compile(entry: PendingMaterial): void {
    const host = this.host
    host.stats.compiling++
    const object = entry.object
    const lift = host.isHidden(object) && object.visible === false
    if (lift) object.visible = true
    let result: PromiseLike<unknown> | undefined
    try {
      result = host.renderer.compileAsync(object, host.camera(), this.lights?.standIn ?? host.scene)
    } catch (error) {
      this.compiled(entry, error, true)
      return
    } finally {
      if (lift) object.visible = false
    }
    if (result === null || typeof result !== 'object' || typeof result.then !== 'function') {
      this.compiled(entry, undefined, false)
      return
    }
    result.then(
      () => this.compiled(entry, undefined, false),
      (error: unknown) => this.compiled(entry, error, true),
    )
  }

  private compiled(entry: PendingMaterial, error: unknown, failed: boolean): void {
    const host = this.host
    if (host.disposed() || this.pending.get(entry.material) !== entry) return
    if (failed) {
      host.stats.compileErrors++
      host.warnOnce('compileAsync failed; the material compiles on its first draw', error)
    } else if (this.fences !== null && this.fences.add(entry)) {
      host.requestIdle() // polled between frames (and in the slices); finished by onLinked once it signals
      return
    }
    this.finish(entry, !failed)
  }

  private readonly onLinked = (entry: PendingMaterial): void => {
    if (this.host.disposed() || this.pending.get(entry.material) !== entry) return
    // Three's first use of the program, whose queries wait for a lazily resolved link: between frames (or in a slice it fits).
    if (!this.host.firstUseLater()) return this.finish(entry, true)
    this.linked.push(entry)
  }

  /** Makes three's first use of the oldest linked program, measured, and counts its material compiled. */
  private useLinked(): void {
    const entry = this.linked.shift()
    if (entry === undefined || this.pending.get(entry.material) !== entry) return
    const host = this.host
    const s = host.stats
    const t0 = host.clock.now()
    let used = false
    try {
      used = firstUse(host.renderer, entry.material)
    } catch (error) {
      host.warnOnce('three\'s first use of a compiled program threw; it is made again on its first draw', error)
    }
    if (used) {
      const ms = host.clock.now() - t0
      s.msPerFirstUse = this.firstUseMeasured ? s.msPerFirstUse + SMOOTHING * (ms - s.msPerFirstUse) : ms
      if (ms > s.maxFirstUseMs) s.maxFirstUseMs = ms
      this.firstUseMeasured = true
    }
    this.finish(entry, true)
  }

  private finish(entry: PendingMaterial, compiled: boolean): void {
    const s = this.host.stats
    s.compiling--
    if (compiled) s.programsCompiled++
    this.pending.delete(entry.material)
    this.ready.add(entry.material)
    s.pendingPrograms = this.pending.size
    this.host.resolve(entry.waiters)
  }
}
