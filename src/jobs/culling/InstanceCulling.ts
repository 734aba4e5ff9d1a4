import { BatchedMesh, Matrix4, Sphere, type Intersection, type Object3D, type Raycaster } from 'three'
import type { Deadline } from '../../core/types.js'
import { growToIndex } from '../../core/utils/growTypedArray.js'
import { isBatchMesh } from '../batching/Batch.js'
import type { FrustumCullingStats } from './FrustumCullingStats.js'
import type { GuardFrustum } from './GuardFrustum.js'
import { CullKind } from './CullKind.js'
import { SEEN, type SlotStore } from './SlotStore.js'

/** three's record of one instance (`BatchedMesh._instanceInfo`). */
interface InstanceInfo {
  visible: boolean
  active: boolean
  geometryIndex: number
}

/** three's instance records of `mesh` (three ≥ 0.170), or undefined. */
function records(mesh: BatchedMesh): InstanceInfo[] {
  return (mesh as unknown as { _instanceInfo: InstanceInfo[] })._instanceInfo
}

/** The instance methods the job answers for, as own properties of the mesh. */
const METHODS = ['setVisibleAt', 'getVisibleAt', 'setMatrixAt', 'setGeometryIdAt', 'setGeometryAt', 'deleteInstance', 'addInstance', 'raycast'] as const

/** Instances decided between two deadline checks. */
const CHUNK = 256

const proto = BatchedMesh.prototype
const _matrix = /*@__PURE__*/ new Matrix4()
const _ball = /*@__PURE__*/ new Sphere()
/** Center, radius and pad handed to `GuardFrustum.rejects`. */
const _test = /*@__PURE__*/ new Float64Array(5)

/** What the job keeps for one managed BatchedMesh. */
class MeshInstances {
  /** Per instance id: 1 when the app wants it drawn (its own `setVisibleAt`). */
  wish = new Uint8Array(16)
  /** Per instance id: 1 while the job holds it hidden. */
  culled = new Uint8Array(16)
  /** Instances the job holds hidden. */
  hidden = 0
  /** Active instances at the last pass (for the stats). */
  instances = 0
  /** Next instance id of the pass in progress. */
  next = 0
  /** Active instances the pass in progress has met so far. */
  counted = 0
  /** `mesh.matrixWorld` the hide decisions were made with. */
  readonly matrix = new Float64Array(16)
  /** The mesh moved since the last pass: this pass hides nothing. */
  moving = false
  /** The job set `perObjectFrustumCulled = false` (`rendererTest: false`). */
  owned = false

  constructor(readonly mesh: BatchedMesh) {}
}

/**
 * Per-instance culling of the app's own `THREE.BatchedMesh`es for
 * {@link FrustumCullingJob}, on top of the whole-mesh slot the sweep keeps
 * for each: when the sweep visits such a mesh it decides its instances
 * against the same guard, hiding an instance (three's `setVisibleAt`) only
 * when its world sphere is rejected by it, over as many slices as the budget
 * needs (the slice ends inside the pass, and the next resumes it at the same
 * slot, so the guards of the pass stay live until the next sweep has passed
 * the mesh). The job's own bit per instance is kept apart from the app's: an
 * instance is drawn iff the app shows it and the job does not hide it. The
 * mesh's instance methods are wrapped with own properties (three's prototype
 * is never touched), so the app's `setVisibleAt` / `getVisibleAt` keep their
 * meaning, and an instance moved (`setMatrixAt`, `setGeometryIdAt`) is shown
 * at once until its next visit. A mesh whose `matrixWorld` changed since its
 * decisions is shown whole before the render, and hides nothing while it
 * moves. See docs/culling.md, *BatchedMesh instances*.
 *
 * @internal
 */
export class BatchedMeshCulling {
  private readonly states = new Map<Object3D, MeshInstances>()
  /** The same, in an array: walked before every render without an iterator. */
  private readonly list: MeshInstances[] = []
  /** The mesh whose pass a slice left unfinished, resumed at the next slice. */
  private pending: MeshInstances | null = null
  private guard: GuardFrustum | null = null
  private deadline: Deadline | null = null
  /** Instances the current slice may still decide. */
  private allowance = 0

  constructor(
    private readonly slots: SlotStore,
    private readonly stats: FrustumCullingStats,
    private readonly rendererTest: boolean,
  ) {}

  /** Meshes managed. */
  get size(): number {
    return this.states.size
  }

  /**
   * Culls the instances of `o` from now on when it is an app-made BatchedMesh
   * (not a StaticBatchingJob batch) with `perObjectFrustumCulled` on and none
   * of the wrapped methods overridden on the object itself.
   */
  manage(o: Object3D): void {
    const mesh = o as BatchedMesh
    if (mesh.isBatchedMesh !== true || mesh.perObjectFrustumCulled !== true || isBatchMesh(mesh) || this.states.has(mesh)) return
    if (!Array.isArray(records(mesh))) return
    for (const name of METHODS) if (Object.prototype.hasOwnProperty.call(mesh, name)) return
    const s = new MeshInstances(mesh)
    const info = records(mesh)
    this.reserve(s, info.length)
    for (let id = 0; id < info.length; id++) s.wish[id] = (info[id] as InstanceInfo).active && !(info[id] as InstanceInfo).visible ? 0 : 1
    for (let id = 0; id < info.length; id++) if ((info[id] as InstanceInfo).active) s.instances++
    this.stats.instances += s.instances
    s.matrix.set(mesh.matrixWorld.elements)
    this.install(s)
    this.states.set(mesh, s)
    this.list.push(s)
  }

  /** Gives `o` back: every instance to the app's visibility, `perObjectFrustumCulled` restored, own properties deleted. */
  release(o: Object3D): void {
    const s = this.states.get(o)
    if (s === undefined) return
    this.showMesh(s)
    if (s.owned) s.mesh.perObjectFrustumCulled = true
    for (const name of METHODS) delete (s.mesh as unknown as Record<string, unknown>)[name]
    this.stats.instances -= s.instances
    this.states.delete(o)
    this.list.splice(this.list.indexOf(s), 1)
    if (this.pending === s) this.pending = null
  }

  /** Releases every mesh. */
  releaseAll(): void {
    for (const o of [...this.states.keys()]) this.release(o)
  }

  /** True while a slice stopped inside a mesh's pass (the slice ends at its slot; the next resumes it). */
  get open(): boolean {
    return this.pending !== null
  }

  /**
   * Starts a slice at slot `i` deciding against `guard`: it may decide the
   * share of all instances that its `share` slots are of all `count` slots
   * (the pace), and stops at the deadline.
   * @returns true when slot `i` holds the mesh whose pass the last slice left
   *   open: the slice resumes it ({@link BatchedMeshCulling.pass}) without
   *   revisiting the slot. A pass left on a mesh no longer at `i` (slots
   *   moved) is dropped, its instances shown.
   */
  startSlice(guard: GuardFrustum, deadline: Deadline, share: number, count: number): boolean {
    this.guard = guard
    this.deadline = deadline
    this.allowance = Math.max(CHUNK, Math.ceil((this.stats.instances * share) / Math.max(count, 1)))
    const s = this.pending
    if (s === null) return false
    if (this.slots.index.get(s.mesh) === guard.start) return true
    this.pending = null
    this.showMesh(s)
    return false
  }

  /**
   * After the sweep's visit of slot `i`: runs its instance pass if it is a managed mesh.
   * @returns false when the slice ran out inside the pass (see {@link BatchedMeshCulling.open}).
   */
  visited(i: number): boolean {
    return (this.slots.kinds[i] as number) !== CullKind.Object || this.pass(i)
  }

  /**
   * After the sweep visited slot `i` (or to resume its pass): decides its
   * instances, if it is a managed mesh, from where its pass stands.
   * @returns false when the slice ran out first: the slice must end at slot
   *   `i`, its guard covering `i`, and the next resumes the pass.
   */
  pass(i: number): boolean {
    const s = this.states.get(this.slots.objects[i] as Object3D)
    if (s === undefined) return true
    const mesh = s.mesh
    const guard = this.guard as GuardFrustum
    const world = mesh.matrixWorld
    const e = world.elements
    if (this.pending !== s) {
      // A new pass. Only a mesh its slot still decides (not given back to three: a shadow caster,
      // custom or NaN bounds, frustumCulled off) has its instances culled.
      if (((this.slots.flags[i] as number) & SEEN) === 0) {
        this.showMesh(s)
        if (s.owned) {
          s.owned = false
          mesh.perObjectFrustumCulled = true
        }
        return true
      }
      if (!this.rendererTest && !s.owned && mesh.perObjectFrustumCulled) {
        s.owned = true
        mesh.perObjectFrustumCulled = false
      }
      s.next = 0
      s.counted = 0
      s.moving = false
      this.pending = s
    }
    if (!sameMatrix(s.matrix, e)) {
      // Moved since its decisions: shown whole, and nothing hidden until it stands a whole pass.
      s.matrix.set(e)
      this.showMesh(s)
      s.moving = true
    }
    const info = records(mesh)
    const count = info.length
    this.reserve(s, count)
    const wish = s.wish
    const culled = s.culled
    const test = _test
    test[4] = 0 // instances are still: a move through the mesh's methods shows the instance at once
    let id = s.next
    let active = s.counted
    while (id < count) {
      if (this.allowance <= 0 || (id !== s.next && (this.deadline as Deadline).shouldYield())) {
        s.next = id
        s.counted = active
        return false
      }
      const end = Math.min(id + CHUNK, count)
      this.allowance -= end - id
      for (; id < end; id++) {
        const record = info[id] as InstanceInfo
        if (!record.active) continue
        active++
        let hide = false
        if (!s.moving && wish[id] === 1 && mesh.getBoundingSphereAt(record.geometryIndex, _ball) !== null) {
          mesh.getMatrixAt(id, _matrix)
          _ball.applyMatrix4(_matrix).applyMatrix4(world)
          test[0] = _ball.center.x
          test[1] = _ball.center.y
          test[2] = _ball.center.z
          test[3] = _ball.radius
          hide = guard.rejects(test)
        }
        if (hide !== (culled[id] === 1)) this.setCulled(s, id, hide)
      }
    }
    // Ids past the end (popped by setInstanceCount) hold nothing.
    for (let k = count; k < culled.length; k++) if (culled[k] === 1) this.setCulled(s, k, false)
    this.stats.instances += active - s.instances
    s.instances = active
    this.pending = null
    return true
  }

  /**
   * Shows every instance the job hid and drops the pass in progress.
   * @returns false when none was hidden.
   */
  showAll(): boolean {
    this.pending = null
    if (this.stats.hiddenInstances === 0) return false
    const list = this.list
    for (let k = 0; k < list.length; k++) this.showMesh(list[k] as MeshInstances)
    return true
  }

  /** Before a render: a mesh moved since its instances were decided shows them all. */
  check(): void {
    if (this.stats.hiddenInstances === 0) return
    const list = this.list
    for (let k = 0; k < list.length; k++) {
      const s = list[k] as MeshInstances
      if (s.hidden > 0 && !sameMatrix(s.matrix, s.mesh.matrixWorld.elements)) this.showMesh(s)
    }
  }

  private showMesh(s: MeshInstances): void {
    const culled = s.culled
    for (let id = 0; s.hidden > 0 && id < culled.length; id++) if (culled[id] === 1) this.setCulled(s, id, false)
  }

  /** Sets the job's bit of instance `id`, and three's visibility to the app's wish and not culled. */
  private setCulled(s: MeshInstances, id: number, hide: boolean): void {
    s.culled[id] = hide ? 1 : 0
    s.hidden += hide ? 1 : -1
    this.stats.hiddenInstances += hide ? 1 : -1
    const record = records(s.mesh)[id]
    if (record !== undefined && record.active) proto.setVisibleAt.call(s.mesh, id, !hide && s.wish[id] === 1)
  }

  /** Instance id `id` was deleted or reused: no wish against drawing it, no hide held (its visibility is three's to reset). */
  private forget(s: MeshInstances, id: number): void {
    s.wish[id] = 1
    if (s.culled[id] !== 1) return
    s.culled[id] = 0
    s.hidden--
    this.stats.hiddenInstances--
  }

  private reserve(s: MeshInstances, count: number): void {
    if (count <= s.wish.length) return
    const wish = growToIndex(s.wish, count - 1)
    wish.fill(1, s.wish.length)
    s.wish = wish
    s.culled = growToIndex(s.culled, count - 1)
  }

  /** The own properties that keep the app's wish apart from the job's bit. */
  private install(s: MeshInstances): void {
    const mesh = s.mesh
    const own = mesh as unknown as Record<string, unknown>
    /** An instance moved or reshaped: shown at once, re-tested at its next visit. */
    const unhide = (id: number): void => {
      if (s.culled[id] === 1) this.setCulled(s, id, false)
    }
    own.setVisibleAt = (id: number, visible: boolean): BatchedMesh => {
      proto.setVisibleAt.call(mesh, id, visible && s.culled[id] !== 1)
      this.reserve(s, id + 1)
      s.wish[id] = visible ? 1 : 0
      // Hidden by the app now: no longer the job's to hold.
      if (!visible) unhide(id)
      return mesh
    }
    own.getVisibleAt = (id: number): boolean => {
      proto.getVisibleAt.call(mesh, id) // (three's check of the id)
      return s.wish[id] === 1
    }
    own.setMatrixAt = (id: number, matrix: Matrix4): BatchedMesh => {
      proto.setMatrixAt.call(mesh, id, matrix)
      unhide(id)
      return mesh
    }
    own.setGeometryIdAt = (id: number, geometryId: number): BatchedMesh => {
      proto.setGeometryIdAt.call(mesh, id, geometryId)
      unhide(id)
      return mesh
    }
    own.setGeometryAt = (geometryId: number, geometry: Parameters<BatchedMesh['setGeometryAt']>[1]): number => {
      const result = proto.setGeometryAt.call(mesh, geometryId, geometry)
      this.showMesh(s) // its bounds may have grown
      return result
    }
    own.deleteInstance = (id: number): BatchedMesh => {
      proto.deleteInstance.call(mesh, id)
      this.forget(s, id)
      return mesh
    }
    own.addInstance = (geometryId: number): number => {
      const id = proto.addInstance.call(mesh, geometryId)
      this.reserve(s, id + 1)
      this.forget(s, id)
      return id
    }
    own.raycast = (raycaster: Raycaster, intersects: Intersection[]): void => {
      // three skips invisible instances: what the job hid stays pickable.
      if (s.hidden === 0) {
        proto.raycast.call(mesh, raycaster, intersects)
        return
      }
      const culled = s.culled
      for (let id = 0; id < culled.length; id++) if (culled[id] === 1 && s.wish[id] === 1) proto.setVisibleAt.call(mesh, id, true)
      try {
        proto.raycast.call(mesh, raycaster, intersects)
      } finally {
        for (let id = 0; id < culled.length; id++) if (culled[id] === 1) proto.setVisibleAt.call(mesh, id, false)
      }
    }
  }
}

function sameMatrix(a: Float64Array, b: ArrayLike<number>): boolean {
  for (let k = 0; k < 16; k++) if (a[k] !== b[k]) return false
  return true
}
