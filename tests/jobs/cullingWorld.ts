/**
 * Test world for FrustumCullingJob: a seeded field of meshes, a scheduler on a
 * ManualClock that costs time per clock read (so a sweep really spans frames),
 * and a stand-in for `renderer.render` that does what three does before it
 * culls (update matrices, call `scene.onBeforeRender`) and then checks the
 * result against three's own frustum test.
 */
import {
  ArrayCamera,
  BoxGeometry,
  Frustum,
  FrustumArray,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  PerspectiveCamera,
  Scene,
  SphereGeometry,
  type BufferGeometry,
  type Camera,
  type Object3D,
} from 'three'
import { BatchScheduler, ManualClock, type Clock } from '../../src/index.js'

/** mulberry32: a small seeded PRNG, so every run sees the same world. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface WorldOptions {
  count?: number
  /** Half extent of the field on x and z. */
  spread?: number
  /** Half extent of the field on y. */
  height?: number
  seed?: number
  budgetMs?: number
  /** Reading a mesh's `matrixWorld` (once per visit of the job) advances the clock this much. */
  visitCostMs?: number
}

export interface World {
  scene: Scene
  camera: PerspectiveCamera
  meshes: Mesh[]
  manual: ManualClock
  scheduler: BatchScheduler
  random: () => number
  /** Makes reading `mesh.matrixWorld` cost `visitCostMs` of clock time: the job's visit of it. */
  costly: (mesh: Mesh) => Mesh
}

const geometries: BufferGeometry[] = [
  new BoxGeometry(1, 1, 1),
  new BoxGeometry(4, 0.5, 2),
  new SphereGeometry(1.5, 8, 6),
  new SphereGeometry(0.3, 6, 4),
]
const material = new MeshBasicMaterial()

export function makeMesh(random: () => number, spread: number, height: number): Mesh {
  const mesh = new Mesh(geometries[Math.floor(random() * geometries.length)], material)
  mesh.position.set((random() * 2 - 1) * spread, (random() * 2 - 1) * height, (random() * 2 - 1) * spread)
  mesh.rotation.set(random() * 6, random() * 6, random() * 6)
  mesh.scale.setScalar(0.5 + random() * 2.5)
  return mesh
}

export function makeWorld({ count = 3000, spread = 120, height = 20, seed = 1, budgetMs = 1, visitCostMs = 0.002 }: WorldOptions = {}): World {
  const random = rng(seed)
  const manual = new ManualClock()
  const costly = (mesh: Mesh): Mesh => {
    // The job reads matrixWorld once per visit; three's updateMatrixWorld and the
    // checks below read it outside runFrame, where clock time does not matter.
    const matrixWorld = mesh.matrixWorld
    Object.defineProperty(mesh, 'matrixWorld', {
      get() {
        manual.advance(visitCostMs)
        return matrixWorld
      },
    })
    return mesh
  }
  const scene = new Scene()
  const meshes: Mesh[] = []
  for (let i = 0; i < count; i++) {
    const mesh = costly(makeMesh(random, spread, height))
    scene.add(mesh)
    meshes.push(mesh)
  }
  const camera = new PerspectiveCamera(60, 16 / 9, 0.1, 150)
  const clock: Clock = manual
  const scheduler = new BatchScheduler({ budgetMs, clock })
  scene.updateMatrixWorld()
  camera.updateMatrixWorld()
  return { scene, camera, meshes, manual, scheduler, random, costly }
}

export interface RenderCheck {
  /** Objects three would draw (app-visible, in view) that were not drawn. Must be 0. */
  falseNegatives: number
  /** App-visible objects out of view (three's test rejects them). */
  outside: number
  /** Of those, hidden by the job. */
  hiddenOutside: number
  /** Objects the app hid that were visible. Must be 0. */
  appHiddenShown: number
}

const _frustum = new Frustum()
const _frustums = new FrustumArray()
const _m = new Matrix4()
const fakeRenderer = {}

/**
 * What `WebGLRenderer.render(scene, camera)` does up to its culling, then the
 * check: which objects three's own test accepts, and whether they are drawn
 * (`visible`, and either `frustumCulled = false` or accepted).
 */
export function render(scene: Scene, camera: Camera, objects: readonly Object3D[], appHidden: ReadonlySet<Object3D> = new Set()): RenderCheck {
  if (scene.matrixWorldAutoUpdate) scene.updateMatrixWorld()
  if (camera.parent === null && camera.matrixWorldAutoUpdate) camera.updateMatrixWorld()
  ;(scene.onBeforeRender as unknown as (...args: unknown[]) => void)(fakeRenderer, scene, camera, null, null, null)

  const isArray = (camera as ArrayCamera).isArrayCamera === true
  if (isArray) {
    _frustums.setFromArrayCamera(camera as ArrayCamera)
  } else {
    _m.multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse)
    _frustum.setFromProjectionMatrix(_m, camera.coordinateSystem, camera.reversedDepth)
  }
  const check: RenderCheck = { falseNegatives: 0, outside: 0, hiddenOutside: 0, appHiddenShown: 0 }
  for (const object of objects) {
    if (appHidden.has(object)) {
      if (object.visible) check.appHiddenShown++
      continue
    }
    const inView = isArray ? _frustums.intersectsObject(object) : _frustum.intersectsObject(object)
    const drawn = object.visible && (!object.frustumCulled || inView)
    if (inView && !drawn) check.falseNegatives++
    if (!inView) {
      check.outside++
      if (!object.visible) check.hiddenOutside++
    }
  }
  return check
}

export interface PathResult {
  frames: number
  /** Sum over frames of in-view objects not drawn. */
  falseNegatives: number
  /** Frames with at least one false negative. */
  badFrames: number
  /** Hidden out-of-view objects / out-of-view objects, summed over frames. */
  hiddenFraction: number
  appHiddenShown: number
}

/**
 * Runs `frames` frames in the order of the RenderLoop: scheduler, app update
 * (`move`), render. Checks every frame.
 */
export function runPath(world: World, frames: number, move: (frame: number) => void, options: { camera?: () => Camera; appHidden?: ReadonlySet<Object3D>; objects?: () => readonly Object3D[] } = {}): PathResult {
  let falseNegatives = 0
  let badFrames = 0
  let outside = 0
  let hidden = 0
  let appHiddenShown = 0
  for (let f = 0; f < frames; f++) {
    world.scheduler.runFrame()
    move(f)
    const check = render(world.scene, options.camera?.() ?? world.camera, options.objects?.() ?? world.meshes, options.appHidden)
    falseNegatives += check.falseNegatives
    if (check.falseNegatives > 0) badFrames++
    outside += check.outside
    hidden += check.hiddenOutside
    appHiddenShown += check.appHiddenShown
  }
  return { frames, falseNegatives, badFrames, hiddenFraction: outside === 0 ? 0 : hidden / outside, appHiddenShown }
}

/** `visible` and `frustumCulled` of every object under `root`, to compare before and after. */
export function snapshot(root: Object3D): Map<Object3D, string> {
  const map = new Map<Object3D, string>()
  root.traverse((o) => map.set(o, `${o.visible}/${o.frustumCulled}`))
  return map
}
