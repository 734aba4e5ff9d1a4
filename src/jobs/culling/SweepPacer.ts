import type { Deadline } from '../../core/types.js'
import type { CameraMotion } from './CameraMotion.js'
import type { CameraView } from './CameraView.js'
import type { FrustumCullingStats } from './FrustumCullingStats.js'

/** Weights of a new measure in the visit-rate average: a falling rate is followed faster (a band too narrow trips). */
const RATE_DOWN = 0.3
const RATE_UP = 0.1
/**
 * Visits between two deadline checks: the first batch, and the bounds of the
 * next ones, each sized to half the time left at the cost per visit just seen.
 * Reading the clock is not free (`performance.now()` even allocates in Node),
 * so a slice reads it about log₂(budget / visit) times, not once per visit.
 * At most 512: a batch sized on cheap trusted visits that then meets full
 * reads (~0.5 µs each in a 100k scene) overruns the deadline by at most
 * about 0.25 ms.
 */
export const FIRST_BATCH = 32
export const MIN_BATCH = 16
export const MAX_BATCH = 512
/**
 * The camera counts as still when its motion estimate over a sweep at the
 * still pace would move it by at most this fraction of the view's reach, and
 * turn it by at most `STILL_ANGLE` radians (1e-4 × a 1 km view: 10 cm).
 */
const STILL_BAND = 1e-4
const STILL_ANGLE = 1e-4

/**
 * Where the sweep of {@link FrustumCullingJob} stands and how fast it goes:
 * the cursor, the sweep number, the pace (frames a sweep is spread over:
 * `minSweepFrames` while the camera moves, `stillSweepFrames` while it is
 * still), the measured visit rate, and from them the horizon, the frames a
 * decision made in this slice must last. See docs/culling.md, *Pacing*.
 *
 * @internal
 */
export class SweepPacer {
  /** The next slot to visit. */
  cursor = 0
  /**
   * The deadline's time left at the last check, ms. In a typed array so the
   * double is never boxed: a double held in a local across calls V8 did not
   * inline was boxed on every batch (~600 B a frame with three jobs at 10k).
   */
  private readonly left = new Float64Array(1)
  /** Sweeps started (a guard trip starts one too). */
  sweep = 0
  /** Frames a decision must survive (sweep frames + lag, with margin), from the last slice. */
  horizon = 0
  /** Frame of the current sweep's first slice, or -1 before it. */
  private sweepStart = -1
  /** Frames the current sweep is spread over (its cap is `ceil(count / pace)` visits a slice). */
  private pace = 1
  /** Pace planned for the next sweep, which the current sweep's decisions must outlast; 0: plan afresh. */
  private nextPace = 0
  /**
   * Objects a slice can visit per frame: a moving average of what slices that
   * ran out of time visited (falling faster than rising), raised by those
   * that did not; 0 before any slice.
   */
  private rate = 0
  private lastSliceFrame = -1
  /** Frames since the previous slice (at least 1), for the rate. */
  private gap = 1

  constructor(
    private readonly stats: FrustumCullingStats,
    private readonly minSweepFrames: number,
    private readonly stillSweepFrames: number,
    private readonly margin: number,
  ) {}

  /** Starts sizing a slice's batches of visits: reads the time left. @returns the first batch size. */
  firstBatch(deadline: Deadline): number {
    this.left[0] = deadline.timeRemaining()
    return FIRST_BATCH
  }

  /**
   * After a batch of `batch` visits: the next batch, sized to half the time
   * left at the cost per visit just seen, or 0 when the deadline has passed.
   */
  nextBatch(deadline: Deadline, batch: number): number {
    const left = deadline.timeRemaining()
    if (left <= 0) return 0
    const spent = this.left[0]! - left
    this.left[0] = left
    const next = spent > 0 ? Math.floor((left * 0.5 * batch) / spent) : batch * 2
    return next < MIN_BATCH ? MIN_BATCH : next > MAX_BATCH ? MAX_BATCH : next
  }

  /**
   * Starts a slice at `frame` over `count` slots: plans the pace when a sweep
   * starts, and sets {@link SweepPacer.horizon}.
   * @returns the slot the slice stops at, at the latest (its share of the sweep).
   */
  startSlice(frame: number, count: number, motion: CameraMotion, view: CameraView): number {
    if (this.sweepStart < 0) {
      // A new sweep: its pace was planned when the last one started (the last one's
      // decisions were made to last until this one revisits them); plan the next.
      this.sweepStart = frame
      const plan = this.isStill(motion, view) ? this.stillSweepFrames : this.minSweepFrames
      this.pace = this.nextPace > 0 ? this.nextPace : plan
      this.nextPace = plan
    }
    this.gap = this.lastSliceFrame < 0 ? 1 : Math.max(frame - this.lastSliceFrame, 1)
    this.lastSliceFrame = frame

    // A guard backs its decisions until the next sweep revisits their slots (about
    // one sweep), and the camera moves once more between this slice and the render.
    const projected = this.rate > 0 ? Math.ceil(count / this.rate) : 1
    const sweepFrames = Math.max(this.stats.sweepFrames, projected, this.pace, this.nextPace, frame - this.sweepStart + 1)
    this.horizon = (sweepFrames + 2) * (1 + this.margin)
    // At most a 1/pace share of the objects per slice (see minSweepFrames).
    return Math.min(count, this.cursor + Math.ceil(count / this.pace))
  }

  /** The slice that started at the cursor stopped at slot `i`, before its cap `limit` when the deadline came first. */
  endSlice(i: number, limit: number): void {
    const r = (i - this.cursor) / this.gap
    this.cursor = i
    if (i < limit) {
      // Stopped by the deadline: a measure of the rate, noisy. Not taken outright when lower:
      // one slice admitted with a sliver of budget left would make the band of the next
      // sweeps as wide as if every slice were that small (hiding next to nothing).
      this.rate = this.rate === 0 ? r : this.rate + (r - this.rate) * (r < this.rate ? RATE_DOWN : RATE_UP)
    } else if (r > this.rate) {
      // Stopped by the cap or the sweep's end: the rate is at least this. (Without this, one
      // slow first slice, JIT still cold, would keep the band wide for as long as sweeps fit.)
      this.rate = r
    }
  }

  /** The sweep reached the last slot at `frame`: counts it and starts the next at slot 0. */
  endSweep(frame: number): void {
    const stats = this.stats
    stats.sweepFrames = frame - this.sweepStart + 1
    stats.sweeps++
    this.sweep++
    this.cursor = 0
    this.sweepStart = -1
  }

  /** Starts a new sweep at slot 0 now, with nothing hidden: no decision to outlast, so the next pace is planned afresh. */
  restart(): void {
    this.cursor = 0
    this.sweep++
    this.sweepStart = -1
    this.nextPace = 0
  }

  /**
   * True when the camera's motion estimate, over a sweep at the still pace,
   * would widen the guard by a negligible amount: spreading the sweep then
   * costs no hiding.
   */
  private isStill(motion: CameraMotion, view: CameraView): boolean {
    const frames = (this.stillSweepFrames + 2) * (1 + this.margin)
    return motion.speed * frames <= STILL_BAND * view.reach && motion.angularSpeed * frames <= STILL_ANGLE
  }
}
