import type { Object3D } from 'three'
import { CullKind, cullKind, type Cullable } from './CullKind.js'
import { worldSphere } from './worldSphere.js'

/** One descendant's world sphere. */
const _part = /*@__PURE__*/ new Float64Array(4)
/**
 * Relative growth of the union's radius (× (radius + |center|₁)): covers the
 * rounding of the merges, so the union contains every part in floating point too.
 */
const UNION_PAD = 1e-9

/**
 * The world sphere that hiding `root` (a `THREE.LOD`) must be decided on: one
 * that contains the world bounding sphere three tests for every renderable
 * descendant of `root`, written into `out[0..3]` (center x, y, z, radius).
 * `out[4]` receives the number of spheres merged.
 *
 * The rule: every descendant, at any depth, visible or not (the LOD switches
 * levels between a decision and the render; the app may show a part at any
 * time), is either a renderable three culls with its own bounds (mesh, line,
 * points, sprite, instanced, batched or skinned mesh with `frustumCulled =
 * true` and three's own `intersectsFrustum`), whose world sphere is merged,
 * or a plain container (`Group`, `LOD`, `Bone`, `Object3D`), which adds
 * nothing. Anything else makes the subtree unfit to hide as one unit, as
 * hiding it would change more than what is drawn in view: a light (it would
 * stop lighting), a camera or audio object, a renderable three draws without a
 * frustum test (`frustumCulled = false`) or tests with custom bounds, and a
 * shadow caster unless `withCasters` (hidden, it casts no shadow into view).
 * A level that is a `Group` is thus the union of its descendant meshes; a LOD
 * nested in a level, the union of its own levels.
 *
 * The union is built by merging spheres one at a time (the smallest sphere
 * holding the union so far and the next part), then grown by a relative 1e-9
 * for rounding: it is not the smallest enclosing sphere, but it contains every
 * part, which is all that a hide decision needs (a sphere outside a plane by
 * more than its radius has every sphere it contains outside too). A non-finite
 * part makes the union non-finite (the job then hides nothing); a part with a
 * negative radius (an empty geometry) counts as a point.
 *
 * @returns false when the subtree is unfit (see above) or holds no renderable.
 * @internal Used by {@link FrustumCullingJob}; allocates nothing (recursion on the children arrays).
 */
export function subtreeSphere(root: Object3D, withCasters: boolean, out: Float64Array): boolean {
  out[0] = 0
  out[1] = 0
  out[2] = 0
  out[3] = 0
  out[4] = 0
  if (!mergeChildren(root, withCasters, out) || out[4] === 0) return false
  const r = out[3] as number
  out[3] = r + (r + Math.abs(out[0] as number) + Math.abs(out[1] as number) + Math.abs(out[2] as number)) * UNION_PAD
  return true
}

function mergeChildren(o: Object3D, withCasters: boolean, out: Float64Array): boolean {
  const children = o.children
  for (let i = 0, l = children.length; i < l; i++) {
    const c = children[i] as Cullable
    const kind = cullKind(c)
    if (kind === CullKind.Geometry || kind === CullKind.Object || kind === CullKind.Sprite) {
      if (c.castShadow && !withCasters) return false
      if (!worldSphere(c, kind, _part)) return false
      merge(out)
    } else if (!(c.isGroup === true || c.isLOD === true || c.isBone === true || c.type === 'Object3D')) {
      return false
    }
    if (c.children.length !== 0 && !mergeChildren(c, withCasters, out)) return false
  }
  return true
}

/** Grows `out` to hold `_part` too. */
function merge(out: Float64Array): void {
  const x = _part[0] as number, y = _part[1] as number, z = _part[2] as number
  const pr = _part[3] as number
  const r = pr < 0 ? 0 : pr // NaN stays NaN
  const n = out[4] as number
  out[4] = n + 1
  if (n === 0) {
    out[0] = x
    out[1] = y
    out[2] = z
    out[3] = r
    return
  }
  const cx = out[0] as number, cy = out[1] as number, cz = out[2] as number, cr = out[3] as number
  const dx = x - cx, dy = y - cy, dz = z - cz
  const d = Math.sqrt(dx * dx + dy * dy + dz * dz)
  if (d + r <= cr) return // inside already
  if (d + cr <= r) {
    // The part holds the union so far.
    out[0] = x
    out[1] = y
    out[2] = z
    out[3] = r
    return
  }
  // d > 0 here (or NaN, which then spreads to the result).
  const nr = (d + cr + r) * 0.5
  const t = (nr - cr) / d
  out[0] = cx + dx * t
  out[1] = cy + dy * t
  out[2] = cz + dz * t
  out[3] = nr
}
