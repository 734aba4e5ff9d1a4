/**
 * Test world for FrustumCullingJob: a seeded field of meshes (and, on request,
 * LOD buildings), a scheduler on a ManualClock where each visit of a mesh
 * costs clock time (so a sweep really spans frames), and a stand-in for
 * `renderer.render` that does what three does before it culls (update
 * matrices, call `scene.onBeforeRender`, update auto-updating LODs it
 * reaches) and then checks the result against three's own frustum test.
 */
import {
  ArrayCamera,
  BoxGeometry,
  Frustum,
  FrustumArray,
  Group,
  LOD,
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
import { mulberry32 } from '../utils/mulberry32.js'

/** mulberry32 (tests/utils), so every run sees the same world. */
export const rng = mulberry32

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
  /** LOD buildings added to the field (see {@link makeLOD}). */
  lods?: number
}

export interface World {
  scene: Scene
  camera: PerspectiveCamera
  /** The plain meshes (not in a LOD). */
  meshes: Mesh[]
  /** The LOD buildings. */
  lods: LOD[]
  /** Every mesh three may draw: the plain meshes and every mesh inside a LOD. */
  leaves: Mesh[]
  manual: ManualClock
  scheduler: BatchScheduler
  random: () => number
  /** Makes reading `mesh.matrixWorld` cost `visitCostMs` of clock time: the job's visit of it. */
  costly: (mesh: Mesh) => Mesh
  /** Changes the clock time a visit costs from now on. */
  setVisitCost: (ms: number) => void
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

/**
 * A LOD building: 2–4 levels of decreasing size, each off the LOD's origin by
 * its own offset (up to ±4 on each axis, in the LOD's space), some levels
 * `Group`s holding a nested `Group` of two or three meshes; level distances
 * grow, hysteresis 0, 0.1 or 0.3; the LOD itself is placed, turned and scaled.
 * `leaf` receives every mesh created (make them costly there).
 */
export function makeLOD(random: () => number, spread: number, height: number, leaf: (mesh: Mesh) => Mesh): LOD {
  const lod = new LOD()
  const levels = 2 + Math.floor(random() * 3)
  const hysteresis = [0, 0.1, 0.3][Math.floor(random() * 3)] as number
  let distance = 0
  for (let l = 0; l < levels; l++) {
    const size = (1 + random() * 4) / (l + 1)
    let level: Mesh | Group
    if (random() < 0.3) {
      // A nested level group: group → group → 2–3 meshes, each offset.
      const outer = new Group()
      const inner = new Group()
      inner.position.set(random() * 2 - 1, random() * 2 - 1, random() * 2 - 1)
      inner.rotation.y = random() * 6
      outer.add(inner)
      const parts = 2 + Math.floor(random() * 2)
      for (let k = 0; k < parts; k++) {
        const part = leaf(new Mesh(geometries[Math.floor(random() * geometries.length)], material))
        part.position.set((random() * 2 - 1) * size, (random() * 2 - 1) * size, (random() * 2 - 1) * size)
        part.scale.setScalar(size * (0.3 + random()))
        inner.add(part)
      }
      level = outer
    } else {
      level = leaf(new Mesh(new BoxGeometry(size, size * (1 + random() * 3), size), material))
    }
    level.position.set((random() * 2 - 1) * 4, (random() * 2 - 1) * 4, (random() * 2 - 1) * 4)
    lod.addLevel(level, distance, hysteresis)
    distance += 10 + random() * 40
  }
  lod.position.set((random() * 2 - 1) * spread, (random() * 2 - 1) * height, (random() * 2 - 1) * spread)
  lod.rotation.set(0, random() * 6, random() * 0.3)
  lod.scale.setScalar(0.5 + random() * 2)
  return lod
}

export function makeWorld({ count = 3000, spread = 120, height = 20, seed = 1, budgetMs = 1, visitCostMs = 0.002, lods = 0 }: WorldOptions = {}): World {
  const random = rng(seed)
  const manual = new ManualClock()
  let visitCost = visitCostMs
  const setVisitCost = (ms: number): void => {
    visitCost = ms
  }
  const costly = (mesh: Mesh): Mesh => {
    // The job reads matrixWorld once per visit; three's updateMatrixWorld and the
    // checks below read it outside runFrame, where clock time does not matter.
    const matrixWorld = mesh.matrixWorld
    Object.defineProperty(mesh, 'matrixWorld', {
      get() {
        manual.advance(visitCost)
        return matrixWorld
      },
    })
    return mesh
  }
  const scene = new Scene()
  const meshes: Mesh[] = []
  const leaves: Mesh[] = []
  for (let i = 0; i < count; i++) {
    const mesh = costly(makeMesh(random, spread, height))
    scene.add(mesh)
    meshes.push(mesh)
    leaves.push(mesh)
  }
  const lodList: LOD[] = []
  for (let i = 0; i < lods; i++) {
    const lod = makeLOD(random, spread, height, (mesh) => {
      leaves.push(mesh)
      return costly(mesh)
    })
    scene.add(lod)
    lodList.push(lod)
  }
  const camera = new PerspectiveCamera(60, 16 / 9, 0.1, 150)
  const clock: Clock = manual
  const scheduler = new BatchScheduler({ budgetMs, clock })
  scene.updateMatrixWorld()
  camera.updateMatrixWorld()
  for (const lod of lodList) lod.update(camera)
  return { scene, camera, meshes, lods: lodList, leaves, manual, scheduler, random, costly, setVisitCost }
}

/** Puts the camera at the origin looking down −z (the field lies all around it). */
export function lookAhead(world: World): void {
  world.camera.position.set(0, 0, 0)
  world.camera.rotation.set(0, 0, 0)
  world.camera.updateMatrixWorld()
}

export interface RenderCheck {
  /**
   * Objects three would draw without the job that were not drawn. Must be 0.
   * "Would draw": in view by three's own test, and nothing on the way up to
   * the scene hidden by the app (`appHidden`) or by a LOD (a level object
   * `lod.update` set invisible: not the current level).
   */
  falseNegatives: number
  /** Objects three would test (as above) that are out of view (three's test rejects them). */
  outside: number
  /** Of those, not drawn because of the job (hidden themselves or under a hidden LOD). */
  hiddenOutside: number
  /** Objects the app hid that were visible. Must be 0. */
  appHiddenShown: number
}

const _frustum = new Frustum()
const _frustums = new FrustumArray()
const _m = new Matrix4()
const fakeRenderer = {}

/** Whether `o` is a level object of its parent LOD. */
function isLevel(o: Object3D): boolean {
  const parent = o.parent as LOD | null
  return parent !== null && parent.isLOD === true && parent.levels.some((level) => level.object === o)
}

/** What `projectObject` does to LODs: update the auto-updating ones it reaches (visible all the way down). */
function updateLODs(object: Object3D, camera: Camera): void {
  if (!object.visible) return
  if ((object as LOD).isLOD === true && (object as LOD).autoUpdate) (object as LOD).update(camera)
  for (const child of object.children) updateLODs(child, camera)
}

/**
 * What `WebGLRenderer.render(scene, camera)` does up to its culling, then the
 * check: which objects three's own test accepts, and whether they are drawn
 * (`visible` all the way up, and either `frustumCulled = false` or accepted).
 */
export function render(
  scene: Scene,
  camera: Camera,
  objects: readonly Object3D[],
  appHidden: ReadonlySet<Object3D> = new Set(),
  /** For a mesh a batch draws: whether its instance is shown (it is drawn by the batch, not walked); null for the rest. */
  instanceShown: ((o: Object3D) => boolean | null) | null = null,
): RenderCheck {
  if (scene.matrixWorldAutoUpdate) scene.updateMatrixWorld()
  if (camera.parent === null && camera.matrixWorldAutoUpdate) camera.updateMatrixWorld()
  ;(scene.onBeforeRender as unknown as (...args: unknown[]) => void)(fakeRenderer, scene, camera, null, null, null)
  updateLODs(scene, camera)

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
    let wouldDraw = true // by three alone: nothing above hidden by the app or by a LOD
    let shown = true // visible all the way up (inside the render: what three's walk reaches)
    for (let o: Object3D | null = object; o !== null; o = o.parent) {
      if (!o.visible) shown = false
      if (appHidden.has(o) || (!o.visible && isLevel(o))) wouldDraw = false
    }
    const instance = instanceShown?.(object) ?? null
    if (instance !== null) {
      // Drawn by its batch: the render walk never reaches it (pruned subtrees are hidden now), the instance counts.
      shown = instance
      // The LOD and app hides were read from a walk that may be pruned: read them with the render's hides undone.
      wouldDraw = wouldDrawUnpruned(object, appHidden)
    }
    if (!wouldDraw) continue
    const inView = isArray ? _frustums.intersectsObject(object) : _frustum.intersectsObject(object)
    const drawn = shown && (!object.frustumCulled || inView)
    if (inView && !drawn) check.falseNegatives++
    if (!inView) {
      check.outside++
      if (!shown) check.hiddenOutside++
    }
  }
  ;(scene.onAfterRender as unknown as (...args: unknown[]) => void)(fakeRenderer, scene, camera, null, null, null)
  return check
}

/** Whether three would draw `object` by the app's and the LODs' hides, with the batching job's render-time hides (pruned subtrees) set aside. */
function wouldDrawUnpruned(object: Object3D, appHidden: ReadonlySet<Object3D>): boolean {
  for (let o: Object3D | null = object; o !== null; o = o.parent) {
    if (appHidden.has(o) || (!o.visible && isLevel(o))) return false
  }
  return true
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
 * (`move`), render. Checks every frame, over `world.leaves` unless `objects`.
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
    const check = render(world.scene, options.camera?.() ?? world.camera, options.objects?.() ?? world.leaves, options.appHidden)
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
