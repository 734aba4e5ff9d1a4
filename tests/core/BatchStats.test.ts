import { describe, expect, it } from 'vitest'
import { BatchType } from '../../src/index.js'
import { setup } from './helpers.js'

describe('BatchStats', () => {
  it('keeps a fixed-size history window of the last frames', () => {
    const { scheduler, clock } = setup({ budgetMs: 10, historyLength: 4 })
    for (let i = 1; i <= 6; i++) {
      scheduler.enqueue(BatchType.AI, () => clock.advance(i), { weight: 0 })
      scheduler.runFrame()
    }
    const h = scheduler.stats.history
    expect(h.capacity).toBe(4)
    expect(h.count).toBe(4)
    const recent = [0, 1, 2, 3].map((ago) => h.usedMs[h.indexOf(ago)])
    expect(recent).toEqual([6, 5, 4, 3])
    expect(h.indexOf(4)).toBe(-1)
    expect(h.utilization[h.indexOf(0)]).toBeCloseTo(0.6)
  })

  it('computes nearest-rank percentiles of used ms over the window', () => {
    const { scheduler, clock } = setup({ budgetMs: 100, historyLength: 100 })
    expect(scheduler.stats.p50).toBe(0)
    for (let i = 1; i <= 100; i++) {
      scheduler.enqueue(BatchType.AI, () => clock.advance(i / 10), { weight: 0 })
      scheduler.runFrame()
    }
    expect(scheduler.stats.p50).toBeCloseTo(5)
    expect(scheduler.stats.p95).toBeCloseTo(9.5)
    expect(scheduler.stats.p99).toBeCloseTo(9.9)
    expect(scheduler.stats.percentile(100)).toBeCloseTo(10)
    expect(scheduler.stats.percentile(0)).toBeCloseTo(0.1)
  })

  it('records queue depth per type and deferrals in the history', () => {
    const { scheduler, clock } = setup({ budgetMs: 1, historyLength: 8 })
    for (let i = 0; i < 3; i++) scheduler.enqueue(BatchType.LOD, () => clock.advance(1), { weight: 1 })
    scheduler.runFrame()
    const h = scheduler.stats.history
    const i = h.indexOf(0)
    expect(h.queueDepth[BatchType.LOD]?.[i]).toBe(2)
    expect(h.deferred[i]).toBe(2)
    expect(h.processed[i]).toBe(1)
    expect(scheduler.stats.peakQueueDepth).toBe(2)
    expect(scheduler.stats.perType[BatchType.LOD]?.peakDepth).toBe(2)
    expect(scheduler.stats.perType[BatchType.LOD]?.avgMs).toBe(1)
  })

  it('reset clears counters and history', () => {
    const { scheduler } = setup()
    scheduler.enqueue(BatchType.AI, () => {})
    scheduler.runFrame()
    scheduler.stats.reset()
    expect(scheduler.stats.processed).toBe(0)
    expect(scheduler.stats.history.count).toBe(0)
    expect(scheduler.stats.perType[BatchType.AI]?.processed).toBe(0)
  })
})
