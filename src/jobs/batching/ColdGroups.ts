import { BatchedMesh, Color, type Object3D } from 'three'
import { markBatchMesh } from './Batch.js'
import type { BatchGroup } from './BatchGroup.js'
import type { Entry } from './Entry.js'
import type { GeometryRecord } from './GeometryRecord.js'

/**
 * What the batching job needs of a GPU warm-up job (a `GpuWarmupJob` is one):
 * to warm an object outside the scene and to say when it is done.
 */
export interface BatchWarmup {
  /** `GpuWarmupJob.add`: warms `object`'s programs and textures; false when nothing was pending. */
  add(object: Object3D): boolean
  /** `GpuWarmupJob.isWarming`: true while something `object` needs is still compiling or uploading. */
  isWarming(object: Object3D): boolean
}

const _white = /*@__PURE__*/ new Color(1, 1, 1)

/** Frames a warm group waits for the others still warming before its members join anyway. */
const MAX_WAIT_FRAMES = 60

interface Warming {
  /** A one-instance BatchedMesh of the group's look, never drawn: what the warm-up compiles. */
  readonly probe: BatchedMesh
  /** Frame it was found warm, or -1. */
  warmSince: number
  /** Members that found the group cold: handed back once it is warm. */
  readonly waiting: Entry[]
}

/**
 * A batch draws with a program of its own (three's batching variant of the
 * material), compiled on its first draw. With a warm-up job, a new group
 * opens no batch until that program is compiled: its first member's look is
 * warmed through a probe batch outside the scene, and its members wait (they
 * go on drawing themselves) until {@link ColdGroups.poll} finds it warm.
 * Groups warming together open together: the first draw of a new program
 * makes three query it synchronously, and where the GPU process is behind
 * (software WebGL, a GPU-bound frame) each such query waits for it; one
 * frame of first draws waits once. (A warm group waits at most
 * `MAX_WAIT_FRAMES` for the others.) Without a warm-up job every group is
 * warm.
 * @internal
 */
export class ColdGroups {
  /** The warm-up job, or null (every group warm); may be switched at any time. */
  warmup: BatchWarmup | null = null
  private readonly warming = new Map<BatchGroup, Warming>()
  private readonly warm = new WeakSet<BatchGroup>()
  private waitingCount = 0

  /** Members waiting for a group to warm. */
  get waiting(): number {
    return this.waitingCount
  }

  /**
   * True when `group` may open batches now; else starts warming it (the
   * first time) from `e`'s geometry, and returns false.
   */
  isWarm(group: BatchGroup, e: Entry): boolean {
    const warmup = this.warmup
    if (warmup === null || this.warm.has(group)) return true
    if (this.warming.has(group)) return false
    const probe = makeProbe(group, e.geoRecord as GeometryRecord)
    if (!warmup.add(probe)) {
      // Nothing to compile (the look's program and textures are ready).
      probe.dispose()
      this.warm.add(group)
      return true
    }
    this.warming.set(group, { probe, warmSince: -1, waiting: [] })
    return false
  }

  /** `e` waits for `group` (cold: {@link ColdGroups.isWarm} said false). */
  wait(group: BatchGroup, e: Entry): void {
    const w = this.warming.get(group)
    if (w === undefined) return
    w.waiting.push(e)
    this.waitingCount++
  }

  /**
   * Once no group is warming any more (or one has been warm for
   * `MAX_WAIT_FRAMES`), hands the members of every warm group to `ready`, in
   * the order they waited.
   */
  poll(ready: (e: Entry) => void, frame: number): void {
    if (this.warming.size === 0) return
    const warmup = this.warmup
    let cold = false
    let overdue = false
    for (const w of this.warming.values()) {
      if (w.warmSince < 0 && (warmup === null || !warmup.isWarming(w.probe))) w.warmSince = frame
      if (w.warmSince < 0) cold = true
      else if (frame - w.warmSince >= MAX_WAIT_FRAMES) overdue = true
    }
    if (cold && !overdue) return
    for (const [group, w] of this.warming) {
      if (w.warmSince < 0) continue
      this.warming.delete(group)
      this.warm.add(group)
      w.probe.dispose()
      this.waitingCount -= w.waiting.length
      for (const e of w.waiting) ready(e)
    }
  }

  /** Frees the probes; forgets the waiting members. */
  dispose(): void {
    for (const w of this.warming.values()) w.probe.dispose()
    this.warming.clear()
    this.waitingCount = 0
  }
}

/** A one-instance batch of `group`'s look with `record`'s geometry: the program a batch of the group draws with. */
function makeProbe(group: BatchGroup, record: GeometryRecord): BatchedMesh {
  const probe = new BatchedMesh(1, Math.max(1, record.vertexCount), Math.max(1, record.indexCount), group.template)
  probe.name = 'StaticBatchingJob probe'
  probe.castShadow = group.castShadow
  probe.receiveShadow = group.receiveShadow
  probe.layers.mask = group.layersMask
  probe.frustumCulled = false
  const id = probe.addInstance(probe.addGeometry(record.geometry))
  // three compiles a batch with per-instance colours as another variant.
  if (group.hasColor) probe.setColorAt(id, _white)
  markBatchMesh(probe)
  return probe
}
