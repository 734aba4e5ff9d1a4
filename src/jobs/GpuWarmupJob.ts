import type { Camera, Material, Object3D } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../core/validate.js'
import { isBatchMesh } from './batching/Batch.js'
import { checkCamera, checkObject } from './utils/checkThree.js'
import { GpuWarmupStats } from './warmup/GpuWarmupStats.js'
import type { GpuWarmupJobOptions, GpuWarmupRenderer } from './warmup/GpuWarmupJobOptions.js'
import { defaultIdle, type IdleDeadlineLike, type IdleRunner } from './warmup/idle.js'
import { type Hold, isDrawable } from './warmup/pending.js'
import { ProgramCompiles } from './warmup/ProgramCompiles.js'
import { texturesOf } from './warmup/textures.js'
import { TextureUploads } from './warmup/TextureUploads.js'

export type { GpuWarmupJobOptions, GpuWarmupRenderer } from './warmup/GpuWarmupJobOptions.js'

/**
 * Warms GPU resources up before they are first drawn: between frames (idle
 * callbacks) and in a sliced {@link BatchType.LOD} system. Objects added
 * anywhere under the scene (three's `childadded`, listened to on every
 * object) or passed to {@link GpuWarmupJob.add} get their new materials'
 * programs compiled (`renderer.compileAsync(object, camera, scene)` per
 * material, awaited off the frame; with `WebGLRenderer` the scene passed is
 * a stand-in that hands three the scene's lights without a walk over the
 * whole scene) and their new textures uploaded (`renderer.initTexture`),
 * each step started while its learned cost fits the idle time left, and in
 * the job's slices only once measured and while it fits them (see the
 * `idle` option). Works with `WebGLRenderer` and `WebGPURenderer`.
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
  /** Program compiles (queue, ready set, link fences, first uses, learned costs). */
  private readonly programs: ProgramCompiles
  /** Texture uploads (queue, ready set, learned cost). */
  private readonly uploads: TextureUploads
  private holds = new Map<Object3D, Hold>()
  /** Batch holds not released: while > 0, ready holds stay held. */
  private batchWaits = 0
  /** Runs compiles between frames, or null (in the slices). */
  private readonly idle: IdleRunner | null
  private idlePending = false
  private lastRunFrame = -1
  /** CPU ms of between-frames callbacks since the job's last frame (shown as `stats.idleMs` at the next). */
  private idleMsSinceRun = 0
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
    this.programs = new ProgramCompiles({
      renderer,
      clock: scheduler.clock,
      stats: this.stats,
      scene,
      camera: () => this.cam,
      disposed: () => this.disposed,
      firstUseLater: () => this.idle !== null,
      isHidden: (object) => this.isHeld(object),
      resolve: (waiters) => this.resolve(waiters),
      requestIdle: () => this.requestIdle(),
      warnOnce: (message, error) => this.warnOnce(message, error),
    })
    this.uploads = new TextureUploads({
      renderer,
      clock: scheduler.clock,
      stats: this.stats,
      uploadsBlocked: () => this.programs.fences !== null && this.stats.compiling > 0,
      resolve: (waiters) => this.resolve(waiters),
      warnOnce: (message, error) => this.warnOnce(message, error),
    })
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
    this.programs.clear()
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
      s.idleMs = this.idleMsSinceRun
      this.idleMsSinceRun = 0
    }
    this.lastRunFrame = frame
    let first = firstSlice

    // Programs whose link fence has signalled are ready.
    this.programs.pollFences()

    // Uploads first, each predicted from the learned cost per byte: issued
    // before this run's compiles, they do not queue behind them in a GPU
    // process that links programs in order (Chromium without
    // KHR_parallel_shader_compile, e.g. SwiftShader). With an idle runner,
    // here only while the highest measured cost fits (the rest between
    // frames); without one, the first of a frame always goes.
    if (this.idle === null || this.uploads.measured) {
      if (this.uploads.uploadWhileFits(deadline, first && this.idle === null, this.idle !== null)) first = false
    }

    // Programs: between frames when the main thread is idle; here too once a
    // step measured between frames fits this slice (a main thread that is
    // never idle, as with uncapped frame rates, would leave one step per idle
    // timeout). Without an idle runner, here while the learned cost fits.
    const programs = this.programs
    if (this.idle === null) {
      if (this.mayCompile()) programs.startCompiles(deadline, first)
    } else {
      programs.inSlice(deadline, this.mayCompile())
      this.requestIdle()
    }
    s.pendingPrograms = programs.pendingCount

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
    // Bytes uploaded since the job's last run: between frames, then in this slice.
    s.bytesLastFrame += this.uploads.takeBytes()
    // More to do while something is queued (resumed next frame).
    s.frameMs += clock.now() - start
    return this.idle === null && (programs.queued || this.uploads.waiting())
  }

  /**
   * Between frames: polls the link fences, then makes first uses, uploads
   * and starts compiles while their learned costs fit the idle time left
   * (the first step of a callback always), then asks for the next idle
   * period while work remains. Runs on its own, so the work moves however
   * often the job's slices are deferred.
   */
  private readonly onIdle = (deadline: IdleDeadlineLike): void => {
    this.idlePending = false
    if (this.disposed) return
    const clock = this.scheduler.clock
    const start = clock.now()
    const programs = this.programs
    programs.pollFences()
    const used = programs.useLinkedWhileFits(deadline, true)
    const uploaded = this.uploads.uploadWhileFits(deadline, !used)
    if (this.mayCompile()) programs.startCompiles(deadline, !used && !uploaded)
    this.stats.pendingPrograms = programs.pendingCount
    this.idleMsSinceRun += clock.now() - start
    this.requestIdle()
  }

  /** Asks for an idle callback (one at a time) while a compile, link, first use or upload is waiting. */
  private requestIdle(): void {
    if (this.idle === null || this.idlePending || this.disposed) return
    if (!this.programs.waiting() && !this.uploads.waiting()) return
    this.idlePending = true
    this.idle(this.onIdle)
  }

  /**
   * False while uploads wait to go first: a GPU process that links in order
   * (no parallel compile: fences in use) makes an upload issued while links
   * are in flight wait for them.
   */
  private mayCompile(): boolean {
    return this.programs.fences === null || !this.uploads.hasDataQueued()
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
    s.pendingPrograms = this.programs.pendingCount
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
    if (this.programs.need(hold, material, object)) hold.waiting++
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
    this.programs.markReady(material)
    for (const texture of texturesOf(material)) this.uploads.markReady(texture)
  }

  private readonly attachVisitor = (object: Object3D): void => {
    object.addEventListener('childadded', this.onChildAdded)
    object.addEventListener('childremoved', this.onChildRemoved)
    this.programs.lights?.add(object)
  }

  /** Stops listening; a held object that leaves the scene is shown (restored) and no longer waits. */
  private readonly detachVisitor = (object: Object3D): void => {
    object.removeEventListener('childadded', this.onChildAdded)
    object.removeEventListener('childremoved', this.onChildRemoved)
    if (this.disposed) return
    this.programs.lights?.delete(object)
    const hold = this.holds.get(object)
    if (hold !== undefined) this.drop(hold)
  }
}
