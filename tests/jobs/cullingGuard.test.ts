import {
  ArrayCamera,
  Frustum,
  Matrix4,
  OrthographicCamera,
  PerspectiveCamera,
  Quaternion,
  Sphere,
  Vector3,
  WebGLCoordinateSystem,
  WebGPUCoordinateSystem,
  type Camera,
} from 'three'
import { describe, expect, it } from 'vitest'
import { CameraView } from '../../src/jobs/culling/CameraView.js'
import { GuardFrustum } from '../../src/jobs/culling/GuardFrustum.js'
import { rng } from './cullingWorld.js'

const _m = new Matrix4()

function threeFrustum(camera: Camera): Frustum {
  _m.multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse)
  return new Frustum().setFromProjectionMatrix(_m, camera.coordinateSystem, camera.reversedDepth)
}

function randomCamera(random: () => number): PerspectiveCamera {
  const camera = new PerspectiveCamera(15 + random() * 100, 0.4 + random() * 2.5, 0.05 + random(), 30 + random() * 300)
  camera.position.set((random() - 0.5) * 200, (random() - 0.5) * 50, (random() - 0.5) * 200)
  camera.rotation.set(random() * 6.3, random() * 6.3, random() * 6.3)
  camera.updateMatrixWorld()
  return camera
}

/** The camera moved by at most `translation` and turned by at most `angle` about its own position. */
function moved(camera: PerspectiveCamera, translation: number, angle: number, random: () => number): PerspectiveCamera {
  const next = camera.clone()
  const axis = new Vector3(random() - 0.5, random() - 0.5, random() - 0.5).normalize()
  next.quaternion.premultiply(new Quaternion().setFromAxisAngle(axis, angle * random()))
  const step = new Vector3(random() - 0.5, random() - 0.5, random() - 0.5).normalize()
  next.position.addScaledVector(step, translation * random())
  next.updateMatrixWorld()
  return next
}

describe('CameraView', () => {
  it('builds the planes three builds, bit for bit, in every coordinate system and depth mode', () => {
    const random = rng(11)
    const view = new CameraView()
    for (let n = 0; n < 50; n++) {
      const camera: Camera = n % 5 === 4 ? new OrthographicCamera(-10, 30, 5, -8, 0.5, 90) : randomCamera(random)
      camera.position.set(random() * 10, random() * 10, random() * 10)
      camera.updateMatrixWorld()
      camera.coordinateSystem = n % 2 === 0 ? WebGLCoordinateSystem : WebGPUCoordinateSystem
      ;(camera as PerspectiveCamera).updateProjectionMatrix()
      expect(view.setFromCamera(camera)).toBe(true)
      const planes = threeFrustum(camera).planes
      for (let q = 0; q < 6; q++) {
        const plane = planes[q]
        expect([view.planes[q * 4], view.planes[q * 4 + 1], view.planes[q * 4 + 2], view.planes[q * 4 + 3]]).toEqual([
          plane?.normal.x,
          plane?.normal.y,
          plane?.normal.z,
          plane?.constant,
        ])
      }
      // Every corner lies on three planes and inside the other three.
      for (let c = 0; c < 8; c++) {
        const x = view.corners[c * 3] as number, y = view.corners[c * 3 + 1] as number, z = view.corners[c * 3 + 2] as number
        let on = 0
        for (const plane of planes) {
          const d = plane.normal.x * x + plane.normal.y * y + plane.normal.z * z + plane.constant
          expect(d).toBeGreaterThan(-1e-6 * (1 + view.reach))
          if (Math.abs(d) < 1e-6 * (1 + view.reach)) on++
        }
        expect(on).toBe(3)
      }
      // Pushing every plane out by r moves each corner to corner + r · offset.
      for (let c = 0; c < 8; c++) {
        const x = (view.corners[c * 3] as number) + 2 * (view.offsets[c * 3] as number)
        const y = (view.corners[c * 3 + 1] as number) + 2 * (view.offsets[c * 3 + 1] as number)
        const z = (view.corners[c * 3 + 2] as number) + 2 * (view.offsets[c * 3 + 2] as number)
        let on = 0
        for (const plane of planes) {
          const d = plane.normal.x * x + plane.normal.y * y + plane.normal.z * z + plane.constant
          expect(d).toBeGreaterThan(-2 - 1e-6 * (1 + view.reach))
          if (Math.abs(d + 2) < 1e-6 * (1 + view.reach)) on++
        }
        expect(on).toBe(3)
      }
      expect(view.maxOffset).toBeGreaterThanOrEqual(1)
    }
  })

  it('reads every sub-camera of an ArrayCamera, and flags a degenerate projection', () => {
    const left = new PerspectiveCamera(50, 1, 0.1, 100)
    const right = new PerspectiveCamera(50, 1, 0.1, 100)
    left.position.x = -0.03
    right.position.x = 0.03
    const rig = new ArrayCamera([left, right])
    rig.add(left, right)
    rig.updateMatrixWorld(true)
    const view = new CameraView()
    expect(view.setFromCamera(rig)).toBe(true)
    expect(view.count).toBe(2)
    expect(view.corners[24]).toBeCloseTo((view.corners[0] as number) + 0.06, 9)
    left.projectionMatrix.elements.fill(NaN)
    expect(view.setFromCamera(rig)).toBe(false)
  })
})

/** Whether every corner of `view` is inside every plane of `guard` (its containment test without the plane factors). */
function cornersInside(guard: GuardFrustum, view: CameraView): boolean {
  const p = guard.planes
  for (let c = 0; c < view.count * 24; c += 3) {
    for (let o = 0; o < 24; o += 4) {
      const d = (p[o] as number) * (view.corners[c] as number) + (p[o + 1] as number) * (view.corners[c + 1] as number) + (p[o + 2] as number) * (view.corners[c + 2] as number) + (p[o + 3] as number)
      if (!(d >= 0)) return false
    }
  }
  return true
}

describe('GuardFrustum', () => {
  it('contains the view it was built from, and every view the band allows (any rigid motion within it)', () => {
    const random = rng(5)
    const view = new CameraView()
    const later = new CameraView()
    const guard = new GuardFrustum()
    for (let n = 0; n < 300; n++) {
      const camera = randomCamera(random)
      view.setFromCamera(camera)
      guard.translation = n % 3 === 0 ? 0 : random() * 10
      guard.angle = n % 4 === 0 ? 0 : random() * 0.3
      guard.build(view)
      expect(guard.contains(view)).toBe(true)
      for (let k = 0; k < 10; k++) {
        later.setFromCamera(moved(camera, guard.translation, guard.angle, random))
        expect(guard.contains(later)).toBe(true)
      }
    }
  })

  it('does not contain a view past the band, nor a wider field of view', () => {
    const camera = new PerspectiveCamera(60, 1.5, 0.1, 100)
    camera.updateMatrixWorld()
    const view = new CameraView()
    view.setFromCamera(camera)
    const guard = new GuardFrustum()
    guard.translation = 1
    guard.angle = 0.05
    guard.build(view)
    const later = new CameraView()
    const far = camera.clone()
    far.position.x = 5
    far.updateMatrixWorld()
    expect(later.setFromCamera(far) && guard.contains(later)).toBe(false)
    const turned = camera.clone()
    turned.rotation.y = 0.3
    turned.updateMatrixWorld()
    expect(later.setFromCamera(turned) && guard.contains(later)).toBe(false)
    const wide = camera.clone()
    wide.fov = 90
    wide.updateProjectionMatrix()
    expect(later.setFromCamera(wide) && guard.contains(later)).toBe(false)
  })

  it('never rejects a sphere three accepts for a view it contains, however that view was reached', () => {
    const random = rng(3)
    const view = new CameraView()
    const later = new CameraView()
    const guard = new GuardFrustum()
    const sphere = new Sphere()
    let contained = 0
    let cornersInsideOnly = 0
    let rejected = 0
    for (let n = 0; n < 3000; n++) {
      const camera = randomCamera(random)
      view.setFromCamera(camera)
      guard.translation = random() * 3
      guard.angle = random() * 0.3
      guard.build(view)
      // Any later camera: moved and turned past the band, zoomed, other near and far.
      const next = moved(camera, guard.translation * 4, guard.angle * 4 + 0.3 * random(), random)
      if (n % 2 === 1) {
        next.fov *= 0.1 + 1.2 * random()
        next.aspect *= 0.3 + 1.5 * random()
        next.near *= 0.5 + 2 * random()
        next.far *= 0.2 + random()
        next.updateProjectionMatrix()
      }
      if (!later.setFromCamera(next)) continue
      if (!guard.contains(later)) {
        if (cornersInside(guard, later)) cornersInsideOnly++ // the plane factors refused it
        continue
      }
      contained++
      const frustum = threeFrustum(next)
      for (let k = 0; k < 200; k++) {
        // Spheres around the corners, along the corners' offsets: where three's test is loosest.
        const c = Math.floor(random() * 8) * 3
        const r = random() * 50
        const along = r * 1.2 * random()
        sphere.center.set(
          (later.corners[c] as number) + (later.offsets[c] as number) * along + (random() - 0.5) * 0.3 * r,
          (later.corners[c + 1] as number) + (later.offsets[c + 1] as number) * along + (random() - 0.5) * 0.3 * r,
          (later.corners[c + 2] as number) + (later.offsets[c + 2] as number) * along + (random() - 0.5) * 0.3 * r,
        )
        sphere.radius = r
        if (guard.rejects(Float64Array.of(sphere.center.x, sphere.center.y, sphere.center.z, r, 0))) {
          expect(frustum.intersectsSphere(sphere)).toBe(false)
          rejected++
        }
      }
    }
    expect(contained).toBeGreaterThan(300)
    expect(cornersInsideOnly).toBeGreaterThan(50)
    expect(rejected).toBeGreaterThan(300)
  })

  it('grows the sphere by the pad, counts a negative radius as 0, and never rejects NaN', () => {
    const camera = new PerspectiveCamera(60, 1, 1, 100)
    camera.updateMatrixWorld()
    const view = new CameraView()
    view.setFromCamera(camera)
    const guard = new GuardFrustum()
    guard.build(view)
    const rejects = (x: number, y: number, z: number, r: number, pad: number): boolean => guard.rejects(Float64Array.of(x, y, z, r, pad))
    // Behind the camera by 10: rejected by the near plane unless grown past it.
    expect(rejects(0, 0, 9, 1, 0)).toBe(true)
    expect(rejects(0, 0, 9, 1, 20)).toBe(false)
    expect(rejects(0, 0, 9, -1, 0)).toBe(true)
    expect(rejects(0, 0, -50, 1, 0)).toBe(false)
    expect(rejects(NaN, 0, 9, 1, 0)).toBe(false)
    expect(rejects(0, 0, 9, NaN, 0)).toBe(false)
  })
})
