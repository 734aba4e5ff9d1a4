import type { Object3D, Scene } from 'three'
import { changedSince, liveChanges, type WorldMatrixChanges } from '../matrices/WorldMatrixChanges.js'
import type { CullingCells } from './CullingCells.js'
import { CullKind, type Cullable } from './CullKind.js'
import { DEP_MAX, type SlotStore, type SlotWrites } from './SlotStore.js'
import type { SweepPacer } from './SweepPacer.js'

/**
 * What {@link FrustumCullingJob} knows of the matrix job's change stamps: the
 * linked `MatrixSyncJob`, read through {@link WorldMatrixChanges} (whose writes it listens to), its stamps read
 * for the current slice, and whether a stored sphere or unit still stands (no
 * stamp newer than its read, and not its turn to be re-read: see
 * `verifyEvery`). A *stamp* is the matrix job's change counter: per object,
 * the count when its world matrix or its children last changed; per stored
 * sphere or unit, the count when it was read.
 *
 * @internal
 */
export class ChangeStamps {
  /** The matrix job linked (its writes are listened to), or null. */
  source: WorldMatrixChanges | null = null
  /** The source's stamps per `object.id` for the current slice; null: read every object in full. */
  changes: Float64Array | null = null
  /** The source's subtree stamps per `object.id` for the current slice (with `changes`). */
  subtree: Float64Array | null = null
  /** The source's change counter when the current slice (or `markMoved`) started. */
  now = 0

  /**
   * @param matrices the job's `matrices` option (undefined: `scene`'s live MatrixSyncJob).
   * @param onWrite called by the source right after it writes an object's world matrix.
   * @param settle settles every stored unit (they are stamped in the source's counts).
   */
  constructor(
    private readonly matrices: WorldMatrixChanges | null | undefined,
    private readonly scene: Scene | null,
    private readonly verifyEvery: number,
    private readonly slots: SlotStore,
    private readonly cells: CullingCells,
    private readonly pacer: SweepPacer,
    private readonly onWrite: (object: Object3D) => void,
    private readonly settle: () => void,
  ) {}

  /**
   * Links the live matrix job and reads its stamps for the visits to come.
   * @returns whether stored spheres can be trusted (a live matrix job is linked).
   */
  read(): boolean {
    const live = liveChanges(this.matrices, this.scene)
    if (live !== this.source) {
      // Stored units are dated in the old job's counts.
      this.settle()
      this.source?.removeWriteListener(this.onWrite)
      live?.addWriteListener(this.onWrite)
      this.source = live
    }
    if (live === null) {
      this.changes = null
      this.subtree = null
      return false
    }
    this.changes = live.changeStamps
    this.subtree = live.subtreeStamps
    this.now = live.changeTick
    return true
  }

  /** Called from the source's write: reads its object stamps and counter again. @returns false when none is linked. */
  readWrite(): boolean {
    const source = this.source
    if (source === null) return false
    this.changes = source.changeStamps
    this.now = source.changeTick
    return true
  }

  /** Stops listening to the source. */
  unlink(): void {
    this.source?.removeWriteListener(this.onWrite)
    this.source = null
  }

  /**
   * Whether this sweep is the turn of `key` (a cell, or a slot in no cell) to
   * be read in full, as a net for changes the matrix job cannot see: one
   * sweep in `verifyEvery`, the members of a cell together.
   */
  isVerifyTurn(key: number): boolean {
    return (this.pacer.sweep + key) % this.verifyEvery === 0
  }

  /**
   * Whether slot `i`'s stored sphere still stands: it is not its turn for a
   * full re-read, and none of the `n` objects it depends on has a change
   * stamp newer than its last read.
   */
  unchanged(i: number, n: number): boolean {
    // The members of a cell take their turn together, so a cell can be decided as a unit in the other sweeps.
    const c = this.cells.of[i] as number
    if (this.isVerifyTurn(c >= 0 ? c : i)) return false
    const stamps = this.changes as Float64Array
    const read = this.slots.readStamps[i] as number
    const deps = this.slots.deps
    for (let k = i * DEP_MAX, end = k + n; k < end; k++) {
      const id = deps[k] as number
      if (id < stamps.length && (stamps[id] as number) > read) return false
    }
    return true
  }

  /** Whether nothing under `group` (itself included) changed since `stamp`. */
  unchangedBelow(group: Object3D, stamp: number): boolean {
    return !changedSince(group.id, this.changes as Float64Array, this.subtree as Float64Array, stamp)
  }

  /**
   * Records what slot `i`'s sphere, just read from `o`, depends on: the
   * object (and a LOD's levels, when they have no children of their own),
   * stamped by the matrix job when their world matrix or children change.
   * `w` is the slot store opened at `i`.
   */
  record(w: SlotWrites, i: number, o: Cullable, kind: number): void {
    w.readStamps[i] = this.now
    const base = i * DEP_MAX
    let n = 0
    if (kind === CullKind.Geometry || kind === CullKind.Sprite) {
      w.deps[base] = o.id
      n = 1
    } else if (kind === CullKind.LOD) {
      const children = o.children
      if (children.length < DEP_MAX) {
        w.deps[base] = o.id
        n = 1
        for (let c = 0; c < children.length; c++) {
          const child = children[c] as Object3D
          if (child.children.length !== 0) {
            n = 0
            break
          }
          w.deps[base + n++] = child.id
        }
      }
    }
    w.depCount[i] = n
  }
}
