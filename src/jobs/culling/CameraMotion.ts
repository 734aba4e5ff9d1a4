import type { CameraView } from './CameraView.js'

/** Per frame, a peak estimate keeps this fraction of itself when motion slows down. */
const DECAY = 0.9
/** A jump past the guard this many times the estimate is a cut (teleport), not a speed. */
const CUT_RATIO = 4

/**
 * How fast the camera moves and turns, per frame: the peak of recent motion,
 * decaying by 10 % a frame once the camera slows. Fed one {@link CameraView}
 * per frame; the rotation is the exact angle between two camera orientations.
 * A cut (a jump that broke the guard and is far beyond the estimate) is not
 * learnt as speed, or one teleport would widen the band for seconds; a second
 * one in a row is (a camera starting to move fast from rest).
 *
 * @internal Used by {@link FrustumCullingJob} to size its guard band.
 */
export class CameraMotion {
  /** World units per frame. */
  speed = 0
  /** Radians per frame. */
  angularSpeed = 0
  private frame = -1
  private lastWasCut = false
  private readonly position = new Float64Array(3)
  private readonly basis = new Float64Array(9)

  /**
   * Records the camera seen at `frame`; a second sample in the same frame is ignored.
   *
   * @param broke whether this view broke the guard (the job then shows everything).
   */
  sample(view: CameraView, frame: number, broke: boolean): void {
    if (frame === this.frame) return
    const p = view.position
    const b = view.basis
    if (this.frame >= 0 && frame > this.frame) {
      const frames = frame - this.frame
      const q = this.position
      const dx = (p[0] as number) - (q[0] as number)
      const dy = (p[1] as number) - (q[1] as number)
      const dz = (p[2] as number) - (q[2] as number)
      const moved = Math.sqrt(dx * dx + dy * dy + dz * dz) / frames
      // Angle of R_now · R_beforeᵀ: trace = Σ column_now · column_before = 1 + 2 cos(angle).
      const c = this.basis
      let trace = 0
      for (let i = 0; i < 9; i++) trace += (b[i] as number) * (c[i] as number)
      const cos = (trace - 1) / 2
      const turned = Math.acos(cos > 1 ? 1 : cos < -1 ? -1 : cos) / frames
      const cut = broke && !this.lastWasCut && (moved > CUT_RATIO * this.speed || turned > CUT_RATIO * this.angularSpeed)
      this.lastWasCut = cut
      if (!cut) {
        const keep = DECAY ** frames
        this.speed = Math.max(moved, this.speed * keep)
        this.angularSpeed = Math.max(turned, this.angularSpeed * keep)
      }
      if (!Number.isFinite(this.speed)) this.speed = 0
      if (!Number.isFinite(this.angularSpeed)) this.angularSpeed = 0
    }
    this.frame = frame
    this.position.set(p)
    this.basis.set(b)
  }

  /** Forgets the history (after a camera switch). */
  reset(): void {
    this.frame = -1
    this.lastWasCut = false
    this.speed = 0
    this.angularSpeed = 0
  }
}
