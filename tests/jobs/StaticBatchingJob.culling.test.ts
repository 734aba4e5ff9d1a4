/**
 * StaticBatchingJob driven by the culling and LOD jobs: a batched mesh's
 * instance is shown exactly when its handle is (visible all the way up),
 * in the same frame, whoever changed it: the culling job hiding or showing
 * it (or the LOD holding it), the LOD job switching levels, the render
 * guard showing everything. The culling world's render check then proves
 * the zero-false-negative guarantee for the instances too.
 */
import fc from 'fast-check'
import { BoxGeometry, type BatchedMesh, Matrix4, Mesh, MeshLambertMaterial, type Object3D, PerspectiveCamera, Scene, Sphere } from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { FrustumCullingJob } from '../../src/jobs/FrustumCullingJob.js'
import { LODJob } from '../../src/jobs/LODJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { StaticBatchingJob } from '../../src/jobs/StaticBatchingJob.js'
import { mulberry32 } from '../utils/mulberry32.js'
import { lookAhead, makeWorld, render } from './cullingWorld.js'

const _matrix = new Matrix4()
const _sphere = new Sphere()

/** Visible itself and through every ancestor. */
function shown(o: Object3D): boolean {
  for (let p: Object3D | null = o; p !== null; p = p.parent) if (!p.visible) return false
  return true
}

interface Run {
  seed: number
  count: number
  lods: number
  movers: number
  frames: number
  turn: number
  fly: number
}

interface Outcome {
  falseNegatives: number
  /** Batched meshes whose instance's visibility differed from the handle's, summed over frames. */
  mismatched: number
  /** Batched meshes whose instance matrix differed from the handle's world matrix, summed over frames. */
  misplaced: number
  /** Instances hidden (by the culler or a LOD) in the last frame. */
  hiddenInstances: number
  batched: number
  levelSwitches: number
  /** Frames × LODs drawn through one shared instance (its level's geometry switched in). */
  shared: number
}

function runWorld(run: Run): Outcome {
  const world = makeWorld({ count: run.count, lods: run.lods, seed: run.seed, visitCostMs: 0.001 })
  lookAhead(world)
  const { scheduler, scene, camera } = world
  const matrices = new MatrixSyncJob(scheduler, scene)
  const culling = new FrustumCullingJob(scheduler, camera, scene)
  const lods = new LODJob(scheduler, camera, { root: scene })
  const batching = new StaticBatchingJob(scheduler, scene, { culling, lods, minSweepFrames: 4 })
  let levelSwitches = 0
  lods.addLevelListener(() => levelSwitches++)
  const pick = mulberry32(run.seed + 5)
  const movers = [...world.meshes, ...world.lods].filter(() => pick() < run.movers)
  const out: Outcome = { falseNegatives: 0, mismatched: 0, misplaced: 0, hiddenInstances: 0, batched: 0, levelSwitches: 0, shared: 0 }
  const m = new Float32Array(16)
  for (let f = 0; f < run.frames; f++) {
    scheduler.runFrame()
    movers.forEach((o, k) => {
      // Unmarked drift, as apps move things: the matrix job finds it.
      o.position.x += Math.sin(f / 5 + k) * 1.5
      o.position.z += Math.cos(f / 7 + k) * 1.5
      o.rotation.y += 0.05
    })
    camera.rotation.y += run.turn
    camera.position.z -= run.fly
    camera.updateMatrixWorld()
    out.falseNegatives += render(scene, camera, world.leaves, undefined, (o) => {
      const batch = batching.batchOf(o)
      return batch === null ? null : batch.getVisibleAt(batching.instanceIdOf(o))
    }).falseNegatives
    out.hiddenInstances = 0
    // Leaves by the instance drawing them: one leaf, or a LOD's levels drawn through one instance.
    const byInstance = new Map<string, { batch: BatchedMesh; id: number; leaves: Mesh[] }>()
    for (const leaf of world.leaves) {
      const batch = batching.batchOf(leaf)
      if (batch === null) continue
      const id = batching.instanceIdOf(leaf)
      const key = `${batch.uuid}/${id}`
      const entry = byInstance.get(key) ?? { batch, id, leaves: [] }
      entry.leaves.push(leaf)
      byInstance.set(key, entry)
    }
    for (const { batch, id, leaves } of byInstance.values()) {
      const shownLeaves = leaves.filter(shown)
      const visible = batch.getVisibleAt(id)
      if (shownLeaves.length > 1 || visible !== (shownLeaves.length === 1)) out.mismatched++
      if (!visible) out.hiddenInstances++
      const drawn = shownLeaves[0]
      if (drawn === undefined) continue
      if (leaves.length > 1) {
        // A shared instance draws the shown level's geometry.
        out.shared++
        const sphere = batch.getBoundingSphereAt(batch.getGeometryIdAt(id), _sphere)
        const g = drawn.geometry
        if (g.boundingSphere === null) g.computeBoundingSphere()
        if (sphere === null || !sphere.equals(g.boundingSphere as Sphere)) out.mismatched++
      }
      const e = batch.getMatrixAt(id, _matrix).elements
      for (let i = 0; i < 16; i++) m[i] = drawn.matrixWorld.elements[i] as number
      if (e.some((v, i) => v !== m[i])) out.misplaced++
    }
  }
  out.batched = batching.stats.batchedObjects
  out.levelSwitches = levelSwitches
  // The culling job keeps three's test on what it shows (rendererTest), so the batches keep theirs.
  for (const b of scene.children.filter((o) => (o as BatchedMesh).isBatchedMesh === true)) {
    expect((b as BatchedMesh).perObjectFrustumCulled).toBe(true)
  }
  batching.dispose()
  lods.dispose()
  culling.dispose()
  matrices.dispose()
  return out
}

describe('StaticBatchingJob driven by FrustumCullingJob and LODJob', () => {
  it('every instance mirrors its handle in every frame, and nothing in view is hidden (property)', () => {
    let hiding = 0
    let switching = 0
    let runs = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          count: fc.integer({ min: 30, max: 200 }),
          lods: fc.integer({ min: 5, max: 30 }),
          movers: fc.double({ min: 0, max: 0.2, noNaN: true }),
          frames: fc.integer({ min: 20, max: 60 }),
          turn: fc.double({ min: 0, max: 0.08, noNaN: true }),
          fly: fc.double({ min: 0.5, max: 2, noNaN: true }),
        }),
        (run) => {
          const out = runWorld(run)
          runs++
          if (out.hiddenInstances > 0) hiding++
          if (out.levelSwitches > 0) switching++
          expect(out.falseNegatives).toBe(0)
          expect(out.mismatched).toBe(0)
          expect(out.misplaced).toBe(0)
          expect(out.batched).toBeGreaterThan(0)
        },
      ),
      // A fixed seed: the same 12 worlds in every run (the not-vacuous counts below are about them).
      { numRuns: 12, seed: 20261204 },
    )
    // Not vacuous: the culler hid instances in most runs, and LOD levels switched.
    expect(hiding).toBeGreaterThan(runs / 2)
    expect(switching).toBeGreaterThan(0)
  })

  it('a long flight with LODs switching and unmarked movers', () => {
    const out = runWorld({ seed: 7, count: 300, lods: 40, movers: 0.1, frames: 150, turn: 0.02, fly: 1.5 })
    expect(out.falseNegatives).toBe(0)
    expect(out.mismatched).toBe(0)
    expect(out.misplaced).toBe(0)
    expect(out.hiddenInstances).toBeGreaterThan(0)
    expect(out.levelSwitches).toBeGreaterThan(10)
    expect(out.shared).toBeGreaterThan(0)
  })
})

describe('StaticBatchingJob with a culling source', () => {
  const box = new BoxGeometry(1, 1, 1)
  function scene(): { scheduler: BatchScheduler; scene: Scene; ahead: Mesh[]; behind: Mesh[]; camera: PerspectiveCamera } {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    const s = new Scene()
    const make = (z: number): Mesh[] =>
      Array.from({ length: 5 }, (_, i) => {
        const m = new Mesh(box, new MeshLambertMaterial({ color: i * 0x111111 }))
        m.position.set(i * 2, 0, z)
        s.add(m)
        return m
      })
    const ahead = make(-20)
    const behind = make(20)
    s.updateMatrixWorld()
    const camera = new PerspectiveCamera(60, 1, 0.1, 100)
    camera.updateMatrixWorld()
    return { scheduler, scene: s, ahead, behind, camera }
  }
  const visibleAt = (job: StaticBatchingJob, m: Mesh): boolean => (job.batchOf(m) as BatchedMesh).getVisibleAt(job.instanceIdOf(m))

  it('a FrustumCullingJob drives the instances: its hides and shows apply at once; the batches test what it shows', () => {
    const { scheduler, scene: s, ahead, behind, camera } = scene()
    const culling = new FrustumCullingJob(scheduler, camera, s)
    const job = new StaticBatchingJob(scheduler, s, { culling, minSweepFrames: 8 })
    for (let i = 0; i < 30; i++) scheduler.runFrame()
    expect(behind.every((m) => culling.isCulled(m))).toBe(true)
    for (const m of behind) expect(visibleAt(job, m)).toBe(false)
    for (const m of ahead) expect(visibleAt(job, m)).toBe(true)
    expect((job.batchOf(ahead[0] as Mesh) as BatchedMesh).perObjectFrustumCulled).toBe(true)
    // A camera cut: the render guard shows everything before the render; the instances with it.
    camera.rotation.y = Math.PI
    camera.updateMatrixWorld()
    s.onBeforeRender(null as never, s, camera, null as never, null as never, null as never)
    for (const m of behind) expect(visibleAt(job, m)).toBe(true)
    // The app's hide, told to the culling job, hides the instance too (at the sweep).
    const target = ahead[0] as Mesh
    culling.setVisible(target, false)
    for (let i = 0; i < 9; i++) scheduler.runFrame()
    expect(visibleAt(job, target)).toBe(false)
    job.dispose()
    // Disposed: the listener is gone (the culler's later changes reach nobody).
    culling.showAll()
    culling.dispose()
  })

  it('a source with isCulled alone: its hides are ignored and the batches cull themselves', () => {
    const { scheduler, scene: s, ahead, behind, camera } = scene()
    const culling = new FrustumCullingJob(scheduler, camera, s)
    const job = new StaticBatchingJob(scheduler, s, { culling: { isCulled: (o) => culling.isCulled(o) }, minSweepFrames: 1 })
    for (let i = 0; i < 30; i++) scheduler.runFrame()
    expect(behind.filter((m) => culling.isCulled(m)).length).toBeGreaterThan(0)
    for (const m of [...ahead, ...behind]) expect(visibleAt(job, m)).toBe(true)
    expect((job.batchOf(ahead[0] as Mesh) as BatchedMesh).perObjectFrustumCulled).toBe(true)
    const target = ahead[0] as Mesh
    culling.setVisible(target, false)
    for (let i = 0; i < 2; i++) scheduler.runFrame()
    expect(visibleAt(job, target)).toBe(false)
    job.dispose()
    culling.dispose()
  })

  it('with a culling job made with rendererTest: false, the batches do not test their instances either', () => {
    const { scheduler, scene: s, ahead, behind, camera } = scene()
    const culling = new FrustumCullingJob(scheduler, camera, s, { rendererTest: false })
    const job = new StaticBatchingJob(scheduler, s, { culling })
    for (let i = 0; i < 30; i++) scheduler.runFrame()
    expect((job.batchOf(ahead[0] as Mesh) as BatchedMesh).perObjectFrustumCulled).toBe(false)
    for (const m of behind) expect(visibleAt(job, m)).toBe(false)
    job.dispose()
    culling.dispose()
  })

  it('rejects a lods option without the listener methods', () => {
    const { scheduler, scene: s } = scene()
    expect(() => new StaticBatchingJob(scheduler, s, { lods: {} as never })).toThrow(/StaticBatchingJob: lods must be a LODJob/)
  })
})
