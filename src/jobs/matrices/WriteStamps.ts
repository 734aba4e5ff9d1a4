import type { Object3D } from 'three'
import { growToIndex } from '../../core/utils/growTypedArray.js'

/**
 * The matrix job's side of {@link WorldMatrixChanges}: the change tick, and
 * per `object.id` the tick of the job's last write of its world matrix or of
 * its children (`stamps`), and the newest stamp strictly below it (`below`).
 * The arrays are replaced when they grow. The job stamps an object itself
 * (`stamps[id] = tick`, and `stampAbove` only when the parent is behind) so
 * that its per-object path makes no unconditional call.
 * @internal
 */
export class WriteStamps {
  /** Raised before each run of the job and each hierarchy change it handles. */
  tick = 0
  stamps = new Float64Array(1024)
  below = new Float64Array(1024)

  /** Raises the subtree stamps of `object`'s ancestors to `tick` (stops at one already there: so are those above it). */
  stampAbove(object: Object3D, tick: number): void {
    for (let p = object.parent; p !== null; p = p.parent) {
      const id = p.id
      if (id >= this.below.length) this.grow(id)
      if ((this.below[id] as number) >= tick) return
      this.below[id] = tick
    }
  }

  /** Records that `object`'s children changed, at a new tick. */
  stampHierarchy(object: Object3D | null | undefined): void {
    if (object === null || object === undefined) return
    const id = object.id
    if (id >= this.stamps.length) this.grow(id)
    const tick = ++this.tick
    this.stamps[id] = tick
    this.stampAbove(object, tick)
  }

  /** Grows both arrays past `id`. */
  grow(id: number): void {
    this.stamps = growToIndex(this.stamps, id, 1024)
    this.below = growToIndex(this.below, id, 1024)
  }

  /** Drops both arrays (the job's dispose). */
  clear(): void {
    this.stamps = new Float64Array(0)
    this.below = new Float64Array(0)
  }
}
