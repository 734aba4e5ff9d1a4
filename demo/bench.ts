/**
 * `?bench=1`: the same fixed fly-through for a fixed number of frames, first
 * the plain three.js way, then through the scheduler; prints a table of frame
 * CPU p50/p99, jobs ms, render ms, culled objects and draw calls to the page
 * and the console. Time in the scene is driven by frame count (1/60 s per
 * frame), so both runs see the same camera path at the speed a 60 fps user
 * sees it, however slow the machine renders.
 */
import type { FlyThrough } from './FlyThrough.js'
import type { Hud } from './Hud.js'
import { type Mode, type ModeContext, PlainMode, ScheduledMode } from './modes.js'
import type { DemoParams } from './params.js'

const FRAME_MS = 1000 / 60
/** Where on the fly-through loop the benchmark starts (a stretch between the towers). */
const START_T = 0.08

export interface ModeResult {
  mode: 'plain three.js' | 'scheduler'
  frames: number
  frameP50: number
  frameP99: number
  updateP50: number
  jobsP50: number
  jobsP99: number
  renderP50: number
  renderP99: number
  culledAvg: number
  drawCallsAvg: number
  trianglesAvg: number
}

export interface BenchResults {
  n: number
  objects: number
  frames: number
  crossOriginIsolated: boolean
  modes: ModeResult[]
  /** plain frame CPU p50 ÷ scheduler frame CPU p50 (> 1: the scheduler is faster). */
  speedupP50: number
  speedupP99: number
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

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

const avg = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

async function runMode(options: BenchOptions, scheduled: boolean): Promise<ModeResult> {
  const { ctx, params, fly, state } = options
  const warmup = params.benchWarmup
  const total = warmup + params.benchFrames
  const frame: number[] = []
  const update: number[] = []
  const jobs: number[] = []
  const render: number[] = []
  const culled: number[] = []
  const calls: number[] = []
  const triangles: number[] = []
  let count = 0
  let simTime = 0
  state.flying = false
  ctx.traffic.moving = true
  ctx.traffic.now = () => simTime
  const appUpdate = ctx.update
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))
  let mode: Mode | null = null
  ctx.update = () => {
    // The previous frame is complete now: record it.
    if (mode !== null && count > warmup) {
      const t = mode.timings
      frame.push(t.frameMs)
      update.push(t.updateMs)
      jobs.push(t.jobsMs)
      render.push(t.renderMs)
      culled.push(mode.hidden)
      calls.push(ctx.renderer.info.render.calls)
      triangles.push(ctx.renderer.info.render.triangles)
    }
    if (count === total) finish()
    count++
    simTime += FRAME_MS
    // The camera flies at its normal speed, as at 60 fps, whatever the real frame time.
    fly.apply(ctx.camera, START_T + (count * FRAME_MS) / 1000 / fly.period)
  }
  mode = scheduled ? new ScheduledMode(ctx) : new PlainMode(ctx)
  options.setMode(mode)
  mode.start()
  await done
  mode.dispose()
  ctx.update = appUpdate
  ctx.traffic.now = () => performance.now()
  return {
    mode: scheduled ? 'scheduler' : 'plain three.js',
    frames: frame.length,
    frameP50: pct(frame, 50),
    frameP99: pct(frame, 99),
    updateP50: pct(update, 50),
    jobsP50: pct(jobs, 50),
    jobsP99: pct(jobs, 99),
    renderP50: pct(render, 50),
    renderP99: pct(render, 99),
    culledAvg: avg(culled),
    drawCallsAvg: avg(calls),
    trianglesAvg: avg(triangles),
  }
}

const f2 = (n: number): string => n.toFixed(2)

export async function runBenchmark(options: BenchOptions): Promise<BenchResults> {
  const { params, hud, ctx } = options
  options.getMode().dispose()
  hud.showResults(`benchmark: ${params.benchFrames} frames per mode after ${params.benchWarmup} warm-up frames…`)
  const plain = await runMode(options, false)
  hud.showResults(`benchmark: plain three.js done (${f2(plain.frameP50)} ms p50); now the scheduler…`)
  const scheduled = await runMode(options, true)
  const rows = [plain, scheduled]
  const table = [
    `three-batch-scheduler demo benchmark: N=${params.n} (${ctx.city.objects} objects), ${params.benchFrames} frames/mode, ` +
      `crossOriginIsolated=${String(globalThis.crossOriginIsolated)}`,
    '',
    '| mode | frame CPU p50 | frame CPU p99 | update p50 | jobs p50 | jobs p99 | render p50 | render p99 | culled (avg) | draw calls (avg) | triangles (avg) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${f2(r.frameP50)} | ${f2(r.frameP99)} | ${f2(r.updateP50)} | ${f2(r.jobsP50)} | ${f2(r.jobsP99)} | ` +
        `${f2(r.renderP50)} | ${f2(r.renderP99)} | ${Math.round(r.culledAvg)} | ${Math.round(r.drawCallsAvg)} | ${Math.round(r.trianglesAvg)} |`,
    ),
    '',
    `frame CPU, plain ÷ scheduler: p50 ${f2(plain.frameP50 / scheduled.frameP50)}×, p99 ${f2(plain.frameP99 / scheduled.frameP99)}×`,
  ].join('\n')
  console.log(table)
  hud.showResults(table)
  const results: BenchResults = {
    n: params.n,
    objects: ctx.city.objects,
    frames: params.benchFrames,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    modes: rows,
    speedupP50: plain.frameP50 / scheduled.frameP50,
    speedupP99: plain.frameP99 / scheduled.frameP99,
    table,
  }
  // Leave the scheduler running on the last frame of the path.
  const last = new ScheduledMode(ctx)
  options.setMode(last)
  last.start()
  return results
}
