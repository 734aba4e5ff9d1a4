import { growTypedArray } from '../../core/utils/growTypedArray.js'

/** A unit whose members are all hidden. */
export const UNIT_HIDDEN = 1
/** A unit whose members are all shown. */
export const UNIT_SHOWN = 2

/**
 * The stored units of {@link FrustumCullingJob}'s cells: per cell, a decision
 * the sweep made for all its members at once (all hidden, or all shown),
 * kept with the sphere it was made on, so that later sweeps can decide the
 * cell again in one test while nothing under it changes (see `CellTrust`).
 *
 * Each such decision owes every member what its own visit would have left in
 * its slot (a speed decay and the visit's frame). The debt is kept here, not
 * written to the members, until the unit is *settled*: `SlotStore.open`
 * settles a member's unit before the member is read or written, and
 * `SlotStore.settleAll` settles every unit before slots move, cells are
 * rebuilt or the stamps change meaning.
 *
 * @internal
 */
export class CellUnits {
  /** Units stored (cells whose `kind` is not 0). */
  pending = 0
  /** Per cell: `UNIT_HIDDEN`, `UNIT_SHOWN`, or 0 (no unit). */
  kind = new Uint8Array(0)
  /** Per cell, four numbers: the unit's center x, y, z and reach (members' centers, plus their radii for a hidden unit). */
  sphere = new Float64Array(0)
  /** Per cell: the members' largest speed when the unit was stored. */
  speed = new Float64Array(0)
  /** Per cell: the matrix job's change stamp when the unit was stored. */
  stamp = new Float64Array(0)
  /**
   * Per cell: its first slot and member count when the unit was stored (the
   * cell's own are lost when it is dropped; a pending unit still has to be settled).
   */
  first = new Int32Array(0)
  count = new Int32Array(0)
  /** Per cell: decisions made from the unit since it was stored (speed decays owed to each member). */
  skips = new Int32Array(0)
  /** Per cell: the frame of the last decision (the members' visit frame owed). */
  frame = new Int32Array(0)

  /** Gives cell `c` a unit of `kind` (its data is the caller's to write). */
  add(c: number, kind: number): void {
    if (this.kind[c] === 0) this.pending++
    this.kind[c] = kind
  }

  /** Forgets cell `c`'s unit (settled). */
  forget(c: number): void {
    this.kind[c] = 0
    this.pending--
  }

  /** Makes room for cells `[0, cells)` (call it whenever cells are built). */
  reserve(cells: number): void {
    if (cells <= this.kind.length) return
    const capacity = Math.max(16, cells, this.kind.length * 2)
    this.kind = growTypedArray(this.kind as Uint8Array<ArrayBuffer>, capacity)
    this.sphere = growTypedArray(this.sphere as Float64Array<ArrayBuffer>, capacity * 4)
    this.speed = growTypedArray(this.speed as Float64Array<ArrayBuffer>, capacity)
    this.stamp = growTypedArray(this.stamp as Float64Array<ArrayBuffer>, capacity)
    this.first = growTypedArray(this.first as Int32Array<ArrayBuffer>, capacity)
    this.count = growTypedArray(this.count as Int32Array<ArrayBuffer>, capacity)
    this.skips = growTypedArray(this.skips as Int32Array<ArrayBuffer>, capacity)
    this.frame = growTypedArray(this.frame as Int32Array<ArrayBuffer>, capacity)
  }
}
