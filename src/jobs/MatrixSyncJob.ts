import type { Object3D, Scene } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { describe } from '../core/validate.js'
import { checkObject } from './utils/checkThree.js'
import { baseUpdateMatrixWorld, type ChangeDetector } from './matrices/ChangeDetector.js'
import { MoveDetection, type MoveDetectionHost } from './matrices/MoveDetection.js'
import { checkMatrixSyncOptions, type MatrixSyncJobOptions } from './matrices/MatrixSyncJobOptions.js'
import { MatrixSyncStats } from './matrices/MatrixSyncStats.js'
import { HierarchyWatch, type HierarchyWatchHost } from './matrices/HierarchyWatch.js'
import { WriteStamps } from './matrices/WriteStamps.js'
import { MarkQueue } from './matrices/MarkQueue.js'
import { liveChanges, registerChanges, unregisterChanges, type WorldMatrixChanges } from './matrices/WorldMatrixChanges.js'

export type { MatrixSyncJobOptions } from './matrices/MatrixSyncJobOptions.js'

const _baseUpdateMatrixWorld = baseUpdateMatrixWorld
/** A deadline that never expires, for {@link MatrixSyncJob.flush}. */
const _never: Deadline = { timeRemaining: () => Infinity, shouldYield: () => false }

/**
 * Keeps world matrices up to date incrementally, as a sliced Transform
 * system, instead of three recomputing every object's world matrix in every
 * `renderer.render`: it sets `scene.matrixWorldAutoUpdate = false` (restored
 * on `dispose()`) and updates only what moved, honouring each object's
 * `matrixAutoUpdate` / `matrixWorldAutoUpdate` as three does.
 *
 * What moved is found by the job itself (`detect: 'auto'`, the default): move
 * objects by writing `position`, `rotation`, `quaternion`, `scale`, with
 * `lookAt`, an `AnimationMixer` or helpers, as in any three.js app; an object
 * that starts moving gets its world matrix within `detectFrames` (4) frames,
 * then in every frame while it moves; cameras, skinned meshes and helpers
 * that borrow another object's matrix in every frame. {@link MatrixSyncJob.markDirty}
 * an object after moving it for its world matrix in the same frame, with no
 * lag (`stats.detected` counts the moves it would have served sooner).
 * Objects added under the scene are brought up to date inside `add()`.
 * Marks are served oldest first, each subtree node once, in slices under the
 * budget, within `maxLagFrames` (8) frames.
 *
 * How it works, what it costs and its bounds: docs/matrices.md.
 *
 * @example
 * ```ts
 * const sync = new MatrixSyncJob(scheduler, scene)
 * // per frame, move things as usual:
 * player.position.x += 0.1    // found by the job within a few frames, then every frame
 * sync.markDirty(player)      // optional: the same frame, without the lag
 * // before a raycast that must see this frame's moves:
 * sync.flush()
 * // later:
 * sync.dispose()              // restores scene.matrixWorldAutoUpdate
 * ```
 */
export class MatrixSyncJob implements WorldMatrixChanges {
  /** The scene whose world matrices the job keeps. */
  readonly scene: Scene
  /** The scheduler system running the job (tune `weight`, toggle `enabled`; while disabled, world matrices freeze). */
  readonly system: SystemHandle

  private readonly scheduler: BatchScheduler
  private readonly chunkSize: number
  private readonly maxLag: number
  private readonly updateOnAdd: boolean
  /** The scene's object count, and with `watchHierarchy` its hierarchy listeners. */
  private readonly hierarchy: HierarchyWatch
  private readonly savedAutoUpdate: boolean
  /** Marks not yet applied, oldest first. */
  private readonly marks = new MarkQueue()
  /** Depth-first sweep of the subtree being updated; survives between frames. */
  private stack: (Object3D | null)[] = []
  private stackLen = 0
  /** Mark frame of the entry that started the current subtree sweep. */
  private rootFrame = 0
  /** Objects the current subtree sweep has updated so far. */
  private sweepDone = 0
  /** Runs of the job the current subtree sweep has already spanned (0: it began in this run). */
  private sweepRuns = 0
  private updatedLast = 0
  /** The change tick and, per `object.id`, the job's writes (see {@link MatrixSyncJob.changeStamps}). */
  private readonly changes = new WriteStamps()
  /** Told of every object whose world matrix the job wrote, right after (see {@link MatrixSyncJob.addWriteListener}). */
  private writeListeners: ((object: Object3D) => void)[] = []
  private updatedTotal = 0
  /** Unmarked moves, for `detect: 'auto'` (null with 'manual'). */
  private readonly detection: MoveDetection | null
  /** The detection's snapshot store (null with 'manual'). */
  private get detector(): ChangeDetector | null {
    return this.detection === null ? null : this.detection.detector
  }
  /** First error thrown by an object's update during detection, rethrown at the end of the run. */
  private detectFailure: { error: unknown } | null = null
  private readonly statsObject = new MatrixSyncStats()
  /** Whether the system ran since the last frame's end (see `onFrameEnd`). */
  private ranThisFrame = false
  private disposed = false
  private warnedDisposed = false

  /**
   * Installs the job: registers a sliced {@link BatchType.Transform} system,
   * sets `scene.matrixWorldAutoUpdate = false`, brings every world matrix up
   * to date once (`scene.updateMatrixWorld()`), with `watchHierarchy`
   * listens to hierarchy changes on every object in the scene and, with
   * `detect: 'auto'`, takes a snapshot of every object's local transform.
   *
   * @throws TypeError when `scheduler` is not a BatchScheduler or `scene` not a THREE.Scene, or on a bad option; Error when the scene already has a live MatrixSyncJob.
   */
  constructor(
    scheduler: BatchScheduler,
    scene: Scene,
    {
      name = 'matrixSync',
      weight = 0.4,
      chunkSize = 16,
      maxLagFrames = 8,
      watchHierarchy = true,
      updateOnAdd = true,
      detect = 'auto',
      detectFrames = 4,
    }: MatrixSyncJobOptions = {},
  ) {
    const api = 'MatrixSyncJob'
    if (!(scheduler instanceof BatchScheduler)) {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    if (scene === null || typeof scene !== 'object' || (scene as { isScene?: unknown }).isScene !== true) {
      throw new TypeError(`${api}: scene must be a THREE.Scene, got ${describe(scene)}`)
    }
    const o = checkMatrixSyncOptions(api, { name, weight, chunkSize, maxLagFrames, watchHierarchy, updateOnAdd, detect, detectFrames })
    this.chunkSize = o.chunkSize
    this.maxLag = o.maxLag
    this.updateOnAdd = o.updateOnAdd
    const watch = o.watchHierarchy
    this.detection = o.detect === 'auto' ? new MoveDetection(this.moveHost(scene), o.detectFrames, !watch, this.statsObject) : null
    this.hierarchy = new HierarchyWatch(this.hierarchyHost(), this.detector, watch)
    // Two jobs on one scene would restore each other's flag wrongly.
    if (liveChanges(undefined, scene) !== null) throw new Error(`${api}: this scene already has a MatrixSyncJob; dispose it first`)

    this.scheduler = scheduler
    this.scene = scene
    this.system = scheduler.addSystem(BatchType.Transform, this.run, { sliced: true, name: o.name, weight: o.weight })
    registerChanges(scene, this)
    this.savedAutoUpdate = scene.matrixWorldAutoUpdate
    scene.matrixWorldAutoUpdate = false
    scene.updateMatrixWorld()
    this.hierarchy.start(scene)
    if (this.detector !== null) scheduler.addFrameListener(this.onFrameEnd)
  }

  /** Objects marked and not yet updated. */
  get pending(): number {
    return this.marks.live
  }

  /** True when nothing is marked and no subtree sweep is half done: every world matrix is up to date. */
  get isIdle(): boolean {
    return this.marks.live === 0 && this.stackLen === 0
  }

  /** Objects updated in the job's last run (or the last {@link MatrixSyncJob.flush}). */
  get lastUpdated(): number {
    return this.updatedLast
  }

  /** Objects updated since the job was installed. */
  get totalUpdated(): number {
    return this.updatedTotal
  }

  /** How the job learns what moved (see {@link MatrixSyncJobOptions.detect}). */
  get detect(): 'auto' | 'manual' {
    return this.detector !== null ? 'auto' : 'manual'
  }

  /** Live numbers of the job, updated in place by each run (reading them allocates nothing). */
  get stats(): MatrixSyncStats {
    const stats = this.statsObject
    stats.pending = this.marks.live
    const d = this.detector
    if (d !== null) {
      stats.watched = d.count
      stats.moving = d.hotCount
      stats.always = d.always.length
    }
    return stats
  }

  /**
   * A counter the job raises before each run (and each hierarchy change it
   * handles). Together with {@link MatrixSyncJob.changeStamps} it tells
   * another job whether an object's world matrix changed since it last read
   * it: read the tick when you read the matrix; the matrix changed since iff
   * `changeStamps[object.id]` is greater. Used by `FrustumCullingJob`'s
   * and `LODJob`'s `matrices` option (see {@link WorldMatrixChanges}).
   */
  get changeTick(): number {
    return this.changes.tick
  }

  /** True when the job listens to the scene's hierarchy (`watchHierarchy`): an object added or removed stamps its parent (see {@link WorldMatrixChanges.watchesHierarchy}). */
  get watchesHierarchy(): boolean {
    return this.hierarchy.listens
  }

  /**
   * Per `object.id`, the {@link MatrixSyncJob.changeTick} at which the job
   * last wrote the object's world matrix, or added or removed one of its
   * children (0: never; ids past the end: never). The array is replaced when
   * it grows: read it again after the job ran.
   */
  get changeStamps(): Float64Array {
    return this.changes.stamps
  }

  /**
   * Per `object.id`, the newest {@link MatrixSyncJob.changeStamps} entry of
   * any object strictly below it (0: none; ids past the end: none): a reader
   * that read a whole subtree at tick T knows in one look that nothing in it
   * changed since iff neither `changeStamps[root.id]` nor this exceeds T.
   * Kept for the cost of one look at the parent per stamped object. The array
   * is replaced when it grows: read it again after the job ran.
   */
  get subtreeStamps(): Float64Array {
    return this.changes.below
  }

  /**
   * Calls `listener(object)` right after the job writes an object's world
   * matrix (while the object is still in the CPU's caches), for every object
   * it updates, marked or found. For jobs that keep data derived from world
   * matrices (`FrustumCullingJob` re-tests a moved object at once). Adding
   * one twice does nothing.
   */
  addWriteListener(listener: (object: Object3D) => void): void {
    if (!this.writeListeners.includes(listener)) this.writeListeners = [...this.writeListeners, listener]
  }

  /** Stops a listener of {@link MatrixSyncJob.addWriteListener}. */
  removeWriteListener(listener: (object: Object3D) => void): void {
    this.writeListeners = this.writeListeners.filter((l) => l !== listener)
  }

  /** True once {@link MatrixSyncJob.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /**
   * Says that `object` moved: its world matrix and its descendants' are
   * recomputed in a coming frame (oldest marks first; see the class notes
   * for the bound). Marking an object already waiting does nothing more.
   * Also sets `object.matrixWorldNeedsUpdate`, so three's own traversal picks
   * the change up if the job is disposed first. Objects not in the scene when
   * their turn comes are skipped. Allocates nothing once warm.
   *
   * @throws TypeError when `object` is not a THREE.Object3D. After dispose it warns once and does nothing.
   */
  markDirty(object: Object3D): void {
    checkObject('MatrixSyncJob.markDirty', 'object', object)
    if (this.disposed) {
      if (!this.warnedDisposed) {
        this.warnedDisposed = true
        console.warn('MatrixSyncJob.markDirty: called after dispose(); ignored')
      }
      return
    }
    object.matrixWorldNeedsUpdate = true
    this.marks.mark(object, this.scheduler.frame)
  }

  /**
   * Applies every pending mark now, outside the budget (for example before
   * a raycast that must see this frame's moves); with `detect: 'auto'` it
   * first compares every object, so unmarked moves are applied too.
   *
   * @returns the number of objects updated.
   */
  flush(): number {
    if (this.disposed) return 0
    this.work(_never, this.scheduler.frame, true)
    return this.updatedLast
  }

  /**
   * Removes the system, restores `scene.matrixWorldAutoUpdate` to what it
   * was, removes the hierarchy listeners and drops pending marks (three's own
   * traversal then picks them up through `matrixWorldNeedsUpdate`). Safe to
   * call twice.
   */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.system.remove()
    this.scheduler.removeFrameListener(this.onFrameEnd)
    this.scene.matrixWorldAutoUpdate = this.savedAutoUpdate
    this.hierarchy.stop(this.scene)
    unregisterChanges(this.scene, this)
    this.marks.clear()
    this.stack = []
    this.stackLen = 0
    this.changes.clear()
    this.writeListeners = []
    this.detector?.clear()
  }

  // ---- internals ---------------------------------------------------------

  /** The system: one slice of the sweep. */
  private readonly run = (deadline: Deadline): boolean => this.work(deadline, this.scheduler.frame)

  private work(deadline: Deadline, frame: number, full = false): boolean {
    this.changes.tick++
    this.ranThisFrame = true
    // Unmarked moves first: what they write is then current for the marks' sweeps below.
    let updated = this.detection !== null ? this.detection.round(frame, full, false) : 0
    if (this.detection !== null && !this.hierarchy.listens) this.hierarchy.nodes = this.detection.detector.count
    // A sweep carried over from an earlier run is one too big for a frame: it is paced.
    if (this.stackLen > 0) this.sweepRuns++
    const chunk = this.chunkSize
    // Marks this run owes (see markQuota), counted as marks consumed.
    const liveAtStart = this.marks.live
    const markQuota = this.marks.quota(frame, this.maxLag)
    let sinceCheck = 0
    let more = false
    let failed = false
    let failure: unknown
    for (;;) {
      if (this.stackLen === 0 && !this.nextRoot()) break
      // One object whose update throws (a custom updateMatrixWorld) costs its
      // own update, not the sweep: the rest goes on and the first error is
      // rethrown at the end, so the scheduler still counts and reports it.
      try {
        const n = this.updateNext()
        updated += n
        this.sweepDone += n
      } catch (error) {
        if (!failed) {
          failed = true
          failure = error
        }
      }
      if (++sinceCheck >= chunk) {
        sinceCheck = 0
        if (deadline.shouldYield() && !this.overdue(frame) && updated >= this.sweepQuota(frame) && liveAtStart - this.marks.live >= markQuota) {
          more = this.stackLen > 0 || this.marks.queued > 0
          break
        }
      }
    }
    this.updatedLast = updated
    this.updatedTotal += updated
    const stats = this.statsObject
    stats.updated = updated
    stats.updatedTotal = this.updatedTotal
    const detectFailure = this.detectFailure
    if (detectFailure !== null) {
      this.detectFailure = null
      if (!failed) throw detectFailure.error
    }
    if (failed) throw failure
    return more
  }

  /**
   * At the end of a frame in which the system did not run (the budget taken
   * by forced work of other types), the moving
   * objects and the ones recomputed every frame are brought up to date
   * anyway, outside the budget: they must be right in every frame they are
   * drawn. The cold scan waits for the next run.
   */
  private readonly onFrameEnd = (): void => {
    // A disabled system (its handle or its type) freezes world matrices, as documented.
    if (this.ranThisFrame || this.disposed || !this.system.active || !this.system.enabled || !this.scheduler.isTypeEnabled(BatchType.Transform)) {
      this.ranThisFrame = false
      return
    }
    this.changes.tick++
    const updated = (this.detection as MoveDetection).round(this.scheduler.frame, false, true)
    this.updatedTotal += updated
    const failure = this.detectFailure
    this.detectFailure = null
    // Thrown from a frame listener: the scheduler reports it (once) and the frame goes on.
    if (failure !== null) throw failure.error
  }

  /** What the detection round asks of the job. */
  private moveHost(scene: Scene): MoveDetectionHost {
    return {
      scene,
      isMarked: (object) => this.marks.isMarked(object),
      updateSubtree: (object) => this.updateSubtree(object),
    }
  }

  /** Recomputes `object`'s world matrix and its subtree's with three's own `updateMatrixWorld(true)`, and records the writes. */
  private updateSubtree(object: Object3D): number {
    try {
      object.updateMatrixWorld(true)
    } catch (error) {
      if (this.detectFailure === null) this.detectFailure = { error }
    }
    this.settle(object)
    this.wrote(object)
    return 1 + this.consumeBelow(object)
  }

  /** Starts a sweep at the next live mark's topmost marked ancestor (or itself); false when no mark is left. */
  private nextRoot(): boolean {
    const top = this.marks.next(this.scene)
    if (top === null) return false
    this.rootFrame = this.marks.headFrame
    this.sweepDone = 0
    this.sweepRuns = 0
    this.stack[0] = top
    this.stackLen = 1
    return true
  }

  /**
   * Pacing of a sweep too big for one frame (one carried over from an
   * earlier run: a whole scene marked at once, say): the objects this run
   * owes so that the rest of the sweep, at most the scene's object count
   * less what the sweep has done, is spread evenly over the frames left
   * before its mark's staleness bound, instead of the job working within the
   * budget until the bound and then doing all the rest in one frame. The
   * estimate can only be high, so such a sweep ends early, never late. 0
   * outside a carried-over sweep, and with no bound.
   */
  private sweepQuota(frame: number): number {
    if (this.stackLen === 0 || this.sweepRuns === 0 || this.maxLag === Infinity) return 0
    const left = this.hierarchy.nodes - this.sweepDone
    if (left <= 0) return 0
    const frames = this.maxLag - (frame - this.rootFrame)
    return frames > 1 ? Math.ceil(left / frames) : left
  }

  /** Whether the work left is older than the staleness bound (so the job must not yield). */
  private overdue(frame: number): boolean {
    const maxLag = this.maxLag
    if (this.stackLen > 0) return frame - this.rootFrame >= maxLag
    const head = this.marks.liveHeadFrame()
    return head >= 0 && frame - head >= maxLag
  }

  /** Updates the next object of the sweep and queues its children; returns objects updated. */
  private updateNext(): number {
    const stack = this.stack
    const node = stack[--this.stackLen] as Object3D
    stack[this.stackLen] = null
    this.settle(node)
    if (node.updateMatrixWorld !== _baseUpdateMatrixWorld) {
      node.updateMatrixWorld(true)
      this.wrote(node)
      return 1 + this.consumeBelow(node)
    }
    if (node.matrixAutoUpdate) node.updateMatrix()
    if (node.matrixWorldAutoUpdate === true) {
      const parent = node.parent
      if (parent === null) node.matrixWorld.copy(node.matrix)
      else node.matrixWorld.multiplyMatrices(parent.matrixWorld, node.matrix)
    }
    node.matrixWorldNeedsUpdate = false
    const children = node.children
    for (let i = children.length - 1; i >= 0; i--) stack[this.stackLen++] = children[i] as Object3D
    this.wrote(node)
    return 1
  }

  /** Tells the write listeners that `node`'s world matrix was written. */
  private wrote(node: Object3D): void {
    const listeners = this.writeListeners
    for (let i = 0; i < listeners.length; i++) (listeners[i] as (object: Object3D) => void)(node)
  }

  /** Clears the marks of a subtree updated in one go and stamps it; returns its size below `node`. */
  private consumeBelow(node: Object3D): number {
    const children = node.children
    let count = children.length
    for (let i = 0; i < children.length; i++) {
      const child = children[i] as Object3D
      this.settle(child)
      this.wrote(child)
      count += this.consumeBelow(child)
    }
    return count
  }

  /** An object about to get its world matrix (subtree sweep, or brought up to date on add): its mark is consumed, and it is stamped. */
  private settle(object: Object3D): void {
    const id = object.id
    const m = this.marks
    const marks = m.marks
    if (id < marks.length && marks[id] !== 0) {
      marks[id] = 0
      m.live--
    }
    const changes = this.changes
    if (id >= changes.stamps.length) changes.grow(id)
    changes.stamps[id] = changes.tick
    if (this.detector !== null) this.detector.refresh(object)
    // Siblings written in the same run find their parent raised already. The check is made here,
    // not only in stampAbove, so that case costs no call: an unconditional call made work() give up
    // inlining the clock read behind shouldYield, whose boxed result cost 160 B/frame.
    const parent = object.parent
    if (parent !== null && !((changes.below[parent.id] as number) >= changes.tick)) changes.stampAbove(object, changes.tick)
  }

  /** What the hierarchy listeners ask of the job. */
  private hierarchyHost(): HierarchyWatchHost {
    return {
      childrenChanged: (parent) => this.changes.stampHierarchy(parent),
      childAdded: (child) => {
        if (this.updateOnAdd) {
          child.updateMatrixWorld(true)
          this.settle(child)
          this.wrote(child)
          this.consumeBelow(child)
        } else {
          this.markDirty(child)
        }
      },
    }
  }
}
