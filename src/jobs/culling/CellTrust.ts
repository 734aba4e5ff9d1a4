import type { Object3D } from 'three'
import type { ChangeStamps } from './ChangeStamps.js'
import { UNIT_HIDDEN, UNIT_SHOWN, type CellUnits } from './CellUnits.js'
import type { CullingCells } from './CullingCells.js'
import type { GuardFrustum } from './GuardFrustum.js'
import { HIDDEN, SEEN, SPEED_DECAY, type SlotStore } from './SlotStore.js'
import type { SweepPacer } from './SweepPacer.js'
import { copySphere } from './typedArrays.js'

/** A cell's ball on its way from `memberBall` to a guard test and `store`, or from a unit: center x, y, z, reach. */
const _ball = /*@__PURE__*/ new Float64Array(4)
/** Center, radius and pad handed to `GuardFrustum.rejects`. */
const _sphere = /*@__PURE__*/ new Float64Array(5)

/**
 * Decides a cell's members as one, trusted (without reading an object): from
 * the cell's stored unit in one test, or from the members' stored spheres,
 * in which case it stores a unit for the next sweeps. Either leaves the
 * members' state as their own trusted decisions would (see docs/culling.md,
 * *Cells and units*).
 *
 * @internal
 */
export class CellTrust {
  /** Cells decided from their stored unit since the job last reset this (its `stats.unitCells`). */
  unitCells = 0

  constructor(
    private readonly slots: SlotStore,
    private readonly cells: CullingCells,
    private readonly units: CellUnits,
    private readonly stamps: ChangeStamps,
    private readonly pacer: SweepPacer,
  ) {}

  /**
   * Decides cell `c`, whose members are the slots from `i` on, as one: from
   * its stored unit, else (the unit settled) from the members' stored spheres.
   * @returns the members decided, or 0 when they must be visited one by one.
   */
  cell(c: number, i: number, limit: number, frame: number, guard: GuardFrustum): number {
    if (this.units.kind[c] !== 0) {
      const n = this.unit(c, i, limit, frame, guard)
      if (n > 0) {
        this.unitCells++
        return n
      }
    }
    this.slots.open(i) // settles the unit that did not stand
    const n = this.hiddenCell(c, i, limit, frame, guard)
    return n > 0 ? n : this.shownCell(c, i, limit, frame, guard)
  }

  /**
   * Decides cell `c` (first slot `i`) from its stored unit in one test, no
   * member read: when nothing under the cell's group changed since the unit
   * was stored (the matrix job's stamps of the group and of its subtree),
   * the members' state is what the unit recorded (any member visit, show or
   * restore settles the unit), it is not the cell's turn for a full re-read,
   * and the unit still decides: a hidden unit's ball, grown by the members'
   * largest speed decayed as their visits would decay it, is outside the
   * guard; a shown unit's ball of member centers is inside every plane.
   * @returns the members decided, or 0 (the caller settles the unit and goes on member by member).
   */
  private unit(c: number, i: number, limit: number, frame: number, guard: GuardFrustum): number {
    const units = this.units
    const cells = this.cells
    const n = units.count[c] as number
    if (units.first[c] !== i || i + n > limit || cells.size[c] !== n) return 0
    if (this.stamps.isVerifyTurn(c) || !this.stamps.unchangedBelow(cells.groups[c] as Object3D, units.stamp[c] as number)) return 0
    const ball = _ball
    copySphere(ball, units.sphere, c * 4)
    const skips = units.skips[c] as number
    if (units.kind[c] === UNIT_HIDDEN) {
      if (!cells.isHidden(c) || cells.hid[c] !== n) return 0
      // Each member's pad at this visit: its speed decayed once per decision since the unit was stored, and once more.
      let speed = units.speed[c] as number
      for (let k = 0; k <= skips; k++) speed *= SPEED_DECAY
      ball[3] = (ball[3] as number) + speed * this.pacer.horizon
      if (!outsideGuard(guard, ball)) return 0
    } else if (cells.hid[c] !== 0 || !insideGuard(guard, ball)) {
      return 0
    }
    units.skips[c] = skips + 1
    units.frame[c] = frame
    return n
  }

  /**
   * Decides the members of hidden cell `c`, in slots `[i, i + size)`, as one
   * unit: when every member would be trusted from its stored sphere and is
   * hidden, and a sphere holding all their padded spheres is outside the
   * guard, each of them is outside too, so each would stay hidden: their
   * state is updated as those decisions would leave it, without a guard test
   * each. The cell must have no unit.
   * @returns the members decided, or 0 when they must be visited one by one.
   */
  private hiddenCell(c: number, i: number, limit: number, frame: number, guard: GuardFrustum): number {
    const cells = this.cells
    const n = cells.size[c] as number
    const end = i + n
    if (n <= 0 || end > limit || !cells.isHidden(c) || !this.memberBall(i, end, SEEN | HIDDEN, true)) return 0
    if (!outsideGuard(guard, _ball)) return 0
    this.store(c, UNIT_HIDDEN, i, n, frame)
    return n
  }

  /**
   * Decides the members of cell `c`, in slots `[i, i + size)`, as one unit
   * when none is hidden, each would be trusted from its stored sphere, and
   * every member's center lies inside every plane of the guard: no member can
   * be outside one plane, so each stays shown; their state is updated as
   * those decisions would leave it. The cell must have no unit.
   * @returns the members decided, or 0 when they must be visited one by one.
   */
  private shownCell(c: number, i: number, limit: number, frame: number, guard: GuardFrustum): number {
    const cells = this.cells
    const n = cells.size[c] as number
    const end = i + n
    if (n <= 0 || end > limit || cells.hid[c] !== 0 || !this.memberBall(i, end, SEEN, false)) return 0
    if (!insideGuard(guard, _ball)) return 0
    this.store(c, UNIT_SHOWN, i, n, frame)
    return n
  }

  /**
   * The ball of the members in slots `[first, end)`, into `_ball` (center,
   * reach): when each has the flags `want` (of SEEN and HIDDEN) and its
   * stored sphere stands. With `padded` the ball holds each member's sphere
   * grown by its pad at this visit (its speed decayed once, over the
   * horizon); without, it holds their centers.
   * @returns false when a member does not qualify.
   */
  private memberBall(first: number, end: number, want: number, padded: boolean): boolean {
    const slots = this.slots
    const flags = slots.flags
    const depCount = slots.depCount
    const spheres = slots.spheres
    const speeds = slots.speeds
    const horizon = this.pacer.horizon
    let minX = Infinity, minY = Infinity, minZ = Infinity
    let maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity
    for (let j = first; j < end; j++) {
      if (((flags[j] as number) & (SEEN | HIDDEN)) !== want) return false
      const dn = depCount[j] as number
      if (dn === 0 || !this.stamps.unchanged(j, dn)) return false
      const s = j * 4
      const r = spheres[s + 3] as number
      const extent = padded ? (r > 0 ? r : 0) + (speeds[j] as number) * SPEED_DECAY * horizon : 0
      const x = spheres[s] as number, y = spheres[s + 1] as number, z = spheres[s + 2] as number
      if (x - extent < minX) minX = x - extent
      if (y - extent < minY) minY = y - extent
      if (z - extent < minZ) minZ = z - extent
      if (x + extent > maxX) maxX = x + extent
      if (y + extent > maxY) maxY = y + extent
      if (z + extent > maxZ) maxZ = z + extent
    }
    const cx = (minX + maxX) * 0.5, cy = (minY + maxY) * 0.5, cz = (minZ + maxZ) * 0.5
    let reach = 0
    for (let j = first; j < end; j++) {
      const s = j * 4
      const dx = (spheres[s] as number) - cx, dy = (spheres[s + 1] as number) - cy, dz = (spheres[s + 2] as number) - cz
      const r = spheres[s + 3] as number
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz) + (padded ? (r > 0 ? r : 0) + (speeds[j] as number) * SPEED_DECAY * horizon : 0)
      if (d > reach) reach = d
    }
    const ball = _ball
    ball[0] = cx
    ball[1] = cy
    ball[2] = cz
    ball[3] = reach
    return true
  }

  /**
   * Cell `c`'s members, in slots `[first, first + count)`, were just decided
   * as one unit around the ball in `_ball`: updates their state as their
   * decisions would leave it (speed decayed once, visit frame) and stores the
   * unit for later sweeps: the ball's center, its reach (over the members'
   * centers; plus their radii for a hidden unit, whose test adds the pads
   * anew each time) and the members' largest speed.
   */
  private store(c: number, kind: number, first: number, count: number, frame: number): void {
    const w = this.slots.open(first) // (the cell has no unit to settle)
    const spheres = w.spheres
    const speeds = w.speeds
    const ball = _ball
    const cx = ball[0] as number, cy = ball[1] as number, cz = ball[2] as number
    const radii = kind === UNIT_HIDDEN
    let reach = 0
    let fastest = 0
    for (let j = first, end = first + count; j < end; j++) {
      const speed = (speeds[j] as number) * SPEED_DECAY
      speeds[j] = speed
      w.visits[j] = frame
      if (speed > fastest) fastest = speed
      const s = j * 4
      const dx = (spheres[s] as number) - cx, dy = (spheres[s + 1] as number) - cy, dz = (spheres[s + 2] as number) - cz
      const r = spheres[s + 3] as number
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz) + (radii && r > 0 ? r : 0)
      if (d > reach) reach = d
    }
    const units = this.units
    units.add(c, kind)
    const u = c * 4
    units.sphere[u] = cx
    units.sphere[u + 1] = cy
    units.sphere[u + 2] = cz
    units.sphere[u + 3] = reach
    units.speed[c] = fastest
    units.stamp[c] = this.stamps.now
    units.first[c] = first
    units.count[c] = count
    units.skips[c] = 0
    units.frame[c] = frame
  }
}

/**
 * Whether the ball `ball[0..2]` (center), `ball[3]` (radius), grown a hair
 * for rounding (so it holds the members' spheres in floating point too), is
 * outside `guard`: then so is every sphere inside it.
 */
function outsideGuard(guard: GuardFrustum, ball: Float64Array): boolean {
  const cx = ball[0] as number, cy = ball[1] as number, cz = ball[2] as number
  const radius = ball[3] as number
  const test = _sphere
  test[0] = cx
  test[1] = cy
  test[2] = cz
  test[3] = radius + (radius + Math.abs(cx) + Math.abs(cy) + Math.abs(cz)) * 1e-9
  test[4] = 0
  return guard.rejects(test)
}

/**
 * Whether the ball `ball[0..2]` (center), `ball[3]` (radius), grown a hair
 * for rounding, lies inside every plane of `guard`.
 */
function insideGuard(guard: GuardFrustum, ball: Float64Array): boolean {
  const p = guard.planes
  const cx = ball[0] as number, cy = ball[1] as number, cz = ball[2] as number
  const reach = ball[3] as number
  const r = reach + (reach + Math.abs(cx) + Math.abs(cy) + Math.abs(cz)) * 1e-9
  for (let o = 0; o < 24; o += 4) {
    // Written so that NaN fails.
    if (!((p[o] as number) * cx + (p[o + 1] as number) * cy + (p[o + 2] as number) * cz + (p[o + 3] as number) >= r)) return false
  }
  return true
}
