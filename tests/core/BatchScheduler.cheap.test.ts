import { describe, expect, it } from 'vitest'
import { BatchScheduler, BatchType, type Clock, ManualClock } from '../../src/index.js'
import { CHEAP_GROUP } from '../../src/core/CheapGroup.js'

/** A manual clock that counts how often it is read. */
class CountingClock implements Clock {
  reads = 0
  readonly inner = new ManualClock()
  now(): number {
    this.reads++
    return this.inner.now()
  }
}

describe('clock reads amortized over cheap jobs', () => {
  it('runs learned-cheap jobs in groups that share one clock read', () => {
    const clock = new CountingClock()
    const s = new BatchScheduler({ clock, budgetMs: 10 })
    const tiny = (): void => {}
    s.enqueue(BatchType.AI, tiny) // first run: measured alone, learns ~0 ms
    s.runFrame()
    for (let i = 0; i < 64; i++) s.enqueue(BatchType.AI, tiny)
    const before = clock.reads
    expect(s.runFrame().processed).toBe(64)
    // 64 / 8 group reads, plus the frame's start and end
    expect(clock.reads - before).toBe(64 / CHEAP_GROUP + 2)
  })

  it('times every job that is not known to be cheap on its own', () => {
    const clock = new CountingClock()
    const s = new BatchScheduler({ clock, budgetMs: 10 })
    const small = (): void => clock.inner.advance(0.01)
    for (let i = 0; i < 16; i++) s.enqueue(BatchType.AI, small)
    const before = clock.reads
    s.runFrame()
    expect(clock.reads - before).toBe(16 + 2)
  })

  it('a cheap job that turns expensive is caught at the end of its group', () => {
    const clock = new CountingClock()
    const s = new BatchScheduler({ clock, budgetMs: 2 })
    let calls = 0
    const sometimes = (): void => {
      if (++calls === 3) clock.inner.advance(5) // learned ~0, then 5 ms once
    }
    s.enqueue(BatchType.AI, sometimes)
    s.runFrame()
    calls = 1
    for (let i = 0; i < 40; i++) s.enqueue(BatchType.AI, sometimes)
    const f = s.runFrame()
    // the overrun is seen when the group closes; nothing runs after it
    expect(f.processed).toBe(CHEAP_GROUP)
    expect(f.usedMs).toBeCloseTo(5)
    expect(f.deferred).toBe(40 - CHEAP_GROUP)
    // its time was split over the group, and the learned cost rose
    expect(s.learnedCostMs('sometimes')).toBeGreaterThan(0.002)
    expect(s.stats.perType[BatchType.AI]?.totalMs).toBeCloseTo(5)
  })

  it('a cheap job that throws closes its group and is counted', () => {
    const clock = new CountingClock()
    const s = new BatchScheduler({ clock, budgetMs: 2, onError: () => {} })
    let n = 0
    const flaky = (): void => {
      if (++n === 4) throw new Error('x')
    }
    s.enqueue(BatchType.AI, flaky)
    s.runFrame()
    for (let i = 0; i < 10; i++) s.enqueue(BatchType.AI, flaky)
    const f = s.runFrame()
    expect(f.processed).toBe(10)
    expect(f.errors).toBe(1)
  })

  it('with trace on, every job is timed on its own', () => {
    const clock = new CountingClock()
    const s = new BatchScheduler({ clock, budgetMs: 10, trace: true })
    const tiny = (): void => {}
    s.enqueue(BatchType.AI, tiny)
    s.runFrame()
    for (let i = 0; i < 16; i++) s.enqueue(BatchType.AI, tiny)
    const before = clock.reads
    s.runFrame()
    expect(clock.reads - before).toBe(16 + 2)
  })
})
