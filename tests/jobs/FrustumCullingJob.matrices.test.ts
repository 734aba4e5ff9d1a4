/**
 * FrustumCullingJob linked to a MatrixSyncJob (the `matrices` option): an
 * object whose world matrix did not change is decided from the sphere the job
 * stored, without reading it. The contract: it then hides exactly what it
 * would hide reading every object, in fewer reads.
 */
import fc from 'fast-check'
import { Mesh, PointLight, type LOD, type Object3D } from 'three'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FrustumCullingJob } from '../../src/jobs/FrustumCullingJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { mulberry32 } from '../utils/mulberry32.js'
import { lookAhead, makeWorld, render, type World } from './cullingWorld.js'

afterEach(() => {
  vi.restoreAllMocks()
})


/** Every object's `visible`, in scene order: what the two worlds must agree on. */
function visibility(world: World): string {
  let out = ''
  world.scene.traverse((o) => {
    out += o.visible ? '1' : '0'
  })
  return out
}

/** The movable things of a world, in a fixed order: plain meshes, LODs, and each LOD's last level. */
function movables(world: World): Object3D[] {
  const list: Object3D[] = [...world.meshes, ...world.lods]
  for (const lod of world.lods) list.push(lod.levels[lod.levels.length - 1]?.object as Object3D)
  return list
}


interface Setup {
  seed: number
  count: number
  lods: number
  minSweepFrames: number
  stillSweepFrames: number
  verifyEvery: number
}
interface Segment {
  frames: number
  camera: 'still' | 'translate' | 'rotate' | 'zoom'
  size: number
  moving: number
}

/**
 * Two identical worlds, each with a MatrixSyncJob, one culling job linked to
 * it and one reading every object (`matrices: null`, and `markMoved` for
 * each plain mesh the matrix job writes, which the linked job does by
 * itself); the same moves (marked through the matrix job) and camera path in
 * both. Visits cost no clock time, so both sweeps are paced alike. Asserts,
 * every frame, that both hid the same objects.
 */
function lockstep(w: Setup, path: readonly Segment[]): { trusted: number; visited: number; falseNegatives: number } {
  const make = (link: boolean): { world: World; culling: FrustumCullingJob; matrices: MatrixSyncJob } => {
    const world = makeWorld({ count: w.count, lods: w.lods, seed: w.seed, visitCostMs: 0 })
    lookAhead(world)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, {
      minSweepFrames: w.minSweepFrames,
      stillSweepFrames: w.stillSweepFrames,
      verifyEvery: w.verifyEvery,
      ...(link ? {} : { matrices: null }),
    })
    return { world, culling, matrices }
  }
  const linked = make(true)
  const reading = make(false)
  // The linked job re-tests a managed object the moment the matrix job writes it (as markMoved
  // does); the reading job is told the same through markMoved, so both decide alike.
  const plain = new Set<Object3D>(reading.world.meshes)
  reading.matrices.addWriteListener((o) => {
    if (plain.has(o)) reading.culling.markMoved(o)
  })
  const moves = mulberry32(w.seed + 1)
  let trusted = 0
  let visited = 0
  let falseNegatives = 0
  for (const { frames, camera: move, size, moving } of path) {
    for (let f = 0; f < frames; f++) {
      // The same draws for both worlds: which objects drift, and by how much.
      const targets = movables(linked.world)
      const picks: [number, number, number][] = []
      for (let k = 0; k < targets.length; k++) {
        if (moves() < moving) picks.push([k, (moves() * 2 - 1) * 3 * size, (moves() * 2 - 1) * 3 * size])
      }
      for (const side of [linked, reading]) {
        const { world, matrices } = side
        world.scheduler.runFrame()
        const list = movables(world)
        for (const [k, dx, dz] of picks) {
          const o = list[k] as Object3D
          o.position.x += dx
          o.position.z += dz
          matrices.markDirty(o)
        }
        const camera = world.camera
        if (move === 'translate') camera.position.x += 2 * size
        else if (move === 'rotate') camera.rotation.y += 0.1 * size
        else if (move === 'zoom') {
          camera.fov = 30 + 80 * size
          camera.updateProjectionMatrix()
        }
        camera.updateMatrixWorld()
        falseNegatives += render(world.scene, camera, world.leaves).falseNegatives
      }
      trusted += linked.culling.stats.trusted
      visited += linked.culling.stats.visited
      expect(reading.culling.stats.trusted).toBe(0)
      expect(visibility(linked.world)).toBe(visibility(reading.world))
    }
  }
  for (const side of [linked, reading]) {
    side.culling.dispose()
    side.matrices.dispose()
  }
  return { trusted, visited, falseNegatives }
}

describe('FrustumCullingJob with a MatrixSyncJob', () => {
  it('hides exactly what it hides reading every object, frame by frame, with far fewer reads (property)', () => {
    const segment = fc.record({
      frames: fc.integer({ min: 1, max: 20 }),
      camera: fc.constantFrom('still', 'translate', 'rotate', 'zoom'),
      size: fc.double({ min: 0, max: 1, noNaN: true }),
      moving: fc.double({ min: 0, max: 0.5, noNaN: true }),
    })
    let runs = 0
    let runsTrusting = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          count: fc.integer({ min: 0, max: 200 }),
          lods: fc.integer({ min: 0, max: 60 }),
          minSweepFrames: fc.integer({ min: 1, max: 4 }),
          stillSweepFrames: fc.integer({ min: 1, max: 8 }),
          verifyEvery: fc.integer({ min: 1, max: 10 }),
        }),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        (w, path) => {
          const result = lockstep(w, path)
          runs++
          if (result.trusted > 0) runsTrusting++
          expect(result.falseNegatives).toBe(0)
        },
      ),
      { numRuns: Number(process.env.CULLING_PROPERTY_RUNS ?? 25) },
    )
    // Not vacuous: most runs decided objects from stored spheres.
    expect(runsTrusting).toBeGreaterThan(runs / 2)
  })

  it('hides exactly what it hides reading every object: a long drift through a crowd', () => {
    const setup: Setup = { seed: 7, count: 300, lods: 60, minSweepFrames: 2, stillSweepFrames: 4, verifyEvery: 8 }
    const path: Segment[] = [
      { frames: 60, camera: 'rotate', size: 0.3, moving: 0.1 },
      { frames: 60, camera: 'still', size: 0.6, moving: 0.2 },
      { frames: 60, camera: 'translate', size: 0.4, moving: 0.1 },
    ]
    const result = lockstep(setup, path)
    expect(result.falseNegatives).toBe(0)
    // Most visits read nothing: 10–20 % of the objects move a frame, 1/8 are re-read a sweep.
    expect(result.trusted).toBeGreaterThan(result.visited * 0.4)
  })

  it('reads an unchanged object only once every verifyEvery sweeps', () => {
    const world = makeWorld({ count: 400, lods: 100, visitCostMs: 0 })
    lookAhead(world)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { verifyEvery: 4, stillSweepFrames: 1 })
    for (let f = 0; f < 20; f++) {
      world.scheduler.runFrame()
      render(world.scene, world.camera, world.leaves)
    }
    // A still world: each sweep (one frame) re-reads a quarter, give or take the LODs with nested levels.
    const tracked = culling.stats.tracked
    expect(culling.stats.visited).toBe(tracked)
    const nested = world.lods.filter((lod) => lod.children.some((level) => level.children.length > 0)).length
    expect(culling.stats.trusted).toBeGreaterThanOrEqual(Math.floor((tracked * 3) / 4) - nested - 1)
    expect(culling.stats.trusted).toBeLessThanOrEqual(Math.ceil((tracked * 3) / 4))
    culling.dispose()
    matrices.dispose()
  })

  it('re-tests an object the matrix job writes at once: a hidden mesh that jumps into view, marked with markDirty only, is shown before the render, mid-sweep', () => {
    const world = makeWorld({ count: 800, visitCostMs: 0 })
    lookAhead(world)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    // A still camera: a sweep spreads over 8 frames, so the sweep alone would take up to 8 frames to see it.
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 8 })
    for (let f = 0; f < 40; f++) world.scheduler.runFrame()
    // The last hidden ones: far from where the sweep goes next.
    const jumpers = world.meshes.filter((mesh) => culling.isCulled(mesh)).slice(-20)
    expect(jumpers.length).toBe(20)
    jumpers.forEach((mesh, k) => {
      mesh.position.set(k - 10, 0, -30)
      matrices.markDirty(mesh)
    })
    world.scheduler.runFrame()
    expect(culling.stats.visited).toBeLessThan(culling.stats.tracked / 4)
    expect(jumpers.filter((mesh) => culling.isCulled(mesh))).toEqual([])
    expect(render(world.scene, world.camera, world.leaves).falseNegatives).toBe(0)
    culling.dispose()
    matrices.dispose()
  })

  it('picks up a world matrix written outside the matrix job within verifyEvery sweeps', () => {
    const world = makeWorld({ count: 300, visitCostMs: 0 })
    lookAhead(world)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { verifyEvery: 3, stillSweepFrames: 1 })
    for (let f = 0; f < 10; f++) world.scheduler.runFrame()
    const hidden = world.meshes.find((mesh) => culling.isCulled(mesh)) as Mesh
    expect(hidden).toBeDefined()
    // The app moves it in front of the camera and updates the matrix itself (not through the job).
    hidden.position.set(0, 0, -20)
    hidden.updateMatrixWorld()
    let sweeps = 0
    while (culling.isCulled(hidden) && sweeps < 10) {
      world.scheduler.runFrame()
      sweeps++
    }
    expect(culling.isCulled(hidden)).toBe(false)
    expect(sweeps).toBeLessThanOrEqual(3)
    culling.dispose()
    matrices.dispose()
  })

  it('stops trusting stored spheres once the matrix job is disposed', () => {
    const world = makeWorld({ count: 200, visitCostMs: 0 })
    lookAhead(world)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1 })
    for (let f = 0; f < 5; f++) world.scheduler.runFrame()
    expect(culling.stats.trusted).toBeGreaterThan(0)
    matrices.dispose()
    world.scheduler.runFrame()
    expect(culling.stats.visited).toBe(200)
    expect(culling.stats.trusted).toBe(0)
    culling.dispose()
  })

  it('finds the scene\'s matrix job whichever is installed first; matrices: null reads everything', () => {
    const world = makeWorld({ count: 100, visitCostMs: 0 })
    lookAhead(world)
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1 })
    const off = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1, matrices: null, name: 'off' })
    const matrices = new MatrixSyncJob(world.scheduler, world.scene, { watchHierarchy: false })
    for (let f = 0; f < 5; f++) world.scheduler.runFrame()
    expect(culling.stats.trusted).toBeGreaterThan(0)
    expect(off.stats.trusted).toBe(0)
    off.dispose()
    culling.dispose()
    matrices.dispose()
  })

  it('a child added to a managed mesh or a LOD level is noticed at once through the matrix job\'s hierarchy stamps', () => {
    const world = makeWorld({ count: 50, lods: 20, visitCostMs: 0 })
    lookAhead(world)
    const matrices = new MatrixSyncJob(world.scheduler, world.scene) // watchHierarchy: stamps parents
    const culling = new FrustumCullingJob(world.scheduler, world.camera, world.scene, { stillSweepFrames: 1, verifyEvery: 1000 })
    for (let f = 0; f < 5; f++) world.scheduler.runFrame()
    const mesh = world.meshes.find((m) => culling.isCulled(m)) as Mesh
    expect(mesh).toBeDefined()
    // A mesh with children is never hidden (it would hide them): given back at its next visit.
    mesh.add(new Mesh(mesh.geometry, mesh.material))
    world.scheduler.runFrame()
    expect(mesh.visible).toBe(true)
    const lod = world.lods.find((l) => culling.isCulled(l) && l.children.every((level) => level.children.length === 0)) as LOD | undefined
    if (lod !== undefined) {
      // A light under a level: the LOD can no longer be hidden as a unit.
      const level = lod.children[0] as Object3D
      level.add(new PointLight())
      world.scheduler.runFrame()
      expect(lod.visible).toBe(true)
    }
    culling.dispose()
    matrices.dispose()
  })

  it('throws on a matrix job of another scene and on a bad verifyEvery', () => {
    const a = makeWorld({ count: 1 })
    const b = makeWorld({ count: 1 })
    const other = new MatrixSyncJob(b.scheduler, b.scene)
    expect(() => new FrustumCullingJob(a.scheduler, a.camera, a.scene, { matrices: other })).toThrow(/matrices must be the MatrixSyncJob of the scene/)
    expect(() => new FrustumCullingJob(a.scheduler, a.camera, a.scene, { matrices: {} as MatrixSyncJob })).toThrow(/matrices must be a MatrixSyncJob or null/)
    expect(() => new FrustumCullingJob(a.scheduler, a.camera, a.scene, { verifyEvery: 0 })).toThrow(/verifyEvery/)
    expect(() => new FrustumCullingJob(a.scheduler, a.camera, a.scene, { verifyEvery: 1.5 })).toThrow(/verifyEvery/)
    other.dispose()
  })
})
