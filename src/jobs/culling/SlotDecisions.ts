import type { BufferGeometry, Object3D, Sphere, Vector2 } from 'three'
import type { ChangeStamps } from './ChangeStamps.js'
import type { CullingCells } from './CullingCells.js'
import { CullKind, type Cullable } from './CullKind.js'
import type { FrustumCullingStats } from './FrustumCullingStats.js'
import { GuardFrustum } from './GuardFrustum.js'
import { HIDDEN, MANAGED, SEEN, SPEED_DECAY, type SlotStore } from './SlotStore.js'
import { subtreeSphere } from './subtreeSphere.js'
import type { SweepPacer } from './SweepPacer.js'
import { copySphere } from './typedArrays.js'

/** Told each time the job starts or stops holding one of its objects hidden (see `FrustumCullingJob.addCullListener`). */
export type CullListener = (object: Object3D, culled: boolean) => void

/** Center, radius and pad handed to `GuardFrustum.rejects`. */
const _sphere = /*@__PURE__*/ new Float64Array(5)
/** A LOD's world sphere (x, y, z, radius, part count), from `subtreeSphere`. */
const _world = /*@__PURE__*/ new Float64Array(5)

/**
 * Hides and shows the objects of {@link FrustumCullingJob}, one slot at a
 * time, against the current guard: a full visit reads the object
 * ({@link SlotDecisions.visit}), a trusted one decides from the sphere stored
 * at the last full visit ({@link SlotDecisions.trust}). Owns the rules on an
 * object's `visible` and `frustumCulled`: the job hides only what it sees
 * visible, shows only what it hid, and gives back what it no longer manages.
 *
 * @internal
 */
export class SlotDecisions {
  /** The guard decisions are made against: the current slice's, or the newest one for `markMoved` and the matrix job's writes. */
  guard = new GuardFrustum()
  /** Told of every change of a slot's HIDDEN flag, after the object's `visible` and the cells changed. */
  readonly listeners: CullListener[] = []

  constructor(
    private readonly slots: SlotStore,
    private readonly cells: CullingCells,
    private readonly stamps: ChangeStamps,
    private readonly pacer: SweepPacer,
    private readonly stats: FrustumCullingStats,
    private readonly cullShadowCasters: boolean,
    private readonly rendererTest: boolean,
  ) {}

  /**
   * A trusted visit: decides object `i` from its stored sphere, without
   * reading the object, when nothing it depends on
   * changed since its last full read and the decision it holds stands,
   * leaving the object's state exactly as a full visit would (the same
   * sphere, so the same speed decay and visit frame): with complete change
   * stamps the job hides exactly what it would hide reading every object.
   * @returns false when the object must be visited in full.
   */
  trust(i: number, frame: number): boolean {
    const w = this.slots.open(i)
    const n = w.depCount[i] as number
    if (n === 0) return false
    const f = w.flags[i] as number
    if ((f & SEEN) === 0 || !this.stamps.unchanged(i, n)) return false
    // What a full visit would compute: the same sphere, so a speed decayed as for no motion.
    const speed = (w.speeds[i] as number) * SPEED_DECAY
    const test = _sphere
    copySphere(test, w.spheres, i * 4)
    test[4] = speed * this.pacer.horizon
    // A change of decision is left to a full visit (which reads the object's `visible`).
    if (this.guard.rejects(test) !== ((f & HIDDEN) !== 0)) return false
    w.speeds[i] = speed
    w.visits[i] = frame
    return true
  }

  /** A full visit: reads object `i`'s world sphere, updates its speed, then hides or shows it against the current guard. */
  visit(i: number, frame: number): void {
    const slots = this.slots
    const w = slots.open(i)
    const k = this.guard.maxFactor
    const o = slots.objects[i] as Cullable
    let f = w.flags[i] as number
    const kind = slots.kinds[i] as number
    let cx = 0, cy = 0, cz = 0, r = 0
    if (kind === CullKind.LOD) {
      // One unit with its subtree; frustumCulled = false on the LOD node is the app's opt-out.
      const world = _world
      if (o.frustumCulled !== true || !subtreeSphere(o, this.cullShadowCasters, world)) {
        this.restore(i)
        return
      }
      cx = world[0] as number
      cy = world[1] as number
      cz = world[2] as number
      r = world[3] as number
    } else {
      // A mesh, line, points or sprite: `worldSphere`'s arithmetic, inlined (the call costs
      // about a fifth of a visit), so the sphere is bit for bit the one three tests.
      const parent = o.parent as Cullable | null
      if (
        o.children.length !== 0 ||
        (o.castShadow && !this.cullShadowCasters) ||
        (parent !== null && parent.isLOD === true) ||
        ((f & MANAGED) === 0 && o.frustumCulled !== true)
      ) {
        // Not ours to hide now: give it back to three's own culling.
        this.restore(i)
        return
      }
      // The world sphere as three's Frustum.intersectsObject / intersectsSprite computes it;
      // none (a custom subclass?): three's own culling decides.
      let lx = 0, ly = 0, lz = 0, lr: number
      if (kind === CullKind.Sprite) {
        const c = o.center as Vector2
        const dx = 0.5 - c.x, dy = 0.5 - c.y
        lr = 0.7071067811865476 + Math.sqrt(dx * dx + dy * dy)
      } else {
        let bs: Sphere | null | undefined
        if (kind === CullKind.Object) {
          bs = o.boundingSphere
          if (bs === null) {
            ;(o.computeBoundingSphere as () => void)()
            bs = o.boundingSphere
          }
        } else {
          const g = o.geometry as BufferGeometry
          bs = g.boundingSphere
          if (bs === null) {
            g.computeBoundingSphere()
            bs = g.boundingSphere
          }
        }
        if (bs === null || bs === undefined) {
          this.restore(i)
          return
        }
        // (Not `lr = NaN` on a path above: a NaN constant merged with the field
        // load makes V8 box the radius on every visit, 16 bytes each.)
        lx = bs.center.x
        ly = bs.center.y
        lz = bs.center.z
        lr = bs.radius
      }
      const e = o.matrixWorld.elements
      const e0 = e[0] as number, e1 = e[1] as number, e2 = e[2] as number, e3 = e[3] as number
      const e4 = e[4] as number, e5 = e[5] as number, e6 = e[6] as number, e7 = e[7] as number
      const e8 = e[8] as number, e9 = e[9] as number, e10 = e[10] as number, e11 = e[11] as number
      const w = 1 / (e3 * lx + e7 * ly + e11 * lz + (e[15] as number))
      cx = (e0 * lx + e4 * ly + e8 * lz + (e[12] as number)) * w
      cy = (e1 * lx + e5 * ly + e9 * lz + (e[13] as number)) * w
      cz = (e2 * lx + e6 * ly + e10 * lz + (e[14] as number)) * w
      r = lr * Math.sqrt(Math.max(e0 * e0 + e1 * e1 + e2 * e2, e4 * e4 + e5 * e5 + e6 * e6, e8 * e8 + e9 * e9 + e10 * e10))
      if ((f & MANAGED) === 0 && !this.rendererTest) {
        o.frustumCulled = false
        f |= MANAGED
      }
    }
    if ((f & HIDDEN) !== 0 && o.visible !== false) {
      f &= ~HIDDEN // the app showed it: its `visible` again
      w.flags[i] = f
      this.changed(i, o, false)
    }

    const s = i * 4
    const spheres = w.spheres
    let speed = w.speeds[i] as number
    let seen = (f & SEEN) !== 0
    if (seen) {
      const frames = Math.max(frame - (w.visits[i] as number), 1)
      const dx = cx - (spheres[s] as number), dy = cy - (spheres[s + 1] as number), dz = cz - (spheres[s + 2] as number)
      const grown = r - (spheres[s + 3] as number)
      const moved = (Math.sqrt(dx * dx + dy * dy + dz * dz) + (grown > 0 ? k * grown : 0)) / frames
      speed = Math.max(moved, speed * SPEED_DECAY)
    }
    spheres[s] = cx
    spheres[s + 1] = cy
    spheres[s + 2] = cz
    spheres[s + 3] = r
    w.visits[i] = frame
    if (this.stamps.changes !== null) this.stamps.record(w, i, o, kind)
    if (!(speed < Infinity && r < Infinity && Math.abs(cx) + Math.abs(cy) + Math.abs(cz) < Infinity)) {
      // NaN or infinite bounds: three would draw it; start over once they are finite.
      speed = 0
      seen = false
      f &= ~SEEN
    } else {
      f |= SEEN
    }
    w.speeds[i] = speed

    if ((f & HIDDEN) === 0 && o.visible === false) {
      w.flags[i] = f // hidden by the app: never touched
      return
    }
    // Hidden only on a second sighting (speed known), and only when wholly outside one plane.
    let outside = false
    if (seen) {
      const test = _sphere
      test[0] = cx
      test[1] = cy
      test[2] = cz
      test[3] = r
      test[4] = speed * this.pacer.horizon
      outside = this.guard.rejects(test)
    }
    if (outside) {
      if ((f & HIDDEN) === 0) {
        o.visible = false
        f |= HIDDEN
        w.flags[i] = f
        this.changed(i, o, true)
      }
    } else if ((f & HIDDEN) !== 0) {
      o.visible = true
      f &= ~HIDDEN
      w.flags[i] = f
      this.changed(i, o, false)
    }
    w.flags[i] = f
  }

  /** Slot `i`'s HIDDEN flag was just set (`culled`) or cleared: the count, the cells, then the listeners. */
  private changed(i: number, o: Cullable, culled: boolean): void {
    this.stats.hidden += culled ? 1 : -1
    this.cells.member(i, culled ? 1 : -1)
    const listeners = this.listeners
    for (let k = 0; k < listeners.length; k++) (listeners[k] as CullListener)(o, culled)
  }

  /** Shows object `i` if the job hid it (outside a sweep: it is revisited later). */
  show(i: number): void {
    if (((this.slots.flags[i] as number) & HIDDEN) === 0) return
    const o = this.slots.objects[i] as Cullable
    if (o.visible === false) o.visible = true
    this.disown(i)
  }

  /** The job no longer holds object `i` hidden (if it did): its `visible` is the app's again. */
  disown(i: number): void {
    const f = this.slots.flags[i] as number
    if ((f & HIDDEN) === 0) return
    this.slots.open(i).flags[i] = f & ~HIDDEN
    this.changed(i, this.slots.objects[i] as Cullable, false)
  }

  /**
   * Settles every unit and shows every object the job hid, and the cells.
   * @returns false when nothing was hidden (nothing shown).
   */
  showAll(): boolean {
    const slots = this.slots
    slots.settleAll()
    if (this.stats.hidden === 0) return false
    this.cells.showAll()
    const objects = slots.objects
    const listeners = this.listeners
    for (let i = 0; i < slots.count; i++) {
      const f = slots.flags[i] as number
      if ((f & HIDDEN) === 0) continue
      const o = objects[i] as Cullable
      if (o.visible === false) o.visible = true
      slots.open(i).flags[i] = f & ~HIDDEN
      for (let k = 0; k < listeners.length; k++) (listeners[k] as CullListener)(o, false)
    }
    this.stats.hidden = 0
    return true
  }

  /** Gives object `i` back: shows it if the job hid it, restores `frustumCulled`, forgets its motion. */
  restore(i: number): void {
    const slots = this.slots
    const w = slots.open(i)
    const f = w.flags[i] as number
    const o = slots.objects[i] as Cullable
    w.flags[i] = 0
    if ((f & HIDDEN) !== 0) {
      if (o.visible === false) o.visible = true
      this.changed(i, o, false)
    }
    if ((f & MANAGED) !== 0) o.frustumCulled = true
    w.depCount[i] = 0
  }
}
