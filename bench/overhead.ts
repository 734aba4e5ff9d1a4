/**
 * Overhead: trivial jobs through (a) this scheduler, (b) React's `scheduler`
 * (its real production build, and its mock build as a lower bound), (c) a
 * plain loop over an array of functions, (d) a minimal five-priority typed
 * ring buffer that reads the clock every 8 jobs (the floor). ns per job, from
 * enqueue to run. Every contender gets the same five job functions, one per
 * priority, in rotation: five targets make every contender's call site
 * megamorphic, so no contender gets the job inlined into its loop (real jobs
 * are many functions). One more row runs the scheduler with a single job
 * function (its enqueue memo then always hits). The contenders are measured
 * in interleaved rounds so background load hits them alike.
 *
 * The scheduler's budget is set so high that every job runs in its frame:
 * the figure is its own cost per job (validation, pool, queue, admission,
 * clock reads, cost learning, stats).
 *
 * Ratios use CPU time per job capped at wall time (see `Timed.cpu` in
 * ./lib.ts), which another process taking the CPU does not inflate; wall
 * time is shown too.
 */
import { BatchScheduler, type BatchType, type JobFn } from '../src/index.js'
import { fmt, fmtSample, measureInterleaved, type Timed, table } from './lib.js'
import { drain, reactMockScheduler, reactPriorities, reactScheduler, reactSchedulerVersion } from './reactScheduler.js'
import { RingFloor } from './RingFloor.js'

export interface OverheadCase {
  name: string
  /** Jobs per run. */
  total: number
  /** Jobs enqueued before each frame is run. */
  perFrame: number
}

export interface OverheadResult {
  name: string
  jobs: number
  perFrame: number
  /** ns per job of each contender: main-thread CPU time (ratios use it) and wall time. */
  nsPerJob: Record<string, Timed>
  /** React's production scheduler ns/job ÷ ours (how many times faster we are). */
  speedupVsReact: number
  /** React's mock scheduler ns/job ÷ ours. */
  speedupVsReactMock: number
  /** Ours ÷ the floor. */
  ratioToFloor: number
  /** Ours ÷ the plain loop. */
  ratioToPlainLoop: number
}

export const OVERHEAD_CASES: OverheadCase[] = [
  { name: '1M jobs queued at once, one frame', total: 1_000_000, perFrame: 1_000_000 },
  { name: '10k jobs/frame × 100 frames', total: 1_000_000, perFrame: 10_000 },
]

/** Contender names, in table order. */
export const CONTENDERS = {
  scheduler: 'BatchScheduler',
  schedulerOneFn: 'BatchScheduler, one job function for all jobs',
  react: `React scheduler ${reactSchedulerVersion} (production, setImmediate host)`,
  reactMock: `React scheduler ${reactSchedulerVersion} (unstable_mock production, flushAll)`,
  floor: 'floor: typed 5-priority ring, clock every 8 jobs',
  plainLoop: 'plain loop over an array of functions',
} as const

let sink = 0
function noop(): void {
  sink++
}
/** The five job functions, one per priority. */
const JOBS: (() => void)[] = [
  function transformJob() {
    sink++
  },
  function visibilityJob() {
    sink++
  },
  function physicsJob() {
    sink++
  },
  function lodJob() {
    sink++
  },
  function aiJob() {
    sink++
  },
]
const ENQUEUE_OPTIONS = { weight: 0 }

function runScheduler(scheduler: BatchScheduler, c: OverheadCase): void {
  for (let done = 0; done < c.total; done += c.perFrame) {
    for (let i = 0; i < c.perFrame; i++) {
      const t = i % 5
      scheduler.enqueue(t as BatchType, JOBS[t] as JobFn, ENQUEUE_OPTIONS)
    }
    scheduler.runFrame()
  }
}

function runSchedulerOneFn(scheduler: BatchScheduler, c: OverheadCase): void {
  for (let done = 0; done < c.total; done += c.perFrame) {
    for (let i = 0; i < c.perFrame; i++) scheduler.enqueue((i % 5) as BatchType, noop, ENQUEUE_OPTIONS)
    scheduler.runFrame()
  }
}

const reactPriority = reactPriorities(reactScheduler)
const reactMockPriority = reactPriorities(reactMockScheduler)

async function runReact(c: OverheadCase): Promise<void> {
  const schedule = reactScheduler.unstable_scheduleCallback
  for (let done = 0; done < c.total; done += c.perFrame) {
    for (let i = 0; i < c.perFrame; i++) {
      const t = i % 5
      schedule(reactPriority[t] as number, JOBS[t] as () => void)
    }
    await drain(reactScheduler)
  }
}

function runReactMock(c: OverheadCase): void {
  const schedule = reactMockScheduler.unstable_scheduleCallback
  for (let done = 0; done < c.total; done += c.perFrame) {
    for (let i = 0; i < c.perFrame; i++) {
      const t = i % 5
      schedule(reactMockPriority[t] as number, JOBS[t] as () => void)
    }
    reactMockScheduler.unstable_flushAll()
  }
}

function runFloor(floor: RingFloor, c: OverheadCase): void {
  for (let done = 0; done < c.total; done += c.perFrame) {
    for (let i = 0; i < c.perFrame; i++) {
      const t = i % 5
      floor.enqueue(t, JOBS[t] as () => void)
    }
    floor.runFrame()
  }
}

function runPlainLoop(fns: (() => void)[], c: OverheadCase): void {
  for (let done = 0; done < c.total; done += c.perFrame) {
    for (let i = 0; i < c.perFrame; i++) fns[i] = JOBS[i % 5] as () => void
    for (let i = 0; i < c.perFrame; i++) (fns[i] as () => void)()
  }
}

export async function runOverhead({ runs = 7, warmup = 2 } = {}): Promise<OverheadResult[]> {
  const results: OverheadResult[] = []
  for (const c of OVERHEAD_CASES) {
    // One instance per contender and case, warmed up by the first rounds (pools grown, costs learned).
    const scheduler = new BatchScheduler({ budgetMs: 1e9, maxQueueLength: 2_000_000 })
    const schedulerOneFn = new BatchScheduler({ budgetMs: 1e9, maxQueueLength: 2_000_000 })
    const floor = new RingFloor(c.perFrame, 1e9)
    const fns = new Array<() => void>(c.perFrame).fill(noop)
    const samples = await measureInterleaved(
      {
        [CONTENDERS.scheduler]: () => runScheduler(scheduler, c),
        [CONTENDERS.schedulerOneFn]: () => runSchedulerOneFn(schedulerOneFn, c),
        [CONTENDERS.react]: () => runReact(c),
        [CONTENDERS.reactMock]: () => runReactMock(c),
        [CONTENDERS.floor]: () => runFloor(floor, c),
        [CONTENDERS.plainLoop]: () => runPlainLoop(fns, c),
      },
      { runs, warmup, units: c.total },
    )
    const cpu = (name: string): number => (samples[name] as Timed).cpu.median
    const ours = cpu(CONTENDERS.scheduler)
    results.push({
      name: c.name,
      jobs: c.total,
      perFrame: c.perFrame,
      nsPerJob: samples,
      speedupVsReact: cpu(CONTENDERS.react) / ours,
      speedupVsReactMock: cpu(CONTENDERS.reactMock) / ours,
      ratioToFloor: ours / cpu(CONTENDERS.floor),
      ratioToPlainLoop: ours / cpu(CONTENDERS.plainLoop),
    })
  }
  if (sink < 0) console.log(sink)
  return results
}

export function overheadTable(results: OverheadResult[]): string {
  const parts: string[] = []
  for (const r of results) {
    const cpu = (name: string): number => (r.nsPerJob[name] as Timed).cpu.median
    const ours = cpu(CONTENDERS.scheduler)
    const react = cpu(CONTENDERS.react)
    const floor = cpu(CONTENDERS.floor)
    parts.push(`### ${r.name}\n`)
    parts.push(
      table(
        ['contender', 'CPU ns/job median [min–max]', 'wall ns/job median [min–max]', 'runs', '÷ React (prod)', '÷ floor'],
        Object.entries(r.nsPerJob).map(([name, t]) => [
          name,
          fmtSample(t.cpu),
          fmtSample(t.wall),
          t.cpu.runs,
          fmt(t.cpu.median / react, 3),
          `${fmt(t.cpu.median / floor, 2)}×`,
        ]),
      ),
    )
    parts.push(
      `\nBatchScheduler: **${fmt(r.speedupVsReact)}× faster** than React's scheduler (production build; ` +
        `${fmt(r.speedupVsReactMock)}× vs its mock build), **${fmt(r.ratioToFloor, 2)}× the floor** ` +
        `(${fmt(ours)} vs ${fmt(floor)} ns/job), ${fmt(r.ratioToPlainLoop)}× the plain loop.\n`,
    )
  }
  return parts.join('\n')
}
