import type { BufferGeometry, Sphere, Vector2 } from 'three'
import { CullKind, type Cullable } from './CullKind.js'

/**
 * Writes the world bounding sphere three's `Frustum.intersectsObject` /
 * `intersectsSprite` tests for `o` into `out[0..3]` (center x, y, z, radius),
 * with the same arithmetic, so the numbers are bit for bit three's. Computes
 * a missing bounding sphere once, as three does. Reads `o.matrixWorld` once.
 *
 * @param kind `cullKind(o)`: Geometry, Object or Sprite.
 * @returns false when `o` has no bounds to test (a custom subclass?): three's own culling must decide.
 * @internal Used by `subtreeSphere`; the culling job's full visit
 * (`SlotDecisions.visit`) has the same arithmetic inline, and a test holds
 * the two equal. Allocates nothing (numbers go out through `out`: see
 * docs/culling.md, *Allocation and V8*).
 */
export function worldSphere(o: Cullable, kind: number, out: Float64Array): boolean {
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
    if (bs === null || bs === undefined) return false
    // (Not `lr = NaN` in a branch above: see SlotDecisions.visit.)
    lx = bs.center.x
    ly = bs.center.y
    lz = bs.center.z
    lr = bs.radius
  }
  // Sphere.applyMatrix4: Vector3.applyMatrix4 (with the perspective divide), radius × getMaxScaleOnAxis.
  const e = o.matrixWorld.elements
  const e0 = e[0] as number, e1 = e[1] as number, e2 = e[2] as number, e3 = e[3] as number
  const e4 = e[4] as number, e5 = e[5] as number, e6 = e[6] as number, e7 = e[7] as number
  const e8 = e[8] as number, e9 = e[9] as number, e10 = e[10] as number, e11 = e[11] as number
  const w = 1 / (e3 * lx + e7 * ly + e11 * lz + (e[15] as number))
  out[0] = (e0 * lx + e4 * ly + e8 * lz + (e[12] as number)) * w
  out[1] = (e1 * lx + e5 * ly + e9 * lz + (e[13] as number)) * w
  out[2] = (e2 * lx + e6 * ly + e10 * lz + (e[14] as number)) * w
  out[3] = lr * Math.sqrt(Math.max(e0 * e0 + e1 * e1 + e2 * e2, e4 * e4 + e5 * e5 + e6 * e6, e8 * e8 + e9 * e9 + e10 * e10))
  return true
}
