import type { Object3D } from 'three'
import { CullKind, type Cullable } from './CullKind.js'
import { growTypedArray } from '../../core/utils/growTypedArray.js'

/** Cell state bit: the job set the group's `visible = false` and owns that false. */
const CELL_HIDDEN = 1

/** A group is a cell only with at least this many members (fewer saves the renderer next to nothing). */
const MIN_MEMBERS = 2

type HierarchyListener = (event: { target?: Object3D }) => void

/**
 * The coarse cells of {@link FrustumCullingJob}, taken from the scene graph:
 * groups whose children are all objects the job manages (meshes, lines,
 * points, sprites without children, and LODs) or cells themselves (a block
 * of buildings and trees, a district of blocks). A cell's group is hidden
 * (`visible = false`) exactly while the job holds every one of its members
 * hidden (objects, or cells it has hidden), so the renderer skips the whole
 * subtree without visiting its objects; what is drawn does not change
 * (everything under it is hidden anyway). Members are the source of truth:
 * the job reports each hide and show of an object with
 * {@link CullingCells.member}, and the cells above it follow.
 *
 * A cell whose children change (`add` / `remove` / `attach` on its group,
 * heard through three's `childadded` / `childremoved` events; or a different
 * child count, checked before every render) is dropped: its group is shown
 * and no longer hidden as a unit until `FrustumCullingJob.refresh()`.
 *
 * Cells whose members sit in consecutive slots of the job's sweep (as
 * `refresh` lays them out) can also be decided by the sweep as a unit; see
 * `CellTrust` and `CellUnits`. Removing a managed object reorders slots and
 * turns that off until the next `refresh`.
 *
 * @internal
 */
export class CullingCells {
  /** Cells built (dropped ones included). */
  count = 0
  /** Groups the job holds hidden right now. */
  hidden = 0
  /** Per cell: its group. */
  readonly groups: Object3D[] = []
  /** Per cell: members (its group's child count when built); -1 once dropped. */
  size = new Int32Array(0)
  /** Per cell: members the job holds hidden. */
  hid = new Int32Array(0)
  /** Per cell: its first member's slot when its members are all objects in consecutive slots, else -1. */
  first = new Int32Array(0)
  /** Per cell: the cell it is a member of, or -1. */
  private parent = new Int32Array(0)
  private state = new Uint8Array(0)
  /** Per slot: the cell it belongs to, or -1. */
  of = new Int32Array(0)
  /** Per slot: the cell whose consecutive members start at this slot, or -1. */
  at = new Int32Array(0)
  private readonly byGroup = new Map<Object3D, number>()
  /** False once a slot moved since the last build: no cell's members are known to be consecutive. */
  private consecutive = true
  private readonly onChildren: HierarchyListener = (event) => {
    const c = event.target === undefined ? undefined : this.byGroup.get(event.target)
    if (c !== undefined) this.drop(c)
  }

  /** Makes room for `slots` slots (per-slot arrays grow with the job's). */
  reserveSlots(slots: number): void {
    if (slots <= this.of.length) return
    const capacity = Math.max(64, slots, this.of.length * 2)
    const of = new Int32Array(capacity).fill(-1)
    of.set(this.of)
    this.of = of
    const at = new Int32Array(capacity).fill(-1)
    at.set(this.at)
    this.at = at
  }

  /** A new slot: in no cell. */
  clearSlot(slot: number): void {
    this.of[slot] = -1
    this.at[slot] = -1
  }

  /**
   * Slot `from` moved to `to` (the job's swap-remove): membership follows,
   * but members are no longer consecutive, so no cell is skipped as a unit
   * until the next build.
   */
  moveSlot(from: number, to: number): void {
    this.of[to] = this.of[from] as number
    this.of[from] = -1
    if (this.consecutive && this.count > 0) {
      this.first.fill(-1, 0, this.count)
      this.at.fill(-1)
    }
    this.consecutive = false
  }

  /**
   * Builds the cells under `root` (not `root` itself), bottom up: every plain
   * group (`Group` or `Object3D`, `frustumCulled` left on) with at least two
   * children, each of them a managed object without children, a managed
   * LOD, or a cell. `hidden(slot)` says whether the job holds a slot hidden now.
   */
  build(root: Object3D, index: ReadonlyMap<Object3D, number>, kinds: Readonly<Uint8Array>, hidden: (slot: number) => boolean): void {
    this.clear()
    /** Makes `group` a cell if it fits; returns its cell index, or -1. */
    const visit = (group: Object3D): number => {
      const children = group.children
      let fit = children.length >= MIN_MEMBERS && group !== root && isPlainGroup(group)
      let objectsOnly = true
      let first = Infinity
      let last = -1
      const cells: number[] = []
      for (let k = 0; k < children.length; k++) {
        const child = children[k] as Object3D
        const slot = index.get(child)
        if (slot !== undefined && (kinds[slot] === CullKind.LOD || child.children.length === 0)) {
          // A managed object (a LOD covers its subtree: nothing in it is a cell).
          if (slot < first) first = slot
          if (slot > last) last = slot
          continue
        }
        const cell = slot === undefined ? visit(child) : -1
        if (cell >= 0) {
          cells.push(cell)
          objectsOnly = false
        } else {
          fit = false
          // Cells may still lie deeper.
          if (slot !== undefined) for (const grandchild of child.children) visit(grandchild)
        }
      }
      if (!fit) return -1
      return this.add(group, children, index, objectsOnly ? first : -1, objectsOnly ? last : -2, cells, hidden)
    }
    visit(root)
  }

  /**
   * A member's hidden state changed (`delta` +1: the job hid it, −1: it no
   * longer holds it hidden). Hides the cell's group when every member is
   * hidden, shows it when one is not.
   */
  member(slot: number, delta: number): void {
    const c = this.of[slot] as number
    if (c < 0 || (this.size[c] as number) < 0) return // in no cell, or in a dropped one
    const hid = ((this.hid[c] as number) + delta) | 0
    this.hid[c] = hid
    if (hid === this.size[c]) this.hide(c)
    else if (delta < 0) this.show(c)
  }

  /** Every member is shown (the job showed everything): shows every group the job hid. */
  showAll(): void {
    for (let c = 0; c < this.count; c++) {
      this.hid[c] = 0
      if (((this.state[c] as number) & CELL_HIDDEN) === 0) continue
      this.state[c] = (this.state[c] as number) & ~CELL_HIDDEN
      const group = this.groups[c] as Object3D
      if (group.visible === false) group.visible = true
    }
    this.hidden = 0
  }

  /**
   * Before a render: drops a hidden cell whose group's child count changed
   * behind the listeners' back (a `children` array edited by hand).
   */
  check(): void {
    if (this.hidden === 0) return
    for (let c = 0; c < this.count; c++) {
      if (((this.state[c] as number) & CELL_HIDDEN) !== 0 && (this.groups[c] as Object3D).children.length !== this.size[c]) this.drop(c)
    }
  }

  /** Whether cell `c` is hidden by the job. */
  isHidden(c: number): boolean {
    return ((this.state[c] as number) & CELL_HIDDEN) !== 0
  }

  /** The cell of `group`, or -1. */
  cellOf(group: Object3D): number {
    return this.byGroup.get(group) ?? -1
  }

  /** Shows every group the job hid, removes the listeners, forgets every cell. */
  clear(): void {
    for (let c = 0; c < this.count; c++) {
      this.show(c)
      const group = this.groups[c] as Object3D
      group.removeEventListener('childadded', this.onChildren as never)
      group.removeEventListener('childremoved', this.onChildren as never)
    }
    this.of.fill(-1)
    this.at.fill(-1)
    this.groups.length = 0
    this.byGroup.clear()
    this.count = 0
    this.hidden = 0
    this.consecutive = true
  }

  /** Makes `group` cell `c`: its children are managed objects and the cells `cells`. */
  private add(group: Object3D, children: readonly Object3D[], index: ReadonlyMap<Object3D, number>, first: number, last: number, cells: readonly number[], hidden: (slot: number) => boolean): number {
    const c = this.count++
    if (c >= this.size.length) this.growCells()
    this.groups[c] = group
    this.byGroup.set(group, c)
    const n = children.length
    this.size[c] = n
    this.state[c] = 0
    this.parent[c] = -1
    let hid = 0
    for (let k = 0; k < n; k++) {
      const slot = index.get(children[k] as Object3D)
      if (slot === undefined) continue // a member cell
      this.of[slot] = c
      if (hidden(slot)) hid++
    }
    for (const cell of cells) {
      this.parent[cell] = c
      if (((this.state[cell] as number) & CELL_HIDDEN) !== 0) hid++
    }
    this.hid[c] = hid
    const consecutive = last - first + 1 === n
    this.first[c] = consecutive ? first : -1
    if (consecutive) this.at[first] = c
    group.addEventListener('childadded', this.onChildren as never)
    group.addEventListener('childremoved', this.onChildren as never)
    if (hid === n) this.hide(c)
    return c
  }

  /** Shows cell `c`'s group and stops treating it, and the cells above it, as cells (until the next build). */
  drop(c: number): void {
    if ((this.size[c] as number) < 0) return
    this.show(c)
    // A cell holding a group that is no longer a cell holds what the job may not hide.
    const parent = this.parent[c] as number
    if (parent >= 0) this.drop(parent)
    const group = this.groups[c] as Object3D
    group.removeEventListener('childadded', this.onChildren as never)
    group.removeEventListener('childremoved', this.onChildren as never)
    this.byGroup.delete(group)
    // Its slots keep pointing at it; `member` ignores a dropped cell.
    const first = this.first[c] as number
    if (first >= 0 && this.at[first] === c) this.at[first] = -1
    this.first[c] = -1
    this.size[c] = -1
  }

  private hide(c: number): void {
    if (((this.state[c] as number) & CELL_HIDDEN) !== 0) return
    const group = this.groups[c] as Object3D
    if (group.visible !== true) return // hidden by the app: not ours
    group.visible = false
    this.state[c] = (this.state[c] as number) | CELL_HIDDEN
    this.hidden++
    const parent = this.parent[c] as number
    if (parent >= 0 && (this.size[parent] as number) >= 0) {
      const hid = (this.hid[parent] as number) + 1
      this.hid[parent] = hid
      if (hid === this.size[parent]) this.hide(parent)
    }
  }

  private show(c: number): void {
    if (((this.state[c] as number) & CELL_HIDDEN) === 0) return
    this.state[c] = (this.state[c] as number) & ~CELL_HIDDEN
    this.hidden--
    const group = this.groups[c] as Object3D
    if (group.visible === false) group.visible = true
    const parent = this.parent[c] as number
    if (parent >= 0 && (this.size[parent] as number) >= 0) {
      this.hid[parent] = (this.hid[parent] as number) - 1
      this.show(parent)
    }
  }

  private growCells(): void {
    const capacity = Math.max(16, this.size.length * 2)
    this.size = growTypedArray(this.size as Int32Array<ArrayBuffer>, capacity)
    this.hid = growTypedArray(this.hid as Int32Array<ArrayBuffer>, capacity)
    this.first = growTypedArray(this.first as Int32Array<ArrayBuffer>, capacity)
    this.parent = growTypedArray(this.parent as Int32Array<ArrayBuffer>, capacity)
    this.state = growTypedArray(this.state as Uint8Array<ArrayBuffer>, capacity)
  }
}

/** A plain container: a `Group` or a bare `Object3D`, with `frustumCulled` left on (off is the app's opt-out). */
function isPlainGroup(o: Object3D): boolean {
  const c = o as Cullable
  if (c.frustumCulled !== true || c.isLOD === true || (c as { isScene?: boolean }).isScene === true) return false
  if (c.isMesh === true || c.isLine === true || c.isPoints === true || c.isSprite === true || c.isBone === true) return false
  return c.isGroup === true || o.type === 'Object3D'
}
