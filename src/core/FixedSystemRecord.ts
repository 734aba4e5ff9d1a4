import { SystemRecord, type SystemHost } from './SystemRecord.js'
import type { BatchType } from './BatchType.js'
import type { FixedSystemHandle } from './types.js'

/**
 * Steps owed are `floor(accumulated / stepMs)`; this much of a step is
 * forgiven so that, say, three 16.67 ms frames make three 1000/60 ms steps
 * despite rounding in the sums.
 */
const STEP_EPSILON = 1e-9

/**
 * The object behind a {@link FixedSystemHandle}: a system whose runs follow
 * time, not frames. Each frame's elapsed time feeds its accumulator; the
 * steps owed (at most `maxSteps`) all run in that frame.
 * @internal
 */
export class FixedSystemRecord extends SystemRecord implements FixedSystemHandle {
  override readonly stepped = true
  /** Ms accumulated and not stepped yet. */
  accumulated = 0
  /** Steps to run in the current frame. */
  due = 0
  /** Steps run in the last frame. */
  stepsLast = 0
  /** Steps dropped in all. */
  dropped = 0

  constructor(
    host: SystemHost,
    slot: number,
    name: string,
    type: BatchType,
    enabled: boolean,
    readonly stepMs: number,
    readonly maxSteps: number,
  ) {
    super(host, slot, name, type, 1, enabled)
  }

  get alpha(): number {
    const a = this.accumulated / this.stepMs
    return a < 0 ? 0 : a >= 1 ? 1 - Number.EPSILON : a
  }

  get droppedSteps(): number {
    return this.dropped
  }

  get lastSteps(): number {
    return this.stepsLast
  }

  /**
   * Adds the frame's elapsed time (`frame.deltaMs`: read from an object, not
   * passed as a double, which V8 would box) and sets {@link FixedSystemRecord.due}:
   * the whole steps owed, capped at `maxSteps`; the time of the steps past
   * the cap is dropped, the fraction of a step left is kept.
   * @returns the steps dropped now.
   */
  advance(frame: { readonly deltaMs: number }): number {
    const step = this.stepMs
    const total = this.accumulated + frame.deltaMs
    let owed = Math.floor(total / step + STEP_EPSILON)
    if (owed < 0) owed = 0
    const left = total - owed * step
    this.accumulated = left > 0 ? left : 0
    let dropped = 0
    if (owed > this.maxSteps) {
      dropped = owed - this.maxSteps
      this.dropped += dropped
      owed = this.maxSteps
    }
    this.due = owed
    this.stepsLast = 0
    return dropped
  }
}
