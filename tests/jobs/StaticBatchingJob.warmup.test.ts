import { BatchedMesh, BoxGeometry, Group, LOD, Mesh, MeshLambertMaterial, type Object3D, PerspectiveCamera, Scene, SphereGeometry } from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { GpuWarmupJob, StaticBatchingJob } from '../../src/jobs/index.js'
import { flush } from '../three/FakeRenderer.js'
import { FakeWarmupRenderer } from './FakeWarmupRenderer.js'

const box = new BoxGeometry()
const sphere = new SphereGeometry(0.5, 8, 6)

function isBatched(o: Object3D): boolean {
  return (o as { isBatchedMesh?: boolean }).isBatchedMesh === true
}

/** A scene drawn as the app left it, a warm-up job, and a batching job that warms each new group's batch program first. */
function setup(withWarmup = true) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
  const renderer = new FakeWarmupRenderer(clock)
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  camera.position.set(0, 0, 10)
  camera.updateMatrixWorld()
  const material = new MeshLambertMaterial({ color: 0x808080 })
  material.name = 'city'
  const meshes: Mesh[] = []
  for (let i = 0; i < 4; i++) {
    const m = new Mesh(box, material)
    m.position.x = i * 2
    scene.add(m)
    meshes.push(m)
  }
  // A LOD whose levels share a look: one instance once batched.
  const lod = new LOD()
  const near = new Mesh(sphere, material)
  const far = new Mesh(box, material)
  lod.addLevel(near, 0)
  lod.addLevel(far, 50)
  scene.add(lod)
  scene.updateMatrixWorld()
  lod.update(camera)
  const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera })
  const batching = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, warmup: withWarmup ? warmup : null })
  const frame = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      scheduler.runFrame()
      await flush()
    }
  }
  return { renderer, scene, meshes, near, far, warmup, batching, frame }
}

describe('StaticBatchingJob with a GPU warm-up job', () => {
  it('opens no batch of a new look until its batch program is compiled: the members draw themselves meanwhile, then join', async () => {
    const { renderer, scene, meshes, near, far, warmup, batching, frame } = setup()
    await frame(3)
    // The look is warmed through a probe batch outside the scene; nothing is batched yet.
    expect(renderer.compiles).toHaveLength(1)
    const probe = renderer.compiles[0]?.object as BatchedMesh
    expect(isBatched(probe)).toBe(true)
    expect(probe.parent).toBeNull()
    expect(probe.material).not.toBe(meshes[0]?.material) // the group's template
    expect(warmup.isWarming(probe)).toBe(true)
    for (const m of [...meshes, near, far]) expect(batching.batchOf(m)).toBeNull()
    expect(scene.children.filter(isBatched)).toHaveLength(0)
    expect(batching.stats.pendingObjects).toBe(6)
    expect(batching.isIdle).toBe(false)
    expect(warmup.stats.held).toBe(0) // the probe is never hidden, nothing of the app's is held
    await frame(5)
    expect(batching.batchOf(meshes[0] as Mesh)).toBeNull()

    // Compiled: the members join, in a batch whose program is ready (not held, nothing compiled again).
    renderer.resolveAll()
    await frame(2)
    const batch = batching.batchOf(meshes[0] as Mesh)
    expect(batch).not.toBeNull()
    for (const m of meshes) expect(batching.batchOf(m)).toBe(batch)
    expect(batching.batchOf(near)).toBe(batch) // the LOD too, as one instance
    expect(batching.instanceIdOf(far)).toBe(batching.instanceIdOf(near))
    expect(batch?.parent).toBe(scene)
    expect(batch?.visible).toBe(true)
    expect(renderer.compiles).toHaveLength(0)
    expect(renderer.log).toEqual(['compile city'])
    expect(batching.isIdle).toBe(true)
    expect(warmup.isIdle).toBe(true)
    batching.dispose()
    warmup.dispose()
  })

  it('looks warming together open together (one frame of first draws); a warm one waits at most 60 frames for the others', async () => {
    const { renderer, scene, meshes, batching, frame } = setup()
    const other = new MeshLambertMaterial({ color: 0x0000ff, emissive: 0x202020 })
    other.name = 'other'
    const lone = new Mesh(box, other)
    lone.position.y = 3
    scene.add(lone)
    scene.updateMatrixWorld()
    await frame(3)
    const probes = renderer.compiles.filter((c) => isBatched(c.object) && c.object.parent === null)
    expect(probes).toHaveLength(2)
    const probeOf = (name: string) => probes.find((c) => (c.object as BatchedMesh).material.name === name)
    probeOf('city')?.resolve()
    await frame(3)
    // The city's look is warm, the other's not: neither opens yet.
    expect(batching.batchOf(meshes[0] as Mesh)).toBeNull()
    expect(batching.batchOf(lone)).toBeNull()
    probeOf('other')?.resolve()
    await frame(2) // the warm-up sees the compile resolved, then the batching job its look warm
    expect(batching.batchOf(meshes[0] as Mesh)).not.toBeNull()
    expect(batching.batchOf(lone)).not.toBeNull()

    // Bounded: a look that never finishes warming holds the warm ones back for 60 frames, no longer.
    const late = [new MeshLambertMaterial({ emissive: 0x010101 }), new MeshLambertMaterial({ emissive: 0x020202 })]
    const [m1, m2] = late.map((m, i) => {
      m.name = `late${i}`
      const mesh = new Mesh(box, m)
      mesh.position.z = 5 + i
      scene.add(mesh)
      return mesh
    }) as unknown as [Mesh, Mesh]
    scene.updateMatrixWorld()
    await frame(40) // found by a rescan
    const lateProbes = renderer.compiles.filter((c) => isBatched(c.object) && c.object.parent === null && /late/.test((c.object as BatchedMesh).material.name))
    expect(lateProbes).toHaveLength(2)
    lateProbes[0]?.resolve()
    await frame(58)
    expect(batching.batchOf(m1)).toBeNull()
    await frame(4)
    expect(batching.batchOf(m1)).not.toBeNull()
    expect(batching.batchOf(m2)).toBeNull()
    batching.dispose()
  })

  it('new content that is batched appears batched: a held object whose own programs are ready waits for its looks\' probes', async () => {
    const { renderer, scene, batching, warmup, frame } = setup()
    await frame(3)
    renderer.resolveAll() // the city's look
    await frame(3)
    expect(warmup.isIdle).toBe(true)
    const look = new MeshLambertMaterial({ color: 0x00ff00, emissive: 0x030303 })
    look.name = 'district'
    const district = new Group()
    for (let i = 0; i < 3; i++) district.add(new Mesh(box, look))
    scene.add(district)
    scene.updateMatrixWorld()
    expect(district.visible).toBe(false) // held
    await frame(35) // its own compile issued; a rescan finds its meshes: the probe of its look
    const own = renderer.compiles.find((c) => c.object.parent === district)
    const probe = renderer.compiles.find((c) => isBatched(c.object) && c.object.parent === null)
    expect(own).toBeDefined()
    expect(probe).toBeDefined()
    own?.resolve()
    await frame(3)
    expect(district.visible).toBe(false) // ready itself, waiting for the probe
    probe?.resolve()
    await frame(2)
    expect(district.visible).toBe(true)
    for (const m of district.children) expect(batching.batchOf(m)).not.toBeNull() // and batched when it appears
    batching.dispose()
    warmup.dispose()
  })

  it('without a warm-up job batches at once; one set later takes effect for new looks, and unsetting it lets waiting members join', async () => {
    const { renderer, scene, meshes, warmup, batching, frame } = setup(false)
    await frame(2)
    expect(batching.batchOf(meshes[0] as Mesh)).not.toBeNull()
    expect(renderer.compiles.filter((c) => c.object.parent === null)).toHaveLength(0) // no probe
    renderer.resolveAll() // the batch itself, taken by the warm-up job as new content
    await frame()

    batching.warmup = warmup
    const blue = new MeshLambertMaterial({ color: 0x0000ff, emissive: 0x101010 })
    blue.name = 'blue'
    const added = new Mesh(box, blue)
    scene.add(added)
    scene.updateMatrixWorld()
    await frame(40) // a rescan finds it (rescanFrames 30)
    expect(batching.batchOf(added)).toBeNull()
    expect(renderer.compiles.some((c) => isBatched(c.object) && c.object.parent === null)).toBe(true)
    batching.warmup = null
    await frame(2)
    expect(batching.batchOf(added)).not.toBeNull()
    expect(() => (batching.warmup = {} as never)).toThrow(/StaticBatchingJob.warmup: value must be a GpuWarmupJob/)
    batching.dispose()
    warmup.dispose()
  })

  it('rejects a warmup option that is not a warm-up job', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    expect(() => new StaticBatchingJob(scheduler, new Scene(), { warmup: { add() {} } as never })).toThrow(
      /^StaticBatchingJob: warmup must be a GpuWarmupJob \(an object with add and isWarming\) or null, got/,
    )
  })
})
