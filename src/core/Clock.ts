/**
 * A source of time in milliseconds. The scheduler reads all time through one,
 * so tests and replays can drive it by hand with {@link ManualClock}.
 */
export interface Clock {
  /** Current time in milliseconds (any origin, monotonic). */
  now(): number
}

/** The default clock: `performance.now()`. */
export const performanceClock: Clock = {
  now: () => performance.now(),
}

/**
 * A clock that moves only when told to. Use it in tests: a job "costs" time by
 * calling `clock.advance(ms)`, so no result depends on the machine's speed.
 *
 * @example
 * ```ts
 * const clock = new ManualClock()
 * const scheduler = new BatchScheduler({ clock })
 * scheduler.enqueue(BatchType.AI, () => clock.advance(1.5))
 * scheduler.runFrame().usedMs // 1.5
 * ```
 */
export class ManualClock implements Clock {
  private time: number

  /** @param startMs time at which the clock starts. @default 0 */
  constructor(startMs = 0) {
    if (typeof startMs !== 'number' || !Number.isFinite(startMs)) {
      throw new TypeError(`ManualClock: startMs must be a finite number, got ${String(startMs)}`)
    }
    this.time = startMs
  }

  /** Current time in milliseconds. */
  now(): number {
    return this.time
  }

  /** Moves time forward by `ms` (finite, ≥ 0). */
  advance(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance: ms must be a finite number >= 0, got ${String(ms)}`)
    }
    this.time += ms
  }
}
