/**
 * Allocation: steady-state frames of each workload in `./workloads/`, run
 * through a scheduler on the real clock and then without one (the job
 * functions called directly: the baseline). For each run:
 *
 * - bytes allocated per frame: growth of V8's new space over the run, valid
 *   when no GC ran during it (a GC empties the new space; then the count of
 *   GCs is the evidence instead);
 * - GC events during the run (a `PerformanceObserver` on `'gc'` entries):
 *   count, total and largest pause, by kind;
 * - heap growth: `heapUsed` after `gc()` at the end minus after `gc()` at the
 *   start (retained memory).
 *
 * The scheduler's own share is the scheduler run minus the baseline. Needs
 * `node --expose-gc`.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'
import { BatchScheduler } from '../src/index.js'
import { fmt, gc, hasGc, table } from './lib.js'
import { CountingClock, StepClock } from './StepClock.js'
import { ALLOCATION_WORKLOADS, type AllocationWorkload } from './workloads/index.js'

export const ALLOCATION_FRAMES = 10_000
const WARMUP_FRAMES = 1_000

export interface GcSummary {
  count: number
  /** Count by kind: minor (scavenge), major (mark-compact), incremental, weakcb. */
  byKind: Record<string, number>
  totalPauseMs: number
  maxPauseMs: number
}

export interface AllocationRun {
  frames: number
  wallMs: number
  /** Clock reads per frame (NaN for the baseline). */
  clockReadsPerFrame: number
  /** New-space bytes per frame, measured over a window short enough that no GC ran in it. */
  bytesPerFrame: number
  /** Frames in the window `bytesPerFrame` was measured over. */
  bytesWindow: number
  gc: GcSummary
  /** heapUsed after gc() at the end minus after gc() at the start, bytes. */
  heapGrowthBytes: number
}

export interface AllocationResult {
  workload: string
  description: string
  budgetMs: number
  /** Scheduler on a {@link StepClock}: its own allocations, the platform clock's excluded. */
  scheduler: AllocationRun
  /** Scheduler on `performance.now()`, as it ships (Node's clock allocates its result). */
  schedulerRealClock: AllocationRun
  /** The same job functions called directly. */
  baseline: AllocationRun
  /** GC events in the step-clock scheduler run beyond the baseline's. */
  gcCausedByScheduler: number
  /** Bytes per frame (step clock) beyond the baseline's. */
  bytesPerFrameByScheduler: number
  /** Bytes allocated by one `performance.now()` call in this Node. */
  bytesPerClockRead: number
}

const KIND_NAMES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

interface GcEntry {
  startTime: number
  duration: number
  kind: number
}

const gcEntries: GcEntry[] = []
let observer: PerformanceObserver | null = null

function startObserving(): void {
  if (observer !== null) return
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number } }).detail
      gcEntries.push({ startTime: entry.startTime, duration: entry.duration, kind: detail?.kind ?? 0 })
    }
  })
  observer.observe({ entryTypes: ['gc'] })
}

/** Lets queued performance entries reach the observer. */
function flushObserver(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20))
}

function newSpaceUsed(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.space_used_size
  return NaN
}

function summarizeGc(from: number, to: number): GcSummary {
  const summary: GcSummary = { count: 0, byKind: {}, totalPauseMs: 0, maxPauseMs: 0 }
  for (const e of gcEntries) {
    if (e.startTime < from || e.startTime > to) continue
    summary.count++
    const kind = KIND_NAMES[e.kind] ?? String(e.kind)
    summary.byKind[kind] = (summary.byKind[kind] ?? 0) + 1
    summary.totalPauseMs += e.duration
    if (e.duration > summary.maxPauseMs) summary.maxPauseMs = e.duration
  }
  return summary
}

function gcCountBetween(from: number, to: number): number {
  let n = 0
  for (const e of gcEntries) if (e.startTime >= from && e.startTime <= to) n++
  return n
}

/**
 * Bytes of new space `frame` allocates per call: measured from a `gc()` over
 * a window of frames, shrunk until no GC runs inside it (a GC would empty the
 * new space and spoil the difference).
 */
async function bytesPer(frame: (f: number) => void, first: number): Promise<{ bytes: number; window: number }> {
  for (let window = 1024; window >= 4; window /= 4) {
    gc()
    await flushObserver()
    const before = newSpaceUsed()
    const t0 = performance.now()
    for (let f = first; f < first + window; f++) frame(f)
    const t1 = performance.now()
    const after = newSpaceUsed()
    await flushObserver()
    if (gcCountBetween(t0, t1) === 0) return { bytes: (after - before) / window, window }
  }
  return { bytes: NaN, window: 0 }
}

async function measureRun(frames: number, frame: (f: number) => void, clock: { reads: number } | null): Promise<AllocationRun> {
  for (let f = 0; f < WARMUP_FRAMES; f++) frame(f)
  gc()
  await flushObserver()
  const heapStart = process.memoryUsage().heapUsed
  const readsStart = clock?.reads ?? 0
  const t0 = performance.now()
  for (let f = WARMUP_FRAMES; f < WARMUP_FRAMES + frames; f++) frame(f)
  const t1 = performance.now()
  const reads = (clock?.reads ?? 0) - readsStart
  await flushObserver()
  const summary = summarizeGc(t0, t1)
  gc()
  const heapEnd = process.memoryUsage().heapUsed
  const { bytes, window } = await bytesPer(frame, WARMUP_FRAMES + frames)
  return {
    frames,
    wallMs: t1 - t0,
    clockReadsPerFrame: clock === null ? NaN : reads / frames,
    bytesPerFrame: bytes,
    bytesWindow: window,
    gc: summary,
    heapGrowthBytes: heapEnd - heapStart,
  }
}

/** Bytes one `performance.now()` call allocates here (boxed result), from the new space over 4,096 calls. */
async function bytesPerClockRead(): Promise<number> {
  let x = 0
  const { bytes } = await bytesPer(() => {
    for (let i = 0; i < 64; i++) x += performance.now()
  }, 0)
  if (x < 0) console.log(x)
  return bytes / 64
}

async function runScheduled(workload: AllocationWorkload, frames: number, clock: StepClock | CountingClock): Promise<AllocationRun> {
  const scheduler = new BatchScheduler({ budgetMs: workload.budgetMs, clock })
  workload.setup(scheduler)
  const run = await measureRun(
    frames,
    (f) => {
      workload.beforeFrame(f)
      scheduler.runFrame()
    },
    clock,
  )
  scheduler.dispose()
  workload.dispose()
  return run
}

export async function runWorkload(workload: AllocationWorkload, frames = ALLOCATION_FRAMES): Promise<AllocationResult> {
  const scheduled = await runScheduled(workload, frames, new StepClock())
  const realClock = await runScheduled(workload, frames, new CountingClock())
  const baseline = await measureRun(frames, (f) => workload.baselineFrame(f), null)
  return {
    workload: workload.name,
    description: workload.description,
    budgetMs: workload.budgetMs,
    scheduler: scheduled,
    schedulerRealClock: realClock,
    baseline,
    gcCausedByScheduler: Math.max(0, scheduled.gc.count - baseline.gc.count),
    bytesPerFrameByScheduler: scheduled.bytesPerFrame - baseline.bytesPerFrame,
    bytesPerClockRead: await bytesPerClockRead(),
  }
}

export async function runAllocation(frames = ALLOCATION_FRAMES): Promise<AllocationResult[]> {
  if (!hasGc()) throw new Error('bench/allocation: run node with --expose-gc (npm run bench does)')
  startObserving()
  const results: AllocationResult[] = []
  for (const workload of ALLOCATION_WORKLOADS) results.push(await runWorkload(workload, frames))
  observer?.disconnect()
  observer = null
  return results
}

function fmtGc(g: GcSummary): string {
  if (g.count === 0) return '0'
  const kinds = Object.entries(g.byKind)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  return `${g.count} (${kinds}; ${fmt(g.totalPauseMs, 2)} ms total, max ${fmt(g.maxPauseMs, 2)} ms)`
}

export function allocationTable(results: AllocationResult[]): string {
  const rows: (string | number)[][] = []
  for (const r of results) {
    for (const [label, run] of [
      ['scheduler, step clock', r.scheduler],
      ['scheduler, performance.now()', r.schedulerRealClock],
      ['baseline (jobs called directly)', r.baseline],
    ] as const) {
      rows.push([
        `${r.workload}: ${label}`,
        run.frames,
        fmt(run.wallMs / run.frames, 3),
        fmt(run.clockReadsPerFrame, 1),
        `${fmt(run.bytesPerFrame, 1)} (${run.bytesWindow})`,
        fmtGc(run.gc),
        fmt(run.heapGrowthBytes / 1024, 1),
      ])
    }
  }
  const lines = [
    table(
      [
        'workload: run',
        'frames',
        'ms/frame',
        'clock reads/frame',
        'new-space bytes/frame (over N frames)',
        'GC events during the run',
        'heap growth after gc() (KiB)',
      ],
      rows,
    ),
    '',
    ...results.map(
      (r) =>
        `- ${r.workload} (${r.description}; budget ${r.budgetMs} ms): GC events caused by the scheduler ${r.gcCausedByScheduler}, ` +
        `bytes/frame beyond the baseline ${fmt(r.bytesPerFrameByScheduler, 1)} (step clock). ` +
        `One performance.now() call allocates ${fmt(r.bytesPerClockRead, 1)} bytes in this Node.`,
    ),
  ]
  return lines.join('\n')
}
