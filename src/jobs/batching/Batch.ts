import { BatchedMesh, type BufferGeometry, Color, Matrix4, Sphere } from 'three'
import type { BatchGroup } from './BatchGroup.js'
import { GeometryRecord } from './GeometryRecord.js'

const _sphere = /*@__PURE__*/ new Sphere()

/** Batches made by any job: never candidates. */
const _batchMeshes = new WeakSet<object>()

/** Whether `o` is a batch made by a StaticBatchingJob (or one of its probes). */
export function isBatchMesh(o: object): boolean {
  return _batchMeshes.has(o)
}

/** Registers a BatchedMesh the job made: never a candidate, never hidden by a warm-up job. */
export function markBatchMesh(o: object): void {
  _batchMeshes.add(o)
}

/** A raycast that finds nothing: the app's meshes stay the raycast targets, never the batch. */
function noRaycast(): void {}

/**
 * One `THREE.BatchedMesh` of a {@link BatchGroup}, with the geometries it
 * holds (each distinct geometry once, with the version it was copied at).
 * Never grows: a group opens a new batch when this one is full, so no frame
 * pays for copying a whole batch.
 * @internal
 */
export class Batch {
  readonly mesh: BatchedMesh
  readonly group: BatchGroup
  /** Per geometry: its id in the batch and the version its data was copied at. */
  private readonly ids = new Map<BufferGeometry, number>()
  private readonly versions = new Map<BufferGeometry, number>()
  /** Instances whose visibility is on. */
  visibleCount = 0

  constructor(
    group: BatchGroup,
    maxInstances: number,
    maxVertices: number,
    maxIndices: number,
    perObjectFrustumCulled: boolean,
    sortObjects: boolean,
    /** For meshes that move every frame (see {@link BatchGroup.movers}). */
    readonly movers = false,
  ) {
    this.group = group
    const mesh = new BatchedMesh(maxInstances, maxVertices, Math.max(1, maxIndices), group.template)
    mesh.name = 'StaticBatchingJob batch'
    mesh.castShadow = group.castShadow
    mesh.receiveShadow = group.receiveShadow
    mesh.layers.mask = group.layersMask
    mesh.renderOrder = group.renderOrder
    mesh.perObjectFrustumCulled = perObjectFrustumCulled
    mesh.sortObjects = sortObjects
    // The batch's bounds grow as instances join; a culler that trusted a stored sphere would hide it wrongly.
    mesh.frustumCulled = false
    mesh.raycast = noRaycast
    this.mesh = mesh
    markBatchMesh(mesh)
  }

  /** Instances in use. */
  get count(): number {
    return this.mesh.instanceCount
  }

  /** True when an instance of `record`'s geometry fits (an instance slot, and room for the geometry unless held already at its version). */
  fits(record: GeometryRecord): boolean {
    const mesh = this.mesh
    if (mesh.instanceCount >= mesh.maxInstanceCount) return false
    const id = this.ids.get(record.geometry)
    if (id !== undefined && this.versions.get(record.geometry) === record.version) return true
    return mesh.unusedVertexCount >= record.vertexCount && (record.indexCount === 0 || mesh.unusedIndexCount >= record.indexCount)
  }

  /** True when instances of all `records`' geometries fit: an instance slot, and room for the geometries not held yet. */
  fitsAll(records: readonly GeometryRecord[]): boolean {
    const mesh = this.mesh
    if (mesh.instanceCount >= mesh.maxInstanceCount) return false
    let vertices = 0
    let indices = 0
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as GeometryRecord
      if (records.indexOf(r) !== i) continue
      if (this.ids.get(r.geometry) !== undefined && this.versions.get(r.geometry) === r.version) continue
      vertices += r.vertexCount
      indices += r.indexCount
    }
    return mesh.unusedVertexCount >= vertices && mesh.unusedIndexCount >= indices
  }

  /** The id of `record`'s geometry in the batch, copying it first if it is new or was edited since. */
  geometryIdOf(record: GeometryRecord): number {
    const geometry = record.geometry
    let geometryId = this.ids.get(geometry)
    if (geometryId === undefined || this.versions.get(geometry) !== record.version) {
      // A new geometry, or one edited since it was copied: a fresh range (the old one stays for instances using it).
      geometryId = this.mesh.addGeometry(geometry)
      this.ids.set(geometry, geometryId)
      this.versions.set(geometry, record.version)
    }
    return geometryId
  }

  /** Adds an instance of `record`'s geometry (copying the geometry first if needed), at `matrix`, with `color` (if the group has colours), visible or not. Returns its id. */
  add(record: GeometryRecord, matrix: Matrix4, color: Color | null, visible: boolean): number {
    return this.addInstanceOf(this.geometryIdOf(record), matrix, color, visible)
  }

  /** Adds an instance of the batch's geometry `geometryId` (see {@link Batch.add}). Returns its id. */
  addInstanceOf(geometryId: number, matrix: Matrix4, color: Color | null, visible: boolean): number {
    const mesh = this.mesh
    const id = mesh.addInstance(geometryId)
    mesh.setMatrixAt(id, matrix)
    if (color !== null) mesh.setColorAt(id, color)
    if (!visible) mesh.setVisibleAt(id, false)
    else this.visibleCount++
    this.grow(id)
    return id
  }

  /** Removes an instance. */
  remove(id: number): void {
    if (this.mesh.getVisibleAt(id)) this.visibleCount--
    this.mesh.deleteInstance(id)
  }

  /** Moves an instance. */
  setMatrix(id: number, matrix: Matrix4): void {
    this.mesh.setMatrixAt(id, matrix)
    this.grow(id)
  }

  /** Draws instance `id` with the batch's geometry `geometryId` (a LOD's level switch). */
  setGeometryIdAt(id: number, geometryId: number): void {
    this.mesh.setGeometryIdAt(id, geometryId)
    this.grow(id)
  }

  /** Whether instance `id`'s matrix (float32) holds `world` as the GPU would get it. */
  holdsMatrix(id: number, world: Matrix4): boolean {
    const a = this.mesh.getMatrixAt(id, _matrix).elements
    const b = world.elements
    for (let i = 0; i < 16; i++) if (a[i] !== Math.fround(b[i] as number)) return false
    return true
  }

  /** Gives instance `id` the colour `color` (as float32) if it has another. */
  syncColor(id: number, color: Color): void {
    const c = this.mesh.getColorAt(id, _color)
    if (c.r !== Math.fround(color.r) || c.g !== Math.fround(color.g) || c.b !== Math.fround(color.b)) this.mesh.setColorAt(id, color)
  }

  /** Shows or hides an instance. */
  setVisible(id: number, visible: boolean): void {
    if (this.mesh.getVisibleAt(id) === visible) return
    this.visibleCount += visible ? 1 : -1
    this.mesh.setVisibleAt(id, visible)
  }

  /** Grows the batch's bounding sphere (kept for the renderer's sorting and for readers) to hold instance `id`. */
  private grow(id: number): void {
    const mesh = this.mesh
    const sphere = mesh.boundingSphere ?? (mesh.boundingSphere = new Sphere())
    const geometryId = mesh.getGeometryIdAt(id)
    if (mesh.getBoundingSphereAt(geometryId, _sphere) === null) return
    mesh.getMatrixAt(id, _matrix)
    _sphere.applyMatrix4(_matrix)
    if (sphere.isEmpty()) sphere.copy(_sphere)
    else sphere.union(_sphere)
  }

  /** Frees the batch's GPU resources (the group's template material is the group's). */
  dispose(): void {
    _batchMeshes.delete(this.mesh)
    this.mesh.removeFromParent()
    this.mesh.dispose()
    this.ids.clear()
    this.versions.clear()
  }
}

const _matrix = /*@__PURE__*/ new Matrix4()
const _color = /*@__PURE__*/ new Color()
