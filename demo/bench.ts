/**
 * `?bench=1`: plain three.js, the scheduler without batching and the scheduler
 * with batching, in alternating windows (`rounds` rounds of the three) over the
 * same stretch of the fixed fly-through, `frames` measured frames per window
 * after `warmup` frames. Prints a table of means (not medians: in software
 * WebGL frames are two-peaked, see README) to the page and the console.
 *
 * - **frame interval**: mean time between two animation frames (what a user
 *   sees). Each frame reads back one pixel after its render (`readPixels`),
 *   so it waits for its own GPU work instead of leaving it to a later frame.
 * - **main-thread CPU**: the page's main thread's CPU time per frame, read
 *   from /proc by `npm run bench:browser` through `window.__tbsProbe` (absent
 *   in a normal browser: shown as —).
 * - **frame CPU**: the page's own wall time of update + jobs + render.
 * - the batch build: frames the first batching window took to batch the city
 *   (camera still), and the jobs' p99 / max ms per frame meanwhile.
 *
 * Scene time is driven by frame count (1/60 s per frame), so every mode sees
 * the same camera path at the speed a 60 fps user sees it.
 */
import type { StaticBatchingJob } from '../src/jobs/index.js'
import type { FlyThrough } from './FlyThrough.js'
import type { Hud } from './Hud.js'
import { type Mode, type ModeContext, PlainMode, ScheduledMode } from './modes.js'
import type { DemoParams } from './params.js'

const FRAME_MS = 1000 / 60
/** Where on the fly-through loop each measured window starts (a stretch between the towers). */
const START_T = 0.08

type Kind = 'plain three.js' | 'scheduler' | 'scheduler + batching'
const KINDS: readonly Kind[] = ['plain three.js', 'scheduler', 'scheduler + batching']

export interface ModeResult {
  mode: Kind
  /** Measured frames, all windows together. */
  frames: number
  /** Mean frame interval, ms. */
  intervalMean: number
  /** Mean main-thread CPU per frame, ms (NaN without the probe). */
  mainThreadCpu: number
  /** Mean of the page's update + jobs + render wall time, ms. */
  frameCpuMean: number
  jobsMean: number
  jobsP99: number
  renderMean: number
  /** Mean GPU ms per render (timer queries), NaN where the browser has none. */
  gpuMean: number
  culledAvg: number
  drawCallsAvg: number
  trianglesAvg: number
}

export interface BuildResult {
  /** Frames from installing the batching job to nothing pending. */
  frames: number
  /** Objects batched. */
  batched: number
  batches: number
  jobsP99: number
  jobsMax: number
  budgetMs: number
}

export interface BenchResults {
  n: number
  objects: number
  /** Measured frames per window. */
  frames: number
  rounds: number
  crossOriginIsolated: boolean
  modes: ModeResult[]
  build: BuildResult | null
  /** plain ÷ scheduler + batching: mean frame interval and main-thread CPU per frame (> 1: batching is faster). */
  speedupInterval: number
  speedupMainThread: number
  table: string
}

interface BenchOptions {
  ctx: ModeContext
  params: DemoParams
  fly: FlyThrough
  state: { t: number; flying: boolean }
  hud: Hud
  getMode: () => Mode
  setMode: (mode: Mode) => void
}

/** Set by `npm run bench:browser`: the page's main-thread CPU time so far, ms. */
type Probe = () => Promise<number>

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

const avg = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

/** Per-frame samples of one mode, all its windows together. */
class Samples {
  intervals: number[] = []
  frame: number[] = []
  jobs: number[] = []
  render: number[] = []
  gpu: number[] = []
  culled: number[] = []
  calls: number[] = []
  triangles: number[] = []
  cpuMs = 0
  cpuFrames = 0
  cpuKnown = true
}

/**
 * Replaces the app's update with `step(count)`, then makes the mode (RenderLoop
 * takes the update function when it is made) and runs its frames until `step`
 * returns false.
 */
async function drive(options: BenchOptions, make: () => Mode, step: (count: number, now: number) => boolean): Promise<void> {
  const { ctx } = options
  let count = 0
  let stopped = false
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))
  ctx.update = () => {
    if (stopped) return
    if (!step(count, performance.now())) {
      stopped = true
      finish()
      return
    }
    count++
  }
  const mode = make()
  options.setMode(mode)
  mode.start()
  await done
  mode.dispose()
}

async function runWindow(options: BenchOptions, kind: Kind, samples: Samples, buildOut: { build: BuildResult | null }): Promise<void> {
  const { ctx, params, fly } = options
  const probe = (window as unknown as { __tbsProbe?: Probe }).__tbsProbe
  ctx.batching = kind === 'scheduler + batching'
  let mode: Mode | null = null
  let batching: StaticBatchingJob | null = null
  // The first batching window measures the build (camera still at the start); later ones build at once.
  const measureBuild = ctx.batching && buildOut.build === null
  const make = (): Mode => {
    const m = kind === 'plain three.js' ? new PlainMode(ctx) : new ScheduledMode(ctx)
    batching = m instanceof ScheduledMode ? m.batching : null
    if (batching !== null && !measureBuild) batching.flush()
    mode = m
    return m
  }
  const jobs: number[] = []
  let buildFrames = -1
  let built = { batched: 0, batches: 0 }
  const warmup = params.benchWarmup
  const total = warmup + params.benchFrames
  let phase: 'build' | 'run' = measureBuild ? 'build' : 'run'
  let runStart = 0
  let last = 0
  let cpuStart: Promise<number> | null = null
  let cpuEnd: Promise<number> | null = null
  let simTime = 0
  ctx.traffic.now = () => simTime
  const camera = ctx.camera
  await drive(options, make, (count, now) => {
    const m = mode as Mode | null
    if (m === null) return true
    const t = m.timings
    if (phase === 'build') {
      if (count > 0) jobs.push(t.jobsMs)
      fly.apply(camera, START_T - (warmup * FRAME_MS) / 1000 / fly.period)
      const b = batching as StaticBatchingJob | null
      if (b !== null && b.isIdle && count > 0) {
        buildFrames = count
        built = { batched: b.stats.batchedObjects, batches: b.stats.batches }
        phase = 'run'
        runStart = count
      }
      return true
    }
    const i = count - runStart // frames into the run: warm-up, then measured
    // The frame before this one is complete: record it.
    if (i > warmup && i <= total) {
      samples.intervals.push(now - last)
      samples.frame.push(t.frameMs)
      samples.jobs.push(t.jobsMs)
      samples.render.push(t.renderMs)
      if (Number.isFinite(t.gpuMs)) samples.gpu.push(t.gpuMs)
      samples.culled.push(m.hidden)
      samples.calls.push(ctx.renderer.info.render.calls)
      samples.triangles.push(ctx.renderer.info.render.triangles)
    }
    last = now
    if (i === warmup && probe !== undefined) cpuStart = probe()
    if (i === total) {
      if (probe !== undefined) cpuEnd = probe()
      return false
    }
    simTime += FRAME_MS
    // The camera flies at its normal speed, as at 60 fps, whatever the real frame time.
    fly.apply(camera, START_T + ((i - warmup) * FRAME_MS) / 1000 / fly.period)
    return true
  })
  if (cpuStart !== null && cpuEnd !== null) {
    samples.cpuMs += (await cpuEnd) - (await cpuStart)
    samples.cpuFrames += params.benchFrames
  } else {
    samples.cpuKnown = false
  }
  const job = batching as StaticBatchingJob | null
  if (job !== null && measureBuild) {
    buildOut.build = {
      frames: buildFrames,
      batched: built.batched,
      batches: built.batches,
      jobsP99: pct(jobs, 99),
      jobsMax: Math.max(...jobs),
      budgetMs: ctx.scheduler.budgetMs,
    }
  }
}

const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '—')

export async function runBenchmark(options: BenchOptions): Promise<BenchResults> {
  const { params, hud, ctx, state } = options
  options.getMode().dispose()
  state.flying = false
  ctx.traffic.moving = true
  const appUpdate = ctx.update
  const appBatching = ctx.batching
  // Each frame pays for its own GPU work: one pixel read back after the render.
  const gl = ctx.renderer.getContext()
  const pixel = new Uint8Array(4)
  const scene = ctx.city.scene
  const savedAfter = scene.onAfterRender
  scene.onAfterRender = () => gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel)
  const rounds = params.benchRounds
  const samples = new Map<Kind, Samples>(KINDS.map((k) => [k, new Samples()]))
  const buildOut: { build: BuildResult | null } = { build: null }
  for (let r = 0; r < rounds; r++) {
    for (const kind of KINDS) {
      hud.showResults(`benchmark: round ${r + 1}/${rounds}, ${kind}…`)
      await runWindow(options, kind, samples.get(kind) as Samples, buildOut)
    }
  }
  ctx.update = appUpdate
  ctx.batching = appBatching
  ctx.traffic.now = () => performance.now()
  scene.onAfterRender = savedAfter
  const rows: ModeResult[] = KINDS.map((kind) => {
    const s = samples.get(kind) as Samples
    return {
      mode: kind,
      frames: s.frame.length,
      intervalMean: avg(s.intervals),
      mainThreadCpu: s.cpuKnown && s.cpuFrames > 0 ? s.cpuMs / s.cpuFrames : NaN,
      frameCpuMean: avg(s.frame),
      jobsMean: avg(s.jobs),
      jobsP99: pct(s.jobs, 99),
      renderMean: avg(s.render),
      gpuMean: s.gpu.length > 0 ? avg(s.gpu) : NaN,
      culledAvg: avg(s.culled),
      drawCallsAvg: avg(s.calls),
      trianglesAvg: avg(s.triangles),
    }
  })
  const [plain, , batched] = rows as [ModeResult, ModeResult, ModeResult]
  const build = buildOut.build
  const table = [
    `three-batch-scheduler demo benchmark: N=${params.n} (${ctx.city.objects} objects), ${rounds} rounds × ${params.benchFrames} frames/mode, ` +
      `alternating windows over the same stretch, readPixels after each frame, crossOriginIsolated=${String(globalThis.crossOriginIsolated)}`,
    '',
    '| mode | frame interval (mean ms) | main-thread CPU / frame (ms) | frame CPU (mean ms) | jobs mean | jobs p99 | render mean | GPU ms (mean) | draw calls (avg) | culled (avg) | triangles (avg) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${f2(r.intervalMean)} | ${f2(r.mainThreadCpu)} | ${f2(r.frameCpuMean)} | ${f2(r.jobsMean)} | ${f2(r.jobsP99)} | ` +
        `${f2(r.renderMean)} | ${f2(r.gpuMean)} | ${Math.round(r.drawCallsAvg)} | ${Math.round(r.culledAvg)} | ${Math.round(r.trianglesAvg)} |`,
    ),
    '',
    `plain ÷ scheduler + batching: frame interval ${f2(plain.intervalMean / batched.intervalMean)}×, main-thread CPU ${f2(plain.mainThreadCpu / batched.mainThreadCpu)}×, ` +
      `frame CPU ${f2(plain.frameCpuMean / batched.frameCpuMean)}×, GPU ms ${f2(plain.gpuMean / batched.gpuMean)}×, ` +
      `draw calls ${f2((100 * batched.drawCallsAvg) / plain.drawCallsAvg)} % of plain`,
    build === null
      ? ''
      : `batch build: ${build.batched} objects in ${build.batches} batches over ${build.frames} frames; jobs p99 ${f2(build.jobsP99)} ms, max ${f2(build.jobsMax)} ms (budget ${f2(build.budgetMs)} ms)`,
  ].join('\n')
  console.log(table)
  hud.showResults(table)
  const results: BenchResults = {
    n: params.n,
    objects: ctx.city.objects,
    frames: params.benchFrames,
    rounds,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    modes: rows,
    build,
    speedupInterval: plain.intervalMean / batched.intervalMean,
    speedupMainThread: plain.mainThreadCpu / batched.mainThreadCpu,
    table,
  }
  // Leave the scheduler running on the last frame of the path.
  const last = new ScheduledMode(ctx)
  options.setMode(last)
  last.start()
  return results
}
