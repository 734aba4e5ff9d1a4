import { Matrix4, WebGLCoordinateSystem, WebGPUCoordinateSystem, type Camera } from 'three'

const _projScreen = /*@__PURE__*/ new Matrix4()

/** Corner `c` (0..7) is where x-plane `X[c]`, y-plane `Y[c]` and z-plane `Z[c]` of a three.js Frustum meet. */
const X = [0, 1, 0, 1, 0, 1, 0, 1] as const
const Y = [2, 2, 3, 3, 2, 2, 3, 3] as const
const Z = [4, 4, 4, 4, 5, 5, 5, 5] as const

/** Sub-frusta read from an `ArrayCamera` before the arrays grow (XR has two). */
const INITIAL_VIEWS = 2

/**
 * What one render sees: the frusta of a camera (one, or one per sub-camera of
 * an `ArrayCamera`, as three's `FrustumArray` does), as plain numbers.
 *
 * For every frustum it keeps the six planes exactly as
 * `Frustum.setFromProjectionMatrix` builds them for the renderer (same
 * matrices, coordinate system and depth mode, same arithmetic; computed here
 * because three's `Plane.normalize` boxes a number per call), the eight
 * corners, and each corner's *offset* `w = -M⁻¹·(1,1,1)`, where the rows of
 * `M` are the unit normals of the three planes meeting there: pushing every
 * plane out by `r` moves that corner to `corner + r·w`. Three's sphere test
 * accepts exactly the centers inside the planes pushed out by `r`: the convex
 * hull of those moved corners (pushing a frustum's planes out only grows its
 * faces, so it keeps its eight corners). That is what lets a guard frustum
 * vouch for three's test (see `GuardFrustum`).
 *
 * @internal Used by {@link FrustumCullingJob}; reading and writing it allocates nothing once warm.
 */
export class CameraView {
  /** Number of frusta (1, or the sub-camera count of an `ArrayCamera`). */
  count = 0
  /** 6 planes × (nx, ny, nz, d) per frustum, inside where `n·x + d ≥ 0`. */
  planes = new Float64Array(24 * INITIAL_VIEWS)
  /** 8 corners × (x, y, z) per frustum. */
  corners = new Float64Array(24 * INITIAL_VIEWS)
  /** 8 corner offsets × (x, y, z) per frustum (see the class comment). */
  offsets = new Float64Array(24 * INITIAL_VIEWS)
  /** World position of the camera (for an `ArrayCamera`, of the array camera itself). */
  readonly position = new Float64Array(3)
  /** Unit x, y, z axes of the camera's world rotation, column after column. */
  readonly basis = new Float64Array(9)
  /** Length of the longest corner offset (≥ 1). */
  maxOffset = 1
  /** Largest distance from `position` to a corner. */
  reach = 0
  /** False when a frustum is degenerate (non-finite corners): nothing may be hidden against it. */
  valid = false

  /**
   * Reads `camera` as the renderer would this frame (its `projectionMatrix`
   * and `matrixWorldInverse` as they are now; nothing is updated).
   *
   * @returns {@link CameraView.valid}.
   */
  setFromCamera(camera: Camera): boolean {
    const sub = (camera as { isArrayCamera?: boolean; cameras?: Camera[] }).isArrayCamera === true
      ? (camera as unknown as { cameras: Camera[] }).cameras
      : null
    const count = sub === null ? 1 : sub.length
    if (count * 24 > this.planes.length) {
      this.planes = new Float64Array(count * 24)
      this.corners = new Float64Array(count * 24)
      this.offsets = new Float64Array(count * 24)
    }
    this.count = count
    this.maxOffset = 1
    this.valid = count > 0
    for (let v = 0; v < count; v++) {
      const cam = sub === null ? camera : (sub[v] as Camera)
      _projScreen.multiplyMatrices(cam.projectionMatrix, cam.matrixWorldInverse)
      if (!this.readFrustum(v, _projScreen.elements, cam.coordinateSystem, cam.reversedDepth)) this.valid = false
    }

    const e = camera.matrixWorld.elements
    const p = this.position
    p[0] = e[12] as number
    p[1] = e[13] as number
    p[2] = e[14] as number
    const b = this.basis
    for (let c = 0; c < 3; c++) {
      const x = e[c * 4] as number
      const y = e[c * 4 + 1] as number
      const z = e[c * 4 + 2] as number
      const len = Math.sqrt(x * x + y * y + z * z)
      const inv = len > 0 ? 1 / len : 0
      b[c * 3] = x * inv
      b[c * 3 + 1] = y * inv
      b[c * 3 + 2] = z * inv
    }

    let reach = 0
    const corners = this.corners
    for (let i = 0, end = count * 24; i < end; i += 3) {
      const dx = (corners[i] as number) - (p[0] as number)
      const dy = (corners[i + 1] as number) - (p[1] as number)
      const dz = (corners[i + 2] as number) - (p[2] as number)
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz)
      if (d > reach) reach = d
    }
    this.reach = reach
    if (!Number.isFinite(reach)) this.valid = false
    return this.valid
  }

  /**
   * Writes the planes of projection-view matrix `me` into slot `v` as
   * `Frustum.setFromProjectionMatrix(m, coordinateSystem, reversedDepth)` does,
   * then derives its corners and their offsets.
   *
   * @returns false for an unknown coordinate system or a degenerate frustum.
   */
  private readFrustum(v: number, me: readonly number[], coordinateSystem: number, reversedDepth: boolean): boolean {
    const planes = this.planes
    const base = v * 24
    const me0 = me[0] as number, me1 = me[1] as number, me2 = me[2] as number, me3 = me[3] as number
    const me4 = me[4] as number, me5 = me[5] as number, me6 = me[6] as number, me7 = me[7] as number
    const me8 = me[8] as number, me9 = me[9] as number, me10 = me[10] as number, me11 = me[11] as number
    const me12 = me[12] as number, me13 = me[13] as number, me14 = me[14] as number, me15 = me[15] as number
    setPlane(planes, base, me3 - me0, me7 - me4, me11 - me8, me15 - me12)
    setPlane(planes, base + 4, me3 + me0, me7 + me4, me11 + me8, me15 + me12)
    setPlane(planes, base + 8, me3 + me1, me7 + me5, me11 + me9, me15 + me13)
    setPlane(planes, base + 12, me3 - me1, me7 - me5, me11 - me9, me15 - me13)
    if (reversedDepth) {
      setPlane(planes, base + 16, me2, me6, me10, me14) // far
      setPlane(planes, base + 20, me3 - me2, me7 - me6, me11 - me10, me15 - me14) // near
    } else {
      setPlane(planes, base + 16, me3 - me2, me7 - me6, me11 - me10, me15 - me14) // far
      if (coordinateSystem === WebGLCoordinateSystem) setPlane(planes, base + 20, me3 + me2, me7 + me6, me11 + me10, me15 + me14)
      else if (coordinateSystem === WebGPUCoordinateSystem) setPlane(planes, base + 20, me2, me6, me10, me14)
      else return false
    }
    const corners = this.corners
    const offsets = this.offsets
    let valid = true
    for (let c = 0; c < 8; c++) {
      const a = base + (X[c] as number) * 4
      const b = base + (Y[c] as number) * 4
      const d = base + (Z[c] as number) * 4
      const ax = planes[a] as number, ay = planes[a + 1] as number, az = planes[a + 2] as number, ad = planes[a + 3] as number
      const bx = planes[b] as number, by = planes[b + 1] as number, bz = planes[b + 2] as number, bd = planes[b + 3] as number
      const cx = planes[d] as number, cy = planes[d + 1] as number, cz = planes[d + 2] as number, cd = planes[d + 3] as number
      // b×c, c×a, a×b: the columns of M⁻¹·det.
      const bcx = by * cz - bz * cy, bcy = bz * cx - bx * cz, bcz = bx * cy - by * cx
      const cax = cy * az - cz * ay, cay = cz * ax - cx * az, caz = cx * ay - cy * ax
      const abx = ay * bz - az * by, aby = az * bx - ax * bz, abz = ax * by - ay * bx
      const det = ax * bcx + ay * bcy + az * bcz
      const o = base + c * 3
      if (!(Math.abs(det) > 1e-12)) {
        valid = false
        corners[o] = corners[o + 1] = corners[o + 2] = NaN
        continue
      }
      const inv = -1 / det
      corners[o] = (ad * bcx + bd * cax + cd * abx) * inv
      corners[o + 1] = (ad * bcy + bd * cay + cd * aby) * inv
      corners[o + 2] = (ad * bcz + bd * caz + cd * abz) * inv
      offsets[o] = (bcx + cax + abx) * inv
      offsets[o + 1] = (bcy + cay + aby) * inv
      offsets[o + 2] = (bcz + caz + abz) * inv
      const length = Math.sqrt((offsets[o] as number) ** 2 + (offsets[o + 1] as number) ** 2 + (offsets[o + 2] as number) ** 2)
      if (length > this.maxOffset) this.maxOffset = length
    }
    return valid
  }
}

/** `Plane.setComponents(x, y, z, w).normalize()`, into `planes[o..o+3]`. */
function setPlane(planes: Float64Array, o: number, x: number, y: number, z: number, w: number): void {
  const inverseNormalLength = 1.0 / Math.sqrt(x * x + y * y + z * z)
  planes[o] = x * inverseNormalLength
  planes[o + 1] = y * inverseNormalLength
  planes[o + 2] = z * inverseNormalLength
  planes[o + 3] = w * inverseNormalLength
}
