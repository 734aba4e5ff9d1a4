import type { Camera, Object3D, Scene } from 'three'
import type { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { checkInteger, checkName, checkWeight, describe } from '../core/validate.js'
import { checkChangesOption } from './matrices/WorldMatrixChanges.js'
import { checkCamera, checkObject } from './utils/checkThree.js'
import { CameraMotion } from './culling/CameraMotion.js'
import { CameraView } from './culling/CameraView.js'
import { CellTrust } from './culling/CellTrust.js'
import { CellUnits } from './culling/CellUnits.js'
import { ChangeStamps } from './culling/ChangeStamps.js'
import { CullingCells } from './culling/CullingCells.js'
import { CullKind, cullKind, type Cullable } from './culling/CullKind.js'
import type { FrustumCullingJobOptions } from './culling/FrustumCullingJobOptions.js'
import { FrustumCullingStats } from './culling/FrustumCullingStats.js'
import { GuardRing } from './culling/GuardRing.js'
import { BatchedMeshCulling } from './culling/InstanceCulling.js'
import { RenderHook } from './culling/RenderHook.js'
import { type CullListener, SlotDecisions } from './culling/SlotDecisions.js'
import { HIDDEN, SlotStore } from './culling/SlotStore.js'
import { SweepPacer } from './culling/SweepPacer.js'

export type { FrustumCullingJobOptions } from './culling/FrustumCullingJobOptions.js'
export type { CullListener } from './culling/SlotDecisions.js'

/** Rotation band cap, radians: past it the guard would hide next to nothing anyway. */
const MAX_ANGLE = Math.PI / 4

/**
 * Frustum culling as a budgeted, sliced system of the {@link BatchScheduler}
 * (type Visibility): it hides what is out of view (`visible = false`) so the
 * renderer skips it without a test, in a sweep over the managed objects that
 * spans as many frames as the budget needs. Installed in one call;
 * `dispose()` restores every `visible` and `frustumCulled` it changed.
 *
 * It manages meshes, lines, points and sprites under `root` with
 * `frustumCulled = true` (and three's own bounds), and each `THREE.LOD` as one
 * object; objects with children and shadow casters (unless
 * {@link FrustumCullingJobOptions.cullShadowCasters}) are left to three. What
 * it shows keeps three's own test. Your own `visible` is respected, but hide a
 * managed object with {@link FrustumCullingJob.setVisible}, not
 * `visible = false`. Groups whose objects are all hidden are hidden too, so
 * the renderer skips their subtrees: keep what moves in groups of its own.
 * Your own `THREE.BatchedMesh`es also have their instances culled one by one.
 *
 * Nothing in view ever vanishes: decisions are made against the view widened
 * by the camera's recent motion, and a check before every render (a chained
 * `scene.onBeforeRender`) shows everything when the camera left that margin.
 * Objects are assumed to move no faster than they were seen moving: with the
 * scene's {@link MatrixSyncJob} (found by itself) `markDirty` covers a jump;
 * without it, call {@link FrustumCullingJob.markMoved}. Hiding is global: a
 * second camera rendering the scene sees the same hidden objects. How it
 * works, with measured figures: docs/culling.md.
 *
 * @example
 * ```ts
 * const culling = new FrustumCullingJob(scheduler, camera, scene)
 * scene.add(newMesh); culling.add(newMesh)        // or culling.refresh() after big edits
 * teleport(player); culling.markMoved(player.mesh)
 * culling.setVisible(enemy, false)                // instead of enemy.visible = false
 * console.log(culling.stats.hidden, culling.stats.sweepFrames)
 * culling.dispose()                               // visible / frustumCulled restored
 * ```
 */
export class FrustumCullingJob {
  /** Live numbers, updated in place. */
  readonly stats = new FrustumCullingStats()
  /** The subtree whose renderable objects are managed. */
  readonly root: Object3D
  /** {@link FrustumCullingJobOptions.rendererTest}: what the job shows keeps three's own frustum test (a StaticBatchingJob it drives keeps its batches' too). */
  readonly rendererTest: boolean

  private readonly scheduler: BatchScheduler
  private readonly handle: SystemHandle
  private readonly useCells: boolean
  private readonly cells = new CullingCells()
  private readonly units = new CellUnits()
  private readonly slots = new SlotStore(this.cells, this.units)
  private readonly cellTrust: CellTrust
  private readonly decisions: SlotDecisions
  private readonly instances: BatchedMeshCulling
  private readonly stamps: ChangeStamps
  private readonly pacer: SweepPacer
  private cam: Camera
  /** The camera the slices cull for: `cam`, or the XR/array camera it was last rendered through. */
  private viewCamera: Camera

  private readonly ring = new GuardRing()
  private readonly sliceView = new CameraView()
  private readonly renderView = new CameraView()
  private readonly motion = new CameraMotion()

  private readonly hook: RenderHook | null = null
  private readonly listener: (() => void) | null = null
  private readonly warned = new Set<string>()
  private wasDisposed = false

  /**
   * Tracks every cullable object under `root` and registers the sliced
   * Visibility system.
   *
   * @param scheduler the scheduler that runs the sweep.
   * @param camera the camera the app renders with.
   * @param root usually the `THREE.Scene` rendered: its renderable descendants are managed, and
   *   (if it is a Scene) its `onBeforeRender` is chained to guard every render.
   * @param options see {@link FrustumCullingJobOptions}.
   * @throws TypeError on a wrong scheduler, camera, root or option.
   */
  constructor(
    scheduler: BatchScheduler,
    camera: Camera,
    root: Object3D,
    {
      name = 'frustumCulling',
      weight = 0.3,
      guardMargin = 0.5,
      cullShadowCasters = false,
      minSweepFrames = 1,
      stillSweepFrames = 8,
      rendererTest = true,
      matrices,
      verifyEvery = 8,
      cells = true,
    }: FrustumCullingJobOptions = {},
  ) {
    const api = 'FrustumCullingJob'
    if (scheduler === null || typeof scheduler !== 'object' || typeof (scheduler as { addSystem?: unknown }).addSystem !== 'function') {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    checkCamera(api, camera)
    checkObject(api, 'root', root)
    checkName(api, name)
    checkWeight(api, weight)
    if (typeof guardMargin !== 'number' || !Number.isFinite(guardMargin) || guardMargin < 0) {
      throw new TypeError(`${api}: guardMargin must be a finite number >= 0, got ${describe(guardMargin)}`)
    }
    if (typeof rendererTest !== 'boolean') {
      throw new TypeError(`${api}: rendererTest must be a boolean, got ${describe(rendererTest)}`)
    }
    if (typeof cullShadowCasters !== 'boolean') {
      throw new TypeError(`${api}: cullShadowCasters must be a boolean, got ${describe(cullShadowCasters)}`)
    }
    checkInteger(api, 'minSweepFrames', minSweepFrames, 1)
    checkInteger(api, 'stillSweepFrames', stillSweepFrames, 1)
    checkInteger(api, 'verifyEvery', verifyEvery, 1)
    checkChangesOption(api, matrices)
    if (matrices !== undefined && matrices !== null) {
      let top: Object3D = root
      while (top.parent !== null) top = top.parent
      if (top !== matrices.scene) throw new TypeError(`${api}: matrices must be the MatrixSyncJob of the scene that holds root`)
    }
    if (typeof cells !== 'boolean') throw new TypeError(`${api}: cells must be a boolean, got ${describe(cells)}`)
    this.useCells = cells
    this.rendererTest = rendererTest
    this.scheduler = scheduler
    this.cam = camera
    this.viewCamera = camera
    this.root = root
    this.pacer = new SweepPacer(this.stats, minSweepFrames, Math.max(stillSweepFrames, minSweepFrames), guardMargin)
    const scene = (root as Scene).isScene === true ? (root as Scene) : null
    this.stamps = new ChangeStamps(matrices, scene, verifyEvery, this.slots, this.cells, this.pacer, this.onMatrixWrite, () => this.slots.settleAll())
    this.cellTrust = new CellTrust(this.slots, this.cells, this.units, this.stamps, this.pacer)
    this.decisions = new SlotDecisions(this.slots, this.cells, this.stamps, this.pacer, this.stats, cullShadowCasters, rendererTest)
    this.instances = new BatchedMeshCulling(this.slots, this.stats, rendererTest)
    this.handle = scheduler.addSystem(BatchType.Visibility, (deadline) => this.run(deadline), { name, weight, sliced: true })

    if (scene !== null) {
      this.hook = new RenderHook(scene, (rendered) => this.observe(rendered))
    } else {
      // No render hook without a Scene: check once per frame, after the scheduler's frame.
      this.listener = () => this.observe(this.viewCamera)
      scheduler.addFrameListener(this.listener)
    }
    this.add(root)
    this.buildCells()
  }

  /** The camera culled for. Setting another shows everything and starts a new sweep. */
  get camera(): Camera {
    return this.cam
  }

  /** Switches the camera culled for; shows everything the job hid until the sweep catches up. */
  set camera(value: Camera) {
    checkCamera('FrustumCullingJob.camera', value)
    if (value === this.cam) return
    this.cam = value
    this.viewCamera = value
    this.motion.reset()
    this.reset(false)
  }

  /** The scheduler system running the sweep (weight, enabled, measured cost). */
  get system(): SystemHandle {
    return this.handle
  }

  /** True once {@link FrustumCullingJob.dispose} was called. */
  get isDisposed(): boolean {
    return this.wasDisposed
  }

  /** @deprecated Use {@link FrustumCullingJob.isDisposed}, the name every job uses. */
  get disposed(): boolean {
    return this.wasDisposed
  }

  /**
   * Manages `object` and its renderable descendants not managed yet: meshes,
   * lines, points and sprites with `frustumCulled = true` whose
   * `intersectsFrustum` is three's own (an override means custom bounds: left
   * to three), and `THREE.LOD`s with `frustumCulled = true`, each as one unit
   * with everything below it (the walk does not enter a managed LOD). Until
   * its first visit an object keeps three's own culling.
   *
   * @returns how many objects (a LOD counts one) were added.
   */
  add(object: Object3D): number {
    this.checkAlive('add')
    checkObject('FrustumCullingJob.add', 'object', object)
    return this.addTree(object, -1)
  }

  /**
   * Stops managing `object` and its managed descendants, restoring their
   * `visible` (if the job hid them) and `frustumCulled`.
   *
   * @returns how many objects were released.
   */
  remove(object: Object3D): number {
    this.checkAlive('remove')
    checkObject('FrustumCullingJob.remove', 'object', object)
    let removed = 0
    object.traverse((o) => {
      const i = this.slots.index.get(o)
      if (i !== undefined) {
        this.removeSlot(i)
        removed++
      }
    })
    return removed
  }

  /**
   * Re-reads `root` as {@link FrustumCullingJob.add} walks it: manages the
   * renderable objects and LODs added under it, releases (and restores) the
   * managed objects no longer reached — including those passed to `add` from
   * outside `root`, and objects inside a managed LOD (the LOD covers them).
   * Rebuilds the coarse cells from the scene graph as it is now. Call it
   * after editing the scene graph.
   */
  refresh(): void {
    this.checkAlive('refresh')
    const epoch = this.slots.startMarks()
    this.addTree(this.root, epoch)
    for (let i = this.slots.count - 1; i >= 0; i--) {
      if (!this.slots.isMarked(i, epoch)) this.removeSlot(i)
    }
    this.buildCells()
  }

  /**
   * Re-tests a managed object now against the newest guard: call it when an
   * object jumps or starts moving faster than before (the sweep only sees it
   * once per sweep). For an object inside a managed LOD (a level, or a part
   * of one), re-tests the LOD. Other objects are ignored. Allocates nothing.
   */
  markMoved(object: Object3D): void {
    if (this.wasDisposed) return
    let i = this.slots.index.get(object)
    for (let p = object.parent; i === undefined && p !== null; p = p.parent) {
      if ((p as Cullable).isLOD === true) {
        const j = this.slots.index.get(p)
        if (j !== undefined && this.slots.kinds[j] === CullKind.LOD) i = j
      }
    }
    if (i === undefined) return
    // The newest guard backs any slot: a slot before the cursor is revisited next
    // sweep before the guard retires, a slot after it is revisited this sweep.
    const guard = this.ring.last()
    if (guard === null) {
      this.decisions.show(i)
      return
    }
    this.decisions.guard = guard
    this.stamps.read()
    this.decisions.visit(i, this.scheduler.frame)
  }

  /**
   * Sets the app's own visibility of an object. For a managed object the job
   * may hold `visible = false` itself; writing `object.visible = false` then
   * cannot be told apart from the job's, and the job would show the object
   * when it comes into view. This records the app's intent.
   */
  setVisible(object: Object3D, visible: boolean): void {
    if (typeof visible !== 'boolean') {
      throw new TypeError(`FrustumCullingJob.setVisible: visible must be a boolean, got ${describe(visible)}`)
    }
    const i = this.slots.index.get(object)
    if (i !== undefined) this.decisions.disown(i)
    // A cell's group: the app's from now on (until refresh()).
    const c = this.cells.cellOf(object)
    if (c >= 0) this.cells.drop(c)
    object.visible = visible
  }

  /** True when the job, not the app, is what keeps `object` (a managed object, or a cell's group) hidden right now. */
  isCulled(object: Object3D): boolean {
    const i = this.slots.index.get(object)
    if (i === undefined) {
      const c = this.cells.cellOf(object)
      return c >= 0 && this.cells.isHidden(c) && object.visible === false
    }
    return ((this.slots.flags[i] as number) & HIDDEN) !== 0 && object.visible === false
  }

  /**
   * Calls `listener(object, culled)` each time the job starts (`culled` true)
   * or stops holding one of its objects hidden: when it hides or shows it,
   * gives it back, or finds the app showed it. Called synchronously, after
   * `object.visible` and the hidden groups changed, inside the job's runs and
   * the render guard (so before the render that needs it). A `THREE.LOD` is
   * one object. Hidden groups (see {@link FrustumCullingJobOptions.cells}) are
   * not reported: a group is hidden only while all its objects are. This is
   * how `StaticBatchingJob` hides batch instances with the meshes they draw.
   * Adding a listener twice adds it once.
   */
  addCullListener(listener: CullListener): void {
    if (typeof listener !== 'function') throw new TypeError(`FrustumCullingJob.addCullListener: listener must be a function, got ${describe(listener)}`)
    const list = this.decisions.listeners
    if (!list.includes(listener)) list.push(listener)
  }

  /** Removes a listener added with {@link FrustumCullingJob.addCullListener}; unknown ones are ignored. */
  removeCullListener(listener: CullListener): void {
    const list = this.decisions.listeners
    const i = list.indexOf(listener)
    if (i >= 0) list.splice(i, 1)
  }

  /** Shows every object the job hid and starts a new sweep (e.g. on a camera cut). */
  showAll(): void {
    if (!this.wasDisposed) this.reset(false)
  }

  /**
   * Removes the system and the render hook, shows what the job hid and gives
   * `frustumCulled` back to every managed object. Safe to call twice.
   */
  dispose(): void {
    if (this.wasDisposed) return
    this.wasDisposed = true
    this.handle.remove()
    if (this.listener !== null) this.scheduler.removeFrameListener(this.listener)
    this.hook?.remove() // (if the app wrapped it since, it stays in the chain: `observe` returns at once)
    this.stamps.unlink()
    this.cells.clear()
    for (let i = 0; i < this.slots.count; i++) this.decisions.restore(i)
    this.instances.releaseAll()
    this.decisions.listeners.length = 0
    this.slots.clear()
    this.ring.clear()
    this.stats.tracked = 0
    this.stats.hidden = 0
  }

  // ---- the sweep ------------------------------------------------------------

  /** One slice: visit objects from the cursor until the deadline; true while the sweep is unfinished. */
  private run(deadline: Deadline): boolean {
    const stats = this.stats
    stats.visited = 0
    stats.trusted = 0
    stats.unitCells = 0
    if (this.wasDisposed || this.slots.count === 0) return false
    const frame = this.scheduler.frame
    const view = this.sliceView
    if (!view.setFromCamera(this.viewCamera)) {
      this.warnOnce('view', 'FrustumCullingJob: the camera has a degenerate frustum (non-finite projection?); nothing is hidden until it is valid.')
      if (stats.hidden > 0) this.reset(true)
      return false
    }
    this.checkGuards(view)
    const pacer = this.pacer
    const motion = this.motion
    const limit = pacer.startSlice(frame, this.slots.count, motion, view)
    const horizon = pacer.horizon
    const band = motion.speed * horizon
    const angle = Math.min(motion.angularSpeed * horizon, MAX_ANGLE)
    stats.guardBand = band
    stats.guardAngle = angle

    const guard = this.ring.push()
    guard.translation = band
    guard.angle = angle
    guard.build(view)
    guard.sweep = pacer.sweep
    const start = pacer.cursor
    guard.start = start
    this.decisions.guard = guard
    const trusting = this.stamps.read()
    let trusted = 0
    this.cellTrust.unitCells = 0
    let i = start
    // An app BatchedMesh's instance pass a slice leaves open ends it at that mesh's slot (BatchedMeshCulling).
    const instances = this.instances.size > 0 ? this.instances : null
    if (instances !== null && instances.startSlice(guard, deadline, limit - start, this.slots.count) && instances.pass(i)) i++
    // The batch sizing keeps its doubles in the pacer's typed array: a double
    // held here across calls V8 did not inline was boxed on every batch.
    let batch = pacer.firstBatch(deadline)
    sweep: while (i < limit && instances?.open !== true) {
      const end = Math.min(i + batch, limit)
      if (trusting) {
        const cellAt = this.cells.at
        const cellTrust = this.cellTrust
        for (; i < end; i++) {
          const c = cellAt[i] as number
          if (c >= 0) {
            // A cell whose members all stand: decided as one.
            const n = cellTrust.cell(c, i, limit, frame, guard)
            if (n > 0) {
              // The sweep jumps past it.
              trusted += n
              i += n - 1
              continue
            }
          }
          if (this.decisions.trust(i, frame)) trusted++
          else {
            this.decisions.visit(i, frame)
            if (instances !== null && !instances.visited(i)) break sweep
          }
        }
      } else {
        for (; i < end; i++) {
          this.decisions.visit(i, frame)
          if (instances !== null && !instances.visited(i)) break sweep
        }
      }
      if (i >= limit) break
      batch = pacer.nextBatch(deadline, batch)
      if (batch === 0) break
    }
    // A pass left open at slot i was decided in part against this guard: it covers slot i.
    guard.end = instances?.open === true ? i + 1 : i
    stats.visited = i - start
    stats.trusted = trusted
    stats.unitCells = this.cellTrust.unitCells
    stats.hiddenCells = this.cells.hidden
    pacer.endSlice(i, limit)
    this.ring.retire(pacer.sweep, i)
    if (i < this.slots.count) return true

    this.ring.retireSweepsBefore(pacer.sweep)
    pacer.endSweep(frame)
    return false
  }

  /**
   * Called by the matrix job right after it writes a world matrix: a managed
   * object (not a LOD: its levels are written after it) is re-tested at
   * once, as {@link FrustumCullingJob.markMoved} does, while it is still in
   * the caches, so a move marked with `markDirty` needs no `markMoved` and
   * the sweep then finds it unchanged.
   */
  private readonly onMatrixWrite = (object: Object3D): void => {
    if (this.wasDisposed) return
    const i = this.slots.slotOf(object.id)
    if (i < 0) return
    // Nothing decided against any guard: nothing is hidden; the sweep will visit it.
    const guard = this.ring.last()
    if (guard === null || !this.stamps.readWrite()) return
    this.decisions.guard = guard
    this.decisions.visit(i, this.scheduler.frame)
  }

  // ---- the guard ------------------------------------------------------------

  /** Called before each render of the scene (or after each frame without a Scene root). */
  private observe(camera: Camera): void {
    if (this.wasDisposed) return
    if (camera !== this.cam && (camera as { isArrayCamera?: boolean }).isArrayCamera !== true) {
      this.warnOnce(
        'camera',
        'FrustumCullingJob: the scene is also rendered with another camera; objects culled for the job\'s camera are hidden for every camera. Use one job per scene and camera, or dispose it around other renders.',
      )
      return
    }
    this.viewCamera = camera
    this.cells.check()
    this.instances.check()
    this.stats.hiddenCells = this.cells.hidden
    const view = this.renderView
    view.setFromCamera(camera)
    const broke = !this.guardsContain(view)
    if (view.valid) this.motion.sample(view, this.scheduler.frame, broke)
    this.stats.cameraSpeed = this.motion.speed
    this.stats.cameraAngularSpeed = this.motion.angularSpeed
    if (broke) this.reset(true)
  }

  /** Shows everything when `view` is not inside every live guard. */
  private checkGuards(view: CameraView): void {
    if (!this.guardsContain(view)) this.reset(true)
  }

  private guardsContain(view: CameraView): boolean {
    const ring = this.ring
    for (let j = 0; j < ring.length; j++) {
      if (!ring.at(j).contains(view)) return false
    }
    return true
  }

  /**
   * Shows every object the job hid, forgets every guard, restarts the sweep.
   * With nothing hidden, no decision is at stake: the guards are dropped and
   * the sweep goes on.
   */
  private reset(trip: boolean): void {
    const shownInstances = this.instances.showAll()
    const shown = this.decisions.showAll() || shownInstances
    this.ring.clear()
    if (!shown) return
    this.pacer.restart()
    if (trip) this.stats.guardTrips++
  }

  // ---- bookkeeping ----------------------------------------------------------

  /**
   * Tracks `o` and what is below it, without entering a managed LOD (it
   * covers its subtree). With `epoch` ≥ 0 (refresh), marks every managed
   * object reached.
   *
   * @returns how many objects were added.
   */
  private addTree(o: Object3D, epoch: number): number {
    let added = 0
    let i = this.slots.index.get(o)
    if (i === undefined && this.track(o)) {
      added = 1
      i = this.slots.count - 1
    }
    if (i !== undefined) {
      if (epoch >= 0) this.slots.mark(i, epoch)
      if (this.slots.kinds[i] === CullKind.LOD) return added
    }
    const children = o.children
    for (let c = 0, l = children.length; c < l; c++) added += this.addTree(children[c] as Object3D, epoch)
    return added
  }

  private track(o: Object3D): boolean {
    if (this.slots.index.has(o)) return false
    const kind = cullKind(o as Cullable)
    if (kind < 0) return false
    this.slots.add(o as Cullable, kind)
    if (kind === CullKind.Object) this.instances.manage(o)
    this.stats.tracked = this.slots.count
    return true
  }

  /** (Re)builds the coarse cells from the scene graph under `root` (see {@link FrustumCullingJobOptions.cells}). */
  private buildCells(): void {
    if (!this.useCells) return
    this.slots.settleAll() // (units belong to the cells about to go)
    this.cells.build(this.root, this.slots.index, this.slots.kinds, (slot) => ((this.slots.flags[slot] as number) & HIDDEN) !== 0)
    this.units.reserve(this.cells.count)
    this.stats.cells = this.cells.count
  }

  /**
   * Restores and forgets object `i`, keeping the slots `[0, cursor)` visited
   * and `[cursor, count)` not: a decision never moves to a slot the sweep has
   * passed without being revisited.
   */
  private removeSlot(i: number): void {
    this.decisions.restore(i)
    this.instances.release(this.slots.objects[i] as Object3D)
    // Its group now holds an object the job does not manage: no longer a cell.
    const c = this.cells.of[i] as number
    if (c >= 0) this.cells.drop(c)
    this.pacer.cursor = this.slots.remove(i, this.pacer.cursor)
    this.stats.tracked = this.slots.count
  }

  private checkAlive(method: string): void {
    if (this.wasDisposed) throw new Error(`FrustumCullingJob.${method}: the job was disposed`)
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return
    this.warned.add(key)
    console.warn(message)
  }
}
