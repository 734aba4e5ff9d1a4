import type { FrameHistory, FrameStats } from '../core/BatchStats.js'
import { GRAPH_COLORS } from './colors.js'
import { ScrollingGraph, type GraphSeries, type ScrollingGraphOptions } from './ScrollingGraph.js'

const LEGEND: readonly GraphSeries[] = [
  { label: 'used', color: GRAPH_COLORS.used },
  { label: 'over budget', color: GRAPH_COLORS.overrun },
  { label: '100 % = budget', color: GRAPH_COLORS.budgetLine },
]

/**
 * Budget utilization per frame (used ms / budget ms) against the 100 % line;
 * the part of a bar past 100 % and a mark at the top show overruns. The scale
 * is 150 % or 200 %; bars beyond 200 % are clipped at the top.
 * {@link ScrollingGraph.values} is `[utilization, overrunMs, usedMs, budgetMs]`
 * of the last frame (utilization 1 = exactly the budget).
 *
 * @example
 * ```ts
 * const graph = new UtilizationGraph()
 * graph.sample(scheduler.stats.last, scheduler.stats.history)
 * graph.values[0] // 0.5 when the last frame used half its budget
 * ```
 */
export class UtilizationGraph extends ScrollingGraph {
  /** @param options sizes; see {@link ScrollingGraphOptions}. */
  constructor(options?: ScrollingGraphOptions) {
    // 150 % or 200 %: a bar within the budget stays tall enough to read; a
    // larger overrun is clipped, marked, and its ms are in the header and text.
    super('Budget use', LEGEND, 4, 1.5, options, 2)
  }

  protected override readFrame(frame: FrameStats, out: Float64Array): void {
    out[0] = frame.utilization
    out[1] = frame.overrunMs
    out[2] = frame.usedMs
    out[3] = frame.budgetMs
  }

  protected override readHistory(history: FrameHistory, index: number, out: Float64Array): void {
    out[0] = history.utilization[index] as number
    out[1] = history.overrunMs[index] as number
    out[2] = history.usedMs[index] as number
    out[3] = history.budgetMs[index] as number
  }

  protected override peak(values: Float64Array): number {
    return values[0] as number
  }

  protected override ticks(): readonly number[] {
    return this.scaleMax > 1 ? [this.scaleMax, 1, 0] : [this.scaleMax, 0]
  }

  protected override formatTick(value: number): string {
    return `${Math.round(value * 100)}%`
  }

  protected override paintColumn(ctx: CanvasRenderingContext2D, x: number, values: Float64Array): void {
    const pr = this.pixelRatio
    const utilization = values[0] as number
    const line = this.y(1)
    if (utilization > 0) {
      const top = Math.min(this.y(utilization), this.plotBottom - pr)
      const within = Math.max(top, line)
      ctx.fillStyle = GRAPH_COLORS.used
      ctx.fillRect(x, within, pr, this.plotBottom - within)
      if (top < line) {
        ctx.fillStyle = GRAPH_COLORS.overrun
        ctx.fillRect(x, top, pr, line - top)
      }
    }
    ctx.fillStyle = GRAPH_COLORS.budgetLine
    ctx.fillRect(x, line, pr, pr)
    if ((values[1] as number) > 0) {
      ctx.fillStyle = GRAPH_COLORS.overrun
      ctx.fillRect(x, 0, pr, this.plotTop - 2 * pr)
    }
  }
}
