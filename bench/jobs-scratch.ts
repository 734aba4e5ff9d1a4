/**
 * Scratch measurement of the built-in jobs (not a test, not part of `npm run bench` yet):
 * 100k meshes in nested groups (100 groups × 10 subgroups × 100 meshes), 1 % of
 * the meshes moving per frame.
 *
 * - three's way: `scene.updateMatrixWorld()` every frame (what `renderer.render` does);
 * - MatrixSyncJob: the moves are marked and `scheduler.runFrame()` runs the job
 *   within a 2.5 ms budget (its cost per frame, and the marking cost apart);
 * - a full sweep (the whole scene marked): frames it takes under 2.5 ms, with no
 *   staleness bound and with the default one (8 frames);
 * - LODs: `lod.update(camera)` on every LOD vs LODJob's frames per lap.
 *
 * Real clock; medians over frames after a warm-up; GC pauses and preemption
 * land where they land (the max column shows them). `cpuMsPerFrame` is the
 * process CPU time (`process.cpuUsage`, GC threads included) over the measured
 * frames divided by their count: it does not count time the OS gave to other
 * processes, so it is the steadier figure on a loaded machine. Prints JSON.
 *
 * Run: `node --expose-gc --import tsx bench/jobs-scratch.ts` (N=10000 for a smaller scene).
 */
import { BoxGeometry, Group, LOD, Mesh, MeshBasicMaterial, PerspectiveCamera, Scene } from 'three'
import { BatchScheduler } from '../src/index.js'
import { LODJob } from '../src/jobs/LODJob.js'
import { MatrixSyncJob } from '../src/jobs/MatrixSyncJob.js'

const N = Number(process.env.N ?? 100_000)
const BUDGET_MS = 2.5
const WARMUP = 30
const FRAMES = 300
const geometry = new BoxGeometry()
const material = new MeshBasicMaterial()

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) {
    g()
    g()
  }
}

let seed = 12345
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}

interface Summary {
  median: number
  p95: number
  max: number
}

function summary(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b)
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN
  const r = (x: number) => Math.round(x * 1000) / 1000
  return { median: r(at(0.5)), p95: r(at(0.95)), max: r(s[s.length - 1] ?? NaN) }
}

function buildScene(): { scene: Scene; meshes: Mesh[] } {
  const scene = new Scene()
  const meshes: Mesh[] = []
  const perSub = Math.max(1, Math.round(N / 1000))
  for (let g = 0; g < 100; g++) {
    const group = new Group()
    group.position.set(g, 0, 0)
    scene.add(group)
    for (let s = 0; s < 10; s++) {
      const sub = new Group()
      sub.position.set(0, s, 0)
      sub.rotation.y = s / 10
      group.add(sub)
      for (let m = 0; m < perSub; m++) {
        const mesh = new Mesh(geometry, material)
        mesh.position.set(random() * 10, random() * 10, random() * 10)
        sub.add(mesh)
        meshes.push(mesh)
      }
    }
  }
  scene.updateMatrixWorld()
  return { scene, meshes }
}

/** Moves 1 % of the meshes (a different 1 % each frame) and marks them when `sync` is given. */
function moveSome(meshes: Mesh[], frame: number, sync: MatrixSyncJob | null): void {
  const count = Math.round(meshes.length / 100)
  for (let i = 0; i < count; i++) {
    const mesh = meshes[(frame * 7919 + i * 101) % meshes.length] as Mesh
    mesh.position.x += 0.01
    if (sync !== null) sync.markDirty(mesh)
  }
}

/** Process CPU ms (user + system) since `since` (a `process.cpuUsage()` result). */
function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1000
}

function heapMB(): number {
  gc()
  return process.memoryUsage().heapUsed / 1e6
}

const results: Record<string, unknown> = { node: process.version, meshes: N, budgetMs: BUDGET_MS }

// three's way: the whole scene every frame.
{
  const { meshes, scene } = buildScene()
  const times: number[] = []
  let cpu = 0
  for (let f = 0; f < WARMUP + FRAMES; f++) {
    moveSome(meshes, f, null)
    const c = process.cpuUsage()
    const t = performance.now()
    scene.updateMatrixWorld()
    if (f >= WARMUP) {
      times.push(performance.now() - t)
      cpu += cpuMs(c)
    }
  }
  results.threeUpdateMatrixWorldMs = { ...summary(times), cpuMsPerFrame: Math.round((cpu / FRAMES) * 1000) / 1000 }
}

// MatrixSyncJob, 1 % moving per frame.
{
  const { meshes, scene } = buildScene()
  const scheduler = new BatchScheduler({ budgetMs: BUDGET_MS })
  const before = heapMB()
  let t = performance.now()
  const sync = new MatrixSyncJob(scheduler, scene)
  const installMs = performance.now() - t
  const listenersMB = heapMB() - before
  const jobMs: number[] = []
  const markMs: number[] = []
  const updated: number[] = []
  let cpu = 0
  for (let f = 0; f < WARMUP + FRAMES; f++) {
    t = performance.now()
    moveSome(meshes, f, sync)
    const marked = performance.now()
    const c = process.cpuUsage()
    scheduler.runFrame()
    const ran = performance.now()
    if (f >= WARMUP) {
      cpu += cpuMs(c)
      markMs.push(marked - t)
      jobMs.push(ran - marked)
      updated.push(sync.lastUpdated)
    }
  }
  results.matrixSync = {
    installMs: Math.round(installMs),
    hierarchyListenersMB: Math.round(listenersMB),
    runFrameMs: { ...summary(jobMs), cpuMsPerFrame: Math.round((cpu / FRAMES) * 1000) / 1000 },
    moveAndMarkMs: summary(markMs),
    objectsUpdatedPerFrame: summary(updated),
  }
  sync.dispose()
}

// A full sweep: the whole scene marked once, under the budget.
{
  const { scene } = buildScene()
  for (const maxLagFrames of [Infinity, 8]) {
    let last: Record<string, unknown> = {}
    // Three sweeps, the last one reported: the first runs cold code.
    for (let rep = 0; rep < 3; rep++) {
      const scheduler = new BatchScheduler({ budgetMs: BUDGET_MS })
      const sync = new MatrixSyncJob(scheduler, scene, { maxLagFrames, watchHierarchy: false })
      sync.markDirty(scene)
      gc()
      const perFrame: number[] = []
      while (!sync.isIdle && perFrame.length < 10_000) {
        const t = performance.now()
        scheduler.runFrame()
        perFrame.push(performance.now() - t)
      }
      last = { frames: perFrame.length, runFrameMs: summary(perFrame), maxOverrunMs: Math.round(scheduler.stats.maxOverrunMs * 1000) / 1000 }
      sync.dispose()
    }
    results[`fullSweep_maxLag${maxLagFrames}`] = last
  }
}

// LODs: every LOD updated every frame vs LODJob.
{
  const scene = new Scene()
  const lods: LOD[] = []
  for (let i = 0; i < N; i++) {
    const lod = new LOD()
    lod.addLevel(new Mesh(geometry, material), 0)
    lod.addLevel(new Mesh(geometry, material), 20)
    lod.addLevel(new Mesh(geometry, material), 60)
    lod.position.set(random() * 400 - 200, 0, random() * 400 - 200)
    scene.add(lod)
    lods.push(lod)
  }
  scene.updateMatrixWorld()
  const camera = new PerspectiveCamera()
  const moveCamera = (f: number) => {
    camera.position.set((f % 200) - 100, 0, 0)
    camera.updateMatrixWorld()
  }
  const plain: number[] = []
  let cpu = 0
  for (let f = 0; f < WARMUP + 60; f++) {
    moveCamera(f)
    const c = process.cpuUsage()
    const t = performance.now()
    for (let i = 0; i < lods.length; i++) (lods[i] as LOD).update(camera)
    if (f >= WARMUP) {
      plain.push(performance.now() - t)
      cpu += cpuMs(c)
    }
  }
  results.threeLODUpdateAllMs = { ...summary(plain), cpuMsPerFrame: Math.round((cpu / 60) * 1000) / 1000 }
  for (const maxLagFrames of [Infinity, 30]) {
    const scheduler = new BatchScheduler({ budgetMs: BUDGET_MS })
    const job = new LODJob(scheduler, camera, { root: scene, maxLagFrames })
    for (let f = 0; f < WARMUP; f++) scheduler.runFrame()
    const startLaps = job.laps
    const perFrame: number[] = []
    while (job.laps < startLaps + 5 && perFrame.length < 10_000) {
      moveCamera(perFrame.length)
      const t = performance.now()
      scheduler.runFrame()
      perFrame.push(performance.now() - t)
    }
    results[`lodJob_maxLag${maxLagFrames}`] = {
      runFrameMs: summary(perFrame),
      framesPerLap: Math.round((perFrame.length / (job.laps - startLaps)) * 10) / 10,
    }
    job.dispose()
  }
}

console.log(JSON.stringify(results, null, 2))
