/**
 * `?warmupbench=1`: adds a district (new programs and textures) in view,
 * with the GPU warm-up job on and off, in alternating rounds, and prints a
 * table of what each frame around the arrival cost. Open it with
 * `autoplay=0` (a still camera: every round sees the same view).
 *
 * Per round, the frame that first draws the district (F) and around it:
 * - **held**: frames the job held the district invisible (0 without the job);
 *   the jobs' and the whole frame's CPU while held, against the budget;
 * - **first draw**: frame CPU (update + jobs + render, the page's wall time)
 *   and render of F; **interval**: the time from F's jobs to the next
 *   frame's (F's render, the wait for the next frame, its update and jobs);
 * - **worst interval**: the longest in [add, F + 60] (the batching job
 *   joins the district later and its batches' first draws land there);
 * - **baseline**: median interval and frame CPU, and the jobs' max, over 20
 *   frames before the add;
 * - **programs compiled by renders**: programs three created inside a render
 *   from the add to F + 60 (a first draw compiling what was not compiled
 *   before; 0 when the job compiled everything drawn, batches included).
 *
 * The browser test `warmup` runs one round of it and asserts on its log.
 */
import { type BatchScheduler, BatchType } from '../src/index.js'
import type { GpuWarmupJob, StaticBatchingJob } from '../src/jobs/index.js'
import type { District, DistrictOptions } from './district.js'
import type { Mode } from './modes.js'

/** One frame of a round, as recorded at the end of its jobs (before its render). */
export interface WarmupFrame {
  frame: number
  /** performance.now() at the end of the frame's jobs. */
  t: number
  /** The district's `visible` then (its render draws it when true). */
  visible: boolean
  /** The scheduler's jobs ms this frame (its own count). */
  usedMs: number
  /** Of which LOD-type systems (the warm-up job and the LOD job). */
  lodMs: number
  /** The warm-up job's own slices in the last frame it ran (its `stats.frameMs`; 0 without it). */
  warmupMs: number
  /** Its last between-frames callback (its `stats.idleMs`; 0 without it). */
  warmupIdleMs: number
  /** Programs three created in the previous frame's render (a first draw compiling what nobody compiled before). */
  programsInRender: number
}

/** The loop's timings of one frame (read one frame later). */
interface FrameTimes {
  frameMs: number
  jobsMs: number
  renderMs: number
  gpuMs: number
}

export interface WarmupRound {
  warmup: boolean
  /** Frame number of the last frame before the district was added. */
  addedAfter: number
  /** F: the first frame that draws the district. */
  firstDrawn: number
  heldFrames: number
  /** Max jobs ms / frame CPU ms over the held frames (NaN when none). */
  heldJobsMax: number
  /** Max ms of the LOD-type systems (the warm-up job and the LOD job) in one held frame. */
  heldLodMax: number
  /** The warm-up job's own slices, most in one frame while held (ms). */
  heldWarmupMax: number
  /** Its longest between-frames callback while held (ms). */
  heldIdleMax: number
  heldFrameMax: number
  firstFrameMs: number
  firstRenderMs: number
  firstIntervalMs: number
  nextFrameMs: number
  nextIntervalMs: number
  worstIntervalMs: number
  baselineIntervalMs: number
  baselineFrameMs: number
  /** Max jobs ms over the 20 frames before the add (what the jobs cost without the district). */
  baselineJobsMax: number
  budgetMs: number
  /** The warm-up job's stats at the end of the round (null without the job). */
  stats: GpuWarmupJob['stats'] | null
  /** The recorded frames, add to F + 60. */
  frames: WarmupFrame[]
  /** Programs three created inside renders from the add to F + 60 (0: everything drawn was compiled before its first draw). */
  programsInRender: number
  /** The district's meshes drawn through a batch at F + 60 (0 without batching). */
  batched: number
}

export interface WarmupBenchResults {
  n: number
  rounds: WarmupRound[]
  gpuTiming: string
  parallelCompile: boolean
  table: string
}

/** What the bench reads of the renderer: its `render` (wrapped while a round runs) and `info.programs`. */
export interface BenchRenderer {
  render(...args: never[]): unknown
  readonly info: { readonly programs: readonly unknown[] | null }
}

export interface WarmupBenchOptions {
  scheduler: BatchScheduler
  renderer: BenchRenderer
  getMode: () => Mode
  addDistrict: (options?: Partial<DistrictOptions>) => District
  removeDistricts: () => void
  /** WebGL context, for the extension report (null: WebGPU or none). */
  gl: WebGL2RenderingContext | null
  gpuTiming: () => string
  n: number
  rounds?: number
  programs?: number
  /** Frames recorded after F (default 60). */
  after?: number
  log?: (line: string) => void
}

const median = (values: number[]): number => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  return v.length === 0 ? NaN : ((v[(v.length - 1) >> 1] as number) + (v[v.length >> 1] as number)) / 2
}
const max = (values: number[]): number => (values.length === 0 ? NaN : Math.max(...values))
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—')
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—')

/** Runs frames until `done` returns true (checked at the end of each frame's jobs), or `limit` frames. */
function frames(scheduler: BatchScheduler, each: (frame: number) => boolean, limit = 2000): Promise<void> {
  return new Promise((resolve) => {
    let n = 0
    const listener = (): void => {
      if (each(scheduler.frame) || ++n >= limit) {
        scheduler.removeFrameListener(listener)
        resolve()
      }
    }
    scheduler.addFrameListener(listener)
  })
}

async function runRound(o: WarmupBenchOptions, warmup: boolean): Promise<WarmupRound> {
  const { scheduler } = o
  const after = o.after ?? 60
  o.getMode().setWarmup(warmup)
  // Timings of frame f are complete at frame f + 1's listener.
  const times = new Map<number, FrameTimes>()
  const record = (): void => {
    const t = o.getMode().timings
    times.set(scheduler.frame - 1, { frameMs: t.frameMs, jobsMs: t.jobsMs, renderMs: t.renderMs, gpuMs: t.gpuMs })
  }
  scheduler.addFrameListener(record)
  // Programs created inside renders: counted by wrapping the renderer's render for the round.
  const renderer = o.renderer
  const render = renderer.render
  let inRender = 0
  const count = (): number => renderer.info.programs?.length ?? 0
  renderer.render = function (this: BenchRenderer, ...args: never[]): unknown {
    const before = count()
    try {
      return render.apply(this, args)
    } finally {
      inRender += Math.max(0, count() - before)
    }
  }
  try {
    await frames(scheduler, () => false, 20) // settle
    const baseStart = scheduler.frame
    const marks = new Map<number, number>()
    await frames(scheduler, (f) => (marks.set(f, performance.now()), false), 21)
    const baseIntervals: number[] = []
    for (let f = baseStart + 1; f < scheduler.frame; f++) baseIntervals.push((marks.get(f + 1) ?? NaN) - (marks.get(f) ?? NaN))
    const baseTimes = [...times].filter(([f]) => f > baseStart).map(([, t]) => t)
    const baseFrames = baseTimes.map((t) => t.frameMs)
    const baselineJobsMax = max(baseTimes.map((t) => t.jobsMs))

    // The district arrives between two frames, as from a fetch or a click.
    let district: District | null = null
    let addedAfter = -1
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        addedAfter = scheduler.frame
        district = o.addDistrict(o.programs === undefined ? {} : { programs: o.programs })
        resolve()
      }, 0),
    )
    const log: WarmupFrame[] = []
    let firstDrawn = -1
    await frames(scheduler, (f) => {
      const group = (district as District | null)?.group
      const visible = group?.visible === true
      const last = scheduler.stats.last
      const w = o.getMode().warmup?.stats
      log.push({
        frame: f,
        t: performance.now(),
        visible,
        usedMs: last.usedMs,
        lodMs: last.msByType[BatchType.LOD] ?? 0,
        warmupMs: w?.frameMs ?? 0,
        warmupIdleMs: w?.idleMs ?? 0,
        programsInRender: inRender,
      })
      inRender = 0
      if (visible && firstDrawn < 0) firstDrawn = f
      return firstDrawn >= 0 && f >= firstDrawn + after + 2
    })
    const stats = o.getMode().warmup === null ? null : { ...(o.getMode().warmup as GpuWarmupJob).stats }
    const batching = (o.getMode() as { batching?: StaticBatchingJob | null }).batching ?? null
    const batched = batching === null ? 0 : (district as District | null)?.meshes.filter((m) => batching.batchOf(m) !== null).length ?? 0
    o.removeDistricts()
    await frames(scheduler, () => false, 20)

    const at = (f: number): WarmupFrame | undefined => log.find((e) => e.frame === f)
    const interval = (f: number): number => (at(f + 1)?.t ?? NaN) - (at(f)?.t ?? NaN)
    const programsInRender = log.filter((e) => e.frame <= firstDrawn + after + 1).reduce((n, e) => n + e.programsInRender, 0)
    const held = log.filter((e) => e.frame < firstDrawn).map((e) => times.get(e.frame)).filter((t) => t !== undefined)
    const worst: number[] = []
    for (const e of log) if (e.frame <= firstDrawn + after) worst.push(interval(e.frame))
    return {
      warmup,
      addedAfter,
      firstDrawn,
      heldFrames: firstDrawn - addedAfter - 1,
      heldJobsMax: max(held.map((t) => t.jobsMs)),
      heldLodMax: max(log.filter((e) => e.frame < firstDrawn).map((e) => e.lodMs)),
      heldWarmupMax: max(log.filter((e) => e.frame < firstDrawn).map((e) => e.warmupMs)),
      heldIdleMax: max(log.filter((e) => e.frame < firstDrawn).map((e) => e.warmupIdleMs)),
      heldFrameMax: max(held.map((t) => t.frameMs)),
      firstFrameMs: times.get(firstDrawn)?.frameMs ?? NaN,
      firstRenderMs: times.get(firstDrawn)?.renderMs ?? NaN,
      firstIntervalMs: interval(firstDrawn),
      nextFrameMs: times.get(firstDrawn + 1)?.frameMs ?? NaN,
      nextIntervalMs: interval(firstDrawn + 1),
      worstIntervalMs: max(worst.filter(Number.isFinite)),
      baselineIntervalMs: median(baseIntervals),
      baselineFrameMs: median(baseFrames),
      baselineJobsMax,
      budgetMs: scheduler.budgetMs,
      stats,
      frames: log,
      programsInRender,
      batched,
    }
  } finally {
    scheduler.removeFrameListener(record)
    renderer.render = render
  }
}

/** Runs `rounds` rounds (job on, job off; the order alternates) and returns the rounds and a table of medians. */
export async function runWarmupBench(o: WarmupBenchOptions): Promise<WarmupBenchResults> {
  const log = o.log ?? ((line: string) => console.log(line))
  const rounds: WarmupRound[] = []
  const count = o.rounds ?? 3
  for (let r = 0; r < count; r++) {
    for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
      const round = await runRound(o, on)
      rounds.push(round)
      log(
        `warm-up bench: round ${r + 1} job ${on ? 'on ' : 'off'}: held ${round.heldFrames} frames (jobs max ${f1(round.heldJobsMax)} ms, LOD type ${f1(round.heldLodMax)}, ` +
          `the warm-up's slices ${f2(round.heldWarmupMax)}, its between-frames callbacks ${f2(round.heldIdleMax)}; before the add ${f1(round.baselineJobsMax)}), ` +
          `first draw frame ${f1(round.firstFrameMs)} ms (render ${f1(round.firstRenderMs)}), interval ${f1(round.firstIntervalMs)} ms, ` +
          `next ${f1(round.nextIntervalMs)} ms, worst ${f1(round.worstIntervalMs)} ms (baseline ${f1(round.baselineIntervalMs)} ms); ` +
          `programs compiled by renders ${round.programsInRender}, meshes batched at F+${o.after ?? 60}: ${round.batched}` +
          (round.stats === null
            ? ''
            : `; compile sync part ${f2(round.stats.msPerCompile)} ms (max ${f2(round.stats.maxCompileMs)}), ` +
              `first use ${f2(round.stats.msPerFirstUse)} ms (max ${f2(round.stats.maxFirstUseMs)}), shown at maxHoldFrames ${round.stats.timedOut}`),
      )
    }
  }
  const gl = o.gl
  const parallelCompile = gl !== null && gl.getExtension('KHR_parallel_shader_compile') !== null
  const rows = [true, false].map((on) => {
    const rs = rounds.filter((r) => r.warmup === on)
    const m = (k: keyof WarmupRound): string => f1(median(rs.map((r) => r[k] as number)))
    return `| job ${on ? 'on' : 'off'} | ${m('programsInRender')} | ${m('heldFrames')} | ${m('heldJobsMax')} (${m('baselineJobsMax')}) | ${m('heldFrameMax')} | ${m('firstFrameMs')} | ${m('firstRenderMs')} | ${m('firstIntervalMs')} | ${m('nextIntervalMs')} | ${m('worstIntervalMs')} | ${m('baselineIntervalMs')} |`
  })
  const table = [
    `warm-up bench: n=${o.n}, ${count} round(s), budget ${f1(o.scheduler.budgetMs)} ms, GPU timing ${o.gpuTiming()}, KHR_parallel_shader_compile ${parallelCompile ? 'yes' : 'no'}; medians, ms`,
    '| | programs compiled by renders | held frames | jobs max while held (before the add) | frame CPU max while held | first draw: frame CPU | first draw: render | first draw: interval | next interval | worst interval (to F+60) | baseline interval |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n')
  for (const line of table.split('\n')) log(line)
  log('warm-up bench done')
  return { n: o.n, rounds, gpuTiming: o.gpuTiming(), parallelCompile, table }
}
