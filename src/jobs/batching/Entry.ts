import type { BufferGeometry, Material, Matrix4, Mesh, Object3D } from 'three'
import type { Batch } from './Batch.js'
import type { BatchGroup } from './BatchGroup.js'
import type { GeometryRecord } from './GeometryRecord.js'
import type { Share } from './LODShares.js'
import type { MaterialRecord } from './MaterialRecord.js'

/** Writes of a batched mesh's matrix, each within this many frames of the last, before it goes to a batch for movers. */
export const MOVER_FRAMES = 8

/** Found, waiting in the build queue. */
export const PENDING = 0
/** Drawn through a batch; the mesh itself is kept out of the render. */
export const BATCHED = 1
/** Left its batch (moved repeatedly or changed); draws itself until it settles. */
export const OUT = 2
/** No longer tracked (removed from the scene, or the job disposed). */
export const DROPPED = 3

/**
 * The batching job's record of one mesh it tracks (the app's handle).
 * @internal
 */
export class Entry {
  readonly object: Mesh
  /** Nearest `THREE.LOD` at or above the mesh, or the mesh: the sweep never yields inside a unit, so a LOD switch shows whole. */
  readonly unit: Object3D
  state = PENDING
  /** Material and geometry the mesh had when it joined (a different one means it was swapped). */
  material: Material
  geometry: BufferGeometry
  matRecord: MaterialRecord | null = null
  /** The material key when it joined (the material's key changes when it is snapshotted anew). */
  matKey = ''
  geoRecord: GeometryRecord | null = null
  /** The group counted it as pending (sizes batches), until it joins or is dropped. */
  pendingGroup: BatchGroup | null = null
  batch: Batch | null = null
  instance = -1
  /** The LOD share drawing it (with its sibling levels, through one instance), or null. */
  share: Share | null = null
  /** Consecutive sweep visits that found it moved. */
  moves = 0
  /** Writes of its matrix in a row (see `written`), and the frame of the last: a mover goes to a batch for movers. */
  writeStreak = 0
  lastWriteFrame = -10
  /** While out: frame of the last change seen, and its world matrix then. */
  changedFrame = 0
  still: Matrix4 | null = null
  /** Hidden by a culling job through {@link StaticBatchingJob.setCulled}. */
  culled = false
  /** Index in the job's entry list. */
  slot = -1
  /** Whether the mesh had `_listeners` before the job added its `removed` listener (restored exactly on drop). */
  hadListeners = false

  constructor(object: Mesh, unit: Object3D) {
    this.object = object
    this.unit = unit
    this.material = object.material as Material
    this.geometry = object.geometry
  }

  /** While out: notes a swapped material or geometry, or a moved world matrix, since the last look (at `frame`). @returns true when one was seen. */
  noteChange(frame: number): boolean {
    const o = this.object
    const still = this.still as Matrix4
    if (o.material === this.material && o.geometry === this.geometry && still.equals(o.matrixWorld)) return false
    this.material = o.material as Material
    this.geometry = o.geometry
    still.copy(o.matrixWorld)
    this.changedFrame = frame
    return true
  }

  /**
   * The matrix job wrote its world matrix in `frame`. @returns true once it
   * was written {@link MOVER_FRAMES} times, each within that many frames of
   * the last: a mover, for a batch of movers.
   */
  written(frame: number): boolean {
    // Gaps allowed: a matrix job past its budget applies marked moves a few frames late.
    this.writeStreak = frame - this.lastWriteFrame <= MOVER_FRAMES ? this.writeStreak + 1 : 1
    this.lastWriteFrame = frame
    return this.writeStreak >= MOVER_FRAMES
  }

  /** Adds the job's `removed` listener to the mesh. */
  listen(onRemoved: (event: { target: unknown }) => void): void {
    this.hadListeners = (this.object as unknown as { _listeners?: unknown })._listeners !== undefined
    this.object.addEventListener('removed', onRemoved)
  }

  /** Removes it, and the mesh's `_listeners` too when the listener made it and it is empty again (the object exactly as it was). */
  unlisten(onRemoved: (event: { target: unknown }) => void): void {
    const o = this.object
    o.removeEventListener('removed', onRemoved)
    if (this.hadListeners) return
    const listeners = (o as unknown as { _listeners?: Record<string, unknown[]> })._listeners
    if (listeners === undefined) return
    for (const type in listeners) if ((listeners[type] as unknown[]).length > 0) return
    delete (o as unknown as { _listeners?: unknown })._listeners
  }
}
