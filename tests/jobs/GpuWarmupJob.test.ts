import { BoxGeometry, DataTexture, DirectionalLight, Fog, Group, Mesh, type Object3D, PointLight, MeshBasicMaterial, MeshLambertMaterial, PerspectiveCamera, Scene, ShaderMaterial, Texture } from 'three'
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { GpuWarmupJob, type GpuWarmupJobOptions, StaticBatchingJob } from '../../src/jobs/index.js'
import { flush } from '../three/FakeRenderer.js'
import { FakeWarmupRenderer } from './FakeWarmupRenderer.js'

const MiB = 1 << 20

/** The WebGL2 fence calls, signalled by hand. */
class FakeFenceGL {
  readonly SYNC_GPU_COMMANDS_COMPLETE = 0x9117
  readonly SYNC_STATUS = 0x9114
  readonly SIGNALED = 0x9119
  readonly UNSIGNALED = 0x9118
  readonly fences: { signalled: boolean }[] = []
  deleted = 0
  constructor(private readonly parallel: boolean) {}
  getExtension(name: string): unknown {
    return name === 'KHR_parallel_shader_compile' && this.parallel ? {} : null
  }
  fenceSync(): { signalled: boolean } {
    const fence = { signalled: false }
    this.fences.push(fence)
    return fence
  }
  getSyncParameter(sync: { signalled: boolean }, pname: number): number {
    if (pname !== this.SYNC_STATUS) throw new Error('FakeFenceGL: unknown pname')
    return sync.signalled ? this.SIGNALED : this.UNSIGNALED
  }
  deleteSync(): void {
    this.deleted++
  }
  signalAll(): void {
    for (const f of this.fences) f.signalled = true
  }
}

/** A FakeWarmupRenderer with a WebGL2 context (fences, and KHR_parallel_shader_compile or not). */
class FencedRenderer extends FakeWarmupRenderer {
  readonly gl: FakeFenceGL
  constructor(clock: ManualClock, parallel: boolean) {
    super(clock)
    this.gl = new FakeFenceGL(parallel)
  }
  getContext(): FakeFenceGL {
    return this.gl
  }
}

let warnSpy: MockInstance<typeof console.warn>
beforeEach(() => {
  warnSpy = vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => {
  warnSpy.mockRestore()
})

/** A texture with data (version 1) of `mib` MiB as the job estimates it (RGBA8, no mipmaps). */
function texture(name: string, mib = 1): Texture {
  const side = Math.sqrt((mib * MiB) / 4)
  const t = new DataTexture(new Uint8Array(side * side * 4), side, side)
  t.name = name
  t.needsUpdate = true
  return t
}

function material(name: string, map: Texture | null = null): MeshLambertMaterial {
  const m = new MeshLambertMaterial({ map })
  m.name = name
  return m
}

function setup(options: Partial<GpuWarmupJobOptions> = {}) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
  const renderer = new FakeWarmupRenderer(clock)
  const scene = new Scene()
  const camera = new PerspectiveCamera()
  const existing = new Mesh(undefined, material('old', texture('oldMap')))
  scene.add(existing)
  const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera, ...options })
  const frame = async (n = 1) => {
    for (let i = 0; i < n; i++) {
      scheduler.runFrame()
      await flush()
    }
  }
  return { clock, scheduler, renderer, scene, camera, existing, warmup, frame }
}

/** A job whose idle callbacks queue in `requests`, for the test to run with the deadline it picks; budget 2.5 ms. */
function withIdle<R extends FakeWarmupRenderer>(make: (clock: ManualClock) => R) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
  const renderer = make(clock)
  const requests: ((deadline: { timeRemaining(): number }) => void)[] = []
  const scene = new Scene()
  const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera: new PerspectiveCamera(), idle: (callback) => requests.push(callback) })
  return { clock, scheduler, renderer, requests, scene, warmup }
}

/** A district: `n` meshes over two new materials with one new texture each. */
function district(n = 6) {
  const group = new Group()
  const a = material('a', texture('mapA'))
  const b = material('b', texture('mapB'))
  for (let i = 0; i < n; i++) group.add(new Mesh(undefined, i % 2 === 0 ? a : b))
  return { group, a, b }
}

describe('GpuWarmupJob', () => {
  it('is a sliced LOD system named gpuWarmup by default, with a weight option', () => {
    const { warmup, scheduler } = setup()
    expect(warmup.system.type).toBe(BatchType.LOD)
    expect(warmup.system.name).toBe('gpuWarmup')
    expect(warmup.system.weight).toBe(0.2)
    const other = new GpuWarmupJob(scheduler, new FakeWarmupRenderer(new ManualClock()), {
      scene: new Scene(),
      camera: new PerspectiveCamera(),
      name: 'warm',
      weight: 0.5,
    })
    expect(other.system.name).toBe('warm')
    expect(other.system.weight).toBe(0.5)
    expect(warmup.hideUntilReady).toBe(true)
  })

  it('leaves what the scene held at install alone', async () => {
    const { renderer, frame, existing, warmup } = setup()
    await frame(3)
    expect(renderer.log).toEqual([])
    expect(existing.visible).toBe(true)
    expect(warmup.isIdle).toBe(true)
  })

  it('holds an added object invisible, compiles each new material once and uploads each new texture, then shows it', async () => {
    const { renderer, frame, scene, camera, warmup } = setup()
    renderer.compileMs = 0.4
    const { group } = district()
    scene.add(group)
    expect(group.visible).toBe(false)
    expect(warmup.isHeld(group)).toBe(true)
    expect(warmup.stats).toMatchObject({ pendingPrograms: 2, pendingUploads: 2, held: 1 })
    await frame()
    // Uploads first (1 ms each), then compiles while the cost of one fits (0.5 ms guessed, then 0.4 as measured).
    expect(renderer.log).toEqual(['upload mapA', 'upload mapB', 'compile a'])
    expect(warmup.stats).toMatchObject({ pendingPrograms: 2, compiling: 1, pendingUploads: 0, texturesUploaded: 2, bytesLastFrame: 2 * MiB })
    await frame()
    expect(renderer.log).toEqual(['upload mapA', 'upload mapB', 'compile a', 'compile b'])
    expect(renderer.compiles.map((c) => [c.scene, c.camera])).toEqual([
      [scene, camera],
      [scene, camera],
    ])
    expect(warmup.stats).toMatchObject({ pendingPrograms: 2, compiling: 2, bytesLastFrame: 0 })
    // Programs still compiling: still hidden, for as many frames as that takes.
    await frame(5)
    expect(group.visible).toBe(false)
    renderer.compiles[0]?.resolve()
    await frame()
    expect(group.visible).toBe(false)
    expect(warmup.stats.pendingPrograms).toBe(1)
    renderer.compiles[1]?.resolve()
    await flush()
    expect(group.visible).toBe(true)
    expect(warmup.isHeld(group)).toBe(false)
    expect(warmup.stats).toMatchObject({ pendingPrograms: 0, compiling: 0, held: 0, shown: 1, programsCompiled: 2 })
    expect(warmup.isIdle).toBe(true)
    // The same materials again: nothing to do, not hidden.
    const again = new Mesh(undefined, group.children[0] ? (group.children[0] as Mesh).material : undefined)
    scene.add(again)
    expect(again.visible).toBe(true)
    await frame()
    expect(renderer.log).toHaveLength(4)
  })

  it('learns the upload cost per byte and keeps uploads within the budget, the first of a frame always going', async () => {
    const { renderer, frame, scene, scheduler, warmup } = setup()
    renderer.msPerMiB = 0.7
    const group = new Group()
    for (let i = 0; i < 12; i++) {
      const m = new MeshBasicMaterial({ map: texture(`t${i}`) })
      group.add(new Mesh(undefined, m))
    }
    scene.add(group)
    renderer.compileMs = 0
    await frame() // compiles (free) then uploads
    expect(renderer.uploads).toHaveLength(3)
    renderer.resolveAll()
    const perFrame: number[] = []
    for (let i = 0; i < 10 && warmup.stats.pendingUploads > 0; i++) {
      const before = renderer.uploads.length
      await frame()
      perFrame.push(renderer.uploads.length - before)
      expect(scheduler.stats.last.usedMs).toBeLessThanOrEqual(2.5 + 1e-9)
    }
    expect(warmup.stats.msPerByte * MiB).toBeCloseTo(0.7, 1)
    // 2.5 ms / 0.7 ms: 3 uploads a frame (the fourth is predicted not to fit).
    expect(perFrame).toEqual([3, 3, 3])
    expect(warmup.stats.texturesUploaded).toBe(12)
    for (let i = 0; i < 5; i++) {
      renderer.resolveAll()
      await frame()
    }
    expect(group.visible).toBe(true)

    // A texture larger than the whole budget still goes, as the first upload of a frame.
    const huge = new Mesh(undefined, new MeshBasicMaterial({ map: texture('huge', 8) }))
    renderer.compileMs = 0
    scene.add(huge)
    await frame()
    expect(renderer.uploads.at(-1)?.name).toBe('huge')
    expect(warmup.stats.bytesLastFrame).toBe(8 * MiB)
  })

  it('shows the object when compileAsync rejects (it then compiles on first draw), and warns once', async () => {
    const { renderer, frame, scene, warmup } = setup()
    const { group } = district()
    scene.add(group)
    await frame(2)
    renderer.compiles[0]?.reject(new Error('link failed'))
    renderer.compiles[1]?.reject(new Error('link failed'))
    await flush()
    expect(group.visible).toBe(true)
    expect(warmup.stats.compileErrors).toBe(2)
    expect(warnSpy).toHaveBeenCalledTimes(1)
    expect(String(warnSpy.mock.calls[0]?.[0])).toMatch(/^GpuWarmupJob: compileAsync failed/)
  })

  it('with hideUntilReady: false only pre-warms', async () => {
    const { renderer, frame, scene, warmup } = setup({ hideUntilReady: false })
    const { group } = district()
    scene.add(group)
    expect(group.visible).toBe(true)
    expect(warmup.isHeld(group)).toBe(false)
    await frame(2)
    expect(renderer.log).toEqual(['upload mapA', 'upload mapB', 'compile a', 'compile b'])
    renderer.resolveAll()
    await flush()
    expect(warmup.isIdle).toBe(true)
  })

  it('restores exactly the visibility the app set', async () => {
    const { renderer, frame, scene, warmup } = setup()
    // Added hidden by the app: warmed, never shown by the job.
    const hidden = district()
    hidden.group.visible = false
    scene.add(hidden.group)
    expect(warmup.isHeld(hidden.group)).toBe(false)
    await frame(2)
    renderer.resolveAll()
    await flush()
    expect(hidden.group.visible).toBe(false)

    // Shown by the app while held: the app wins, the job does not touch it again.
    const shown = district()
    scene.add(shown.group)
    shown.group.visible = true
    await frame(2)
    renderer.resolveAll()
    await flush()
    expect(shown.group.visible).toBe(true)

    // Hidden through setVisible while held: stays hidden when ready.
    const told = district()
    scene.add(told.group)
    warmup.setVisible(told.group, false)
    expect(told.group.visible).toBe(false)
    await frame(2)
    renderer.resolveAll()
    await flush()
    expect(told.group.visible).toBe(false)
    warmup.setVisible(told.group, true)
    expect(told.group.visible).toBe(true)
    expect(() => warmup.setVisible(told.group, 1 as unknown as boolean)).toThrow(/^GpuWarmupJob.setVisible: visible must be a boolean/)
  })

  it('an object removed while held gets its visibility back and is no longer held', async () => {
    const { frame, scene, warmup } = setup()
    const { group } = district()
    scene.add(group)
    expect(group.visible).toBe(false)
    scene.remove(group)
    expect(group.visible).toBe(true)
    expect(warmup.isHeld(group)).toBe(false)
    expect(warmup.stats.held).toBe(0)
    await frame()
  })

  it('picks up objects added deep in the scene, and under objects added later', async () => {
    const { frame, scene, renderer } = setup()
    const parent = new Group()
    scene.add(parent) // nothing to warm: not held
    expect(parent.visible).toBe(true)
    const child = new Mesh(undefined, material('deep', texture('deepMap')))
    parent.add(child)
    expect(child.visible).toBe(false)
    await frame()
    expect(renderer.log).toEqual(['upload deepMap', 'compile deep'])
  })

  it('lifts a held mesh into view during its own compileAsync call (WebGPU projects what it compiles)', async () => {
    const { frame, scene, renderer } = setup()
    const mesh = new Mesh(undefined, material('solo'))
    scene.add(mesh)
    expect(mesh.visible).toBe(false)
    await frame()
    expect(renderer.compiles[0]?.visibleDuringCall).toBe(true)
    expect(mesh.visible).toBe(false)
  })

  it('waits for a texture without data, up to maxHoldFrames, then shows the object anyway', async () => {
    const { frame, scene, renderer, warmup } = setup({ maxHoldFrames: 10 })
    const loading = new Texture() // version 0: the image has not loaded
    loading.name = 'loading'
    const mesh = new Mesh(undefined, material('m', loading))
    scene.add(mesh)
    await frame(2)
    renderer.resolveAll()
    await frame(3)
    expect(renderer.uploads).toHaveLength(0)
    expect(mesh.visible).toBe(false)
    expect(warmup.stats.pendingUploads).toBe(1)
    await frame(7)
    expect(mesh.visible).toBe(true)
    expect(warmup.stats.timedOut).toBe(1)

    // Once loaded it is uploaded.
    loading.image = { data: new Uint8Array(16), width: 2, height: 2 }
    loading.needsUpdate = true
    await frame()
    expect(renderer.uploads.map((t) => t.name)).toEqual(['loading'])
  })

  it('finds textures in ShaderMaterial uniforms', async () => {
    const { frame, scene, renderer } = setup()
    const m = new ShaderMaterial({ uniforms: { tex: { value: texture('uniformMap') } } })
    m.name = 'shader'
    scene.add(new Mesh(undefined, m))
    await frame()
    expect(renderer.log).toEqual(['upload uniformMap', 'compile shader'])
  })

  it('does not upload before a WebGPURenderer is initialized', async () => {
    const { frame, scene, renderer } = setup()
    renderer.initialized = false
    renderer.hasInitialized = () => renderer.initialized === true
    scene.add(new Mesh(undefined, material('w', texture('wMap'))))
    await frame(3)
    expect(renderer.uploads).toHaveLength(0)
    renderer.initialized = true
    await frame()
    expect(renderer.uploads.map((t) => t.name)).toEqual(['wMap'])
  })

  it('add() warms objects outside the scene; throws on bad input and after dispose', async () => {
    const { frame, renderer, warmup } = setup()
    const outside = new Mesh(undefined, material('out'))
    expect(warmup.add(outside)).toBe(true)
    expect(outside.visible).toBe(false)
    await frame(2)
    renderer.resolveAll()
    await flush()
    expect(outside.visible).toBe(true)
    expect(warmup.add(outside)).toBe(false) // ready already
    expect(() => warmup.add({} as never)).toThrow(/^GpuWarmupJob.add: object must be a THREE.Object3D/)
    warmup.dispose()
    expect(() => warmup.add(outside)).toThrow(/^GpuWarmupJob.add: the job was disposed/)
  })

  it('dispose shows what it held, stops listening and removes the system; twice is safe', async () => {
    const { frame, scene, renderer, warmup, scheduler } = setup()
    const { group } = district()
    scene.add(group)
    await frame()
    warmup.dispose()
    warmup.dispose()
    expect(warmup.isDisposed).toBe(true)
    expect(group.visible).toBe(true)
    expect(scheduler.systems).not.toContain(warmup.system)
    renderer.resolveAll() // late compiles are ignored
    await flush()
    const later = new Mesh(undefined, material('later'))
    scene.add(later)
    expect(later.visible).toBe(true)
    await frame()
    expect(renderer.log.filter((l) => l === 'compile later')).toHaveLength(0)
    let listeners = 0
    scene.traverse((o) => {
      const l = (o as unknown as { _listeners?: Record<string, unknown[]> })._listeners
      listeners += (l?.['childadded']?.length ?? 0) + (l?.['childremoved']?.length ?? 0)
    })
    expect(listeners).toBe(0)
  })

  it('on WebGL2 without KHR_parallel_shader_compile, waits for a fence after the link before showing', async () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
    const renderer = new FencedRenderer(clock, false)
    const scene = new Scene()
    const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera: new PerspectiveCamera() })
    const mesh = new Mesh(undefined, material('m'))
    scene.add(mesh)
    scheduler.runFrame()
    renderer.resolveAll()
    await flush()
    // compileAsync resolved: a fence is placed, not signalled yet.
    expect(renderer.gl.fences).toHaveLength(1)
    expect(mesh.visible).toBe(false)
    expect(warmup.stats.compiling).toBe(1)
    scheduler.runFrame()
    expect(mesh.visible).toBe(false)
    renderer.gl.signalAll()
    scheduler.runFrame()
    expect(mesh.visible).toBe(true)
    expect(renderer.gl.deleted).toBe(1)
    expect(warmup.stats).toMatchObject({ compiling: 0, pendingPrograms: 0, programsCompiled: 1 })

    // With the extension three's compileAsync already waits for completion: no fence.
    const parallel = new FencedRenderer(clock, true)
    const scene2 = new Scene()
    new GpuWarmupJob(scheduler, parallel, { scene: scene2, camera: new PerspectiveCamera() })
    const mesh2 = new Mesh(undefined, material('m2'))
    scene2.add(mesh2)
    scheduler.runFrame()
    parallel.resolveAll()
    await flush()
    expect(parallel.gl.fences).toHaveLength(0)
    expect(mesh2.visible).toBe(true)
  })

  it('without parallel compile, uploads only while no link is in flight, and compiles once the uploads are done', async () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
    const renderer = new FencedRenderer(clock, false)
    renderer.compileMs = 0
    const scene = new Scene()
    new GpuWarmupJob(scheduler, renderer, { scene, camera: new PerspectiveCamera() })
    scene.add(new Mesh(undefined, material('first', texture('firstMap'))))
    scheduler.runFrame()
    expect(renderer.log).toEqual(['upload firstMap', 'compile first'])
    // A second object while the first link is in flight: its upload waits for the fence.
    scene.add(new Mesh(undefined, material('second', texture('secondMap'))))
    renderer.resolveAll()
    await flush()
    scheduler.runFrame()
    scheduler.runFrame()
    expect(renderer.log).toEqual(['upload firstMap', 'compile first'])
    renderer.gl.signalAll()
    scheduler.runFrame()
    expect(renderer.log).toEqual(['upload firstMap', 'compile first', 'upload secondMap', 'compile second'])
  })

  it('never hides a StaticBatchingJob batch (it draws meshes already shown): it only pre-warms it', async () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
    const renderer = new FakeWarmupRenderer(clock)
    const scene = new Scene()
    const box = new BoxGeometry()
    const city = material('city')
    for (let i = 0; i < 4; i++) scene.add(new Mesh(box, city))
    scene.updateMatrixWorld()
    const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera: new PerspectiveCamera() })
    // Not linked to the warm-up job (no warmup option): its batch opens at once.
    const batching = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    const cityBatch = () => batching.batchOf(scene.children[0] as Mesh)
    for (let i = 0; i < 3 && cityBatch() === null; i++) {
      scheduler.runFrame()
      await flush()
    }
    expect(cityBatch()).not.toBeNull()
    // Its program compiles (the batch variant of the city's material); the batch stays drawn meanwhile.
    expect(renderer.compiles.map((c) => c.object)).toEqual([cityBatch()])
    expect(cityBatch()?.visible).toBe(true)
    expect(warmup.isWarming(cityBatch() as Mesh)).toBe(true)
    expect(warmup.stats.held).toBe(0)
    renderer.resolveAll()
    scheduler.runFrame()
    await flush()
    expect(warmup.isWarming(cityBatch() as Mesh)).toBe(false)
    expect(warmup.isIdle).toBe(true)
    expect(warmup.stats.shown).toBe(0) // nothing of the app's was held
    batching.dispose()
    warmup.dispose()
  })

  it('with a WebGLRenderer, compiles against a stand-in scene that hands three the shown lights without walking the scene', async () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 2.5 })
    const renderer = Object.assign(new FakeWarmupRenderer(clock), { isWebGLRenderer: true })
    const scene = new Scene()
    scene.fog = new Fog(0xffffff, 1, 100)
    const sun = new DirectionalLight()
    const rig = new Group()
    const lamp = new PointLight()
    rig.add(lamp)
    scene.add(sun, rig)
    for (let i = 0; i < 50; i++) scene.add(new Mesh(undefined, material(`old${i}`)))
    const warmup = new GpuWarmupJob(scheduler, renderer, { scene, camera: new PerspectiveCamera() })
    const visited = (): Object3D[] => {
      const standIn = renderer.compiles.at(-1)?.scene as Object3D
      const seen: Object3D[] = []
      standIn.traverseVisible((o) => seen.push(o))
      return seen
    }
    const compileOne = async (name: string): Promise<void> => {
      scene.add(new Mesh(undefined, material(name)))
      scheduler.runFrame()
      await flush()
    }
    await compileOne('a')
    const standIn = renderer.compiles[0]?.scene as Scene
    expect(standIn).not.toBe(scene)
    expect(Object.getPrototypeOf(standIn)).toBe(scene) // fog, environment, ... read through
    expect(standIn.fog).toBe(scene.fog)
    expect(standIn.isScene).toBe(true)
    expect(visited()).toEqual([sun, lamp])
    // A hidden ancestor hides its lights, as in three's walk; lights added and removed later are followed.
    rig.visible = false
    const spot = new PointLight()
    const deep = new Group()
    deep.add(spot)
    scene.add(deep)
    await compileOne('b')
    expect(visited()).toEqual([sun, spot])
    rig.visible = true
    scene.remove(sun)
    deep.remove(spot)
    await compileOne('c')
    expect(visited()).toEqual([lamp])
    expect(new Set(renderer.compiles.map((c) => c.scene))).toEqual(new Set([standIn]))
    warmup.dispose()
  })

  it('with an idle runner, compiles between frames while the learned cost fits the idle time (at least one a request); never in a frame while it does not fit the budget', async () => {
    const { clock, scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FakeWarmupRenderer(c))
    renderer.compileMs = 3 // more than the whole budget
    const group = new Group()
    for (const name of ['a', 'b', 'c', 'd', 'e']) group.add(new Mesh(undefined, material(name)))
    scene.add(group)
    scheduler.runFrame()
    scheduler.runFrame()
    // Nothing compiled inside the frames; one idle request outstanding (not one per frame).
    expect(renderer.log).toEqual([])
    expect(requests).toHaveLength(1)
    expect(scheduler.stats.last.usedMs).toBeLessThan(1)
    // An idle period of 6.5 ms: the first goes (then measured: 3 ms) and the next while 3 ms fit what is left.
    let left = 6.5
    const start = clock.now()
    requests.shift()?.({ timeRemaining: () => Math.max(0, left - (clock.now() - start)) })
    expect(renderer.log).toEqual(['compile a', 'compile b'])
    expect(warmup.stats.msPerCompile).toBe(3)
    // Frames: 3 ms does not fit the budget, so not there.
    scheduler.runFrame()
    scheduler.runFrame()
    expect(renderer.log).toHaveLength(2)
    expect(requests).toHaveLength(1)
    // A request run by its timeout (no idle time left): one compile.
    left = 0
    requests.shift()?.({ timeRemaining: () => 0 })
    expect(renderer.log).toEqual(['compile a', 'compile b', 'compile c'])
    scheduler.runFrame()
    expect(renderer.log).toHaveLength(3)
    requests.shift()?.({ timeRemaining: () => 100 })
    expect(renderer.log).toHaveLength(5)
    scheduler.runFrame()
    expect(requests).toHaveLength(0) // nothing left to compile: no request
    renderer.resolveAll()
    await flush()
    expect(group.visible).toBe(true)
    // A request that runs after dispose does nothing.
    const more = new Mesh(undefined, material('f'))
    scene.add(more)
    scheduler.runFrame()
    warmup.dispose()
    requests.shift()?.({ timeRemaining: () => 100 })
    expect(renderer.log).toHaveLength(5)
  })

  it('in the frames, judges a compile by the longest measured, not the smoothed cost one slow call would overrun', () => {
    const { scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FakeWarmupRenderer(c))
    const group = new Group()
    for (const name of ['a', 'b', 'c', 'd']) group.add(new Mesh(undefined, material(name)))
    scene.add(group)
    scheduler.runFrame()
    renderer.compileMs = 3
    requests.shift()?.({ timeRemaining: () => 0 }) // a: 3 ms
    scheduler.runFrame()
    renderer.compileMs = 0.5
    requests.shift()?.({ timeRemaining: () => 0 }) // b: 0.5 ms; smoothed 2.375 would fit 2.5 ms
    expect(warmup.stats.msPerCompile).toBeLessThan(2.5)
    expect(warmup.stats.maxCompileMs).toBe(3)
    for (let i = 0; i < 5; i++) scheduler.runFrame()
    expect(renderer.log).toEqual(['compile a', 'compile b'])
    warmup.dispose()
  })

  it('with an idle runner that never runs (a main thread never idle), compiles in the frames once one measured between frames fits them, within the budget', async () => {
    const { scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FakeWarmupRenderer(c))
    renderer.compileMs = 0.6
    const group = new Group()
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
    for (const name of names) group.add(new Mesh(undefined, material(name)))
    scene.add(group)
    // Not measured yet: nothing in the frames, however many.
    for (let i = 0; i < 5; i++) scheduler.runFrame()
    expect(renderer.log).toEqual([])
    // One request runs by its timeout: one compile, measured.
    requests.shift()?.({ timeRemaining: () => 0 })
    expect(renderer.log).toEqual(['compile a'])
    // Then the frames take them while 0.6 ms fits the job's slice; the budget holds in every frame.
    const perFrame: number[] = []
    while (renderer.log.length < names.length && perFrame.length < 20) {
      const before = renderer.log.length
      scheduler.runFrame()
      perFrame.push(renderer.log.length - before)
      expect(scheduler.stats.last.usedMs).toBeLessThanOrEqual(2.5)
      expect(warmup.stats.frameMs).toBeCloseTo(0.6 * (renderer.log.length - before), 9)
      // The between-frames compile shows at the next frame, then nothing ran between frames.
      expect(warmup.stats.idleMs).toBeCloseTo(perFrame.length === 1 ? 0.6 : 0, 9)
    }
    expect(renderer.log).toEqual(names.map((n) => `compile ${n}`))
    expect(perFrame[0]).toBeGreaterThanOrEqual(1)
    expect(Math.max(...perFrame)).toBeLessThanOrEqual(4) // 4 × 0.6 ms fit 2.5 ms, 5 do not
    renderer.resolveAll()
    await flush()
    expect(group.visible).toBe(true)
    warmup.dispose()
  })

  it('without parallel compile, compiles one program at a time and makes three\'s first use of it between frames before the next', async () => {
    const { scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FencedRenderer(c, false))
    const log = renderer.log // compiles and first uses, in order
    Object.assign(renderer, {
      properties: {
        get: (m: { name: string }) => ({
          currentProgram: { getUniforms: () => log.push(`uniforms ${m.name}`), getAttributes: () => log.push(`attributes ${m.name}`) },
        }),
      },
    })
    const group = new Group()
    group.add(new Mesh(undefined, material('a')), new Mesh(undefined, material('b')))
    scene.add(group)
    const hidden: boolean[] = []
    for (let i = 0; i < 8; i++) {
      scheduler.runFrame()
      for (const request of requests.splice(0)) request({ timeRemaining: () => 50 }) // a roomy idle period
      renderer.resolveAll()
      await flush()
      renderer.gl.signalAll()
      hidden.push(!group.visible)
    }
    expect(log).toEqual(['compile a', 'uniforms a', 'attributes a', 'compile b', 'uniforms b', 'attributes b'])
    // Shown only once b's first use was made; hidden every iteration before.
    const shownAt = hidden.indexOf(false)
    expect(shownAt).toBe(2) // a: compiled, then first use; b likewise
    expect(hidden.slice(0, shownAt).every(Boolean)).toBe(true)
    expect(warmup.stats).toMatchObject({ compiling: 0, programsCompiled: 2, shown: 1 })
    warmup.dispose()
  })

  it.each([
    [3, false],
    [0.5, true],
  ])('with an idle runner, uploads between frames first, then in the frames only while the measured cost (%s ms/MiB) fits them: %s', async (msPerMiB, inFrames) => {
    const { clock, scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FakeWarmupRenderer(c))
    renderer.msPerMiB = msPerMiB
    renderer.compileMs = 0
    const group = new Group()
    const shared = material('m')
    for (let i = 0; i < 4; i++) group.add(new Mesh(undefined, new MeshBasicMaterial({ map: texture(`t${i}`) })))
    group.add(new Mesh(undefined, shared))
    scene.add(group)
    const uploads = () => renderer.log.filter((line) => line.startsWith('upload'))
    // Not measured yet: none in a frame (the guess of 0.25 ms/MiB would fit).
    scheduler.runFrame()
    expect(uploads()).toEqual([])
    expect(requests).toHaveLength(1)
    // A request run by its timeout: one upload, measured; no compile while uploads remain.
    requests.shift()?.({ timeRemaining: () => 0 })
    expect(uploads()).toEqual(['upload t0'])
    expect(renderer.log.some((line) => line.startsWith('compile'))).toBe(false)
    expect(warmup.stats.msPerByte).toBeCloseTo(msPerMiB / MiB, 12)
    // The next frame counts the between-frames MiB in bytesLastFrame, with its own.
    scheduler.runFrame()
    expect(scheduler.stats.last.usedMs).toBeLessThanOrEqual(2.5)
    if (inFrames) {
      expect(uploads().length).toBeGreaterThan(1)
      expect(warmup.stats.bytesLastFrame).toBe(uploads().length * MiB)
    } else {
      expect(uploads()).toEqual(['upload t0']) // 3 ms does not fit a 2.5 ms budget
      expect(warmup.stats.bytesLastFrame).toBe(MiB)
      // Between frames, while the next fits the idle time left (10 ms: three of 3 ms).
      const start = clock.now()
      requests.shift()?.({ timeRemaining: () => Math.max(0, 10 - (clock.now() - start)) })
      expect(uploads()).toEqual(['upload t0', 'upload t1', 'upload t2', 'upload t3'])
    }
    warmup.dispose()
  })

  it('without parallel compile, carries compile, fence and first use between frames alone while its slices do not run (deferred)', async () => {
    const { scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FencedRenderer(c, false))
    const log = renderer.log
    Object.assign(renderer, {
      properties: {
        get: (m: { name: string }) => ({ currentProgram: { getUniforms: () => log.push(`uniforms ${m.name}`), getAttributes: () => {} } }),
      },
    })
    const group = new Group()
    for (const name of ['a', 'b', 'c']) group.add(new Mesh(undefined, material(name)))
    scene.add(group)
    scheduler.runFrame() // queues the first idle request
    warmup.system.enabled = false // from here its slices never run
    for (let i = 0; i < 10 && requests.length > 0; i++) {
      for (const request of requests.splice(0)) request({ timeRemaining: () => 50 })
      renderer.resolveAll()
      await flush()
      renderer.gl.signalAll()
      scheduler.runFrame()
    }
    expect(log).toEqual(['compile a', 'uniforms a', 'compile b', 'uniforms b', 'compile c', 'uniforms c'])
    expect(group.visible).toBe(true)
    expect(warmup.stats).toMatchObject({ programsCompiled: 3, pendingPrograms: 0, compiling: 0 })
    expect(requests).toHaveLength(0) // nothing waiting: no more requests
    warmup.dispose()
  })

  it.each([
    [0.3, true],
    [5, false],
  ])('without parallel compile and no idle time, makes first uses in the frames once the longest measured (%s ms) fits them: %s', async (firstUseMs, inFrames) => {
    const { clock, scheduler, renderer, requests, scene, warmup } = withIdle((c) => new FencedRenderer(c, false))
    const log = renderer.log
    Object.assign(renderer, {
      properties: {
        get: (m: { name: string }) => ({
          currentProgram: {
            getUniforms: () => {
              clock.advance(firstUseMs) // waits for the link
              log.push(`uniforms ${m.name}`)
            },
            getAttributes: () => log.push(`attributes ${m.name}`),
          },
        }),
      },
    })
    const runRequests = () => {
      for (const request of requests.splice(0)) request({ timeRemaining: () => 0 })
    }
    const group = new Group()
    for (const name of ['a', 'b', 'c']) group.add(new Mesh(undefined, material(name)))
    scene.add(group)
    const settle = async () => {
      renderer.resolveAll()
      await flush()
      renderer.gl.signalAll()
    }
    // Both steps measured once between frames (requests run by their timeout): a's compile, then its first use.
    scheduler.runFrame()
    runRequests()
    await settle()
    scheduler.runFrame()
    runRequests()
    await settle()
    expect(log.slice(0, 3)).toEqual(['compile a', 'uniforms a', 'attributes a'])
    expect(warmup.stats.maxFirstUseMs).toBe(firstUseMs)
    const measured = log.length
    // From here the main thread is never idle: requests never run.
    for (let i = 0; i < 12; i++) {
      scheduler.runFrame()
      expect(scheduler.stats.last.usedMs).toBeLessThanOrEqual(2.5)
      await settle()
    }
    const uses = log.filter((line) => line.startsWith('uniforms'))
    if (inFrames) {
      expect(uses).toEqual(['uniforms a', 'uniforms b', 'uniforms c'])
      expect(group.visible).toBe(true)
    } else {
      // A first use that waited 5 ms never runs in a frame: the one linked since waits for idle time.
      expect(uses).toEqual(['uniforms a'])
      expect(log.length - measured).toBeLessThanOrEqual(1)
      expect(group.visible).toBe(false)
      runRequests()
      expect(log.filter((line) => line.startsWith('uniforms')).length).toBe(2)
    }
    warmup.dispose()
  })

  it('rejects an idle option that is not a function or null', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    expect(
      () => new GpuWarmupJob(scheduler, new FakeWarmupRenderer(clock), { scene: new Scene(), camera: new PerspectiveCamera(), idle: 5 as never }),
    ).toThrow(/^GpuWarmupJob: idle must be a function \(callback\) => void, such as requestIdleCallback, or null, got/)
    expect(() => new GpuWarmupJob(scheduler, new FakeWarmupRenderer(clock), { scene: new Scene(), camera: new PerspectiveCamera(), idle: null })).not.toThrow()
  })

  it('rejects bad arguments with GpuWarmupJob: errors', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const renderer = new FakeWarmupRenderer(clock)
    const scene = new Scene()
    const camera = new PerspectiveCamera()
    expect(() => new GpuWarmupJob({} as never, renderer, { scene, camera })).toThrow(/^GpuWarmupJob: scheduler must be a BatchScheduler/)
    expect(() => new GpuWarmupJob(scheduler, {} as never, { scene, camera })).toThrow(/^GpuWarmupJob: renderer must have compileAsync\(\) and initTexture\(\)/)
    expect(() => new GpuWarmupJob(scheduler, renderer, { scene: {} as never, camera })).toThrow(/^GpuWarmupJob: scene must be a THREE.Object3D/)
    expect(() => new GpuWarmupJob(scheduler, renderer, { scene, camera: scene as never })).toThrow(/^GpuWarmupJob: camera must be a THREE.Camera/)
    expect(() => new GpuWarmupJob(scheduler, renderer, undefined as never)).toThrow(/^GpuWarmupJob: scene must be/)
    expect(() => new GpuWarmupJob(scheduler, renderer, { scene, camera, hideUntilReady: 'no' as never })).toThrow(/^GpuWarmupJob: hideUntilReady/)
    expect(() => new GpuWarmupJob(scheduler, renderer, { scene, camera, weight: NaN })).toThrow(/^GpuWarmupJob: weight/)
    expect(() => new GpuWarmupJob(scheduler, renderer, { scene, camera, maxHoldFrames: 0 })).toThrow(/^GpuWarmupJob: maxHoldFrames/)
    expect(() => new GpuWarmupJob(scheduler, renderer, { scene, camera, name: 3 as never })).toThrow(/^GpuWarmupJob: name/)
  })
})
