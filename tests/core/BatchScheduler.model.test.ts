import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BATCH_TYPE_COUNT,
  BatchScheduler,
  type BatchType,
  type FixedSystemHandle,
  ManualClock,
  type SystemHandle,
} from '../../src/index.js'

/**
 * Property test: random sequences of enqueue / cancel / addSystem / remove /
 * enable / budget changes / runFrame, checked against a simple reference model
 * of what must hold whatever the costs:
 * - every one-shot job runs all its slices exactly once unless cancelled, and
 *   never in the frame it was enqueued in (nor after a successful cancel);
 * - FIFO within a type (first runs of one-shot jobs in enqueue order);
 * - no type goes more than its latency bound of frames with eligible work and no run;
 * - the stats add up (processed, errors, cancelled, depth, deferred).
 *
 * Issue 15 widened it with async runs (jobs and systems whose Promise settles
 * when a `settle` op says so), type changes (`setJobType`, `handle.type`, FIFO
 * then holds per type as of a job's latest type: a moved job counts as
 * enqueued at the move) and fixed-timestep systems fed by each frame's delta
 * (steps per frame = min(floor(accumulated / stepMs), maxSteps), drops counted):
 * - an async system is never run again before its run settled;
 * - `stats.inFlight` / `stats.settled` match the runs the model left pending / settled.
 * Mutations it caught when written: arming a system whose async run is still
 * pending; a moved job put at the head of its new queue instead of the tail;
 * a fixed system skipping a due step now and then.
 */

const BOUNDS = [1, 2, 3, 4, 6]

type Op =
  | { kind: 'enqueue'; type: number; cost: number; weight: number; named: boolean; slices: number; throws: boolean; child: boolean; async?: boolean }
  | { kind: 'cancel'; pick: number }
  | { kind: 'addSystem'; type: number; cost: number; interval: number; async?: boolean }
  | { kind: 'removeSystem'; pick: number }
  | { kind: 'toggleSystem'; pick: number }
  | { kind: 'frames'; count: number; delta?: number }
  | { kind: 'budget'; value: number }
  | { kind: 'setJobType'; pick: number; type: number }
  | { kind: 'systemType'; pick: number; type: number }
  | { kind: 'addFixed'; type: number; cost: number; stepMs: number; maxSteps: number }
  | { kind: 'settle'; count: number }

const typeArb = fc.integer({ min: 0, max: BATCH_TYPE_COUNT - 1 })
const costArb = fc.constantFrom(0, 0.05, 0.2, 0.5, 1, 2.5, 4)

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      type: typeArb,
      cost: costArb,
      weight: fc.constantFrom(0, 0.05, 0.3, 1, 2),
      named: fc.boolean(),
      slices: fc.integer({ min: 1, max: 4 }),
      throws: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
      child: fc.boolean(),
      async: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('addSystem' as const),
      type: typeArb,
      cost: costArb,
      interval: fc.integer({ min: 1, max: 3 }),
      async: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('removeSystem' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('toggleSystem' as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('frames' as const),
      count: fc.integer({ min: 1, max: 4 }),
      delta: fc.constantFrom(0, 5, 1000 / 60, 33.3, 100),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('budget' as const), value: fc.constantFrom(0.5, 1, 2.5, 5) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('setJobType' as const), pick: fc.nat(), type: typeArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('systemType' as const), pick: fc.nat(), type: typeArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('addFixed' as const),
      type: typeArb,
      cost: fc.constantFrom(0, 0.1, 0.5),
      stepMs: fc.constantFrom(5, 10, 1000 / 60),
      maxSteps: fc.integer({ min: 1, max: 4 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('settle' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
)

/** Lets pending Promise reactions run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 4; i++) await Promise.resolve()
}

interface ModelJob {
  id: number
  type: number
  seq: number
  enqueuedAtFrame: number
  slices: number
  runs: number
  throws: boolean
  cancelled: boolean
  done: boolean
  lastRunFrame: number
}

async function runScenario(ops: Op[]): Promise<void> {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({
    clock,
    budgetMs: 2,
    maxDeferFrames: { 0: BOUNDS[0], 1: BOUNDS[1], 2: BOUNDS[2], 3: BOUNDS[3], 4: BOUNDS[4] } as Record<BatchType, number>,
    onError: () => {},
  })
  const jobs: ModelJob[] = []
  const systems: { handle: SystemHandle; type: number; pending: boolean }[] = []
  const fixed: { handle: FixedSystemHandle; stepMs: number; maxSteps: number; acc: number; due: number; ran: number; dropped: number }[] = []
  /** Resolvers of the async runs not settled yet, oldest first. */
  const pendingRuns: (() => void)[] = []
  let settled = 0
  let fixedSteps = 0
  let seq = 0
  let totalRuns = 0
  let totalThrows = 0
  let totalCancelled = 0
  let systemRuns = 0
  const startedSeq: number[][] = Array.from({ length: BATCH_TYPE_COUNT }, () => [])
  const idle = new Array<number>(BATCH_TYPE_COUNT).fill(0)

  const enqueue = (op: Extract<Op, { kind: 'enqueue' }>): void => {
    const isAsync = op.async === true
    const job: ModelJob = {
      id: -1,
      type: op.type,
      seq: seq++,
      enqueuedAtFrame: scheduler.frame,
      slices: isAsync ? 1 : op.slices, // an async run is never resumed
      runs: 0,
      throws: op.throws && !isAsync,
      cancelled: false,
      done: false,
      lastRunFrame: -1,
    }
    job.id = scheduler.enqueue(
      op.type as BatchType,
      () => {
        const frame = scheduler.frame
        // never in the frame it was enqueued in, never twice in one frame, never after cancel or completion
        expect(frame).toBeGreaterThan(job.enqueuedAtFrame)
        expect(job.lastRunFrame).not.toBe(frame)
        expect(job.cancelled).toBe(false)
        expect(job.done).toBe(false)
        if (job.runs === 0) {
          // FIFO: every earlier one-shot job of this type has started or was cancelled
          for (const other of jobs) {
            if (other.type === job.type && other.seq < job.seq) {
              expect(other.runs > 0 || other.cancelled).toBe(true)
            }
          }
          startedSeq[job.type]?.push(job.seq)
        }
        job.runs++
        job.lastRunFrame = frame
        totalRuns++
        clock.advance(op.cost)
        if (op.child && job.runs === 1) {
          enqueue({ ...op, child: false, throws: false, slices: 1 })
        }
        if (job.throws) {
          totalThrows++
          job.done = true
          throw new Error('planned')
        }
        if (isAsync) {
          // Done as far as the queue goes: its Promise holds no place.
          job.done = true
          return new Promise<void>((resolve) => pendingRuns.push(resolve))
        }
        if (job.runs >= job.slices) {
          job.done = true
          return false
        }
        return true
      },
      { weight: Math.min(op.weight, 1), ...(op.named ? { name: `job-${op.type}-${op.cost}` } : {}) },
    )
    jobs.push(job)
  }

  const frame = (delta = 0): void => {
    const before = totalRuns + systemRuns + fixedSteps
    for (const s of fixed) {
      s.acc += delta
      let owed = Math.floor(s.acc / s.stepMs + 1e-9)
      s.acc = Math.max(0, s.acc - owed * s.stepMs)
      if (owed > s.maxSteps) {
        s.dropped += owed - s.maxSteps
        owed = s.maxSteps
      }
      s.due = owed
      s.ran = 0
    }
    const f = scheduler.runFrame(delta)
    for (const s of fixed) {
      // every step owed runs in its frame, never deferred
      expect(s.ran).toBe(s.due)
      expect(s.handle.lastSteps).toBe(s.due)
      expect(s.handle.droppedSteps).toBe(s.dropped)
      expect(s.handle.alpha).toBeCloseTo(s.acc / s.stepMs, 6)
    }
    const pendingByType = new Array<number>(BATCH_TYPE_COUNT).fill(0)
    for (const job of jobs) if (!job.done && !job.cancelled) pendingByType[job.type]!++
    const systemsByType = new Array<number>(BATCH_TYPE_COUNT).fill(0)
    for (const s of systems) systemsByType[s.type]!++
    let processedByType = 0
    for (let t = 0; t < BATCH_TYPE_COUNT; t++) {
      // queue depth: the pending one-shot jobs plus at most one entry per system
      expect(f.queueDepth[t]).toBeGreaterThanOrEqual(pendingByType[t]!)
      expect(f.queueDepth[t]).toBeLessThanOrEqual(pendingByType[t]! + systemsByType[t]!)
      // no type waits with eligible work beyond its bound
      if ((f.deferredByType[t] as number) > 0 && f.processedByType[t] === 0) idle[t]!++
      else idle[t] = 0
      expect(idle[t]).toBeLessThanOrEqual(BOUNDS[t]!)
      processedByType += f.processedByType[t] as number
    }
    expect(f.processed).toBe(processedByType)
    expect(f.deferred).toBeLessThanOrEqual(f.totalQueueDepth)
    expect(totalRuns + systemRuns + fixedSteps - before).toBe(f.processed)
  }

  for (const op of ops) {
    switch (op.kind) {
      case 'enqueue':
        enqueue(op)
        break
      case 'cancel': {
        if (jobs.length === 0) break
        const job = jobs[op.pick % jobs.length]!
        const ok = scheduler.cancel(job.id)
        // a cancel succeeds exactly when the job is waiting (not done, not cancelled before)
        expect(ok).toBe(!job.done && !job.cancelled)
        if (ok) {
          job.cancelled = true
          totalCancelled++
          // The bound is per head job: a new head starts its own count.
          idle[job.type] = 0
        }
        break
      }
      case 'addSystem': {
        const model = { handle: null as unknown as SystemHandle, type: op.type, pending: false }
        model.handle = scheduler.addSystem(
          op.type as BatchType,
          () => {
            // an async system is not armed again until its run settled
            expect(model.pending).toBe(false)
            systemRuns++
            clock.advance(op.cost)
            if (op.async !== true) return
            model.pending = true
            return new Promise<void>((resolve) =>
              pendingRuns.push(() => {
                model.pending = false
                resolve()
              }),
            )
          },
          { weight: 0.1 },
        )
        systems.push(model)
        break
      }
      case 'addFixed': {
        const model = { handle: null as unknown as FixedSystemHandle, stepMs: op.stepMs, maxSteps: op.maxSteps, acc: 0, due: 0, ran: 0, dropped: 0 }
        model.handle = scheduler.addFixedSystem(
          op.type as BatchType,
          (stepMs) => {
            expect(stepMs).toBe(op.stepMs)
            expect(model.ran).toBeLessThan(model.due)
            model.ran++
            fixedSteps++
            clock.advance(op.cost)
          },
          { stepMs: op.stepMs, maxSteps: op.maxSteps },
        )
        fixed.push(model)
        break
      }
      case 'setJobType': {
        if (jobs.length === 0) break
        const job = jobs[op.pick % jobs.length]!
        const ok = scheduler.setJobType(job.id, op.type as BatchType)
        // moves exactly the jobs still waiting (between slices included)
        expect(ok).toBe(!job.done && !job.cancelled)
        if (ok && job.type !== op.type) {
          idle[job.type] = 0 // its old type may have a new head
          job.type = op.type
          job.seq = seq++ // FIFO as of its latest type: at the tail of the new queue
        }
        break
      }
      case 'systemType': {
        if (systems.length === 0) break
        const s = systems[op.pick % systems.length]!
        idle[s.type] = 0
        s.handle.type = op.type as BatchType
        s.type = op.type
        expect(s.handle.type).toBe(op.type)
        break
      }
      case 'settle': {
        const runs = pendingRuns.splice(0, op.count)
        for (const resolve of runs) resolve()
        await flush()
        settled += runs.length
        expect(scheduler.stats.settled).toBe(settled)
        expect(scheduler.stats.inFlight).toBe(pendingRuns.length)
        break
      }
      case 'removeSystem': {
        if (systems.length === 0) break
        const [removed] = systems.splice(op.pick % systems.length, 1)
        removed!.handle.remove()
        idle[removed!.type] = 0
        break
      }
      case 'toggleSystem': {
        if (systems.length === 0) break
        const s = systems[op.pick % systems.length]!
        s.handle.enabled = !s.handle.enabled
        idle[s.type] = 0
        break
      }
      case 'frames':
        for (let i = 0; i < op.count; i++) frame(op.delta)
        break
      case 'budget':
        scheduler.budgetMs = op.value
        break
    }
  }

  // Drain: remove the systems, then every waiting job must finish within a bounded number of frames.
  for (const s of systems) {
    s.handle.remove()
    idle[s.type] = 0
  }
  systems.length = 0
  for (const s of fixed) s.handle.remove()
  fixed.length = 0
  let guard = 0
  while (jobs.some((j) => !j.done && !j.cancelled)) {
    frame()
    expect(++guard).toBeLessThan(5000)
  }
  frame()
  for (const job of jobs) {
    if (job.cancelled) expect(job.runs).toBeLessThan(job.slices)
    else expect(job.runs).toBe(job.throws ? 1 : job.slices)
  }
  // FIFO: first runs in enqueue order within each type
  for (const seqs of startedSeq) expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
  expect(scheduler.stats.last.totalQueueDepth).toBe(0)
  expect(scheduler.stats.errors).toBe(totalThrows)
  expect(scheduler.stats.cancelled).toBe(totalCancelled)
  let sumProcessed = 0
  for (const t of scheduler.stats.perType) sumProcessed += t.processed
  expect(sumProcessed).toBe(scheduler.stats.processed)
  expect(scheduler.stats.processed).toBe(totalRuns + systemRuns + fixedSteps)
  expect(scheduler.stats.inFlight).toBe(pendingRuns.length)
  for (const resolve of pendingRuns.splice(0)) resolve()
  await flush()
  expect(scheduler.stats.inFlight).toBe(0)
  expect(scheduler.diagnostics.poolUsed).toBe(0)
}

describe('BatchScheduler against a reference model (fast-check)', () => {
  it('holds its invariants over random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 150 }), async (ops) => {
        await runScenario(ops)
      }),
      { numRuns: 300 },
    )
  })

  it('regression (seed 1678672417): a cancelled head restarts its type\'s progress count', async () => {
    // Frame 1 defers job A (Visibility); A is cancelled; B, queued after, waits its own bound.
    await runScenario([
      { kind: 'addSystem', type: 0, cost: 0.2, interval: 1 },
      { kind: 'enqueue', type: 1, cost: 0, weight: 2, named: false, slices: 1, throws: true, child: false },
      { kind: 'frames', count: 1 },
      { kind: 'cancel', pick: 0 },
      { kind: 'enqueue', type: 1, cost: 0, weight: 2, named: false, slices: 1, throws: true, child: false },
      { kind: 'enqueue', type: 0, cost: 0.2, weight: 0, named: false, slices: 2, throws: false, child: false },
    ])
  })
})
