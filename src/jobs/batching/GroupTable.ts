import type { BufferGeometry, Color, Material } from 'three'
import { Batch } from './Batch.js'
import { BatchGroup } from './BatchGroup.js'
import type { Entry } from './Entry.js'
import { GeometryRecord } from './GeometryRecord.js'
import { MaterialRecord } from './MaterialRecord.js'
import type { BatchingSettings } from './StaticBatchingJobOptions.js'

/**
 * The batching job's groups (one per material up to colour, geometry layout
 * and per-batch object settings) with the material and geometry records they
 * are keyed by. `sweep` is the job's sweep number: a material or geometry is
 * compared with its record at most once per sweep.
 * @internal
 */
export class GroupTable {
  readonly groups = new Map<string, BatchGroup>()
  /** Every live batch, for the stats (a flat list: no iterator per frame). */
  readonly batches: Batch[] = []
  private readonly materials = new WeakMap<Material, MaterialRecord>()
  private readonly geometries = new WeakMap<BufferGeometry, GeometryRecord>()

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

  /** The group the mesh of `e` belongs in now (made if new), or null when its geometry cannot be batched. Records what `e` joins with. */
  groupOf(e: Entry, sweep: number): BatchGroup | null {
    const o = e.object
    const material = o.material as Material
    const mr = this.materialRecord(material)
    if (mr.checkedSweep !== sweep || !mr.same) {
      if (!mr.matches()) mr.capture()
      mr.checkedSweep = sweep
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

  /** Whether the material and geometry of `e` are as they were when it joined (each compared once per sweep). */
  sameRecords(e: Entry, sweep: number): boolean {
    const mr = e.matRecord as MaterialRecord
    if (mr.checkedSweep !== sweep) {
      mr.checkedSweep = sweep
      mr.same = mr.matches()
    }
    if (!mr.same || mr.key !== e.matKey) return false
    const gr = e.geoRecord as GeometryRecord
    if (gr.checkedSweep !== sweep) {
      gr.checkedSweep = sweep
      gr.same = GeometryRecord.versionOf(gr.geometry) === gr.version
    }
    return gr.same
  }

  /**
   * The batch of `group` that takes an instance of `record` now: the open
   * one, or a new one sized for the group's pending members and distinct
   * geometries (never grown later).
   */
  batchFor(group: BatchGroup, record: GeometryRecord, settings: BatchingSettings, movers = false): Batch {
    const list = movers ? group.movers : group.batches
    const last = list.length > 0 ? (list[list.length - 1] as Batch) : null
    if (last !== null && last.fits(record)) return last
    return this.open(group, record.vertexCount, record.indexCount, settings, movers)
  }

  /** A new batch of `group`, sized for its pending members and distinct geometries, and at least for `vertexCount` / `indexCount`. */
  private open(group: BatchGroup, vertexCount: number, indexCount: number, settings: BatchingSettings, movers = false): Batch {
    // Movers come a few at a time: small batches, so each frame's matrix upload is small too.
    const instances = movers ? Math.min(settings.maxInstances, MOVER_INSTANCES) : Math.min(settings.maxInstances, Math.max(64, nextPow2(group.pending + 1)))
    const vertices = Math.max(vertexCount, Math.min(settings.maxVertices, Math.max(1024, group.distinctVertices)))
    const indices = indexCount === 0 ? 0 : Math.max(indexCount, Math.min(settings.maxVertices * 2, Math.max(2048, group.distinctIndices)))
    const batch = new Batch(group, instances, vertices, indices, settings.perObjectFrustumCulled, settings.sortObjects, movers)
    ;(movers ? group.movers : group.batches).push(batch)
    this.batches.push(batch)
    return batch
  }

  /** As {@link GroupTable.batchFor}, for one instance that may draw any of `records`' geometries (a LOD's levels). */
  batchForAll(group: BatchGroup, records: readonly GeometryRecord[], settings: BatchingSettings): Batch {
    const last = group.batches.length > 0 ? (group.batches[group.batches.length - 1] as Batch) : null
    if (last !== null && last.fitsAll(records)) return last
    let vertexCount = 0
    let indexCount = 0
    for (const r of records) {
      vertexCount += r.vertexCount
      indexCount += r.indexCount
    }
    return this.open(group, vertexCount, indexCount, settings)
  }

  /** Instances in all batches (`visible`: only those shown). */
  count(visible: boolean): number {
    let n = 0
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i] as Batch
      n += visible ? b.visibleCount : b.count
    }
    return n
  }

  /**
   * Moves `e`'s instance to a batch of its group for movers: from `from`
   * (its visibility kept), or, with `from` null, anew (a LOD share just
   * ended; shown as `visible` says). @returns that batch.
   */
  toMovers(e: Entry, from: Batch | null, visible: boolean, settings: BatchingSettings): Batch {
    const o = e.object
    const record = e.geoRecord as GeometryRecord
    const group = (e.batch as Batch).group
    if (from !== null) {
      visible = from.mesh.getVisibleAt(e.instance)
      this.remove(from, e.instance)
    }
    const batch = this.batchFor(group, record, settings, true)
    e.instance = batch.add(record, o.matrixWorld, group.hasColor ? (o.material as unknown as { color: Color }).color : null, visible)
    e.batch = batch
    return batch
  }

  /** Removes instance `id` from `batch`; an empty batch goes. */
  remove(batch: Batch, id: number): void {
    batch.remove(id)
    if (batch.count > 0) return
    const list = batch.movers ? batch.group.movers : batch.group.batches
    const i = list.indexOf(batch)
    if (i >= 0) list.splice(i, 1)
    const j = this.batches.indexOf(batch)
    if (j >= 0) this.batches.splice(j, 1)
    batch.dispose()
  }

  /** Disposes every group's batches and template. */
  dispose(): void {
    this.batches.length = 0
    for (const group of this.groups.values()) {
      for (const batch of group.batches) batch.dispose()
      group.batches.length = 0
      group.template.dispose()
    }
    this.groups.clear()
  }
}

/** The group's material: a clone of the first member's with its `defines` (userData left out: it may not survive JSON), white where members have colours. */
function cloneTemplate(material: Material, hasColor: boolean): Material {
  const userData = material.userData
  material.userData = {}
  let clone: Material
  try {
    clone = material.clone()
  } finally {
    material.userData = userData
  }
  // three's copy() leaves `defines` out (a Standard material's resets to { STANDARD: '' }): the batch draws with the member's.
  const defines = (material as { defines?: Record<string, unknown> | undefined }).defines
  if (defines !== undefined) (clone as { defines?: Record<string, unknown> }).defines = { ...defines }
  if (hasColor) (clone as unknown as { color: Color }).color.setRGB(1, 1, 1)
  return clone
}

/** Instances in a batch for movers. */
const MOVER_INSTANCES = 1024

function nextPow2(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}
