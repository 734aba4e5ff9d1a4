import {
  BatchedMesh,
  BoxGeometry,
  Color,
  Group,
  InstancedMesh,
  LOD,
  type Material,
  Mesh,
  MeshBasicMaterial,
  MeshLambertMaterial,
  MeshStandardMaterial,
  Matrix4,
  type Object3D,
  PerspectiveCamera,
  Points,
  Raycaster,
  Scene,
  ShaderMaterial,
  SkinnedMesh,
  Sphere,
  SphereGeometry,
  Vector3,
} from 'three'
import { afterEach, describe, expect, it } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'
import { MatrixSyncJob } from '../../src/jobs/MatrixSyncJob.js'
import { StaticBatchingJob } from '../../src/jobs/StaticBatchingJob.js'

/** What one read of a {@link costlyMesh}'s `renderOrder` costs on the ManualClock (the job reads it once per mesh it handles). */
let charge: (() => void) | null = null

afterEach(() => {
  charge = null
})

/** A mesh whose handling costs clock time: an own `renderOrder` accessor (three itself is untouched). */
function costlyMesh(geometry: BoxGeometry, material: Material): Mesh {
  const mesh = new Mesh(geometry, material)
  let order = mesh.renderOrder
  Object.defineProperty(mesh, 'renderOrder', {
    get: () => {
      if (charge !== null) charge()
      return order
    },
    set: (value: number) => {
      order = value
    },
    enumerable: true,
    configurable: true,
  })
  return mesh
}

const box = new BoxGeometry(1, 1, 1)
const sphere = new SphereGeometry(0.5, 8, 6)

function setup(budgetMs = 2.5): { clock: ManualClock; scheduler: BatchScheduler; scene: Scene } {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, budgetMs })
  return { clock, scheduler, scene: new Scene() }
}

/** `n` meshes in a row, each with its own Lambert material of a random-ish colour (the common pattern). */
function addMeshes(scene: Object3D, n: number, make: (i: number) => Mesh = (i) => new Mesh(box, new MeshLambertMaterial({ color: new Color().setHSL(i / n, 0.5, 0.5) }))): Mesh[] {
  const meshes: Mesh[] = []
  for (let i = 0; i < n; i++) {
    const m = make(i)
    m.position.set(i * 2, 0, 0)
    scene.add(m)
    meshes.push(m)
  }
  scene.updateMatrixWorld()
  return meshes
}

function frames(scheduler: BatchScheduler, n: number): void {
  for (let i = 0; i < n; i++) scheduler.runFrame()
}

function batches(scene: Scene): BatchedMesh[] {
  return scene.children.filter((c): c is BatchedMesh => (c as BatchedMesh).isBatchedMesh === true)
}

/** Whether the renderer would draw `o` itself: its layers test against a camera while the scene renders. */
function drawnItself(scene: Scene, o: Object3D, camera = new PerspectiveCamera()): boolean {
  const hook = scene.onBeforeRender as unknown as (...a: unknown[]) => void
  hook.call(scene, null, scene, camera, null)
  const drawn = o.layers.test(camera.layers)
  ;(scene.onAfterRender as unknown as (...a: unknown[]) => void).call(scene, null, scene, camera, null)
  return drawn
}

function hasOwnTest(o: Object3D): boolean {
  return Object.prototype.hasOwnProperty.call(o.layers, 'test')
}

describe('StaticBatchingJob: install and arguments', () => {
  it('runs as a sliced Visibility system named staticBatching; a second job on the scene throws', () => {
    const { scheduler, scene } = setup()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, weight: 0.2 })
    expect(job.system.type).toBe(BatchType.Visibility)
    expect(job.system.name).toBe('staticBatching')
    expect(job.system.weight).toBe(0.2)
    expect(scheduler.systems).toContain(job.system)
    expect(() => new StaticBatchingJob(scheduler, scene)).toThrow(/^StaticBatchingJob: this scene already has/)
    job.dispose()
    expect(job.isDisposed).toBe(true)
    expect(scheduler.systems).not.toContain(job.system)
    new StaticBatchingJob(scheduler, scene, { name: 'b' }).dispose()
  })

  it('rejects bad arguments with a StaticBatchingJob: prefix', () => {
    const { scheduler, scene } = setup()
    expect(() => new StaticBatchingJob({} as BatchScheduler, scene)).toThrow(/^StaticBatchingJob: scheduler must be a BatchScheduler/)
    expect(() => new StaticBatchingJob(scheduler, new Group() as unknown as Scene)).toThrow(/^StaticBatchingJob: scene must be a THREE.Scene/)
    expect(() => new StaticBatchingJob(scheduler, scene, { chunkSize: 0 })).toThrow(/^StaticBatchingJob: chunkSize/)
    expect(() => new StaticBatchingJob(scheduler, scene, { weight: Number.NaN })).toThrow(/^StaticBatchingJob: weight/)
    expect(() => new StaticBatchingJob(scheduler, scene, { maxInstancesPerBatch: 1.5 })).toThrow(/^StaticBatchingJob: maxInstancesPerBatch/)
    expect(() => new StaticBatchingJob(scheduler, scene, { sortObjects: 1 as unknown as boolean })).toThrow(/^StaticBatchingJob: sortObjects/)
    expect(() => new StaticBatchingJob(scheduler, scene, { culling: {} as never })).toThrow(/^StaticBatchingJob: culling/)
    expect(() => new StaticBatchingJob(scheduler, scene, { matrices: 3 as never })).toThrow(/^StaticBatchingJob: matrices/)
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    expect(() => job.setCulled(null as never, true)).toThrow(/^StaticBatchingJob.setCulled: object/)
    expect(() => job.setCulled(new Mesh(), 1 as never)).toThrow(/^StaticBatchingJob.setCulled: culled/)
    job.dispose()
  })
})

describe('StaticBatchingJob: eligibility', () => {
  it('batches plain opaque meshes and leaves the rest alone', () => {
    const { scheduler, scene } = setup()
    const plain = addMeshes(scene, 4)
    const lambert = new MeshLambertMaterial()
    const transparent = new Mesh(box, new MeshLambertMaterial({ transparent: true, opacity: 0.5 }))
    const multi = new Mesh(box, [lambert, lambert])
    const shader = new Mesh(box, new ShaderMaterial())
    const hooked = new Mesh(box, lambert)
    hooked.onBeforeRender = () => {}
    const instanced = new InstancedMesh(box, lambert, 4)
    const skinned = new SkinnedMesh(box, lambert)
    const morphGeometry = new BoxGeometry()
    morphGeometry.morphAttributes['position'] = [morphGeometry.getAttribute('position').clone()]
    const morphed = new Mesh(morphGeometry, lambert)
    morphed.updateMorphTargets()
    const mirrored = new Mesh(box, lambert)
    mirrored.scale.x = -1
    const rangedGeometry = new BoxGeometry()
    rangedGeometry.setDrawRange(0, 6)
    const ranged = new Mesh(rangedGeometry, lambert)
    const wire = new Mesh(box, new MeshBasicMaterial({ wireframe: true }))
    const compiled = new MeshLambertMaterial()
    compiled.onBeforeCompile = () => {}
    const custom = new Mesh(box, compiled)
    const points = new Points(box)
    const left = [transparent, multi, shader, hooked, instanced, skinned, morphed, mirrored, ranged, wire, custom, points]
    scene.add(...left)
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 2)
    for (const m of plain) expect(job.batchOf(m)).not.toBeNull()
    for (const o of left) {
      expect(job.batchOf(o)).toBeNull()
      expect(hasOwnTest(o)).toBe(false)
    }
    expect(job.stats.batchedObjects).toBe(4)
    job.dispose()
  })

  it('one batch per material up to colour and geometry layout; colours per instance', () => {
    const { scheduler, scene } = setup()
    const meshes = addMeshes(scene, 10) // ten Lambert materials, ten colours
    const emissive = new Mesh(box, new MeshLambertMaterial({ emissive: 0x202020 }))
    const basic = new Mesh(box, new MeshBasicMaterial({ color: 0xff0000 }))
    const noIndex = new Mesh(box.toNonIndexed(), new MeshLambertMaterial({ color: 0x00ff00 }))
    const spheres = addMeshes(scene, 3, () => new Mesh(sphere, new MeshLambertMaterial({ color: 0x0000ff })))
    scene.add(emissive, basic, noIndex)
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    const shared = job.batchOf(meshes[0] as Mesh) as BatchedMesh
    for (const m of [...meshes, ...spheres]) expect(job.batchOf(m)).toBe(shared) // boxes and spheres: one layout
    for (const other of [emissive, basic, noIndex]) {
      expect(job.batchOf(other)).not.toBeNull()
      expect(job.batchOf(other)).not.toBe(shared)
    }
    expect(job.stats.batches).toBe(4)
    expect(batches(scene)).toHaveLength(4)
    // The batch's material is white; each instance carries its mesh's colour.
    expect((shared.material as MeshLambertMaterial).color.getHex()).toBe(0xffffff)
    const c = new Color()
    for (const m of meshes) {
      shared.getColorAt(job.instanceIdOf(m), c)
      const own = (m.material as MeshLambertMaterial).color
      expect([c.r, c.g, c.b]).toEqual([Math.fround(own.r), Math.fround(own.g), Math.fround(own.b)])
    }
    // The app's materials are untouched.
    expect((meshes[0]?.material as MeshLambertMaterial).color.getHex()).not.toBe(0xffffff)
    job.dispose()
  })

  it('a batch draws with its members\' defines (three\'s copy() drops them: a Standard material\'s resets to STANDARD)', () => {
    const { scheduler, scene } = setup()
    const plain = new MeshStandardMaterial({ color: 0x808080 })
    const variant = new MeshStandardMaterial({ color: 0x808080 })
    variant.defines = { STANDARD: '', FLAT_SHADED: '', APP_VARIANT: 3 }
    const lambert = new MeshLambertMaterial()
    lambert.defines = { APP_VARIANT: 4 }
    const [a, b, c] = [new Mesh(box, plain), new Mesh(box, variant), new Mesh(box, lambert)]
    scene.add(a, b, c)
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    const batchA = job.batchOf(a) as BatchedMesh
    const batchB = job.batchOf(b) as BatchedMesh
    const batchC = job.batchOf(c) as BatchedMesh
    expect(batchA).not.toBe(batchB) // defines are part of the look
    expect(batchA.material.defines).toEqual({ STANDARD: '' })
    expect(batchB.material.defines).toEqual({ STANDARD: '', FLAT_SHADED: '', APP_VARIANT: 3 })
    expect(batchB.material.defines).not.toBe(variant.defines) // a copy: the app's object is the app's
    expect(batchC.material.defines).toEqual({ APP_VARIANT: 4 })
    job.dispose()
  })

  it('batches a LOD as one instance: the shown level\'s geometry, matrix and colour switched in', () => {
    const { scheduler, scene } = setup()
    const lod = new LOD()
    const near = new Mesh(sphere, new MeshLambertMaterial({ color: 0xff0000 }))
    const far = new Mesh(box, new MeshLambertMaterial({ color: 0x00ff00 }))
    far.position.y = 2 // a level may sit elsewhere in the LOD
    lod.addLevel(near, 0)
    lod.addLevel(far, 50)
    scene.add(lod)
    const camera = new PerspectiveCamera()
    camera.position.set(0, 0, 10)
    camera.updateMatrixWorld()
    scene.updateMatrixWorld()
    lod.update(camera)
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    const batch = job.batchOf(near) as BatchedMesh
    expect(job.batchOf(far)).toBe(batch)
    const id = job.instanceIdOf(near)
    expect(job.instanceIdOf(far)).toBe(id) // one instance for the LOD
    expect(batch.instanceCount).toBe(1)
    expect(job.stats.batchedObjects).toBe(2) // meshes drawn through a batch, not instances
    const drawn = (): { sphere: Sphere; matrix: number[]; color: number; visible: boolean } => ({
      sphere: batch.getBoundingSphereAt(batch.getGeometryIdAt(id), new Sphere()) as Sphere,
      matrix: batch.getMatrixAt(id, new Matrix4()).toArray(),
      color: batch.getColorAt(id, new Color()).getHex(),
      visible: batch.getVisibleAt(id),
    })
    const f32 = (m: Matrix4): number[] => m.toArray().map((v) => Math.fround(v))
    sphere.computeBoundingSphere()
    box.computeBoundingSphere()
    expect(drawn()).toEqual({ sphere: sphere.boundingSphere, matrix: f32(near.matrixWorld), color: 0xff0000, visible: true })
    camera.position.set(0, 0, 100)
    camera.updateMatrixWorld()
    lod.update(camera)
    frames(scheduler, 1)
    expect(drawn()).toEqual({ sphere: box.boundingSphere, matrix: f32(far.matrixWorld), color: 0x00ff00, visible: true })
    // The app hides the LOD: the instance hides; shows it again: back.
    lod.visible = false
    frames(scheduler, 1)
    expect(batch.getVisibleAt(id)).toBe(false)
    lod.visible = true
    // Both levels shown at once (the app's doing): two meshes to draw, so the share ends and they draw themselves.
    near.visible = true
    frames(scheduler, 1)
    expect(job.batchOf(near)).toBeNull()
    expect(job.batchOf(far)).toBeNull()
    expect(job.stats.outObjects).toBe(2)
    job.dispose()
  })

  it('a LOD whose levels are not one plain mesh each keeps one instance per level mesh', () => {
    const { scheduler, scene } = setup()
    const lod = new LOD()
    const high = new Mesh(sphere, new MeshLambertMaterial())
    high.add(new Mesh(box, new MeshLambertMaterial())) // a level with a part
    const low = new Mesh(box, new MeshLambertMaterial())
    lod.addLevel(high, 0)
    lod.addLevel(low, 50)
    scene.add(lod)
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    expect(job.stats.batchedObjects).toBe(3)
    expect(job.instanceIdOf(high)).not.toBe(job.instanceIdOf(low))
    job.dispose()
  })
})

describe('StaticBatchingJob: building under the budget', () => {
  it('batches a big scene over several frames, never past the budget by more than one chunk', () => {
    const { clock, scheduler, scene } = setup(0.1)
    const n = 300
    addMeshes(scene, n, () => costlyMesh(box, new MeshLambertMaterial()))
    const chunkSize = 8
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, chunkSize })
    const cost = 0.005
    charge = () => clock.advance(cost)
    let framesTaken = 0
    while (job.stats.batchedObjects < n && framesTaken < 1000) {
      const stats = scheduler.runFrame()
      framesTaken++
      expect(stats.usedMs).toBeLessThanOrEqual(0.1 + chunkSize * cost + 1e-9)
      expect(job.stats.batchedObjects + job.stats.pendingObjects).toBeLessThanOrEqual(n)
    }
    expect(job.stats.batchedObjects).toBe(n)
    expect(job.stats.pendingObjects).toBe(0)
    // 300 meshes × 2 reads (scan, join) × 5 µs = 3 ms of work, at most 0.14 ms a frame.
    expect(framesTaken).toBeGreaterThanOrEqual(Math.floor(3 / (0.1 + chunkSize * cost)))
    job.dispose()
  })

  it('the maintenance sweep stays within the budget (one chunk over at most) and still completes passes', () => {
    const { clock, scheduler, scene } = setup(0.1)
    const n = 200
    addMeshes(scene, n, () => costlyMesh(box, new MeshLambertMaterial()))
    const chunkSize = 8
    const job = new StaticBatchingJob(scheduler, scene, { chunkSize, minSweepFrames: 1, rescanFrames: 1000 })
    job.flush()
    const cost = 0.005
    charge = () => clock.advance(cost)
    const sweeps = job.stats.sweeps
    for (let f = 0; f < 40; f++) {
      const stats = scheduler.runFrame()
      expect(stats.usedMs).toBeLessThanOrEqual(0.1 + chunkSize * cost + 1e-9)
      expect(job.stats.visited).toBeGreaterThan(0)
    }
    // 200 visits × 5 µs = 1 ms a pass, ~0.14 ms a frame: at least 4 passes in 40 frames.
    expect(job.stats.sweeps - sweeps).toBeGreaterThanOrEqual(4)
    job.dispose()
  })

  it('finds meshes added later even while the sweep uses every run\'s whole budget (an overdue rescan goes first)', () => {
    const { clock, scheduler, scene } = setup(0.1)
    addMeshes(scene, 200, () => costlyMesh(box, new MeshLambertMaterial()))
    const job = new StaticBatchingJob(scheduler, scene, { chunkSize: 8, minSweepFrames: 1, rescanFrames: 5 })
    job.flush()
    charge = () => clock.advance(0.005) // a pass: 1 ms, ten times a run's budget
    frames(scheduler, 10)
    const late = addMeshes(scene, 1)[0] as Mesh
    let found = -1
    for (let f = 1; f <= 100 && found < 0; f++) {
      const stats = scheduler.runFrame()
      expect(stats.usedMs).toBeLessThanOrEqual(0.1 + 8 * 0.005 + 1e-9)
      if (job.batchOf(late) !== null) found = f
    }
    // Overdue after 2 × rescanFrames; the walk (202 objects, cheap reads) and the build take a few runs more.
    expect(found).toBeGreaterThan(0)
    expect(found).toBeLessThanOrEqual(2 * 5 + 10)
    job.dispose()
  })

  it('meshes join in material id order, as three draws coincident meshes (the same one wins the depth test)', () => {
    const { scheduler, scene } = setup()
    const first = new MeshLambertMaterial({ color: 0xff0000 })
    const second = new MeshLambertMaterial({ color: 0x0000ff })
    const late = new Mesh(box, second) // earlier in the scene graph, later in three's opaque order
    const early = new Mesh(box, first)
    scene.add(late, early)
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    expect(job.instanceIdOf(early)).toBeLessThan(job.instanceIdOf(late))
    job.dispose()
  })

  it('paces the sweep over minSweepFrames: a change is seen within that many frames, a frame visits its share', () => {
    const { scheduler, scene } = setup()
    const meshes = addMeshes(scene, 40)
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 4 })
    frames(scheduler, 1) // scan and build
    const target = meshes[25] as Mesh
    const batch = job.batchOf(target) as BatchedMesh
    target.visible = false
    let seen = -1
    for (let f = 1; f <= 4 && seen < 0; f++) {
      frames(scheduler, 1)
      expect(job.stats.visited).toBeLessThanOrEqual(10 + 1)
      if (!batch.getVisibleAt(job.instanceIdOf(target))) seen = f
    }
    expect(seen).toBeGreaterThan(0)
    job.dispose()
  })

  it('fills batches up to maxInstancesPerBatch and opens more', () => {
    const { scheduler, scene } = setup()
    addMeshes(scene, 50, () => new Mesh(box, new MeshLambertMaterial()))
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, maxInstancesPerBatch: 16 })
    frames(scheduler, 1)
    expect(job.stats.batches).toBe(4)
    expect(job.stats.batchedObjects).toBe(50)
    expect(job.stats.drawCallsSaved).toBe(46)
    job.dispose()
  })

  it('picks up meshes added later (rescan)', () => {
    const { scheduler, scene } = setup()
    addMeshes(scene, 3)
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, rescanFrames: 5 })
    frames(scheduler, 1)
    const late = addMeshes(scene, 1)[0] as Mesh
    frames(scheduler, 8)
    expect(job.batchOf(late)).not.toBeNull()
    job.dispose()
  })
})

describe('StaticBatchingJob: the handle', () => {
  it('a batched mesh is not drawn itself, stays raycastable, and the batch never answers a raycast', () => {
    const { scheduler, scene } = setup()
    const [a, b] = addMeshes(scene, 2) as [Mesh, Mesh]
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    expect(drawnItself(scene, a)).toBe(false)
    expect(a.layers.test(new PerspectiveCamera().layers)).toBe(true) // outside a render: as three's
    expect(a.visible).toBe(true)
    const raycaster = new Raycaster(new Vector3(0, 0, 10), new Vector3(0, 0, -1))
    const hits = raycaster.intersectObject(scene, true)
    expect(hits.map((h) => h.object)).toEqual([a, a]) // in and out of the box, never the batch
    // The batch's own raycast finds nothing.
    const direct: unknown[] = []
    ;(job.batchOf(a) as BatchedMesh).raycast(raycaster, direct as never)
    expect(direct).toEqual([])
    // Layers stay the app's: a mask without the raycaster's layer is not hit.
    b.layers.set(3)
    expect(new Raycaster(new Vector3(2, 0, 10), new Vector3(0, 0, -1)).intersectObject(scene, true)).toEqual([])
    job.dispose()
    expect(drawnItself(scene, a)).toBe(true)
  })

  it('a batched mesh\'s unbatched children are still drawn; a render that threw does not leave handles unpickable', () => {
    const { scheduler, scene } = setup()
    const [parent] = addMeshes(scene, 1) as [Mesh]
    const child = new Mesh(box, new MeshLambertMaterial({ transparent: true, opacity: 0.5 }))
    parent.add(child)
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    expect(job.batchOf(parent)).not.toBeNull()
    expect(drawnItself(scene, parent)).toBe(false)
    expect(drawnItself(scene, child)).toBe(true)
    // onBeforeRender without onAfterRender (the render threw): the next run puts things right.
    const camera = new PerspectiveCamera()
    ;(scene.onBeforeRender as unknown as (...a: unknown[]) => void).call(scene, null, scene, camera, null)
    expect(parent.layers.test(camera.layers)).toBe(false)
    frames(scheduler, 1)
    expect(parent.layers.test(camera.layers)).toBe(true)
    job.dispose()
  })

  it('the app\'s scene hooks still run, and one assigned later is wrapped too', () => {
    const { scheduler, scene } = setup()
    const log: string[] = []
    scene.onBeforeRender = () => log.push('before')
    const [a] = addMeshes(scene, 1) as [Mesh]
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    expect(drawnItself(scene, a)).toBe(false)
    expect(log).toEqual(['before'])
    scene.onAfterRender = () => log.push('after')
    frames(scheduler, 1)
    expect(drawnItself(scene, a)).toBe(false)
    expect(log).toEqual(['before', 'before', 'after'])
    job.dispose()
  })

  it('a moved mesh updates its instance; one that keeps moving leaves and rejoins once still', () => {
    const { scheduler, scene } = setup()
    const [a] = addMeshes(scene, 2) as [Mesh, Mesh]
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, leaveAfterMoves: 3, rejoinAfterFrames: 10 })
    frames(scheduler, 1)
    const batch = job.batchOf(a) as BatchedMesh
    a.position.y = 5
    a.updateMatrixWorld()
    frames(scheduler, 1)
    const m = batch.getMatrixAt(job.instanceIdOf(a), new Matrix4())
    expect(m.elements[13]).toBe(5)
    // Moving on two more visits in a row: it leaves and draws itself.
    for (let i = 0; i < 2; i++) {
      a.position.y += 1
      a.updateMatrixWorld()
      frames(scheduler, 1)
    }
    expect(job.batchOf(a)).toBeNull()
    expect(job.stats.outObjects).toBe(1)
    expect(drawnItself(scene, a)).toBe(true)
    // Still for rejoinAfterFrames: back in, at its new place.
    frames(scheduler, 12)
    expect(job.batchOf(a)).not.toBeNull()
    expect(job.stats.outObjects).toBe(0)
    const back = job.batchOf(a) as BatchedMesh
    expect(back.getMatrixAt(job.instanceIdOf(a), m).elements[13]).toBe(7)
    expect(drawnItself(scene, a)).toBe(false)
    job.dispose()
  })

  it('with a MatrixSyncJob, a mesh that moves every frame stays batched, its instance following in the same frame; after 8 frames it moves to a batch for movers and the static batch stops re-uploading', () => {
    const { scheduler, scene } = setup()
    const [a, b] = addMeshes(scene, 3) as [Mesh, Mesh]
    const matrices = new MatrixSyncJob(scheduler, scene)
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, leaveAfterMoves: 2 })
    frames(scheduler, 1)
    const staticBatch = job.batchOf(a) as BatchedMesh
    const uploads = (batch: BatchedMesh): number => (batch as unknown as { _matricesTexture: { version: number } })._matricesTexture.version
    const m = a.matrixWorld.clone()
    const versions: number[] = []
    for (let i = 1; i <= 20; i++) {
      a.position.z = i
      matrices.markDirty(a)
      frames(scheduler, 1)
      const batch = job.batchOf(a) as BatchedMesh
      expect(batch).not.toBeNull()
      expect(batch.getMatrixAt(job.instanceIdOf(a), m).elements[14]).toBe(i)
      expect(batch === staticBatch).toBe(i < 8)
      versions.push(uploads(staticBatch))
    }
    // From the move on, the static batch's matrix texture is no longer flagged for upload each frame.
    expect(new Set(versions.slice(8)).size).toBe(1)
    expect(job.batchOf(b)).toBe(staticBatch)
    expect(job.stats.batchedObjects).toBe(3)
    job.dispose()
    matrices.dispose()
  })

  it('a removed mesh loses its instance at once; a mesh under a removed group at the next sweep', () => {
    const { scheduler, scene } = setup()
    const group = new Group()
    scene.add(group)
    const [a, b] = addMeshes(scene, 2) as [Mesh, Mesh]
    const [c] = addMeshes(group, 1) as [Mesh]
    scene.updateMatrixWorld()
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    const batch = job.batchOf(a) as BatchedMesh
    expect(batch.instanceCount).toBe(3)
    scene.remove(a)
    expect(batch.instanceCount).toBe(2)
    expect(job.batchOf(a)).toBeNull()
    expect(hasOwnTest(a)).toBe(false)
    scene.remove(group)
    frames(scheduler, 1)
    expect(job.batchOf(c)).toBeNull()
    expect(hasOwnTest(c)).toBe(false)
    expect(batch.instanceCount).toBe(1)
    // The last one goes: the empty batch goes with it.
    scene.remove(b)
    expect(batches(scene)).toHaveLength(0)
    expect(job.stats.batches).toBe(0)
    job.dispose()
  })

  it('a swapped material or geometry unbatches the mesh; it rejoins where its new material belongs', () => {
    const { scheduler, scene } = setup()
    const [a, b, c] = addMeshes(scene, 3) as [Mesh, Mesh, Mesh]
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, rejoinAfterFrames: 5 })
    frames(scheduler, 1)
    const shared = job.batchOf(a)
    a.material = new MeshStandardMaterial()
    b.geometry = new BoxGeometry(2, 2, 2)
    frames(scheduler, 1)
    expect(job.batchOf(a)).toBeNull()
    expect(job.batchOf(b)).toBeNull()
    expect(drawnItself(scene, a)).toBe(true)
    expect(job.batchOf(c)).toBe(shared)
    frames(scheduler, 7)
    expect(job.batchOf(a)).not.toBeNull()
    expect(job.batchOf(a)).not.toBe(shared)
    expect(job.batchOf(b)).toBe(shared)
    job.dispose()
  })

  it('a material changed in place shows within a few frames: out of its batch while it differs; a colour change stays batched', () => {
    const { scheduler, scene } = setup()
    const [a, b] = addMeshes(scene, 2) as [Mesh, Mesh]
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, rejoinAfterFrames: 1000 })
    frames(scheduler, 1)
    const batch = job.batchOf(a) as BatchedMesh
    ;(a.material as MeshLambertMaterial).emissive.setHex(0xff0000) // hover, no needsUpdate
    frames(scheduler, 2)
    expect(job.batchOf(a)).toBeNull()
    expect(drawnItself(scene, a)).toBe(true)
    expect(job.batchOf(b)).toBe(batch)
    ;(b.material as MeshLambertMaterial).color.setHex(0x123456)
    frames(scheduler, 2)
    expect(job.batchOf(b)).toBe(batch)
    const c = batch.getColorAt(job.instanceIdOf(b), new Color())
    const own = (b.material as MeshLambertMaterial).color
    expect([c.r, c.g, c.b]).toEqual([Math.fround(own.r), Math.fround(own.g), Math.fround(own.b)])
    job.dispose()
  })

  it('a shared material changed in place takes all its meshes out; they rejoin in a batch of the new look', () => {
    const { scheduler, scene } = setup()
    const material = new MeshLambertMaterial({ color: 0x888888 })
    const meshes = addMeshes(scene, 4, () => new Mesh(box, material))
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, rejoinAfterFrames: 3 })
    frames(scheduler, 1)
    const before = job.batchOf(meshes[0] as Mesh)
    material.emissive.setHex(0x00ff00)
    frames(scheduler, 1)
    for (const m of meshes) expect(job.batchOf(m)).toBeNull()
    frames(scheduler, 5)
    const after = job.batchOf(meshes[0] as Mesh) as BatchedMesh
    expect(after).not.toBeNull()
    expect(after).not.toBe(before)
    expect((after.material as MeshLambertMaterial).emissive.getHex()).toBe(0x00ff00)
    for (const m of meshes) expect(job.batchOf(m)).toBe(after)
    job.dispose()
  })

  it('visibility: the app\'s hides (the mesh or an ancestor) hide the instance; a culling job\'s hides do not; setCulled does', () => {
    const { scheduler, scene } = setup()
    const group = new Group()
    scene.add(group)
    const [a, b, c] = addMeshes(group, 3) as [Mesh, Mesh, Mesh]
    const culledByJob = new Set<Object3D>([c])
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, culling: { isCulled: (o) => culledByJob.has(o) } })
    frames(scheduler, 1)
    const batch = job.batchOf(a) as BatchedMesh
    const shown = (m: Mesh): boolean => batch.getVisibleAt(job.instanceIdOf(m))
    a.visible = false
    c.visible = false // the culling job's
    frames(scheduler, 1)
    expect([shown(a), shown(b), shown(c)]).toEqual([false, true, true])
    group.visible = false // the app's: hides all three
    frames(scheduler, 1)
    expect([shown(a), shown(b), shown(c)]).toEqual([false, false, false])
    group.visible = true
    a.visible = true
    frames(scheduler, 1)
    expect(job.setCulled(b, true)).toBe(true)
    expect([shown(a), shown(b)]).toEqual([true, false])
    expect(job.stats.drawCallsSaved).toBe(2 - 1)
    frames(scheduler, 1)
    expect(shown(b)).toBe(false)
    job.setCulled(b, false)
    expect(shown(b)).toBe(true)
    expect(job.setCulled(new Mesh(), true)).toBe(false)
    job.dispose()
  })
})

/** Everything about the scene graph that the job might touch, as plain data. */
function snapshot(scene: Scene): unknown[] {
  const out: unknown[] = [
    Object.prototype.hasOwnProperty.call(scene, 'onBeforeRender') ? scene.onBeforeRender : 'proto',
    Object.prototype.hasOwnProperty.call(scene, 'onAfterRender') ? scene.onAfterRender : 'proto',
  ]
  scene.traverse((o) => {
    const mesh = o as Mesh
    out.push({
      o,
      parent: o.parent,
      children: [...o.children],
      visible: o.visible,
      mask: o.layers.mask,
      ownLayerProps: Object.keys(o.layers),
      keys: Object.keys(o).sort(),
      listeners: JSON.stringify(Object.keys((o as unknown as { _listeners?: object })._listeners ?? {})),
      material: mesh.material,
      materialJson: mesh.material !== undefined && !Array.isArray(mesh.material) ? JSON.stringify((mesh.material as Material).toJSON()) : null,
      geometry: mesh.geometry,
      frustumCulled: o.frustumCulled,
      matrixWorld: o.matrixWorld.toArray(),
    })
  })
  return out
}

describe('StaticBatchingJob: dispose', () => {
  it('restores the scene graph, visibility, layers, listeners, materials and hooks exactly; callable twice', () => {
    const { scheduler, scene } = setup()
    const group = new Group()
    scene.add(group)
    addMeshes(group, 5)
    const [moved, hidden] = addMeshes(scene, 3) as [Mesh, Mesh, Mesh]
    hidden.visible = false
    const lod = new LOD()
    lod.addLevel(new Mesh(box, new MeshLambertMaterial()), 0)
    lod.addLevel(new Mesh(box, new MeshLambertMaterial()), 10)
    scene.add(lod)
    scene.updateMatrixWorld()
    const before = snapshot(scene)
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1, leaveAfterMoves: 1 })
    frames(scheduler, 2)
    expect(job.stats.batchedObjects).toBe(10)
    moved.position.x += 1 // leaves: out of its batch when disposed
    moved.updateMatrixWorld()
    frames(scheduler, 1)
    expect(job.stats.outObjects).toBe(1)
    moved.position.x -= 1
    moved.updateMatrixWorld()
    job.dispose()
    job.dispose()
    expect(snapshot(scene)).toEqual(before)
    expect(batches(scene)).toHaveLength(0)
    expect(job.stats.batches).toBe(0)
    frames(scheduler, 1)
  })

  it('after dispose, the removed listener and setCulled do nothing', () => {
    const { scheduler, scene } = setup()
    const [a] = addMeshes(scene, 2) as [Mesh]
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    frames(scheduler, 1)
    job.dispose()
    scene.remove(a)
    expect(job.setCulled(a, true)).toBe(false)
    expect(job.batchOf(a)).toBeNull()
  })
})

describe('StaticBatchingJob: flush', () => {
  it('does the whole build at once, outside the budget', () => {
    const { clock, scheduler, scene } = setup(0.01)
    addMeshes(scene, 100, () => costlyMesh(box, new MeshLambertMaterial()))
    const job = new StaticBatchingJob(scheduler, scene, { minSweepFrames: 1 })
    charge = () => clock.advance(0.01)
    job.flush()
    expect(job.stats.batchedObjects).toBe(100)
    expect(job.isIdle).toBe(true)
    job.dispose()
  })
})
