/**
 * Scaling: the per-frame CPU that `renderer.render` spends before its first
 * draw call, plain three.js vs through the built-in jobs, at N = 1k, 10k, 100k.
 *
 * The scene: N objects in nested groups (districts → blocks → objects), a
 * quarter of them THREE.LOD with three levels, spread over a plane; 1 % of the
 * objects are movers (vehicles, agents: the same objects every frame) and move
 * every frame; the camera circles and turns. A stress row at the largest N
 * moves a different random 1 % each frame instead (`scatter`): every move
 * then lands on an object whose data is out of the CPU caches, and marks
 * never coalesce. No WebGL: the
 * renderer's CPU work is reproduced exactly as `WebGLRenderer.render` does it
 * (three 0.187, `projectObject`): `scene.updateMatrixWorld()` when
 * `scene.matrixWorldAutoUpdate`, `scene.onBeforeRender`, then a walk over visible objects that calls
 * `lod.update(camera)` on auto-updating LODs and `frustum.intersectsObject` on
 * frustum-culled meshes.
 *
 * - plain: that work, every frame, for everything.
 * - scheduled: `scheduler.runFrame()` (MatrixSyncJob, FrustumCullingJob,
 *   LODJob under a 2.5 ms budget), then the same walk, which the jobs' flags
 *   make cheaper (no matrix pass, no LOD updates, no frustum tests on managed
 *   meshes, hidden objects skipped).
 *
 * Reported per N, over ≥ 300 frames after a warm-up: jobs ms (the budgeted
 * part; target p99 ≤ budget + 0.5 ms), walk ms (the residual the renderer
 * still does), total; the same for plain; frames a full sweep takes for each
 * job; and how much of what is out of view the culling job hides.
 */
import {
  BoxGeometry,
  Frustum,
  Group,
  LOD,
  Matrix4,
  Mesh,
  MeshBasicMaterial,
  type Material,
  type Object3D,
  PerspectiveCamera,
  Scene,
} from 'three'
import { BatchScheduler } from '../src/index.js'
import { FrustumCullingJob, LODJob, MatrixSyncJob } from '../src/jobs/index.js'
import { percentileOf, Random } from './lib.js'

/**
 * How the 1 % that move are chosen: `movers`, a fixed set picked once (what a
 * scene with vehicles or agents does); `scatter`, a different random 1 % every
 * frame (a stress case: cold caches, no repeated marks).
 */
export type Motion = 'movers' | 'scatter'

export interface ScalingRow {
  n: number
  motion: Motion
  /** The movers sit in a group of their own ('traffic'), out of the blocks they stand in otherwise. */
  traffic: boolean
  /** Staleness bounds off (`maxLagFrames: Infinity` on the matrix and LOD jobs): the budget alone rules. */
  strict: boolean
  frames: number
  plain: { p50: number; p99: number; max: number }
  scheduled: {
    jobs: { p50: number; p99: number; max: number }
    walk: { p50: number; p99: number; max: number }
    total: { p50: number; p99: number; max: number }
  }
  budgetMs: number
  /** Frames for the matrix job to bring a fully dirty scene up to date. */
  matrixSweepFrames: number
  /** Frames of the culling job's last complete sweeps (mean). */
  cullingSweepFrames: number
  /** Frames per LOD lap while the camera moves (mean). */
  lodLapFrames: number
  /** Of the meshes outside the true frustum, the share the culling job had hidden (mean over frames). */
  hiddenShareOfOutOfView: number
  /** Meshes inside the true frustum that were hidden: must be 0. */
  falseNegatives: number
  /** Of the culling job's visits, the share decided from stored spheres (world matrix unchanged, decision standing). */
  trustedShare: number
}

const BUDGET_MS = 2.5
/** The budget of the extra row at the largest N: enough for the three jobs' bounded work at 100k here. */
const BIG_BUDGET_MS = 6
const _frustum = new Frustum()
const _projection = new Matrix4()

export interface World {
  scene: Scene
  meshes: Mesh[]
  /** What moves: the 1 % picked once (LODs move as a whole, never one of their levels). */
  movers: Object3D[]
  camera: PerspectiveCamera
  extent: number
}

/**
 * The city: N objects in districts of blocks, a quarter of them 3-level LODs.
 * `materialOf(i)` gives object i's material (one shared material by default).
 */
export function buildWorld(n: number, random: Random, traffic = false, materialOf?: (i: number) => Material): World {
  const scene = new Scene()
  const geometry = new BoxGeometry(1, 1, 1)
  const shared = new MeshBasicMaterial()
  const pick = materialOf ?? ((): Material => shared)
  const meshes: Mesh[] = []
  const extent = Math.sqrt(n) * 6
  const blocks = Math.max(1, Math.ceil(n / 100))
  const perDistrict = 10
  let placed = 0
  let district: Group | null = null
  for (let b = 0; b < blocks && placed < n; b++) {
    if (b % perDistrict === 0) {
      district = new Group()
      scene.add(district)
    }
    const block = new Group()
    block.position.set((random.next() - 0.5) * extent, 0, (random.next() - 0.5) * extent)
    district!.add(block)
    for (let i = 0; i < 100 && placed < n; i++, placed++) {
      const x = (random.next() - 0.5) * 40
      const z = (random.next() - 0.5) * 40
      const material = pick(placed)
      if (placed % 4 === 0) {
        const lod = new LOD()
        for (const distance of [0, 60, 150]) {
          const level = new Mesh(geometry, material)
          meshes.push(level)
          lod.addLevel(level, distance)
        }
        lod.position.set(x, 0, z)
        block.add(lod)
      } else {
        const mesh = new Mesh(geometry, material)
        mesh.position.set(x, 0, z)
        block.add(mesh)
        meshes.push(mesh)
      }
    }
  }
  const camera = new PerspectiveCamera(60, 16 / 9, 0.5, extent * 2)
  scene.updateMatrixWorld(true)
  const movers = new Set<Object3D>()
  const wanted = moversOf(n)
  while (movers.size < wanted) movers.add(moveTarget(meshes[Math.floor(random.next() * meshes.length)] as Mesh))
  if (traffic) {
    // As a city keeps its vehicles: one group for what moves, the blocks for what stands (world transforms kept).
    const group = new Group()
    scene.add(group)
    for (const mover of movers) group.attach(mover)
    scene.updateMatrixWorld(true)
  }
  return { scene, meshes, movers: [...movers], camera, extent }
}

export function moveCamera(world: World, frame: number): void {
  const { camera, extent } = world
  const a = frame * 0.01
  camera.position.set(Math.cos(a) * extent * 0.3, 30 + 10 * Math.sin(a * 3), Math.sin(a) * extent * 0.3)
  camera.lookAt(Math.cos(a + 0.6) * extent * 0.3, 0, Math.sin(a + 0.6) * extent * 0.3)
  camera.updateMatrixWorld()
}

/** The renderer's CPU work before drawing: what `WebGLRenderer.render` does in `projectObject`. */
export function renderWalk(scene: Scene, camera: PerspectiveCamera): number {
  if (scene.matrixWorldAutoUpdate) scene.updateMatrixWorld()
  if (camera.parent === null && camera.matrixWorldAutoUpdate) camera.updateMatrixWorld()
  // three calls this here, after the camera update and before culling; the culling job's
  // safety net (show what it hid when the view left its guard) lives in it.
  ;(scene.onBeforeRender as (...args: unknown[]) => void).call(scene, null, scene, camera, null, null, null)
  return projectVisible(scene, camera)
}

/** three's `projectObject` walk over `scene` for `camera`: LOD updates and frustum tests; returns the meshes drawn. */
export function projectVisible(scene: Scene, camera: PerspectiveCamera): number {
  _projection.multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse)
  _frustum.setFromProjectionMatrix(_projection)
  return project(scene, camera)
}

function project(object: Object3D, camera: PerspectiveCamera): number {
  if (object.visible === false) return 0
  let drawn = 0
  // As three: an object outside the camera's layers is not drawn, its children still walked.
  if (object.layers.test(camera.layers)) {
    if ((object as LOD).isLOD === true) {
      if ((object as LOD).autoUpdate === true) (object as LOD).update(camera)
    } else if ((object as Mesh).isMesh === true) {
      if (object.frustumCulled === false || _frustum.intersectsObject(object)) drawn++
    }
  }
  const children = object.children
  for (let i = 0, l = children.length; i < l; i++) drawn += project(children[i] as Object3D, camera)
  return drawn
}

/** 1 % of N (at least one). */
const moversOf = (n: number): number => Math.max(1, Math.round(n * 0.01))

/** What moves when `mesh` does: its LOD when it is a LOD level, else the mesh. */
const moveTarget = (mesh: Mesh): Object3D => ((mesh.parent as LOD).isLOD === true ? (mesh.parent as Object3D) : mesh)

/** One frame of motion: every mover (or, `scatter`, as many random objects) takes a small random step. */
export function moveSome(world: World, random: Random, motion: Motion, onMoved: ((o: Object3D) => void) | null): void {
  const { meshes, movers } = world
  for (let i = 0; i < movers.length; i++) {
    const target = motion === 'movers' ? (movers[i] as Object3D) : moveTarget(meshes[Math.floor(random.next() * meshes.length)] as Mesh)
    target.position.x += (random.next() - 0.5) * 0.5
    target.position.z += (random.next() - 0.5) * 0.5
    if (onMoved !== null) onMoved(target)
  }
}

export const summary = (values: number[]): { p50: number; p99: number; max: number } => {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: percentileOf(sorted, 50), p99: percentileOf(sorted, 99), max: sorted[sorted.length - 1] ?? NaN }
}

function runPlain(n: number, frames: number, warmup: number): number[] {
  const random = new Random(n)
  const world = buildWorld(n, random)
  const out: number[] = []
  for (let f = 0; f < warmup + frames; f++) {
    moveSome(world, random, 'movers', null)
    moveCamera(world, f)
    const t0 = performance.now()
    renderWalk(world.scene, world.camera)
    const ms = performance.now() - t0
    if (f >= warmup) out.push(ms)
    if (f === warmup - 1) collect()
  }
  return out
}

type Setup = Pick<ScalingRow, 'strict' | 'budgetMs' | 'motion' | 'traffic'>

function runScheduled(n: number, frames: number, warmup: number, setup: Setup): Omit<ScalingRow, 'plain' | 'n' | 'frames' | keyof Setup> {
  const { strict, budgetMs, motion, traffic } = setup
  const random = new Random(n)
  const world = buildWorld(n, random, traffic)
  const scheduler = new BatchScheduler({ budgetMs })
  const lag = strict ? { maxLagFrames: Infinity } : {}
  // Every move is marked here: the scan for unmarked moves ('auto') is measured by the detect section.
  const matrices = new MatrixSyncJob(scheduler, world.scene, { watchHierarchy: false, detect: 'manual', ...lag })
  const culling = new FrustumCullingJob(scheduler, world.camera, world.scene)
  const lods = new LODJob(scheduler, world.camera, { root: world.scene, ...lag })
  // The app marks what it moves for the matrix job only: the culling job learns of
  // changed world matrices from the matrix job's change stamps.
  const onMoved = (o: Object3D): void => {
    matrices.markDirty(o)
  }
  const jobs: number[] = []
  const walk: number[] = []
  const total: number[] = []
  let hiddenShare = 0
  let shareSamples = 0
  let falseNegatives = 0
  let visits = 0
  let trusted = 0
  const lapsStart = { laps: 0, frame: 0 }
  const sweepsStart = { sweeps: 0, frame: 0 }
  for (let f = 0; f < warmup + frames; f++) {
    moveSome(world, random, motion, onMoved)
    moveCamera(world, f)
    const t0 = performance.now()
    scheduler.runFrame()
    const t1 = performance.now()
    renderWalk(world.scene, world.camera)
    const t2 = performance.now()
    if (f === warmup - 1) collect()
    if (f === warmup) {
      lapsStart.laps = lods.laps
      lapsStart.frame = f
      sweepsStart.sweeps = culling.stats.sweeps
      sweepsStart.frame = f
    }
    if (f >= warmup) {
      visits += culling.stats.visited
      trusted += culling.stats.trusted
      jobs.push(t1 - t0)
      walk.push(t2 - t1)
      total.push(t2 - t0)
      // Every 10th frame (outside the timings): hidden share and false negatives against the true frustum.
      if (f % 10 === 0) {
        let outOfView = 0
        let hiddenOut = 0
        for (const mesh of world.meshes) {
          const lod = (mesh.parent as LOD).isLOD === true ? (mesh.parent as LOD) : null
          // A LOD level the LOD itself hides (not the current level) is not drawn either way.
          if (lod !== null && !mesh.visible) continue
          const inView = _frustum.intersectsObject(mesh)
          // The job hides a LOD as a unit: its current level is hidden when the LOD is.
          const hiddenByJob = culling.isCulled(mesh) || (lod !== null && culling.isCulled(lod))
          if (inView && hiddenByJob) falseNegatives++
          if (!inView) {
            outOfView++
            if (hiddenByJob) hiddenOut++
          }
        }
        if (outOfView > 0) {
          hiddenShare += hiddenOut / outOfView
          shareSamples++
        }
      }
    }
  }
  const measured = warmup + frames - 1 - lapsStart.frame
  const lodLapFrames = lods.laps > lapsStart.laps ? measured / (lods.laps - lapsStart.laps) : Infinity
  const cullingSweepFrames = culling.stats.sweeps > sweepsStart.sweeps ? measured / (culling.stats.sweeps - sweepsStart.sweeps) : Infinity

  // Full matrix sweep: mark every top-level group and count frames until idle.
  for (const child of world.scene.children) matrices.markDirty(child)
  let matrixSweepFrames = 0
  while (!matrices.isIdle && matrixSweepFrames < 10_000) {
    scheduler.runFrame()
    matrixSweepFrames++
  }
  lods.dispose()
  culling.dispose()
  matrices.dispose()
  scheduler.dispose()
  return {
    scheduled: { jobs: summary(jobs), walk: summary(walk), total: summary(total) },
    matrixSweepFrames,
    cullingSweepFrames,
    lodLapFrames,
    hiddenShareOfOutOfView: shareSamples > 0 ? hiddenShare / shareSamples : 0,
    falseNegatives,
    trustedShare: visits > 0 ? trusted / visits : 0,
  }
}

/** Collects garbage between warm-up and measurement when the bench runs with `--expose-gc` (it does), so one run's leftovers do not pause the next. */
export function collect(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

export function runScaling(sizes: readonly number[] = [1_000, 10_000, 100_000], frames = 300, warmup = 100): ScalingRow[] {
  const rows: ScalingRow[] = []
  for (const n of sizes) {
    const plain = summary(runPlain(n, frames, warmup))
    const row = (setup: Setup): ScalingRow => ({ n, frames, plain, ...setup, ...runScheduled(n, frames, warmup, setup) })
    const base: Setup = { strict: false, budgetMs: BUDGET_MS, motion: 'movers', traffic: false }
    rows.push(row(base))
    if (n === sizes[sizes.length - 1]) {
      // At the largest N, also without the jobs' staleness bounds: what the budget alone does.
      rows.push(row({ ...base, strict: true }))
      // With a budget that holds what the jobs need at this N (default bounds).
      rows.push(row({ ...base, budgetMs: BIG_BUDGET_MS }))
      // The movers in a group of their own: the blocks stand still, and the culling job decides
      // them from stored spheres. (The plain row is shared: it does not depend on the grouping,
      // nor on which objects moved, as plain three recomputes every matrix.)
      rows.push(row({ ...base, traffic: true }))
      // The stress case: a different random 1 % every frame.
      rows.push(row({ ...base, motion: 'scatter' }))
    }
  }
  return rows
}

/** Two decimals; '—' for a sweep that never completed in the measured frames (Infinity, or null once through JSON). */
const f2 = (x: number | null): string => (x !== null && Number.isFinite(x) ? x.toFixed(2) : '—')

export function scalingTable(rows: ScalingRow[]): string {
  const lines = [
    '| N | plain p50 / p99 / max | scheduled jobs p50 / p99 / max (budget 2.5 unless said) | renderer walk left p50 / p99 | scheduled total p50 / p99 | plain ÷ scheduled (p50) | sweep frames: matrix / culling / LOD lap | out-of-view hidden | in-view hidden | culling visits from stored spheres |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const r of rows) {
    const s = r.scheduled
    lines.push(
      `| ${r.n.toLocaleString('en')}${r.strict ? ', no staleness bound' : ''}${r.budgetMs !== BUDGET_MS ? `, budget ${r.budgetMs} ms` : ''}${r.traffic ? ', movers grouped apart' : ''}${r.motion === 'scatter' ? ', scatter (stress)' : ''} | ${f2(r.plain.p50)} / ${f2(r.plain.p99)} / ${f2(r.plain.max)} | ` +
        `${f2(s.jobs.p50)} / ${f2(s.jobs.p99)} / ${f2(s.jobs.max)} | ${f2(s.walk.p50)} / ${f2(s.walk.p99)} | ` +
        `${f2(s.total.p50)} / ${f2(s.total.p99)} | ${f2(r.plain.p50 / s.total.p50)}× | ` +
        `${r.matrixSweepFrames} / ${f2(r.cullingSweepFrames)} / ${f2(r.lodLapFrames)} | ${(r.hiddenShareOfOutOfView * 100).toFixed(0)} % | ${r.falseNegatives} | ${((r.trustedShare ?? 0) * 100).toFixed(0)} % |`,
    )
  }
  lines.push(
    '',
    'ms per frame over the measured frames. Target: scheduled jobs p99 ≤ budget + 0.5 ms at every N; in-view hidden = 0.',
    'With their default staleness bounds (MatrixSyncJob maxLagFrames 8, LODJob 30) the jobs work past the budget when a',
    'sweep cannot finish in time; "no staleness bound" (maxLagFrames: Infinity) keeps the budget and lets the sweeps run long.',
    '1 % of the objects move every frame (the same ones, each in its block); "movers grouped apart": the same in a group of',
    'their own; "scatter": a different random 1 % each frame, a stress case.',
    'Moves are marked with MatrixSyncJob.markDirty only (detect: \'manual\'; see the detect section for unmarked moves); the culling job reads an object again only when its world matrix',
    'changed (the matrix job\'s change stamps), its decision changes, or once every 8 sweeps. "—": no lap completed.',
  )
  return lines.join('\n')
}
