/**
 * Budget precision and utilization on the real clock (`performance.now()`).
 *
 * A seeded mixed workload: 20 job kinds (4 per BatchType), each with a base
 * cost drawn log-uniform in 5 µs–0.5 ms; every run busy-waits its kind's cost
 * ±20 % (uniform jitter). Arrivals per frame are drawn from the same seeded
 * PRNG, so every run offers the same work and differs only by the machine's
 * timing. Each job records the frame it became eligible in and the frame it
 * ran in (its wait), and how far it overshot the budget its deadline gave it.
 *
 * Scenarios:
 * - `overload`: 1.2× the budget offered every frame, weights exact.
 * - `bursty`: 0.9× the budget offered on average, in bursts (2.5× in one frame
 *   of four, 0.5× otherwise), weights exact: there is spare budget on average.
 * - `learn`: as `overload`, but every kind's weight is 5× too high or 5× too
 *   low (alternately), so the cost model must learn the real costs: shows how
 *   fast prediction converges.
 */
import { BatchScheduler, BATCH_TYPE_COUNT, BATCH_TYPE_NAMES, type BatchType, type Deadline } from '../src/index.js'
import { fmt, percentile, percentileOf, Random, table } from './lib.js'
import { StallMeter } from './StallMeter.js'

export const BUDGET_MS = 2.5
export const FRAMES = 2000
const KINDS_PER_TYPE = 4
/** Share of the offered work per type: Transform, Visibility, Physics, LOD, AI. */
const TYPE_LOAD_SHARE = [0.15, 0.15, 0.25, 0.2, 0.25]
const MIN_COST_MS = 0.005
const MAX_COST_MS = 0.5
const JITTER = 0.2
const WAIT_BINS = 4096
const SEED = 0x5eed
/**
 * A frame is "stalled" when the thread waited this long, runnable, for a CPU
 * during it (another process ran; see {@link StallMeter}), or when a job's
 * busy-wait saw this long a gap between two consecutive clock reads (~50 ns
 * apart otherwise). A stalled frame's overrun is the machine's doing, not
 * the scheduler's, and is reported apart.
 */
const STALL_MS = 0.02

export interface BudgetScenario {
  name: string
  description: string
  /** Mean offered work per frame, as a multiple of the budget. */
  load: number
  /** Per-frame load multiplier: `high` with probability `p`, else `low` (mean 1). Omit for a steady load. */
  burst?: { p: number; high: number; low: number }
  /** Factor applied to the weight of kind `i`: 1 for exact weights. */
  weightError: (kind: number) => number
}

export const BUDGET_SCENARIOS: BudgetScenario[] = [
  { name: 'overload', description: '1.2× the budget offered every frame, exact weights', load: 1.2, weightError: () => 1 },
  {
    name: 'bursty',
    description: '0.9× the budget on average, bursts of 2.5× in one frame of four, exact weights',
    load: 0.9,
    burst: { p: 0.25, high: 2.5, low: 0.5 },
    weightError: () => 1,
  },
  {
    name: 'learn',
    description: 'as overload, but each weight 5× too high or 5× too low (alternately): the cost model must learn',
    load: 1.2,
    weightError: (kind) => (kind % 2 === 0 ? 5 : 1 / 5),
  },
]

export interface TypeWait {
  type: string
  boundFrames: number
  runs: number
  waitP50: number
  waitP99: number
  waitMax: number
  /** Runs that waited longer than the type's latency bound. */
  overBound: number
  /** Live jobs of this type still queued at the end. */
  backlogAtEnd: number
}

export interface ConvergencePoint {
  frame: number
  /** Kinds measured so far. */
  kindsLearned: number
  /** Median and worst learned/true cost ratio over the kinds measured so far. */
  ratioMedian: number
  ratioWorst: number
}

export interface BudgetResult {
  scenario: string
  description: string
  budgetMs: number
  frames: number
  offeredLoad: number
  jobsRun: number
  /** Mean `usedMs / budgetMs` over all frames (a stalled frame counts its stall as used). */
  utilizationMean: number
  /** Mean utilization over the frames without stall. */
  utilizationCleanMean: number
  utilizationP50: number
  /** Frames with utilization below 0.9. */
  framesBelow90: number
  /** Overrun over every frame, µs. */
  overrunUs: { p50: number; p99: number; p999: number; max: number }
  /** Overrun over the frames in which no job saw the thread descheduled, µs: the scheduler's own precision. */
  overrunCleanUs: { p50: number; p99: number; p999: number; max: number }
  /** Frames in which the thread was descheduled for more than 20 µs (see {@link StallMeter}). */
  stalledFrames: number
  /** Total time the thread waited for a CPU in stalled frames, ms. */
  stalledMs: number
  /** How stalls were detected. */
  stallSource: string
  /** Frames whose overrun exceeded 50 µs. */
  framesOver50us: number
  forced: number
  /** Runs (not stalled) that went past the budget their deadline gave them (cost mispredicted or jittered up). */
  overshoots: number
  /** p99 and max of those overshoots, µs. */
  overshootUs: { p99: number; max: number }
  perType: TypeWait[]
  /** Overrun p99 and max (µs, frames without stalls) per window of frames: shows convergence of the cost model. */
  overrunP99ByWindow: { frames: string; stalledFrames: number; p99Us: number; maxUs: number }[]
  /** First frame after which every kind has a learned cost (it was measured at least once). */
  framesToMeasureAll: number
  /**
   * From that frame on, the share of (kind, frame) pairs whose learned cost is
   * within ±25 % of the kind's true mean cost (a descheduled run inflates a
   * sample, so 100 % is not expected on a busy machine).
   */
  within25AfterMeasured: number
  convergence: ConvergencePoint[]
}

interface Kind {
  name: string
  type: BatchType
  costMs: number
  options: { name: string; weight: number }
}

/** A pooled job: its `run` is created once, so enqueueing allocates nothing once the pool is warm. */
class BenchJob {
  cost = 0
  eligible = 0
  type = 0
  readonly run: (deadline: Deadline) => void

  constructor(owner: BudgetRun) {
    this.run = (deadline) => owner.execute(this, deadline)
  }
}

class BudgetRun {
  readonly scheduler: BatchScheduler
  readonly waits: Uint32Array[] = []
  readonly maxWait = new Float64Array(BATCH_TYPE_COUNT)
  readonly overBound = new Float64Array(BATCH_TYPE_COUNT)
  readonly overshoots: number[] = []
  private readonly free: BenchJob[] = []
  jobsRun = 0
  /** Time this frame's jobs lost to the thread not running (see {@link STALL_MS}). */
  stalledMs = 0
  stallCount = 0

  constructor(Scheduler: typeof BatchScheduler) {
    this.scheduler = new Scheduler({ budgetMs: BUDGET_MS, historyLength: FRAMES })
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) this.waits.push(new Uint32Array(WAIT_BINS))
  }

  take(): BenchJob {
    return this.free.pop() ?? new BenchJob(this)
  }

  execute(job: BenchJob, deadline: Deadline): void {
    const allowance = deadline.timeRemaining()
    const start = performance.now()
    const end = start + job.cost
    let now = start
    let stalled = 0
    while (now < end) {
      const next = performance.now()
      // Consecutive reads are ~50 ns apart; a longer gap means the thread did not run (preempted).
      if (next - now > STALL_MS) stalled += next - now
      now = next
    }
    if (stalled > 0) {
      this.stalledMs += stalled
      this.stallCount++
    }
    const spent = now - start
    if (spent > allowance && stalled === 0) this.overshoots.push(spent - allowance)
    const wait = this.scheduler.frame - job.eligible
    const t = job.type
    ;(this.waits[t] as Uint32Array)[wait < WAIT_BINS ? wait : WAIT_BINS - 1]!++
    if (wait > (this.maxWait[t] as number)) this.maxWait[t] = wait
    if (wait > this.scheduler.getMaxDeferFrames(t as BatchType)) this.overBound[t]!++
    this.jobsRun++
    this.free.push(job)
  }
}

function makeKinds(random: Random, scenario: BudgetScenario): Kind[] {
  const kinds: Kind[] = []
  for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
    for (let k = 0; k < KINDS_PER_TYPE; k++) {
      const i = kinds.length
      const costMs = random.logRange(MIN_COST_MS, MAX_COST_MS)
      const name = `${BATCH_TYPE_NAMES[t]}${k}`
      kinds.push({ name, type: t as BatchType, costMs, options: { name, weight: Math.min(1, (costMs * scenario.weightError(i)) / BUDGET_MS) } })
    }
  }
  return kinds
}

function histogramPercentile(hist: Uint32Array, p: number): number {
  let total = 0
  for (let i = 0; i < hist.length; i++) total += hist[i] as number
  if (total === 0) return NaN
  const rank = Math.max(1, Math.ceil((p / 100) * total))
  let seen = 0
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i] as number
    if (seen >= rank) return i
  }
  return hist.length - 1
}

const CONVERGENCE_FRAMES = [1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
const WINDOWS: [number, number][] = [
  [1, 10],
  [11, 50],
  [51, 200],
  [201, 2000],
]

/**
 * Runs one scenario. `Scheduler` lets a candidate version of the core be
 * measured on the same workload (it must have BatchScheduler's API).
 */
export function runBudgetScenario(scenario: BudgetScenario, frames = FRAMES, Scheduler: typeof BatchScheduler = BatchScheduler): BudgetResult {
  // Kinds come from one seed and arrivals from another, so every scenario has the same kinds.
  const kinds = makeKinds(new Random(SEED), scenario)
  const random = new Random(SEED + 1)
  const run = new BudgetRun(Scheduler)
  const scheduler = run.scheduler
  // Mean arrivals per frame of each kind, so each type gets its share of the offered load.
  const rates = kinds.map((k) => ((scenario.load * BUDGET_MS * (TYPE_LOAD_SHARE[k.type] as number)) / KINDS_PER_TYPE) / k.costMs)
  const utilization = new Float64Array(frames)
  const overrun = new Float64Array(frames)
  const stalled = new Uint8Array(frames)
  const cleanOverrun: number[] = []
  const meter = new StallMeter()
  let stalledMs = 0
  const measuredKinds = new Uint8Array(frames)
  const withinKinds = new Uint8Array(frames)
  const convergence: ConvergencePoint[] = []
  const ratios = new Float64Array(kinds.length)

  for (let f = 0; f < frames; f++) {
    const multiplier = scenario.burst === undefined ? 1 : random.next() < scenario.burst.p ? scenario.burst.high : scenario.burst.low
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[k] as Kind
      const n = random.count((rates[k] as number) * multiplier)
      for (let j = 0; j < n; j++) {
        const job = run.take()
        job.cost = kind.costMs * (1 + random.range(-JITTER, JITTER))
        job.type = kind.type
        job.eligible = scheduler.frame + 1
        scheduler.enqueue(kind.type, job.run, kind.options)
      }
    }
    const stallsBefore = run.stallCount
    const gapBefore = run.stalledMs
    const waitBefore = meter.available ? meter.waitedMs() : 0
    const stats = scheduler.runFrame()
    const waited = meter.available ? meter.waitedMs() - waitBefore : 0
    utilization[f] = stats.utilization
    overrun[f] = stats.overrunMs
    if (run.stallCount > stallsBefore || waited > STALL_MS) {
      stalled[f] = 1
      stalledMs += Math.max(waited, run.stalledMs - gapBefore)
    } else {
      cleanOverrun.push(stats.overrunMs)
    }
    let learned = 0
    let within = 0
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[k] as Kind
      const ratio = scheduler.learnedCostMs(kind.name) / kind.costMs
      if (Number.isNaN(ratio)) continue
      ratios[learned++] = ratio
      if (ratio >= 0.75 && ratio <= 1.25) within++
    }
    measuredKinds[f] = learned
    withinKinds[f] = within
    if (CONVERGENCE_FRAMES.includes(f + 1)) {
      const sorted = ratios.slice(0, learned).sort()
      let far = 1
      for (const r of sorted) if (Math.abs(Math.log(r)) > Math.abs(Math.log(far))) far = r
      convergence.push({ frame: f + 1, kindsLearned: learned, ratioMedian: percentile(sorted, 50), ratioWorst: far })
    }
  }

  meter.dispose()
  let framesToMeasureAll = frames + 1
  for (let f = 0; f < frames; f++) {
    if (measuredKinds[f] === kinds.length) {
      framesToMeasureAll = f + 1
      break
    }
  }
  let withinSum = 0
  for (let f = framesToMeasureAll - 1; f < frames; f++) withinSum += withinKinds[f] as number
  const within25AfterMeasured = withinSum / Math.max(1, (frames - framesToMeasureAll + 1) * kinds.length)
  const overrunSorted = Float64Array.from(overrun).sort()
  const cleanSorted = Float64Array.from(cleanOverrun).sort()
  const overshootSorted = Float64Array.from(run.overshoots).sort()
  let framesBelow90 = 0
  let framesOver50us = 0
  let utilSum = 0
  let utilCleanSum = 0
  for (let f = 0; f < frames; f++) {
    utilSum += utilization[f] as number
    if (stalled[f] === 0) utilCleanSum += utilization[f] as number
    if ((utilization[f] as number) < 0.9) framesBelow90++
    if ((overrun[f] as number) > 0.05) framesOver50us++
  }
  const perType: TypeWait[] = []
  for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
    const hist = run.waits[t] as Uint32Array
    let runs = 0
    for (let i = 0; i < hist.length; i++) runs += hist[i] as number
    perType.push({
      type: BATCH_TYPE_NAMES[t] as string,
      boundFrames: scheduler.getMaxDeferFrames(t as BatchType),
      runs,
      waitP50: histogramPercentile(hist, 50),
      waitP99: histogramPercentile(hist, 99),
      waitMax: run.maxWait[t] as number,
      overBound: run.overBound[t] as number,
      backlogAtEnd: scheduler.queueDepth(t as BatchType),
    })
  }
  const overrunP99ByWindow = WINDOWS.filter(([a]) => a <= frames).map(([a, b]) => {
    const clean: number[] = []
    for (let f = a - 1; f < Math.min(b, frames); f++) if (stalled[f] === 0) clean.push(overrun[f] as number)
    return {
      frames: `${a}–${Math.min(b, frames)}`,
      stalledFrames: stalled.subarray(a - 1, Math.min(b, frames)).reduce((n, x) => n + x, 0),
      p99Us: percentileOf(clean, 99) * 1000,
      maxUs: (clean.length ? Math.max(...clean) : NaN) * 1000,
    }
  })
  return {
    scenario: scenario.name,
    description: scenario.description,
    budgetMs: BUDGET_MS,
    frames,
    offeredLoad: scenario.load,
    jobsRun: run.jobsRun,
    utilizationMean: utilSum / frames,
    utilizationCleanMean: utilCleanSum / Math.max(1, cleanOverrun.length),
    utilizationP50: percentileOf(utilization, 50),
    framesBelow90,
    overrunUs: {
      p50: percentile(overrunSorted, 50) * 1000,
      p99: percentile(overrunSorted, 99) * 1000,
      p999: percentile(overrunSorted, 99.9) * 1000,
      max: (overrunSorted[overrunSorted.length - 1] as number) * 1000,
    },
    overrunCleanUs: {
      p50: percentile(cleanSorted, 50) * 1000,
      p99: percentile(cleanSorted, 99) * 1000,
      p999: percentile(cleanSorted, 99.9) * 1000,
      max: (cleanSorted[cleanSorted.length - 1] as number) * 1000,
    },
    stalledFrames: frames - cleanSorted.length,
    stalledMs,
    stallSource: meter.available ? '/proc/self/schedstat run-queue wait, and clock gaps in jobs' : 'clock gaps in jobs',
    framesOver50us,
    forced: scheduler.stats.forced,
    overshoots: run.overshoots.length,
    overshootUs: {
      p99: overshootSorted.length ? percentile(overshootSorted, 99) * 1000 : 0,
      max: overshootSorted.length ? (overshootSorted[overshootSorted.length - 1] as number) * 1000 : 0,
    },
    perType,
    overrunP99ByWindow,
    framesToMeasureAll,
    within25AfterMeasured,
    convergence,
  }
}

export function runBudget(frames = FRAMES): BudgetResult[] {
  return BUDGET_SCENARIOS.map((s) => runBudgetScenario(s, frames))
}

export function budgetTable(results: BudgetResult[]): string {
  const parts: string[] = []
  const us = (o: { p50: number; p99: number; p999: number; max: number }): string =>
    `${fmt(o.p50)} / ${fmt(o.p99)} / ${fmt(o.p999)} / ${fmt(o.max)}`
  parts.push(
    table(
      [
        'scenario',
        'jobs run',
        'utilization mean (p50); without stall',
        'frames < 90 %',
        'overrun µs p50 / p99 / p99.9 / max, all frames',
        'same, frames without stall',
        'stalled frames (ms lost)',
        'frames > 50 µs',
        'forced',
        'overshoots (p99 / max µs)',
      ],
      results.map((r) => [
        r.scenario,
        r.jobsRun,
        `${fmt(r.utilizationMean * 100)} % (${fmt(r.utilizationP50 * 100)} %); ${fmt(r.utilizationCleanMean * 100)} %`,
        r.framesBelow90,
        us(r.overrunUs),
        us(r.overrunCleanUs),
        `${r.stalledFrames} (${fmt(r.stalledMs)})`,
        r.framesOver50us,
        r.forced,
        `${r.overshoots} (${fmt(r.overshootUs.p99)} / ${fmt(r.overshootUs.max)})`,
      ]),
    ),
  )
  for (const r of results) {
    parts.push(`\n#### ${r.scenario}: ${r.description}; wait in frames per type\n`)
    parts.push(
      table(
        ['type', 'bound', 'runs', 'wait p50', 'wait p99', 'wait max', 'runs over bound', 'backlog at end'],
        r.perType.map((t) => [t.type, t.boundFrames, t.runs, t.waitP50, t.waitP99, t.waitMax, t.overBound, t.backlogAtEnd]),
      ),
    )
  }
  const learn = results.find((r) => r.scenario === 'learn')
  const exact = results.find((r) => r.scenario === 'overload')
  if (learn && exact) {
    parts.push(`\n#### Convergence: overrun p99 (max) in µs per window of frames, frames without stall\n`)
    parts.push(
      table(
        ['frames', 'exact weights', 'weights 5× wrong', 'stalled frames (exact / wrong)'],
        learn.overrunP99ByWindow.map((w, i) => {
          const e = exact.overrunP99ByWindow[i]
          return [
            w.frames,
            e ? `${fmt(e.p99Us)} (${fmt(e.maxUs)})` : '',
            `${fmt(w.p99Us)} (${fmt(w.maxUs)})`,
            `${e?.stalledFrames ?? ''} / ${w.stalledFrames}`,
          ]
        }),
      ),
    )
    parts.push(`\nLearned/true cost with weights 5× wrong (median, farthest from 1, over the kinds measured so far):\n`)
    parts.push(
      table(
        ['after frame', 'kinds measured', 'learned/true median', 'farthest'],
        learn.convergence.map((c) => [c.frame, `${c.kindsLearned}/20`, fmt(c.ratioMedian, 2), fmt(c.ratioWorst, 2)]),
      ),
    )
    parts.push(
      `\nWeights 5× wrong: every kind measured by frame ${learn.framesToMeasureAll} (exact weights: ${exact.framesToMeasureAll}); ` +
        `from then on ${fmt(learn.within25AfterMeasured * 100)} % of learned costs within ±25 % of the true mean ` +
        `(exact weights: ${fmt(exact.within25AfterMeasured * 100)} %).`,
    )
  }
  return parts.join('\n')
}
