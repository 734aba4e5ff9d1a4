import { describe, expect, it } from 'vitest'
import { ManualClock, performanceClock } from '../../src/index.js'

describe('ManualClock', () => {
  it('starts at the given time and moves only when advanced', () => {
    const clock = new ManualClock(5)
    expect(clock.now()).toBe(5)
    expect(clock.now()).toBe(5)
    clock.advance(1.25)
    expect(clock.now()).toBe(6.25)
    clock.advance(0)
    expect(clock.now()).toBe(6.25)
  })

  it('starts at 0 by default', () => {
    expect(new ManualClock().now()).toBe(0)
  })

  it('rejects negative, non-finite and non-number steps', () => {
    const clock = new ManualClock()
    expect(() => clock.advance(-1)).toThrow(/ManualClock.advance: ms must be a finite number >= 0, got -1/)
    expect(() => clock.advance(NaN)).toThrow(RangeError)
    expect(() => clock.advance(Infinity)).toThrow(RangeError)
    expect(() => clock.advance('1' as unknown as number)).toThrow(RangeError)
    expect(clock.now()).toBe(0)
    expect(() => new ManualClock(NaN)).toThrow(/ManualClock: startMs/)
  })

  it('performanceClock reads performance.now()', () => {
    const a = performanceClock.now()
    const b = performanceClock.now()
    expect(b).toBeGreaterThanOrEqual(a)
    expect(Math.abs(a - performance.now())).toBeLessThan(1000)
  })
})
