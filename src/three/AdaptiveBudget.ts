import { describe } from '../core/validate.js'

/** Options of {@link AdaptiveBudget}; every field is optional. */
export interface AdaptiveBudgetOptions {
  /**
   * Fraction of the frame interval that update + jobs + render CPU may use;
   * the rest is left to the browser, the GPU driver and garbage collection.
   * In (0, 1].
   * @default 0.75
   */
  targetFraction?: number
  /** Floor: the budget never goes below this many ms (> 0). @default 0.5 */
  minMs?: number
  /** Cap: the budget never goes above this many ms (≥ `minMs`). @default 8 */
  maxMs?: number
  /**
   * Dead band, relative: while the budget rests, it moves only when the
   * wanted value differs from it by more than this fraction. In [0, 1).
   * @default 0.1
   */
  deadband?: number
  /** Most the budget may grow in one frame, as a fraction of its value (> 0). @default 0.1 */
  maxGrowth?: number
  /** Most the budget may shrink in one frame, as a fraction of its value, in (0, 1]. @default 0.25 */
  maxShrink?: number
  /**
   * Weight of a new sample in the slow moving averages (the frame interval,
   * and the non-job cost when it falls), in (0, 1]. A rising non-job cost is
   * followed faster, with weight {@link AdaptiveBudget.FAST_SMOOTHING}.
   * @default 0.1
   */
  smoothing?: number
}

/**
 * The rule that adapts a scheduler's per-frame budget to the frame rate and
 * to what the rest of the frame costs. Pure and three-free: give it numbers,
 * it returns the next budget. {@link RenderLoop} feeds it once per frame with
 * `budget: 'auto'`.
 *
 * The rule, each frame:
 * 1. **Frame interval**: a moving average (weight `smoothing`) of the time
 *    between animation-loop callbacks, each sample clamped to [½×, 2×] the
 *    current average so one hitch (a hidden tab, a GC pause) moves it little.
 *    A known display interval (WebXR's `1000 / session.frameRate`) replaces
 *    it outright.
 * 2. **Other cost**: a moving average of the frame's CPU time outside the
 *    batch jobs (update + render + loop overhead). It follows a rise with
 *    weight {@link AdaptiveBudget.FAST_SMOOTHING} (a costlier render shrinks
 *    the budget within a few frames) and a fall with weight `smoothing` (one
 *    cheap frame does not make room at once).
 * 3. **Wanted budget** = `targetFraction × interval − other`, clamped to
 *    [`minMs`, `maxMs`].
 * 4. **Hysteresis**: a resting budget stays put while the wanted value is
 *    within `deadband` (relative) of it. Once it moves, it moves toward the
 *    wanted value by at most `maxGrowth` (up) or `maxShrink` (down) of its
 *    value per frame, and comes to rest when it reaches the wanted value.
 *    Shrinking is allowed faster than growing: an overrun costs a dropped
 *    frame, an under-run only delays deferrable work.
 * 5. **GPU-bound**: while the smoothed GPU time of the render (fast rise,
 *    slow fall, like the other cost) is at least `targetFraction × interval`,
 *    the GPU, not the CPU, sets the frame rate: a longer frame interval then
 *    is the GPU's, not room for CPU work, so the budget does not grow (it may
 *    still shrink). Without GPU times (NaN) this step never applies.
 * 6. The result is always clamped to [`minMs`, `maxMs`].
 *
 * Until both an interval and a cost have been seen, the budget is returned
 * unchanged. The rule cannot tell a 30 Hz display from a 60 Hz one whose
 * frames miss vsync; the other-cost term still keeps the CPU total within
 * the target of whatever interval is measured.
 *
 * @example
 * ```ts
 * const rule = new AdaptiveBudget({ targetFraction: 0.7, maxMs: 6 })
 * // once per frame, after measuring:
 * scheduler.budgetMs = rule.update(scheduler.budgetMs, frameIntervalMs, frameCpuMs - jobsMs)
 * ```
 */
export class AdaptiveBudget {
  /** Weight of a new sample when the non-job cost rises. */
  static readonly FAST_SMOOTHING = 0.5

  /** Fraction of the frame interval update + jobs + render may use. */
  readonly targetFraction: number
  /** Floor of the budget, ms. */
  readonly minMs: number
  /** Cap of the budget, ms. */
  readonly maxMs: number
  /** Relative dead band of a resting budget. */
  readonly deadband: number
  /** Most relative growth per frame. */
  readonly maxGrowth: number
  /** Most relative shrink per frame. */
  readonly maxShrink: number
  /** Weight of a new sample in the slow moving averages. */
  readonly smoothing: number

  private interval = NaN
  private other = NaN
  private gpu = NaN
  private gpuBound = false
  private wanted = NaN
  private moving = false

  /** @param options see {@link AdaptiveBudgetOptions}. */
  constructor({
    targetFraction = 0.75,
    minMs = 0.5,
    maxMs = 8,
    deadband = 0.1,
    maxGrowth = 0.1,
    maxShrink = 0.25,
    smoothing = 0.1,
  }: AdaptiveBudgetOptions = {}) {
    const api = 'AdaptiveBudget'
    this.targetFraction = checkRange(api, 'targetFraction', targetFraction, 0, 1, false, true)
    this.minMs = checkRange(api, 'minMs', minMs, 0, Infinity, false, false)
    this.maxMs = checkRange(api, 'maxMs', maxMs, this.minMs, Infinity, true, false)
    this.deadband = checkRange(api, 'deadband', deadband, 0, 1, true, false)
    this.maxGrowth = checkRange(api, 'maxGrowth', maxGrowth, 0, Infinity, false, false)
    this.maxShrink = checkRange(api, 'maxShrink', maxShrink, 0, 1, false, true)
    this.smoothing = checkRange(api, 'smoothing', smoothing, 0, 1, false, true)
  }

  /** Smoothed frame interval in ms, or `NaN` before the first sample. */
  get intervalMs(): number {
    return this.interval
  }

  /** Smoothed CPU ms per frame outside the batch jobs, or `NaN` before the first sample. */
  get otherMs(): number {
    return this.other
  }

  /** Smoothed GPU ms per render, or `NaN` before the first GPU sample (or when none are given). */
  get gpuMs(): number {
    return this.gpu
  }

  /**
   * True while the last update found the GPU to be the bottleneck (step 5 of
   * the rule): the budget is then not grown.
   */
  get isGpuBound(): boolean {
    return this.gpuBound
  }

  /** The last wanted budget (step 3 of the rule), or `NaN` before one was computed. */
  get wantedMs(): number {
    return this.wanted
  }

  /** True while the budget is on its way to the wanted value (outside the dead band's rest). */
  get isMoving(): boolean {
    return this.moving
  }

  /**
   * Feeds one frame's measurements and returns the budget for the next frame.
   * Non-finite or out-of-range samples are ignored (not an error: this runs
   * every frame). Allocates nothing.
   *
   * @param currentMs the budget in force now.
   * @param intervalMs time since the previous frame, ms (≤ 0 or NaN: no sample, e.g. the first frame).
   * @param otherMs this frame's CPU ms outside the batch jobs (< 0 or NaN: no sample).
   * @param fixedIntervalMs a known display interval (WebXR), used instead of the measured one when > 0.
   * @param gpuMs GPU ms of a recent render (`RenderLoop.timings.gpuMs`); NaN or < 0: no sample.
   * @returns the next budget, in [`minMs`, `maxMs`] once both averages exist, else `currentMs`.
   */
  update(currentMs: number, intervalMs: number, otherMs: number, fixedIntervalMs = 0, gpuMs = NaN): number {
    if (fixedIntervalMs > 0 && fixedIntervalMs < Infinity) {
      this.interval = fixedIntervalMs
    } else if (intervalMs > 0 && intervalMs < Infinity) {
      const avg = this.interval
      if (avg !== avg) {
        this.interval = intervalMs
      } else {
        const sample = intervalMs > 2 * avg ? 2 * avg : intervalMs < 0.5 * avg ? 0.5 * avg : intervalMs
        this.interval = avg + this.smoothing * (sample - avg)
      }
    }
    if (otherMs >= 0 && otherMs < Infinity) {
      const avg = this.other
      if (avg !== avg) this.other = otherMs
      else this.other = avg + (otherMs > avg ? AdaptiveBudget.FAST_SMOOTHING : this.smoothing) * (otherMs - avg)
    }
    if (gpuMs >= 0 && gpuMs < Infinity) {
      const avg = this.gpu
      if (avg !== avg) this.gpu = gpuMs
      else this.gpu = avg + (gpuMs > avg ? AdaptiveBudget.FAST_SMOOTHING : this.smoothing) * (gpuMs - avg)
    }
    if (this.interval !== this.interval || this.other !== this.other) return currentMs
    // NaN >= x is false: without GPU samples the GPU is never the bottleneck.
    this.gpuBound = this.gpu >= this.targetFraction * this.interval

    const min = this.minMs
    const max = this.maxMs
    let wanted = this.targetFraction * this.interval - this.other
    wanted = wanted < min ? min : wanted > max ? max : wanted
    this.wanted = wanted

    const current = currentMs > 0 && currentMs < Infinity ? currentMs : min
    const error = wanted - current
    if (error > 0 && this.gpuBound) {
      // GPU-bound: hold (only clamping may move it).
      this.moving = false
      return current < min ? min : current > max ? max : current
    }
    if (!this.moving && current >= min && current <= max && Math.abs(error) <= this.deadband * current) return current
    const up = this.maxGrowth * current
    const down = this.maxShrink * current
    const step = error > up ? up : error < -down ? -down : error
    this.moving = step !== error
    const next = current + step
    return next < min ? min : next > max ? max : next
  }

  /** Forgets the averages and the motion (e.g. after the loop was stopped for a while). */
  reset(): void {
    this.interval = NaN
    this.other = NaN
    this.wanted = NaN
    this.gpu = NaN
    this.gpuBound = false
    this.moving = false
  }
}

/** A number in the range (lo, hi), each end included when asked. */
function checkRange(api: string, arg: string, value: unknown, lo: number, hi: number, loIn: boolean, hiIn: boolean): number {
  if (typeof value !== 'number') throw new TypeError(`${api}: ${arg} must be a number, got ${describe(value)}`)
  const ok = Number.isFinite(value) && (loIn ? value >= lo : value > lo) && (hiIn ? value <= hi : value < hi)
  if (!ok) {
    const range = `${loIn ? '[' : '('}${lo}, ${hi === Infinity ? '∞' : hi}${hiIn ? ']' : ')'}`
    throw new RangeError(`${api}: ${arg} must be a finite number in ${range}, got ${describe(value)}`)
  }
  return value
}
