import fc from 'fast-check'
import {
  ArrayCamera,
  BoxGeometry,
  BufferGeometry,
  Frustum,
  Group,
  InstancedMesh,
  LOD,
  Line,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  Object3D,
  OrthographicCamera,
  PerspectiveCamera,
  PointLight,
  Points,
  Quaternion,
  SphereGeometry,
  Sphere,
  Sprite,
  SpriteMaterial,
  Vector3,
  WebGLCoordinateSystem,
  WebGPUCoordinateSystem,
  type Camera,
} from 'three'
import { describe, expect, it } from 'vitest'
import { CameraView } from '../../src/jobs/culling/CameraView.js'
import { CullKind, cullKind } from '../../src/jobs/culling/CullKind.js'
import { GuardFrustum } from '../../src/jobs/culling/GuardFrustum.js'
import { subtreeSphere } from '../../src/jobs/culling/subtreeSphere.js'
import { worldSphere } from '../../src/jobs/culling/worldSphere.js'
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

/** The world sphere three's Frustum.intersectsObject / intersectsSprite tests for `o`, by three's own code. */
function threeSphere(o: Object3D): Sphere {
  if ((o as Sprite).isSprite === true) {
    const sphere = new Sphere(new Vector3(), 0.7071067811865476 + new Vector3(0.5, 0.5, 0).distanceTo(new Vector3((o as Sprite).center.x, (o as Sprite).center.y, 0)))
    return sphere.applyMatrix4(o.matrixWorld)
  }
  const withSphere = o as InstancedMesh
  if (withSphere.boundingSphere !== undefined) {
    if (withSphere.boundingSphere === null) withSphere.computeBoundingSphere()
    return (withSphere.boundingSphere as Sphere).clone().applyMatrix4(o.matrixWorld)
  }
  const geometry = (o as Mesh).geometry
  if (geometry.boundingSphere === null) geometry.computeBoundingSphere()
  return (geometry.boundingSphere as Sphere).clone().applyMatrix4(o.matrixWorld)
}

const material = new MeshBasicMaterial()
const shapes = [new BoxGeometry(1, 2, 3), new SphereGeometry(0.7, 6, 4), new BoxGeometry(10, 0.2, 0.2).translate(4, 1, -2)]

/** A renderable of kind `k` (0 mesh, 1 line, 2 points, 3 sprite, 4 instanced mesh). */
function renderable(k: number, random: () => number): Object3D {
  const shape = shapes[Math.floor(random() * shapes.length)] as BufferGeometry
  switch (k) {
    case 1:
      return new Line(shape, undefined)
    case 2:
      return new Points(shape, undefined)
    case 3: {
      const sprite = new Sprite(new SpriteMaterial())
      sprite.center.set(random(), random())
      return sprite
    }
    case 4: {
      const inst = new InstancedMesh(shape, material, 3)
      const m = new Matrix4()
      for (let i = 0; i < 3; i++) inst.setMatrixAt(i, m.makeTranslation(random() * 20 - 10, random() * 4, random() * 20 - 10))
      return inst
    }
    default:
      return new Mesh(shape, material)
  }
}

function place(o: Object3D, random: () => number, reach: number): void {
  o.position.set((random() * 2 - 1) * reach, (random() * 2 - 1) * reach, (random() * 2 - 1) * reach)
  o.rotation.set(random() * 6, random() * 6, random() * 6)
  if (random() < 0.5) o.scale.setScalar(0.1 + random() * 4)
  else o.scale.set(0.1 + random() * 4, 0.1 + random() * 4, 0.1 + random() * 4)
}

describe('worldSphere', () => {
  it('is bit for bit the sphere three tests, for every kind', () => {
    const random = rng(21)
    const out = new Float64Array(4)
    for (let n = 0; n < 500; n++) {
      const parent = new Group()
      place(parent, random, 1e4 * random())
      const o = renderable(n % 5, random)
      place(o, random, 50)
      parent.add(o)
      parent.updateMatrixWorld(true)
      const kind = cullKind(o)
      expect(kind).toBe(n % 5 === 3 ? CullKind.Sprite : n % 5 === 4 ? CullKind.Object : CullKind.Geometry)
      expect(worldSphere(o, kind, out)).toBe(true)
      const sphere = threeSphere(o)
      expect([out[0], out[1], out[2], out[3]]).toEqual([sphere.center.x, sphere.center.y, sphere.center.z, sphere.radius])
    }
  })

  it('reports no bounds when a renderable has none', () => {
    const o = new InstancedMesh(new BoxGeometry(), material, 1)
    o.computeBoundingSphere = () => {} // a subclass that never computes it
    expect(worldSphere(o, CullKind.Object, new Float64Array(4))).toBe(false)
  })
})

/** A random LOD subtree: levels are renderables, or groups nesting groups and renderables (depth ≤ 3). */
interface Spec {
  kind: number
  children: Spec[]
}
const kindArb = fc.integer({ min: -1, max: 4 }) // -1: a Group
const nodeOf = (children: fc.Arbitrary<Spec>): fc.Arbitrary<Spec> => fc.record({ kind: kindArb, children: fc.array(children, { maxLength: 3 }) })
const specArb: fc.Arbitrary<Spec> = nodeOf(nodeOf(nodeOf(fc.record({ kind: kindArb, children: fc.constant([]) }))))

function build(spec: Spec, random: () => number, reach: number): Object3D {
  const o = spec.kind < 0 ? new Group() : renderable(spec.kind, random)
  place(o, random, reach)
  for (const child of spec.children) o.add(build(child, random, reach / 2))
  return o
}

describe('subtreeSphere', () => {
  it('contains the world sphere three tests for every renderable below a LOD, at any depth (property)', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 100, 1e5),
        (levels, seed, far) => {
          const random = rng(seed)
          const lod = new LOD()
          for (const level of levels) lod.addLevel(build(level, random, 20), random() * 100, random() * 0.3)
          place(lod, random, far)
          const root = new Group()
          place(root, random, far)
          root.add(lod)
          root.updateMatrixWorld(true)
          const parts: Sphere[] = []
          lod.traverse((o) => {
            if (o !== lod && cullKind(o) >= 0 && cullKind(o) !== CullKind.LOD) parts.push(threeSphere(o))
          })
          const out = new Float64Array(5)
          const fit = subtreeSphere(lod, false, out)
          expect(fit).toBe(parts.length > 0)
          if (!fit) return
          expect(out[4]).toBe(parts.length)
          const [x, y, z, r] = [out[0] as number, out[1] as number, out[2] as number, out[3] as number]
          let diameter = 0
          for (const part of parts) {
            const d = Math.hypot(part.center.x - x, part.center.y - y, part.center.z - z)
            expect(d + Math.max(part.radius, 0)).toBeLessThanOrEqual(r)
            for (const other of parts) diameter = Math.max(diameter, part.center.distanceTo(other.center) + part.radius + other.radius)
          }
          // Not the smallest sphere, but never wider than the parts' own extent.
          expect(r).toBeLessThanOrEqual(diameter * (1 + 1e-6))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('refuses a subtree with a light, an untested or custom-bounded renderable, or (unless asked) a shadow caster', () => {
    const out = new Float64Array(5)
    const lodWith = (extra: (level: Mesh) => void): LOD => {
      const lod = new LOD()
      const level = new Mesh(new BoxGeometry(), material)
      const inner = new Group()
      inner.add(level)
      lod.addLevel(new Mesh(new BoxGeometry(), material))
      lod.addLevel(inner, 20)
      extra(level)
      lod.updateMatrixWorld(true)
      return lod
    }
    expect(subtreeSphere(lodWith(() => {}), false, out)).toBe(true)
    expect(subtreeSphere(lodWith((level) => level.add(new PointLight())), false, out)).toBe(false)
    expect(subtreeSphere(lodWith((level) => level.add(new PerspectiveCamera())), false, out)).toBe(false)
    expect(subtreeSphere(lodWith((level) => (level.frustumCulled = false)), false, out)).toBe(false)
    expect(
      subtreeSphere(
        lodWith((level) => {
          level.intersectsFrustum = () => true
        }),
        false,
        out,
      ),
    ).toBe(false)
    expect(subtreeSphere(lodWith((level) => (level.castShadow = true)), false, out)).toBe(false)
    expect(subtreeSphere(lodWith((level) => (level.castShadow = true)), true, out)).toBe(true)
    expect(subtreeSphere(lodWith((level) => level.add(new Object3D(), new LOD())), false, out)).toBe(true) // plain containers
    expect(subtreeSphere(new LOD(), false, out)).toBe(false) // nothing to bound
  })

  it('lets a non-finite part make the union non-finite (the job then hides nothing)', () => {
    const lod = new LOD()
    const level = new Mesh(new BoxGeometry(), material)
    lod.addLevel(new Mesh(new BoxGeometry(), material))
    lod.addLevel(level, 10)
    lod.updateMatrixWorld(true)
    level.matrixWorld.elements[12] = NaN
    const out = new Float64Array(5)
    expect(subtreeSphere(lod, false, out)).toBe(true)
    expect(Number.isFinite((out[0] as number) + (out[3] as number))).toBe(false)
  })
})
