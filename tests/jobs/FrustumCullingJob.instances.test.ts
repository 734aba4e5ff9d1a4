/**
 * FrustumCullingJob on the app's own BatchedMeshes: per-instance culling on
 * top of the whole-mesh slot. Every instance three would draw (the mesh
 * drawn by three's own test, the app showing the instance, its world sphere
 * in the exact view frustum) is drawn; what the app hid stays hidden; the
 * app's view of `getVisibleAt` is its own; everything is given back exactly.
 */
import fc from 'fast-check'
import {
  BatchedMesh,
  BoxGeometry,
  Frustum,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  PerspectiveCamera,
  Quaternion,
  Raycaster,
  Scene,
  Sphere,
  SphereGeometry,
  Vector3,
  type Intersection,
} from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { FrustumCullingJob } from '../../src/jobs/FrustumCullingJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { StaticBatchingJob } from '../../src/jobs/StaticBatchingJob.js'
import { mulberry32 } from '../utils/mulberry32.js'

const material = new MeshBasicMaterial()
const geometries = [new BoxGeometry(1, 1, 1), new BoxGeometry(4, 0.5, 2), new SphereGeometry(1.5, 8, 6)]
const proto = BatchedMesh.prototype
const _m = new Matrix4()
const _sphere = new Sphere()
const _frustum = new Frustum()
const _q = new Quaternion()
const _v = new Vector3()
const _s = new Vector3()

/** A matrix placing an instance at random within ±spread (y within ±height). */
function place(random: () => number, spread: number, height: number, out: Matrix4): Matrix4 {
  _v.set((random() * 2 - 1) * spread, (random() * 2 - 1) * height, (random() * 2 - 1) * spread)
  _q.setFromAxisAngle(_s.set(random(), random(), random()).normalize(), random() * 6)
  return out.compose(_v, _q, _s.setScalar(0.5 + random() * 2))
}

/** An app BatchedMesh of `count` instances of a few geometries spread around the origin. */
function makeBatched(random: () => number, count: number, spread: number, height = 20): BatchedMesh {
  const mesh = new BatchedMesh(count + 8, 2000, 6000, material)
  const ids = geometries.map((g) => mesh.addGeometry(g))
  for (let k = 0; k < count; k++) {
    const id = mesh.addInstance(ids[Math.floor(random() * ids.length)] as number)
    mesh.setMatrixAt(id, place(random, spread, height, _m))
  }
  mesh.computeBoundingSphere()
  // Room for the app's moves: three's own whole-mesh test uses this sphere too.
  ;(mesh.boundingSphere as Sphere).radius += 20
  return mesh
}

/** Active instance ids of `mesh`. */
function ids(mesh: BatchedMesh): number[] {
  const out: number[] = []
  const info = (mesh as unknown as { _instanceInfo: { active: boolean }[] })._instanceInfo
  for (let id = 0; id < info.length; id++) if ((info[id] as { active: boolean }).active) out.push(id)
  return out
}

/** Whether three draws instance `id` (its own flag, as the renderer reads it). */
const drawn = (mesh: BatchedMesh, id: number): boolean => proto.getVisibleAt.call(mesh, id)

/** The world sphere of instance `id`, as three computes it. */
function worldSphere(mesh: BatchedMesh, id: number, out: Sphere): Sphere {
  proto.getBoundingSphereAt.call(mesh, proto.getGeometryIdAt.call(mesh, id), out)
  return out.applyMatrix4(proto.getMatrixAt.call(mesh, id, _m)).applyMatrix4(mesh.matrixWorld)
}

interface Check {
  falseNegatives: number
  appHiddenShown: number
  /** App-visible instances out of view. */
  outside: number
  /** Of those, not drawn. */
  hiddenOutside: number
}

/** What `renderer.render` does up to its culling, then the check of every instance of `meshes`. */
function render(scene: Scene, camera: PerspectiveCamera, meshes: readonly BatchedMesh[], appHidden: readonly Set<number>[]): Check {
  scene.updateMatrixWorld()
  camera.updateMatrixWorld()
  ;(scene.onBeforeRender as unknown as (...args: unknown[]) => void)({}, scene, camera, null, null, null)
  _frustum.setFromProjectionMatrix(_m.multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse), camera.coordinateSystem)
  const check: Check = { falseNegatives: 0, appHiddenShown: 0, outside: 0, hiddenOutside: 0 }
  meshes.forEach((mesh, k) => {
    const meshDrawn = mesh.visible && _frustum.intersectsObject(mesh)
    for (const id of ids(mesh)) {
      if ((appHidden[k] as Set<number>).has(id)) {
        if (drawn(mesh, id)) check.appHiddenShown++
        continue
      }
      const inView = _frustum.intersectsSphere(worldSphere(mesh, id, _sphere))
      if (inView && meshDrawn && !drawn(mesh, id)) check.falseNegatives++
      if (!inView) {
        check.outside++
        if (!drawn(mesh, id)) check.hiddenOutside++
      }
    }
  })
  return check
}

/** The job's inner state a test reads. */
interface Internals {
  instances: { open: boolean }
  ring: { last(): { end: number } | null }
  pacer: { cursor: number }
}

interface Setup {
  scene: Scene
  camera: PerspectiveCamera
  manual: ManualClock
  scheduler: BatchScheduler
}

function setup(budgetMs = 1): Setup {
  const scene = new Scene()
  const camera = new PerspectiveCamera(60, 16 / 9, 0.1, 150)
  const manual = new ManualClock()
  const scheduler = new BatchScheduler({ budgetMs, clock: manual })
  return { scene, camera, manual, scheduler }
}

/** Runs frames until the job has hidden instances (at most 40). */
function settle(s: Setup, culling: FrustumCullingJob): void {
  for (let f = 0; f < 40 && culling.stats.hiddenInstances === 0; f++) {
    s.scheduler.runFrame()
    render(s.scene, s.camera, [], [])
  }
}

describe('FrustumCullingJob: app BatchedMesh instances', () => {
  it('never hides an instance three would draw, never shows one the app hid, and hides out-of-view ones (property)', () => {
    let hiddenTotal = 0
    let outsideTotal = 0
    let resumed = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          counts: fc.array(fc.integer({ min: 50, max: 500 }), { minLength: 1, maxLength: 3 }),
          frames: fc.integer({ min: 20, max: 60 }),
          turn: fc.double({ min: 0, max: 0.06, noNaN: true }),
          fly: fc.double({ min: 0, max: 1.5, noNaN: true }),
          movers: fc.integer({ min: 0, max: 10 }),
          toggles: fc.integer({ min: 0, max: 5 }),
          cost: fc.constantFrom(0, 0.002, 0.01),
          /** Chance per frame of a sudden extra turn (leaves the oldest guards first). */
          kicks: fc.constantFrom(0, 0.1, 0.3),
          withMatrices: fc.boolean(),
          meshTurns: fc.boolean(),
        }),
        (r) => {
          const random = mulberry32(r.seed)
          const s = setup()
          const meshes = r.counts.map((n) => makeBatched(random, n, 100))
          // The cost of an instance varies from frame to frame: passes stop at different instances.
          let cost = r.cost
          meshes.forEach((mesh, k) => {
            mesh.position.set((random() * 2 - 1) * 5, 0, (random() * 2 - 1) * 5)
            mesh.rotation.y = random() * 6
            mesh.scale.setScalar(0.8 + random() * 0.4)
            // Reading an instance's matrix costs clock time: a pass spans slices.
            mesh.getMatrixAt = function (id: number, m: Matrix4): Matrix4 {
              s.manual.advance(cost)
              return proto.getMatrixAt.call(this, id, m)
            }
            if (k === 0 && r.meshTurns) mesh.userData.turns = true
            s.scene.add(mesh)
          })
          s.scene.updateMatrixWorld()
          if (r.withMatrices) new MatrixSyncJob(s.scheduler, s.scene, { watchHierarchy: false })
          const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene, { stillSweepFrames: 2 })
          const appHidden = meshes.map(() => new Set<number>())
          let falseNegatives = 0
          let appHiddenShown = 0
          let sawOpen = false
          for (let f = 0; f < r.frames; f++) {
            s.scheduler.runFrame()
            const inside = culling as unknown as Internals
            if (inside.instances.open) {
              sawOpen = true
              // The guard a pass left open was decided against must outlive the next sweep's pass
              // over that mesh: it covers the mesh's slot (too rare a path for the render check).
              expect(inside.ring.last()?.end).toBeGreaterThan(inside.pacer.cursor)
            }
            // The app's update: camera, a few instances moved, a few hidden or shown.
            s.camera.rotation.y += r.turn
            if (random() < r.kicks) s.camera.rotation.y += random() * 0.3
            cost = r.cost * (0.25 + random() * 1.5)
            s.camera.translateZ(-r.fly)
            meshes.forEach((mesh, k) => {
              const live = ids(mesh)
              for (let j = 0; j < r.movers; j++) {
                const id = live[Math.floor(random() * live.length)] as number
                mesh.setMatrixAt(id, place(random, 100, 20, _m))
              }
              for (let j = 0; j < r.toggles; j++) {
                const id = live[Math.floor(random() * live.length)] as number
                const hide = !(appHidden[k] as Set<number>).has(id)
                mesh.setVisibleAt(id, !hide)
                if (hide) (appHidden[k] as Set<number>).add(id)
                else (appHidden[k] as Set<number>).delete(id)
                expect(mesh.getVisibleAt(id)).toBe(!hide)
              }
              if (mesh.userData.turns === true && f % 10 < 3) mesh.rotation.y += 0.05
            })
            const check = render(s.scene, s.camera, meshes, appHidden)
            falseNegatives += check.falseNegatives
            appHiddenShown += check.appHiddenShown
            if (f >= r.frames / 2) {
              hiddenTotal += check.hiddenOutside
              outsideTotal += check.outside
            }
          }
          if (sawOpen) resumed++
          expect(falseNegatives).toBe(0)
          expect(appHiddenShown).toBe(0)
          culling.dispose()
          // Given back: three's flags are the app's wishes, the methods three's.
          meshes.forEach((mesh, k) => {
            expect(Object.keys(mesh).filter((key) => key.endsWith('At') || key.endsWith('Instance'))).toEqual(['getMatrixAt'])
            for (const id of ids(mesh)) expect(drawn(mesh, id)).toBe(!(appHidden[k] as Set<number>).has(id))
          })
        },
      ),
      { numRuns: 12, seed: 20240614 },
    )
    // Not vacuous: a good share of what was out of view was hidden, and passes spanned slices.
    expect(hiddenTotal / outsideTotal).toBeGreaterThan(0.3)
    expect(resumed).toBeGreaterThan(0)
  })

  it('getVisibleAt answers the app while the job hides; a guard trip shows every instance', () => {
    const s = setup()
    const mesh = makeBatched(mulberry32(3), 300, 100)
    s.scene.add(mesh)
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    settle(s, culling)
    expect(culling.stats.instances).toBe(300)
    const hidden = ids(mesh).filter((id) => !drawn(mesh, id))
    expect(hidden.length).toBe(culling.stats.hiddenInstances)
    expect(hidden.length).toBeGreaterThan(50)
    for (const id of hidden) expect(mesh.getVisibleAt(id)).toBe(true)
    // The app shows a hidden one: still held hidden, and its wish is kept.
    mesh.setVisibleAt(hidden[0] as number, true)
    expect(drawn(mesh, hidden[0] as number)).toBe(false)
    // The app hides a hidden one: the job lets go of it.
    mesh.setVisibleAt(hidden[1] as number, false)
    expect(mesh.getVisibleAt(hidden[1] as number)).toBe(false)
    expect(culling.stats.hiddenInstances).toBe(hidden.length - 1)
    // Turn around: the render guard shows everything before that render.
    const trips = culling.stats.guardTrips
    s.camera.rotation.y += Math.PI
    render(s.scene, s.camera, [mesh], [new Set([hidden[1] as number])])
    expect(culling.stats.guardTrips).toBe(trips + 1)
    expect(culling.stats.hiddenInstances).toBe(0)
    for (const id of ids(mesh)) expect(drawn(mesh, id)).toBe(id !== hidden[1])
    // showAll does the same.
    settle(s, culling)
    expect(culling.stats.hiddenInstances).toBeGreaterThan(0)
    culling.showAll()
    for (const id of ids(mesh)) expect(drawn(mesh, id)).toBe(id !== hidden[1])
    culling.dispose()
  })

  it('shows a moved instance at once; shows the whole mesh when the mesh moved', () => {
    const s = setup()
    const mesh = makeBatched(mulberry32(5), 200, 100)
    s.scene.add(mesh)
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    settle(s, culling)
    const hidden = ids(mesh).filter((id) => !drawn(mesh, id))
    // Moved into view: shown before any render.
    mesh.setMatrixAt(hidden[0] as number, _m.makeTranslation(0, 0, -10))
    expect(drawn(mesh, hidden[0] as number)).toBe(true)
    mesh.setGeometryIdAt(hidden[1] as number, 0)
    expect(drawn(mesh, hidden[1] as number)).toBe(true)
    expect(culling.stats.hiddenInstances).toBe(hidden.length - 2)
    // The mesh itself turned: everything shown before the render, and nothing hidden while it turns.
    mesh.rotation.y += 1
    render(s.scene, s.camera, [mesh], [new Set()])
    expect(culling.stats.hiddenInstances).toBe(0)
    for (let f = 0; f < 5; f++) {
      mesh.rotation.y += 0.1
      mesh.updateMatrixWorld()
      s.scheduler.runFrame()
      expect(culling.stats.hiddenInstances).toBe(0) // (no hide-then-show churn while it moves)
      const check = render(s.scene, s.camera, [mesh], [new Set()])
      expect(check.falseNegatives).toBe(0)
    }
    // Standing still again: hidden again.
    settle(s, culling)
    expect(culling.stats.hiddenInstances).toBeGreaterThan(0)
    culling.dispose()
  })

  it('keeps its arrays right through deleteInstance and addInstance; a new instance starts shown', () => {
    const s = setup()
    const mesh = makeBatched(mulberry32(7), 100, 100)
    s.scene.add(mesh)
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    settle(s, culling)
    const hidden = ids(mesh).filter((id) => !drawn(mesh, id))
    const before = culling.stats.hiddenInstances
    mesh.deleteInstance(hidden[0] as number)
    expect(culling.stats.hiddenInstances).toBe(before - 1)
    const id = mesh.addInstance(0)
    expect(id).toBe(hidden[0]) // three reuses the freed id
    expect(drawn(mesh, id)).toBe(true)
    expect(mesh.getVisibleAt(id)).toBe(true)
    // Placed out of view: hidden at its next visit like any other.
    mesh.setMatrixAt(id, _m.makeTranslation(0, 0, 100))
    for (let f = 0; f < 3; f++) s.scheduler.runFrame()
    expect(drawn(mesh, id)).toBe(false)
    expect(culling.stats.instances).toBe(100)
    expect(() => mesh.getVisibleAt(1000)).toThrow()
    culling.dispose()
    expect(drawn(mesh, id)).toBe(true)
  })

  it('dispose and remove give back own properties and every visibility exactly', () => {
    const s = setup()
    const mesh = makeBatched(mulberry32(9), 200, 100)
    mesh.setVisibleAt(3, false)
    mesh.setVisibleAt(150, false)
    s.scene.add(mesh)
    const before = ids(mesh).map((id) => drawn(mesh, id))
    const keys = Object.keys(mesh).sort()
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    expect(Object.prototype.hasOwnProperty.call(mesh, 'setVisibleAt')).toBe(true)
    expect(mesh.getVisibleAt(3)).toBe(false)
    settle(s, culling)
    expect(culling.stats.hiddenInstances).toBeGreaterThan(0)
    culling.remove(mesh)
    expect(Object.keys(mesh).sort()).toEqual(keys)
    expect(mesh.setVisibleAt).toBe(proto.setVisibleAt)
    expect(ids(mesh).map((id) => drawn(mesh, id))).toEqual(before)
    expect(culling.stats.hiddenInstances).toBe(0)
    expect(culling.stats.instances).toBe(0)
    culling.add(mesh)
    settle(s, culling)
    expect(culling.stats.hiddenInstances).toBeGreaterThan(0)
    culling.dispose()
    expect(Object.keys(mesh).sort()).toEqual(keys)
    expect(ids(mesh).map((id) => drawn(mesh, id))).toEqual(before)
  })

  it('keeps what it hid pickable', () => {
    const s = setup()
    const mesh = makeBatched(mulberry32(11), 100, 100)
    s.scene.add(mesh)
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    settle(s, culling)
    const hidden = ids(mesh).filter((id) => !drawn(mesh, id))
    const target = worldSphere(mesh, hidden[0] as number, new Sphere()).center
    const raycaster = new Raycaster(new Vector3(0, 200, 0).add(target), new Vector3(0, -1, 0))
    const hits: Intersection[] = []
    mesh.raycast(raycaster, hits)
    expect(hits.some((h) => h.batchId === hidden[0])).toBe(true)
    expect(drawn(mesh, hidden[0] as number)).toBe(false)
    culling.dispose()
  })

  it('rendererTest: false turns perObjectFrustumCulled off while it culls, and gives it back', () => {
    const s = setup()
    const mesh = makeBatched(mulberry32(13), 100, 100)
    s.scene.add(mesh)
    const off = new BatchedMesh(10, 100, 300, material)
    off.perObjectFrustumCulled = false
    off.addInstance(off.addGeometry(geometries[0] as BoxGeometry))
    s.scene.add(off)
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene, { rendererTest: false })
    settle(s, culling)
    expect(mesh.perObjectFrustumCulled).toBe(false)
    expect(mesh.frustumCulled).toBe(false)
    // The app's opt-out: its instances are not culled one by one, nor its methods wrapped.
    expect(Object.prototype.hasOwnProperty.call(off, 'setVisibleAt')).toBe(false)
    expect(culling.stats.instances).toBe(100)
    culling.dispose()
    expect(mesh.perObjectFrustumCulled).toBe(true)
    expect(mesh.frustumCulled).toBe(true)
    expect(off.perObjectFrustumCulled).toBe(false)
    // The default leaves it on.
    const again = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    settle(s, again)
    expect(mesh.perObjectFrustumCulled).toBe(true)
    again.dispose()
  })

  it("leaves StaticBatchingJob's own batches to it, and shadow casters whole", () => {
    const s = setup()
    const geometry = new BoxGeometry(1, 1, 1)
    for (let k = 0; k < 40; k++) {
      const m = new Mesh(geometry, material)
      m.position.set((k % 2 === 0 ? 1 : -1) * (k * 3), 0, -k * 2)
      s.scene.add(m)
    }
    const caster = makeBatched(mulberry32(17), 100, 100)
    caster.castShadow = true
    s.scene.add(caster)
    const culling = new FrustumCullingJob(s.scheduler, s.camera, s.scene)
    const batching = new StaticBatchingJob(s.scheduler, s.scene, { culling })
    for (let f = 0; f < 30; f++) {
      s.scheduler.runFrame()
      render(s.scene, s.camera, [], [])
    }
    const batches: BatchedMesh[] = []
    s.scene.traverse((o) => {
      if ((o as BatchedMesh).isBatchedMesh === true && o !== caster) batches.push(o as BatchedMesh)
    })
    culling.refresh()
    for (let f = 0; f < 10; f++) s.scheduler.runFrame()
    expect(batches.length).toBeGreaterThan(0)
    for (const b of batches) expect(Object.prototype.hasOwnProperty.call(b, 'setVisibleAt')).toBe(false)
    // The caster's methods are wrapped, but none of its instances hidden (it shades what is in view).
    expect(Object.prototype.hasOwnProperty.call(caster, 'setVisibleAt')).toBe(true)
    for (const id of ids(caster)) expect(drawn(caster, id)).toBe(true)
    expect(culling.stats.hiddenInstances).toBe(0)
    batching.dispose()
    culling.dispose()
  })
})
