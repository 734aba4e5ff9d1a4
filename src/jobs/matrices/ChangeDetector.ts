import { Object3D } from 'three'
import { growToIndex as grow } from '../../core/utils/growTypedArray.js'

/** Floats per slot: position (3), quaternion (4), scale (3) of an auto-updated object, or its 16 matrix elements. */
const STRIDE = 16
/** A moving object goes back to the budgeted scan once it has been still for this many frames (two seconds at 60 Hz). */
export const STILL_FRAMES = 120

/** Slot kinds. */
const COLD = 0
const HOT = 1
/** Recomputed every frame (class overrides `updateMatrixWorld`, or its `matrix` is another object's `matrixWorld`): never compared. */
const ALWAYS = 2

/** What a slot's snapshot holds. */
const SNAP_TRS = 1
const SNAP_MATRIX = 2

/** The Object3D update three uses unless a class overrides it (cameras, skinned meshes, helpers, audio). */
export const baseUpdateMatrixWorld = Object3D.prototype.updateMatrixWorld

/**
 * Finds the objects of a scene whose local transform changed since the
 * matrix job last wrote their world matrix, without being told: for
 * {@link MatrixSyncJob}'s `detect: 'auto'`.
 *
 * Each watched object has a slot with a snapshot of what its world matrix
 * was computed from (its parent, and position, quaternion, scale, or
 * `matrix` when `matrixAutoUpdate` is false; `rotation` writes go to the
 * quaternion in three). The snapshot is refreshed whenever the job writes the world matrix
 * ({@link ChangeDetector.refresh}), so a difference means an unmarked move.
 * Objects found moving are *hot*: compared every frame until they have been
 * still for {@link STILL_FRAMES} frames. The rest are *cold*: compared by a
 * cursor that walks the slots, so many per frame that a pass takes the
 * job's `detectFrames`. Objects that three itself recomputes in ways a
 * snapshot cannot see (a class override of `updateMatrixWorld`, a `matrix`
 * that is another object's `matrixWorld`, as in `CameraHelper`) are
 * *always* objects, listed for the job to recompute every frame.
 *
 * Slots are dense (swap-remove), the snapshot is one Float64Array: a cold
 * pass reads memory in order and allocates nothing.
 * @internal
 */
export class ChangeDetector {
  /** Objects by slot. */
  private objects: (Object3D | null)[] = []
  /** Watched objects (slots in use). */
  count = 0
  private snap = new Float64Array(STRIDE * 256)
  private snapKind = new Uint8Array(256)
  /** Per slot: `parent.id + 1` at the snapshot (0: no parent): a re-parented object moved too. */
  private parentOf = new Int32Array(256)
  private kind = new Uint8Array(256)
  /** Per slot: frame in which it was last seen moving (hot slots). */
  private lastMoved = new Int32Array(256)
  /** Per slot: the detection round in which it was last found changed. */
  private foundIn = new Float64Array(256)
  /** Per `object.id`: slot + 1, 0 when not watched. */
  private slotOf = new Int32Array(1024)
  /** Hot objects (compared every frame). */
  private hot: (Object3D | null)[] = []
  hotCount = 0
  /** Objects recomputed every frame. */
  readonly always: Object3D[] = []
  /** Next cold slot to compare; slots below it were compared in this pass. */
  private cursor = 0
  /** Full passes of the cold cursor so far. */
  passes = 0
  /** Objects found changed by the last {@link ChangeDetector.checkHot} / {@link ChangeDetector.scan} calls, in order (cleared by {@link ChangeDetector.clearFound}). */
  readonly found: (Object3D | null)[] = []
  foundCount = 0
  /** Slots compared since the last {@link ChangeDetector.clearFound}. */
  compared = 0
  private round = 0

  /**
   * Starts watching `object`: its current local transform is the snapshot,
   * or, when `known` is false, it has none and is found changed at its first
   * comparison. Watching twice does nothing.
   */
  add(object: Object3D, known = true): void {
    const id = object.id
    if (id >= this.slotOf.length) this.slotOf = grow(this.slotOf, id)
    if (this.slotOf[id] !== 0) return
    const slot = this.count++
    if (slot >= this.kind.length) this.growSlots(slot)
    this.objects[slot] = object
    this.slotOf[id] = slot + 1
    this.foundIn[slot] = 0
    this.lastMoved[slot] = 0
    if (isAlways(object)) {
      this.kind[slot] = ALWAYS
      this.always.push(object)
    } else {
      this.kind[slot] = COLD
    }
    this.take(slot, object)
    if (!known) this.snapKind[slot] = 0
  }

  /** Stops watching `object`, keeping the cursor's pass exact (every slot is compared once per pass). */
  remove(object: Object3D): void {
    const id = object.id
    const slot = id < this.slotOf.length ? (this.slotOf[id] as number) - 1 : -1
    if (slot < 0) return
    this.slotOf[id] = 0
    if (this.kind[slot] === ALWAYS) {
      const i = this.always.indexOf(object)
      if (i >= 0) {
        this.always[i] = this.always[this.always.length - 1] as Object3D
        this.always.pop()
      }
    }
    const last = --this.count
    let hole = slot
    if (hole < this.cursor && this.cursor - 1 !== hole) {
      // Keep [0, cursor) compared and [cursor, count) not: fill the hole with the last compared slot first.
      this.moveSlot(this.cursor - 1, hole)
      hole = this.cursor - 1
    }
    if (hole < this.cursor) this.cursor--
    if (hole !== last) this.moveSlot(last, hole)
    this.objects[last] = null
  }

  /** Whether `object` is watched. */
  has(object: Object3D): boolean {
    const id = object.id
    return id < this.slotOf.length && this.slotOf[id] !== 0
  }

  /** Re-takes `object`'s snapshot: the job just wrote its world matrix from its current local transform. */
  refresh(object: Object3D): void {
    const id = object.id
    if (id >= this.slotOf.length) return
    const slot = (this.slotOf[id] as number) - 1
    if (slot >= 0 && this.kind[slot] !== ALWAYS) this.take(slot, object)
  }

  /** Starts a detection round: empties {@link ChangeDetector.found}. */
  clearFound(): void {
    const found = this.found
    for (let i = 0; i < this.foundCount; i++) found[i] = null
    this.foundCount = 0
    this.compared = 0
    this.round++
  }

  /** Whether `object` was found changed in this round (used to leave a subtree to its moved ancestor). */
  foundNow(object: Object3D): boolean {
    const id = object.id
    if (id >= this.slotOf.length) return false
    const slot = (this.slotOf[id] as number) - 1
    return slot >= 0 && this.foundIn[slot] === this.round
  }

  /** Compares every hot object; ones still for {@link STILL_FRAMES} frames go back to the cold scan. */
  checkHot(frame: number): void {
    const hot = this.hot
    for (let i = 0; i < this.hotCount; i++) {
      const object = hot[i] as Object3D
      const slot = (this.slotOf[object.id] as number) - 1
      if (slot < 0 || this.kind[slot] !== HOT) {
        this.dropHot(i--)
        continue
      }
      this.compared++
      if (this.differs(slot, object)) {
        this.lastMoved[slot] = frame
        this.record(slot, object)
      } else if (frame - (this.lastMoved[slot] as number) > STILL_FRAMES) {
        this.kind[slot] = COLD
        this.dropHot(i--)
      }
    }
  }

  /**
   * Moves the cold cursor over `quota` slots, comparing the cold ones;
   * changed ones become hot. Returns true when the cursor finished a pass
   * (and starts the next one from slot 0).
   */
  scan(quota: number, frame: number): boolean {
    let wrapped = false
    const kind = this.kind
    const objects = this.objects
    for (let n = 0; n < quota; n++) {
      if (this.cursor >= this.count) {
        this.cursor = 0
        this.passes++
        wrapped = true
        if (this.count === 0) break
      }
      const slot = this.cursor++
      if (kind[slot] !== COLD) continue
      const object = objects[slot] as Object3D
      this.compared++
      if (this.differs(slot, object)) {
        kind[slot] = HOT
        this.lastMoved[slot] = frame
        this.hot[this.hotCount++] = object
        this.record(slot, object)
      }
    }
    return wrapped
  }

  /** The cold cursor's position in its pass (slots compared so far in it). */
  get position(): number {
    return this.cursor
  }

  /** Stops watching every object for which `keep` returns false (allocates nothing). */
  retain(keep: (object: Object3D) => boolean): void {
    // Backwards: a removal moves an already visited slot into the hole.
    for (let i = this.count - 1; i >= 0; i--) {
      if (i >= this.count) continue
      const object = this.objects[i] as Object3D
      if (!keep(object)) this.remove(object)
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.objects = []
    this.count = 0
    this.slotOf = new Int32Array(0)
    this.hot = []
    this.hotCount = 0
    this.always.length = 0
    this.found.length = 0
    this.foundCount = 0
    this.cursor = 0
  }

  /** Compares `object` with slot's snapshot; a difference re-takes it. */
  private differs(slot: number, object: Object3D): boolean {
    const s = this.snap
    const b = slot * STRIDE
    const parent = object.parent
    if (this.parentOf[slot] !== (parent === null ? 0 : parent.id + 1)) {
      this.take(slot, object)
      return true
    }
    if (object.matrixAutoUpdate) {
      const p = object.position
      const q = object.quaternion
      const k = object.scale
      if (
        this.snapKind[slot] === SNAP_TRS &&
        s[b] === p.x && s[b + 1] === p.y && s[b + 2] === p.z &&
        s[b + 3] === q.x && s[b + 4] === q.y && s[b + 5] === q.z && s[b + 6] === q.w &&
        s[b + 7] === k.x && s[b + 8] === k.y && s[b + 9] === k.z
      ) {
        return false
      }
    } else if (this.snapKind[slot] === SNAP_MATRIX) {
      const e = object.matrix.elements
      let same = true
      for (let i = 0; i < 16; i++) {
        if (s[b + i] !== e[i]) {
          same = false
          break
        }
      }
      if (same) return false
    }
    this.take(slot, object)
    return true
  }

  private record(slot: number, object: Object3D): void {
    this.foundIn[slot] = this.round
    this.found[this.foundCount++] = object
  }

  /** Writes slot's snapshot from the object's local transform. */
  private take(slot: number, object: Object3D): void {
    const s = this.snap
    const b = slot * STRIDE
    const parent = object.parent
    this.parentOf[slot] = parent === null ? 0 : parent.id + 1
    if (object.matrixAutoUpdate) {
      const p = object.position
      const q = object.quaternion
      const k = object.scale
      s[b] = p.x
      s[b + 1] = p.y
      s[b + 2] = p.z
      s[b + 3] = q.x
      s[b + 4] = q.y
      s[b + 5] = q.z
      s[b + 6] = q.w
      s[b + 7] = k.x
      s[b + 8] = k.y
      s[b + 9] = k.z
      this.snapKind[slot] = SNAP_TRS
    } else {
      const e = object.matrix.elements
      for (let i = 0; i < 16; i++) s[b + i] = e[i] as number
      this.snapKind[slot] = SNAP_MATRIX
    }
  }

  private dropHot(i: number): void {
    const last = --this.hotCount
    this.hot[i] = this.hot[last] as Object3D
    this.hot[last] = null
  }

  /** Moves slot `from` (in use) to the free slot `to`. */
  private moveSlot(from: number, to: number): void {
    const object = this.objects[from] as Object3D
    this.objects[to] = object
    this.slotOf[object.id] = to + 1
    this.snap.copyWithin(to * STRIDE, from * STRIDE, from * STRIDE + STRIDE)
    this.snapKind[to] = this.snapKind[from] as number
    this.parentOf[to] = this.parentOf[from] as number
    this.kind[to] = this.kind[from] as number
    this.lastMoved[to] = this.lastMoved[from] as number
    this.foundIn[to] = this.foundIn[from] as number
  }

  private growSlots(slot: number): void {
    this.snap = grow(this.snap, (slot + 1) * STRIDE - 1)
    this.snapKind = grow(this.snapKind, slot)
    this.parentOf = grow(this.parentOf, slot)
    this.kind = grow(this.kind, slot)
    this.lastMoved = grow(this.lastMoved, slot)
    this.foundIn = grow(this.foundIn, slot)
  }
}


/**
 * Whether the job must recompute `object` every frame: its class overrides
 * `updateMatrixWorld` (cameras, skinned meshes, `SkeletonHelper`, positional
 * audio...), or its `matrix` is another object's `matrixWorld` (the light and
 * camera helpers borrow the matrix of the object they show, and keep it in a
 * property: `camera`, `light`, `root`...).
 */
export function isAlways(object: Object3D): boolean {
  if (object.updateMatrixWorld !== baseUpdateMatrixWorld) return true
  if (object.matrixAutoUpdate) return false
  const matrix = object.matrix
  const record = object as unknown as Record<string, unknown>
  for (const key in record) {
    const value = record[key]
    if (value !== object && value instanceof Object3D && value.matrixWorld === matrix) return true
  }
  return false
}
