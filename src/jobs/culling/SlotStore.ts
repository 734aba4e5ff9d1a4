import type { Object3D } from 'three'
import type { CellUnits } from './CellUnits.js'
import type { CullingCells } from './CullingCells.js'
import { CullKind, type Cullable } from './CullKind.js'
import { growTypedArray } from '../../core/utils/growTypedArray.js'

/** Slot flag: the job set `visible = false` and owns that false. */
export const HIDDEN = 1
/** Slot flag: the job set `frustumCulled = false` (it was true). */
export const MANAGED = 2
/** Slot flag: visited before: a world sphere and a speed are known. */
export const SEEN = 4
/** Most object ids a stored sphere depends on (a LOD and its levels): more, and it is always re-read. */
export const DEP_MAX = 6
/** Per visit, an object's speed estimate keeps this fraction of itself when it slows down. */
export const SPEED_DECAY = 0.5

/** The per-slot arrays a decision writes, handed out by {@link SlotStore.open} only. */
export interface SlotWrites {
  readonly flags: Uint8Array
  readonly spheres: Float64Array
  readonly speeds: Float64Array
  readonly visits: Int32Array
  readonly readStamps: Float64Array
  readonly deps: Int32Array
  readonly depCount: Uint8Array
}

/**
 * The objects {@link FrustumCullingJob} manages, one slot each, in the order
 * the sweep visits them, with what the job knows of each in flat typed arrays
 * (doubles for spheres, so a stored sphere is bit for bit the one three
 * tests). Slots are dense: removing one moves another into its place, so
 * that the slots before the sweep's cursor stay the visited ones.
 *
 * The arrays are read-only outside: every write of a slot's state goes
 * through {@link SlotStore.open}, which first settles the stored unit of the
 * slot's cell (see `CellUnits`), so no member is read or written while a
 * unit owes it decisions.
 *
 * @internal
 */
export class SlotStore {
  /** Slots in use. */
  count = 0
  /** Per slot: the object. */
  readonly objects: Cullable[] = []
  /** Per slot: `HIDDEN`, `MANAGED`, `SEEN`. */
  flags: Readonly<Uint8Array> = new Uint8Array(0)
  /** Per slot: its `CullKind`. */
  kinds: Readonly<Uint8Array> = new Uint8Array(0)
  /** Per slot, four numbers: the world bounding sphere's center x, y, z and radius at the last full visit. */
  spheres: Readonly<Float64Array> = new Float64Array(0)
  /** Per slot: peak world-space motion per frame (decaying). */
  speeds: Readonly<Float64Array> = new Float64Array(0)
  /** Per slot: frame of the last visit. */
  visits: Readonly<Int32Array> = new Int32Array(0)
  /** Per slot: the matrix job's change stamp at its last full read. */
  readStamps: Readonly<Float64Array> = new Float64Array(0)
  /** Per slot, `DEP_MAX` numbers: ids of the objects its stored sphere depends on. */
  deps: Readonly<Int32Array> = new Int32Array(0)
  /** Per slot: how many of `deps` are used (0: never trusted, always read). */
  depCount: Readonly<Uint8Array> = new Uint8Array(0)
  /** Per object: its slot. */
  readonly index = new Map<Object3D, number>()
  /** Per `object.id`: the object's slot, or -1 (LODs: -1; the sweep re-reads them). */
  private slotById = new Int32Array(0).fill(-1)
  /** Per slot: the epoch of the last `refresh` walk that reached it. */
  private marks = new Int32Array(0)
  private epoch = 0

  /** `cells` keeps per-slot arrays of its own, which follow the slots; `units` owes decisions to slots. */
  constructor(
    private readonly cells: CullingCells,
    private readonly units: CellUnits,
  ) {}

  /**
   * Slot `i`'s state, writable: settles the stored unit of its cell first, if
   * it has one. Every read of a member's speed or visit frame, and every
   * write of a slot's state, goes through here.
   */
  open(i: number): SlotWrites {
    const units = this.units
    if (units.pending > 0) {
      const c = this.cells.of[i] as number
      if (c >= 0 && units.kind[c] !== 0) this.settle(c)
    }
    return this as SlotWrites
  }

  /** Settles every stored unit (before slots move, cells are rebuilt, or stamps change meaning). */
  settleAll(): void {
    const units = this.units
    for (let c = 0; units.pending > 0 && c < units.kind.length; c++) {
      if (units.kind[c] !== 0) this.settle(c)
    }
  }

  /**
   * Writes cell `c`'s pending unit decisions to its members (each decision
   * decays a member's speed once, as its visit would have, and the last one
   * sets its visit frame) and forgets the unit.
   */
  private settle(c: number): void {
    const units = this.units
    const first = units.first[c] as number
    const end = first + (units.count[c] as number)
    const skips = units.skips[c] as number
    const frame = units.frame[c] as number
    const w = this as SlotWrites
    if (skips > 0) {
      for (let j = first; j < end && j < this.count; j++) {
        let speed = w.speeds[j] as number
        for (let k = 0; k < skips; k++) speed *= SPEED_DECAY
        w.speeds[j] = speed
        w.visits[j] = frame
      }
    }
    units.forget(c)
  }

  /** The slot of the object with this `id` (not a LOD), or -1. */
  slotOf(id: number): number {
    return id < this.slotById.length ? (this.slotById[id] as number) : -1
  }

  /** Adds a slot for `o`, of kind `kind`, with nothing known of it. @returns the slot. */
  add(o: Cullable, kind: number): number {
    const i = this.count
    this.reserve(i + 1)
    const w = this as SlotWrites
    this.objects[i] = o
    ;(this.kinds as Uint8Array)[i] = kind
    w.flags[i] = 0
    w.speeds[i] = 0
    w.visits[i] = 0
    this.marks[i] = 0
    w.depCount[i] = 0
    this.cells.clearSlot(i)
    if (kind !== CullKind.LOD) this.setSlotById(o.id, i)
    this.index.set(o, i)
    this.count = i + 1
    return i
  }

  /** Starts a walk that marks the slots it reaches (see {@link SlotStore.mark}). @returns its epoch. */
  startMarks(): number {
    return ++this.epoch
  }

  /** Marks slot `i` as reached by the walk of `epoch`. */
  mark(i: number, epoch: number): void {
    this.marks[i] = epoch
  }

  /** Whether slot `i` was reached by the walk of `epoch`. */
  isMarked(i: number, epoch: number): boolean {
    return this.marks[i] === epoch
  }

  /**
   * Forgets slot `i` (its object must be restored first), keeping the slots
   * `[0, cursor)` visited and `[cursor, count)` not: a decision never moves
   * to a slot the sweep has passed without being revisited.
   * @returns the cursor, moved back by one when the slot was before it.
   */
  remove(i: number, cursor: number): number {
    // Slots are about to move: pending unit decisions go to the slots they belong to first.
    this.settleAll()
    const removed = this.objects[i] as Cullable
    if (removed.id < this.slotById.length) this.slotById[removed.id] = -1
    this.index.delete(removed)
    const last = this.count - 1
    if (i < cursor) {
      const lastVisited = cursor - 1
      this.move(lastVisited, i)
      this.move(last, lastVisited)
      cursor--
    } else {
      this.move(last, i)
    }
    this.objects.pop()
    this.count = last
    return cursor
  }

  /** Forgets every slot. */
  clear(): void {
    this.slotById = new Int32Array(0)
    this.objects.length = 0
    this.index.clear()
    this.count = 0
  }

  private move(from: number, to: number): void {
    if (from === to) return
    const o = this.objects[from] as Cullable
    this.objects[to] = o
    this.index.set(o, to)
    if (o.id < this.slotById.length && this.slotById[o.id] === from) this.slotById[o.id] = to
    const w = this as SlotWrites
    w.flags[to] = w.flags[from] as number
    ;(this.kinds as Uint8Array)[to] = this.kinds[from] as number
    w.speeds[to] = w.speeds[from] as number
    w.visits[to] = w.visits[from] as number
    this.marks[to] = this.marks[from] as number
    w.readStamps[to] = w.readStamps[from] as number
    w.depCount[to] = w.depCount[from] as number
    w.deps.copyWithin(to * DEP_MAX, from * DEP_MAX, from * DEP_MAX + DEP_MAX)
    this.cells.moveSlot(from, to)
    w.spheres.copyWithin(to * 4, from * 4, from * 4 + 4)
  }

  private setSlotById(id: number, slot: number): void {
    if (id >= this.slotById.length) {
      let length = Math.max(1024, this.slotById.length)
      while (length <= id) length *= 2
      const next = new Int32Array(length).fill(-1)
      next.set(this.slotById)
      this.slotById = next
    }
    this.slotById[id] = slot
  }

  private reserve(size: number): void {
    if (size <= this.flags.length) return
    const capacity = Math.max(64, size, this.flags.length * 2)
    this.flags = growTypedArray(this.flags as Uint8Array<ArrayBuffer>, capacity)
    this.kinds = growTypedArray(this.kinds as Uint8Array<ArrayBuffer>, capacity)
    this.speeds = growTypedArray(this.speeds as Float64Array<ArrayBuffer>, capacity)
    this.visits = growTypedArray(this.visits as Int32Array<ArrayBuffer>, capacity)
    this.marks = growTypedArray(this.marks as Int32Array<ArrayBuffer>, capacity)
    this.spheres = growTypedArray(this.spheres as Float64Array<ArrayBuffer>, capacity * 4)
    this.readStamps = growTypedArray(this.readStamps as Float64Array<ArrayBuffer>, capacity)
    this.deps = growTypedArray(this.deps as Int32Array<ArrayBuffer>, capacity * DEP_MAX)
    this.depCount = growTypedArray(this.depCount as Uint8Array<ArrayBuffer>, capacity)
    this.cells.reserveSlots(capacity)
  }
}
