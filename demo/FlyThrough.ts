import { CatmullRomCurve3, type PerspectiveCamera, Vector3 } from 'three'

const _ahead = /*@__PURE__*/ new Vector3()

/**
 * An automatic camera path over the city: a closed spline that dips between
 * the towers and climbs for overviews, so culling and LOD both have work.
 * `t` in [0, 1) is the position along the loop.
 */
export class FlyThrough {
  private readonly curve: CatmullRomCurve3
  /** Seconds for one loop. */
  readonly period: number

  constructor(
    private readonly center: number,
    radius: number,
    period = 60,
  ) {
    const r = Math.max(radius, 40)
    const points: Vector3[] = []
    const steps = 10
    for (let i = 0; i < steps; i++) {
      const a = (i / steps) * Math.PI * 2
      const wobble = i % 2 === 0 ? 0.5 : 0.75
      // Low passes between the towers, and climbs for an overview of the whole city.
      const height = i % 3 === 0 ? Math.min(r * 0.4, 220) + 40 : 30 + (i % 2) * 16
      points.push(new Vector3(center + Math.cos(a) * r * wobble, height, center + Math.sin(a) * r * wobble))
    }
    this.curve = new CatmullRomCurve3(points, true, 'catmullrom', 0.5)
    this.period = period
  }

  /**
   * Puts the camera at `t` along the loop, looking at the ground ahead in the
   * direction of travel (never up into the sky, whatever the path's slope).
   */
  apply(camera: PerspectiveCamera, t: number): void {
    const u = ((t % 1) + 1) % 1
    const position = camera.position
    this.curve.getPointAt(u, position)
    this.curve.getPointAt((u + 0.01) % 1, _ahead)
    _ahead.sub(position).setY(0)
    if (_ahead.lengthSq() < 1e-6) _ahead.set(1, 0, 0)
    _ahead.normalize().multiplyScalar(Math.max(40, position.y * 1.6)).add(position).setY(0)
    // Turn a third of the way toward the city's centre, so the view stays on the city.
    _ahead.x += (this.center - _ahead.x) / 3
    _ahead.z += (this.center - _ahead.z) / 3
    camera.lookAt(_ahead)
  }
}
