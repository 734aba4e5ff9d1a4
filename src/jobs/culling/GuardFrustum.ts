import type { CameraView } from './CameraView.js'

/** Widest outward tilt of a side plane, in radians: past this a guard hides little anyway. */
const MAX_TILT = Math.PI / 3
/** Tilt of the side planes per radian of rotation band: corners sit off the tilt axis (see build). */
const TILT_PER_ANGLE = 1.5
/** Translation band added to every guard, relative to the view's reach, so float noise never trips it. */
const MIN_BAND = 1e-6
/**
 * Turn (radians) of the frustum's planes the plane factors tolerate beyond the
 * rotation band: a zoom or aspect change then trips the guard only when it
 * widens the view past the guard, not when it narrows it.
 */
const PLANE_TOLERANCE = 0.05

/**
 * A widened frustum that hide decisions are made against, and the proof
 * obligation that keeps them valid.
 *
 * Built from a {@link CameraView} and a *band* (the camera may translate by up
 * to `translation` and rotate by up to `angle` about its position): every
 * plane is placed so that every corner of every frustum of the view, moved by
 * any such motion, stays inside. An object is hidden against it when its world
 * bounding sphere, of radius `r` grown by `pad`, lies outside one plane `q` by
 * more than `factors[q] · r + pad`.
 *
 * Why that is safe for a later camera: three's `Frustum.intersectsSphere`
 * accepts a center exactly when it lies inside the frustum's planes pushed out
 * by `r`, i.e. in the convex hull of the corners moved to `corner + r·offset`
 * (see `CameraView`). If every corner of the later frusta lies inside this
 * guard, a point of that hull lies at most `r · max(-n_q · offset)` beyond
 * plane `q`. So when the later view is inside the guard and its
 * `max(-n_q · offset)` does not exceed `factors[q]`, every sphere this guard
 * rejects is one three's own test rejects for that view.
 * {@link GuardFrustum.contains} checks exactly that, and is what the culling
 * job runs before every render. (`factors[q]` is about 1 for the guard's own
 * planes; it is kept ≥ 1, so a rejected sphere is always wholly outside.)
 *
 * @internal Used by {@link FrustumCullingJob}.
 */
export class GuardFrustum {
  /** 6 planes × (nx, ny, nz, d), inside where `n·x + d ≥ 0`. */
  readonly planes = new Float64Array(24)
  /** Per plane, multiplies a sphere's radius before the outside test (≥ 1). */
  readonly factors = new Float64Array(6).fill(1)
  /** The largest of {@link GuardFrustum.factors}. */
  maxFactor = 1
  /** Sweep that made decisions against this guard. */
  sweep = 0
  /** Slots `[start, end)` decided against it in that sweep. */
  start = 0
  /** End (exclusive) of the decided slots; grows while its slice runs. */
  end = 0
  /** Band for the next {@link GuardFrustum.build}: how far the camera may move, world units (≥ 0). */
  translation = 0
  /** Band for the next {@link GuardFrustum.build}: how far the camera may turn, radians (≥ 0). */
  angle = 0

  /**
   * Places the planes around `view` widened by the band
   * ({@link GuardFrustum.translation}, {@link GuardFrustum.angle}: fields
   * rather than arguments, for the reason given on {@link GuardFrustum.rejects}).
   *
   * @param view the camera now; must be {@link CameraView.valid}.
   */
  build(view: CameraView): void {
    const translation = this.translation
    const angle = this.angle
    const src = view.planes
    const dst = this.planes
    const corners = view.corners
    const cornerCount = view.count * 8
    const p = view.position
    const px = p[0] as number, py = p[1] as number, pz = p[2] as number
    // Forward: the near plane's inward normal of the first frustum.
    const fx = src[20] as number, fy = src[21] as number, fz = src[22] as number
    const tilt = Math.min(angle * TILT_PER_ANGLE, MAX_TILT)
    const cosTilt = Math.cos(tilt), sinTilt = Math.sin(tilt)
    const band = translation + MIN_BAND * view.reach
    for (let q = 0; q < 6; q++) {
      let nx = src[q * 4] as number, ny = src[q * 4 + 1] as number, nz = src[q * 4 + 2] as number
      if (q < 4 && tilt > 0) {
        // Turn the side plane's inward normal toward forward: the plane opens outward.
        const dot = nx * fx + ny * fy + nz * fz
        let ux = fx - dot * nx, uy = fy - dot * ny, uz = fz - dot * nz
        const len = Math.sqrt(ux * ux + uy * uy + uz * uz)
        if (len > 1e-9) {
          ux /= len
          uy /= len
          uz /= len
          nx = cosTilt * nx + sinTilt * ux
          ny = cosTilt * ny + sinTilt * uy
          nz = cosTilt * nz + sinTilt * uz
        }
      }
      // Support of the corners along the outward normal, for any rotation ≤ angle about p:
      // a corner at distance ρ and angle θ from -n reaches at most ρ·cos(max(θ - angle, 0)).
      let support = -Infinity
      for (let c = 0; c < cornerCount; c++) {
        const vx = (corners[c * 3] as number) - px
        const vy = (corners[c * 3 + 1] as number) - py
        const vz = (corners[c * 3 + 2] as number) - pz
        const rho = Math.sqrt(vx * vx + vy * vy + vz * vz)
        let reach: number
        if (rho === 0) {
          reach = 0
        } else if (angle > 0) {
          const cos = -(nx * vx + ny * vy + nz * vz) / rho
          const theta = Math.acos(cos > 1 ? 1 : cos < -1 ? -1 : cos)
          reach = theta > angle ? rho * Math.cos(theta - angle) : rho
        } else {
          reach = -(nx * vx + ny * vy + nz * vz)
        }
        if (reach > support) support = reach
      }
      const o = q * 4
      dst[o] = nx
      dst[o + 1] = ny
      dst[o + 2] = nz
      dst[o + 3] = -(nx * px + ny * py + nz * pz) + support + band
    }
    // Plane factors for the view, plus what a turn of up to `angle` can add
    // (each offset turns with the camera, by at most `angle`).
    const slack = view.maxOffset * (Math.min(angle, 2) + PLANE_TOLERANCE)
    let maxFactor = 1
    for (let q = 0; q < 6; q++) {
      const factor = Math.max(1, this.factorFor(q, view) + slack)
      this.factors[q] = factor
      if (factor > maxFactor) maxFactor = factor
    }
    this.maxFactor = maxFactor
  }

  /**
   * The hide test: true when the sphere `sphere[0..2]` (center), `sphere[3]`
   * (radius), grown by `sphere[4]` (pad), lies outside one plane `q` by more
   * than `factors[q] · radius + pad`. A negative radius counts as 0; NaN never
   * rejects. (Numbers come in a typed array: V8 boxes a double passed to a
   * call it does not inline, 16 bytes, and this runs once per object per
   * sweep. The culling modules pass numbers this way throughout: see
   * docs/culling.md, *Allocation and V8*.)
   */
  rejects(sphere: Float64Array): boolean {
    const p = this.planes
    const k = this.factors
    const x = sphere[0] as number, y = sphere[1] as number, z = sphere[2] as number
    const radius = sphere[3] as number
    const pad = sphere[4] as number
    const r = radius < 0 ? 0 : radius // NaN stays NaN: no comparison holds
    return (
      (p[0] as number) * x + (p[1] as number) * y + (p[2] as number) * z + (p[3] as number) < -((k[0] as number) * r + pad) ||
      (p[4] as number) * x + (p[5] as number) * y + (p[6] as number) * z + (p[7] as number) < -((k[1] as number) * r + pad) ||
      (p[8] as number) * x + (p[9] as number) * y + (p[10] as number) * z + (p[11] as number) < -((k[2] as number) * r + pad) ||
      (p[12] as number) * x + (p[13] as number) * y + (p[14] as number) * z + (p[15] as number) < -((k[3] as number) * r + pad) ||
      (p[16] as number) * x + (p[17] as number) * y + (p[18] as number) * z + (p[19] as number) < -((k[4] as number) * r + pad) ||
      (p[20] as number) * x + (p[21] as number) * y + (p[22] as number) * z + (p[23] as number) < -((k[5] as number) * r + pad)
    )
  }

  /**
   * True when every frustum of `view` lies inside this guard and its plane
   * factors do not exceed this guard's, i.e. every hide decision made against
   * this guard is still one three.js would make for `view`.
   */
  contains(view: CameraView): boolean {
    if (!view.valid) return false
    for (let q = 0; q < 6; q++) {
      if (!(this.factorFor(q, view) <= (this.factors[q] as number))) return false
    }
    const planes = this.planes
    const corners = view.corners
    for (let c = 0, end = view.count * 24; c < end; c += 3) {
      const x = corners[c] as number, y = corners[c + 1] as number, z = corners[c + 2] as number
      for (let o = 0; o < 24; o += 4) {
        // Written so that NaN fails.
        if (!((planes[o] as number) * x + (planes[o + 1] as number) * y + (planes[o + 2] as number) * z + (planes[o + 3] as number) >= 0)) return false
      }
    }
    return true
  }

  /** `max(-n_q · offset)` over the corners of `view`, for this guard's plane `q`. */
  private factorFor(q: number, view: CameraView): number {
    const p = this.planes
    const nx = p[q * 4] as number, ny = p[q * 4 + 1] as number, nz = p[q * 4 + 2] as number
    const offsets = view.offsets
    let factor = -Infinity
    for (let c = 0, end = view.count * 24; c < end; c += 3) {
      const f = -(nx * (offsets[c] as number) + ny * (offsets[c + 1] as number) + nz * (offsets[c + 2] as number))
      if (f > factor) factor = f
    }
    return factor
  }
}
