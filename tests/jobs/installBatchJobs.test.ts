import { BoxGeometry, LOD, Mesh, MeshBasicMaterial, PerspectiveCamera, Scene } from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { FrustumCullingJob, installBatchJobs, LODJob, MatrixSyncJob } from '../../src/jobs/index.js'

function world() {
  const scheduler = new BatchScheduler({ clock: new ManualClock() })
  const scene = new Scene()
  const camera = new PerspectiveCamera(60, 1, 0.1, 100)
  const lod = new LOD()
  lod.addLevel(new Mesh(new BoxGeometry(), new MeshBasicMaterial()), 0)
  lod.addLevel(new Mesh(new BoxGeometry(), new MeshBasicMaterial()), 10)
  scene.add(lod, new Mesh(new BoxGeometry(), new MeshBasicMaterial()))
  return { scheduler, scene, camera, lod }
}

describe('installBatchJobs', () => {
  it('installs the three jobs on the scene, wired together, with their default names and types', () => {
    const { scheduler, scene, camera, lod } = world()
    const jobs = installBatchJobs(scheduler, { scene, camera })
    expect(jobs.matrices).toBeInstanceOf(MatrixSyncJob)
    expect(jobs.culling).toBeInstanceOf(FrustumCullingJob)
    expect(jobs.lods).toBeInstanceOf(LODJob)
    expect(jobs.matrices?.detect).toBe('auto')
    expect(scheduler.systems.map((s) => s.type)).toEqual([BatchType.Transform, BatchType.Visibility, BatchType.LOD])
    expect(scene.matrixWorldAutoUpdate).toBe(false)
    expect(lod.autoUpdate).toBe(false)
    expect(jobs.lods?.size).toBe(1)
    scheduler.runFrame()
  })

  it('passes each job its options, and leaves out a job given false', () => {
    const { scheduler, scene, camera, lod } = world()
    const jobs = installBatchJobs(scheduler, { scene, camera, matrices: { name: 'm', detect: 'manual' }, culling: false, lods: { weight: 0.1 } })
    expect(jobs.matrices?.system.name).toBe('m')
    expect(jobs.matrices?.detect).toBe('manual')
    expect(jobs.culling).toBeNull()
    expect(jobs.lods?.system.weight).toBe(0.1)
    expect(scheduler.systems).toHaveLength(2)
    expect(lod.autoUpdate).toBe(false)
  })

  it('dispose() disposes every job and restores the scene; safe twice', () => {
    const { scheduler, scene, camera, lod } = world()
    const hook = scene.onBeforeRender
    const jobs = installBatchJobs(scheduler, { scene, camera })
    scheduler.runFrame()
    jobs.dispose()
    jobs.dispose()
    expect(scheduler.systems).toHaveLength(0)
    expect(scene.matrixWorldAutoUpdate).toBe(true)
    expect(lod.autoUpdate).toBe(true)
    expect(scene.onBeforeRender).toBe(hook)
    expect(jobs.matrices?.isDisposed).toBe(true)
    // The scene can take a new set.
    installBatchJobs(scheduler, { scene, camera }).dispose()
  })

  it('throws with its name on bad arguments, and a job that fails to install leaves nothing behind', () => {
    const { scheduler, scene, camera } = world()
    expect(() => installBatchJobs(scheduler, undefined as never)).toThrow(/^installBatchJobs: options must be an object/)
    expect(() => installBatchJobs(scheduler, { scene: {} as never, camera })).toThrow(/^installBatchJobs: scene must be a THREE.Scene/)
    expect(() => installBatchJobs(scheduler, { scene, camera: scene as never })).toThrow(/^installBatchJobs: camera must be a THREE.Camera/)
    expect(() => installBatchJobs(scheduler, { scene, camera, culling: 3 as never })).toThrow(/^installBatchJobs: culling must be an options object, true or false/)
    expect(() => installBatchJobs(scheduler, { scene, camera, lods: { weight: Number.NaN } })).toThrow(/weight/)
    expect(scheduler.systems).toHaveLength(0)
    expect(scene.matrixWorldAutoUpdate).toBe(true)
  })
})

describe('one shape for the jobs', () => {
  it('each job has a stats object of numbers, isDisposed, and dispose() twice', () => {
    const { scheduler, scene, camera } = world()
    const jobs = installBatchJobs(scheduler, { scene, camera })
    for (let f = 0; f < 3; f++) scheduler.runFrame()
    for (const job of [jobs.matrices, jobs.culling, jobs.lods]) {
      expect(job).not.toBeNull()
      const j = job as NonNullable<typeof job>
      expect(typeof j.stats).toBe('object')
      expect(Object.values(j.stats).every((v) => typeof v === 'number')).toBe(true)
      expect(j.isDisposed).toBe(false)
    }
    expect(jobs.lods?.stats.managed).toBe(1)
    expect(jobs.lods?.stats.updatedTotal).toBeGreaterThan(0)
    jobs.dispose()
    for (const job of [jobs.matrices, jobs.culling, jobs.lods]) {
      expect(job?.isDisposed).toBe(true)
      expect(() => job?.dispose()).not.toThrow()
    }
  })
})

describe('installBatchJobs with a renderer', () => {
  const renderer = {
    compileAsync: () => Promise.resolve(),
    initTexture: () => {},
  }

  it('installs the GPU warm-up job too (name gpuWarmup), with its options; warmup: false leaves it out', () => {
    const { scheduler, scene, camera } = world()
    const jobs = installBatchJobs(scheduler, { scene, camera, renderer, warmup: { hideUntilReady: false } })
    expect(jobs.warmup).not.toBeNull()
    expect(scheduler.systems.map((s) => s.name)).toContain('gpuWarmup')
    jobs.dispose()
    expect(jobs.warmup?.isDisposed).toBe(true)
    const without = installBatchJobs(scheduler, { scene, camera, renderer, warmup: false })
    expect(without.warmup).toBeNull()
    without.dispose()
    expect(installBatchJobs(scheduler, { scene, camera }).warmup).toBeNull()
  })

  it('with batching too, the batching job opens new looks\' batches through the warm-up job', () => {
    const { scheduler, scene, camera } = world()
    const jobs = installBatchJobs(scheduler, { scene, camera, renderer, batching: true })
    expect(jobs.batching?.warmup).toBe(jobs.warmup)
    jobs.dispose()
    const alone = installBatchJobs(scheduler, { scene, camera, batching: true })
    expect(alone.batching?.warmup).toBeNull()
    alone.dispose()
  })
})

describe('installBatchJobs with batching', () => {
  it('is off unless asked for; batching: true installs StaticBatchingJob wired to the culling job', async () => {
    const { StaticBatchingJob } = await import('../../src/jobs/index.js')
    const { scheduler, scene, camera } = world()
    const plain = installBatchJobs(scheduler, { scene, camera })
    expect(plain.batching).toBeNull()
    plain.dispose()
    const jobs = installBatchJobs(scheduler, { scene, camera, batching: true })
    expect(jobs.batching).toBeInstanceOf(StaticBatchingJob)
    expect(scheduler.systems.map((s) => s.name)).toContain('staticBatching')
    for (let f = 0; f < 60; f++) scheduler.runFrame()
    expect(jobs.batching?.stats.batchedObjects).toBeGreaterThan(0)
    const children = scene.children.length
    jobs.dispose()
    expect(jobs.batching?.isDisposed).toBe(true)
    expect(scene.children.length).toBeLessThan(children)
  })
})

describe('argument errors name the job', () => {
  it.each([
    ['MatrixSyncJob', (s: BatchScheduler, w: ReturnType<typeof world>) => new MatrixSyncJob(s, w.scene, { weight: Number.NaN })],
    ['FrustumCullingJob', (s: BatchScheduler, w: ReturnType<typeof world>) => new FrustumCullingJob(s, w.camera, w.scene, { weight: Number.NaN })],
    ['LODJob', (s: BatchScheduler, w: ReturnType<typeof world>) => new LODJob(s, w.camera, { weight: Number.NaN })],
  ])('%s: { weight: NaN } is reported by the job, not by the scheduler', (name, make) => {
    const w = world()
    expect(() => make(w.scheduler, w)).toThrow(new RegExp(`^${name}: weight`))
  })
})
