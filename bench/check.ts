/**
 * `npm run bench -- --check`: the thresholds a run must meet. Each is a ratio,
 * a count or a fraction of the budget, never an absolute time, so a slower
 * or busier machine does not fail it by itself. The targets (what we aim
 * for) are stricter than the thresholds (what fails the check): a threshold
 * guards against regressions with room for a noisy machine.
 */
import type { AllocationResult } from './allocation.js'
import type { BudgetResult } from './budget.js'
import type { DetectRow } from './detect.js'
import type { HeapResult } from './heap.js'
import type { OverheadResult } from './overhead.js'
import { fmt, table } from './lib.js'

/** One-shot enqueues per frame in the core allocation workload (10 jobs, 1 sliced re-enqueue, 1 enqueue+cancel). */
const CORE_ENQUEUES_PER_FRAME = 12

export interface BenchResults {
  overhead?: OverheadResult[]
  budget?: BudgetResult[]
  allocation?: AllocationResult[]
  detect?: DetectRow[]
  heap?: HeapResult
}

export interface CheckOutcome {
  name: string
  value: number
  /** `>= threshold` or `<= threshold`. */
  rule: string
  target: string
  pass: boolean
}

interface Check {
  name: string
  section: keyof BenchResults
  value: (r: Required<BenchResults>) => number
  atLeast?: number
  atMost?: number
  target: string
}

function overheadCase(r: Required<BenchResults>, perFrame: number): OverheadResult {
  const c = r.overhead.find((o) => o.perFrame === perFrame)
  if (!c) throw new Error(`bench/check: no overhead case with ${perFrame} jobs per frame`)
  return c
}

function scenario(r: Required<BenchResults>, name: string): BudgetResult {
  const s = r.budget.find((b) => b.scenario === name)
  if (!s) throw new Error(`bench/check: no budget scenario "${name}"`)
  return s
}

function detectRow(r: Required<BenchResults>, n: number, scene: DetectRow['scene'], mode: DetectRow['mode']): DetectRow {
  const row = r.detect.find((d) => d.n === n && d.scene === scene && d.mode === mode)
  if (!row) throw new Error(`bench/check: no detect row for ${n}, ${scene}, ${mode}`)
  return row
}

function workload(r: Required<BenchResults>, name: string): AllocationResult {
  const w = r.allocation.find((a) => a.workload === name)
  if (!w) throw new Error(`bench/check: no allocation workload "${name}"`)
  return w
}

/**
 * The largest p99 wait, in frames beyond the latency bound, of the types that
 * must keep it even under overload: Transform and Visibility (≤ 0 = kept).
 * p99 rather than max: a frame in which another process took the CPU for
 * milliseconds can push a few jobs past their bound on a busy machine.
 */
function frontTypesP99OverBound(s: BudgetResult): number {
  let worst = -Infinity
  for (const t of s.perType) {
    if (t.type === 'Transform' || t.type === 'Visibility') worst = Math.max(worst, t.waitP99 - t.boundFrames)
  }
  return worst
}

export const CHECKS: Check[] = [
  {
    name: "detect, 10k, 1 % unmarked movers, 'auto': jobs p99 ÷ budget",
    section: 'detect',
    value: (r) => detectRow(r, 10_000, 'movers', 'auto, no marks').jobs.p99 / 2.5,
    atMost: 1.2,
    target: '≤ 1.2 (budget + 0.5 ms)',
  },
  {
    name: "detect, 10k, 1 % unmarked movers, 'auto': frames a mover was stale after it was first found",
    section: 'detect',
    value: (r) => detectRow(r, 10_000, 'movers', 'auto, no marks').staleFrames,
    atMost: 0,
    target: '0',
  },
  {
    name: "detect, 10k, 1 % unmarked movers, 'auto': frames from the first move to every mover current",
    section: 'detect',
    value: (r) => detectRow(r, 10_000, 'movers', 'auto, no marks').firstMoveFrames,
    atMost: 4,
    target: '≤ detectFrames (4)',
  },
  {
    name: 'overhead, 1M jobs at once: React scheduler ns/job ÷ ours',
    section: 'overhead',
    value: (r) => overheadCase(r, 1_000_000).speedupVsReact,
    atLeast: 8,
    target: '≥ 20×',
  },
  {
    name: 'overhead, 10k jobs/frame: React scheduler ns/job ÷ ours',
    section: 'overhead',
    value: (r) => overheadCase(r, 10_000).speedupVsReact,
    atLeast: 3,
    target: '≥ 20×',
  },
  {
    name: 'overhead, 1M jobs at once: ours ÷ floor',
    section: 'overhead',
    value: (r) => overheadCase(r, 1_000_000).ratioToFloor,
    atMost: 4,
    target: '≤ 2×',
  },
  {
    name: 'overhead, 10k jobs/frame: ours ÷ floor',
    section: 'overhead',
    value: (r) => overheadCase(r, 10_000).ratioToFloor,
    atMost: 8,
    target: '≤ 2×',
  },
  {
    name: 'budget, overload: mean utilization (frames without stall)',
    section: 'budget',
    value: (r) => scenario(r, 'overload').utilizationCleanMean,
    atLeast: 0.85,
    target: '≥ 0.90',
  },
  {
    name: 'budget, learn: mean utilization (frames without stall)',
    section: 'budget',
    value: (r) => scenario(r, 'learn').utilizationCleanMean,
    atLeast: 0.85,
    target: '≥ 0.90',
  },
  {
    name: 'budget, overload: overrun p99 ÷ budget (frames without stall)',
    section: 'budget',
    value: (r) => scenario(r, 'overload').overrunCleanUs.p99 / 1000 / scenario(r, 'overload').budgetMs,
    atMost: 0.04,
    target: '≤ 0.02 (50 µs at 2.5 ms)',
  },
  {
    name: 'budget, learn: overrun p99 ÷ budget (frames without stall)',
    section: 'budget',
    value: (r) => scenario(r, 'learn').overrunCleanUs.p99 / 1000 / scenario(r, 'learn').budgetMs,
    atMost: 0.04,
    target: '≤ 0.02',
  },
  {
    name: 'budget, overload + bursty: Transform/Visibility wait p99 minus latency bound (frames)',
    section: 'budget',
    value: (r) => Math.max(frontTypesP99OverBound(scenario(r, 'overload')), frontTypesP99OverBound(scenario(r, 'bursty'))),
    atMost: 0,
    target: 'max wait ≤ bound for every type',
  },
  {
    // The core workload enqueues 12 one-shot jobs per frame, and every id it gets back is a
    // 16-byte heap number: ids are generation × 2^24 + slot, past V8's small-integer range once
    // a slot has been reused 64 times. That is the price of ids that never alias a later job
    // (a stale cancel(id) can never cancel someone else's job); it is not per-frame scheduler work.
    name: 'allocation, core (step clock): bytes/frame beyond the baseline and the 12 returned ids',
    section: 'allocation',
    value: (r) => workload(r, 'core').bytesPerFrameByScheduler - 16 * CORE_ENQUEUES_PER_FRAME,
    atMost: 32,
    target: '0',
  },
  {
    // MatrixSyncJob + FrustumCullingJob + LODJob on 10k objects: 68 B/frame at 57cf26f, ~645 after the
    // culling split (its slice loop held the batch timing's doubles in locals across calls V8 did not
    // inline: boxed on every batch), ~66 since the timing lives in SweepPacer's typed array.
    name: 'allocation, three.js jobs (step clock): bytes/frame',
    section: 'allocation',
    value: (r) => workload(r, 'three.js jobs').scheduler.bytesPerFrame,
    atMost: 200,
    target: '≤ 100',
  },
  {
    name: 'heap, 100k frames of churn: heapUsed growth after frame 10k (bytes)',
    section: 'heap',
    value: (r) => r.heap.growthBytes,
    atMost: 1 << 20,
    target: '< 1 MB (flat)',
  },
  {
    name: 'heap: a disposed scheduler drops its last job\'s closure (1 = yes)',
    section: 'heap',
    value: (r) => (r.heap.disposedDropsLastJob ? 1 : 0),
    atLeast: 1,
    target: '1',
  },
]

/** Evaluates every check whose section was run. */
export function runChecks(results: BenchResults): CheckOutcome[] {
  const outcomes: CheckOutcome[] = []
  for (const check of CHECKS) {
    if (results[check.section] === undefined) continue
    const value = check.value(results as Required<BenchResults>)
    const pass = check.atLeast !== undefined ? value >= check.atLeast : value <= (check.atMost as number)
    const rule = check.atLeast !== undefined ? `≥ ${check.atLeast}` : `≤ ${check.atMost}`
    outcomes.push({ name: check.name, value, rule, target: check.target, pass: Number.isFinite(value) && pass })
  }
  return outcomes
}

export function checksTable(outcomes: CheckOutcome[]): string {
  return table(
    ['check', 'value', 'threshold', 'target', 'result'],
    outcomes.map((o) => [o.name, fmt(o.value, 3), o.rule, o.target, o.pass ? 'pass' : '**FAIL**']),
  )
}
