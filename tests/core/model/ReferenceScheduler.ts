import { expect } from 'vitest'
import {
  BATCH_TYPE_COUNT,
  BatchScheduler,
  type BatchType,
  type FixedSystemHandle,
  type FrameStats,
  ManualClock,
  type SystemHandle,
} from '../../../src/index.js'

/**
 * The one reference model of BatchScheduler, shared by the property tests
 * (BatchScheduler.model.test.ts: short sequences, async runs, type changes,
 * fixed steps; reliability.model.test.ts: long sequences, operations issued
 * from inside running jobs and systems, dispose). `runScenario` plays a
 * sequence of operations against a real scheduler on a ManualClock and checks,
 * whatever the costs:
 *
 * - every one-shot job runs all its slices exactly once (or until it throws),
 *   unless a cancel took it out; a job cancelled while running never resumes;
 * - nothing runs after dispose, nothing runs in the frame it was queued in, and
 *   nothing runs twice in one frame;
 * - strict FIFO within a type: a job runs only when every older one-shot job of
 *   its type has finished (a sliced job keeps the head until its last slice); a
 *   job moved to another type (`setJobType`) counts as queued at the move;
 * - a system runs only while registered and enabled, at most once per frame,
 *   and an async system is never run again before its run settled;
 * - a fixed-timestep system runs exactly the steps each frame's delta owes
 *   (min(floor(accumulated / stepMs), maxSteps)), never deferred; drops,
 *   `lastSteps` and `alpha` match;
 * - every type progresses within its latency bound (see `streak` below);
 * - the frame and cumulative stats (processed, per type, errors, cancelled,
 *   queue depth, deferred, inFlight, settled) add up to what the model saw;
 * - after a drain or dispose the pool and the queues are empty.
 */

/** Operations that may also be issued from inside a running job or system. */
export type Inner =
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

/** Every operation: the inner ones plus those issued between frames only. */
export type Op =
  | Inner
  | {
      k: 'job'
      type: number
      cost: number
      weight: number
      named: boolean
      slices: number
      /** The slice index that throws; >= slices means never. */
      throwAt: number
      /** Its last run returns an already resolved Promise. */
      promise: boolean
      /** Its last run returns a Promise that settles when a `settle` op says so. */
      async?: boolean
      inner: Inner[]
    }
  | {
      k: 'system'
      type: number
      cost: number
      interval: number
      /** 0: always "more to do" (a never-ending sliced system). */
      slices: number
      /** Each run returns a Promise that settles when a `settle` op says so. */
      async?: boolean
      inner: Inner[]
    }
  | { k: 'fixed'; type: number; cost: number; stepMs: number; maxSteps: number }
  | { k: 'frames'; count: number; /** runFrame(delta); measured from the clock when absent. */ delta?: number }
  | { k: 'setJobType'; pick: number; type: number }
  | { k: 'systemType'; pick: number; type: number }
  | { k: 'settle'; count: number }

export interface ScenarioOptions {
  /** maxDeferFrames per type. */
  bounds: readonly number[]
}

/** Operations issued in all scenarios (outer, inner and frames), and scenarios run. */
export const counters = { totalOps: 0, scenarios: 0 }

const BAD_BUDGETS: unknown[] = [NaN, -1, 0, Infinity, '2', null]

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
  /** Its async run has not settled yet. */
  pending: boolean
}

interface Fixed {
  handle: FixedSystemHandle
  type: number
  stepMs: number
  maxSteps: number
  acc: number
  due: number
  ran: number
  dropped: number
}

/** Lets pending Promise reactions run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

/** Plays `ops` against a fresh scheduler and checks it against the model; throws (an expect) on the first difference. */
export async function runScenario(ops: readonly Op[], { bounds }: ScenarioOptions): Promise<void> {
  counters.scenarios++
  const unexpected: unknown[] = []
  const clock = new ManualClock()
  const maxDeferFrames = {} as Record<BatchType, number>
  for (let t = 0; t < BATCH_TYPE_COUNT; t++) maxDeferFrames[t as BatchType] = bounds[t] as number
  const scheduler = new BatchScheduler({
    clock,
    budgetMs: 2,
    maxDeferFrames,
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
  const fixed: Fixed[] = []
  /** Resolvers of the async runs not settled yet, oldest first. */
  const pendingRuns: (() => void)[] = []
  let seq = 0
  let disposed = false
  let draining = false
  let slicesQueued = 0
  let running: Job | Sys | Fixed | null = null
  // Counted by the model, compared with the scheduler's stats.
  let runsInFrame = 0
  let throwsInFrame = 0
  let runsByTypeInFrame = new Array<number>(BATCH_TYPE_COUNT).fill(0)
  let totalRuns = 0
  let totalThrows = 0
  let totalCancelled = 0
  let listenerCalls = 0
  /** Promises returned by runs (resolved ones and those settled by a `settle` op). */
  let promisesSettled = 0
  let hasPreviousStart = false
  let previousStart = 0
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

  /** A Promise that settles when a `settle` op (or the end of the scenario) says so. */
  const pendingPromise = (then: () => void = () => {}): Promise<void> =>
    new Promise<void>((resolve) =>
      pendingRuns.push(() => {
        then()
        resolve()
      }),
    )

  const doInner = (op: Inner, self: Job | Sys | null): void => {
    counters.totalOps++
    // While draining, jobs may not add work or switch a type off (the drain must end).
    if (draining && (op.k === 'addSystem' || op.k === 'toggleType' || op.k === 'dispose')) return
    switch (op.k) {
      case 'enqueue':
        enqueueJob({ k: 'job', type: op.type, cost: op.cost, weight: 0.1, named: true, slices: op.slices, throwAt: 99, promise: false, inner: [] })
        break
      case 'cancel': {
        if (jobs.length === 0) break
        cancelJob(jobs[op.pick % jobs.length] as Job)
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
    // A cancel succeeds exactly when the job is waiting (between slices included).
    expect(ok).toBe(waiting)
    expect(scheduler.isPending(job.id)).toBe(false)
    if (ok) {
      job.cancelled = true
      totalCancelled++
      // The bound is per head job: a new head starts its own count.
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
      // Never in the frame it was queued in, never twice in one frame, never after cancel or completion.
      expect(frame).toBeGreaterThan(job.queuedAt)
      expect(job.lastRun).not.toBe(frame)
      expect(isFinished(job)).toBe(false)
      // Strict FIFO: this is the oldest unfinished one-shot job of its (latest) type.
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
        // Done as far as the queue goes: a returned Promise holds no place.
        job.done = true
        if (op.async === true) return pendingPromise(() => promisesSettled++)
        if (op.promise) {
          promisesSettled++
          return Promise.resolve()
        }
        return false
      }
      return true
    }
    job.id = scheduler.enqueue(op.type as BatchType, fn as () => boolean, {
      weight: Math.min(op.weight, 1),
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
    const isAsync = op.async === true
    const sys: Sys = { handle: null as unknown as SystemHandle, type: op.type, removed: false, lastRun: -1, perpetual: op.slices === 0 && !isAsync, pending: false }
    sys.handle = scheduler.addSystem(
      op.type as BatchType,
      () => {
        const frame = scheduler.frame
        expect(disposed).toBe(false)
        expect(sys.removed).toBe(false)
        expect(sys.handle.enabled).toBe(true)
        expect(sys.lastRun).not.toBe(frame)
        // An async system is not armed again until its run settled.
        expect(sys.pending).toBe(false)
        expect(running).toBe(null)
        running = sys
        sys.lastRun = frame
        runs++
        runsInFrame++
        totalRuns++
        ;(runsByTypeInFrame as number[])[sys.type]!++
        try {
          clock.advance(op.cost)
          if (runs === 1) for (const inner of op.inner) doInner(inner, sys)
        } finally {
          running = null
        }
        if (isAsync) {
          sys.pending = true
          return pendingPromise(() => {
            sys.pending = false
            promisesSettled++
          }) as unknown as boolean
        }
        return op.slices === 0 || (op.slices > 1 && runs % op.slices !== 0)
      },
      { weight: 0.1, interval: op.interval, name: `sys-${op.type}` },
    )
    systems.push(sys)
  }

  const addFixed = (op: Extract<Op, { k: 'fixed' }>): void => {
    if (disposed) return
    const model: Fixed = { handle: null as unknown as FixedSystemHandle, type: op.type, stepMs: op.stepMs, maxSteps: op.maxSteps, acc: 0, due: 0, ran: 0, dropped: 0 }
    model.handle = scheduler.addFixedSystem(
      op.type as BatchType,
      (stepMs) => {
        expect(stepMs).toBe(op.stepMs)
        // Every step owed runs in its frame, never more.
        expect(model.ran).toBeLessThan(model.due)
        expect(running).toBe(null)
        model.ran++
        runsInFrame++
        totalRuns++
        ;(runsByTypeInFrame as number[])[model.type]!++
        clock.advance(op.cost)
      },
      { stepMs: op.stepMs, maxSteps: op.maxSteps },
    )
    fixed.push(model)
  }

  const frame = (explicitDelta?: number): void => {
    counters.totalOps++
    runsInFrame = 0
    throwsInFrame = 0
    runsByTypeInFrame = new Array<number>(BATCH_TYPE_COUNT).fill(0)
    const frameBefore = scheduler.frame
    const listenerBefore = listenerCalls
    // The delta fed to fixed-step systems: the one given, else measured from the clock.
    const now = clock.now()
    let delta = explicitDelta ?? (hasPreviousStart ? now - previousStart : 0)
    if (!(delta > 0)) delta = 0
    hasPreviousStart = true
    previousStart = now
    for (const s of fixed) {
      s.ran = 0
      if (!enabledType[s.type]) {
        s.due = 0 // a fixed system of a disabled type does not accumulate time
        continue
      }
      s.acc += delta
      let owed = Math.floor(s.acc / s.stepMs + 1e-9)
      s.acc = Math.max(0, s.acc - owed * s.stepMs)
      if (owed > s.maxSteps) {
        s.dropped += owed - s.maxSteps
        owed = s.maxSteps
      }
      s.due = owed
    }
    const f: FrameStats = explicitDelta === undefined ? scheduler.runFrame() : scheduler.runFrame(explicitDelta)
    if (unexpected.length > 0) throw unexpected[0]
    if (disposed) {
      // Disposed before or during this frame: nothing more runs, frame numbers stop.
      if (frameBefore === scheduler.frame) expect(runsInFrame).toBe(0)
      expect(listenerCalls).toBe(listenerBefore)
      return
    }
    for (const s of fixed) {
      expect(s.ran).toBe(s.due)
      expect(s.handle.lastSteps).toBe(s.due)
      expect(s.handle.droppedSteps).toBe(s.dropped)
      expect(s.handle.alpha).toBeCloseTo(s.acc / s.stepMs, 6)
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
      // Queue depth: the pending one-shot jobs plus at most one entry per system.
      expect(f.queueDepth[t]).toBeGreaterThanOrEqual(pending[t] as number)
      expect(f.queueDepth[t]).toBeLessThanOrEqual((pending[t] as number) + (sysCount[t] as number))
      // Progress: a type with deferred work and no run, frame after frame, reaches
      // its bound at most; the count restarts when its head may have changed
      // (a cancel, a move, a removed/disabled/retyped system, the type toggled).
      if (headChanged[t] || !enabledType[t]) streak[t] = 0
      headChanged[t] = false
      if ((f.deferredByType[t] as number) > 0 && f.processedByType[t] === 0) streak[t]!++
      else streak[t] = 0
      expect(streak[t]).toBeLessThanOrEqual(bounds[t] as number)
    }
    expect(byTypeSum).toBe(f.processed)
    expect(f.deferred).toBeLessThanOrEqual(f.totalQueueDepth)
    expect(f.usedMs).toBeGreaterThanOrEqual(0)
  }

  for (const op of ops) {
    switch (op.k) {
      case 'job':
        counters.totalOps++
        enqueueJob(op)
        break
      case 'system':
        counters.totalOps++
        addSystem(op)
        break
      case 'fixed':
        counters.totalOps++
        addFixed(op)
        break
      case 'frames':
        for (let i = 0; i < op.count; i++) frame(op.delta)
        break
      case 'setJobType': {
        counters.totalOps++
        if (jobs.length === 0) break
        const job = jobs[op.pick % jobs.length] as Job
        const ok = scheduler.setJobType(job.id, op.type as BatchType)
        // Moves exactly the jobs still waiting (between slices included).
        expect(ok).toBe(!disposed && !isFinished(job))
        if (ok && job.type !== op.type) {
          const list = byType[job.type] as Job[]
          list.splice(list.indexOf(job), 1)
          headChanged[job.type] = true // its old type may have a new head
          job.type = op.type
          job.seq = seq++ // FIFO as of its latest type: at the tail of the new queue
          ;(byType[op.type] as Job[]).push(job)
        }
        break
      }
      case 'systemType': {
        counters.totalOps++
        const live = liveSystems()
        if (disposed || live.length === 0) break
        const s = live[op.pick % live.length] as Sys
        headChanged[s.type] = true
        s.handle.type = op.type as BatchType
        s.type = op.type
        expect(s.handle.type).toBe(op.type)
        break
      }
      case 'settle': {
        counters.totalOps++
        const runs = pendingRuns.splice(0, op.count)
        for (const resolve of runs) resolve()
        await flush()
        if (disposed) break
        expect(scheduler.stats.settled).toBe(promisesSettled)
        expect(scheduler.stats.inFlight).toBe(pendingRuns.length)
        break
      }
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
    for (const resolve of pendingRuns.splice(0)) resolve()
    await flush()
    return
  }

  // Drain: back to defaults, remove the systems; every waiting job finishes in bounded frames.
  for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
    if (!enabledType[t]) doInner({ k: 'toggleType', type: t }, null)
    scheduler.setTypeShare(t as BatchType, 1)
  }
  draining = true
  for (const s of fixed) s.handle.remove()
  fixed.length = 0
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
  const maxBound = Math.max(...bounds)
  let guard = 0
  while (jobs.some((j) => !isFinished(j))) {
    frame()
    if (disposed) break
    // Each frame runs at least one slice unless every head waits for its bound.
    // (Jobs run in the drain may queue more: slicesQueued counts those.)
    expect(++guard).toBeLessThanOrEqual(10 + (slicesLeft + slicesQueued) * (maxBound + 1))
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
  // Async runs still pending are in flight until they settle (resolved ones settle at the flush).
  await flush()
  expect(stats.inFlight).toBe(pendingRuns.length)
  expect(stats.settled).toBe(promisesSettled)
  for (const resolve of pendingRuns.splice(0)) resolve()
  await flush()
  expect(scheduler.stats.inFlight).toBe(0)
  expect(scheduler.stats.settled).toBe(promisesSettled)
  // Nothing left behind: no slot, no queue entry (tombstones included).
  const d = scheduler.diagnostics
  expect(d.poolUsed).toBe(0)
  expect(d.queueEntries).toBe(0)
  expect(d.frameListeners).toBe(1)
}
