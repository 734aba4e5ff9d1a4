import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AdaptiveBudget, type AdaptiveBudgetOptions } from '../../src/three/AdaptiveBudget.js'

const HZ60 = 1000 / 60

/** Feeds `frames` frames and returns every budget returned. */
function drive(rule: AdaptiveBudget, start: number, frames: number, interval: (i: number) => number, other: (i: number) => number): number[] {
  const out: number[] = []
  let budget = start
  for (let i = 0; i < frames; i++) {
    budget = rule.update(budget, interval(i), other(i))
    out.push(budget)
  }
  return out
}

function changes(values: readonly number[]): number {
  let n = 0
  for (let i = 1; i < values.length; i++) if (values[i] !== values[i - 1]) n++
  return n
}

describe('AdaptiveBudget', () => {
  it('has the documented defaults', () => {
    const rule = new AdaptiveBudget()
    expect([rule.targetFraction, rule.minMs, rule.maxMs, rule.deadband, rule.maxGrowth, rule.maxShrink, rule.smoothing]).toEqual([
      0.75, 0.5, 8, 0.1, 0.1, 0.25, 0.1,
    ])
  })

  it('returns the budget unchanged until it has both an interval and a cost', () => {
    const rule = new AdaptiveBudget()
    expect(rule.update(2.5, 0, 9)).toBe(2.5) // first frame: no interval
    expect(rule.update(2.5, NaN, NaN)).toBe(2.5)
    expect(rule.intervalMs).toBeNaN()
    expect(rule.otherMs).toBe(9)
    expect(rule.update(2.5, HZ60, 9)).not.toBe(2.5)
  })

  it('converges exactly to target × interval − other at a steady 60 Hz (render 8 ms + update 1 ms)', () => {
    const budgets = drive(new AdaptiveBudget(), 2.5, 60, () => HZ60, () => 9)
    expect(budgets.at(-1)).toBeCloseTo(0.75 * HZ60 - 9, 9)
  })

  it('moves at most maxGrowth up and maxShrink down per frame', () => {
    const rule = new AdaptiveBudget()
    const up = drive(rule, 0.5, 40, () => HZ60, () => 0)
    let prev = 0.5
    for (const b of up) {
      expect(b / prev).toBeLessThanOrEqual(1.1 + 1e-12)
      prev = b
    }
    expect(up.at(-1)).toBe(8)
    const down = drive(rule, 8, 40, () => HZ60, () => 40)
    prev = 8
    for (const b of down) {
      expect(b / prev).toBeGreaterThanOrEqual(0.75 - 1e-12)
      prev = b
    }
    expect(down[0]).toBe(6) // the first shrinking step is the full 25 %
  })

  it('shrinks within a few frames when the non-job cost spikes, and grows back slowly', () => {
    const rule = new AdaptiveBudget()
    let budget = drive(rule, 2.5, 60, () => HZ60, () => 9).at(-1) as number
    const steady = budget
    budget = rule.update(budget, HZ60, 11) // a 2 ms costlier render
    expect(budget).toBeLessThan(steady)
    expect(rule.otherMs).toBe(10) // a rise is followed with weight 0.5
    const after = drive(rule, budget, 5, () => HZ60, () => 11)
    expect(after.at(-1)).toBeLessThan(0.6 * steady)
    // back to 9 ms: the average falls with weight 0.1, the budget grows ≤ 10 % a frame
    const back = drive(rule, after.at(-1) as number, 200, () => HZ60, () => 9)
    expect(back[0]).toBeLessThanOrEqual((after.at(-1) as number) * 1.1)
    expect(back.at(-1)).toBeGreaterThan(0.9 * steady)
    expect(back.at(-1)).toBeLessThanOrEqual(steady + 1e-9)
  })

  it('never leaves [minMs, maxMs] once it has both averages, whatever it is fed', () => {
    const sample = fc.oneof(fc.double({ min: -100, max: 1000, noNaN: false }), fc.constant(Infinity), fc.constant(0))
    fc.assert(
      fc.property(
        fc.array(fc.tuple(sample, sample, fc.double({ min: 0.01, max: 50, noNaN: true })), { minLength: 1, maxLength: 200 }),
        (frames) => {
          const rule = new AdaptiveBudget()
          let budget = 2.5
          for (const [interval, other, userSet] of frames) {
            // the user may set anything on the scheduler between frames
            const current = userSet > 40 ? userSet : budget
            budget = rule.update(current, interval, other)
            if (rule.intervalMs === rule.intervalMs && rule.otherMs === rule.otherMs) {
              expect(budget).toBeGreaterThanOrEqual(0.5)
              expect(budget).toBeLessThanOrEqual(8)
            } else {
              expect(budget).toBe(current)
            }
          }
        },
      ),
    )
  })

  it('stays at rest while the wanted budget moves within the dead band', () => {
    const rule = new AdaptiveBudget()
    let budget = drive(rule, 2.5, 60, () => HZ60, () => 9).at(-1) as number
    const rest = budget
    // other cost 9.3 ms: wanted 3.2 ms, 8.6 % under the resting 3.5 ms
    for (let i = 0; i < 100; i++) budget = rule.update(budget, HZ60, 9.3)
    expect(budget).toBe(rest)
    // other cost 9.5 ms: wanted 3.0 ms, 14 % under: it moves, and rests within the dead band of 3.0
    for (let i = 0; i < 100; i++) budget = rule.update(budget, HZ60, 9.5)
    expect(budget).toBeLessThan(rest)
    expect(budget).toBeGreaterThanOrEqual(3 - 1e-9)
    expect(budget).toBeLessThanOrEqual(3 * 1.1)
  })

  it('does not oscillate under alternating noise (and does without its hysteresis)', () => {
    const noisyInterval = (i: number) => HZ60 + (i % 2 === 0 ? 1.5 : -1.5)
    const noisyOther = (i: number) => 9 + (i % 2 === 0 ? -0.6 : 0.6)
    const steady = drive(new AdaptiveBudget(), 2.5, 2000, noisyInterval, noisyOther)
    expect(changes(steady.slice(100))).toBe(0)
    expect(steady.at(-1)).toBeGreaterThan(0.8 * (0.75 * HZ60 - 9))
    // The same noise with no dead band, no smoothing and no rate limit: the budget flips every frame.
    const bare: AdaptiveBudgetOptions = { deadband: 0, smoothing: 1, maxGrowth: 100, maxShrink: 1 }
    const jumpy = drive(new AdaptiveBudget(bare), 2.5, 2000, noisyInterval, noisyOther)
    expect(changes(jumpy.slice(100))).toBeGreaterThan(1000)
  })

  it('clamps an outlier interval (a hidden tab) to twice the average', () => {
    const rule = new AdaptiveBudget()
    drive(rule, 2.5, 60, () => HZ60, () => 9)
    rule.update(3.5, 5000, 9)
    expect(rule.intervalMs).toBeCloseTo(HZ60 * 1.1, 9)
    rule.update(3.5, 0.001, 9)
    expect(rule.intervalMs).toBeCloseTo(HZ60 * 1.1 - 0.1 * (HZ60 * 1.1 - HZ60 * 0.55), 9)
  })

  it('uses a fixed interval (WebXR frame rate) instead of the measured one', () => {
    const rule = new AdaptiveBudget()
    const budgets: number[] = []
    let budget = 2.5
    for (let i = 0; i < 60; i++) {
      budget = rule.update(budget, HZ60, 4, 1000 / 90)
      budgets.push(budget)
    }
    expect(rule.intervalMs).toBeCloseTo(1000 / 90, 12)
    expect(budget).toBeCloseTo(0.75 * (1000 / 90) - 4, 9)
  })

  it('follows a display that changes rate (60 → 30 Hz)', () => {
    const rule = new AdaptiveBudget()
    drive(rule, 2.5, 60, () => HZ60, () => 9)
    const budgets = drive(rule, 3.5, 120, () => 2 * HZ60, () => 9)
    expect(budgets.at(-1)).toBe(8) // 0.75 × 33.3 − 9 = 16 → the cap
  })

  it('does not grow while the smoothed GPU time is at least targetFraction × interval (GPU-bound), and may still shrink', () => {
    const rule = new AdaptiveBudget()
    // 30 Hz, CPU other 9 ms, GPU 30 ms: CPU alone would grow the budget to the cap.
    let budget = 2.5
    for (let i = 0; i < 100; i++) budget = rule.update(budget, 2 * HZ60, 9, 0, 30)
    expect(rule.isGpuBound).toBe(true)
    expect(rule.gpuMs).toBeCloseTo(30, 9)
    expect(budget).toBe(2.5)
    // The render gets costlier: the budget shrinks though GPU-bound.
    for (let i = 0; i < 100; i++) budget = rule.update(budget, 2 * HZ60, 24, 0, 30)
    expect(budget).toBeLessThanOrEqual(1.1) // wanted 0.75 × 33.3 − 24 = 1, at rest within the dead band
    // GPU time at 20 ms < 0.75 × 33.3 = 25: no longer the bottleneck; the budget grows.
    for (let i = 0; i < 200; i++) budget = rule.update(budget, 2 * HZ60, 9, 0, 20)
    expect(rule.isGpuBound).toBe(false)
    expect(budget).toBe(8)
  })

  it('follows a GPU rise fast and a fall slowly; NaN or negative GPU samples are ignored', () => {
    const rule = new AdaptiveBudget()
    rule.update(2.5, HZ60, 9, 0, 4)
    expect(rule.gpuMs).toBe(4)
    rule.update(2.5, HZ60, 9, 0, 8)
    expect(rule.gpuMs).toBe(6) // weight 0.5 up
    rule.update(2.5, HZ60, 9, 0, 1)
    expect(rule.gpuMs).toBeCloseTo(5.5, 12) // weight 0.1 down
    rule.update(2.5, HZ60, 9, 0, NaN)
    rule.update(2.5, HZ60, 9, 0, -1)
    expect(rule.gpuMs).toBeCloseTo(5.5, 12)
    rule.reset()
    expect(rule.gpuMs).toBeNaN()
    expect(rule.isGpuBound).toBe(false)
  })

  it('reset() forgets the averages', () => {
    const rule = new AdaptiveBudget()
    drive(rule, 2.5, 10, () => HZ60, () => 9)
    rule.reset()
    expect(rule.intervalMs).toBeNaN()
    expect(rule.otherMs).toBeNaN()
    expect(rule.wantedMs).toBeNaN()
    expect(rule.update(1.25, 0, 9)).toBe(1.25)
  })

  it('rejects bad options with a named error', () => {
    expect(() => new AdaptiveBudget({ targetFraction: 0 })).toThrow(/^AdaptiveBudget: targetFraction must be a finite number in \(0, 1\]/)
    expect(() => new AdaptiveBudget({ targetFraction: 1.5 })).toThrow(RangeError)
    expect(() => new AdaptiveBudget({ minMs: 0 })).toThrow(/^AdaptiveBudget: minMs/)
    expect(() => new AdaptiveBudget({ minMs: 2, maxMs: 1 })).toThrow(/^AdaptiveBudget: maxMs must be a finite number in \[2, ∞\)/)
    expect(() => new AdaptiveBudget({ deadband: 1 })).toThrow(/^AdaptiveBudget: deadband/)
    expect(() => new AdaptiveBudget({ maxGrowth: 0 })).toThrow(/^AdaptiveBudget: maxGrowth/)
    expect(() => new AdaptiveBudget({ maxShrink: 1.1 })).toThrow(/^AdaptiveBudget: maxShrink/)
    expect(() => new AdaptiveBudget({ smoothing: NaN })).toThrow(/^AdaptiveBudget: smoothing/)
    expect(() => new AdaptiveBudget({ maxMs: '8' as unknown as number })).toThrow(TypeError)
    expect(new AdaptiveBudget({ minMs: 1, maxMs: 1 }).update(3, HZ60, 0)).toBe(1)
  })
})
