import fc from 'fast-check'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BATCH_TYPE_COUNT } from '../../src/index.js'
import { counters, type Inner, type Op, runScenario } from './model/ReferenceScheduler.js'

/**
 * Model-based fuzzing of BatchScheduler, wider than BatchScheduler.model.test.ts
 * (both use the one reference model, ./model/ReferenceScheduler.ts):
 * long random sequences of operations, many of them issued FROM INSIDE
 * running jobs and systems (enqueue, cancel — itself included —, add/remove/
 * toggle systems, enable/disable types, budget / weight / share changes, bad
 * budgets, a re-entrant runFrame, dispose), with throwing, sliced,
 * Promise-returning and cheap jobs, checked against the invariants listed
 * in ReferenceScheduler.ts (strict FIFO, latency bounds, nothing after
 * dispose, stats that add up, nothing left behind).
 *
 * fast-check prints the seed and the shrunk counterexample of a failure; a
 * failing case found while writing this file is kept below as a named test.
 */

const BOUNDS = [1, 2, 3, 5, 8] as const
const COSTS = [0, 0.0005, 0.05, 0.3, 1, 2.5, 50] as const
const BUDGETS = [0.5, 1, 2, 4] as const

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
 * BatchScheduler.model.test.ts (seed 1678672417; kept here only): a head
 * cancelled while deferred, after which the next job waits its own bound.
 * The third found a scheduler defect: a sliced system saying "more" every
 * frame kept the head of its queue for good and starved every job behind it
 * (fixed: its next slice is queued at the tail, like its next run; that
 * mutation is still caught by the merged model, issue 13).
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
  for (const [name, ops] of Object.entries(REGRESSIONS)) it(name, () => runScenario(ops, { bounds: BOUNDS }))
})

describe('BatchScheduler reliability: model-based fuzzing (fast-check)', () => {
  it('holds its invariants over long random sequences, with operations issued from inside jobs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 50, maxLength: 400 }), async (ops) => {
        await runScenario(ops, { bounds: BOUNDS })
      }),
      // Bound the time, shrinking included, so a failure reports instead of
      // hanging CI (the scenarios seldom yield, so vitest's timeout cannot stop it).
      { numRuns: 320, interruptAfterTimeLimit: 50_000 },
    )
  })

  it('holds them in long-lived schedulers (few, very long sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1500, maxLength: 3000 }), async (ops) => {
        await runScenario(ops, { bounds: BOUNDS })
      }),
      { numRuns: 20, interruptAfterTimeLimit: 50_000 },
    )
  })

  afterAll(() => {
    // The brief: at least 100k operations in all (outer ops, ops from inside jobs, frames).
    expect(counters.scenarios).toBeGreaterThan(0)
    if (process.env['RELIABILITY_VERBOSE']) console.log(`reliability fuzz: ${counters.totalOps} operations in ${counters.scenarios} scenarios`)
    expect(counters.totalOps).toBeGreaterThanOrEqual(100_000)
  })
})
