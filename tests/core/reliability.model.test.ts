import fc from 'fast-check'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  BATCH_TYPE_COUNT,
  BatchScheduler,
  type BatchType,
  type FrameStats,
  ManualClock,
  type SystemHandle,
} from '../../src/index.js'

/**
 * Model-based fuzzing of BatchScheduler, wider than BatchScheduler.model.test.ts:
 * long random sequences of operations, many of them issued FROM INSIDE
 * running jobs and systems (enqueue, cancel — itself included —, add/remove/
 * toggle systems, enable/disable types, budget / weight / share changes, bad
 * budgets, a re-entrant runFrame, dispose), with throwing, sliced,
 * Promise-returning and cheap jobs, checked against a reference model:
 *
 * - every one-shot job runs all its slices exactly once (or until it throws),
 *   unless a cancel took it out; a job cancelled while running never resumes;
 * - nothing runs after dispose, and nothing runs in the frame it was queued in;
 * - strict FIFO within a type: a job runs only when every older one-shot job of
 *   its type has finished (a sliced job keeps the head until its last slice);
 * - a system runs only while registered and enabled, at most once per frame;
 * - every type progresses within its latency bound (see `progress` below);
 * - the frame and cumulative stats add up to what the model saw;
 * - after a drain or dispose the pool and the queues are empty.
 *
 * fast-check prints the seed and the shrunk counterexample of a failure; a
 * failing case found while writing this file is kept below as a named test.
 */

const BOUNDS = [1, 2, 3, 5, 8] as const
const COSTS = [0, 0.0005, 0.05, 0.3, 1, 2.5, 50] as const
const BUDGETS = [0.5, 1, 2, 4] as const
const BAD_BUDGETS: unknown[] = [NaN, -1, 0, Infinity, '2', null]

type Inner =
  | { k: 'enqueue'; type: number; cost: number; slices: number }
  | { k: 'cancel'; pick: number }
  | { k: 'cancelSelf' }
  | { k: 'addSystem'; type: number; cost: number }
  | { k: 'removeSystem'; pick: number }
  | { k: 'toggleSystem'; pick: number }
  | { k: 'toggleType'; type: number }
  | { k: 'budget'; value: number }
  | { k: 'badBudget'; pick: number }
  | { k: 'weight'; pick: number; value: number }
  | { k: 'share'; type: number; value: number }
  | { k: 'reenter' }
  | { k: 'dispose' }

type Op =
  | Inner
  | {
      k: 'job'
      type: number
      cost: number
      weight: number
      named: boolean
      slices: number
      throwAt: number
      promise: boolean
      inner: Inner[]
    }
  | { k: 'system'; type: number; cost: number; interval: number; slices: number; inner: Inner[] }
  | { k: 'frames'; count: number }

const typeArb = fc.integer({ min: 0, max: BATCH_TYPE_COUNT - 1 })
const costArb = fc.constantFrom(...COSTS)
const pickArb = fc.nat({ max: 1000 })

const innerArb: fc.Arbitrary<Inner> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('enqueue' as const), type: typeArb, cost: costArb, slices: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancelSelf' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addSystem' as const), type: typeArb, cost: costArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeSystem' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('toggleSystem' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('toggleType' as const), type: typeArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('budget' as const), value: fc.constantFrom(...BUDGETS) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('badBudget' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('weight' as const), pick: pickArb, value: fc.constantFrom(-1, 0, 0.3, 1, 7) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('share' as const), type: typeArb, value: fc.constantFrom(0.25, 0.5, 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reenter' as const) }) },
)

/** Dispose is rare: most sequences should live long. */
const disposeArb = fc.record({ k: fc.constant('dispose' as const) })

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      k: fc.constant('job' as const),
      type: typeArb,
      cost: costArb,
      weight: fc.constantFrom(0, 0.05, 0.3, 1),
      named: fc.boolean(),
      slices: fc.integer({ min: 1, max: 4 }),
      throwAt: fc.integer({ min: 0, max: 11 }), // a slice index; >= slices means never
      promise: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
      inner: fc.array(innerArb, { maxLength: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('system' as const),
      type: typeArb,
      cost: costArb,
      interval: fc.integer({ min: 1, max: 3 }),
      slices: fc.integer({ min: 0, max: 2 }), // 0: always "more to do" (a never-ending sliced system)
      inner: fc.array(innerArb, { maxLength: 2 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('frames' as const), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 6, arbitrary: innerArb },
  { weight: 1, arbitrary: fc.oneof({ weight: 1, arbitrary: disposeArb }, { weight: 9, arbitrary: fc.record({ k: fc.constant('frames' as const), count: fc.constant(1) }) }) },
)

interface Job {
  id: number
  type: number
  seq: number
  queuedAt: number
  slices: number
  runs: number
  throwAt: number
  /** Cancelled while waiting (cancel returned true). */
  cancelled: boolean
  /** Finished: last slice, threw, or cancelled while running. */
  done: boolean
  /** cancel() was called on it while it ran: it must not resume. */
  killed: boolean
  lastRun: number
}

interface Sys {
  handle: SystemHandle
  type: number
  removed: boolean
  lastRun: number
  /** Says "more to do" on every run: it must not starve the jobs behind it. */
  perpetual: boolean
}

/** Operations issued in all scenarios (outer, inner and frames). */
let totalOps = 0
let scenarios = 0

function runScenario(ops: readonly Op[]): void {
  scenarios++
  const unexpected: unknown[] = []
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({
    clock,
    budgetMs: 2,
    maxDeferFrames: { 0: BOUNDS[0], 1: BOUNDS[1], 2: BOUNDS[2], 3: BOUNDS[3], 4: BOUNDS[4] },
    // A failed expect inside a job is caught like any job error: keep it to rethrow.
    onError: (error) => {
      if (!(error instanceof Error && error.message === 'planned')) unexpected.push(error)
    },
  })
  const jobs: Job[] = []
  const byType: Job[][] = Array.from({ length: BATCH_TYPE_COUNT }, () => [])
  /** Index of the oldest unfinished one-shot job per type. */
  const oldest = new Array<number>(BATCH_TYPE_COUNT).fill(0)
  const systems: Sys[] = []
  let seq = 0
  let disposed = false
  let draining = false
  let slicesQueued = 0
  let running: Job | Sys | null = null
  // Counted by the model, compared with the scheduler's stats.
  let runsInFrame = 0
  let throwsInFrame = 0
  let runsByTypeInFrame = new Array<number>(BATCH_TYPE_COUNT).fill(0)
  let totalRuns = 0
  let totalThrows = 0
  let totalCancelled = 0
  let listenerCalls = 0
  /** Per type: frames in a row with deferred work and no run (reset when the head may have changed). */
  const streak = new Array<number>(BATCH_TYPE_COUNT).fill(0)
  const headChanged = new Array<boolean>(BATCH_TYPE_COUNT).fill(false)
  const enabledType = new Array<boolean>(BATCH_TYPE_COUNT).fill(true)

  scheduler.addFrameListener(() => {
    listenerCalls++
    if (disposed) unexpected.push(new Error('frame listener called after dispose'))
  })

  const isFinished = (job: Job): boolean => job.done || job.cancelled

  const advanceOldest = (type: number): void => {
    const list = byType[type] as Job[]
    let i = oldest[type] as number
    while (i < list.length && isFinished(list[i] as Job)) i++
    oldest[type] = i
  }

  const liveSystems = (): Sys[] => systems.filter((s) => !s.removed)

  const doInner = (op: Inner, self: Job | Sys | null): void => {
    totalOps++
    // While draining, jobs may not add work or switch a type off (the drain must end).
    if (draining && (op.k === 'addSystem' || op.k === 'toggleType' || op.k === 'dispose')) return
    switch (op.k) {
      case 'enqueue':
        enqueueJob({ k: 'job', type: op.type, cost: op.cost, weight: 0.1, named: true, slices: op.slices, throwAt: 99, promise: false, inner: [] })
        break
      case 'cancel': {
        if (jobs.length === 0) break
        const job = jobs[op.pick % jobs.length] as Job
        cancelJob(job)
        break
      }
      case 'cancelSelf':
        if (self !== null && 'seq' in self) cancelJob(self)
        break
      case 'addSystem':
        addSystem({ k: 'system', type: op.type, cost: op.cost, interval: 1, slices: 1, inner: [] })
        break
      case 'removeSystem': {
        const live = liveSystems()
        if (live.length === 0) break
        const s = live[op.pick % live.length] as Sys
        s.handle.remove()
        s.removed = true
        headChanged[s.type] = true
        expect(s.handle.active).toBe(false)
        break
      }
      case 'toggleSystem': {
        const live = liveSystems()
        if (live.length === 0) break
        const s = live[op.pick % live.length] as Sys
        s.handle.enabled = !s.handle.enabled
        headChanged[s.type] = true
        break
      }
      case 'toggleType': {
        enabledType[op.type] = !enabledType[op.type]
        scheduler.setTypeEnabled(op.type as BatchType, enabledType[op.type] as boolean)
        headChanged[op.type] = true
        break
      }
      case 'budget':
        scheduler.budgetMs = op.value
        expect(scheduler.budgetMs).toBe(op.value)
        break
      case 'badBudget': {
        const before = scheduler.budgetMs
        const bad = BAD_BUDGETS[op.pick % BAD_BUDGETS.length]
        expect(() => {
          scheduler.budgetMs = bad as number
        }).toThrow(/BatchScheduler\.budgetMs: budgetMs must be/)
        expect(scheduler.budgetMs).toBe(before)
        break
      }
      case 'weight': {
        const live = liveSystems()
        if (live.length === 0) break
        const s = live[op.pick % live.length] as Sys
        s.handle.weight = op.value
        expect(s.handle.weight).toBe(Math.min(1, Math.max(0, op.value)))
        break
      }
      case 'share':
        scheduler.setTypeShare(op.type as BatchType, op.value)
        break
      case 'reenter': {
        if (running === null) break
        const frameBefore = scheduler.frame
        expect(() => scheduler.runFrame()).toThrow(/BatchScheduler\.runFrame: called from inside a job/)
        expect(scheduler.frame).toBe(frameBefore)
        break
      }
      case 'dispose':
        scheduler.dispose()
        disposed = true
        for (const s of systems) s.removed = true
        break
    }
  }

  const cancelJob = (job: Job): void => {
    if (disposed) {
      expect(scheduler.cancel(job.id)).toBe(false)
      return
    }
    const waiting = !job.done && !job.cancelled && running !== job
    const ok = scheduler.cancel(job.id)
    expect(ok).toBe(waiting)
    expect(scheduler.isPending(job.id)).toBe(false)
    if (ok) {
      job.cancelled = true
      totalCancelled++
      headChanged[job.type] = true
      advanceOldest(job.type)
    } else if (running === job) {
      job.killed = true
    }
  }

  const enqueueJob = (op: Extract<Op, { k: 'job' }>): void => {
    if (disposed) {
      expect(() => scheduler.enqueue(op.type as BatchType, () => {})).toThrow(/BatchScheduler\.enqueue: the scheduler was disposed/)
      return
    }
    const job: Job = {
      id: -1,
      type: op.type,
      seq: seq++,
      queuedAt: scheduler.frame,
      slices: op.slices,
      runs: 0,
      throwAt: op.throwAt,
      cancelled: false,
      done: false,
      killed: false,
      lastRun: -1,
    }
    const fn = (): boolean | Promise<void> => {
      const frame = scheduler.frame
      expect(disposed).toBe(false)
      expect(frame).toBeGreaterThan(job.queuedAt)
      expect(job.lastRun).not.toBe(frame)
      expect(isFinished(job)).toBe(false)
      // Strict FIFO: this is the oldest unfinished one-shot job of its type.
      advanceOldest(job.type)
      expect((byType[job.type] as Job[])[oldest[job.type] as number]).toBe(job)
      expect(running).toBe(null)
      running = job
      job.lastRun = frame
      const slice = job.runs++
      runsInFrame++
      totalRuns++
      ;(runsByTypeInFrame as number[])[job.type]!++
      try {
        clock.advance(op.cost)
        if (slice === 0) for (const inner of op.inner) doInner(inner, job)
      } finally {
        running = null
      }
      if (slice === job.throwAt) {
        job.done = true
        throwsInFrame++
        totalThrows++
        throw new Error('planned')
      }
      if (job.runs >= job.slices || job.killed || disposed) {
        job.done = true
        return op.promise ? Promise.resolve() : false
      }
      return true
    }
    job.id = scheduler.enqueue(op.type as BatchType, fn as () => boolean, {
      weight: op.weight,
      ...(op.named ? { name: `job-${op.type}-${op.cost}` } : {}),
    })
    expect(scheduler.isPending(job.id)).toBe(true)
    jobs.push(job)
    ;(byType[op.type] as Job[]).push(job)
    slicesQueued += op.slices
  }

  const addSystem = (op: Extract<Op, { k: 'system' }>): void => {
    if (disposed) {
      expect(() => scheduler.addSystem(op.type as BatchType, () => {})).toThrow(/BatchScheduler\.addSystem: the scheduler was disposed/)
      return
    }
    let runs = 0
    const sys: Sys = { handle: null as unknown as SystemHandle, type: op.type, removed: false, lastRun: -1, perpetual: op.slices === 0 }
    sys.handle = scheduler.addSystem(
      op.type as BatchType,
      () => {
        const frame = scheduler.frame
        expect(disposed).toBe(false)
        expect(sys.removed).toBe(false)
        expect(sys.handle.enabled).toBe(true)
        expect(sys.lastRun).not.toBe(frame)
        expect(running).toBe(null)
        // A system is in the same FIFO as the one-shot jobs: none older may be unfinished...
        // ...except that it was armed at the start of a frame, after jobs queued earlier.
        running = sys
        sys.lastRun = frame
        runs++
        runsInFrame++
        totalRuns++
        ;(runsByTypeInFrame as number[])[op.type]!++
        try {
          clock.advance(op.cost)
          if (runs === 1) for (const inner of op.inner) doInner(inner, sys)
        } finally {
          running = null
        }
        return op.slices === 0 || (op.slices > 1 && runs % op.slices !== 0)
      },
      { weight: 0.1, interval: op.interval, name: `sys-${op.type}` },
    )
    systems.push(sys)
  }

  const frame = (): void => {
    totalOps++
    runsInFrame = 0
    throwsInFrame = 0
    runsByTypeInFrame = new Array<number>(BATCH_TYPE_COUNT).fill(0)
    const frameBefore = scheduler.frame
    const listenerBefore = listenerCalls
    const f: FrameStats = scheduler.runFrame()
    if (unexpected.length > 0) throw unexpected[0]
    if (disposed) {
      // Disposed before or during this frame: nothing more runs, frame numbers stop.
      if (frameBefore === scheduler.frame) expect(runsInFrame).toBe(0)
      expect(listenerCalls).toBe(listenerBefore)
      return
    }
    expect(f.frame).toBe(frameBefore + 1)
    expect(listenerCalls).toBe(listenerBefore + 1)
    expect(f.processed).toBe(runsInFrame)
    expect(f.errors).toBe(throwsInFrame)
    let byTypeSum = 0
    const pending = new Array<number>(BATCH_TYPE_COUNT).fill(0)
    for (const job of jobs) if (!isFinished(job)) pending[job.type]!++
    const sysCount = new Array<number>(BATCH_TYPE_COUNT).fill(0)
    for (const s of systems) if (!s.removed) sysCount[s.type]!++
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      expect(f.processedByType[t]).toBe(runsByTypeInFrame[t])
      byTypeSum += f.processedByType[t] as number
      expect(f.queueDepth[t]).toBeGreaterThanOrEqual(pending[t] as number)
      expect(f.queueDepth[t]).toBeLessThanOrEqual((pending[t] as number) + (sysCount[t] as number))
      // Progress: a type with deferred work and no run, frame after frame, reaches
      // its bound at most; the count restarts when its head may have changed
      // (a cancel, a removed/disabled system, the type toggled).
      if (headChanged[t] || !enabledType[t]) streak[t] = 0
      headChanged[t] = false
      if ((f.deferredByType[t] as number) > 0 && f.processedByType[t] === 0) streak[t]!++
      else streak[t] = 0
      expect(streak[t]).toBeLessThanOrEqual(BOUNDS[t as 0 | 1 | 2 | 3 | 4])
    }
    expect(byTypeSum).toBe(f.processed)
    expect(f.deferred).toBeLessThanOrEqual(f.totalQueueDepth)
    expect(f.usedMs).toBeGreaterThanOrEqual(0)
  }

  for (const op of ops) {
    switch (op.k) {
      case 'job':
        totalOps++
        enqueueJob(op)
        break
      case 'system':
        totalOps++
        addSystem(op)
        break
      case 'frames':
        for (let i = 0; i < op.count; i++) frame()
        break
      default:
        doInner(op, null)
    }
  }

  if (disposed) {
    // Everything dropped; nothing runs any more.
    const d = scheduler.diagnostics
    expect(d.poolUsed).toBe(0)
    expect(d.queueEntries).toBe(0)
    expect(d.frameListeners).toBe(0)
    for (const s of systems) expect(s.handle.active).toBe(false)
    for (let i = 0; i < 3; i++) frame()
    for (const job of jobs) expect(scheduler.isPending(job.id)).toBe(false)
    return
  }

  // Drain: back to defaults, remove the systems; every waiting job finishes in bounded frames.
  for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
    if (!enabledType[t]) doInner({ k: 'toggleType', type: t }, null)
    scheduler.setTypeShare(t as BatchType, 1)
  }
  draining = true
  // Never-ending sliced systems stay (enabled) through the drain: the jobs
  // behind them must still get through (regression: they starved for ever).
  for (const s of liveSystems()) {
    if (s.perpetual) {
      s.handle.enabled = true
      continue
    }
    s.handle.remove()
    s.removed = true
    headChanged[s.type] = true
  }
  slicesQueued = 0
  let slicesLeft = 0
  for (const j of jobs) if (!isFinished(j)) slicesLeft += j.slices - j.runs
  let guard = 0
  while (jobs.some((j) => !isFinished(j))) {
    frame()
    if (disposed) break
    // Each frame runs at least one slice unless every head waits for its bound.
    // (Jobs run in the drain may queue more: slicesQueued counts those.)
    expect(++guard).toBeLessThanOrEqual(10 + (slicesLeft + slicesQueued) * (BOUNDS[4] + 1))
  }
  if (disposed) return
  for (const s of liveSystems()) {
    s.handle.remove()
    s.removed = true
  }
  frame()
  for (const job of jobs) {
    if (job.cancelled) expect(job.runs).toBeLessThan(job.slices)
    else if (job.killed) expect(job.runs).toBeGreaterThanOrEqual(1)
    else expect(job.runs).toBe(Math.min(job.slices, job.throwAt + 1))
  }
  const stats = scheduler.stats
  expect(stats.last.totalQueueDepth).toBe(0)
  expect(stats.errors).toBe(totalThrows)
  expect(stats.cancelled).toBe(totalCancelled)
  expect(stats.processed).toBe(totalRuns)
  let perType = 0
  let perTypeErrors = 0
  for (const t of stats.perType) {
    perType += t.processed
    perTypeErrors += t.errors
  }
  expect(perType).toBe(stats.processed)
  expect(perTypeErrors).toBe(stats.errors)
  // Nothing left behind: no slot, no queue entry (tombstones included).
  const d = scheduler.diagnostics
  expect(d.poolUsed).toBe(0)
  expect(d.queueEntries).toBe(0)
  expect(d.frameListeners).toBe(1)
}

beforeEach(() => {
  // Promise-returning jobs warn once per name; keep the output clean.
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  vi.spyOn(console, 'error').mockImplementation(() => {})
})
afterEach(() => {
  vi.restoreAllMocks()
})

/**
 * Counterexamples found by the fuzzer, kept as named regression tests. The
 * first (seed 906692408; seed 1892840654 shrank to the same cause) exposed
 * defects of this model, not of the scheduler: a job run during the drain
 * re-adding a system, and the drain re-enabling types only after inner ops
 * were stopped. The second is the counterexample of
 * BatchScheduler.model.test.ts (seed 1678672417): a head cancelled while
 * deferred, after which the next job waits its own bound. The third found a
 * scheduler defect: a sliced system saying "more" every frame kept the head of
 * its queue for good and starved every job behind it (fixed: its next slice
 * is queued at the tail, like its next run).
 */
const REGRESSIONS: Record<string, Op[]> = {
  'seed 906692408: jobs that add systems and toggle their type, drained': [
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'frames', count: 1},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'share', type: 0, value: 0.25},
    {k: 'frames', count: 1},
    {k: 'toggleType', type: 0},
    {k: 'cancelSelf'},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'addSystem', type: 0, cost: 0},
    {k: 'addSystem', type: 0, cost: 0},
    {k: 'toggleSystem', pick: 0},
    {k: 'system', type: 0, cost: 0, interval: 1, slices: 1, inner: []},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'cancelSelf'},
    {k: 'cancelSelf'},
    {k: 'frames', count: 1},
    {k: 'enqueue', type: 0, cost: 0, slices: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [{k: 'addSystem', type: 0, cost: 0}]},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'frames', count: 1},
    {k: 'toggleSystem', pick: 0},
    {k: 'addSystem', type: 0, cost: 0},
    {k: 'frames', count: 1},
    {k: 'enqueue', type: 0, cost: 0, slices: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'enqueue', type: 0, cost: 0, slices: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'budget', value: 0.5},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'frames', count: 1},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
    {k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: []},
  ],
  'two never-ending sliced systems of one type: the one-shot jobs behind them still drain': [
    { k: 'toggleType', type: 0 },
    { k: 'enqueue', type: 0, cost: 0, slices: 1 },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'frames', count: 1 },
    { k: 'system', type: 0, cost: 0, interval: 1, slices: 0, inner: [] },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'frames', count: 1 },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'frames', count: 1 },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'cancelSelf' },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'toggleType', type: 0 },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'reenter' },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'removeSystem', pick: 0 },
    { k: 'frames', count: 1 },
    { k: 'system', type: 1, cost: 0, interval: 1, slices: 0, inner: [] },
    { k: 'budget', value: 0.5 },
    { k: 'reenter' },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'cancel', pick: 0 },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'cancel', pick: 0 },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'system', type: 1, cost: 0, interval: 1, slices: 0, inner: [] },
    { k: 'enqueue', type: 0, cost: 0, slices: 1 },
    { k: 'frames', count: 1 },
    { k: 'cancel', pick: 0 },
    { k: 'enqueue', type: 0, cost: 0, slices: 1 },
    { k: 'job', type: 1, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'enqueue', type: 0, cost: 0, slices: 1 },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'job', type: 0, cost: 0, weight: 0, named: false, slices: 1, throwAt: 0, promise: true, inner: [] },
    { k: 'frames', count: 1 },
    { k: 'frames', count: 1 },
    { k: 'enqueue', type: 0, cost: 0, slices: 1 },
  ],
  'seed 1678672417: a deferred head is cancelled; the next job waits its own bound': [
    { k: 'system', type: 0, cost: 0.3, interval: 1, slices: 1, inner: [] },
    { k: 'job', type: 1, cost: 0, weight: 1, named: false, slices: 1, throwAt: 0, promise: false, inner: [] },
    { k: 'frames', count: 1 },
    { k: 'cancel', pick: 0 },
    { k: 'job', type: 1, cost: 0, weight: 1, named: false, slices: 1, throwAt: 0, promise: false, inner: [] },
    { k: 'job', type: 0, cost: 0.3, weight: 0, named: false, slices: 2, throwAt: 9, promise: false, inner: [] },
    { k: 'frames', count: 4 },
  ],
}

describe('BatchScheduler reliability: fuzz regressions', () => {
  for (const [name, ops] of Object.entries(REGRESSIONS)) it(name, () => runScenario(ops))
})

describe('BatchScheduler reliability: model-based fuzzing (fast-check)', () => {
  it('holds its invariants over long random sequences, with operations issued from inside jobs', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 50, maxLength: 400 }), (ops) => {
        runScenario(ops)
      }),
      // fc.assert is synchronous (vitest's timeout cannot stop it): bound the
      // time, shrinking included, so a failure reports instead of hanging CI.
      { numRuns: 320, interruptAfterTimeLimit: 50_000 },
    )
  })

  it('holds them in long-lived schedulers (few, very long sequences)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1500, maxLength: 3000 }), (ops) => {
        runScenario(ops)
      }),
      { numRuns: 20, interruptAfterTimeLimit: 50_000 },
    )
  })

  afterAll(() => {
    // The brief: at least 100k operations in all (outer ops, ops from inside jobs, frames).
    expect(scenarios).toBeGreaterThan(0)
    if (process.env['RELIABILITY_VERBOSE']) console.log(`reliability fuzz: ${totalOps} operations in ${scenarios} scenarios`)
    expect(totalOps).toBeGreaterThanOrEqual(100_000)
  })
})
