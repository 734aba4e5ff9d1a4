import { type Camera, Group, LOD, Mesh, type Object3D, PerspectiveCamera, Scene } from 'three'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { LODJob } from '../../src/jobs/LODJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { permutations } from '../utils/permutations.js'

/**
 * The matrix and LOD jobs under faults and churn: disposed in any order with
 * their scheduler, broken objects inside the scene, objects and LODs added and
 * removed for thousands of frames. Flags are restored, no listener is left,
 * internal arrays stay bounded.
 */

/** Listeners of `type` on an object (three keeps them in `_listeners`). */
function listenerCount(object: Object3D, type: string): number {
  const listeners = (object as unknown as { _listeners?: Record<string, unknown[]> })._listeners
  return listeners?.[type]?.length ?? 0
}

/** Hierarchy listeners on every object of a list. */
function hierarchyListeners(objects: readonly Object3D[]): number {
  let n = 0
  for (const object of objects) n += listenerCount(object, 'childadded') + listenerCount(object, 'childremoved')
  return n
}

function makeLOD(x: number): LOD {
  const lod = new LOD()
  for (const d of [0, 10, 20]) lod.addLevel(new Mesh(), d)
  lod.position.set(x, 0, 0)
  return lod
}

/** A scene with groups, meshes and LODs; one LOD starts with autoUpdate false (must stay false). */
function world() {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, onError: () => {} })
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  scene.add(camera)
  const objects: Object3D[] = [scene, camera]
  const lods: LOD[] = []
  for (let g = 0; g < 5; g++) {
    const group = new Group()
    scene.add(group)
    objects.push(group)
    for (let i = 0; i < 4; i++) {
      const mesh = new Mesh()
      group.add(mesh)
      objects.push(mesh)
      const lod = makeLOD(g * 10 + i)
      group.add(lod)
      objects.push(lod, ...lod.levels.map((l) => l.object))
      lods.push(lod)
    }
  }
  ;(lods[0] as LOD).autoUpdate = false
  const savedAuto = lods.map((l) => l.autoUpdate)
  return { clock, scheduler, scene, camera, objects, lods, savedAuto }
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('dispose in any order: scheduler, MatrixSyncJob, LODJob', () => {
  const parts = ['scheduler', 'matrix', 'lod'] as const
  for (const order of permutations(parts)) {
    it(`${order.join(' → ')}: flags restored, no listener left, frames in between do not throw`, () => {
      const { scheduler, scene, camera, objects, lods, savedAuto } = world()
      const sync = new MatrixSyncJob(scheduler, scene)
      const lodJob = new LODJob(scheduler, camera, { root: scene })
      expect(scene.matrixWorldAutoUpdate).toBe(false)
      expect(lods.every((l) => !l.autoUpdate)).toBe(true)
      expect(hierarchyListeners(objects)).toBeGreaterThan(0)
      // Something for the jobs to do each frame; an object added while they live.
      const frame = (): void => {
        const group = objects[2] as Group
        group.position.x += 0.1
        if (!sync.isDisposed) sync.markDirty(group)
        camera.position.z += 0.1
        camera.updateMatrixWorld()
        scheduler.runFrame()
      }
      const added = new Group()
      scene.add(added)
      objects.push(added)
      for (let i = 0; i < 5; i++) frame()
      const dispose = { scheduler: () => scheduler.dispose(), matrix: () => sync.dispose(), lod: () => lodJob.dispose() }
      for (const part of order) {
        dispose[part]()
        dispose[part]() // twice: a no-op
        for (let i = 0; i < 3; i++) expect(frame).not.toThrow()
        // Objects added after a partial disposal get no listener from a disposed job.
        if (sync.isDisposed) {
          const late = new Mesh()
          scene.add(late)
          expect(hierarchyListeners([late])).toBe(0)
          late.removeFromParent()
        }
      }
      expect(scene.matrixWorldAutoUpdate).toBe(true)
      expect(lods.map((l) => l.autoUpdate)).toEqual(savedAuto)
      expect(hierarchyListeners(objects)).toBe(0)
      expect(scheduler.diagnostics.poolUsed).toBe(0)
      expect(scheduler.stats.errors).toBe(0)
      // The scene renders as three would without the jobs: world matrices follow again.
      const group = objects[2] as Group
      group.position.x = 42
      scene.updateMatrixWorld()
      expect(group.matrixWorld.elements[12]).toBe(42)
    })
  }

  it('a job built on a disposed scheduler is refused, and changes nothing', () => {
    const { scheduler, scene, camera, lods } = world()
    scheduler.dispose()
    expect(() => new MatrixSyncJob(scheduler, scene)).toThrow(/^BatchScheduler\.addSystem: the scheduler was disposed/)
    expect(() => new LODJob(scheduler, camera, { root: scene })).toThrow(/^BatchScheduler\.addSystem: the scheduler was disposed/)
    expect(scene.matrixWorldAutoUpdate).toBe(true)
    expect(lods.filter((l) => !l.autoUpdate)).toHaveLength(1) // only the one that started false
    // And the scene can get a job again later (the refused one did not claim it).
    const fresh = new BatchScheduler({ clock: new ManualClock() })
    const sync = new MatrixSyncJob(fresh, scene)
    sync.dispose()
  })
})

describe('broken objects inside the scene', () => {
  it('regression: a LOD whose update throws costs only its own update: every other LOD is still updated every lap', () => {
    const { scheduler, scene, camera, lods } = world()
    class BrokenLOD extends LOD {
      override update(_camera: Camera): void {
        throw new Error('broken level')
      }
    }
    const broken = new BrokenLOD()
    broken.addLevel(new Mesh(), 0)
    scene.add(broken)
    const lodJob = new LODJob(scheduler, camera, { chunkSize: 4, skipUnchanged: false })
    // First in the round-robin, so it comes before the others in every lap.
    expect(() => lodJob.add(broken)).toThrow('broken level') // add() updates it once: the app sees it
    expect(lodJob.has(broken)).toBe(true)
    for (const lod of lods) lodJob.add(lod)
    const updates = new Map<LOD, number>()
    for (const lod of lods) {
      const original = lod.update.bind(lod)
      lod.update = (c: Camera) => {
        updates.set(lod, (updates.get(lod) ?? 0) + 1)
        original(c)
      }
    }
    for (let i = 0; i < 60; i++) {
      camera.position.x += 0.5
      camera.updateMatrixWorld()
      scheduler.runFrame()
    }
    // One lap per frame (the camera moves, the budget is ample): each LOD 60 times.
    // Before the fix the slice ended at the broken LOD, and the ones after it lagged.
    expect(scheduler.stats.errors).toBe(60)
    for (const lod of lods) expect(updates.get(lod)).toBe(60)
    lodJob.dispose()
    expect(broken.autoUpdate).toBe(true)
  })

  it('regression: an object whose updateMatrixWorld throws costs only its own update: the other marks apply the same frame', () => {
    const { scheduler, scene } = world()
    const sync = new MatrixSyncJob(scheduler, scene)
    class Broken extends Group {
      override updateMatrixWorld(_force?: boolean): void {
        throw new Error('broken transform')
      }
    }
    const broken = new Broken()
    const fine = Array.from({ length: 40 }, () => new Mesh())
    expect(() => scene.add(broken)).toThrow('broken transform') // updateOnAdd: the app sees it in add()
    scene.add(...fine)
    for (let frame = 0; frame < 20; frame++) {
      sync.markDirty(broken)
      for (const mesh of fine) {
        mesh.position.x = frame
        sync.markDirty(mesh)
      }
      scheduler.runFrame()
      for (const mesh of fine) expect(mesh.matrixWorld.elements[12]).toBe(frame)
    }
    expect(scheduler.stats.errors).toBeGreaterThan(0)
    expect(sync.pending).toBeLessThanOrEqual(1)
    sync.dispose()
  })
})

describe('churn', () => {
  it('20k frames of objects added and removed under a watched scene: no listener kept on removed objects, bounded queue', () => {
    const { scheduler, scene } = world()
    const sync = new MatrixSyncJob(scheduler, scene)
    const removed: Object3D[] = []
    const live: Group[] = []
    let maxPending = 0
    for (let frame = 0; frame < 20_000; frame++) {
      const g = new Group()
      g.add(new Mesh(), new Mesh())
      scene.add(g)
      live.push(g)
      g.position.y = frame
      sync.markDirty(g)
      if (live.length > 50) {
        const out = live.shift() as Group
        sync.markDirty(out) // marked, then removed before its turn
        out.removeFromParent()
        if (frame % 100 === 0) removed.push(out, ...out.children)
      }
      scheduler.runFrame()
      maxPending = Math.max(maxPending, sync.pending)
    }
    expect(hierarchyListeners(removed)).toBe(0)
    expect(maxPending).toBeLessThanOrEqual(200)
    for (const g of live) expect(g.matrixWorld.elements[13]).toBe(g.position.y)
    sync.dispose()
    expect(hierarchyListeners([scene, ...live, ...live.flatMap((g) => g.children)])).toBe(0)
  })

  it('regression: add/remove churn under a still camera (the job resting) no longer grows the LOD arrays without bound', () => {
    const { scheduler, camera } = world()
    camera.updateMatrixWorld()
    const lodJob = new LODJob(scheduler, camera)
    const keep = makeLOD(3)
    lodJob.add(keep)
    for (let i = 0; i < 5; i++) scheduler.runFrame()
    expect(lodJob.isResting).toBe(true)
    for (let i = 0; i < 10_000; i++) {
      const lod = makeLOD(i % 30)
      lodJob.add(lod)
      scheduler.runFrame()
      expect(lodJob.remove(lod)).toBe(true)
      expect(lod.autoUpdate).toBe(true)
    }
    expect(lodJob.size).toBe(1)
    // Internal round-robin slots: the live LOD plus at most a bounded number of holes.
    expect((lodJob as unknown as { lods: unknown[] }).lods.length).toBeLessThanOrEqual(1 + 2 * 65)
    // The kept LOD is still managed and updated once the camera moves.
    camera.position.set(15, 0, 0)
    camera.updateMatrixWorld()
    scheduler.runFrame()
    expect(keep.getCurrentLevel()).toBe(1)
    lodJob.dispose()
    expect(keep.autoUpdate).toBe(true)
  })

  it('removing most LODs in the middle of a lap keeps the round-robin exact (every live LOD updated once per lap)', () => {
    const { scheduler, camera } = world()
    const lodJob = new LODJob(scheduler, camera, { chunkSize: 1, maxLagFrames: Infinity, skipUnchanged: false })
    const all = Array.from({ length: 300 }, (_, i) => makeLOD(i))
    for (const lod of all) lodJob.add(lod)
    const count = new Map<LOD, number>()
    for (const lod of all) {
      const original = lod.update.bind(lod)
      lod.update = (c: Camera) => {
        count.set(lod, (count.get(lod) ?? 0) + 1)
        original(c)
      }
    }
    // Budget for ~20 LODs a frame: a lap spans frames.
    scheduler.budgetMs = 0.5
    let t = 0
    const clock = scheduler.clock as ManualClock
    for (const lod of all) {
      const inner = lod.update
      lod.update = (c: Camera) => {
        clock.advance(0.025)
        inner(c)
      }
    }
    const step = (): void => {
      camera.position.x = ++t * 1e-3
      camera.updateMatrixWorld()
      scheduler.runFrame()
    }
    for (let i = 0; i < 5; i++) step()
    const survivors = all.filter((_, i) => i % 10 === 0)
    for (const lod of all) if (!survivors.includes(lod)) lodJob.remove(lod)
    count.clear()
    const laps = lodJob.laps
    while (lodJob.laps < laps + 3) step()
    for (const lod of survivors) expect(count.get(lod)).toBeGreaterThanOrEqual(2)
    for (const lod of survivors) expect(count.get(lod)).toBeLessThanOrEqual(4)
    lodJob.dispose()
  })
})
