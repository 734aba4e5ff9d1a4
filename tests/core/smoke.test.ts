import { describe, expect, it } from 'vitest'
import { BatchScheduler, BatchType, ManualClock } from '../../src/index.js'

describe('smoke', () => {
  it('runs jobs within budget', () => {
    const clock = new ManualClock()
    const s = new BatchScheduler({ clock, budgetMs: 2 })
    const log: string[] = []
    for (let i = 0; i < 5; i++) s.enqueue(BatchType.AI, () => { log.push('a' + i); clock.advance(0.5) }, { name: 'a', weight: 0.25 })
    s.enqueue(BatchType.Transform, () => { log.push('t'); clock.advance(0.5) }, { weight: 0.25 })
    const f = s.runFrame()
    expect(log).toEqual(['t', 'a0', 'a1', 'a2'])
    expect(f.processed).toBe(4)
    expect(f.deferred).toBe(2)
    s.runFrame()
    expect(log).toEqual(['t', 'a0', 'a1', 'a2', 'a3', 'a4'])
  })
})
