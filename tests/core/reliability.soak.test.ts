import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BATCH_TYPE_COUNT, BatchScheduler, BatchType, type FrameListener, ManualClock, type SystemHandle } from '../../src/index.js'
import { mulberry32 } from '../utils/mulberry32.js'

/**
 * Long-running soak: 100,000 simulated frames with a churn of jobs (named,
 * unique-named, sliced, throwing, cancelled), systems (added, removed,
 * toggled), types switched off for long stretches, pauses and frame
 * listeners coming and going. Whatever the churn, the scheduler's structures
 * stay bounded by the live work, not by the work ever queued: the job pool,
 * the queues (tombstones included), learned costs, printed-once keys,
 * listeners and the stats history. (Heap use is measured with a real GC by
 * `npm run bench -- heap`, bench/heap.ts, which needs --expose-gc.)
 */

const { Transform, Visibility, Physics, LOD, AI } = BatchType

const prng = mulberry32

/** Queue entries allowed beyond the live jobs: per type, at most max(64, live) tombstones (COMPACT_MIN). */
function maxEntries(liveTotal: number): number {
  return 2 * liveTotal + BATCH_TYPE_COUNT * 65
}

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {})
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('soak: 100,000 frames of churn', () => {
  it('keeps every structure bounded and every job accounted for', () => {
    const FRAMES = 100_000
    const HISTORY = 300
    const random = prng(0x5eed)
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, budgetMs: 2.5, historyLength: HISTORY, onError: () => {} })
    const NAMES = Array.from({ length: 16 }, (_, i) => `kind${i}`)

    let accepted = 0
    let ran = 0
    let cancelled = 0
    let thrown = 0
    let uniqueNames = 0
    const recent: number[] = [] // ids that may still be pending
    const systems: SystemHandle[] = []
    const listeners: FrameListener[] = []
    let paused = false

    const makeJob = (cost: number, slices: number, throws: boolean) => {
      let left = slices
      return (): boolean => {
        clock.advance(cost)
        if (--left > 0) return true
        ran++
        if (throws) {
          thrown++
          throw new Error('soak')
        }
        return false
      }
    }

    let peak = { poolCapacity: 0, queueCapacity: 0, queueEntries: 0, live: 0, reportedKeys: 0, costEntries: 0, listeners: 0 }
    for (let frame = 1; frame <= FRAMES; frame++) {
      // Producers: 0..3 jobs a frame.
      const n = Math.floor(random() * 4)
      for (let i = 0; i < n; i++) {
        const type = Math.floor(random() * BATCH_TYPE_COUNT) as BatchType
        const unique = random() < 0.05
        const name = unique ? `request ${uniqueNames++}` : (NAMES[Math.floor(random() * NAMES.length)] as string)
        const sliced = random() < 0.1
        const slices = sliced ? 1 + Math.floor(random() * 3) : 1
        const throws = random() < 0.01
        const id = scheduler.enqueue(type, makeJob(random() * 0.4, slices, throws), { name, sliced, weight: random() * 0.3 })
        accepted++
        recent.push(id)
      }
      // Cancel about a third of them, some right away (superseded requests).
      if (recent.length > 0 && random() < 0.35) {
        const k = Math.floor(random() * recent.length)
        const id = recent[k] as number
        recent[k] = recent[recent.length - 1] as number
        recent.pop()
        if (scheduler.cancel(id)) cancelled++
      }
      if (recent.length > 256) recent.splice(0, recent.length - 256)

      // Systems come and go, and are toggled.
      if (frame % 500 === 0) {
        if (systems.length < 8 && random() < 0.6) {
          const type = Math.floor(random() * BATCH_TYPE_COUNT) as BatchType
          const cost = random() * 0.3
          systems.push(scheduler.addSystem(type, () => clock.advance(cost), { interval: 1 + Math.floor(random() * 3), name: `system ${frame}` }))
        } else if (systems.length > 0) {
          systems.splice(Math.floor(random() * systems.length), 1)[0]?.remove()
        }
      }
      if (frame % 300 === 0 && systems.length > 0) {
        const s = systems[Math.floor(random() * systems.length)] as SystemHandle
        s.enabled = !s.enabled
      }
      // Long stretches with one type off, while its jobs keep being queued and cancelled.
      if (frame % 10_000 === 2_000) scheduler.setTypeEnabled(AI, false)
      if (frame % 10_000 === 4_000) scheduler.setTypeEnabled(AI, true)
      if (frame % 10_000 === 6_000) scheduler.setTypeEnabled(Visibility, false)
      if (frame % 10_000 === 6_500) scheduler.setTypeEnabled(Visibility, true)
      // A paused stretch (the devtools "pause" left on): frames do nothing, churn goes on.
      if (frame % 25_000 === 10_000) scheduler.paused = paused = true
      if (frame % 25_000 === 11_000) scheduler.paused = paused = false
      // A devtools panel opened and closed.
      if (frame % 5_000 === 0) {
        if (listeners.length < 3) {
          const l: FrameListener = () => {}
          listeners.push(l)
          scheduler.addFrameListener(l)
        } else {
          for (const l of listeners.splice(0)) scheduler.removeFrameListener(l)
        }
      }
      // The budget is dragged now and then.
      if (frame % 7_777 === 0) scheduler.budgetMs = 1 + random() * 3

      const framesBefore = scheduler.stats.frames
      scheduler.runFrame()
      expect(scheduler.stats.frames).toBe(paused ? framesBefore : framesBefore + 1)

      const d = scheduler.diagnostics
      let live = 0
      for (let t = 0 as BatchType; t < BATCH_TYPE_COUNT; t++) live += scheduler.queueDepth(t)
      expect(d.queueEntries).toBeLessThanOrEqual(maxEntries(live))
      peak = {
        poolCapacity: Math.max(peak.poolCapacity, d.poolCapacity),
        queueCapacity: Math.max(peak.queueCapacity, d.queueCapacity),
        queueEntries: Math.max(peak.queueEntries, d.queueEntries),
        live: Math.max(peak.live, live),
        reportedKeys: Math.max(peak.reportedKeys, d.reportedKeys),
        costEntries: Math.max(peak.costEntries, d.costEntries),
        listeners: Math.max(peak.listeners, d.frameListeners),
      }
    }

    // Drain what is left; every accepted job ran (all its slices) or was cancelled.
    for (const s of systems.splice(0)) s.remove()
    for (let t = 0 as BatchType; t < BATCH_TYPE_COUNT; t++) scheduler.setTypeEnabled(t, true)
    scheduler.paused = false
    let guard = 0
    while (scheduler.stats.last.totalQueueDepth > 0 || guard === 0) {
      scheduler.runFrame()
      expect(++guard).toBeLessThan(20_000)
    }
    expect(ran + cancelled).toBe(accepted)
    expect(scheduler.stats.cancelled).toBe(cancelled)
    expect(scheduler.stats.errors).toBe(thrown)

    // Bounded by the live work, not by the ~150k jobs queued.
    expect(accepted).toBeGreaterThan(140_000)
    expect(peak.live).toBeLessThan(2_000)
    expect(peak.poolCapacity).toBeLessThanOrEqual(4_096)
    expect(peak.queueCapacity).toBeLessThanOrEqual(BATCH_TYPE_COUNT * 4_096)
    // Unique names: learned costs and printed-once keys are capped.
    expect(uniqueNames).toBeGreaterThan(4_096)
    expect(scheduler.diagnostics.learnedNames).toBe(4_096)
    expect(peak.costEntries).toBeLessThanOrEqual(4_096 + 8)
    expect(peak.reportedKeys).toBeLessThanOrEqual(256 + 5)
    expect(peak.listeners).toBeLessThanOrEqual(3)
    // History is a fixed window.
    expect(scheduler.stats.history.count).toBe(HISTORY)
    expect(scheduler.stats.history.usedMs.length).toBe(HISTORY)
    // Nothing left behind after the drain.
    const d = scheduler.diagnostics
    expect([d.poolUsed, d.queueEntries]).toEqual([0, 0])
  })
})

describe('tombstones: cancel churn where no frame pops the queue', () => {
  /** 100k enqueue + cancel pairs (superseded requests). */
  function churn(scheduler: BatchScheduler, type: BatchType): void {
    const job = (): void => {}
    let ok = 0
    for (let i = 0; i < 100_000; i++) if (scheduler.cancel(scheduler.enqueue(type, job))) ok++
    expect(ok).toBe(100_000)
  }

  it('regression: with the type disabled, the pool and queue stay bounded (they grew by one slot per cancel)', () => {
    const scheduler = new BatchScheduler({ clock: new ManualClock() })
    scheduler.setTypeEnabled(LOD, false)
    scheduler.enqueue(LOD, () => {})
    for (let f = 0; f < 10; f++) {
      churn(scheduler, LOD)
      scheduler.runFrame()
    }
    const d = scheduler.diagnostics
    expect(d.poolCapacity).toBe(256)
    expect(d.queueEntries).toBeLessThanOrEqual(maxEntries(1))
    expect(scheduler.queueDepth(LOD)).toBe(1)
    expect(scheduler.stats.cancelled).toBe(1_000_000)
  })

  it('regression: while paused, or between frames (hidden tab: no frames at all), the pool and queue stay bounded', () => {
    const paused = new BatchScheduler({ clock: new ManualClock() })
    paused.paused = true
    churn(paused, Physics)
    paused.runFrame()
    expect(paused.diagnostics.poolCapacity).toBe(256)
    const hidden = new BatchScheduler({ clock: new ManualClock() })
    hidden.enqueue(Transform, () => {})
    churn(hidden, Transform)
    expect(hidden.diagnostics.poolCapacity).toBe(256)
    expect(hidden.diagnostics.queueEntries).toBeLessThanOrEqual(maxEntries(1))
  })

  it('compaction keeps FIFO order and skips disabled systems correctly', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const log: string[] = []
    scheduler.setTypeEnabled(AI, false)
    const system = scheduler.addSystem(AI, () => {
      log.push('system')
    })
    scheduler.runFrame() // arms the system behind nothing
    const keep: number[] = []
    for (let i = 0; i < 500; i++) {
      const label = `job ${i}`
      const id = scheduler.enqueue(AI, () => {
        log.push(label)
      })
      if (i % 5 === 0) keep.push(i)
      else scheduler.cancel(id)
    }
    system.enabled = false
    expect(scheduler.diagnostics.queueEntries).toBeLessThanOrEqual(maxEntries(100))
    scheduler.setTypeEnabled(AI, true)
    scheduler.budgetMs = 100
    scheduler.runFrame()
    expect(log).toEqual(keep.map((i) => `job ${i}`))
    system.enabled = true
    scheduler.runFrame()
    expect(log.at(-1)).toBe('system')
  })
})

describe('maxQueueLength: the documented policy under load', () => {
  it('a producer faster than the consumer is told at each rejected enqueue (RangeError); nothing accepted is lost', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock, maxQueueLength: 200 })
    let accepted = 0
    let rejected = 0
    let ran = 0
    for (let frame = 0; frame < 3_000; frame++) {
      for (let i = 0; i < 3; i++) {
        try {
          scheduler.enqueue(AI, () => {
            ran++
            clock.advance(1.5) // two fit in 2.5 ms: the consumer runs 2 a frame, the producer queues 3
          })
          accepted++
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError)
          expect((error as Error).message).toMatch(/^BatchScheduler\.enqueue: the AI queue is full \(maxQueueLength 200\)/)
          rejected++
        }
      }
      scheduler.runFrame()
      expect(scheduler.queueDepth(AI)).toBeLessThanOrEqual(200)
    }
    expect(rejected).toBeGreaterThan(0)
    while (scheduler.queueDepth(AI) > 0) scheduler.runFrame()
    expect(ran).toBe(accepted)
    expect(accepted + rejected).toBe(9_000)
    expect(scheduler.diagnostics.poolCapacity).toBeLessThanOrEqual(256)
  })
})

describe('names: learned costs and printed-once keys are capped', () => {
  it('regression: jobs with a name each do not grow the name map and the printed-once set for the page\'s life', () => {
    const clock = new ManualClock()
    const scheduler = new BatchScheduler({ clock })
    const error = vi.mocked(console.error)
    const warn = vi.mocked(console.warn)
    for (let i = 0; i < 10_000; i++) {
      scheduler.enqueue(AI, () => {
        throw new Error('x')
      }, { name: `tile ${i}` })
      scheduler.runFrame()
    }
    const d = scheduler.diagnostics
    expect(d.learnedNames).toBe(4_096)
    expect(d.reportedKeys).toBeLessThanOrEqual(256 + 5)
    expect(scheduler.stats.errors).toBe(10_000)
    // Printed: 256 job errors, one "more than 256" notice, one name-cap warning.
    expect(error.mock.calls.length).toBe(256)
    expect(warn.mock.calls.length).toBe(2)
    expect(warn.mock.calls.map((c) => String(c[0])).some((m) => /more than 4096 distinct job names/.test(m))).toBe(true)
    expect(warn.mock.calls.map((c) => String(c[0])).some((m) => /more than 256 distinct problems/.test(m))).toBe(true)
    // A new name past the cap is still scheduled, predicted from its weight.
    let ran = false
    scheduler.enqueue(AI, () => {
      ran = true
    }, { name: 'brand new', weight: 0.2 })
    scheduler.runFrame()
    expect(ran).toBe(true)
    expect(Number.isNaN(scheduler.learnedCostMs('brand new'))).toBe(true)
  })
})
