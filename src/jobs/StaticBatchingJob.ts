import { type BatchedMesh, type BufferGeometry, Color, type Layers, type Material, Matrix4, type Mesh, type Object3D, type Scene } from 'three'
import { BatchScheduler } from '../core/BatchScheduler.js'
import { BatchType } from '../core/BatchType.js'
import type { Deadline, SystemHandle } from '../core/types.js'
import { checkBoolean, checkInteger, checkName, checkWeight, describe } from '../core/validate.js'
import { Batch } from './batching/Batch.js'
import { BatchGroup } from './batching/BatchGroup.js'
import { BATCHED, DROPPED, Entry, OUT, PENDING } from './batching/Entry.js'
import { GeometryRecord } from './batching/GeometryRecord.js'
import { isBatchableMesh } from './batching/eligibility.js'
import { MaterialRecord } from './batching/MaterialRecord.js'
import { RenderPhase } from './batching/RenderPhase.js'
import { StaticBatchingStats } from './batching/StaticBatchingStats.js'
import type { MatrixSyncJob } from './MatrixSyncJob.js'
import { liveChanges, type WorldMatrixChanges } from './matrices/WorldMatrixChanges.js'
import { checkObject } from './utils/checkThree.js'

/** What the job needs of a culling job: whether the culler, not the app, keeps an object hidden (`FrustumCullingJob.isCulled`). */
export interface CullingSource {
  /** True when the culler, not the app, keeps `object` hidden right now. */
  isCulled(object: Object3D): boolean
}

/** Options of {@link StaticBatchingJob}. */
export interface StaticBatchingJobOptions {
  /** Name of the system in stats, errors and the devtools. @default 'staticBatching' */
  name?: string
  /** Expected cost as a fraction of the budget (0..1). The system is sliced and stops itself at the deadline. @default 0.3 */
  weight?: number
  /** Meshes handled between two `deadline.shouldYield()` checks: the most a slice overruns by (a LOD's meshes count as one unit). @default 16 */
  chunkSize?: number
  /** Instances a batch holds at most: a full group opens another batch (no batch ever grows, so no frame copies a whole one). @default 8192 */
  maxInstancesPerBatch?: number
  /** Vertices a batch holds at most (more for one geometry bigger than that alone). @default 262144 */
  maxVerticesPerBatch?: number
  /** A mesh found moved by this many consecutive sweep visits leaves its batch and draws itself (moves told by a MatrixSyncJob never count). @default 3 */
  leaveAfterMoves?: number
  /** A mesh out of its batch rejoins after this many frames without a move or a swap. @default 60 */
  rejoinAfterFrames?: number
  /** Frames between two scans of the scene for meshes added since. @default 30 */
  rescanFrames?: number
  /**
   * A sweep over the batched meshes is spread over at least this many runs
   * (more when the budget is short): the most frames a change waits to be
   * seen when the budget allows, and what keeps a small scene's sweep from
   * using every frame's whole budget. @default 8
   */
  minSweepFrames?: number
  /** `BatchedMesh.perObjectFrustumCulled` of the batches: each batch culls its instances in `onBeforeRender`. @default true */
  perObjectFrustumCulled?: boolean
  /** `BatchedMesh.sortObjects` of the batches (opaque only, so the picture does not depend on it). @default false */
  sortObjects?: boolean
  /**
   * A culling job (`FrustumCullingJob`) that toggles `visible` on the scene's
   * objects: hides it made are ignored (the batches cull per instance), so a
   * mesh coming into view is never missing while the sweep catches up. Hides
   * made by the app are honoured.
   * @default null
   */
  culling?: CullingSource | null
  /**
   * The MatrixSyncJob whose writes update instances at once (moved meshes then
   * stay batched). Left out: the scene's live one, looked up every run; null: none.
   */
  matrices?: MatrixSyncJob | null
}

const _matrix = /*@__PURE__*/ new Matrix4()
const _color = /*@__PURE__*/ new Color()
const _never: Deadline = { timeRemaining: () => Infinity, shouldYield: () => false }
/** Scenes with a live job: two jobs on one scene would batch each other's handles. */
const _scenes = new WeakMap<Scene, StaticBatchingJob>()
/** Batches made by any job: never candidates. */
const _batchMeshes = new WeakSet<Object3D>()

/**
 * Moves the scene's static meshes into `THREE.BatchedMesh` batches, a few at a
 * time under the budget, so thousands of draw calls become a few: one batch (or
 * several of at most `maxInstancesPerBatch`) per material and geometry layout.
 * Materials that differ only in `color` share a batch, with the colour per
 * instance. The app keeps its meshes: each stays in the scene graph as the
 * handle, raycastable (a batch never answers a raycast), movable, removable.
 *
 * **How a batched mesh is kept out of the render**: its `layers.test` gets an
 * own method that answers false while the scene is being rendered (the job
 * wraps `scene.onBeforeRender` / `onAfterRender`), and as three's does at any
 * other time. `visible` stays the app's (and a culling job's), `layers.mask`
 * stays the app's, and `Raycaster` (which tests layers, not `visible`) still
 * hits the mesh. Its children are drawn as usual.
 *
 * **What is batched**: a `Mesh` with one built-in mesh material (basic,
 * Lambert, Phong, standard, physical, toon, normal, matcap) that is opaque,
 * not wireframe, without transmission or shader hooks; a geometry without
 * morph targets, interleaved data or a draw range; no skinning, instancing,
 * `onBeforeRender`-style hooks, custom depth materials or mirrored world
 * matrix. Everything else is left alone. `THREE.LOD` levels are batched as
 * instances of their own (shown and hidden with the level), and a sweep
 * never stops between two meshes of one LOD.
 *
 * **Keeping up**: a sliced sweep compares each batched mesh with its instance
 * (world matrix, visibility through its ancestors, colour, material and
 * geometry, shadow flags, layers). A move updates the instance; a mesh found
 * moved on `leaveAfterMoves` visits in a row leaves and draws itself, and
 * rejoins once still for `rejoinAfterFrames`. With a live MatrixSyncJob every
 * matrix it writes updates the instance at once and movers stay batched.
 * A swapped material or geometry, or one changed in place (beyond its colour),
 * makes the mesh leave at its next visit. Removal is seen at once through the
 * mesh's `removed` event (or by the sweep, for a removed ancestor).
 *
 * Batches cull their instances themselves (`perObjectFrustumCulled`) and do
 * not sort them (`sortObjects: false`: opaque only). {@link StaticBatchingJob.batchOf}
 * and {@link StaticBatchingJob.setCulled} let a culling job drive instances.
 * See docs/batching.md for the design and its measured figures.
 *
 * @example
 * ```ts
 * const batching = new StaticBatchingJob(scheduler, scene)
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
  private readonly chunkSize: number
  private readonly maxInstances: number
  private readonly maxVertices: number
  private readonly leaveAfterMoves: number
  private readonly rejoinAfterFrames: number
  private readonly rescanFrames: number
  private readonly minSweepFrames: number
  private readonly perObjectFrustumCulled: boolean
  private readonly sortObjects: boolean
  private readonly culling: CullingSource | null
  private readonly matricesOption: WorldMatrixChanges | null | undefined
  private readonly phase: RenderPhase
  /** The `layers.test` given to batched meshes (shared: one per job). */
  private readonly hiddenTest: (this: Layers, layers: Layers) => boolean

  private readonly entries: (Entry | null)[] = []
  private holes = 0
  /** Entries in state OUT. */
  private outCount = 0
  private readonly byObject = new Map<Object3D, Entry>()
  private pending: Entry[] = []
  /** What the running scan found, by material id (queued in that order when it ends). */
  private readonly found = new Map<number, Entry[]>()
  private foundCount = 0
  private pendingHead = 0
  private readonly groups = new Map<string, BatchGroup>()
  /** Every live batch, for the stats (a flat list: no iterator per frame). */
  private readonly batches: Batch[] = []
  private readonly materials = new WeakMap<Material, MaterialRecord>()
  private readonly geometries = new WeakMap<BufferGeometry, GeometryRecord>()
  /** Scene scan: a depth-first stack that survives between frames. */
  private stack: Object3D[] = []
  private scanning = true
  private scannedOnce = false
  private scanEnd = 0
  /** Maintenance sweep. */
  private cursor = 0
  private sweepNo = 0
  private sweepStart = 0
  private frame = 0
  private matrixJob: WorldMatrixChanges | null = null
  private disposed = false
  private warnedDisposed = false

  /**
   * Installs the job: registers a sliced {@link BatchType.Visibility} system
   * and wraps the scene's render hooks. Nothing is batched before the first
   * frames run (the scan and the build are sliced).
   *
   * @throws TypeError when `scheduler` is not a BatchScheduler or `scene` not a THREE.Scene, or on a bad option; Error when the scene already has a live StaticBatchingJob.
   */
  constructor(
    scheduler: BatchScheduler,
    scene: Scene,
    {
      name = 'staticBatching',
      weight = 0.3,
      chunkSize = 16,
      maxInstancesPerBatch = 8192,
      maxVerticesPerBatch = 262144,
      leaveAfterMoves = 3,
      rejoinAfterFrames = 60,
      rescanFrames = 30,
      minSweepFrames = 8,
      perObjectFrustumCulled = true,
      sortObjects = false,
      culling = null,
      matrices,
    }: StaticBatchingJobOptions = {},
  ) {
    const api = 'StaticBatchingJob'
    if (!(scheduler instanceof BatchScheduler)) {
      throw new TypeError(`${api}: scheduler must be a BatchScheduler, got ${describe(scheduler)}`)
    }
    if (scene === null || typeof scene !== 'object' || (scene as { isScene?: unknown }).isScene !== true) {
      throw new TypeError(`${api}: scene must be a THREE.Scene, got ${describe(scene)}`)
    }
    const label = checkName(api, name) ?? 'staticBatching'
    const w = checkWeight(api, weight)
    this.chunkSize = checkInteger(api, 'chunkSize', chunkSize, 1)
    this.maxInstances = checkInteger(api, 'maxInstancesPerBatch', maxInstancesPerBatch, 1)
    this.maxVertices = checkInteger(api, 'maxVerticesPerBatch', maxVerticesPerBatch, 3)
    this.leaveAfterMoves = checkInteger(api, 'leaveAfterMoves', leaveAfterMoves, 1)
    this.rejoinAfterFrames = checkInteger(api, 'rejoinAfterFrames', rejoinAfterFrames, 0)
    this.rescanFrames = checkInteger(api, 'rescanFrames', rescanFrames, 1)
    this.minSweepFrames = checkInteger(api, 'minSweepFrames', minSweepFrames, 1)
    this.perObjectFrustumCulled = checkBoolean(api, 'perObjectFrustumCulled', perObjectFrustumCulled, true)
    this.sortObjects = checkBoolean(api, 'sortObjects', sortObjects, false)
    if (culling !== null && (typeof culling !== 'object' || typeof (culling as { isCulled?: unknown }).isCulled !== 'function')) {
      throw new TypeError(`${api}: culling must be a FrustumCullingJob (an object with isCulled) or null, got ${describe(culling)}`)
    }
    if (matrices !== undefined && matrices !== null && (typeof matrices !== 'object' || typeof (matrices as { addWriteListener?: unknown }).addWriteListener !== 'function')) {
      throw new TypeError(`${api}: matrices must be a MatrixSyncJob or null, got ${describe(matrices)}`)
    }
    if (_scenes.has(scene)) throw new Error(`${api}: this scene already has a StaticBatchingJob; dispose it first`)

    this.scheduler = scheduler
    this.scene = scene
    this.culling = culling
    this.matricesOption = matrices
    this.system = scheduler.addSystem(BatchType.Visibility, this.run, { sliced: true, name: label, weight: w })
    _scenes.set(scene, this)
    const phase = (this.phase = new RenderPhase(scene))
    this.hiddenTest = function (this: Layers, layers: Layers): boolean {
      return !phase.rendering && (this.mask & layers.mask) !== 0
    }
    this.stack.push(scene)
    this.frame = scheduler.frame
    this.sweepStart = scheduler.frame
  }

  /** True once {@link StaticBatchingJob.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed
  }

  /** True when the first scan is done and nothing waits to be batched. */
  get isIdle(): boolean {
    return this.scannedOnce && this.foundCount === 0 && this.pendingHead >= this.pending.length
  }

  /**
   * The batch drawing `object` now, or null when it is not batched (not
   * eligible, still pending, out of its batch). With
   * {@link StaticBatchingJob.instanceIdOf} it names the instance, e.g. for a
   * culling job: `batch.getVisibleAt(id)`. Prefer {@link StaticBatchingJob.setCulled}
   * to hide it: the job owns the instance's visibility.
   */
  batchOf(object: Object3D): BatchedMesh | null {
    const e = this.byObject.get(object)
    return e !== undefined && e.state === BATCHED && e.batch !== null ? e.batch.mesh : null
  }

  /** The instance id of `object` in {@link StaticBatchingJob.batchOf}, or -1 when it is not batched. */
  instanceIdOf(object: Object3D): number {
    const e = this.byObject.get(object)
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
    const e = this.byObject.get(object)
    if (e === undefined) return false
    if (e.culled === culled) return true
    e.culled = culled
    if (e.state === BATCHED && e.batch !== null) {
      const visible = this.shownNow(e.object)
      e.batch.setVisible(e.instance, visible && !culled)
      this.countVisible()
    }
    return true
  }

  /**
   * Does all the pending work now, outside the budget: finishes the scan,
   * batches everything pending and runs one full sweep (tests, a loading
   * screen, a still screenshot).
   */
  flush(): void {
    if (this.disposed) return
    if (!this.scanning && this.scannedOnce) this.startScan()
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
    this.detachMatrices()
    for (const e of this.entries) if (e !== null) this.release(e)
    this.entries.length = 0
    this.byObject.clear()
    this.pending = []
    this.pendingHead = 0
    this.found.clear()
    this.foundCount = 0
    for (const group of this.groups.values()) {
      for (const batch of group.batches) batch.dispose()
      group.batches.length = 0
      group.template.dispose()
    }
    this.groups.clear()
    this.batches.length = 0
    this.phase.dispose()
    this.stack = []
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
    this.attachMatrices()
    const chunk = this.chunkSize
    let n = 0
    let more = false
    // 1. The first scan: batches are sized by what it finds.
    if (!this.scannedOnce) {
      while (this.scanning) {
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
    // 3. The sweep: at most one full pass per run, never stopping inside a unit.
    const entries = this.entries
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
      let quota = Math.ceil(entries.length / this.minSweepFrames)
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
    if (!more && this.scannedOnce) {
      if (!this.scanning && frame - this.scanEnd >= this.rescanFrames) this.startScan()
      while (this.scanning) {
        this.scanStep()
        if (++n % chunk === 0 && !full && deadline.shouldYield()) {
          more = true
          break
        }
      }
      // What the rescan found is built next run (or now, when flushing).
      if (full && this.pendingHead < this.pending.length) return this.work(deadline, frame, true)
    }
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
    if (this.holes > 0) this.compact()
  }

  /** Drops the holes left by dropped entries, keeping the order (so a LOD's meshes stay together). */
  private compact(): void {
    const entries = this.entries
    let j = 0
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry | null
      if (e === null) continue
      e.slot = j
      entries[j++] = e
    }
    entries.length = j
    this.holes = 0
  }

  // ---- scan ---------------------------------------------------------------

  private startScan(): void {
    this.stack.length = 0
    this.stack.push(this.scene)
    this.scanning = true
  }

  /** One object of the depth-first scan. */
  private scanStep(): void {
    const o = this.stack.pop()
    if (o === undefined) {
      this.endScan()
      return
    }
    if (_batchMeshes.has(o)) return
    const children = o.children
    for (let i = children.length - 1; i >= 0; i--) this.stack.push(children[i] as Object3D)
    if (this.byObject.has(o) || !this.isCandidate(o)) return
    const mesh = o as Mesh
    let unit: Object3D = mesh
    for (let p = mesh.parent; p !== null; p = p.parent) {
      if ((p as { isLOD?: boolean }).isLOD === true) {
        unit = p
        break
      }
    }
    const e = new Entry(mesh, unit)
    e.slot = this.entries.length
    this.entries.push(e)
    this.byObject.set(mesh, e)
    e.hadListeners = (mesh as unknown as { _listeners?: unknown })._listeners !== undefined
    mesh.addEventListener('removed', this.onRemoved)
    // Counted in its group now, so the group's first batch is sized for it.
    const group = this.groupOf(e)
    if (group !== null) {
      group.pending++
      e.pendingGroup = group
    }
    const id = (mesh.material as Material).id
    let bucket = this.found.get(id)
    if (bucket === undefined) this.found.set(id, (bucket = []))
    bucket.push(e)
    this.foundCount++
  }

  /**
   * Queues what the scan found, by material id. Instances are drawn in the
   * order they joined (batches do not sort), so meshes join in the order
   * three's opaque sort would draw coincident ones (material id first):
   * where two meshes overlap exactly, the same one wins the depth test.
   */
  private endScan(): void {
    this.scanning = false
    this.scannedOnce = true
    this.scanEnd = this.frame
    this.foundCount = 0
    if (this.found.size === 0) return
    const ids = [...this.found.keys()].sort((a, b) => a - b)
    for (const id of ids) for (const e of this.found.get(id) as Entry[]) this.pending.push(e)
    this.found.clear()
  }

  /** Structural eligibility (the cheap checks; layout and matrix come at join). */
  private isCandidate(o: Object3D): boolean {
    return isBatchableMesh(o, this.hiddenTest)
  }

  private materialRecord(material: Material): MaterialRecord {
    let r = this.materials.get(material)
    if (r === undefined) {
      r = new MaterialRecord(material)
      this.materials.set(material, r)
    }
    return r
  }

  private geometryRecord(geometry: BufferGeometry): GeometryRecord {
    let r = this.geometries.get(geometry)
    if (r === undefined || r.version !== GeometryRecord.versionOf(geometry)) {
      r = new GeometryRecord(geometry)
      this.geometries.set(geometry, r)
    }
    return r
  }

  /** The group the mesh of `e` belongs in now (made if new), or null when its geometry cannot be batched. */
  private groupOf(e: Entry): BatchGroup | null {
    const o = e.object
    const material = o.material as Material
    const mr = this.materialRecord(material)
    if (mr.checkedSweep !== this.sweepNo || !mr.same) {
      if (!mr.matches()) mr.capture()
      mr.checkedSweep = this.sweepNo
      mr.same = true
    }
    const gr = this.geometryRecord(o.geometry)
    if (gr.layout === null) return null
    e.matRecord = mr
    e.geoRecord = gr
    e.material = material
    e.geometry = o.geometry
    const mask = o.layers.mask
    const cast = o.castShadow
    const receive = o.receiveShadow
    const order = o.renderOrder
    // Most meshes find their group from their material's cache, allocating nothing; the first of a
    // kind builds the full key (materials equal up to colour share a group through it).
    let list = mr.groups.get(gr.layoutId)
    let group: BatchGroup | undefined
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const g = list[i] as BatchGroup
        if (g.castShadow === cast && g.receiveShadow === receive && g.layersMask === mask && g.renderOrder === order) {
          group = g
          break
        }
      }
    }
    if (group === undefined) {
      const key = `${mr.key}/${gr.layout}/${cast ? 1 : 0}${receive ? 1 : 0}/${mask}/${order}`
      group = this.groups.get(key)
      if (group === undefined) {
        group = new BatchGroup(key, cloneTemplate(material, mr.hasColor), mr.hasColor, cast, receive, mask, order)
        this.groups.set(key, group)
      }
      if (list === undefined) mr.groups.set(gr.layoutId, (list = []))
      list.push(group)
    }
    group.see(gr.geometry, gr.vertexCount, gr.indexCount)
    return group
  }

  // ---- build, leave, drop -------------------------------------------------

  /** A pending mesh joins a batch, or is dropped when it can no longer be batched. */
  private build(e: Entry): void {
    if (e.pendingGroup !== null) {
      e.pendingGroup.pending--
      e.pendingGroup = null
    }
    if (!this.join(e)) this.drop(e)
  }

  /** Puts `e`'s mesh into a batch of its group. False when it cannot be batched now. */
  private join(e: Entry): boolean {
    const o = e.object
    if (!this.isCandidate(o)) return false
    const shown = this.inSceneShown(o)
    if (shown < 0) return false
    if (o.matrixWorld.determinant() < 0) return false
    const group = this.groupOf(e)
    if (group === null) return false
    const record = e.geoRecord as GeometryRecord
    let batch = group.batches.length > 0 ? (group.batches[group.batches.length - 1] as Batch) : null
    if (batch === null || !batch.fits(record)) {
      const instances = Math.min(this.maxInstances, Math.max(64, nextPow2(group.pending + 1)))
      const vertices = Math.max(record.vertexCount, Math.min(this.maxVertices, Math.max(1024, group.distinctVertices)))
      const indices = record.indexCount === 0 ? 0 : Math.max(record.indexCount, Math.min(this.maxVertices * 2, Math.max(2048, group.distinctIndices)))
      batch = new Batch(group, instances, vertices, indices, this.perObjectFrustumCulled, this.sortObjects)
      _batchMeshes.add(batch.mesh)
      group.batches.push(batch)
      this.batches.push(batch)
    }
    const color = group.hasColor ? (o.material as unknown as { color: Color }).color : null
    e.instance = batch.add(record, o.matrixWorld, color, shown === 1 && !e.culled)
    e.batch = batch
    e.matKey = (e.matRecord as MaterialRecord).key
    if (e.state === OUT) this.outCount--
    e.state = BATCHED
    e.moves = 0
    ;(o.layers as unknown as Record<string, unknown>)['test'] = this.hiddenTest
    if (batch.mesh.parent === null) this.scene.add(batch.mesh)
    this.stats.joined++
    return true
  }

  /** Takes `e`'s mesh out of its batch: it draws itself again. */
  private unbatch(e: Entry): void {
    const batch = e.batch
    if (batch !== null) {
      batch.remove(e.instance)
      if (batch.count === 0) {
        const list = batch.group.batches
        const i = list.indexOf(batch)
        if (i >= 0) list.splice(i, 1)
        const j = this.batches.indexOf(batch)
        if (j >= 0) this.batches.splice(j, 1)
        _batchMeshes.delete(batch.mesh)
        batch.dispose()
      }
    }
    e.batch = null
    e.instance = -1
    delete (e.object.layers as unknown as Record<string, unknown>)['test']
  }

  /** A batched mesh leaves its batch (moving or changed) and is watched until it settles. */
  private leave(e: Entry): void {
    this.unbatch(e)
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
    this.byObject.delete(e.object)
    if (e.slot >= 0 && this.entries[e.slot] === e) {
      this.entries[e.slot] = null
      this.holes++
    }
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
    const o = e.object
    o.removeEventListener('removed', this.onRemoved)
    if (!e.hadListeners) {
      const listeners = (o as unknown as { _listeners?: Record<string, unknown[]> })._listeners
      if (listeners !== undefined) {
        let empty = true
        for (const type in listeners) if ((listeners[type] as unknown[]).length > 0) empty = false
        if (empty) delete (o as unknown as { _listeners?: unknown })._listeners
      }
    }
  }

  private readonly onRemoved = (event: { target: unknown }): void => {
    const e = this.byObject.get(event.target as Object3D)
    if (e !== undefined) {
      this.drop(e)
      this.countStats()
    }
  }

  // ---- the sweep ----------------------------------------------------------

  /** 1 when `o` is in the scene and shown (itself and every ancestor visible, culling-job hides aside), 0 when in the scene and hidden, -1 when not in the scene. */
  private inSceneShown(o: Object3D): number {
    const culling = this.culling
    let shown = 1
    let root: Object3D = o
    for (let p: Object3D | null = o; p !== null; p = p.parent) {
      if (p.visible === false && shown === 1 && (culling === null || !culling.isCulled(p))) shown = 0
      root = p
    }
    return root === this.scene ? shown : -1
  }

  private shownNow(o: Object3D): boolean {
    return this.inSceneShown(o) === 1
  }

  /** Checks one tracked mesh against its instance (or, out of its batch, whether it settled). */
  private visit(e: Entry): void {
    if (e.state === BATCHED) this.visitBatched(e)
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
    if (o.material !== e.material || o.geometry !== e.geometry || !this.sameRecords(e)) {
      this.leave(e)
      return
    }
    if (o.castShadow !== group.castShadow || o.receiveShadow !== group.receiveShadow || o.layers.mask !== group.layersMask || o.renderOrder !== group.renderOrder) {
      this.leave(e)
      return
    }
    const mesh = batch.mesh
    if (!sameMatrix(mesh.getMatrixAt(e.instance, _matrix), o.matrixWorld)) {
      if (o.matrixWorld.determinant() < 0 || ++e.moves >= this.leaveAfterMoves) {
        this.leave(e)
        return
      }
      batch.setMatrix(e.instance, o.matrixWorld)
    } else {
      e.moves = 0
    }
    if (group.hasColor) {
      const c = (o.material as unknown as { color: Color }).color
      mesh.getColorAt(e.instance, _color)
      if (_color.r !== Math.fround(c.r) || _color.g !== Math.fround(c.g) || _color.b !== Math.fround(c.b)) mesh.setColorAt(e.instance, c)
    }
    batch.setVisible(e.instance, shown === 1 && !e.culled)
  }

  /** Whether the material and geometry are as they were when `e` joined (checked once per sweep each). */
  private sameRecords(e: Entry): boolean {
    const mr = e.matRecord as MaterialRecord
    if (mr.checkedSweep !== this.sweepNo) {
      mr.checkedSweep = this.sweepNo
      mr.same = mr.matches()
    }
    if (!mr.same || mr.key !== e.matKey) return false
    const gr = e.geoRecord as GeometryRecord
    if (gr.checkedSweep !== this.sweepNo) {
      gr.checkedSweep = this.sweepNo
      gr.same = GeometryRecord.versionOf(gr.geometry) === gr.version
    }
    return gr.same
  }

  private visitOut(e: Entry): void {
    const o = e.object
    if (this.inSceneShown(o) < 0) {
      this.drop(e)
      return
    }
    const still = e.still as Matrix4
    if (o.material !== e.material || o.geometry !== e.geometry || !still.equals(o.matrixWorld)) {
      e.material = o.material as Material
      e.geometry = o.geometry
      still.copy(o.matrixWorld)
      e.changedFrame = this.frame
      return
    }
    if (this.frame - e.changedFrame >= this.rejoinAfterFrames && !this.join(e)) this.drop(e)
  }

  // ---- MatrixSyncJob ------------------------------------------------------

  private attachMatrices(): void {
    const job = liveChanges(this.matricesOption, this.scene)
    if (job === this.matrixJob) return
    this.detachMatrices()
    this.matrixJob = job
    if (job !== null) job.addWriteListener(this.onMatrixWritten)
  }

  private detachMatrices(): void {
    if (this.matrixJob !== null && !this.matrixJob.isDisposed) this.matrixJob.removeWriteListener(this.onMatrixWritten)
    this.matrixJob = null
  }

  /** A MatrixSyncJob wrote `object`'s world matrix: its instance follows at once. */
  private readonly onMatrixWritten = (object: Object3D): void => {
    const e = this.byObject.get(object)
    if (e === undefined || e.state !== BATCHED) return
    const batch = e.batch as Batch
    if (object.matrixWorld.determinant() < 0) {
      this.leave(e)
      return
    }
    batch.setMatrix(e.instance, object.matrixWorld)
  }

  // ---- stats --------------------------------------------------------------

  private countVisible(): void {
    const batches = this.batches.length
    let shown = 0
    for (let i = 0; i < batches; i++) shown += (this.batches[i] as Batch).visibleCount
    this.stats.batches = batches
    this.stats.drawCallsSaved = Math.max(0, shown - batches)
  }

  private countStats(): void {
    let batched = 0
    for (let i = 0; i < this.batches.length; i++) batched += (this.batches[i] as Batch).count
    this.stats.batchedObjects = batched
    this.stats.outObjects = this.outCount
    this.stats.pendingObjects = this.pending.length - this.pendingHead + this.foundCount
    this.countVisible()
  }
}

/** The group's material: a clone of the first member's (userData left out: it may not survive JSON), white where members have colours. */
function cloneTemplate(material: Material, hasColor: boolean): Material {
  const userData = material.userData
  material.userData = {}
  let clone: Material
  try {
    clone = material.clone()
  } finally {
    material.userData = userData
  }
  if (hasColor) (clone as unknown as { color: Color }).color.setRGB(1, 1, 1)
  return clone
}

/** Whether the instance's matrix (float32) holds `world` as the GPU would get it. */
function sameMatrix(instance: Matrix4, world: Matrix4): boolean {
  const a = instance.elements
  const b = world.elements
  for (let i = 0; i < 16; i++) if (a[i] !== Math.fround(b[i] as number)) return false
  return true
}

function nextPow2(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}
