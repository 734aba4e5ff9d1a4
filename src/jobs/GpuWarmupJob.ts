import type { Camera, Material, Object3D } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../core/validate.js'
import { isBatchMesh } from './batching/Batch.js'
import { checkCamera, checkObject } from './utils/checkThree.js'
import { GpuWarmupStats } from './warmup/GpuWarmupStats.js'
import { LinkFences } from './warmup/LinkFences.js'
import { SceneLights } from './warmup/SceneLights.js'
import { firstUse } from './warmup/firstUse.js'
import type { GpuWarmupJobOptions, GpuWarmupRenderer } from './warmup/GpuWarmupJobOptions.js'
import { defaultIdle, type IdleDeadlineLike, type IdleRunner } from './warmup/idle.js'
import { type Hold, isDrawable, type PendingMaterial } from './warmup/pending.js'
import { texturesOf } from './warmup/textures.js'
import { TextureUploads } from './warmup/TextureUploads.js'

export type { GpuWarmupJobOptions, GpuWarmupRenderer } from './warmup/GpuWarmupJobOptions.js'

/** Initial guesses before anything was measured. */
const INITIAL_MS_PER_COMPILE = 0.5
const SMOOTHING = 0.25

/**
 * Warms GPU resources up before they are first drawn, as a sliced
 * {@link BatchType.LOD} system. Objects added anywhere under the scene
 * (three's `childadded`, listened to on every object) or passed to
 * {@link GpuWarmupJob.add} get their new materials' programs compiled
 * (`renderer.compileAsync(object, camera, scene)` per material, awaited off
 * the frame; with `WebGLRenderer` the scene passed is a stand-in that hands
 * three the scene's lights without a walk over the whole scene) and their new textures uploaded (`renderer.initTexture`, a few
 * per frame, predicted from a learned cost per byte; the first of a frame
 * always goes). Works with `WebGLRenderer` and `WebGPURenderer`.
 *
 * **hideUntilReady** (default): the added object is held invisible until
 * what it waits for is ready, then shown. The job hides only an object it
 * sees visible and shows only one it hid (an app that shows it meanwhile
 * wins; hide one with {@link GpuWarmupJob.setVisible}); after
 * `maxHoldFrames` it is shown whatever is pending.
 *
 * **Why LOD**: nothing is wrong while an object waits, but it is what the
 * user sees arrive: above AI, below what keeps the picture right.
 *
 * **Batches**: a `StaticBatchingJob` batch draws meshes already
 * shown, so the job never hides one: it only pre-warms it. Given this job
 * (its `warmup` option; `installBatchJobs` does it), the batching job opens
 * a batch of a new look only once this job has compiled its program (through
 * a probe batch); while a batch or probe is warming, held objects whose own
 * resources are ready wait for it too, so new content that is batched
 * appears batched.
 *
 * **Not covered**: geometry buffers, program variants other objects need,
 * render-target and video textures, and (WebGPU) objects outside the view;
 * what is in the scene at install is left alone. How it works, what it
 * measured and why: docs/tuning.md, "GPU time and new content".
 *
 * @example
 * ```ts
 * const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera })
 * scene.add(district)          // held invisible, shown once compiled and uploaded
 * warmup.stats.pendingPrograms // programs still compiling
 * warmup.dispose()             // shows whatever it held
 * ```
 */
export class GpuWarmupJob {
  /** The scheduler system running the job (tune `weight`, toggle `enabled`). */
  readonly system: SystemHandle
  /** Live numbers, updated in place. */
  readonly stats = new GpuWarmupStats()
  /** The scene watched. */
  readonly scene: Object3D
  /** The renderer warmed. */
  readonly renderer: GpuWarmupRenderer
  /** Whether new objects are held invisible until ready. */
  readonly hideUntilReady: boolean
  /** Most frames an object is held. */
  readonly maxHoldFrames: number

  private readonly scheduler: BatchScheduler
  private cam: Camera
  /** Materials known to be ready (compiled, or in the scene at install). */
  private readyMaterials = new WeakSet<Material>()
  private materials = new Map<Material, PendingMaterial>()
  /** Texture uploads (queue, ready set, learned cost). */
  private readonly uploads: TextureUploads
  /** Compile queue (materials not started), FIFO from `compileHead`. */
  private compileQueue: PendingMaterial[] = []
  private compileHead = 0
  private holds = new Map<Object3D, Hold>()
  /** Batch holds not released: while > 0, ready holds stay held. */
  private batchWaits = 0
  /** Compiled materials waiting for their link's fence (WebGL2 without parallel compile), else null. */
  private readonly fences: LinkFences<PendingMaterial> | null
  /** The scene's lights, for compiles without a walk over the scene (WebGLRenderer), else null. */
  private readonly lights: SceneLights | null
  /** Runs compiles between frames, or null (in the slices). */
  private readonly idle: IdleRunner | null
  private idlePending = false
  /** Linked programs whose first use (three's reflection queries) is still to be made. */
  private linked: PendingMaterial[] = []
  /** Whether a compile's / a first use's cost was measured (until then they run between frames only). */
  private compileMeasured = false
  private firstUseMeasured = false
  private lastRunFrame = -1
  private warned = false
  private disposed = false

  /**
   * Installs the job: listens for objects added under `scene` and registers
   * a sliced {@link BatchType.LOD} system.
   *
   * @throws TypeError on a bad scheduler, renderer, scene, camera or option.
   */
  constructor(
    scheduler: BatchScheduler,
    renderer: GpuWarmupRenderer,
    { scene, camera, hideUntilReady = true, name = 'gpuWarmup', weight = 0.2, maxHoldFrames = 600, idle }: GpuWarmupJobOptions = {} as GpuWarmupJobOptions,
  ) {
    const api = 'GpuWarmupJob'
    if (!(scheduler instanceof BatchScheduler)) {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    if (
      renderer === null ||
      typeof renderer !== 'object' ||
      typeof renderer.compileAsync !== 'function' ||
      typeof renderer.initTexture !== 'function'
    ) {
      throw new TypeError(`${api}: renderer must have compileAsync() and initTexture() (WebGLRenderer or WebGPURenderer), got ${describe(renderer)}`)
    }
    checkObject(api, 'scene', scene)
    checkCamera(api, camera)
    this.hideUntilReady = checkBoolean(api, 'hideUntilReady', hideUntilReady, true)
    const label = checkName(api, name) ?? 'gpuWarmup'
    const w = checkWeight(api, weight)
    this.maxHoldFrames = checkInteger(api, 'maxHoldFrames', maxHoldFrames, 1)
    if (idle !== undefined && idle !== null && typeof idle !== 'function') {
      throw new TypeError(`${api}: idle must be a function (callback) => void, such as requestIdleCallback, or null, got ${describe(idle)}`)
    }
    this.idle = idle === undefined ? defaultIdle() : idle
    this.scheduler = scheduler
    this.renderer = renderer
    this.scene = scene
    this.cam = camera
    this.fences = LinkFences.of<PendingMaterial>(renderer)
    this.lights = (renderer as { isWebGLRenderer?: boolean }).isWebGLRenderer === true ? new SceneLights(scene) : null
    this.uploads = new TextureUploads({
      renderer,
      clock: scheduler.clock,
      stats: this.stats,
      uploadsBlocked: () => this.fences !== null && this.stats.compiling > 0,
      resolve: (waiters) => this.resolve(waiters),
      warnOnce: (message, error) => this.warnOnce(message, error),
    })
    this.stats.msPerCompile = INITIAL_MS_PER_COMPILE
    // What the scene holds now is drawn (or about to be) the usual way.
    scene.traverse(this.installVisitor)
    this.system = scheduler.addSystem(BatchType.LOD, this.run, { sliced: true, name: label, weight: w })
  }

  /** The camera programs are compiled for; may be switched at any time. */
  get camera(): Camera {
    return this.cam
  }

  /** Switches the camera (later compiles use it). */
  set camera(value: Camera) {
    checkCamera('GpuWarmupJob.camera', value)
    this.cam = value
  }

  /** True once {@link GpuWarmupJob.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** True while the job holds `object` invisible. */
  isHeld(object: Object3D): boolean {
    const hold = this.holds.get(object)
    return hold !== undefined && hold.hidden
  }

  /**
   * True while something `object` was taken for (added under the scene, or
   * passed to {@link GpuWarmupJob.add}) is still compiling or uploading,
   * whether the job hides it or only pre-warms it.
   */
  isWarming(object: Object3D): boolean {
    return this.holds.has(object)
  }

  /** True when nothing is pending: no program compiling or queued, no upload queued, nothing held. */
  get isIdle(): boolean {
    const s = this.stats
    return s.pendingPrograms === 0 && s.pendingUploads === 0 && this.holds.size === 0
  }

  /**
   * Warms `object` up (and everything under it): its new materials' programs
   * and its new textures. With `hideUntilReady` it is held invisible until
   * they are ready. Objects added under the scene are taken without a call;
   * use this for objects outside it, or that were in it at install.
   *
   * @returns true when something was pending (false: all of it was ready already).
   * @throws TypeError when `object` is not a THREE.Object3D; Error after dispose.
   */
  add(object: Object3D): boolean {
    const api = 'GpuWarmupJob.add'
    checkObject(api, 'object', object)
    if (this.disposed) throw new Error(`${api}: the job was disposed`)
    return this.take(object)
  }

  /**
   * Sets `object.visible`, or, while the job holds it, the visibility it gets
   * when shown. Use it instead of writing `visible` on a held object (a
   * `false` written directly cannot be told from the job's own).
   */
  setVisible(object: Object3D, visible: boolean): void {
    if (typeof visible !== 'boolean') {
      throw new TypeError(`GpuWarmupJob.setVisible: visible must be a boolean, got ${describe(visible)}`)
    }
    const hold = this.holds.get(object)
    if (hold !== undefined && hold.hidden && object.visible === false) hold.visible = visible
    else object.visible = visible
  }

  /**
   * Removes the system and the listeners and shows every object the job
   * holds (restoring the visibility it had, or was given through
   * `setVisible`). Compiles in flight finish unobserved. Safe to call twice.
   */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.system.remove()
    this.scene.traverse(this.detachVisitor)
    for (const hold of this.holds.values()) this.release(hold)
    this.holds.clear()
    this.batchWaits = 0
    this.fences?.dispose()
    this.linked = []
    this.lights?.clear()
    this.materials.clear()
    this.compileQueue = []
    this.compileHead = 0
    this.uploads.clear()
    const s = this.stats
    s.pendingPrograms = 0
    s.compiling = 0
    s.pendingUploads = 0
    s.held = 0
  }

  // ---------------------------------------------------------------------------

  private readonly run = (deadline: Deadline): boolean => {
    const s = this.stats
    const frame = this.scheduler.frame
    const firstSlice = frame !== this.lastRunFrame
    const clock = this.scheduler.clock
    const start = clock.now()
    if (firstSlice) {
      s.bytesLastFrame = 0
      s.frameMs = 0
    }
    // Bytes uploaded since the job's last frame (between frames), then this frame's.
    s.bytesLastFrame += this.uploads.takeBytes()
    this.lastRunFrame = frame
    let first = firstSlice

    // Programs whose link fence has signalled are ready.
    if (this.fences !== null) this.fences.poll(this.onLinked)

    // Uploads first, each predicted from the learned cost per byte: issued
    // before this run's compiles, they do not queue behind them in a GPU
    // process that links programs in order (Chromium without
    // KHR_parallel_shader_compile, e.g. SwiftShader). With an idle runner,
    // here only while a measured cost fits (the rest between frames); without
    // one, the first of a frame always goes.
    if (this.idle === null || this.uploads.measured) {
      if (this.uploads.uploadWhileFits(deadline, first && this.idle === null)) first = false
    }

    // Programs: between frames when the main thread is idle; here too once a
    // step measured between frames fits this slice (a main thread that is
    // never idle, as with uncapped frame rates, would leave one step per idle
    // timeout). Without an idle runner, here while the learned cost fits.
    const compileQueue = this.compileQueue
    if (this.idle === null) {
      if (this.mayCompile()) this.startCompiles(deadline, first)
    } else {
      if (this.firstUseMeasured) this.useLinkedWhileFits(deadline, false)
      if (this.compileMeasured && this.mayCompile()) this.startCompiles(deadline, false)
      this.requestIdle()
    }
    s.pendingPrograms = this.materials.size

    // Holds past their bound are shown whatever is pending.
    if (this.holds.size > 0) {
      for (const hold of this.holds.values()) {
        if (frame - hold.frame >= this.maxHoldFrames) {
          s.timedOut++
          this.drop(hold)
        }
      }
      if (this.batchWaits === 0) this.showReady()
    }
    // More to do while something is queued (resumed next frame).
    s.bytesLastFrame += this.uploads.takeBytes()
    s.frameMs += clock.now() - start
    return this.idle === null && (this.compileHead < compileQueue.length || this.uploads.waiting())
  }

  /**
   * Between frames: polls the link fences, makes first uses (the first
   * always) and starts compiles while their learned costs fit the idle time
   * left, then asks for the next idle period while work remains. Runs on its
   * own, so the pipeline moves however often the job's slices are deferred.
   */
  private readonly onIdle = (deadline: IdleDeadlineLike): void => {
    this.idlePending = false
    if (this.disposed) return
    const clock = this.scheduler.clock
    const start = clock.now()
    if (this.fences !== null) this.fences.poll(this.onLinked)
    const used = this.useLinkedWhileFits(deadline, true)
    const uploaded = this.uploads.uploadWhileFits(deadline, !used)
    if (this.mayCompile()) this.startCompiles(deadline, !used && !uploaded)
    this.stats.pendingPrograms = this.materials.size
    this.stats.idleMs = clock.now() - start
    this.requestIdle()
  }

  /** Asks for an idle callback (one at a time) while a compile, link or first use is waiting. */
  private requestIdle(): void {
    if (this.idle === null || this.idlePending || this.disposed) return
    const waiting =
      this.linked.length > 0 || (this.fences !== null && this.fences.size > 0) || this.compileHead < this.compileQueue.length || this.uploads.waiting()
    if (!waiting) return
    this.idlePending = true
    this.idle(this.onIdle)
  }

  /**
   * False while uploads wait to go first: a GPU process that links in order
   * (no parallel compile: fences in use) makes an upload issued while links
   * are in flight wait for them.
   */
  private mayCompile(): boolean {
    if (this.fences === null || (this.renderer.hasInitialized !== undefined && !this.renderer.hasInitialized())) return true
    return !this.uploads.hasDataQueued()
  }

  /**
   * Starts compiles while the learned cost of one fits `deadline` (the first
   * always, when `first`). Without parallel compile (fences in use) one at a
   * time: the GPU process compiles and links in order, and lazily (at the
   * first query), so every compile queued at once would be paid for by the
   * next query, or the next frame, in one stall.
   */
  private startCompiles(deadline: IdleDeadlineLike, first: boolean): void {
    const s = this.stats
    const clock = this.scheduler.clock
    const queue = this.compileQueue
    const serial = this.fences !== null
    while (this.compileHead < queue.length) {
      if (serial && s.compiling > 0) break
      if (!first && s.msPerCompile > deadline.timeRemaining()) break
      const entry = queue[this.compileHead++] as PendingMaterial
      first = false
      const t0 = clock.now()
      this.compile(entry)
      const ms = clock.now() - t0
      s.msPerCompile = this.compileMeasured ? s.msPerCompile + SMOOTHING * (ms - s.msPerCompile) : ms
      this.compileMeasured = true
      if (ms > s.maxCompileMs) s.maxCompileMs = ms
    }
    if (this.compileHead === queue.length && this.compileHead > 0) {
      queue.length = 0
      this.compileHead = 0
    }
  }

  /** Calls compileAsync for one material's object; its promise resolves the waiters later. */
  private compile(entry: PendingMaterial): void {
    entry.compiling = true
    this.stats.compiling++
    const object = entry.object
    // WebGPURenderer projects the object it compiles: a held root must be visible during the call.
    const hold = this.holds.get(object)
    const lift = hold !== undefined && hold.hidden && object.visible === false
    if (lift) object.visible = true
    let result: PromiseLike<unknown> | undefined
    try {
      result = this.renderer.compileAsync(object, this.cam, this.lights?.standIn ?? this.scene)
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
    if (this.disposed || this.materials.get(entry.material) !== entry) return
    const s = this.stats
    if (failed) {
      s.compileErrors++
      this.warnOnce('compileAsync failed; the material compiles on its first draw', error)
    } else if (this.fences !== null && this.fences.add(entry)) {
      this.requestIdle() // polled between frames (and in the slices); finished by onLinked once it signals
      return
    }
    this.finish(entry, !failed)
  }

  private readonly onLinked = (entry: PendingMaterial): void => {
    if (this.disposed || this.materials.get(entry.material) !== entry) return
    // Three's first use of the program, whose queries wait for a lazily resolved link: between frames (or in a slice it fits).
    if (this.idle === null) return this.finish(entry, true)
    this.linked.push(entry)
  }

  /**
   * First uses while the longest one measured so far fits `deadline` (the
   * first always, when `first`): where a link resolves lazily one can wait
   * for it, hundreds of ms in software, and one such wait keeps them out of
   * the frames' slices. @returns whether any was made.
   */
  private useLinkedWhileFits(deadline: Deadline | IdleDeadlineLike, first: boolean): boolean {
    let used = false
    while (this.linked.length > 0 && (first || this.stats.maxFirstUseMs <= deadline.timeRemaining())) {
      this.useLinked()
      used = true
      first = false
    }
    return used
  }

  /** Makes three's first use of the oldest linked program, measured, and counts its material compiled. */
  private useLinked(): void {
    const entry = this.linked.shift()
    if (entry === undefined || this.materials.get(entry.material) !== entry) return
    const s = this.stats
    const clock = this.scheduler.clock
    const t0 = clock.now()
    let used = false
    try {
      used = firstUse(this.renderer, entry.material)
    } catch (error) {
      this.warnOnce('three\'s first use of a compiled program threw; it is made again on its first draw', error)
    }
    if (used) {
      const ms = clock.now() - t0
      s.msPerFirstUse = this.firstUseMeasured ? s.msPerFirstUse + SMOOTHING * (ms - s.msPerFirstUse) : ms
      if (ms > s.maxFirstUseMs) s.maxFirstUseMs = ms
      this.firstUseMeasured = true
    }
    this.finish(entry, true)
  }

  private finish(entry: PendingMaterial, compiled: boolean): void {
    const s = this.stats
    s.compiling--
    if (compiled) s.programsCompiled++
    this.materials.delete(entry.material)
    this.readyMaterials.add(entry.material)
    s.pendingPrograms = this.materials.size
    this.resolve(entry.waiters)
  }

  /** One resource of each waiter is ready: a batch's hold ends; the others are shown once no batch is warming. */
  private resolve(waiters: readonly Hold[]): void {
    let ready = false
    for (const hold of waiters) {
      if (hold.done || --hold.waiting > 0) continue
      if (hold.batch) this.drop(hold)
      ready = true
    }
    if (ready && this.batchWaits === 0) this.showReady()
  }

  /** Shows the held objects whose resources are all ready (once no batch is warming). */
  private showReady(): void {
    for (const hold of this.holds.values()) {
      if (!hold.done && !hold.batch && hold.waiting <= 0) {
        this.stats.shown++
        this.drop(hold)
      }
    }
  }

  /** Ends a hold: shows the object if the job hid it. */
  private drop(hold: Hold): void {
    this.release(hold)
    this.holds.delete(hold.object)
    this.stats.held = this.countHidden()
  }

  private release(hold: Hold): void {
    if (hold.done) return
    hold.done = true
    if (hold.batch) this.batchWaits--
    // Shown only if still hidden by the job: an app that showed it meanwhile wins.
    if (hold.hidden && hold.object.visible === false) hold.object.visible = hold.visible
  }

  private countHidden(): number {
    let n = 0
    for (const hold of this.holds.values()) if (hold.hidden) n++
    return n
  }

  /** Queues what `root`'s subtree needs and holds `root` if something is pending. */
  private take(root: Object3D): boolean {
    if (this.holds.has(root)) return true
    const batch = isBatchMesh(root)
    const hold: Hold = { object: root, waiting: 0, hidden: false, visible: root.visible, frame: this.scheduler.frame, done: false, batch }
    const seen = new Set<object>()
    root.traverse((object) => {
      const material = (object as { material?: Material | Material[] }).material
      if (material === undefined || material === null) return
      if (!isDrawable(object)) return
      if (Array.isArray(material)) for (const m of material) this.need(hold, seen, m, object)
      else this.need(hold, seen, material, object)
    })
    const s = this.stats
    s.pendingPrograms = this.materials.size
    s.pendingUploads = this.uploads.queued
    if (hold.waiting === 0) return false
    if (batch) this.batchWaits++
    else if (this.hideUntilReady && root.visible) {
      hold.hidden = true
      root.visible = false
    }
    this.holds.set(root, hold)
    s.held = this.countHidden()
    return true
  }

  private need(hold: Hold, seen: Set<object>, material: Material, object: Object3D): void {
    if (material === null || typeof material !== 'object' || seen.has(material)) return
    seen.add(material)
    if (!this.readyMaterials.has(material)) {
      let entry = this.materials.get(material)
      if (entry === undefined) {
        entry = { material, object, compiling: false, waiters: [] }
        this.materials.set(material, entry)
        this.compileQueue.push(entry)
      }
      entry.waiters.push(hold)
      hold.waiting++
    }
    for (const texture of texturesOf(material)) {
      if (seen.has(texture)) continue
      seen.add(texture)
      if (this.uploads.need(hold, texture)) hold.waiting++
    }
  }

  private warnOnce(message: string, error: unknown): void {
    if (this.warned) return
    this.warned = true
    console.warn(`GpuWarmupJob: ${message}. Later failures are counted in stats, not printed.`, error)
  }

  private readonly onChildAdded = (event: { child: Object3D }): void => {
    if (this.disposed) return
    const child = event.child
    child.traverse(this.attachVisitor)
    this.take(child)
  }

  private readonly onChildRemoved = (event: { child: Object3D }): void => {
    if (this.disposed) return
    event.child.traverse(this.detachVisitor)
  }

  /** At install: listen, and count what is there as ready. */
  private readonly installVisitor = (object: Object3D): void => {
    this.attachVisitor(object)
    const material = (object as { material?: Material | Material[] }).material
    if (material === undefined || material === null || !isDrawable(object)) return
    if (Array.isArray(material)) for (const m of material) this.markReady(m)
    else this.markReady(material)
  }

  private markReady(material: Material): void {
    this.readyMaterials.add(material)
    for (const texture of texturesOf(material)) this.uploads.markReady(texture)
  }

  private readonly attachVisitor = (object: Object3D): void => {
    object.addEventListener('childadded', this.onChildAdded)
    object.addEventListener('childremoved', this.onChildRemoved)
    this.lights?.add(object)
  }

  /** Stops listening; a held object that leaves the scene is shown (restored) and no longer waits. */
  private readonly detachVisitor = (object: Object3D): void => {
    object.removeEventListener('childadded', this.onChildAdded)
    object.removeEventListener('childremoved', this.onChildRemoved)
    if (this.disposed) return
    this.lights?.delete(object)
    const hold = this.holds.get(object)
    if (hold !== undefined) this.drop(hold)
  }
}
