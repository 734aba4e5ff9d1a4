import type { BatchStats, TypeStats } from './BatchStats.js'
import type { CostModel } from './CostModel.js'

/**
 * A job whose learned cost is below this (ms) is "cheap": runs of cheap jobs
 * share one clock read per {@link CHEAP_GROUP} jobs instead of one each, the
 * group's measured time split among them in proportion to their predictions.
 * Reading the clock costs ~40–60 ns in Node and ~280 ns in a browser, more
 * than such a job; the extra overrun this allows is at most
 * `CHEAP_GROUP × CHEAP_MS` (16 µs).
 */
export const CHEAP_MS = 0.002

/** Most cheap jobs run between two clock reads. */
export const CHEAP_GROUP = 8

/**
 * The cheap jobs run since the last clock read: their cost entries, types and
 * predictions, until {@link CheapGroup.split} shares the measured time among
 * them. Typed arrays of {@link CHEAP_GROUP} entries: nothing is allocated.
 * @internal
 */
export class CheapGroup {
  /** Jobs in the group. */
  count = 0
  /** Predicted ms of the jobs in the group (time not read from the clock yet). */
  pendingMs = 0
  /**
   * Ms measured for the whole group, set before {@link CheapGroup.split}: a
   * field, not an argument, because a double passed to a call V8 does not
   * inline is boxed.
   */
  measured = 0
  private readonly cost = new Int32Array(CHEAP_GROUP)
  private readonly type = new Uint8Array(CHEAP_GROUP)
  private readonly predicted = new Float64Array(CHEAP_GROUP)

  /** Adds a run; true when the group is full and must be split now. */
  add(costIndex: number, type: number, predicted: number): boolean {
    const g = this.count++
    this.cost[g] = costIndex
    this.type[g] = type
    this.predicted[g] = predicted
    this.pendingMs += predicted
    return this.count === CHEAP_GROUP
  }

  /**
   * Splits {@link CheapGroup.measured} among the group's runs in proportion to
   * their predictions, adds each share to the stats (and, when `learn`, to the
   * learned costs), and empties the group.
   */
  split(costs: CostModel, stats: BatchStats, learn: boolean): void {
    const n = this.count
    const measured = this.measured
    const predicted = this.pendingMs
    const last = stats.last
    for (let g = 0; g < n; g++) {
      const share = predicted > 0 ? ((this.predicted[g] as number) / predicted) * measured : measured / n
      const costIndex = this.cost[g] as number
      const type = this.type[g] as number
      if (costIndex >= 0 && learn) {
        costs.sample = share
        costs.commit(costIndex)
      }
      last.msByType[type] = (last.msByType[type] as number) + share
      ;(stats.perType[type] as TypeStats).totalMs += share
    }
    this.pendingMs = 0
    this.count = 0
  }
}
