/**
 * LODJob's skipping (skipUnchanged, the default): an update that would change
 * nothing is skipped. The contract: every LOD shows exactly what it shows
 * when every update runs, frame by frame.
 */
import fc from 'fast-check'
import { Group, LOD, Mesh, PerspectiveCamera, Scene } from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { LODJob } from '../../src/jobs/LODJob.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { mulberry32 } from '../utils/mulberry32.js'

interface Side {
  scene: Scene
  camera: PerspectiveCamera
  scheduler: BatchScheduler
  lods: LOD[]
  groups: Group[]
  job: LODJob
  matrices: MatrixSyncJob | null
}

/** LODs of 1–4 levels with growing distances and random hysteresis, half of them in moving groups. */
function makeSide(seed: number, count: number, skip: boolean, withMatrices: boolean): Side {
  const random = mulberry32(seed)
  const scene = new Scene()
  const groups = [new Group(), new Group()]
  scene.add(...groups)
  const lods: LOD[] = []
  for (let i = 0; i < count; i++) {
    const lod = new LOD()
    const levels = 1 + Math.floor(random() * 4)
    let distance = 0
    for (let l = 0; l < levels; l++) {
      lod.addLevel(new Mesh(), distance, [0, 0.1, 0.5][Math.floor(random() * 3)])
      distance += 2 + random() * 20
    }
    lod.position.set((random() * 2 - 1) * 60, (random() * 2 - 1) * 5, (random() * 2 - 1) * 60)
    ;(i % 2 === 0 ? scene : (groups[i % 4 === 1 ? 0 : 1] as Group)).add(lod)
    lods.push(lod)
  }
  scene.updateMatrixWorld(true)
  const camera = new PerspectiveCamera()
  camera.updateMatrixWorld()
  // Updates cost no clock time: every run is one whole lap, in both sides alike.
  const scheduler = new BatchScheduler({ clock: new ManualClock(), budgetMs: 1 })
  const matrices = withMatrices ? new MatrixSyncJob(scheduler, scene, { watchHierarchy: false }) : null
  const job = new LODJob(scheduler, camera, { root: scene, skipUnchanged: skip })
  return { scene, camera, scheduler, lods, groups, job, matrices }
}

/** Each LOD's current level and its levels' visibility. */
const state = (side: Side): string => side.lods.map((lod) => `${lod.getCurrentLevel()}:${lod.levels.map((l) => (l.object.visible ? 1 : 0)).join('')}`).join(' ')

describe('LODJob: skipping updates that change nothing', () => {
  it('every LOD shows exactly what it shows when every update runs, frame by frame (property)', () => {
    let runs = 0
    let runsSkipping = 0
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 1e6 }),
          count: fc.integer({ min: 1, max: 80 }),
          withMatrices: fc.boolean(),
          frames: fc.integer({ min: 5, max: 80 }),
          speed: fc.double({ min: 0, max: 3, noNaN: true }),
          zoomEvery: fc.integer({ min: 0, max: 20 }),
          moveLODs: fc.double({ min: 0, max: 0.3, noNaN: true }),
        }),
        (w) => {
          const skipping = makeSide(w.seed, w.count, true, w.withMatrices)
          const reference = makeSide(w.seed, w.count, false, w.withMatrices)
          const moves = mulberry32(w.seed + 7)
          let skipped = 0
          for (let f = 0; f < w.frames; f++) {
            const dx = (moves() * 2 - 1) * w.speed
            const dz = (moves() * 2 - 1) * w.speed
            const zoom = w.zoomEvery > 0 && f % w.zoomEvery === 0 ? 0.5 + moves() * 2 : 0
            const picks: number[] = []
            for (let k = 0; k < w.count; k++) if (moves() < w.moveLODs) picks.push(k)
            const groupMove = moves() < 0.1 ? (moves() * 2 - 1) * 5 : 0
            for (const side of [skipping, reference]) {
              const { camera } = side
              camera.position.x += dx
              camera.position.z += dz
              if (zoom > 0) camera.zoom = zoom
              camera.updateMatrixWorld()
              for (const k of picks) {
                const lod = side.lods[k] as LOD
                lod.position.x += 3
                if (side.matrices !== null) side.matrices.markDirty(lod)
                else lod.updateMatrixWorld()
              }
              if (groupMove !== 0) {
                const group = side.groups[0] as Group
                group.position.z += groupMove
                if (side.matrices !== null) side.matrices.markDirty(group)
                else group.updateMatrixWorld(true)
              }
              side.scheduler.runFrame()
            }
            skipped += skipping.job.lastSkipped
            expect(reference.job.lastSkipped).toBe(0)
            expect(state(skipping)).toBe(state(reference))
          }
          runs++
          if (skipped > 0) runsSkipping++
          for (const side of [skipping, reference]) {
            side.job.dispose()
            side.matrices?.dispose()
          }
        },
      ),
      { numRuns: 60 },
    )
    // Not vacuous: most runs skipped updates.
    expect(runsSkipping).toBeGreaterThan(runs / 2)
  })

  it('a crowd walked past by the camera: the same levels, with most updates skipped', () => {
    for (const withMatrices of [true, false]) {
      const skipping = makeSide(3, 400, true, withMatrices)
      const reference = makeSide(3, 400, false, withMatrices)
      let skipped = 0
      let updated = 0
      for (let f = 0; f < 200; f++) {
        for (const side of [skipping, reference]) {
          side.camera.position.x = -80 + f * 0.8
          side.camera.updateMatrixWorld()
          side.scheduler.runFrame()
        }
        skipped += skipping.job.lastSkipped
        updated += skipping.job.lastUpdated
        expect(state(skipping)).toBe(state(reference))
      }
      expect(skipped).toBeGreaterThan(updated * 0.6)
      // A full update for every LOD at least once every 32 laps.
      expect(skipped).toBeLessThanOrEqual(Math.ceil(updated * (31 / 32)) + 400)
    }
  })

  it('invalidate() runs every update in full on the next lap', () => {
    const side = makeSide(5, 100, true, true)
    for (let f = 0; f < 20; f++) {
      side.camera.position.x += 0.01
      side.camera.updateMatrixWorld()
      side.scheduler.runFrame()
    }
    expect(side.job.lastSkipped).toBeGreaterThan(50)
    // The app edits levels behind the job's back, then says so.
    for (const lod of side.lods) for (const level of lod.levels) level.distance *= 0.5
    side.job.invalidate()
    side.camera.position.x += 0.01
    side.camera.updateMatrixWorld()
    side.scheduler.runFrame()
    expect(side.job.lastSkipped).toBe(0)
    for (const lod of side.lods) {
      const copy = lod.clone()
      copy.update(side.camera)
      expect(lod.getCurrentLevel()).toBe(copy.getCurrentLevel())
    }
    side.job.dispose()
  })

  it('throws on a bad skipUnchanged or matrices', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    const camera = new PerspectiveCamera()
    expect(() => new LODJob(scheduler, camera, { skipUnchanged: 'yes' as unknown as boolean })).toThrow(/^LODJob: skipUnchanged/)
    expect(() => new LODJob(scheduler, camera, { matrices: {} as MatrixSyncJob })).toThrow(/^LODJob: matrices must be a MatrixSyncJob or null/)
  })
})
