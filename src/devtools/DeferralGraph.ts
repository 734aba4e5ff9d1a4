import type { FrameHistory, FrameStats } from '../core/BatchStats.js'
import { GRAPH_COLORS } from './colors.js'
import { ScrollingGraph, type GraphSeries, type ScrollingGraphOptions } from './ScrollingGraph.js'

const LEGEND: readonly GraphSeries[] = [
  { label: 'deferred', color: GRAPH_COLORS.deferred },
  { label: 'forced (mark)', color: GRAPH_COLORS.overrun },
]

/**
 * Jobs deferred per frame (bars), with a mark at the top of each frame that
 * forced a run: a job run because it reached its latency bound (whether or
 * not it fitted), or a run started past the budget. {@link ScrollingGraph.values} is
 * `[deferred, forced]` of the last frame.
 *
 * @example
 * ```ts
 * const graph = new DeferralGraph()
 * graph.sample(scheduler.stats.last, scheduler.stats.history)
 * graph.values[0] // jobs deferred in the last frame
 * ```
 */
export class DeferralGraph extends ScrollingGraph {
  /** @param options sizes; see {@link ScrollingGraphOptions}. */
  constructor(options?: ScrollingGraphOptions) {
    super('Deferred / frame', LEGEND, 2, 5, options)
  }

  protected override readFrame(frame: FrameStats, out: Float64Array): void {
    out[0] = frame.deferred
    out[1] = frame.forced
  }

  protected override readHistory(history: FrameHistory, index: number, out: Float64Array): void {
    out[0] = history.deferred[index] as number
    out[1] = history.forced[index] as number
  }

  protected override peak(values: Float64Array): number {
    return values[0] as number
  }

  protected override paintColumn(ctx: CanvasRenderingContext2D, x: number, values: Float64Array): void {
    const pr = this.pixelRatio
    const deferred = values[0] as number
    if (deferred > 0) {
      const top = Math.min(this.y(deferred), this.plotBottom - pr)
      ctx.fillStyle = GRAPH_COLORS.deferred
      ctx.fillRect(x, top, pr, this.plotBottom - top)
    }
    if ((values[1] as number) > 0) {
      ctx.fillStyle = GRAPH_COLORS.overrun
      ctx.fillRect(x, 0, pr, this.plotTop - 2 * pr)
    }
  }
}
