import { describe, expect, it } from 'vitest'
import { CostModel } from '../../src/core/CostModel.js'

describe('CostModel', () => {
  it('starts at the first measurement, rises fast and falls slowly', () => {
    const m = new CostModel()
    const e = m.entryFor('job')
    expect(m.predict(e)).toBeNaN()
    m.record(e, 1)
    expect(m.predict(e)).toBe(1)
    m.record(e, 2)
    expect(m.predict(e)).toBe(1.5) // up: half way
    m.record(e, 0.5)
    expect(m.predict(e)).toBeCloseTo(1.4) // down: a tenth of the way
  })

  it('caps one spike once it has a few measurements, so one stretched run does not block the job', () => {
    const m = new CostModel()
    const e = m.entryFor('steady')
    for (let i = 0; i < 3; i++) m.record(e, 0.1)
    m.record(e, 50) // a GC pause or the OS took the CPU mid-run
    // capped at 4 × 0.1: the estimate moves half way to 0.4, not to 25
    expect(m.predict(e)).toBeCloseTo(0.25)
  })

  it('still learns a lasting increase within a few runs', () => {
    const m = new CostModel()
    const e = m.entryFor('grew')
    for (let i = 0; i < 3; i++) m.record(e, 0.1)
    let runs = 0
    while (m.predict(e) < 9 && runs < 20) {
      m.record(e, 10)
      runs++
    }
    expect(runs).toBeLessThanOrEqual(8)
  })

  it('shares an entry per name and gives systems private entries', () => {
    const m = new CostModel()
    expect(m.entryFor('a')).toBe(m.entryFor('a'))
    expect(m.entryFor('a')).not.toBe(m.entryFor('b'))
    const s1 = m.create()
    const s2 = m.create()
    expect(s1).not.toBe(s2)
    expect(m.find('a')).toBe(m.entryFor('a'))
    expect(m.find('zzz')).toBe(-1)
  })
})
