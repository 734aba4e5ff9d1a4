import { type BatchedMesh, type Color, type Layers, type Material, Matrix4, type Mesh, type Object3D, type Scene } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { describe } from '../core/validate.js'
import { type Batch, isBatchMesh } from './batching/Batch.js'
import { type BatchWarmup, ColdGroups } from './batching/ColdGroups.js'
import { BATCHED, DROPPED, Entry, OUT, PENDING } from './batching/Entry.js'
import { EntryTable } from './batching/EntryTable.js'
import type { GeometryRecord } from './batching/GeometryRecord.js'
import { GroupTable } from './batching/GroupTable.js'
import { InstanceFollow } from './batching/InstanceFollow.js'
import { isBatchableMesh, isPlainContainer, nearestLOD, shownIn } from './batching/eligibility.js'
import type { MaterialRecord } from './batching/MaterialRecord.js'
import { LODShares } from './batching/LODShares.js'
import { RenderPhase } from './batching/RenderPhase.js'
import { RenderPrune } from './batching/RenderPrune.js'
import { SceneScan } from './batching/SceneScan.js'
import { type BatchingSettings, checkScene, checkWarmup, readBatchingOptions, type StaticBatchingJobOptions } from './batching/StaticBatchingJobOptions.js'
import { StaticBatchingStats } from './batching/StaticBatchingStats.js'
import { checkObject } from './utils/checkThree.js'

export type { CullingSource, LevelSource, StaticBatchingJobOptions } from './batching/StaticBatchingJobOptions.js'
export type { BatchWarmup } from './batching/ColdGroups.js'

const _never: Deadline = { timeRemaining: () => Infinity, shouldYield: () => false }
/** Objects the render-pruning pass visits per run (~0.3–0.6 ms at ~20–40 ns each): a 100k-object city's ~180k nodes in ~12 runs. */
const PRUNE_PER_RUN = 16384
/** Scenes with a live job: two jobs on one scene would batch each other's handles. */
const _scenes = new WeakMap<Scene, StaticBatchingJob>()

/**
 * Moves the scene's static meshes into `THREE.BatchedMesh` batches, a few at a
 * time under the budget, so thousands of draw calls become a few: one batch (or
 * several of at most `maxInstancesPerBatch`) per material and geometry layout.
 * Materials that differ only in `color` share a batch, with the colour per
 * instance. The app keeps its meshes: each stays in the scene graph as the
 * handle (kept out of the render through its `layers.test`), raycastable (a
 * batch never answers a raycast), movable, removable; `dispose()` restores
 * the scene exactly.
 *
 * Batched: a `Mesh` with one opaque built-in mesh material and a plain
 * geometry (no skinning, morphs, instancing, render hooks, mirrored matrix),
 * including `THREE.LOD` levels. A sliced sweep keeps each instance equal to
 * its mesh (matrix, visibility, colour); a mesh that keeps moving, or whose
 * material or geometry changes, leaves and draws itself until it settles.
 * With the scene's MatrixSyncJob a move reaches the instance at once; with a
 * {@link StaticBatchingJobOptions.culling} job the culler's hides do, and
 * with a {@link StaticBatchingJobOptions.lods} job the LOD switches do.
 * How it works, what is eligible, and the measured figures: docs/batching.md.
 *
 * @example
 * ```ts
 * const batching = new StaticBatchingJob(scheduler, scene, { culling, lods })
 * // later: the meshes are drawn through a few BatchedMeshes; the app uses them as before
 * batching.stats.batches      // e.g. 12
 * batching.dispose()          // the scene exactly as before
 * ```
 */
export class StaticBatchingJob {
  /** The scene whose meshes are batched. */
  readonly scene: Scene
  /** The scheduler system running the job. */
  readonly system: SystemHandle
  /** Live numbers, updated in place. */
  readonly stats = new StaticBatchingStats()

  private readonly scheduler: BatchScheduler
  private readonly settings: BatchingSettings
  private readonly phase: RenderPhase
  /** Subtrees the batches draw whole, kept out of three's render walk. */
  private readonly prune: RenderPrune
  /** The `layers.test` given to batched meshes (shared: one per job). */
  private readonly hiddenTest: (this: Layers, layers: Layers) => boolean
  private readonly entries = new EntryTable()
  private readonly scan: SceneScan
  /** Found meshes waiting to join, from `pendingHead` on. */
  private pending: Entry[] = []
  private pendingHead = 0
  private readonly table = new GroupTable()
  /** LODs drawn through one instance each (levels switched with `setGeometryIdAt`). */
  private readonly shares: LODShares
  /** The culling, LOD and matrix jobs' listeners: instances follow them at once. */
  private readonly follow: InstanceFollow
  /** Groups whose batch program is warming (with a warm-up job): their members wait. */
  private readonly cold = new ColdGroups()
  /** Entries in state OUT. */
  private outCount = 0
  /** Maintenance sweep. */
  private cursor = 0
  private sweepNo = 0
  private sweepStart = 0
  private frame = 0
  private disposed = false
  private warnedDisposed = false

  /**
   * Installs the job: registers a sliced {@link BatchType.Visibility} system
   * and wraps the scene's render hooks. Nothing is batched before the first
   * frames run (the scan and the build are sliced).
   *
   * @throws TypeError when `scheduler` is not a BatchScheduler or `scene` not a THREE.Scene, or on a bad option; Error when the scene already has a live StaticBatchingJob.
   */
  constructor(scheduler: BatchScheduler, scene: Scene, options: StaticBatchingJobOptions = {}) {
    const api = 'StaticBatchingJob'
    if (!(scheduler instanceof BatchScheduler)) throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    checkScene(api, scene)
    const settings = (this.settings = readBatchingOptions(api, options))
    if (_scenes.has(scene)) throw new Error(`${api}: this scene already has a StaticBatchingJob; dispose it first`)

    this.scheduler = scheduler
    this.scene = scene
    this.system = scheduler.addSystem(BatchType.Visibility, this.run, { sliced: true, name: settings.name, weight: settings.weight })
    _scenes.set(scene, this)
    const prune = (this.prune = new RenderPrune(scene, (o) => this.skippable(o)))
    const phase = (this.phase = new RenderPhase(scene, settings.pruneRender ? { before: () => prune.hide(), after: () => prune.show() } : null))
    this.hiddenTest = function (this: Layers, layers: Layers): boolean {
      return !phase.rendering && (this.mask & layers.mask) !== 0
    }
    this.scan = new SceneScan(scene, isBatchMesh)
    this.shares = new LODShares({
      settings,
      table: this.table,
      shown: (o) => this.inSceneShown(o),
      candidate: (o) => this.isCandidate(o),
      groupOf: (e) => this.table.groupOf(e, this.sweepNo),
      warm: (group, e) => this.cold.isWarm(group, e),
      attach: (e, batch, id) => this.attach(e, batch, id),
      release: (e) => this.toOut(e, true),
      toMovers: (e) => this.toMovers(e, null),
      frame: () => this.scheduler.frame,
      leave: (e) => this.leave(e),
      drop: (e) => this.drop(e),
      same: (e) => this.table.sameRecords(e, this.sweepNo),
    })
    this.frame = scheduler.frame
    this.sweepStart = scheduler.frame
    this.follow = new InstanceFollow({
      entries: this.entries,
      shares: this.shares,
      settings,
      scene,
      shown: (o) => this.inSceneShown(o),
      frame: () => this.scheduler.frame,
      leave: (e) => this.leave(e),
      toMovers: (e, from) => this.toMovers(e, from),
    })
    this.follow.listen()
    this.cold.warmup = settings.warmup
  }

  /** The GPU warm-up job new groups' batch programs are compiled through before their batches open (see {@link StaticBatchingJobOptions.warmup}); null: none. */
  get warmup(): BatchWarmup | null {
    return this.cold.warmup
  }

  /** Sets or clears it (null: groups warming now open at the next run). @throws TypeError when neither null nor a GpuWarmupJob. */
  set warmup(value: BatchWarmup | null) {
    checkWarmup('StaticBatchingJob.warmup', 'value', value)
    this.cold.warmup = value
  }

  /** True once {@link StaticBatchingJob.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** True when the first scan is done and nothing waits to be batched. */
  get isIdle(): boolean {
    return this.scan.scannedOnce && this.scan.foundCount === 0 && this.pendingHead >= this.pending.length && this.cold.waiting === 0
  }

  /**
   * The batch drawing `object` now, or null when it is not batched (not
   * eligible, still pending, out of its batch). With
   * {@link StaticBatchingJob.instanceIdOf} it names the instance (the levels
   * of a LOD drawn through one instance all name it). Hide it with
   * {@link StaticBatchingJob.setCulled}: the job owns the instance's visibility.
   */
  batchOf(object: Object3D): BatchedMesh | null {
    const e = this.entries.get(object)
    return e !== undefined && e.state === BATCHED && e.batch !== null ? e.batch.mesh : null
  }

  /** The instance id of `object` in {@link StaticBatchingJob.batchOf}, or -1 when it is not batched. */
  instanceIdOf(object: Object3D): number {
    const e = this.entries.get(object)
    return e !== undefined && e.state === BATCHED ? e.instance : -1
  }

  /**
   * Hides (`culled = true`) or shows again a batched mesh's instance, for a
   * culling job: the instance is shown when the mesh is visible (itself and
   * its ancestors) and not culled. Applied at once; kept across leaving and
   * rejoining. Allocates nothing.
   *
   * @returns false when the job does not track `object`.
   * @throws TypeError when `object` is not a THREE.Object3D or `culled` not a boolean.
   */
  setCulled(object: Object3D, culled: boolean): boolean {
    checkObject('StaticBatchingJob.setCulled', 'object', object)
    if (typeof culled !== 'boolean') throw new TypeError(`StaticBatchingJob.setCulled: culled must be a boolean, got ${describe(culled)}`)
    const e = this.entries.get(object)
    if (e === undefined) return false
    if (e.culled === culled) return true
    e.culled = culled
    this.follow.refreshVisible(e)
    this.countStats()
    return true
  }

  /**
   * Does all the pending work now, outside the budget: finishes the scan,
   * batches everything pending and runs one full sweep (tests, a loading
   * screen, a still screenshot).
   */
  flush(): void {
    if (this.disposed) return
    if (!this.scan.scanning && this.scan.scannedOnce) this.scan.start()
    this.work(_never, this.scheduler.frame, true)
  }

  /**
   * Restores the scene exactly as it was: every batched mesh gets its own
   * `layers.test` back (and draws itself), listeners go, the batches are
   * removed from the scene and disposed with their materials, the scene's
   * render hooks are put back. Safe to call twice.
   */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.system.remove()
    this.follow.dispose()
    for (const e of this.entries.list) if (e !== null) this.release(e)
    this.entries.clear()
    this.pending = []
    this.pendingHead = 0
    this.scan.clear()
    this.shares.clear()
    this.cold.dispose()
    this.table.dispose()
    this.prune.clear()
    this.phase.dispose()
    _scenes.delete(this.scene)
    this.countStats()
  }

  // ---- the system ----------------------------------------------------------

  private readonly run = (deadline: Deadline): boolean => this.work(deadline, this.scheduler.frame, false)

  private work(deadline: Deadline, frame: number, full: boolean): boolean {
    if (this.disposed) {
      if (!this.warnedDisposed) {
        this.warnedDisposed = true
        console.warn('StaticBatchingJob: ran after dispose(); ignored')
      }
      return false
    }
    this.frame = frame
    const phase = this.phase
    phase.rendering = false // a render that threw never reached onAfterRender
    phase.ensure()
    this.follow.attachMatrices()
    const prune = this.prune
    if (this.settings.pruneRender) {
      prune.setSource(this.follow.matrices)
      prune.frame(frame)
    }
    this.cold.poll(this.requeue, frame)
    const chunk = this.settings.chunkSize
    const scan = this.scan
    let n = 0
    let more = false
    // 1. The scan: the first (batches are sized by what it finds), or a rescan overdue by rescanFrames,
    // which goes before the sweep (a sweep using every run's whole budget would otherwise starve it,
    // and added meshes went unfound).
    const overdue = !full && scan.scannedOnce && frame - scan.endFrame >= 2 * this.settings.rescanFrames
    if (overdue && !scan.scanning) scan.start()
    if (!scan.scannedOnce || overdue) {
      while (scan.scanning) {
        this.scanStep()
        if (++n % chunk === 0 && deadline.shouldYield()) return this.finish(n, true)
      }
    }
    // 2. The build: pending meshes join batches.
    while (this.pendingHead < this.pending.length) {
      const e = this.pending[this.pendingHead++] as Entry
      if (e.state === PENDING) this.build(e)
      if (++n % chunk === 0 && this.pendingHead < this.pending.length && deadline.shouldYield()) return this.finish(n, true)
    }
    if (this.pendingHead > 0) {
      this.pending.length = 0
      this.pendingHead = 0
    }
    // 2b. With nothing left to build: the pass finding the subtrees the batches draw whole, for the
    // render to skip, a fixed share per run (the sweep below may take the rest of the budget every run).
    if (this.settings.pruneRender && this.isIdle) {
      prune.step(frame, full ? Infinity : PRUNE_PER_RUN, full)
    }
    // 3. The sweep: at most one full pass per run, never stopping inside a unit.
    const entries = this.entries.list
    if (full) {
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as Entry | null
        if (e !== null) this.visit(e)
        n++
      }
      if (entries.length > 0) this.endSweep(frame)
    } else {
      // Paced: a pass spread over at least minSweepFrames runs, so a small scene's sweep does not take
      // every frame's whole budget (and starve the types below) to find nothing changed.
      let quota = Math.ceil(entries.length / this.settings.minSweepFrames)
      let sinceCheck = 0
      for (let left = entries.length; left > 0; left--) {
        if (this.cursor >= entries.length) this.endSweep(frame)
        if (this.cursor >= entries.length) break
        const e = entries[this.cursor++] as Entry | null
        if (e === null) continue
        this.visit(e)
        quota--
        const next = this.cursor < entries.length ? entries[this.cursor] : null
        const boundary = next === null || next === undefined || next.unit !== e.unit
        n++
        if (quota <= 0 && boundary) break
        // The clock is read once per chunk, at the first unit boundary after it.
        if (++sinceCheck >= chunk && boundary) {
          sinceCheck = 0
          if (deadline.shouldYield()) {
            more = true
            break
          }
        }
      }
    }
    // 4. Rescans for meshes added since.
    if (!more && scan.scannedOnce) {
      if (!scan.scanning && frame - scan.endFrame >= this.settings.rescanFrames) scan.start()
      while (scan.scanning) {
        this.scanStep()
        if (++n % chunk === 0 && !full && deadline.shouldYield()) {
          more = true
          break
        }
      }
      // What the rescan found is built next run (or now, when flushing).
      if (full && this.pendingHead < this.pending.length) return this.work(deadline, frame, true)
    }
    this.stats.prunedRoots = prune.count
    return this.finish(n, more || this.pendingHead < this.pending.length)
  }

  private finish(visited: number, more: boolean): boolean {
    this.stats.visited = visited
    this.countStats()
    return more
  }

  private endSweep(frame: number): void {
    this.cursor = 0
    this.sweepNo++
    this.stats.sweeps++
    this.stats.sweepFrames = frame - this.sweepStart + 1
    this.sweepStart = frame
    this.entries.compact()
  }

  // ---- scan ---------------------------------------------------------------

  /** One object of the depth-first scan: an eligible mesh not tracked yet is tracked and queued. */
  private scanStep(): void {
    const o = this.scan.next()
    if (o === null) {
      this.scan.end(this.frame, this.pending)
      return
    }
    if (this.entries.has(o) || !this.isCandidate(o)) return
    const e = new Entry(o as Mesh, nearestLOD(o) ?? o)
    this.entries.add(e)
    e.listen(this.onRemoved)
    // Counted in its group now, so the group's first batch is sized for it.
    const group = this.table.groupOf(e, this.sweepNo)
    if (group !== null) {
      group.pending++
      e.pendingGroup = group
    }
    this.scan.add(e)
  }

  /** Whether the render may skip `o` itself: a mesh a batch draws, a plain group, or a LOD a job picks the levels of. */
  private skippable(o: Object3D): boolean {
    const e = this.entries.get(o)
    return e !== undefined ? e.state === BATCHED : isPlainContainer(o)
  }

  /** Structural eligibility (the cheap checks; layout and matrix come at join). */
  private isCandidate(o: Object3D): boolean {
    return isBatchableMesh(o, this.hiddenTest)
  }

  // ---- build, leave, drop -------------------------------------------------

  /** A pending mesh joins a batch, or is dropped when it can no longer be batched. */
  private build(e: Entry): void {
    if (e.pendingGroup !== null) {
      e.pendingGroup.pending--
      e.pendingGroup = null
    }
    if (e.unit !== e.object && this.shares.tryJoin(e, this.entries.membersOf(e.unit))) return
    if (!this.join(e)) this.drop(e)
  }

  /** A member whose group became warm: to the build again. */
  private readonly requeue = (e: Entry): void => {
    if (e.state === PENDING) this.pending.push(e)
  }

  /** Puts `e`'s mesh into a batch of its group (or, pending, makes it wait for a cold group). False when it cannot be batched now. */
  private join(e: Entry): boolean {
    const o = e.object
    if (!this.isCandidate(o)) return false
    const shown = this.inSceneShown(o)
    if (shown < 0) return false
    if (o.matrixWorld.determinant() < 0) return false
    const group = this.table.groupOf(e, this.sweepNo)
    if (group === null) return false
    if (!this.cold.isWarm(group, e)) {
      if (e.state === PENDING) this.cold.wait(group, e)
      return true // out: tried again at its next visit
    }
    const record = e.geoRecord as GeometryRecord
    const batch = this.table.batchFor(group, record, this.settings)
    const color = group.hasColor ? (o.material as unknown as { color: Color }).color : null
    this.attach(e, batch, batch.add(record, o.matrixWorld, color, shown === 1 && !e.culled))
    return true
  }

  /** `e`'s mesh is drawn by `batch`'s instance `id` now. */
  private attach(e: Entry, batch: Batch, id: number): void {
    e.instance = id
    e.batch = batch
    e.matKey = (e.matRecord as MaterialRecord).key
    if (e.state === OUT) this.outCount--
    e.state = BATCHED
    e.moves = 0
    ;(e.object.layers as unknown as Record<string, unknown>)['test'] = this.hiddenTest
    if (batch.mesh.parent === null) this.scene.add(batch.mesh)
    this.stats.joined++
  }

  /** Takes `e`'s mesh out of its batch (a LOD share ends with it): it draws itself again. */
  private unbatch(e: Entry): void {
    if (e.share !== null) this.shares.end(e.share, e)
    else if (e.batch !== null) this.table.remove(e.batch, e.instance)
    this.detach(e)
  }

  private detach(e: Entry): void {
    this.prune.invalidate(e.object)
    e.batch = null
    e.instance = -1
    delete (e.object.layers as unknown as Record<string, unknown>)['test']
  }

  /** A batched mesh leaves its batch (moving or changed) and is watched until it settles. */
  private leave(e: Entry): void {
    this.unbatch(e)
    this.toOut(e)
  }

  private toOut(e: Entry, detach = false): void {
    if (detach) this.detach(e)
    e.state = OUT
    this.outCount++
    e.changedFrame = this.frame
    e.moves = 0
    e.material = e.object.material as Material
    e.geometry = e.object.geometry
    ;(e.still ??= new Matrix4()).copy(e.object.matrixWorld)
    this.stats.left++
  }

  /** Stops tracking `e` (removed from the scene, or not batchable): the mesh is as the app left it. */
  private drop(e: Entry): void {
    if (e.state === DROPPED) return
    this.release(e)
    this.entries.remove(e)
  }

  /** Gives the mesh back: out of its batch, listener removed (and `_listeners` as it was). */
  private release(e: Entry): void {
    if (e.state === BATCHED) this.unbatch(e)
    if (e.state === OUT) this.outCount--
    if (e.pendingGroup !== null) {
      e.pendingGroup.pending--
      e.pendingGroup = null
    }
    e.state = DROPPED
    e.unlisten(this.onRemoved)
  }

  private readonly onRemoved = (event: { target: unknown }): void => {
    const e = this.entries.get(event.target as Object3D)
    if (e !== undefined) {
      this.drop(e)
      this.countStats()
    }
  }

  // ---- the sweep ----------------------------------------------------------

  /**
   * 1 when `o` is in the scene and shown (itself and every ancestor visible;
   * a culler's hides count only when it drives the instances), 0 when in the
   * scene and hidden, -1 when not in the scene.
   */
  private inSceneShown(o: Object3D): number {
    return shownIn(o, this.scene, this.settings.driven ? null : this.settings.culling)
  }

  /** Checks one tracked mesh against its instance (or, out of its batch, whether it settled). */
  private visit(e: Entry): void {
    if (e.share !== null) {
      if (e === e.share.levels[0]) this.shares.visit(e.share)
    } else if (e.state === BATCHED) this.visitBatched(e)
    else if (e.state === OUT) this.visitOut(e)
  }

  private visitBatched(e: Entry): void {
    const o = e.object
    const shown = this.inSceneShown(o)
    if (shown < 0) {
      this.drop(e)
      return
    }
    const batch = e.batch as Batch
    const group = batch.group
    if (o.material !== e.material || o.geometry !== e.geometry || !this.table.sameRecords(e, this.sweepNo)) {
      this.leave(e)
      return
    }
    if (!group.fits(o)) {
      this.leave(e)
      return
    }
    if (!batch.holdsMatrix(e.instance, o.matrixWorld)) {
      if (o.matrixWorld.determinant() < 0 || ++e.moves >= this.settings.leaveAfterMoves) {
        this.leave(e)
        return
      }
      batch.setMatrix(e.instance, o.matrixWorld)
    } else {
      e.moves = 0
    }
    if (group.hasColor) batch.syncColor(e.instance, (o.material as unknown as { color: Color }).color)
    batch.setVisible(e.instance, shown === 1 && !e.culled)
  }

  private visitOut(e: Entry): void {
    const o = e.object
    if (this.inSceneShown(o) < 0) {
      this.drop(e)
      return
    }
    if (e.noteChange(this.frame)) return
    if (this.frame - e.changedFrame >= this.settings.rejoinAfterFrames && !this.join(e)) this.drop(e)
  }

  // ---- movers -------------------------------------------------------------

  /** `e` (batched in `from`, or ending a LOD share: null) goes to a batch of its group for movers. */
  private toMovers(e: Entry, from: Batch | null): void {
    const batch = this.table.toMovers(e, from, this.inSceneShown(e.object) === 1 && !e.culled, this.settings)
    if (batch.mesh.parent === null) this.scene.add(batch.mesh)
  }

  // ---- stats --------------------------------------------------------------

  private countStats(): void {
    const stats = this.stats
    stats.batches = this.table.batches.length
    stats.batchedObjects = this.table.count(false) + this.shares.extra
    stats.drawCallsSaved = Math.max(0, this.table.count(true) - stats.batches)
    stats.outObjects = this.outCount
    stats.pendingObjects = this.pending.length - this.pendingHead + this.scan.foundCount + this.cold.waiting
  }
}
