/**
 * Detect: what finding unmarked moves costs (MatrixSyncJob `detect: 'auto'`,
 * the default) against marking every move (`detect: 'manual'` + markDirty)
 * and against plain three.js, on the scaling section's city (bench/scaling.ts)
 * at 10k and 100k objects, with the three jobs installed the way README says
 * (`installBatchJobs`, 2.5 ms budget).
 *
 * Two scenes: static (nothing moves; the camera circles), and 1 % movers
 * (the same objects every frame) that start moving when the measurement
 * starts and are never marked in 'auto'. Reported: jobs ms p50 / p99 (the
 * budgeted part), renderer walk left, total; for the movers, frames from
 * their first move to a correct world matrix (max over movers) and the
 * frames after that in which any mover was drawn with a stale world matrix
 * (must be 0).
 */
import { Matrix4, type Object3D } from 'three'
import { BatchScheduler } from '../src/index.js'
import { installBatchJobs } from '../src/jobs/index.js'
import { Random } from './lib.js'
import { buildWorld, collect, moveCamera, renderWalk, summary, type World } from './scaling.js'

const BUDGET_MS = 2.5
const DETECT_FRAMES = 4

export type DetectMode = 'plain' | 'manual + marks' | 'auto, no marks'

export interface DetectRow {
  n: number
  scene: 'static' | 'movers'
  mode: DetectMode
  frames: number
  jobs: { p50: number; p99: number; max: number }
  walk: { p50: number; p99: number; max: number }
  total: { p50: number; p99: number; max: number }
  /** Frames from the movers' first move until every one had a correct world matrix (1 = the frame of the move). */
  firstMoveFrames: number
  /** Frames after that in which some mover's world matrix was stale when the renderer walked (must be 0). */
  staleFrames: number
  /** Moves the matrix job found without a mark (total). */
  detected: number
}

const _expected = new Matrix4()
const _local = new Matrix4()

/** Whether `object`'s world matrix is what its parent's and its local transform give. */
function current(object: Object3D): boolean {
  _local.compose(object.position, object.quaternion, object.scale)
  const parent = object.parent
  if (parent === null) _expected.copy(_local)
  else _expected.multiplyMatrices(parent.matrixWorld, _local)
  const a = object.matrixWorld.elements
  const b = _expected.elements
  for (let i = 0; i < 16; i++) if (Math.abs((a[i] as number) - (b[i] as number)) > 1e-9 * (1 + Math.abs(b[i] as number))) return false
  return true
}

function step(world: World, random: Random, moving: boolean, onMoved: ((o: Object3D) => void) | null): void {
  if (!moving) return
  const movers = world.movers
  for (let i = 0; i < movers.length; i++) {
    const o = movers[i] as Object3D
    o.position.x += (random.next() - 0.5) * 0.5
    o.position.z += (random.next() - 0.5) * 0.5
    if (onMoved !== null) onMoved(o)
  }
}

function run(n: number, scene: 'static' | 'movers', mode: DetectMode, frames: number, warmup: number): DetectRow {
  const random = new Random(n)
  const world = buildWorld(n, random)
  const scheduler = new BatchScheduler({ budgetMs: BUDGET_MS })
  const jobs =
    mode === 'plain'
      ? null
      : installBatchJobs(scheduler, {
          scene: world.scene,
          camera: world.camera,
          matrices: { detect: mode === 'manual + marks' ? 'manual' : 'auto', detectFrames: DETECT_FRAMES },
        })
  const matrices = jobs?.matrices ?? null
  const onMoved = mode === 'manual + marks' && matrices !== null ? (o: Object3D): void => matrices.markDirty(o) : null
  const jobMs: number[] = []
  const walkMs: number[] = []
  const totalMs: number[] = []
  let firstMoveFrames = 0
  let allCurrent = false
  let staleFrames = 0
  for (let f = 0; f < warmup + frames; f++) {
    const measuring = f >= warmup
    // The movers stand still through the warm-up: the measurement starts with their first move.
    step(world, random, scene === 'movers' && measuring, onMoved)
    moveCamera(world, f)
    const t0 = performance.now()
    if (jobs !== null) scheduler.runFrame()
    const t1 = performance.now()
    // Checked where the renderer would draw (outside the timings); plain three updates matrices in its walk.
    if (measuring && scene === 'movers' && mode !== 'plain') {
      const ok = world.movers.every(current)
      if (!allCurrent) {
        firstMoveFrames++
        allCurrent = ok
      } else if (!ok) staleFrames++
    }
    const t2 = performance.now()
    renderWalk(world.scene, world.camera)
    const t3 = performance.now()
    if (f === warmup - 1) collect()
    if (measuring) {
      jobMs.push(t1 - t0)
      walkMs.push(t3 - t2)
      totalMs.push(t1 - t0 + (t3 - t2))
    }
  }
  const detected = matrices?.stats.detectedTotal ?? 0
  jobs?.dispose()
  scheduler.dispose()
  return {
    n,
    scene,
    mode,
    frames,
    jobs: summary(jobMs),
    walk: summary(walkMs),
    total: summary(totalMs),
    firstMoveFrames: scene === 'movers' && mode !== 'plain' ? (allCurrent ? firstMoveFrames : Infinity) : NaN,
    staleFrames,
    detected,
  }
}

export function runDetect(sizes: readonly number[] = [10_000, 100_000], frames = 300, warmup = 100): DetectRow[] {
  const rows: DetectRow[] = []
  for (const n of sizes) {
    // 100k frames are slow in plain three (~100 ms): fewer of them.
    const f = n >= 100_000 ? Math.min(frames, 150) : frames
    const w = n >= 100_000 ? Math.min(warmup, 50) : warmup
    for (const scene of ['static', 'movers'] as const) {
      for (const mode of ['plain', 'manual + marks', 'auto, no marks'] as const) rows.push(run(n, scene, mode, f, w))
    }
  }
  return rows
}

const f2 = (x: number | null): string => (x !== null && Number.isFinite(x) ? x.toFixed(2) : '—')

export function detectTable(rows: DetectRow[]): string {
  const lines = [
    '| N | scene | mode | jobs p50 / p99 | renderer walk p50 | total p50 / p99 | frames from first move to current (max) | stale frames after | moves detected |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const r of rows) {
    const moving = r.scene === 'movers' && r.mode !== 'plain'
    lines.push(
      `| ${r.n.toLocaleString('en')} | ${r.scene === 'movers' ? '1 % movers' : 'static'} | ${r.mode === 'plain' ? 'plain three.js' : `\`${r.mode}\``} | ` +
        `${r.mode === 'plain' ? '—' : `${f2(r.jobs.p50)} / ${f2(r.jobs.p99)}`} | ${f2(r.walk.p50)} | ${f2(r.total.p50)} / ${f2(r.total.p99)} | ` +
        `${moving ? String(r.firstMoveFrames) : '—'} | ${moving ? String(r.staleFrames) : '—'} | ${r.mode === 'plain' ? '—' : r.detected} |`,
    )
  }
  lines.push(
    '',
    `ms per frame; budget ${BUDGET_MS} ms; jobs installed with installBatchJobs (detectFrames ${DETECT_FRAMES}). "manual + marks": every move marked`,
    "with markDirty, nothing compared; \"auto, no marks\": the app never calls the library, the matrix job finds the moves.",
    'Target: at 10k with unmarked movers, jobs p99 ≤ budget + 0.5 ms, and no stale frame after the first detectFrames.',
  )
  return lines.join('\n')
}
