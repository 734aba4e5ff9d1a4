import type { Clock } from '../src/index.js'

/**
 * A clock that moves by `stepMs` on every read: time passes with activity
 * (each job the scheduler times, each `shouldYield()` a sliced job asks),
 * so budgets, deferral and slicing all happen, yet reading it allocates
 * nothing. The allocation benchmark uses it to isolate the scheduler's own
 * allocations from those of the platform clock (in Node 20 every
 * `performance.now()` call allocates its result).
 */
export class StepClock implements Clock {
  private time = 0
  /** Reads so far. */
  reads = 0

  constructor(private readonly stepMs = 0.001) {}

  now(): number {
    this.reads++
    this.time += this.stepMs
    return this.time
  }
}

/** `performance.now()`, counting reads. */
export class CountingClock implements Clock {
  reads = 0

  now(): number {
    this.reads++
    return performance.now()
  }
}
