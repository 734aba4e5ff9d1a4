import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BATCH_TYPE_COUNT, BatchScheduler, type BatchType, ManualClock, type SystemHandle } from '../../src/index.js'

/**
 * Property test: random sequences of enqueue / cancel / addSystem / remove /
 * enable / budget changes / runFrame, checked against a simple reference model
 * of what must hold whatever the costs:
 * - every one-shot job runs all its slices exactly once unless cancelled, and
 *   never in the frame it was enqueued in (nor after a successful cancel);
 * - FIFO within a type (first runs of one-shot jobs in enqueue order);
 * - no type goes more than its latency bound of frames with eligible work and no run;
 * - the stats add up (processed, errors, cancelled, depth, deferred).
 */

const BOUNDS = [1, 2, 3, 4, 6]

type Op =
  | { kind: 'enqueue'; type: number; cost: number; weight: number; named: boolean; slices: number; throws: boolean; child: boolean }
  | { kind: 'cancel'; pick: number }
  | { kind: 'addSystem'; type: number; cost: number; interval: number }
  | { kind: 'removeSystem'; pick: number }
  | { kind: 'toggleSystem'; pick: number }
  | { kind: 'frames'; count: number }
  | { kind: 'budget'; value: number }

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
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('removeSystem' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('toggleSystem' as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('frames' as const), count: fc.integer({ min: 1, max: 4 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('budget' as const), value: fc.constantFrom(0.5, 1, 2.5, 5) }), weight: 1 },
)

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

function runScenario(ops: Op[]): void {
  const clock = new ManualClock()
  const scheduler = new BatchScheduler({
    clock,
    budgetMs: 2,
    maxDeferFrames: { 0: BOUNDS[0], 1: BOUNDS[1], 2: BOUNDS[2], 3: BOUNDS[3], 4: BOUNDS[4] } as Record<BatchType, number>,
    onError: () => {},
  })
  const jobs: ModelJob[] = []
  const systems: { handle: SystemHandle; type: number }[] = []
  let seq = 0
  let totalRuns = 0
  let totalThrows = 0
  let totalCancelled = 0
  let systemRuns = 0
  const startedSeq: number[][] = Array.from({ length: BATCH_TYPE_COUNT }, () => [])
  const idle = new Array<number>(BATCH_TYPE_COUNT).fill(0)

  const enqueue = (op: Extract<Op, { kind: 'enqueue' }>): void => {
    const job: ModelJob = {
      id: -1,
      type: op.type,
      seq: seq++,
      enqueuedAtFrame: scheduler.frame,
      slices: op.slices,
      runs: 0,
      throws: op.throws,
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

  const frame = (): void => {
    const before = totalRuns + systemRuns
    const f = scheduler.runFrame()
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
    expect(totalRuns + systemRuns - before).toBe(f.processed)
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
        const handle = scheduler.addSystem(
          op.type as BatchType,
          () => {
            systemRuns++
            clock.advance(op.cost)
          },
          { weight: 0.1 },
        )
        systems.push({ handle, type: op.type })
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
        for (let i = 0; i < op.count; i++) frame()
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
  expect(scheduler.stats.processed).toBe(totalRuns + systemRuns)
}

describe('BatchScheduler against a reference model (fast-check)', () => {
  it('holds its invariants over random operation sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150 }), (ops) => {
        runScenario(ops)
      }),
      { numRuns: 300 },
    )
  })

  it('regression (seed 1678672417): a cancelled head restarts its type\'s progress count', () => {
    // Frame 1 defers job A (Visibility); A is cancelled; B, queued after, waits its own bound.
    runScenario([
      { kind: 'addSystem', type: 0, cost: 0.2, interval: 1 },
      { kind: 'enqueue', type: 1, cost: 0, weight: 2, named: false, slices: 1, throws: true, child: false },
      { kind: 'frames', count: 1 },
      { kind: 'cancel', pick: 0 },
      { kind: 'enqueue', type: 1, cost: 0, weight: 2, named: false, slices: 1, throws: true, child: false },
      { kind: 'enqueue', type: 0, cost: 0.2, weight: 0, named: false, slices: 2, throws: false, child: false },
    ])
  })
})
