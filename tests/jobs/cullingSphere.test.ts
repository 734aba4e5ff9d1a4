/**
 * The full visit of the culling job computes an object's world sphere with
 * `worldSphere`'s arithmetic written out inline (the call costs about a fifth
 * of a visit). Here the two run side by side on random world matrices
 * (affine, projective, degenerate) and random bounds (geometries, custom and
 * empty bounding spheres, sprites, instanced meshes): the sphere the visit
 * stores must be `worldSphere`'s to the bit.
 *
 * Mutations of the inlined copy it caught when written: the center's
 * perspective divide as `/ (1 / w)` instead of `* w` (one ulp off on a
 * projective matrix), and one axis's squared scale off by 1e-7.
 */
import fc from 'fast-check'
import {
  BoxGeometry,
  BufferGeometry,
  InstancedMesh,
  Line,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  Points,
  Quaternion,
  Sphere,
  SphereGeometry,
  Sprite,
  Vector3,
  type Object3D,
} from 'three'
import { describe, expect, it } from 'vitest'
import { CellUnits } from '../../src/jobs/culling/CellUnits.js'
import { ChangeStamps } from '../../src/jobs/culling/ChangeStamps.js'
import { CullingCells } from '../../src/jobs/culling/CullingCells.js'
import { CullKind, cullKind, type Cullable } from '../../src/jobs/culling/CullKind.js'
import { FrustumCullingStats } from '../../src/jobs/culling/FrustumCullingStats.js'
import { SlotDecisions } from '../../src/jobs/culling/SlotDecisions.js'
import { SlotStore } from '../../src/jobs/culling/SlotStore.js'
import { SweepPacer } from '../../src/jobs/culling/SweepPacer.js'
import { worldSphere } from '../../src/jobs/culling/worldSphere.js'

const material = new MeshBasicMaterial()

/** The culling job's per-slot parts, wired as the job wires them, without a matrix job. */
function parts(): { slots: SlotStore; decisions: SlotDecisions } {
  const stats = new FrustumCullingStats()
  const cells = new CullingCells()
  const slots = new SlotStore(cells, new CellUnits())
  const pacer = new SweepPacer(stats, 1, 8, 0.5)
  const stamps = new ChangeStamps(null, null, 8, slots, cells, pacer, () => {}, () => {})
  return { slots, decisions: new SlotDecisions(slots, cells, stamps, pacer, stats, true, true) }
}

const coordinate = fc.double({ min: -1e4, max: 1e4, noNaN: true })
const vec3 = fc.tuple(coordinate, coordinate, coordinate)

/** World matrices: compose(position, rotation, scale) with odd scales, or any 16 numbers (perspective rows, w = 0, zeros). */
const matrixArb = fc.oneof(
  fc
    .record({
      position: vec3,
      axis: vec3,
      angle: fc.double({ min: -7, max: 7, noNaN: true }),
      scale: fc.tuple(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true })),
    })
    .map(({ position, axis, angle, scale }) => {
      const a = new Vector3(...axis)
      const q = a.lengthSq() > 0 ? new Quaternion().setFromAxisAngle(a.normalize(), angle) : new Quaternion()
      return new Matrix4().compose(new Vector3(...position), q, new Vector3(...scale)).elements.slice()
    }),
  fc.array(fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constant(0), fc.constant(1)), { minLength: 16, maxLength: 16 }),
)

/** An object three culls with its own bounds, of every kind the visit computes inline (not a LOD). */
const objectArb = fc.oneof(
  fc.record({ w: fc.double({ min: 0.01, max: 50, noNaN: true }), h: fc.double({ min: 0, max: 50, noNaN: true }), d: fc.double({ min: 0, max: 50, noNaN: true }) }).map(({ w, h, d }) => (): Object3D => new Mesh(new BoxGeometry(w, h, d), material)),
  fc.double({ min: 0.01, max: 80, noNaN: true }).map((r) => (): Object3D => new Points(new SphereGeometry(r, 5, 4), material)),
  fc.record({ center: vec3, radius: fc.oneof(fc.double({ min: 0, max: 1e3, noNaN: true }), fc.constant(-1)) }).map(({ center, radius }) => (): Object3D => {
    // Custom bounds set by the app (or an empty geometry's radius of -1).
    const geometry = new BufferGeometry()
    geometry.boundingSphere = new Sphere(new Vector3(...center), radius)
    return new Line(geometry, material)
  }),
  fc.constant((): Object3D => new Mesh(new BufferGeometry(), material)), // no position: computed as an empty sphere
  fc.tuple(fc.double({ min: -2, max: 3, noNaN: true }), fc.double({ min: -2, max: 3, noNaN: true })).map(([x, y]) => (): Object3D => {
    const sprite = new Sprite()
    sprite.center.set(x, y)
    return sprite
  }),
  fc.array(vec3, { minLength: 1, maxLength: 4 }).map((positions) => (): Object3D => {
    const mesh = new InstancedMesh(new BoxGeometry(2, 1, 3), material, positions.length)
    positions.forEach((p, k) => mesh.setMatrixAt(k, new Matrix4().makeTranslation(...p)))
    return mesh
  }),
)

describe('the culling job\'s inlined world sphere', () => {
  it('is worldSphere\'s, bit for bit, on random world matrices and bounds', () => {
    const out = new Float64Array(4)
    let kinds = 0
    fc.assert(
      fc.property(objectArb, matrixArb, fc.boolean(), (make, elements, precomputed) => {
        const o = make() as Cullable
        o.matrixWorld.fromArray(elements)
        const kind = cullKind(o)
        expect(kind === CullKind.Geometry || kind === CullKind.Object || kind === CullKind.Sprite).toBe(true)
        kinds |= 1 << kind
        // Bounds computed by worldSphere first, or left for the visit to compute.
        if (precomputed) worldSphere(o, kind, out)
        const { slots, decisions } = parts()
        const i = slots.add(o, kind)
        decisions.visit(i, 1)
        expect(worldSphere(o, kind, out)).toBe(true)
        const stored = slots.spheres.slice(i * 4, i * 4 + 4)
        for (let k = 0; k < 4; k++) {
          if (!Object.is(stored[k], out[k])) {
            expect.fail(`component ${k}: visit stored ${stored[k]}, worldSphere gives ${out[k]} (kind ${kind}, matrix ${elements.join(', ')})`)
          }
        }
      }),
      { numRuns: 400 },
    )
    // Every kind the visit inlines was drawn.
    expect(kinds).toBe((1 << CullKind.Geometry) | (1 << CullKind.Object) | (1 << CullKind.Sprite))
  })
})
