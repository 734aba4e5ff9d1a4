/**
 * Overhead: trivial jobs through the scheduler vs the same calls in a plain
 * loop, ns per job. The budget is set high enough that every job runs in the
 * frame, so the figure is the scheduler's own cost per job (enqueue, admission,
 * clock read, dispatch, stats), measured against the plain loop in the same process.
 */
import { BatchScheduler, BatchType } from '../src/index.js'
import { fmt, measure, type Sample, table } from './lib.js'

export interface OverheadResult {
  name: string
  jobs: number
  schedulerNsPerJob: Sample
  plainLoopNsPerJob: Sample
  ratio: number
}

let sink = 0
const noop = (): void => {
  sink++
}

function plainLoop(total: number): number {
  const fns: (() => void)[] = new Array(total)
  const start = performance.now()
  for (let i = 0; i < total; i++) fns[i] = noop
  for (let i = 0; i < total; i++) (fns[i] as () => void)()
  return ((performance.now() - start) * 1e6) / total
}

function scheduled(total: number, perFrame: number, scheduler: BatchScheduler): number {
  const types = [BatchType.Transform, BatchType.Visibility, BatchType.Physics, BatchType.LOD, BatchType.AI] as const
  const start = performance.now()
  for (let done = 0; done < total; done += perFrame) {
    for (let i = 0; i < perFrame; i++) scheduler.enqueue(types[i % 5] as BatchType, noop, { weight: 0 })
    scheduler.runFrame()
  }
  return ((performance.now() - start) * 1e6) / total
}

export function runOverhead(): OverheadResult[] {
  const cases = [
    { name: '1M jobs, one frame', total: 1_000_000, perFrame: 1_000_000 },
    { name: '10k jobs/frame × 100 frames', total: 1_000_000, perFrame: 10_000 },
  ]
  const results: OverheadResult[] = []
  for (const c of cases) {
    // One scheduler per case, warmed up by the first runs (pools grown, cost learned).
    const scheduler = new BatchScheduler({ budgetMs: 1e9, maxQueueLength: 2_000_000 })
    const schedulerNsPerJob = measure(() => scheduled(c.total, c.perFrame, scheduler), { runs: 7 })
    const plainLoopNsPerJob = measure(() => plainLoop(c.total), { runs: 7 })
    results.push({
      name: c.name,
      jobs: c.total,
      schedulerNsPerJob,
      plainLoopNsPerJob,
      ratio: schedulerNsPerJob.median / plainLoopNsPerJob.median,
    })
  }
  if (sink < 0) console.log(sink)
  return results
}

export function overheadTable(results: OverheadResult[]): string {
  return table(
    ['case', 'scheduler ns/job (median [min–max])', 'plain loop ns/job (median)', 'ratio'],
    results.map((r) => [
      r.name,
      `${fmt(r.schedulerNsPerJob.median)} [${fmt(r.schedulerNsPerJob.min)}–${fmt(r.schedulerNsPerJob.max)}]`,
      fmt(r.plainLoopNsPerJob.median, 2),
      `${fmt(r.ratio)}×`,
    ]),
  )
}
