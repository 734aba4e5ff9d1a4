import fc from 'fast-check'
import { type Camera, Group, LOD, Mesh, OrthographicCamera, PerspectiveCamera, Scene } from 'three'
import { afterEach, describe, expect, it } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { LODJob } from '../../src/jobs/LODJob.js'

/** What one `lod.update` "costs" on the ManualClock, and a log of the LODs updated. */
let charge: (() => void) | null = null
let log: LOD[] | null = null

/** A LOD whose update costs clock time and is logged (a test subclass; three itself is untouched). */
class CostlyLOD extends LOD {
  override update(camera: Camera): void {
    if (charge !== null) charge()
    if (log !== null) log.push(this)
    super.update(camera)
  }
}

afterEach(() => {
  charge = null
  log = null
})

function makeLOD(x: number, distances: number[] = [0, 10, 20], hysteresis = 0): CostlyLOD {
  const lod = new CostlyLOD()
  for (const d of distances) lod.addLevel(new Mesh(), d, hysteresis)
  lod.position.set(x, 0, 0)
  lod.updateMatrixWorld()
  return lod
}

function cameraAt(x: number): PerspectiveCamera {
  const camera = new PerspectiveCamera()
  camera.position.set(x, 0, 0)
  camera.updateMatrixWorld()
  return camera
}

/** The level `lod.update(camera)` picks now, on a fresh copy (the managed LOD untouched). */
function fresh(lod: LOD, camera: Camera): { level: number; visible: boolean[] } {
  const saved = log
  log = null
  const copy = lod.clone()
  copy.update(camera)
  log = saved
  return { level: copy.getCurrentLevel(), visible: copy.levels.map((l) => l.object.visible) }
}

/** Moves the camera a hair, so the job does not rest (tests of the round-robin itself). */
function nudge(camera: Camera): void {
  camera.position.x += 1e-6
  camera.updateMatrixWorld()
}

function shown(lod: LOD): { level: number; visible: boolean[] } {
  return { level: lod.getCurrentLevel(), visible: lod.levels.map((l) => l.object.visible) }
}

describe('LODJob: install, add, remove, dispose', () => {
  it('runs as a sliced LOD system; takes LODs under root and switches their autoUpdate off', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const scene = new Scene()
    const a = makeLOD(5)
    const b = makeLOD(15)
    const group = new Group()
    group.add(b)
    scene.add(a, group, new Mesh())
    const camera = cameraAt(0)
    const lods = new LODJob(scheduler, camera, { root: scene })
    expect(lods.system.type).toBe(BatchType.LOD)
    expect(lods.system.name).toBe('lod')
    expect(scheduler.systems).toContain(lods.system)
    expect(lods.size).toBe(2)
    expect(lods.has(a) && lods.has(b)).toBe(true)
    expect(a.autoUpdate).toBe(false)
    expect(b.autoUpdate).toBe(false)
    // Updated once on add: never shows all its levels at once.
    expect(shown(a)).toEqual(fresh(a, camera))
    expect(shown(b)).toEqual(fresh(b, camera))
    expect(b.getCurrentLevel()).toBe(1)
  })

  it('remove and dispose restore each LOD\'s own autoUpdate; dispose is safe twice', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const camera = cameraAt(0)
    const lods = new LODJob(scheduler, camera)
    const on = makeLOD(1)
    const off = makeLOD(2)
    off.autoUpdate = false
    const third = makeLOD(3)
    expect(lods.add(on)).toBe(true)
    expect(lods.add(on)).toBe(false)
    lods.add(off)
    lods.add(third)
    expect(lods.remove(on)).toBe(true)
    expect(lods.remove(on)).toBe(false)
    expect(on.autoUpdate).toBe(true)
    expect(lods.size).toBe(2)
    lods.dispose()
    expect(off.autoUpdate).toBe(false)
    expect(third.autoUpdate).toBe(true)
    expect(lods.system.active).toBe(false)
    expect(scheduler.systems).not.toContain(lods.system)
    expect(lods.size).toBe(0)
    lods.dispose()
    expect(third.autoUpdate).toBe(true)
    // Once disposed, another job may take the LOD.
    const again = new LODJob(scheduler, camera)
    expect(again.add(third)).toBe(true)
  })

  it('restores autoUpdate even after the scheduler was disposed first', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    const lod = makeLOD(3)
    const lods = new LODJob(scheduler, cameraAt(0))
    lods.add(lod)
    scheduler.dispose()
    lods.dispose()
    expect(lod.autoUpdate).toBe(true)
  })

  it('a removed LOD is no longer updated; the others still are, in order', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const camera = cameraAt(0)
    const lods = new LODJob(scheduler, camera, { skipUnchanged: false })
    const all = [0, 1, 2, 3, 4].map((i) => makeLOD(i * 3))
    all.forEach((l) => lods.add(l))
    log = []
    nudge(camera)
    scheduler.runFrame()
    expect(log).toEqual(all)
    lods.remove(all[1] as LOD)
    lods.remove(all[3] as LOD)
    const late = makeLOD(30)
    lods.add(late)
    log = []
    nudge(camera)
    scheduler.runFrame()
    nudge(camera)
    scheduler.runFrame()
    expect(log).toEqual([all[0], all[2], all[4], late, all[0], all[2], all[4], late])
    // After the lap squeezed out the removed ones, remove() still finds the right LOD.
    lods.remove(late)
    expect(late.autoUpdate).toBe(true)
    log = []
    nudge(camera)
    scheduler.runFrame()
    expect(log).toEqual([all[0], all[2], all[4]])
    for (const l of all) lods.remove(l)
    lods.remove(late)
    log = []
    nudge(camera)
    scheduler.runFrame()
    expect(log).toEqual([])
  })

  it('throws with the API name on bad arguments', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const camera = cameraAt(0)
    const bad = <T>(v: unknown) => v as T
    expect(() => new LODJob(bad(null), camera)).toThrow(/^LODJob: scheduler must be a BatchScheduler/)
    expect(() => new LODJob(scheduler, bad(new Group()))).toThrow(/^LODJob: camera must be a THREE.Camera/)
    expect(() => new LODJob(scheduler, camera, { chunkSize: 0.5 })).toThrow(/^LODJob: chunkSize/)
    expect(() => new LODJob(scheduler, camera, { maxLagFrames: 0 })).toThrow(/^LODJob: maxLagFrames/)
    expect(() => new LODJob(scheduler, camera, { root: bad({}) })).toThrow(/^LODJob: root must be a THREE.Object3D/)
    expect(scheduler.systems.length).toBe(0)
    const lods = new LODJob(scheduler, camera)
    expect(() => lods.add(bad(new Mesh()))).toThrow(/^LODJob.add: lod must be a THREE.LOD/)
    expect(() => lods.addAll(bad(null))).toThrow(/^LODJob.addAll: root must be a THREE.Object3D/)
    expect(() => { lods.camera = bad({}) }).toThrow(/^LODJob.camera: camera must be a THREE.Camera/)
    const shared = makeLOD(1)
    lods.add(shared)
    const other = new LODJob(scheduler, camera)
    expect(() => other.add(shared)).toThrow(/^LODJob.add: this LOD is managed by another LODJob/)
    lods.dispose()
    expect(() => lods.add(makeLOD(2))).toThrow(/^LODJob.add: the job was disposed/)
  })

  it('follows a camera switch', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const lod = makeLOD(25)
    const lods = new LODJob(scheduler, cameraAt(0))
    lods.add(lod)
    expect(lod.getCurrentLevel()).toBe(2)
    const ortho = new OrthographicCamera()
    ortho.position.set(24, 0, 0)
    ortho.updateMatrixWorld()
    lods.camera = ortho
    scheduler.runFrame()
    expect(lod.getCurrentLevel()).toBe(0)
  })
})

describe('LODJob: budget and staleness', () => {
  it('yields at the deadline (within chunkSize LODs), resumes where it stopped, and updates each LOD once per frame at most', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 0.1 })
    const camera = cameraAt(0)
    const lods = new LODJob(scheduler, camera, { chunkSize: 4, maxLagFrames: Infinity, skipUnchanged: false })
    const all = Array.from({ length: 30 }, (_, i) => makeLOD(i))
    all.forEach((l) => lods.add(l))
    charge = () => clock.advance(0.01)
    log = []
    const perFrame: number[] = []
    for (let f = 0; f < 4; f++) {
      nudge(camera)
      const stats = scheduler.runFrame()
      perFrame.push(lods.lastUpdated)
      expect(stats.usedMs).toBeLessThanOrEqual(0.1 + 4 * 0.01 + 1e-9)
    }
    // Deadline seen after 12 updates; the 30-LOD lap ends in frame 3 and the next starts in frame 3 too.
    expect(perFrame).toEqual([12, 12, 12, 12])
    expect(log).toEqual([...all, ...all.slice(0, 18)])
    expect(lods.laps).toBe(1)

    // A budget larger than a lap: each LOD once per frame, no more.
    scheduler.budgetMs = 10
    log = []
    nudge(camera)
    scheduler.runFrame()
    expect(log.length).toBe(30)
    expect(new Set(log).size).toBe(30)
  })

  it('after a camera move, every LOD shows the level update(camera) picks within maxLagFrames + maxDeferFrames(LOD), even when starved', () => {
    const run = (maxLagFrames: number) => {
      const clock = new ManualClock()
      // Physics is forced every frame and eats the budget: the LOD system runs only when forced.
      const scheduler = new BatchScheduler({ clock, budgetMs: 0.02, maxDeferFrames: { [BatchType.Physics]: 0, [BatchType.LOD]: 3 } })
      scheduler.addSystem(BatchType.Physics, () => clock.advance(1), { name: 'hog' })
      const camera = cameraAt(0)
      const lods = new LODJob(scheduler, camera, { chunkSize: 2, maxLagFrames })
      const all = Array.from({ length: 100 }, (_, i) => makeLOD(i * 0.5, [0, 5, 10, 20, 40]))
      all.forEach((l) => lods.add(l))
      charge = () => clock.advance(0.01)
      for (let f = 0; f < 5; f++) scheduler.runFrame()
      camera.position.set(-30, 0, 0)
      camera.updateMatrixWorld()
      let frames = 0
      const wrong = () => all.filter((l) => l.getCurrentLevel() !== fresh(l, camera).level).length
      while (wrong() > 0 && frames < 1000) {
        scheduler.runFrame()
        frames++
      }
      return frames
    }
    expect(run(5)).toBeLessThanOrEqual(5 + 3)
    // The bound is what makes it short: without it the starved job takes many frames.
    expect(run(Infinity)).toBeGreaterThan(30)
  })

  it('starved, it spreads a lap over its frames instead of rushing through it when the bound comes due', () => {
    const clock = new ManualClock()
    // Transform is forced every frame and eats the whole budget: LOD runs only when forced (every 9 frames).
    const scheduler = new BatchScheduler({ clock, budgetMs: 1, maxDeferFrames: { [BatchType.Transform]: 0 } })
    scheduler.addSystem(BatchType.Transform, () => clock.advance(2), { name: 'hog' })
    const camera = cameraAt(0)
    const maxLagFrames = 30
    const lods = new LODJob(scheduler, camera, { maxLagFrames, skipUnchanged: false })
    const all = Array.from({ length: 300 }, (_, i) => makeLOD(i * 0.5))
    all.forEach((l) => lods.add(l))
    const maxDefer = scheduler.getMaxDeferFrames(BatchType.LOD)
    const lapFrames = maxLagFrames - 1 - maxDefer
    charge = () => clock.advance(0.01)
    log = []
    const perRun: number[] = []
    const lastUpdate = new Map<LOD, number>()
    let worstAge = 0
    for (let f = 0; f < 400; f++) {
      nudge(camera)
      log.length = 0
      scheduler.runFrame()
      if (log.length > 0) perRun.push(log.length)
      for (const lod of log) lastUpdate.set(lod, scheduler.frame)
      if (f > 60) for (const lod of all) worstAge = Math.max(worstAge, scheduler.frame - (lastUpdate.get(lod) ?? 0))
    }
    // Each forced run does the lap's share of the frames since the last (≈ 300 × 9 / 21 ≈ 129),
    // never the rest of a lap at once (the old rush: ~300).
    const share = Math.ceil((all.length * (maxDefer + 1)) / lapFrames)
    expect(Math.max(...perRun.slice(2))).toBeLessThanOrEqual(share + 16)
    // And the staleness bound holds.
    expect(worstAge).toBeLessThanOrEqual(maxLagFrames + maxDefer)
    lods.dispose()
  })
})

// ---- property test --------------------------------------------------------

describe('LODJob: rest while the camera is still', () => {
  function world(count: number) {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 1 })
    const scene = new Scene()
    const lods: CostlyLOD[] = []
    for (let i = 0; i < count; i++) {
      const lod = makeLOD(i * 3)
      scene.add(lod)
      lods.push(lod)
    }
    const camera = cameraAt(0)
    const job = new LODJob(scheduler, camera, { root: scene, chunkSize: 4, skipUnchanged: false })
    charge = () => clock.advance(0.05) // 20 LODs fit in a 1 ms frame
    return { clock, scheduler, camera, job, lods }
  }

  it('after a lap with a still camera, runs do no work and leave the budget', () => {
    const { scheduler, job } = world(50)
    log = []
    for (let f = 0; f < 6; f++) scheduler.runFrame()
    // lap 1 (from install) and lap 2 (clean, camera still): then rest
    expect(job.isResting).toBe(true)
    const updatesSoFar = log.length
    expect(updatesSoFar).toBeGreaterThanOrEqual(50)
    for (let f = 0; f < 10; f++) scheduler.runFrame()
    expect(log.length).toBe(updatesSoFar)
    expect(job.lastUpdated).toBe(0)
    expect(scheduler.stats.last.usedMs).toBe(0)
  })

  it('wakes when the camera moves, and the levels follow within the usual bound, within the budget', () => {
    const { scheduler, job, camera, lods } = world(50)
    for (let f = 0; f < 8; f++) scheduler.runFrame()
    expect(job.isResting).toBe(true)
    camera.position.x = 100
    camera.updateMatrixWorld()
    scheduler.runFrame()
    expect(job.isResting).toBe(false)
    // no catch-up burst after the rest: still about one frame's budget of LODs
    expect(job.lastUpdated).toBeLessThanOrEqual(24)
    for (let f = 0; f < 8; f++) scheduler.runFrame()
    for (const lod of lods) expect(shown(lod)).toEqual(fresh(lod, camera))
  })

  it('regression: after waking from rest, every level is right within maxLagFrames of the move', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 0.05 })
    const scene = new Scene()
    const lods: CostlyLOD[] = []
    for (let i = 0; i < 60; i++) {
      const lod = makeLOD(i * 0.5, [0, 10, 20])
      scene.add(lod)
      lods.push(lod)
    }
    const camera = cameraAt(0)
    const maxLag = 3
    const job = new LODJob(scheduler, camera, { root: scene, chunkSize: 2, maxLagFrames: maxLag })
    charge = () => clock.advance(0.01) // about 6 LODs per frame: a lap takes ~10 frames
    for (let f = 0; f < 40 && !job.isResting; f++) scheduler.runFrame()
    expect(job.isResting).toBe(true)
    camera.position.x = 45
    camera.updateMatrixWorld()
    for (let f = 0; f < maxLag; f++) scheduler.runFrame()
    for (const lod of lods) expect(shown(lod)).toEqual(fresh(lod, camera))
  })

  it('does not rest while the camera keeps moving', () => {
    const { scheduler, job, camera } = world(30)
    for (let f = 0; f < 20; f++) {
      camera.position.x += 0.5
      camera.updateMatrixWorld()
      scheduler.runFrame()
      expect(job.isResting).toBe(false)
    }
  })

  it('invalidate() and a camera switch start a new lap', () => {
    const { scheduler, job } = world(20)
    for (let f = 0; f < 6; f++) scheduler.runFrame()
    expect(job.isResting).toBe(true)
    job.invalidate()
    log = []
    scheduler.runFrame()
    expect(log.length).toBeGreaterThan(0)
    for (let f = 0; f < 4; f++) scheduler.runFrame()
    expect(job.isResting).toBe(true)
    job.camera = cameraAt(40)
    expect(job.isResting).toBe(false)
  })
})

describe('LODJob: property', () => {
  it('with a still camera, after maxLagFrames every LOD shows the level a fresh copy updated directly picks', () => {
    const lodArb = fc.record({
      x: fc.double({ min: -100, max: 100, noNaN: true }),
      z: fc.double({ min: -100, max: 100, noNaN: true }),
      distances: fc.uniqueArray(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 5 }),
      hysteresis: fc.constantFrom(0, 0.1, 0.3),
    })
    fc.assert(
      fc.property(
        fc.array(lodArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0.02, 0.1, 1),
        fc.boolean(),
        (specs, moves, maxLag, chunkSize, budget, zoomed) => {
          const clock = new ManualClock()
          const scheduler = new BatchScheduler({ clock, budgetMs: budget })
          const scene = new Scene()
          const all = specs.map((s) => {
            const lod = makeLOD(s.x, s.distances, s.hysteresis)
            lod.position.z = s.z
            scene.add(lod)
            return lod
          })
          scene.updateMatrixWorld()
          const camera = cameraAt(0)
          if (zoomed) camera.zoom = 2
          const lods = new LODJob(scheduler, camera, { root: scene, chunkSize, maxLagFrames: maxLag })
          charge = () => clock.advance(0.01)
          // The camera wanders (some frames between moves), then stands still.
          for (const [x, frames] of moves) {
            camera.position.set(x, 0, x / 2)
            camera.updateMatrixWorld()
            for (let f = 0; f < frames; f++) scheduler.runFrame()
          }
          for (let f = 0; f < maxLag; f++) scheduler.runFrame()
          for (const lod of all) expect(shown(lod)).toEqual(fresh(lod, camera))
          lods.dispose()
          for (const lod of all) expect(lod.autoUpdate).toBe(true)
          charge = null
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('LODJob: level listeners', () => {
  it('tells each listener once when an update changed the current level, with the levels already switched', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    const camera = cameraAt(5)
    const lod = makeLOD(0)
    const job = new LODJob(scheduler, camera)
    const seen: { lod: LOD; level: number; visible: boolean[] }[] = []
    const listener = (l: LOD): void => {
      seen.push({ lod: l, ...shown(l) })
    }
    job.addLevelListener(listener)
    job.addLevelListener(listener) // once
    job.add(lod) // the first update: level 0 picked (was 0: no change told)
    expect(seen).toEqual([])
    camera.position.x = 15
    camera.updateMatrixWorld()
    for (let i = 0; i < 3; i++) scheduler.runFrame()
    expect(seen).toEqual([{ lod, level: 1, visible: [false, true, false] }])
    camera.position.x = 16 // the same level: not told
    camera.updateMatrixWorld()
    for (let i = 0; i < 3; i++) scheduler.runFrame()
    expect(seen).toHaveLength(1)
    job.removeLevelListener(listener)
    camera.position.x = 30
    camera.updateMatrixWorld()
    for (let i = 0; i < 3; i++) scheduler.runFrame()
    expect(lod.getCurrentLevel()).toBe(2)
    expect(seen).toHaveLength(1)
    expect(() => job.addLevelListener(42 as never)).toThrow(/LODJob.addLevelListener: listener must be a function/)
    job.dispose()
  })
})
