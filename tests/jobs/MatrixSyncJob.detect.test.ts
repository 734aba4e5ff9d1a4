import fc from 'fast-check'
import {
  AnimationClip,
  AnimationMixer,
  Bone,
  BoxGeometry,
  CameraHelper,
  DirectionalLight,
  DirectionalLightHelper,
  Group,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  NumberKeyframeTrack,
  Object3D,
  PerspectiveCamera,
  Scene,
  Skeleton,
  SkinnedMesh,
} from 'three'
import { describe, expect, it } from 'vitest'
import { BatchScheduler, ManualClock } from '../../src/index.js'
import { MatrixSyncJob, type MatrixSyncJobOptions } from '../../src/jobs/MatrixSyncJob.js'
import { STILL_FRAMES } from '../../src/jobs/matrices/ChangeDetector.js'

function setup(options: MatrixSyncJobOptions = {}, budgetMs = 2.5) {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({ clock, budgetMs })
  const scene = new Scene()
  return { clock, scheduler, scene, make: () => new MatrixSyncJob(scheduler, scene, options) }
}

/**
 * The world matrix three would draw `object` with, computed from the local
 * transforms alone (not from any stored world matrix): position /
 * quaternion / scale when `matrixAutoUpdate`, else `matrix`; a `matrix`
 * that is another object's `matrixWorld` is followed to that object.
 */
function expectedWorld(object: Object3D, owners: Map<Matrix4, Object3D>, out = new Matrix4()): Matrix4 {
  const local = new Matrix4()
  const owner = owners.get(object.matrix)
  if (object.matrixAutoUpdate) local.compose(object.position, object.quaternion, object.scale)
  else if (owner !== undefined && owner !== object) expectedWorld(owner, owners, local)
  else local.copy(object.matrix)
  if (object.parent === null) return out.copy(local)
  return out.multiplyMatrices(expectedWorld(object.parent, owners), local)
}

/** Names (or types) of the objects in `scene` whose world matrix differs from {@link expectedWorld} beyond float noise. */
function wrong(scene: Scene, extra: Object3D[] = []): string[] {
  const all: Object3D[] = []
  scene.traverse((o) => all.push(o))
  const owners = new Map<Matrix4, Object3D>()
  for (const o of [...all, ...extra]) owners.set(o.matrixWorld, o)
  const bad: string[] = []
  const m = new Matrix4()
  for (const o of all) {
    if (!o.matrixWorldAutoUpdate) continue
    expectedWorld(o, owners, m)
    const a = o.matrixWorld.elements
    const b = m.elements
    for (let i = 0; i < 16; i++) {
      if (Math.abs((a[i] as number) - (b[i] as number)) > 1e-9 * (1 + Math.abs(b[i] as number))) {
        bad.push(o.name || o.type)
        break
      }
    }
  }
  return bad
}

describe('MatrixSyncJob detect: options', () => {
  it("defaults to 'auto' with detectFrames 4; 'manual' compares nothing", () => {
    const { scheduler, scene } = setup()
    const auto = new MatrixSyncJob(scheduler, scene)
    expect(auto.detect).toBe('auto')
    auto.dispose()
    const manual = new MatrixSyncJob(scheduler, scene, { detect: 'manual' })
    expect(manual.detect).toBe('manual')
    const m = new Mesh()
    scene.add(m)
    m.position.x = 5
    for (let f = 0; f < 10; f++) scheduler.runFrame()
    expect(m.matrixWorld.elements[12]).toBe(0)
    expect(manual.stats.detectedTotal).toBe(0)
    expect(manual.stats.watched).toBe(0)
  })

  it('throws with the API name on a bad detect or detectFrames', () => {
    const { scheduler, scene } = setup()
    expect(() => new MatrixSyncJob(scheduler, scene, { detect: 'yes' as never })).toThrow(/^MatrixSyncJob: detect must be 'auto' or 'manual'/)
    expect(() => new MatrixSyncJob(scheduler, scene, { detectFrames: 0 })).toThrow(/^MatrixSyncJob: detectFrames/)
    expect(() => new MatrixSyncJob(scheduler, scene, { detectFrames: 1.5 })).toThrow(/^MatrixSyncJob: detectFrames/)
    expect(() => new MatrixSyncJob(scheduler, scene, { detectFrames: Number.NaN })).toThrow(/^MatrixSyncJob: detectFrames/)
    // A failed constructor leaves the scene free for a good one.
    expect(() => new MatrixSyncJob(scheduler, scene)).not.toThrow()
  })
})

describe('MatrixSyncJob detect: unmarked moves', () => {
  it.each([
    ['position', (o: Object3D) => o.position.set(3, 4, 5)],
    ['rotation', (o: Object3D) => o.rotation.set(0.3, 0.2, 0.1)],
    ['quaternion', (o: Object3D) => o.quaternion.set(0, 0.6, 0, 0.8)],
    ['scale', (o: Object3D) => o.scale.set(2, 1, 3)],
    // One component alone: every float of the snapshot is compared.
    ['position.x', (o: Object3D) => (o.position.x = 0.5)],
    ['position.y', (o: Object3D) => (o.position.y = 0.5)],
    ['position.z', (o: Object3D) => (o.position.z = 0.5)],
    ['scale.x', (o: Object3D) => (o.scale.x = 2)],
    ['scale.y', (o: Object3D) => (o.scale.y = 2)],
    ['scale.z', (o: Object3D) => (o.scale.z = 2)],
    ['rotation.x', (o: Object3D) => (o.rotation.x = 0.5)],
    ['rotation.z', (o: Object3D) => (o.rotation.z = 0.5)],
    ['lookAt', (o: Object3D) => o.lookAt(1, 2, 3)],
  ])('a change of %s gets a correct world matrix, with the subtree, within detectFrames frames', (_name, change) => {
    for (const detectFrames of [1, 2, 4, 7]) {
      const { scheduler, scene, make } = setup({ detectFrames })
      // Enough objects that the scan needs every one of its detectFrames frames.
      const filler: Object3D[] = []
      for (let i = 0; i < 97; i++) {
        const f = new Mesh()
        f.position.x = i
        scene.add(f)
        filler.push(f)
      }
      const target = new Group()
      target.name = 'target'
      const child = new Mesh()
      child.name = 'child'
      child.position.y = 1
      target.add(child)
      scene.add(target)
      const sync = make()
      scheduler.runFrame()
      // Try the change at every phase of the scan: found within detectFrames frames each time.
      for (let phase = 0; phase < detectFrames; phase++) {
        target.position.set(0, 0, 0)
        target.quaternion.identity()
        target.scale.set(1, 1, 1)
        sync.flush()
        expect(wrong(scene)).toEqual([])
        for (let f = 0; f < phase + STILL_FRAMES + 2; f++) scheduler.runFrame() // cold again
        change(target)
        let frames = 0
        while (wrong(scene).length > 0) {
          scheduler.runFrame()
          frames++
          if (frames > detectFrames) break
        }
        expect(frames, `detectFrames ${detectFrames}, phase ${phase}`).toBeGreaterThan(0)
        expect(frames, `detectFrames ${detectFrames}, phase ${phase}`).toBeLessThanOrEqual(detectFrames)
      }
      sync.dispose()
    }
  })

  it('an object with matrixAutoUpdate false is found when its matrix is written', () => {
    const { scheduler, scene, make } = setup()
    const m = new Mesh()
    m.matrixAutoUpdate = false
    scene.add(m)
    const sync = make()
    m.matrix.makeTranslation(1, 2, 3)
    for (let f = 0; f < 4; f++) scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
    expect(sync.stats.detectedTotal).toBe(1)
  })

  it('an object that keeps moving is current in every frame after it was first found, and falls back to the scan once still', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 4 })
    for (let i = 0; i < 200; i++) scene.add(new Mesh())
    const car = new Mesh()
    car.name = 'car'
    scene.add(car)
    const sync = make()
    let found = -1
    for (let f = 0; f < 60; f++) {
      car.position.x += 1
      car.rotation.y += 0.1
      scheduler.runFrame()
      const ok = wrong(scene).length === 0
      if (ok && found < 0) found = f
      if (found >= 0) expect(ok, `frame ${f}`).toBe(true)
    }
    expect(found).toBeGreaterThanOrEqual(0)
    expect(found).toBeLessThan(4)
    expect(sync.stats.moving).toBe(1)
    // Each frame: the moving object plus a quarter of the scene.
    expect(sync.stats.compared).toBeLessThanOrEqual(1 + Math.ceil(sync.stats.watched / 4))
    expect(sync.stats.detected).toBe(1)
    expect(sync.stats.detectedTotal).toBe(60 - found)
    for (let f = 0; f < STILL_FRAMES + 1; f++) scheduler.runFrame()
    expect(sync.stats.moving).toBe(0)
    expect(sync.stats.detected).toBe(0)
  })

  it('a moved parent brings its subtree along, each node once, and a moved child under it is not updated twice', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 1 })
    const group = new Group()
    const kids: Mesh[] = []
    for (let i = 0; i < 50; i++) {
      const k = new Mesh()
      k.position.x = i
      group.add(k)
      kids.push(k)
    }
    scene.add(group)
    const sync = make()
    group.rotation.y = 1
    ;(kids[3] as Mesh).position.y = 2
    scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
    expect(sync.stats.updated).toBe(51)
    expect(sync.stats.detected).toBe(2)
  })

  it('markDirty is the zero-lag path: applied in the same frame, not counted as detected', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 8 })
    for (let i = 0; i < 100; i++) scene.add(new Mesh())
    const player = new Mesh()
    scene.add(player)
    const sync = make()
    for (let f = 0; f < 20; f++) {
      player.position.z -= 1
      sync.markDirty(player)
      scheduler.runFrame()
      expect(wrong(scene)).toEqual([])
    }
    expect(sync.stats.detectedTotal).toBe(0)
  })

  it('a marked object that the scan also finds is left to its mark (paced under the budget, not applied twice)', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 1 })
    const m = new Mesh()
    scene.add(m)
    const sync = make()
    const writes: Object3D[] = []
    sync.addWriteListener((o) => writes.push(o))
    m.position.x = 1
    sync.markDirty(m)
    scheduler.runFrame()
    expect(writes).toEqual([m])
    expect(sync.stats.detected).toBe(0)
  })

  it('finds moves under a tiny budget too: the scan and the updates it finds are owed, not optional', () => {
    const { clock, scheduler, scene, make } = setup({ detectFrames: 3 }, 0.01)
    // Each local-matrix update costs 10 times the budget.
    class Costly extends Mesh {
      override updateMatrix(): void {
        clock.advance(0.1)
        super.updateMatrix()
      }
    }
    const objects: Mesh[] = []
    for (let i = 0; i < 300; i++) {
      const m = new Costly()
      scene.add(m)
      objects.push(m)
    }
    make()
    scheduler.runFrame()
    for (const o of objects) o.position.y = 7
    for (let f = 0; f < 3; f++) scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
  })

  it('AnimationMixer targets (unmarked) are current in every frame once found', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 4 })
    const group = new Group()
    const meshes: Mesh[] = []
    for (let i = 0; i < 25; i++) {
      const m = new Mesh(new BoxGeometry(), new MeshBasicMaterial())
      m.name = `m${i}`
      m.position.x = i
      group.add(m)
      meshes.push(m)
    }
    scene.add(group)
    const tracks = meshes.map((m, i) => new NumberKeyframeTrack(`${m.name}.rotation[y]`, [0, 1, 2], [0, i, 0]))
    const clip = new AnimationClip('spin', 2, tracks)
    const mixer = new AnimationMixer(group)
    mixer.clipAction(clip).play()
    make()
    for (let f = 0; f < 40; f++) {
      mixer.update(1 / 60)
      scheduler.runFrame()
      if (f >= 3) expect(wrong(scene), `frame ${f}`).toEqual([])
    }
  })

  it('attach() and add() keep world matrices right without a mark', () => {
    const { scheduler, scene, make } = setup()
    const a = new Group()
    a.position.set(5, 0, 0)
    a.rotation.z = 1
    const b = new Group()
    b.position.set(0, 3, 0)
    const m = new Mesh()
    m.position.set(1, 1, 1)
    a.add(m)
    scene.add(a, b)
    make()
    scheduler.runFrame()
    b.attach(m)
    scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
    const n = new Mesh()
    n.position.set(2, 0, 0)
    b.add(n)
    expect(wrong(scene)).toEqual([])
  })
})

describe('MatrixSyncJob detect: objects three recomputes itself', () => {
  it('a camera rig moved by lookAt and its CameraHelper are right in every frame, from the first', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 4 })
    for (let i = 0; i < 100; i++) scene.add(new Mesh())
    const rig = new Group()
    rig.name = 'rig'
    const camera = new PerspectiveCamera(50, 1, 0.1, 10)
    camera.name = 'camera'
    camera.position.set(0, 1, 5)
    rig.add(camera)
    scene.add(rig)
    const helper = new CameraHelper(camera)
    helper.name = 'helper'
    scene.add(helper)
    const sync = make()
    expect(sync.stats.always).toBe(2)
    for (let f = 0; f < 30; f++) {
      camera.position.x = Math.sin(f)
      camera.lookAt(0, 0, 0)
      scheduler.runFrame()
      expect(wrong(scene), `frame ${f}`).toEqual([])
      // Through the camera's own updateMatrixWorld: its inverse is current too.
      const product = camera.matrixWorldInverse.clone().multiply(camera.matrixWorld).elements
      new Matrix4().elements.forEach((v, i) => expect(product[i]).toBeCloseTo(v, 9))
    }
    // The rig itself moves: the camera follows in the frame the rig is found, the helper with it.
    rig.position.y = 3
    for (let f = 0; f < 4; f++) scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
  })

  it('a camera not in the scene, shown by a CameraHelper in it, is right in every frame', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 4 })
    const camera = new PerspectiveCamera()
    const helper = new CameraHelper(camera)
    helper.name = 'helper'
    scene.add(helper)
    make()
    for (let f = 0; f < 10; f++) {
      camera.position.set(f, 0, 0)
      camera.updateMatrixWorld()
      scheduler.runFrame()
      expect(wrong(scene, [camera]), `frame ${f}`).toEqual([])
    }
  })

  it('a DirectionalLightHelper follows its moving light in every frame', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 4 })
    const light = new DirectionalLight()
    light.name = 'light'
    scene.add(light)
    const helper = new DirectionalLightHelper(light)
    helper.name = 'helper'
    scene.add(helper)
    make()
    for (let f = 0; f < 10; f++) {
      light.position.set(Math.cos(f), 2, Math.sin(f))
      // The helper follows the light's world matrix; the job must write it before the helper is drawn.
      scheduler.runFrame()
      const lightOk = wrong(scene).filter((n) => n === 'helper').length === 0
      expect(lightOk, `frame ${f}`).toBe(true)
    }
  })

  it("a skinned mesh's bones (animated, unmarked, outside the mesh) are right in every frame", () => {
    const { scheduler, scene, make } = setup({ detectFrames: 4 })
    const armature = new Group()
    const root = new Bone()
    root.name = 'root'
    const arm = new Bone()
    arm.name = 'arm'
    arm.position.y = 1
    root.add(arm)
    armature.add(root)
    const mesh = new SkinnedMesh(new BoxGeometry(), new MeshBasicMaterial())
    mesh.name = 'skinned'
    armature.add(mesh)
    scene.add(armature)
    mesh.bind(new Skeleton([root, arm]))
    for (let i = 0; i < 100; i++) scene.add(new Mesh())
    make()
    for (let f = 0; f < 20; f++) {
      arm.rotation.z = f / 10
      root.position.x = f
      scheduler.runFrame()
      expect(wrong(scene), `frame ${f}`).toEqual([])
    }
  })
})

describe('MatrixSyncJob detect: what the culling and LOD jobs see', () => {
  it('a detected move stamps the object and its subtree and calls the write listeners, as a mark does', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 1 })
    const g = new Group()
    const m = new Mesh()
    g.add(m)
    scene.add(g)
    const sync = make()
    const writes: Object3D[] = []
    sync.addWriteListener((o) => writes.push(o))
    scheduler.runFrame()
    const before = sync.changeTick
    g.position.x = 9
    scheduler.runFrame()
    expect(writes).toEqual([g, m])
    expect(sync.changeStamps[g.id]).toBeGreaterThan(before)
    expect(sync.changeStamps[m.id]).toBeGreaterThan(before)
    expect(sync.subtreeStamps[scene.id]).toBeGreaterThan(before)
    // Still: nothing written, nothing stamped.
    writes.length = 0
    const still = sync.changeTick
    scheduler.runFrame()
    expect(writes).toEqual([])
    expect(sync.changeStamps[g.id]).toBeLessThanOrEqual(still)
  })
})

describe('MatrixSyncJob detect: hierarchy without listeners', () => {
  it('with watchHierarchy false, objects added later are found at the next pass, and removed ones are dropped', () => {
    const { scheduler, scene, make } = setup({ watchHierarchy: false, detectFrames: 2 })
    const a = new Mesh()
    scene.add(a)
    const sync = make()
    const b = new Mesh()
    b.position.x = 4
    scene.add(b)
    for (let f = 0; f < 6; f++) scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
    expect(sync.stats.watched).toBe(3)
    a.removeFromParent()
    for (let f = 0; f < 6; f++) scheduler.runFrame()
    expect(sync.stats.watched).toBe(2)
    b.position.y = 2
    for (let f = 0; f < 2; f++) scheduler.runFrame()
    expect(wrong(scene)).toEqual([])
  })
})

describe('MatrixSyncJob detect: property', () => {
  const programArb = fc.record({
    parents: fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
    manual: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
    detectFrames: fc.integer({ min: 1, max: 6 }),
    watchHierarchy: fc.boolean(),
    steps: fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('move' as const), node: fc.nat(), k: fc.integer({ min: 1, max: 1000 }) }),
        fc.record({ op: fc.constant('frames' as const), count: fc.integer({ min: 1, max: 6 }) }),
        fc.record({ op: fc.constant('reparent' as const), node: fc.nat(), target: fc.nat(), attach: fc.boolean() }),
        fc.record({ op: fc.constant('remove' as const), node: fc.nat() }),
      ),
      { maxLength: 40 },
    ),
    movers: fc.array(fc.nat(), { maxLength: 5 }),
  })

  function move(o: Object3D, k: number): void {
    o.position.set(k, -k / 2, k / 3)
    o.rotation.set(k / 7, k / 11, -k / 13)
    o.scale.setScalar(1 + (k % 5) / 10)
    if (!o.matrixAutoUpdate) o.matrix.compose(o.position, o.quaternion, o.scale)
  }

  it("'auto', unmarked moves and stops: every world matrix equals three's own within detectFrames of the last change, and continuous movers stay current", () => {
    fc.assert(
      fc.property(programArb, (p) => {
        const clock = new ManualClock()
        const scheduler = new BatchScheduler({ clock, budgetMs: 0.5 })
        const scene = new Scene()
        const nodes: Object3D[] = [scene]
        p.parents.forEach((parent, i) => {
          const o = i % 3 === 0 ? new Group() : new Mesh()
          o.name = `n${i + 1}`
          if (p.manual[i]) o.matrixAutoUpdate = false
          move(o, i + 1)
          ;(nodes[parent % nodes.length] as Object3D).add(o)
          nodes.push(o)
        })
        const sync = new MatrixSyncJob(scheduler, scene, { detectFrames: p.detectFrames, watchHierarchy: p.watchHierarchy })
        for (const step of p.steps) {
          if (step.op === 'frames') {
            for (let f = 0; f < step.count; f++) scheduler.runFrame()
          } else if (step.op === 'move') {
            move(nodes[(step.node % (nodes.length - 1)) + 1] as Object3D, step.k)
          } else if (step.op === 'reparent') {
            const o = nodes[(step.node % (nodes.length - 1)) + 1] as Object3D
            const target = nodes[step.target % nodes.length] as Object3D
            let inside = false
            target.traverseAncestors((a) => (inside ||= a === o))
            if (inside || target === o) continue
            if (step.attach) target.attach(o)
            else target.add(o)
          } else {
            ;(nodes[(step.node % (nodes.length - 1)) + 1] as Object3D).removeFromParent()
          }
        }
        // A pass without listeners may need one more pass to see the hierarchy: 2 × detectFrames there.
        const settle = p.watchHierarchy ? p.detectFrames : 2 * p.detectFrames
        for (let f = 0; f < settle; f++) scheduler.runFrame()
        const reference = scene.clone()
        reference.updateMatrixWorld(true)
        const a: Object3D[] = []
        const b: Object3D[] = []
        scene.traverse((o) => a.push(o))
        reference.traverse((o) => b.push(o))
        for (let i = 0; i < a.length; i++) {
          expect((a[i] as Object3D).matrixWorld.equals((b[i] as Object3D).matrixWorld), (a[i] as Object3D).name).toBe(true)
        }
        // Continuous movers: current in every frame after their first detectFrames.
        const movers = p.movers.map((i) => nodes[(i % (nodes.length - 1)) + 1] as Object3D)
        for (let f = 0; f < 3 * p.detectFrames + 3; f++) {
          movers.forEach((o, j) => move(o, 1000 + f * 7 + j))
          scheduler.runFrame()
          if (f >= p.detectFrames - 1) expect(wrong(scene), `frame ${f}`).toEqual([])
        }
        sync.dispose()
      }),
      { numRuns: 200 },
    )
  })
})

describe('MatrixSyncJob detect: what the LOD job sees', () => {
  it('a LOD moved (unmarked) while the camera is still wakes a resting LODJob, which picks its new level', async () => {
    const { LOD, BoxGeometry: Box } = await import('three')
    const { LODJob } = await import('../../src/jobs/LODJob.js')
    const { scheduler, scene, make } = setup({ detectFrames: 2 })
    const camera = new PerspectiveCamera()
    camera.updateMatrixWorld()
    const lod = new LOD()
    const near = new Mesh(new Box())
    const far = new Mesh(new Box())
    lod.addLevel(near, 0)
    lod.addLevel(far, 50)
    lod.position.z = -100
    scene.add(lod)
    make()
    const lods = new LODJob(scheduler, camera, { root: scene })
    for (let f = 0; f < 5; f++) scheduler.runFrame()
    expect(lods.isResting).toBe(true)
    expect(lod.getCurrentLevel()).toBe(1)
    lod.position.z = -10
    for (let f = 0; f < 4; f++) scheduler.runFrame()
    expect(lod.getCurrentLevel()).toBe(0)
    expect(near.visible).toBe(true)
    expect(far.visible).toBe(false)
    lods.dispose()
  })
})

describe('MatrixSyncJob detect: frames the system does not run in', () => {
  it('moving objects and cameras stay current when forced work of other types leaves the Transform system no budget', () => {
    const { clock, scheduler, scene, make } = setup({ detectFrames: 2 }, 0.5)
    // A Visibility hog forced every frame that eats the whole budget first: Transform is not admitted.
    scheduler.setMaxDeferFrames(1, 0)
    scheduler.addSystem(1, () => clock.advance(5), { name: 'hog' })
    for (let i = 0; i < 50; i++) scene.add(new Mesh())
    const car = new Mesh()
    scene.add(car)
    const sync = make()
    let skipped = 0
    let found = -1
    for (let f = 0; f < 40; f++) {
      const runs = sync.system.runs
      car.position.x += 1
      scheduler.runFrame()
      if (sync.system.runs === runs) skipped++
      const ok = wrong(scene).length === 0
      if (ok && found < 0) found = f
      // Once found moving, current in every frame, run or not.
      if (found >= 0) expect(ok, `frame ${f}`).toBe(true)
    }
    expect(found).toBeGreaterThanOrEqual(0)
    expect(found).toBeLessThan(10)
    // Not vacuous: the system really was left out of some frames.
    expect(skipped).toBeGreaterThan(5)
  })

  it('a disabled system freezes world matrices, as documented', () => {
    const { scheduler, scene, make } = setup({ detectFrames: 1 })
    const car = new Mesh()
    scene.add(car)
    const sync = make()
    for (let f = 0; f < 3; f++) {
      car.position.x += 1
      scheduler.runFrame()
    }
    sync.system.enabled = false
    car.position.x += 1
    scheduler.runFrame()
    expect(wrong(scene)).toEqual(['Mesh'])
  })
})
